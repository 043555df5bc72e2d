/*
 * Detach with options VMT_TIMESYNC: hands off the clock (the pending
 * slew cancelled, the frequency correction found at enable given back),
 * nothing of the module left running or reachable, and a fresh attach
 * works.  Run under ASan, a callout or sysctl node outliving the module
 * is a use after free.
 */

#include <atf-c.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dev/vmt/vmtreg.h>

#include "h_timesync.h"

#define PPB		((int64_t)1 << 32)	/* tc_adjfreq() unit */

static int64_t
freq_now(void)
{
	int64_t f = -1;

	ATF_REQUIRE_EQ(__real_tc_adjfreq(&f, NULL), 0);
	return f;
}

static uint64_t
time_reads(void)
{
	const struct vmthost_stats *st = vmthost_stats(W.w_host);

	return st->calls[VM_CMD_GET_TIME_FULL] +
	    st->calls[VM_CMD_GET_TIME_FULL_LAG];
}

/* Detach vmt0 and check that nothing of the module is left. */
static void
detach_and_check(void)
{
	int64_t v, a0;
	uint64_t reads;
	unsigned lines;

	ATF_REQUIRE_EQ(vmt_kenv_detach(W.w_sc), 0);
	W.w_sc = NULL;
	ATF_CHECK_EQ(pending_us(), 0);
	ATF_CHECK_EQ(kenv_sysctl_getint("machdep.vmt0.timesync.period", &v),
	    ENOENT);
	ATF_CHECK_EQ(kenv_sysctl_getint(
	    "machdep.vmt0.timesync.stats.samples", &v), ENOENT);
	ATF_CHECK_EQ(kenv_sysctl_getint("machdep.vmt0.clock_sync.period",
	    &v), ENOENT);
	/* Nothing runs any more: no host reads, no adjustment, no log. */
	reads = time_reads();
	a0 = adjustments();
	lines = kenv_log_lines();
	vmthost_tclo_push(W.w_host, "Time_Synchronize 0");
	W.w_host_off += 10 * NS;
	kenv_run_for(3600 * NS);
	ATF_CHECK_EQ(time_reads(), reads);
	ATF_CHECK_EQ(adjustments(), a0);
	ATF_CHECK_EQ(kenv_log_lines(), lines);
	W.w_host_off -= 10 * NS;
}

ATF_TC(detach_mid_slew);
ATF_TC_HEAD(detach_mid_slew, tc)
{
	atf_tc_set_md_var(tc, "descr", "detach while a 5 s slew runs and a "
	    "frequency correction is installed: both handed back, then a "
	    "fresh attach synchronises again");
}
ATF_TC_BODY(detach_mid_slew, tc)
{
	struct setup s;
	int64_t f;

	setup_default(&s);
	s.offset_ns = 5 * NS;
	s.attach = false;
	world_boot(&s);
	/* Somebody's correction from before the driver took over. */
	f = 7 * PPB;
	ATF_REQUIRE_EQ(__real_tc_adjfreq(NULL, &f), 0);
	W.w_sc = vmt_kenv_attach(0);
	ATF_REQUIRE(W.w_sc != NULL);
	watch_start();
	kenv_run_for(300 * NS);
	(void)watch_check();
	/* The situation: slewing, with its own frequency installed. */
	ATF_REQUIRE_MSG(pending_us() < -3000000, "pending %lld us",
	    (long long)pending_us());
	ATF_REQUIRE(llabs(freq_now() / PPB + 100000) < 5000);
	detach_and_check();
	ATF_CHECK_EQ(freq_now(), 7 * PPB);
	(void)watch_check();

	W.w_sc = vmt_kenv_attach(0);
	ATF_REQUIRE(W.w_sc != NULL);
	ATF_CHECK(time_to_sync(1200 * NS) >= 0);
	ATF_CHECK_EQ(ts_stat("steps_backward"), 0);
	detach_and_check();
	ATF_CHECK_EQ(freq_now(), 7 * PPB);
	ATF_CHECK_EQ(h_steps_back, 0);
}

ATF_TC(detach_disabled);
ATF_TC_HEAD(detach_disabled, tc)
{
	atf_tc_set_md_var(tc, "descr", "detach while the host's flag is "
	    "off: the clock, and somebody else's correction, untouched");
}
ATF_TC_BODY(detach_disabled, tc)
{
	struct setup s;
	int64_t f, a0;
	struct timeval d = { 0, 200000 };

	setup_default(&s);
	s.synctime = false;
	world_boot(&s);
	kenv_run_for(120 * NS);
	ATF_REQUIRE_EQ(ts_stat("enabled"), 0);
	/* ntpd's work, say: a slew and a frequency. */
	f = -3 * PPB;
	ATF_REQUIRE_EQ(__real_tc_adjfreq(NULL, &f), 0);
	ATF_REQUIRE_EQ(kenv_adjtime(&d, NULL), 0);
	a0 = adjustments();
	ATF_REQUIRE_EQ(vmt_kenv_detach(W.w_sc), 0);
	ATF_CHECK_EQ(adjustments(), a0);
	ATF_CHECK_EQ(freq_now(), -3 * PPB);
	ATF_CHECK_EQ(kenv_adjtime(NULL, &d), 0);
	ATF_CHECK(d.tv_sec == 0 && d.tv_usec == 200000);
}

ATF_TC(detach_busy);
ATF_TC_HEAD(detach_busy, tc)
{
	atf_tc_set_md_var(tc, "descr", "detach in every state the module "
	    "can be in (a one-shot queued, a host jump awaiting confirmation, "
	    "a resume, refusals): 40 attach/detach cycles, each clean");
	atf_tc_set_md_var(tc, "timeout", "120");
}
ATF_TC_BODY(detach_busy, tc)
{
	struct setup s;
	int i;

	setup_default(&s);
	world_boot(&s);
	for (i = 0; i < 40; i++) {
		switch (i % 5) {
		case 0:
			vmthost_tclo_push(W.w_host, "Time_Synchronize 0");
			break;
		case 1:
			W.w_host_off += 3600 * NS;	/* a jump to confirm */
			break;
		case 2:
			suspend_for(600 * NS);
			vmthost_tclo_push(W.w_host, "OS_Resume");
			break;
		case 3:
			h_refuse_adjtime(true);
			h_refuse_adjfreq(true);
			break;
		case 4:
			ATF_REQUIRE_EQ(kenv_sysctl_setstr(
			    "machdep.vmt0.timesync.mode", "off"), 0);
			break;
		}
		kenv_run_for((int64_t)(i * 137 % 1100) * MS);
		/* A kernel refusing the cancel would keep the slew. */
		h_refuse_adjtime(false);
		h_refuse_adjfreq(false);
		detach_and_check();
		W.w_sc = vmt_kenv_attach(0);
		ATF_REQUIRE(W.w_sc != NULL);
		kenv_run_for(5 * NS);
	}
	/* Up to 1.4 s ahead (an hour unsynced at 100 ppm): 280 s of slew. */
	ATF_REQUIRE(time_to_sync(600 * NS) >= 0);
	ATF_CHECK_EQ(h_steps_back, 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, detach_mid_slew);
	ATF_TP_ADD_TC(tp, detach_disabled);
	ATF_TP_ADD_TC(tp, detach_busy);
	return atf_no_error();
}
