/*
 * kern_tc.c with kern_ntptime.c and kern_time.c (the environment's,
 * with NetBSD's semantics): ntp_update_second() once per second of
 * realtime, adjtime(2)'s 5000/500 us per second slew, the NTP
 * frequency and phase, leap seconds, settime, and the in-kernel slew
 * (tc_adjtime()) on top of all that without disturbing it.
 */

#include <sys/time.h>
#include <sys/timex.h>		/* the NTP API's MOD_* and STA_* values */

#include <atf-c.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "h_tc.h"


static void
set_adjtime(int64_t us)
{
	struct timeval tv;

	tv.tv_sec = us / 1000000;
	tv.tv_usec = us % 1000000;
	if (tv.tv_usec < 0) {
		tv.tv_sec--;
		tv.tv_usec += 1000000;
	}
	ATF_REQUIRE_EQ(kenv_adjtime(&tv, NULL), 0);
}

static int64_t
get_adjtime(void)
{
	struct timeval tv;

	ATF_REQUIRE_EQ(kenv_adjtime(NULL, &tv), 0);
	ATF_REQUIRE(tv.tv_usec >= 0 && tv.tv_usec < 1000000);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* Run to just after the next realtime second. */
static void
to_next_second(void)
{
	int64_t r = h_now_ns();

	kenv_run_for(NS - r % NS + NS / 20);
}

ATF_TC(adjtime_rates);
ATF_TC_HEAD(adjtime_rates, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "adjtime(2) of +3 s slews 5000 us per second while more than "
	    "1 s is pending, then 500 us per second, then the rest, as "
	    "NetBSD's ntp_update_second(); olddelta says what is left");
}
ATF_TC_BODY(adjtime_rates, tc)
{
	int64_t left, prev, step, r0, t0, gain, sec;
	uint64_t n0;

	h_boot(2000000000, 32, 0.0);
	h_set_realtime(EPOCH + NS / 3);
	kenv_run_for(NS);
	set_adjtime(3000000);
	ATF_REQUIRE_EQ(get_adjtime(), 3000000);
	r0 = h_now_ns();
	t0 = kenv_now();
	n0 = kenv_ntp_seconds();
	prev = 3000000;
	for (sec = 0; sec < 2500 && prev != 0; sec++) {
		to_next_second();
		left = get_adjtime();
		step = prev - left;
		/* What each second of realtime takes from the pending. */
		if (prev > 1000000)
			ATF_REQUIRE_MSG(step == 5000, "%lld us at %lld left",
			    (long long)step, (long long)prev);
		else if (prev > 500)
			ATF_REQUIRE_MSG(step == 500, "%lld us at %lld left",
			    (long long)step, (long long)prev);
		else
			ATF_REQUIRE_EQ(left, 0);
		prev = left;
	}
	/* 400 s at 5000, 1999 s at 500, then the last 500 us. */
	ATF_REQUIRE_MSG(sec == 400 + 1999 + 1, "done after %lld s",
	    (long long)sec);
	ATF_REQUIRE_EQ(kenv_ntp_seconds() - n0, (uint64_t)sec);
	/*
	 * The adjustment is a rate for a second of the adjusted clock,
	 * as in NetBSD, so the clock gains a little less than asked.
	 */
	kenv_run_for(2 * NS);
	gain = h_now_ns() - r0 - (kenv_now() - t0);
	ATF_REQUIRE_MSG(gain > 2980 * 1000000LL && gain <= 3000 * 1000000LL,
	    "gained %lld ns", (long long)gain);
}

ATF_TC(adjtime_negative_monotonic);
ATF_TC_HEAD(adjtime_negative_monotonic, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "adjtime(2) of -1.5 s slows realtime down, never backwards, at "
	    "5000 then 500 ppm");
}
ATF_TC_BODY(adjtime_negative_monotonic, tc)
{
	double ppm;

	h_boot(2000000000, 32, 0.0);
	h_set_realtime(EPOCH);
	kenv_run_for(NS / 2);
	set_adjtime(-1500000);
	kenv_run_for(NS);
	ppm = h_measured_ppm(10 * NS);
	ATF_REQUIRE_MSG(fabs(ppm + 5000 * 1e6 / (1e6 - 5000)) < 30 ||
	    fabs(ppm + 5000) < 30, "%.3f ppm", ppm);
	h_check_monotonic(120 * NS, 9876543);
	ppm = h_measured_ppm(10 * NS);
	ATF_REQUIRE_MSG(fabs(ppm + 500) < 5, "%.3f ppm", ppm);
	ATF_REQUIRE(get_adjtime() < -900000 && get_adjtime() > -1000000);
}

ATF_TC(adjtime1_semantics);
ATF_TC_HEAD(adjtime1_semantics, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "adjtime(2) as NetBSD: olddelta normalised, the delta replaces "
	    "the pending one, KAUTH_SYSTEM_TIME needed even to read");
}
ATF_TC_BODY(adjtime1_semantics, tc)
{
	struct timeval d, old;

	h_boot(2000000000, 32, 0.0);
	d.tv_sec = -1;
	d.tv_usec = 500000;			/* -0.5 s */
	ATF_REQUIRE_EQ(kenv_adjtime(&d, NULL), 0);
	ATF_REQUIRE_EQ(kenv_adjtime(NULL, &old), 0);
	ATF_REQUIRE_EQ(old.tv_sec, -1);
	ATF_REQUIRE_EQ(old.tv_usec, 500000);
	d.tv_sec = 2;
	d.tv_usec = 0;
	ATF_REQUIRE_EQ(kenv_adjtime(&d, &old), 0);	/* replaces */
	ATF_REQUIRE_EQ(old.tv_sec, -1);
	ATF_REQUIRE_EQ(get_adjtime(), 2000000);
	/* adjtime1() itself checks nothing, as NetBSD's. */
	d.tv_sec = 0;
	d.tv_usec = 1000001;
	adjtime1(&d, NULL, kenv_curproc());
	ATF_REQUIRE_EQ(get_adjtime(), 1000001);
	kenv_kauth_deny(KAUTH_SYSTEM_TIME, true);
	d.tv_usec = 1;
	ATF_REQUIRE_EQ(kenv_adjtime(&d, &old), EPERM);
	ATF_REQUIRE_EQ(kenv_adjtime(NULL, &old), EPERM);
	kenv_kauth_deny(KAUTH_SYSTEM_TIME, false);
	ATF_REQUIRE_EQ(get_adjtime(), 1000001);	/* unchanged by the EPERM */
	ATF_REQUIRE_EQ(kenv_adjtime_count(), 3);
}

ATF_TC(adjtime_and_tc_adjtime);
ATF_TC_HEAD(adjtime_and_tc_adjtime, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "tc_adjtime() slews on top of adjtime(2) without disturbing it: "
	    "the rates add, adjtime(2)'s pending goes down 5000 us a "
	    "second as without it, and tc_adjtime()'s completes exactly");
}
ATF_TC_BODY(adjtime_and_tc_adjtime, tc)
{
	int64_t d = 50000, left, r0, t0, gain, prev, sec;
	double ppm;

	h_boot(2000000000, 32, 0.0);
	h_set_realtime(EPOCH + NS / 7);
	kenv_run_for(NS);
	set_adjtime(2000000);
	ATF_REQUIRE_EQ(tc_adjtime(NULL, &d), 0);
	kenv_run_for(NS);
	ppm = h_measured_ppm(5 * NS);
	/* Both at 5000 ppm, on the adjusted clock. */
	ATF_REQUIRE_MSG(ppm > 9900 && ppm < 10100, "%.3f ppm", ppm);
	prev = get_adjtime();
	for (sec = 0; sec < 20; sec++) {
		to_next_second();
		left = get_adjtime();
		ATF_REQUIRE_EQ(prev - left, 5000);
		prev = left;
	}
	ATF_REQUIRE_EQ(tc_adjtime(&left, NULL), 0);
	ATF_REQUIRE_EQ(left, 0);

	/* Alone against a steady adjtime(2): exactly its 50 ms. */
	set_adjtime(0);
	kenv_run_for(2 * NS);
	d = 50000;
	r0 = h_now_ns();
	t0 = kenv_now();
	ATF_REQUIRE_EQ(tc_adjtime(NULL, &d), 0);
	kenv_run_for(20 * NS);
	gain = h_now_ns() - r0 - (kenv_now() - t0);
	ATF_REQUIRE_MSG(llabs(gain - 50000 * US) <= 1000, "gained %lld ns",
	    (long long)gain);
}

ATF_TC(ntp_frequency);
ATF_TC_HEAD(ntp_frequency, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "ntp_adjtime(2) MOD_FREQUENCY reaches the clock through "
	    "ntp_update_second(); STA_PLL reads back; at most 500 ppm");
}
ATF_TC_BODY(ntp_frequency, tc)
{
	struct kenv_timex tx;
	double ppm;
	int st;

	h_boot(2000000000, 32, 0.0);
	h_set_realtime(EPOCH);
	memset(&tx, 0, sizeof(tx));
	ATF_REQUIRE_EQ(kenv_ntp_adjtime(&tx), TIME_ERROR);	/* unsynced */
	ATF_REQUIRE(tx.status & STA_UNSYNC);
	ATF_REQUIRE((tx.status & (STA_PLL | STA_FLL)) == 0);

	tx.modes = MOD_STATUS | MOD_FREQUENCY;
	tx.status = STA_PLL;
	tx.freq = 50L << 16;			/* +50 ppm */
	st = kenv_ntp_adjtime(&tx);
	ATF_REQUIRE_EQ(st, TIME_OK);
	ATF_REQUIRE_EQ(tx.status & STA_PLL, STA_PLL);
	ATF_REQUIRE_EQ(tx.freq, 50L << 16);
	kenv_run_for(2 * NS);
	ppm = h_measured_ppm(100 * NS);
	ATF_REQUIRE_MSG(fabs(ppm - 50) < 0.01, "%.6f ppm", ppm);

	tx.modes = MOD_FREQUENCY;
	tx.freq = -(900L << 16);
	(void)kenv_ntp_adjtime(&tx);
	ATF_REQUIRE_EQ(tx.freq, -(500L << 16));
	kenv_run_for(2 * NS);
	ppm = h_measured_ppm(100 * NS);
	ATF_REQUIRE_MSG(fabs(ppm + 500) < 0.01, "%.6f ppm", ppm);

	/* Reading needs no privilege; setting does. */
	kenv_kauth_deny(KAUTH_SYSTEM_TIME, true);
	tx.modes = 0;
	ATF_REQUIRE(kenv_ntp_adjtime(&tx) >= 0);
	tx.modes = MOD_FREQUENCY;
	ATF_REQUIRE_EQ(kenv_ntp_adjtime(&tx), -EPERM);
}

ATF_TC(ntp_phase);
ATF_TC_HEAD(ntp_phase, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "ntp_adjtime(2) MOD_OFFSET with STA_PLL: the offset is slewed "
	    "out by 1/16 of what is left each second (time constant 0)");
}
ATF_TC_BODY(ntp_phase, tc)
{
	struct kenv_timex tx;
	int64_t r0, t0, gain;
	int i;

	h_boot(2000000000, 32, 0.0);
	h_set_realtime(EPOCH);
	kenv_run_for(NS / 2);
	memset(&tx, 0, sizeof(tx));
	tx.modes = MOD_STATUS;
	tx.status = STA_PLL;
	ATF_REQUIRE(kenv_ntp_adjtime(&tx) >= 0);
	r0 = h_now_ns();
	t0 = kenv_now();
	tx.modes = MOD_OFFSET;
	tx.offset = 8000;			/* us */
	ATF_REQUIRE(kenv_ntp_adjtime(&tx) >= 0);
	ATF_REQUIRE_EQ(tx.offset, 8000);
	for (i = 0; i < 100; i++)
		to_next_second();
	tx.modes = 0;
	(void)kenv_ntp_adjtime(&tx);
	/* (15/16)^100 of 8 ms is left: 12 us. */
	ATF_REQUIRE_MSG(tx.offset >= 10 && tx.offset <= 14, "%ld us left",
	    tx.offset);
	gain = h_now_ns() - r0 - (kenv_now() - t0);
	ATF_REQUIRE_MSG(gain > 7950 * US && gain < 8000 * US,
	    "gained %lld ns", (long long)gain);
}

/* Realtime seconds around a leap second at the next UTC midnight. */
static void
leap(int status, int64_t *at, int64_t *rt, int n, int *state)
{
	struct kenv_timex tx;
	int64_t midnight;
	int i;

	h_boot(2000000000, 32, 0.0);
	midnight = (EPOCH / NS / 86400 + 1) * 86400;
	h_set_realtime((midnight - 3) * NS + NS / 4);
	memset(&tx, 0, sizeof(tx));
	tx.modes = MOD_STATUS;
	tx.status = STA_PLL | status;
	ATF_REQUIRE(kenv_ntp_adjtime(&tx) >= 0);
	for (i = 0; i < n; i++) {
		kenv_run_for(NS / 2);
		at[i] = h_up_ns();
		rt[i] = h_now_ns() - midnight * NS;
		tx.modes = 0;
		state[i] = kenv_ntp_adjtime(&tx);
	}
}

ATF_TC(leap_insert);
ATF_TC_HEAD(leap_insert, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "STA_INS: the second before midnight happens twice (realtime "
	    "goes back 1 s at midnight, uptime does not), TIME_OOP then "
	    "TIME_WAIT");
}
ATF_TC_BODY(leap_insert, tc)
{
	int64_t at[12], rt[12];
	int state[12], i, back = 0, oop = 0;

	leap(STA_INS, at, rt, 12, state);
	for (i = 1; i < 12; i++) {
		ATF_REQUIRE(at[i] > at[i - 1]);
		if (rt[i] < rt[i - 1]) {
			back++;
			/* Back by a second less the half second run. */
			ATF_REQUIRE_EQ(rt[i - 1] - rt[i], NS / 2);
			ATF_REQUIRE(rt[i] < 0);
		}
		if (state[i] == TIME_OOP)
			oop++;
	}
	ATF_REQUIRE_EQ(back, 1);
	ATF_REQUIRE(oop >= 1);
	ATF_REQUIRE_EQ(state[11], TIME_WAIT);
	/* 6 s of uptime passed; 5 s of realtime. */
	ATF_REQUIRE(llabs((rt[11] - rt[0]) - (at[11] - at[0] - NS)) < 1000);
}

ATF_TC(leap_delete);
ATF_TC_HEAD(leap_delete, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "STA_DEL: 23:59:59 is skipped, realtime jumps forward 1 s");
}
ATF_TC_BODY(leap_delete, tc)
{
	int64_t at[12], rt[12];
	int state[12], i, jumps = 0;

	leap(STA_DEL, at, rt, 12, state);
	for (i = 1; i < 12; i++)
		if (rt[i] - rt[i - 1] > NS)
			jumps++;
	ATF_REQUIRE_EQ(jumps, 1);
	ATF_REQUIRE(llabs((rt[11] - rt[0]) - (at[11] - at[0] + NS)) < 1000);
	ATF_REQUIRE_EQ(state[11], TIME_WAIT);
}

ATF_TC(ntp_once_per_second);
ATF_TC_HEAD(ntp_once_per_second, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "ntp_update_second() runs once per second of realtime, ticking "
	    "or tickless; a step forward of 100 s runs it 100 times, one "
	    "of a year twice (LARGE_STEP), one back not at all");
}
ATF_TC_BODY(ntp_once_per_second, tc)
{
	uint64_t n0;

	h_boot(2000000000, 32, 0.0);
	h_set_realtime(EPOCH + NS / 3);
	kenv_run_for(NS / 10);
	n0 = kenv_ntp_seconds();
	kenv_run_for(1000 * NS);
	ATF_REQUIRE_EQ(kenv_ntp_seconds() - n0, 1000);
	kenv_set_tickless(false);
	n0 = kenv_ntp_seconds();
	kenv_run_for(100 * NS);
	ATF_REQUIRE_EQ(kenv_ntp_seconds() - n0, 100);
	kenv_set_tickless(true);

	n0 = kenv_ntp_seconds();
	h_set_realtime(h_now_ns() + 100 * NS);
	ATF_REQUIRE_EQ(kenv_ntp_seconds() - n0, 100);
	n0 = kenv_ntp_seconds();
	h_set_realtime(h_now_ns() + 365LL * 86400 * NS);
	ATF_REQUIRE_EQ(kenv_ntp_seconds() - n0, 2);
	n0 = kenv_ntp_seconds();
	h_set_realtime(h_now_ns() - 1000 * NS);
	ATF_REQUIRE_EQ(kenv_ntp_seconds() - n0, 0);
}

ATF_TC(settime);
ATF_TC_HEAD(settime, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "clock_settime(2) steps realtime only: uptime is untouched, "
	    "boottime follows; it needs KAUTH_SYSTEM_TIME; the pending "
	    "tc_adjtime() goes, adjtime(2)'s stays (as NetBSD's, less the "
	    "two seconds of slew the step's ntp_update_second() calls "
	    "take)");
}
ATF_TC_BODY(settime, tc)
{
	struct timespec ts, b0, b1;
	int64_t u0, d = 300000, left;

	h_boot(2000000000, 32, 0.0);
	h_set_realtime(EPOCH);
	kenv_run_for(3 * NS);
	set_adjtime(700000);
	ATF_REQUIRE_EQ(tc_adjtime(NULL, &d), 0);
	getnanoboottime(&b0);
	u0 = h_up_ns();
	ts.tv_sec = EPOCH / NS + 3600;
	ts.tv_nsec = 0;
	ATF_REQUIRE_EQ(kenv_settime(&ts), 0);
	ATF_REQUIRE(h_up_ns() - u0 < 1000);
	ATF_REQUIRE(llabs(h_now_ns() - h_ts_ns(&ts)) < 1000);
	getnanoboottime(&b1);
	ATF_REQUIRE(llabs(h_ts_ns(&b1) - h_ts_ns(&b0) - (3600 - 3) * NS) <
	    NS / 100);
	ATF_REQUIRE_EQ(tc_adjtime(&left, NULL), 0);
	ATF_REQUIRE_EQ(left, 0);
	ATF_REQUIRE_EQ(get_adjtime(), 700000 - 2 * 500);

	kenv_kauth_deny(KAUTH_SYSTEM_TIME, true);
	ts.tv_sec += 3600;
	ATF_REQUIRE_EQ(kenv_settime(&ts), EPERM);
	ATF_REQUIRE(h_now_ns() < h_ts_ns(&ts) - 3000 * NS);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, adjtime_rates);
	ATF_TP_ADD_TC(tp, adjtime_negative_monotonic);
	ATF_TP_ADD_TC(tp, adjtime1_semantics);
	ATF_TP_ADD_TC(tp, adjtime_and_tc_adjtime);
	ATF_TP_ADD_TC(tp, ntp_frequency);
	ATF_TP_ADD_TC(tp, ntp_phase);
	ATF_TP_ADD_TC(tp, leap_insert);
	ATF_TP_ADD_TC(tp, leap_delete);
	ATF_TP_ADD_TC(tp, ntp_once_per_second);
	ATF_TP_ADD_TC(tp, settime);
	return atf_no_error();
}
