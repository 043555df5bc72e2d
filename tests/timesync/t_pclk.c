/*
 * VMware's precision clock (issue 14, part 3): where the host answers
 * PRECISIONCLOCK, vmt reads host time with it (to the nanosecond),
 * through the same bracketing and the same bound as any read; where it
 * does not, or stops, or answers nonsense, GETTIMEFULL.
 */

#include <atf-c.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dev/vmt/vmtreg.h>

#include "h_timesync.h"

static void
boot(bool pclk)
{
	struct setup s;

	setup_default(&s);
	s.precision_clock = pclk;
	world_boot(&s);
}

static void
time_command(char *buf, size_t len)
{
	ATF_REQUIRE_EQ(kenv_sysctl_getstr(
	    "machdep.vmt0.timesync.stats.time_command", buf, len), 0);
}

/* Mean and RMS of the offset over s seconds. */
static void
offset_stats(int64_t s, double *mean, double *rms)
{
	double sum = 0, sq = 0, o;
	int64_t i;

	for (i = 0; i < s; i++) {
		run_second();
		o = (double)offset_ns();
		sum += o;
		sq += o * o;
	}
	*mean = sum / (double)s;
	*rms = sqrt(sq / (double)s);
}

ATF_TC(used);
ATF_TC_HEAD(used, tc)
{
	atf_tc_set_md_var(tc, "descr", "a host with the precision clock: every "
	    "host read uses it, the guest's entry registers are the device's "
	    "(none refused), and the offset has no microsecond truncation "
	    "bias");
}
ATF_TC_BODY(used, tc)
{
	const struct vmthost_stats *hs;
	char buf[32];
	double mean, rms;

	boot(true);
	run_measure(1800, 0, &(struct stats){ 0, 0, 0, 0 });
	time_command(buf, sizeof(buf));
	ATF_REQUIRE_STREQ(buf, "precisionclock");
	hs = vmthost_stats(W.w_host);
	ATF_REQUIRE(hs->pclk_answered > 1800);
	ATF_REQUIRE_EQ(hs->pclk_refused, 0);
	ATF_REQUIRE_EQ((int64_t)hs->pclk_answered, ts_stat("precision_reads"));
	ATF_REQUIRE_EQ(kenv_log_count("host time from PRECISIONCLOCK"), 1);
	offset_stats(3600, &mean, &rms);
	printf("used: mean %.0f ns, rms %.0f ns\n", mean, rms);
	ATF_REQUIRE_MSG(fabs(mean) < 200, "mean offset %.0f ns", mean);
	ATF_REQUIRE_MSG(rms < 20000, "rms %.0f ns", rms);
}

ATF_TC(absent);
ATF_TC_HEAD(absent, tc)
{
	atf_tc_set_md_var(tc, "descr", "a host without it: probed once, then "
	    "every 600 s, GETTIMEFULL_WITH_LAG meanwhile; synchronized all "
	    "the same");
}
ATF_TC_BODY(absent, tc)
{
	const struct vmthost_stats *hs;
	char buf[32];

	boot(false);
	kenv_run_for(10 * NS);
	hs = vmthost_stats(W.w_host);
	ATF_REQUIRE_EQ(hs->pclk_refused, 1);
	ATF_REQUIRE_EQ(hs->pclk_answered, 0);
	time_command(buf, sizeof(buf));
	ATF_REQUIRE_STREQ(buf, "gettimefull_with_lag");
	run_measure(1800, 0, &(struct stats){ 0, 0, 0, 0 });
	ATF_REQUIRE_EQ(hs->pclk_refused, 1 + 1800 / 600);
	ATF_REQUIRE_EQ(ts_stat("precision_reads"), 0);
	ATF_REQUIRE_EQ(kenv_log_count("PRECISIONCLOCK"), 0);
	REQUIRE_SYNCED();
}

ATF_TC(appears);
ATF_TC_HEAD(appears, tc)
{
	atf_tc_set_md_var(tc, "descr", "the VM moves to a host with the "
	    "device: used within 600 s");
}
ATF_TC_BODY(appears, tc)
{
	char buf[32];
	int64_t t;

	boot(false);
	run_measure(100, 0, &(struct stats){ 0, 0, 0, 0 });
	vmthost_set_precision_clock(W.w_host, true);
	for (t = 0; t < 700; t++) {
		time_command(buf, sizeof(buf));
		if (strcmp(buf, "precisionclock") == 0)
			break;
		run_second();
	}
	printf("appears: used after %lld s\n", (long long)t);
	ATF_REQUIRE_STREQ(buf, "precisionclock");
	ATF_REQUIRE(t <= 600);
}

ATF_TC(stops);
ATF_TC_HEAD(stops, tc)
{
	atf_tc_set_md_var(tc, "descr", "the precision clock stops answering: "
	    "logged once, GETTIMEFULL at once, no sample lost to it; used "
	    "again once it answers");
}
ATF_TC_BODY(stops, tc)
{
	char buf[32];
	int64_t samples, rejected;

	boot(true);
	run_measure(600, 0, &(struct stats){ 0, 0, 0, 0 });
	samples = ts_stat("samples");
	rejected = ts_stat("rejected");
	vmthost_set_precision_clock(W.w_host, false);
	run_measure(300, 0, &(struct stats){ 0, 0, 0, 0 });
	time_command(buf, sizeof(buf));
	ATF_REQUIRE_STREQ(buf, "gettimefull_with_lag");
	ATF_REQUIRE_EQ(kenv_log_count("PRECISIONCLOCK stopped answering"), 1);
	ATF_REQUIRE(ts_stat("samples") > samples);
	ATF_REQUIRE_EQ(ts_stat("rejected"), rejected);
	REQUIRE_SYNCED();
	vmthost_set_precision_clock(W.w_host, true);
	run_measure(600, 0, &(struct stats){ 0, 0, 0, 0 });
	time_command(buf, sizeof(buf));
	ATF_REQUIRE_STREQ(buf, "precisionclock");
	ATF_REQUIRE_EQ(kenv_log_count("PRECISIONCLOCK again"), 1);
}

/* --- a host that answers command 97 its own way ---------------------- */

static int pclk_lie;		/* what the next answers do */
static unsigned pclk_lies;

static void
pclk_hook(struct vm_backdoor *f, uint16_t cmd)
{
	uint64_t t;

	if (cmd != VM_CMD_PRECISIONCLOCK)
		return;
	pclk_lies++;
	t = ((uint64_t)f->ebx.word << 32) | f->ecx.word;
	switch (pclk_lie) {
	case 1:		/* an hour off */
		t += 3600ULL * NS;
		break;
	case 2:		/* beyond int64_t */
		t |= 1ULL << 63;
		break;
	case 3:		/* "success" of another kind */
		f->eax.word = 1;
		break;
	}
	f->ebx.word = (uint32_t)(t >> 32);
	f->ecx.word = (uint32_t)t;
}

ATF_TC(disagrees);
ATF_TC_HEAD(disagrees, tc)
{
	atf_tc_set_md_var(tc, "descr", "command 97 answers an hour off "
	    "GETTIMEFULL: not used, logged, and the clock never follows it");
}
ATF_TC_BODY(disagrees, tc)
{
	char buf[32];

	pclk_lie = 1;
	h_backdoor_hook(pclk_hook);
	boot(true);
	run_measure(1800, 0, &(struct stats){ 0, 0, 0, 0 });
	ATF_REQUIRE(pclk_lies >= 3);		/* probed and reprobed */
	time_command(buf, sizeof(buf));
	ATF_REQUIRE_STREQ(buf, "gettimefull_with_lag");
	ATF_REQUIRE_EQ(ts_stat("precision_reads"), 0);
	ATF_REQUIRE(kenv_log_count("answers 3600 s off GETTIMEFULL") >= 1);
	REQUIRE_SYNCED();
}

ATF_TC(bad_answers);
ATF_TC_HEAD(bad_answers, tc)
{
	atf_tc_set_md_var(tc, "descr", "once in use, answers beyond int64_t "
	    "or with EAX != 0 are failures: GETTIMEFULL takes over; a jump "
	    "of the precision clock goes through the same bound as any read");
}
ATF_TC_BODY(bad_answers, tc)
{
	char buf[32];
	int64_t unconfirmed;

	h_backdoor_hook(pclk_hook);
	boot(true);
	run_measure(300, 0, &(struct stats){ 0, 0, 0, 0 });
	time_command(buf, sizeof(buf));
	ATF_REQUIRE_STREQ(buf, "precisionclock");

	pclk_lie = 2;
	run_measure(10, 0, &(struct stats){ 0, 0, 0, 0 });
	time_command(buf, sizeof(buf));
	ATF_REQUIRE_STREQ(buf, "gettimefull_with_lag");
	pclk_lie = 0;
	run_measure(700, 0, &(struct stats){ 0, 0, 0, 0 });
	time_command(buf, sizeof(buf));
	ATF_REQUIRE_STREQ(buf, "precisionclock");

	pclk_lie = 3;
	run_measure(10, 0, &(struct stats){ 0, 0, 0, 0 });
	time_command(buf, sizeof(buf));
	ATF_REQUIRE_STREQ(buf, "gettimefull_with_lag");
	pclk_lie = 0;
	run_measure(700, 0, &(struct stats){ 0, 0, 0, 0 });

	/* An hour off for 2 s, once in use: held, never followed. */
	time_command(buf, sizeof(buf));
	ATF_REQUIRE_STREQ(buf, "precisionclock");
	unconfirmed = ts_stat("unconfirmed");
	pclk_lie = 1;
	kenv_run_for(200 * MS);
	pclk_lie = 0;
	run_measure(60, 0, &(struct stats){ 0, 0, 0, 0 });
	ATF_REQUIRE(ts_stat("unconfirmed") > unconfirmed);
	ATF_REQUIRE_EQ(ts_stat("steps_forward") + ts_stat("steps_backward"),
	    0);
	REQUIRE_SYNCED();
}

ATF_TC(resume);
ATF_TC_HEAD(resume, tc)
{
	atf_tc_set_md_var(tc, "descr", "a 2 h suspend whose messages are lost, "
	    "on a host with the precision clock: caught within 2 s");
}
ATF_TC_BODY(resume, tc)
{
	int64_t t;

	boot(true);
	run_measure(600, 0, &(struct stats){ 0, 0, 0, 0 });
	suspend_for(7200 * NS);
	ATF_REQUIRE(offset_ns() < -7000 * NS);
	t = time_to_sync(10 * NS);
	ATF_REQUIRE_MSG(t >= 0 && t <= 2 * NS, "%s",
	    t < 0 ? "not within 1 ms in 10 s" : "took over 2 s");
	ATF_REQUIRE_EQ(ts_stat("resumes_discontinuity"), 1);
}

ATF_TC(sysctl);
ATF_TC_HEAD(sysctl, tc)
{
	atf_tc_set_md_var(tc, "descr", "precision_clock 0 reads GETTIMEFULL "
	    "although the host has the device, 1 the device again; 0 or 1 "
	    "only, with KAUTH_SYSTEM_TIME");
}
ATF_TC_BODY(sysctl, tc)
{
	const struct vmthost_stats *hs;
	char buf[32];
	uint64_t n;

	boot(true);
	run_measure(60, 0, &(struct stats){ 0, 0, 0, 0 });
	ATF_REQUIRE_EQ(sysctl_i("machdep.vmt0.timesync.precision_clock"), 1);
	ATF_REQUIRE_EQ(kenv_sysctl_setint(
	    "machdep.vmt0.timesync.precision_clock", 2), EINVAL);
	kenv_set_privileged(false);
	ATF_REQUIRE_EQ(kenv_sysctl_setint(
	    "machdep.vmt0.timesync.precision_clock", 0), EPERM);
	kenv_set_privileged(true);
	ATF_REQUIRE_EQ(kenv_sysctl_setint(
	    "machdep.vmt0.timesync.precision_clock", 0), 0);
	hs = vmthost_stats(W.w_host);
	n = hs->pclk_answered;
	run_measure(600, 0, &(struct stats){ 0, 0, 0, 0 });
	ATF_REQUIRE_EQ(hs->pclk_answered, n);
	time_command(buf, sizeof(buf));
	ATF_REQUIRE_STREQ(buf, "gettimefull_with_lag");
	REQUIRE_SYNCED();
	ATF_REQUIRE_EQ(kenv_sysctl_setint(
	    "machdep.vmt0.timesync.precision_clock", 1), 0);
	run_measure(10, 0, &(struct stats){ 0, 0, 0, 0 });
	ATF_REQUIRE(hs->pclk_answered > n);
	time_command(buf, sizeof(buf));
	ATF_REQUIRE_STREQ(buf, "precisionclock");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, used);
	ATF_TP_ADD_TC(tp, absent);
	ATF_TP_ADD_TC(tp, appears);
	ATF_TP_ADD_TC(tp, stops);
	ATF_TP_ADD_TC(tp, disagrees);
	ATF_TP_ADD_TC(tp, bad_answers);
	ATF_TP_ADD_TC(tp, resume);
	ATF_TP_ADD_TC(tp, sysctl);
	return atf_no_error();
}
