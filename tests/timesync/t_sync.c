/*
 * Issue 12, item 1: time sync whose error is set by the noise, on the
 * real kern_tc.c, vmt(4) and vmt_timesync.c against the simulated host
 * (h_timesync.h).  Each case first checks that the situation it is
 * about happened, then what the module made of it.  The accuracy of
 * the policy itself, against the oracle, is tests/vmtsim's.
 */

#include <atf-c.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "h_timesync.h"

#define DAY_NS		(86400LL * NS)

/* Boot, attach and run until synchronised. */
static void
boot_synced(const struct setup *s)
{
	world_boot(s);
	run_measure(1800, 0, &(struct stats){ 0, 0, 0, 0 });
	REQUIRE_SYNCED();
	watch_start();
}

ATF_TC(setclock_behind);
ATF_TC_HEAD(setclock_behind, tc)
{
	atf_tc_set_md_var(tc, "descr", "someone steps the guest 5 s behind "
	    "(tc_setclock from userland) with periodic sync on: stepped "
	    "back onto the host within 2 s, and sampling does not slow");
}
ATF_TC_BODY(setclock_behind, tc)
{
	struct setup s;
	struct timespec ts;
	int64_t fwd0, n0, took;

	setup_default(&s);
	boot_synced(&s);
	fwd0 = ts_stat("steps_forward");
	nanotime(&ts);
	ts.tv_sec -= 5;
	tc_setclock(&ts);
	/* The situation: the guest is 5 s behind. */
	ATF_REQUIRE(offset_ns() < -4900 * MS);
	n0 = ts_stat("samples");
	took = time_to_sync(10 * NS);
	printf("stepped 5 s behind: synced after %lld ms\n",
	    (long long)(took / MS));
	ATF_REQUIRE_MSG(took >= 0 && took <= 2 * NS, "took %lld ms",
	    (long long)(took / MS));
	ATF_REQUIRE_EQ(ts_stat("steps_forward") - fwd0, 1);
	ATF_REQUIRE_EQ(ts_stat("steps_backward"), 0);
	kenv_run_for(60 * NS);
	/* A sample every poll, not one a minute after a back-off. */
	ATF_REQUIRE_MSG(ts_stat("samples") - n0 >= 50, "%lld samples in a "
	    "minute", (long long)(ts_stat("samples") - n0));
	ATF_REQUIRE(llabs(offset_ns()) < 100 * US);
}

/* Suspend for gap ns after OS_Suspend was answered (or without it). */
static int64_t
suspend_resume(int64_t gap, bool os_suspend, bool resume_msgs)
{
	int64_t took;

	if (os_suspend) {
		vmthost_tclo_push(W.w_host, "OS_Suspend");
		while (vmthost_rpci_count(W.w_host,
		    "tools.os.statechange.status 1 5") == 0)
			kenv_run_for(10 * MS);
	}
	suspend_for(gap);
	/* The situation: the guest is behind by the whole gap. */
	ATF_REQUIRE(offset_ns() < -gap + NS);
	if (resume_msgs) {
		vmthost_tclo_push(W.w_host, "reset");
		vmthost_tclo_push(W.w_host, "OS_Resume");
	}
	took = time_to_sync(5 * NS);
	ATF_REQUIRE_EQ(ts_stat("steps_backward"), 0);
	return took;
}

ATF_TC(resume_vouched);
ATF_TC_HEAD(resume_vouched, tc)
{
	atf_tc_set_md_var(tc, "descr", "a resume the host vouched for "
	    "(OS_Suspend before it, or reset and OS_Resume after) is "
	    "corrected within 0.1 s of the first read that sees it; one "
	    "nothing vouches for within 2 s");
}
ATF_TC_BODY(resume_vouched, tc)
{
	struct setup s;
	int64_t took;

	setup_default(&s);
	boot_synced(&s);
	took = suspend_resume(7200 * NS, true, false);
	printf("OS_Suspend, resume: synced after %lld ms\n",
	    (long long)(took / MS));
	ATF_REQUIRE_MSG(took >= 0 && took <= 100 * MS, "took %lld ms",
	    (long long)(took / MS));

	run_watch(600 * NS, 10 * MS);
	took = suspend_resume(7200 * NS, false, true);
	printf("resume, reset and OS_Resume: synced after %lld ms\n",
	    (long long)(took / MS));
	/* The first poll comes up to a second after the resume. */
	ATF_REQUIRE_MSG(took >= 0 && took <= 1100 * MS, "took %lld ms",
	    (long long)(took / MS));

	run_watch(600 * NS, 10 * MS);
	took = suspend_resume(7200 * NS, false, false);
	printf("silent resume: synced after %lld ms\n",
	    (long long)(took / MS));
	ATF_REQUIRE_MSG(took >= 0 && took <= 2 * NS, "took %lld ms",
	    (long long)(took / MS));
	ATF_REQUIRE_EQ(ts_stat("steps_forward"), 3);
}

/* The host's clock is by ns off for len ns from now. */
static int64_t lie_from, lie_len, lie_by;

static int64_t
host_lying(void *arg)
{
	int64_t now = kenv_now();

	(void)arg;
	if (now >= lie_from && now - lie_from < lie_len)
		return host_true(NULL) + lie_by;
	return host_true(NULL);
}

ATF_TC(vouched_not_back);
ATF_TC_HEAD(vouched_not_back, tc)
{
	atf_tc_set_md_var(tc, "descr", "a host a day behind for 0.3 s with "
	    "reset and OS_Resume inside the lie: not moved (a stop only "
	    "ever moves host time forward against uptime, so no message "
	    "vouches for a backward jump)");
}
ATF_TC_BODY(vouched_not_back, tc)
{
	struct setup s;
	int64_t steps0, unconf0;

	setup_default(&s);
	boot_synced(&s);
	steps0 = sysctl_i("kern.timecounter.steps");
	unconf0 = ts_stat("unconfirmed");
	lie_from = kenv_now();
	lie_len = 300 * MS;
	lie_by = -DAY_NS;
	vmthost_set_clock(W.w_host, host_lying, NULL);
	vmthost_tclo_push(W.w_host, "reset");
	vmthost_tclo_push(W.w_host, "OS_Resume");
	run_watch(60 * NS, 10 * MS);
	/* The situation: the guest read the lie while the messages came. */
	ATF_REQUIRE(vmthost_tclo_replies(W.w_host, "OS_Resume") == 1);
	ATF_REQUIRE(ts_stat("unconfirmed") > unconf0);
	ATF_REQUIRE_EQ(sysctl_i("kern.timecounter.steps"), steps0);
	REQUIRE_SYNCED();
}

ATF_TC(slew_mirror);
ATF_TC_HEAD(slew_mirror, tc)
{
	atf_tc_set_md_var(tc, "descr", "a guest 2 s ahead slewed back at "
	    "5000 ppm for 400 s, sampled every second meanwhile: the "
	    "policy's idea of the kernel's slew holds (no read set aside), "
	    "and the slew lands within 100 us");
}
ATF_TC_BODY(slew_mirror, tc)
{
	struct setup s;
	int64_t o0, rej0, i, pend;

	setup_default(&s);
	s.offset_ns = 2 * NS;
	world_boot(&s);
	watch_start();
	kenv_run_for(5 * NS);
	/* The situation: slewing as fast as the kernel does. */
	o0 = offset_ns();
	ATF_REQUIRE(o0 > 1900 * MS);
	ATF_REQUIRE(pending_us() < -1800000);
	rej0 = ts_stat("rejected") + ts_stat("unconfirmed");
	for (i = 0; i < 380; i++) {
		kenv_run_for(NS);
		(void)watch_check();
	}
	pend = pending_us();
	printf("after 385 s: offset %lld us, pending %lld us\n",
	    (long long)(offset_ns() / US), (long long)pend);
	ATF_REQUIRE(offset_ns() < o0 - 1800 * MS);
	run_watch(60 * NS, 10 * MS);
	printf("after 445 s: offset %lld ns\n", (long long)offset_ns());
	ATF_REQUIRE(llabs(offset_ns()) < 100 * US);
	ATF_REQUIRE_EQ(ts_stat("rejected") + ts_stat("unconfirmed"), rej0);
	ATF_REQUIRE_EQ(ts_stat("steps_backward"), 0);
	ATF_REQUIRE_EQ(sysctl_i("kern.timecounter.steps"), 1);	/* boot */
}

ATF_TC(retick_back);
ATF_TC_HEAD(retick_back, tc)
{
	atf_tc_set_md_var(tc, "descr", "the host clears its checkbox for an "
	    "hour (the guest runs 100 ppm fast meanwhile) and ticks it "
	    "again, time.synchronize.tools.enable on: one backward step, "
	    "on time at once");
}
ATF_TC_BODY(retick_back, tc)
{
	struct setup s;
	int64_t took;

	setup_default(&s);
	boot_synced(&s);
	vmthost_set_synctime(W.w_host, false);
	vmthost_tclo_push(W.w_host, "Set_Option synctime 0");
	kenv_run_for(3600 * NS);
	/* The situation: the guest ran ahead while the box was clear. */
	ATF_REQUIRE_EQ(sysctl_i("machdep.vmt0.timesync.stats.enabled"), 0);
	ATF_REQUIRE(offset_ns() > 300 * MS);
	vmthost_set_synctime(W.w_host, true);
	vmthost_tclo_push(W.w_host, "Set_Option synctime 1");
	took = time_to_sync(5 * NS);
	printf("re-ticked: synced after %lld ms\n", (long long)(took / MS));
	ATF_REQUIRE_MSG(took >= 0 && took <= 2 * NS, "took %lld ms",
	    (long long)(took / MS));
	ATF_REQUIRE_EQ(ts_stat("steps_backward"), 1);
}

ATF_TC(first_tick_slews);
ATF_TC_HEAD(first_tick_slews, tc)
{
	atf_tc_set_md_var(tc, "descr", "a box clear since attach, ticked "
	    "with the guest 300 ms ahead: not a re-tick, so slewed, never "
	    "stepped back");
}
ATF_TC_BODY(first_tick_slews, tc)
{
	struct setup s;

	setup_default(&s);
	s.synctime = false;
	s.offset_ns = 300 * MS;
	world_boot(&s);
	watch_start();
	kenv_run_for(5 * NS);
	/* The situation: the box is clear, the guest ahead. */
	ATF_REQUIRE_EQ(sysctl_i("machdep.vmt0.timesync.host_synctime"), 0);
	ATF_REQUIRE(offset_ns() > 290 * MS);
	vmthost_set_synctime(W.w_host, true);
	vmthost_tclo_push(W.w_host, "Set_Option synctime 1");
	run_watch(5 * NS, 10 * MS);
	ATF_REQUIRE_EQ(sysctl_i("machdep.vmt0.timesync.host_synctime"), 1);
	ATF_REQUIRE(offset_ns() > 250 * MS);
	ATF_REQUIRE(time_to_sync(120 * NS) >= 0);
	ATF_REQUIRE_EQ(ts_stat("steps_backward"), 0);
	ATF_REQUIRE_EQ(watch_check(), 0);
}

ATF_TC(noise_shown);
ATF_TC_HEAD(noise_shown, tc)
{
	atf_tc_set_md_var(tc, "descr", "the read noise the policy measured "
	    "and the interval of its full samples are shown under stats: "
	    "a host that reads anywhere in calls of up to 41 us is seen "
	    "7 us off");
}
ATF_TC_BODY(noise_shown, tc)
{
	struct setup s;
	int64_t n, iv;

	setup_default(&s);
	s.jitter_ns = 40 * US;		/* read anywhere in 1 + 40 us */
	boot_synced(&s);
	n = ts_stat("noise_ns");
	iv = ts_stat("interval_ms");
	printf("noise %lld ns, interval %lld ms\n", (long long)n,
	    (long long)iv);
	/*
	 * Read anywhere in calls of 1 to 41 us: sqrt(E[w^2]/12) = 6.9 us,
	 * give or take the truncation to the us.
	 */
	ATF_REQUIRE_MSG(n > 5 * US && n < 9 * US, "noise %lld ns",
	    (long long)n);
	ATF_REQUIRE(iv >= 2000 &&
	    iv <= sysctl_i("machdep.vmt0.timesync.period") * 1000);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, setclock_behind);
	ATF_TP_ADD_TC(tp, resume_vouched);
	ATF_TP_ADD_TC(tp, vouched_not_back);
	ATF_TP_ADD_TC(tp, slew_mirror);
	ATF_TP_ADD_TC(tp, retick_back);
	ATF_TP_ADD_TC(tp, first_tick_slews);
	ATF_TP_ADD_TC(tp, noise_shown);
	return atf_no_error();
}
