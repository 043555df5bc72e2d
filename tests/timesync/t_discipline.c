/*
 * vmt(4) and a time discipline in userland (issue 14, part 1), in the
 * fast environment: the real kern_tc.c, vmt(4) and vmt_timesync*.c on
 * the environment's kern_ntptime.c and kern_time.c (NetBSD's semantics),
 * disciplined through the system calls' own paths: kenv_ntp_adjtime()
 * (ntp_adjtime(2)), kenv_adjtime() (adjtime(2)) and kenv_settime()
 * (clock_settime(2)).
 *
 * Every test first checks that vmt was synchronizing (so that standing
 * aside is a change), then that it saw the discipline, then what it did.
 */

#include <sys/time.h>
#include <sys/timex.h>		/* the NTP API's MOD_* and STA_* values */

#include <atf-c.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h_timesync.h"

#define DISC		"machdep.vmt0.timesync.discipline."
#define HOLD_S		2048	/* discipline.hold's default */

/* kern_tc.c's adjustments: steps, tc_adjtime() and tc_adjfreq() calls. */
static int64_t
tc_calls(void)
{
	return adjustments();
}

static void
seen(char *buf, size_t len)
{
	ATF_REQUIRE_EQ(kenv_sysctl_getstr(DISC "seen", buf, len), 0);
}

/* Boot, let vmt synchronize for 30 min, and check that it did. */
static void
boot_synced(void)
{
	struct setup s;
	char buf[128];

	setup_default(&s);
	world_boot(&s);
	run_measure(1800, 0, &(struct stats){ 0, 0, 0, 0 });
	REQUIRE_SYNCED();
	ATF_REQUIRE_EQ(sysctl_i("machdep.vmt0.timesync.stats.enabled"), 1);
	ATF_REQUIRE(ts_stat("slews") > 0);
	ATF_REQUIRE_EQ(sysctl_i(DISC "present"), 0);
	ATF_REQUIRE_EQ(sysctl_i(DISC "episodes"), 0);
	seen(buf, sizeof(buf));
	ATF_REQUIRE_STREQ(buf, "none");
	kenv_log_clear();
}

/*
 * ntpd, as far as the kernel sees it: at every poll, the offset it
 * measured, with the maximum and estimated errors, STA_PLL on.
 */
static void
ntpd_update(void)
{
	struct kenv_timex tx;

	memset(&tx, 0, sizeof(tx));
	tx.modes = MOD_OFFSET | MOD_STATUS | MOD_MAXERROR | MOD_ESTERROR |
	    MOD_TIMECONST | MOD_NANO;
	tx.status = STA_PLL;
	/* ntpd's offset is host - guest; the kernel corrects it away. */
	tx.offset = (long)-offset_ns();
	tx.maxerror = 2000 + (long)(kenv_now() / NS % 100);
	tx.esterror = 100 + (long)(kenv_now() / NS % 7);
	tx.constant = 0;
	ATF_REQUIRE(kenv_ntp_adjtime(&tx) >= 0);
}

static void
ntpd_stop(void)
{
	struct kenv_timex tx;

	memset(&tx, 0, sizeof(tx));
	tx.modes = MOD_STATUS;
	tx.status = STA_UNSYNC;
	ATF_REQUIRE(kenv_ntp_adjtime(&tx) >= 0);
	ATF_REQUIRE((tx.status & (STA_PLL | STA_FLL)) == 0);
}

/* Run s seconds with ntpd polling every 64 s. */
static void
run_ntpd(int64_t s)
{
	int64_t i;

	for (i = 0; i < s; i++) {
		if (kenv_now() / NS % 64 == 0)
			ntpd_update();
		run_second();
	}
}

ATF_TC(ntp_pll);
ATF_TC_HEAD(ntp_pll, tc)
{
	atf_tc_set_md_var(tc, "descr", "ntpd's kernel PLL (STA_PLL) for 2 h: "
	    "vmt stands aside within 2 s, logs why once, adjusts nothing, "
	    "still measures; takes over hold seconds after STA_PLL is "
	    "cleared and synchronizes again");
}
ATF_TC_BODY(ntp_pll, tc)
{
	char buf[128];
	int64_t calls, samples, t0, since, i, off;

	boot_synced();
	t0 = guest_sec();
	ntpd_update();
	for (i = 0; i < 20 && sysctl_i(DISC "present") == 0; i++)
		kenv_run_for(100 * MS);
	printf("ntp_pll: seen after %lld ms\n", (long long)(i * 100));
	ATF_REQUIRE_EQ(sysctl_i(DISC "present"), 1);
	seen(buf, sizeof(buf));
	ATF_REQUIRE_STREQ(buf, "ntp_adjtime:STA_PLL");
	since = sysctl_i(DISC "since");
	ATF_REQUIRE_MSG(since >= t0 && since <= t0 + 2, "since %lld, now %lld",
	    (long long)since, (long long)t0);
	ATF_REQUIRE_EQ(sysctl_i("machdep.vmt0.timesync.stats.enabled"), 0);
	ATF_REQUIRE_EQ(kenv_log_count("standing aside"), 1);
	ATF_REQUIRE_EQ(pending_us(), 0);	/* its own slew cancelled */

	calls = tc_calls();
	samples = ts_stat("samples");
	run_ntpd(7200);
	printf("ntp_pll: 2 h under ntpd: %lld kern_tc calls, %lld samples, "
	    "offset %lld us (vmt says %lld us)\n",
	    (long long)(tc_calls() - calls),
	    (long long)(ts_stat("samples") - samples),
	    (long long)(offset_ns() / US),
	    (long long)(ts_stat("offset_ns") / US));
	ATF_REQUIRE_EQ(tc_calls(), calls);
	ATF_REQUIRE(ts_stat("samples") - samples >= 7200 / 60);
	/* It measures: its last offset is the clock's, give or take. */
	off = ts_stat("offset_ns") - offset_ns();
	ATF_REQUIRE_MSG(llabs(off) < 2 * MS, "vmt's offset off by %lld ns",
	    (long long)off);
	ATF_REQUIRE_EQ(sysctl_i(DISC "present"), 1);
	ATF_REQUIRE_EQ(sysctl_i(DISC "episodes"), 1);
	ATF_REQUIRE_EQ(kenv_log_count("standing aside"), 1);
	ATF_REQUIRE(sysctl_i(DISC "last") >= guest_sec() - 64);

	/* ntpd goes away cleanly: nothing for hold seconds, then vmt. */
	ntpd_stop();
	run_measure(HOLD_S - 5, 0, &(struct stats){ 0, 0, 0, 0 });
	ATF_REQUIRE_EQ(sysctl_i(DISC "present"), 1);
	ATF_REQUIRE_EQ(tc_calls(), calls);
	run_measure(10, 0, &(struct stats){ 0, 0, 0, 0 });
	ATF_REQUIRE_EQ(sysctl_i(DISC "present"), 0);
	ATF_REQUIRE_EQ(sysctl_i("machdep.vmt0.timesync.stats.enabled"), 1);
	ATF_REQUIRE_EQ(kenv_log_count("synchronizing again"), 1);
	ATF_REQUIRE(tc_calls() > calls);
	/* What it saw stays readable. */
	seen(buf, sizeof(buf));
	ATF_REQUIRE_STREQ(buf, "ntp_adjtime:STA_PLL");
	ATF_REQUIRE_EQ(sysctl_i(DISC "since"), since);
	run_measure(1800, 0, &(struct stats){ 0, 0, 0, 0 });
	REQUIRE_SYNCED();
}

ATF_TC(ntp_stale);
ATF_TC_HEAD(ntp_stale, tc)
{
	atf_tc_set_md_var(tc, "descr", "STA_PLL set once and never updated "
	    "again (ntpd died): vmt takes over hold seconds later although "
	    "STA_PLL stays set");
}
ATF_TC_BODY(ntp_stale, tc)
{
	struct kenv_timex tx;
	int64_t calls;

	boot_synced();
	ntpd_update();
	kenv_run_for(2 * NS);
	ATF_REQUIRE_EQ(sysctl_i(DISC "present"), 1);
	calls = tc_calls();
	/* The kernel PLL runs on alone: its state only evolves. */
	run_measure(HOLD_S - 5, 0, &(struct stats){ 0, 0, 0, 0 });
	ATF_REQUIRE_EQ(sysctl_i(DISC "present"), 1);
	ATF_REQUIRE_EQ(tc_calls(), calls);
	run_measure(10, 0, &(struct stats){ 0, 0, 0, 0 });
	memset(&tx, 0, sizeof(tx));
	ATF_REQUIRE(kenv_ntp_adjtime(&tx) >= 0);
	ATF_REQUIRE(tx.status & STA_PLL);
	ATF_REQUIRE_EQ(sysctl_i(DISC "present"), 0);
	ATF_REQUIRE(tc_calls() > calls);
}

ATF_TC(ntp_fll);
ATF_TC_HEAD(ntp_fll, tc)
{
	atf_tc_set_md_var(tc, "descr", "ntp_adjtime(2) setting STA_FLL is "
	    "seen as such");
}
ATF_TC_BODY(ntp_fll, tc)
{
	struct kenv_timex tx;
	char buf[128];

	boot_synced();
	memset(&tx, 0, sizeof(tx));
	tx.modes = MOD_STATUS | MOD_FREQUENCY;
	tx.status = STA_FLL;
	tx.freq = 3L << 16;
	ATF_REQUIRE(kenv_ntp_adjtime(&tx) >= 0);
	kenv_run_for(2 * NS);
	ATF_REQUIRE_EQ(sysctl_i(DISC "present"), 1);
	seen(buf, sizeof(buf));
	ATF_REQUIRE_STREQ(buf, "ntp_adjtime:STA_FLL");
}

ATF_TC(ntp_read_only);
ATF_TC_HEAD(ntp_read_only, tc)
{
	atf_tc_set_md_var(tc, "descr", "reading ntp_adjtime(2) (ntpq, "
	    "ntptime) and a discipline-less frequency change are no sign");
}
ATF_TC_BODY(ntp_read_only, tc)
{
	struct kenv_timex tx;
	int i;

	boot_synced();
	for (i = 0; i < 100; i++) {
		memset(&tx, 0, sizeof(tx));
		ATF_REQUIRE(kenv_ntp_adjtime(&tx) >= 0);
		run_second();
	}
	/* A frequency with neither PLL nor FLL: nothing disciplines it. */
	memset(&tx, 0, sizeof(tx));
	tx.modes = MOD_FREQUENCY;
	tx.freq = 1L << 16;
	ATF_REQUIRE(kenv_ntp_adjtime(&tx) >= 0);
	run_measure(60, 0, &(struct stats){ 0, 0, 0, 0 });
	ATF_REQUIRE_EQ(sysctl_i(DISC "present"), 0);
	ATF_REQUIRE_EQ(sysctl_i(DISC "episodes"), 0);
}

ATF_TC(adjtime_delta);
ATF_TC_HEAD(adjtime_delta, tc)
{
	atf_tc_set_md_var(tc, "descr", "an adjtime(2) delta from userland: "
	    "seen while pending; vmt stands aside and takes over hold "
	    "seconds after it is done");
}
ATF_TC_BODY(adjtime_delta, tc)
{
	struct timeval tv = { 0, 50000 };	/* 50 ms: 100 s at 500 us/s */
	char buf[128];
	int64_t calls;

	boot_synced();
	ATF_REQUIRE_EQ(kenv_adjtime(&tv, NULL), 0);
	kenv_run_for(2 * NS);
	ATF_REQUIRE_EQ(sysctl_i(DISC "present"), 1);
	seen(buf, sizeof(buf));
	ATF_REQUIRE_STREQ(buf, "adjtime");
	ATF_REQUIRE_EQ(kenv_log_count("an adjtime(2) delta"), 1);
	calls = tc_calls();
	run_measure(200, 0, &(struct stats){ 0, 0, 0, 0 });
	ATF_REQUIRE_EQ(kenv_adjtime(NULL, &tv), 0);
	ATF_REQUIRE(tv.tv_sec == 0 && tv.tv_usec == 0);
	ATF_REQUIRE_EQ(tc_calls(), calls);
	/* The delta ended about 100 s in: hold seconds from then. */
	run_measure(HOLD_S - 200, 0, &(struct stats){ 0, 0, 0, 0 });
	ATF_REQUIRE_EQ(sysctl_i(DISC "present"), 1);
	run_measure(200, 0, &(struct stats){ 0, 0, 0, 0 });
	ATF_REQUIRE_EQ(sysctl_i(DISC "present"), 0);
	ATF_REQUIRE(tc_calls() > calls);
}

ATF_TC(settime);
ATF_TC_HEAD(settime, tc)
{
	atf_tc_set_md_var(tc, "descr", "clock_settime(2) from userland is a "
	    "sign; the kernel's own tc_setclock() (inittodr) and vmt's steps "
	    "are not");
}
ATF_TC_BODY(settime, tc)
{
	struct timespec ts;
	char buf[128];
	int64_t fwd;

	boot_synced();
	/* inittodr(9) sets the clock from the RTC: no boottime move. */
	nanotime(&ts);
	ts.tv_sec += 3;
	tc_setclock(&ts);
	run_measure(30, 0, &(struct stats){ 0, 0, 0, 0 });
	ATF_REQUIRE_EQ(sysctl_i(DISC "present"), 0);
	ATF_REQUIRE_EQ(sysctl_i(DISC "kernel_steps"), 1);
	/* vmt steps the clock back into line: not a sign either. */
	fwd = ts_stat("steps_forward");
	nanotime(&ts);
	ts.tv_sec -= 5;
	tc_setclock(&ts);
	run_measure(150, 0, &(struct stats){ 0, 0, 0, 0 });
	ATF_REQUIRE_EQ(ts_stat("steps_forward"), fwd + 1);
	ATF_REQUIRE_EQ(sysctl_i(DISC "present"), 0);
	ATF_REQUIRE_EQ(sysctl_i(DISC "kernel_steps"), 2);

	/* date(1): clock_settime(2), through kern_time.c. */
	nanotime(&ts);
	ts.tv_sec += 2;
	ATF_REQUIRE_EQ(kenv_settime(&ts), 0);
	kenv_run_for(2 * NS);
	ATF_REQUIRE_EQ(sysctl_i(DISC "present"), 1);
	seen(buf, sizeof(buf));
	ATF_REQUIRE_STREQ(buf, "settime");
	ATF_REQUIRE_EQ(sysctl_i(DISC "kernel_steps"), 2);
	ATF_REQUIRE_EQ(kenv_log_count("settimeofday(2) or clock_settime(2)"),
	    1);
	/* Now 2 s ahead, and vmt leaves it so. */
	run_measure(600, 0, &(struct stats){ 0, 0, 0, 0 });
	ATF_REQUIRE_MSG(offset_ns() > NS, "offset %lld ns",
	    (long long)offset_ns());
}

ATF_TC(resume_aside);
ATF_TC_HEAD(resume_aside, tc)
{
	atf_tc_set_md_var(tc, "descr", "under ntpd, a 2 h suspend: vmt still "
	    "steps the clock within 2 s of the resume, and slews nothing");
}
ATF_TC_BODY(resume_aside, tc)
{
	int64_t fwd, adjt, adjf, t;

	boot_synced();
	run_ntpd(600);
	ATF_REQUIRE_EQ(sysctl_i(DISC "present"), 1);
	fwd = ts_stat("steps_forward");
	adjt = sysctl_i("kern.timecounter.adjtimes");
	adjf = sysctl_i("kern.timecounter.adjfreqs");
	vmthost_tclo_push(W.w_host, "OS_Suspend");
	kenv_run_for(2 * NS);
	suspend_for(7200 * NS);
	vmthost_tclo_push(W.w_host, "reset");
	vmthost_tclo_push(W.w_host, "OS_Resume");
	ATF_REQUIRE(offset_ns() < -7000 * NS);
	t = time_to_sync(10 * NS);
	printf("resume_aside: within 1 ms %lld ms after the resume\n",
	    (long long)(t / MS));
	ATF_REQUIRE_MSG(t >= 0 && t <= 2 * NS, "%s",
	    t < 0 ? "not within 1 ms in 10 s" : "took over 2 s");
	ATF_REQUIRE_EQ(ts_stat("steps_forward"), fwd + 1);
	ATF_REQUIRE_EQ(sysctl_i(DISC "oneshot_steps"), 1);
	run_ntpd(600);
	ATF_REQUIRE_EQ(sysctl_i("kern.timecounter.adjtimes"), adjt);
	ATF_REQUIRE_EQ(sysctl_i("kern.timecounter.adjfreqs"), adjf);
	ATF_REQUIRE_EQ(sysctl_i(DISC "present"), 1);
	/* Its own step is not taken for a discipline's. */
	ATF_REQUIRE_EQ(sysctl_i(DISC "kernel_steps"), 0);
}

ATF_TC(mode_on);
ATF_TC_HEAD(mode_on, tc)
{
	atf_tc_set_md_var(tc, "descr", "mode on adjusts under ntpd too, and "
	    "still shows the discipline; mode off does nothing either way");
}
ATF_TC_BODY(mode_on, tc)
{
	int64_t calls;

	boot_synced();
	ATF_REQUIRE_EQ(kenv_sysctl_setstr("machdep.vmt0.timesync.mode", "on"),
	    0);
	ntpd_update();
	kenv_run_for(2 * NS);
	ATF_REQUIRE_EQ(sysctl_i(DISC "present"), 1);
	ATF_REQUIRE_EQ(sysctl_i("machdep.vmt0.timesync.stats.enabled"), 1);
	calls = tc_calls();
	run_ntpd(600);
	ATF_REQUIRE(tc_calls() > calls);
	ATF_REQUIRE_EQ(kenv_log_count("standing aside"), 0);
	/* Back to host: it stands aside now, and says why once. */
	ATF_REQUIRE_EQ(kenv_sysctl_setstr("machdep.vmt0.timesync.mode",
	    "host"), 0);
	run_ntpd(120);
	calls = tc_calls();
	run_ntpd(600);
	ATF_REQUIRE_EQ(tc_calls(), calls);
	ATF_REQUIRE_EQ(kenv_log_count("standing aside"), 1);
}

ATF_TC(hold_sysctl);
ATF_TC_HEAD(hold_sysctl, tc)
{
	atf_tc_set_md_var(tc, "descr", "discipline.hold: 1 to 604800, needs "
	    "KAUTH_SYSTEM_TIME, and takes effect at once; the other nodes "
	    "are read-only");
}
ATF_TC_BODY(hold_sysctl, tc)
{
	boot_synced();
	ATF_REQUIRE_EQ(sysctl_i(DISC "hold"), HOLD_S);
	ATF_REQUIRE_EQ(kenv_sysctl_setint(DISC "hold", 0), EINVAL);
	ATF_REQUIRE_EQ(kenv_sysctl_setint(DISC "hold", 604801), EINVAL);
	ATF_REQUIRE_EQ(kenv_sysctl_setint(DISC "present", 1), EPERM);
	ATF_REQUIRE_EQ(kenv_sysctl_setint(DISC "since", 1), EPERM);
	kenv_set_privileged(false);
	ATF_REQUIRE_EQ(kenv_sysctl_setint(DISC "hold", 60), EPERM);
	kenv_set_privileged(true);
	ATF_REQUIRE_EQ(sysctl_i(DISC "hold"), HOLD_S);
	ATF_REQUIRE_EQ(kenv_sysctl_setint(DISC "hold", 60), 0);
	ATF_REQUIRE_EQ(sysctl_i(DISC "hold"), 60);
	ntpd_update();
	kenv_run_for(2 * NS);
	ATF_REQUIRE_EQ(sysctl_i(DISC "present"), 1);
	ntpd_stop();
	run_measure(65, 0, &(struct stats){ 0, 0, 0, 0 });
	ATF_REQUIRE_EQ(sysctl_i(DISC "present"), 0);
}

ATF_TC(no_false_sign);
ATF_TC_HEAD(no_false_sign, tc)
{
	atf_tc_set_md_var(tc, "descr", "24 h of vmt's own work (a forward step "
	    "at boot, slews, frequency, a resume step) is never taken for a "
	    "discipline");
}
ATF_TC_BODY(no_false_sign, tc)
{
	struct setup s;

	setup_default(&s);
	s.offset_ns = -5 * NS;		/* stepped forward at attach */
	s.wander = 1e-9;
	world_boot(&s);
	run_measure(43200, 0, &(struct stats){ 0, 0, 0, 0 });
	suspend_for(3600 * NS);
	vmthost_tclo_push(W.w_host, "OS_Resume");
	run_measure(43200, 0, &(struct stats){ 0, 0, 0, 0 });
	ATF_REQUIRE(ts_stat("steps_forward") >= 2);
	ATF_REQUIRE(ts_stat("slews") > 100);
	ATF_REQUIRE_EQ(sysctl_i(DISC "episodes"), 0);
	ATF_REQUIRE_EQ(sysctl_i(DISC "kernel_steps"), 0);
	REQUIRE_SYNCED();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, ntp_pll);
	ATF_TP_ADD_TC(tp, ntp_stale);
	ATF_TP_ADD_TC(tp, ntp_fll);
	ATF_TP_ADD_TC(tp, ntp_read_only);
	ATF_TP_ADD_TC(tp, adjtime_delta);
	ATF_TP_ADD_TC(tp, settime);
	ATF_TP_ADD_TC(tp, resume_aside);
	ATF_TP_ADD_TC(tp, mode_on);
	ATF_TP_ADD_TC(tp, hold_sysctl);
	ATF_TP_ADD_TC(tp, no_false_sign);
	return atf_no_error();
}
