/*
 * Tests of sys/kern/kern_tc.c on the userland kernel environment: the
 * timehands before inittimecounter(); monotonicity across windups,
 * wraps and counter changes; exact conversion over long gaps; the
 * in-kernel slew (th_adjtimedelta) and frequency correction; steps;
 * tickless running; lock-free readers; counter choice and detach; the
 * sysctl nodes.  adjtime(2)/NTP, PPS and the detach race have programs
 * of their own (t_tc_ntp, t_tc_pps, t_tc_detach).
 */

#include <sys/time.h>

#include <atf-c.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "h_tc.h"


static int
bintime_cmp(const struct bintime *a, const struct bintime *b)
{
	if (a->sec != b->sec)
		return a->sec < b->sec ? -1 : 1;
	if (a->frac != b->frac)
		return a->frac < b->frac ? -1 : 1;
	return 0;
}

ATF_TC(early_reads);
ATF_TC_HEAD(early_reads, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "the clock reads before inittimecounter() (generation 1, the "
	    "dummy counter, uptime from 1 s) and stays monotonic across "
	    "boot");
}
ATF_TC_BODY(early_reads, tc)
{
	struct bintime g, b0, b1;
	struct timespec n0, n1;
	int64_t last;

	/* Nothing booted: no inittimecounter(), no counter, no lock. */
	getbinuptime(&g);
	ATF_REQUIRE_EQ(g.sec, 1);
	ATF_REQUIRE_EQ(g.frac, 0);
	binuptime(&b0);
	binuptime(&b1);
	ATF_REQUIRE_EQ(b0.sec, 1);
	ATF_REQUIRE(bintime_cmp(&b1, &b0) > 0);
	/* The dummy counter advances a microsecond per read. */
	nanouptime(&n0);
	nanouptime(&n1);
	ATF_REQUIRE_MSG(h_ts_ns(&n1) - h_ts_ns(&n0) >= 999 &&
	    h_ts_ns(&n1) - h_ts_ns(&n0) <= 1000, "%lld ns per read",
	    (long long)(h_ts_ns(&n1) - h_ts_ns(&n0)));
	nanotime(&n0);
	ATF_REQUIRE_EQ(n0.tv_sec, 1);		/* boottime is still 0 */
	last = h_up_ns();

	h_boot(2000000000, 32, 0.0);
	ATF_REQUIRE(h_up_ns() >= last);
	h_check_monotonic(3 * NS, 7777777);
}

ATF_TC(monotonic_widths);
ATF_TC_HEAD(monotonic_widths, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "nanotime/nanouptime never go back across windups and wraps of "
	    "16, 24 and 32-bit counters, among them a 2 GHz TSC that "
	    "wraps every 2.1 s");
}
ATF_TC_BODY(monotonic_widths, tc)
{
	static const struct { uint64_t f; unsigned bits; } c[] = {
		{ 1000000, 16 },	/* wraps every 65 ms */
		{ 3579545, 24 },	/* ACPI-like, wraps every 4.7 s */
		{ 1193182, 32 },
		{ 14318180, 32 },	/* HPET-like */
		{ 2000000000, 32 },	/* wraps every 2.1 s */
		{ 3900000000ULL, 32 },	/* wraps every 1.1 s */
	};
	int i, status;
	pid_t pid;

	/* Each counter in its own process: the kernel boots once. */
	for (i = 0; i < (int)(sizeof(c) / sizeof(c[0])); i++) {
		if ((pid = fork()) == 0) {
			h_boot(c[i].f, c[i].bits, 37.0);
			h_set_realtime(EPOCH);
			h_check_monotonic(30 * NS, 3333333);	/* off-tick */
			/* The counter really wrapped meanwhile. */
			ATF_REQUIRE(kenv_counter_raw(0) >> c[i].bits > 0);
			kenv_set_tickless(false);
			h_check_monotonic(5 * NS, 1000000);
			_exit(0);
		}
		ATF_REQUIRE(pid > 0);
		ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
		ATF_REQUIRE_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "%llu Hz, %u bits failed", (unsigned long long)c[i].f,
		    c[i].bits);
	}
}

ATF_TC(long_windup_gap_exact);
ATF_TC_HEAD(long_windup_gap_exact, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "1.9 s without a windup on a 2 GHz 32-bit counter (3.8e9 "
	    "counts, past the point where a 64-bit product overflows) "
	    "loses nothing, read before and after the next windup");
}
ATF_TC_BODY(long_windup_gap_exact, tc)
{
	uint64_t hc, raw0, raw1;
	int64_t u0, u1, u2, want;

	h_boot(2000000000, 32, 0.0);
	h_set_realtime(EPOCH);
	/* Every tick winds up: the gap starts right after a windup. */
	kenv_set_tickless(false);
	kenv_run_for(NS / 2);
	u0 = h_up_ns();
	raw0 = kenv_counter_raw(0);
	hc = kenv_hardclocks();
	kenv_stall(1900 * 1000000LL);
	ATF_REQUIRE_EQ(kenv_hardclocks(), hc);	/* no windup meanwhile */
	raw1 = kenv_counter_raw(0);
	ATF_REQUIRE(raw1 - raw0 > 2000000000ULL);	/* more than 1 s */
	ATF_REQUIRE(raw1 - raw0 < 0xffffffffULL);	/* less than a wrap */
	want = (int64_t)(raw1 - raw0) / 2;		/* ns at 2 GHz */
	u1 = h_up_ns();
	ATF_REQUIRE_MSG(llabs(u1 - u0 - want) <= 1, "read: %lld ns, want %lld",
	    (long long)(u1 - u0), (long long)want);
	kenv_run_for(NS / 100);
	ATF_REQUIRE(kenv_hardclocks() > hc);
	u2 = h_up_ns();
	want = (int64_t)(kenv_counter_raw(0) - raw0) / 2;
	ATF_REQUIRE_MSG(llabs(u2 - u0 - want) <= 1,
	    "after the windup: %lld ns, want %lld", (long long)(u2 - u0),
	    (long long)want);
}

ATF_TC(monotonic_switch);
ATF_TC_HEAD(monotonic_switch, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "switching kern.timecounter.hardware makes no jump");
}
ATF_TC_BODY(monotonic_switch, tc)
{
	char name[64];
	int64_t before, after, i;
	unsigned gen;

	h_boot(1193182, 32, 0.0);
	kenv_counter_create("better", 2000000000, 32, 900, 25.0);
	h_set_realtime(EPOCH);
	ATF_REQUIRE_EQ(kenv_sysctl_getstr("kern.timecounter.hardware", name,
	    sizeof(name)), 0);
	ATF_REQUIRE_STREQ(name, "better");
	gen = tc_hardware_generation();
	for (i = 0; i < 20; i++) {
		kenv_run_for(NS / 7);
		before = h_now_ns();
		ATF_REQUIRE_EQ(kenv_sysctl_setstr("kern.timecounter.hardware",
		    i % 2 ? "better" : "hw"), 0);
		after = h_now_ns();
		ATF_REQUIRE(after >= before);
		ATF_REQUIRE_MSG(after - before < 1000, "jump of %lld ns",
		    (long long)(after - before));
		h_check_monotonic(NS / 3, 777777);
	}
	ATF_REQUIRE_EQ(tc_hardware_generation(), gen + 20);
	ATF_REQUIRE_EQ(kenv_sysctl_setstr("kern.timecounter.hardware",
	    "nosuch"), EINVAL);
	kenv_set_privileged(false);
	ATF_REQUIRE_EQ(kenv_sysctl_setstr("kern.timecounter.hardware", "hw"),
	    EPERM);
}

/*
 * The slew over the next true second, in ppb of the clock's own time:
 * what realtime gained on true time, per second the clock counted.
 * The counter runs true in these tests, so true time is what the clock
 * would have counted unslewed.
 */
static int64_t
slew_rate_ppb(void)
{
	int64_t r0, r1, t0, t1;

	r0 = h_now_ns();
	t0 = kenv_now();
	kenv_run_for(NS);
	r1 = h_now_ns();
	t1 = kenv_now();
	return (int64_t)((double)((r1 - r0) - (t1 - t0)) /
	    (double)(r1 - r0) * 1e9);
}

ATF_TC(slew_positive);
ATF_TC_HEAD(slew_positive, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "a pending adjtime of +2.5 s completes in 500 s +- 1 s, "
	    "never faster than 5000 ppm, to the microsecond");
}
ATF_TC_BODY(slew_positive, tc)
{
	int64_t delta = 2500000, left, gained, rate, start, u0, took, sec;

	h_boot(2000000000, 32, 0.0);
	h_set_realtime(EPOCH);
	kenv_run_for(NS / 2);
	start = h_now_ns() - kenv_now();
	u0 = h_up_ns();
	ATF_REQUIRE_EQ(tc_adjtime(NULL, &delta), 0);
	/* Second by second: the slew never exceeds 5000 ppm. */
	for (sec = 0; sec < 490; sec++) {
		rate = slew_rate_ppb();
		ATF_REQUIRE_MSG(rate <= 5000000 + 100 && rate >= 0,
		    "second %lld slewed %lld ppb", (long long)sec,
		    (long long)rate);
	}
	/* Then in 10 ms steps until the whole 2.5 s is in. */
	do {
		kenv_run_for(NS / 100);
		gained = h_now_ns() - kenv_now() - start;
		ATF_REQUIRE(h_up_ns() - u0 < 600 * NS);
	} while (gained < 2500000000LL - 1000);
	took = h_up_ns() - u0;
	ATF_REQUIRE_MSG(took >= 499 * NS && took <= 501 * NS,
	    "took %lld ns of uptime", (long long)took);
	kenv_run_for(5 * NS);
	gained = h_now_ns() - kenv_now() - start;
	ATF_REQUIRE_MSG(llabs(gained - 2500000000LL) < 1000,
	    "gained %lld ns", (long long)gained);
	ATF_REQUIRE_EQ(tc_adjtime(&left, NULL), 0);
	ATF_REQUIRE_EQ(left, 0);
}

ATF_TC(slew_negative);
ATF_TC_HEAD(slew_negative, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "a pending -0.3 s slews down exactly with no backward reading");
}
ATF_TC_BODY(slew_negative, tc)
{
	int64_t delta = -300000, start, lost, left;

	h_boot(2000000000, 32, 0.0);
	h_set_realtime(EPOCH);
	start = h_now_ns() - kenv_now();
	ATF_REQUIRE_EQ(tc_adjtime(NULL, &delta), 0);
	h_check_monotonic(70 * NS, 12345678);
	ATF_REQUIRE_EQ(tc_adjtime(&left, NULL), 0);
	ATF_REQUIRE_EQ(left, 0);
	lost = h_now_ns() - kenv_now() - start;
	ATF_REQUIRE_MSG(llabs(lost + 300000000LL) < 1000, "lost %lld ns",
	    (long long)lost);
}

ATF_TC(slew_replace_and_step);
ATF_TC_HEAD(slew_replace_and_step, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "tc_adjtime replaces the pending delta; a step clears it");
}
ATF_TC_BODY(slew_replace_and_step, tc)
{
	int64_t delta = 1000000, old = 0, start, gained;

	h_boot(2000000000, 32, 0.0);
	h_set_realtime(EPOCH);
	kenv_run_for(NS / 3);
	ATF_REQUIRE_EQ(tc_adjtime(NULL, &delta), 0);
	kenv_run_for(10 * NS);
	delta = 20000;
	ATF_REQUIRE_EQ(tc_adjtime(&old, &delta), 0);
	/* 10 or 11 folds of 5000 us happened. */
	ATF_REQUIRE_MSG(old <= 1000000 - 10 * 5000 + 100 &&
	    old >= 1000000 - 11 * 5000 - 100, "old %lld", (long long)old);
	start = h_now_ns() - kenv_now();
	kenv_run_for(20 * NS);
	ATF_REQUIRE_EQ(tc_adjtime(&old, NULL), 0);
	ATF_REQUIRE_EQ(old, 0);
	gained = h_now_ns() - kenv_now() - start;
	/* 20 ms, plus what was left of the second folded before. */
	ATF_REQUIRE_MSG(gained >= 20000000 && gained <= 20000000 + 5000000,
	    "gained %lld", (long long)gained);

	delta = 400000;
	ATF_REQUIRE_EQ(tc_adjtime(NULL, &delta), 0);
	kenv_run_for(3 * NS / 2);
	h_set_realtime(EPOCH + 1000 * NS);
	ATF_REQUIRE_EQ(tc_adjtime(&old, NULL), 0);
	ATF_REQUIRE_EQ(old, 0);
	/* The window in flight went with it: no more slew. */
	start = h_now_ns() - kenv_now();
	kenv_run_for(5 * NS);
	gained = h_now_ns() - kenv_now() - start;
	ATF_REQUIRE_MSG(llabs(gained) <= 2, "gained %lld ns",
	    (long long)gained);

	delta = (int64_t)1000000 * 86400 * 366;
	ATF_REQUIRE_EQ(kenv_host_errno(tc_adjtime(NULL, &delta)), EINVAL);
	delta = -delta;
	ATF_REQUIRE_EQ(kenv_host_errno(tc_adjtime(NULL, &delta)), EINVAL);
}

ATF_TC(freq);
ATF_TC_HEAD(freq, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "tc_adjfreq(+100 ppm) changes the rate by 100 ppm +- 0.001; "
	    "out of range gives EINVAL and changes nothing");
}
ATF_TC_BODY(freq, tc)
{
	int64_t f, old;
	double base, adj;

	h_boot(1193182, 32, 12.5);
	h_set_realtime(EPOCH);
	kenv_run_for(NS);
	base = h_measured_ppm(1000 * NS);
	ATF_REQUIRE_MSG(fabs(base - 12.5) < 0.001, "base %.6f", base);
	f = TC_PPB(100000);
	ATF_REQUIRE_EQ(tc_adjfreq(NULL, &f), 0);
	adj = h_measured_ppm(1000 * NS);
	/* The correction scales the counter's rate: compare ratios. */
	ATF_REQUIRE_MSG(fabs(((1 + adj * 1e-6) / (1 + base * 1e-6) - 1) * 1e6 -
	    100.0) < 0.001, "delta %.6f ppm", adj - base);

	/* TC_ADJFREQ_MAX_PPB: +-5000 ppm. */
	f = TC_PPB(5000001);
	ATF_REQUIRE_EQ(kenv_host_errno(tc_adjfreq(NULL, &f)), EINVAL);
	f = -TC_PPB(5000001);
	ATF_REQUIRE_EQ(kenv_host_errno(tc_adjfreq(NULL, &f)), EINVAL);
	ATF_REQUIRE_EQ(tc_adjfreq(&old, NULL), 0);
	ATF_REQUIRE_EQ(old, TC_PPB(100000));
	adj = h_measured_ppm(100 * NS);
	ATF_REQUIRE(fabs(adj - base - 100.0) < 0.01);

	f = -TC_PPB(5000000);
	ATF_REQUIRE_EQ(tc_adjfreq(NULL, &f), 0);
	adj = h_measured_ppm(100 * NS);
	ATF_REQUIRE_MSG(fabs(((1 + adj * 1e-6) / (1 + base * 1e-6) - 1) * 1e6 +
	    5000.0) < 0.01, "%.6f", adj - base);
}

ATF_TC(steps);
ATF_TC_HEAD(steps, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "forward and backward tc_setclock leave uptime alone and keep "
	    "realtime = boottime + uptime in every reader");
}
ATF_TC_BODY(steps, tc)
{
	struct timespec boot_ts, up, rt;
	struct timeval boot_tv, tv;
	struct bintime bt, bb;
	int64_t u0, u1, target;

	h_boot(2000000000, 32, 0.0);
	ATF_REQUIRE_EQ(kenv_sysctl_setint("kern.timecounter.timestepwarnings",
	    1), 0);
	kenv_run_for(5 * NS);
	u0 = h_up_ns();
	target = EPOCH + 123456789;
	h_set_realtime(target);
	u1 = h_up_ns();
	ATF_REQUIRE(u1 >= u0 && u1 - u0 < 1000);
	ATF_REQUIRE(llabs(h_now_ns() - target) < 1000);
	ATF_REQUIRE_EQ(kenv_log_count("Time stepped from"), 1);

	kenv_run_for(3 * NS);
	target = 1600000000LL * NS;		/* backward */
	u0 = h_up_ns();
	h_set_realtime(target);
	ATF_REQUIRE(h_up_ns() >= u0);
	ATF_REQUIRE(llabs(h_now_ns() - target) < 1000);
	ATF_REQUIRE_EQ(kenv_log_count("Time stepped from"), 2);
	/* The fast readers moved with it at once. */
	getbintime(&bt);
	ATF_REQUIRE(llabs((int64_t)bt.sec * NS - target) < 2 * NS);
	getmicrotime(&tv);
	ATF_REQUIRE(llabs(h_tv_ns(&tv) - target) < 1000);

	/* Suspend: uptime and realtime both stop; the identity holds. */
	u0 = h_up_ns();
	kenv_suspend();
	kenv_run_for(7200 * NS);
	kenv_resume();
	kenv_run_for(NS);
	ATF_REQUIRE(h_up_ns() - u0 < 2 * NS);
	getnanoboottime(&boot_ts);
	getmicroboottime(&boot_tv);
	getbinboottime(&bb);
	nanouptime(&up);
	nanotime(&rt);
	ATF_REQUIRE(llabs(h_ts_ns(&boot_ts) + h_ts_ns(&up) - h_ts_ns(&rt)) < 10);
	ATF_REQUIRE(llabs(h_tv_ns(&boot_tv) - h_ts_ns(&boot_ts)) < 1000);
	ATF_REQUIRE_EQ(bb.sec, boot_ts.tv_sec);
	binuptime(&bt);
	ATF_REQUIRE(bt.sec == up.tv_sec || bt.sec == up.tv_sec + 1);

	ATF_REQUIRE_EQ(kenv_sysctl_setint("kern.timecounter.timestepwarnings",
	    2), EINVAL);
}

/*
 * Realtime gained on the counter's own time since (r0, raw0), ns, for
 * a counter of freq Hz (dividing 10^9) running true.
 */
static int64_t
gain_since(int64_t r0, uint64_t raw0, uint64_t freq)
{
	return h_now_ns() - r0 -
	    (int64_t)(kenv_counter_raw(0) - raw0) * (int64_t)(NS / freq);
}

/*
 * No tick for gap_s seconds on a counter slow enough for its 32 bits
 * to span it.  The windup after the gap is one windup: it calls
 * ntp_update_second() at most twice (LARGE_STEP) instead of once per
 * second, and takes no time; the slew window in flight delivers at
 * most 9/8 of its second's 5000 us during the gap, the fold after it
 * settles exactly that against the pending adjustment, and the
 * adjustment then completes to the microsecond: nothing is dropped.
 */
static void
long_gap(uint64_t freq, int64_t gap_s)
{
	struct timespec w0, w1;
	int64_t d = 2500000, left0, left1, r0, g0, g1, u0, u1, wall_ns;
	uint64_t raw0, hc0, ntp0, ntp;

	h_boot(freq, 32, 0.0);
	h_set_realtime(EPOCH);
	kenv_run_for(NS / 2);
	r0 = h_now_ns();
	raw0 = kenv_counter_raw(0);
	ATF_REQUIRE_EQ(tc_adjtime(NULL, &d), 0);
	kenv_run_for(3 * NS + NS / 4);
	ATF_REQUIRE_EQ(tc_adjtime(&left0, NULL), 0);
	ATF_REQUIRE(left0 < 2500000);		/* folds happened */
	g0 = gain_since(r0, raw0, freq);
	u0 = h_up_ns();

	hc0 = kenv_hardclocks();
	ntp0 = kenv_ntp_seconds();
	kenv_stall(gap_s * NS);
	ATF_REQUIRE_EQ(kenv_hardclocks(), hc0);	/* no tick in the gap */
	clock_gettime(CLOCK_MONOTONIC, &w0);
	kenv_run_for(NS / 100);
	clock_gettime(CLOCK_MONOTONIC, &w1);
	wall_ns = h_ts_ns(&w1) - h_ts_ns(&w0);
	ATF_REQUIRE_EQ(kenv_hardclocks(), hc0 + 1);	/* one windup */
	ntp = kenv_ntp_seconds() - ntp0;
	ATF_REQUIRE_MSG(ntp >= 1 && ntp <= 2,
	    "%llu ntp_update_second() calls for the gap",
	    (unsigned long long)ntp);
	ATF_REQUIRE_MSG(wall_ns < NS, "the windup took %lld ns",
	    (long long)wall_ns);
	u1 = h_up_ns();
	ATF_REQUIRE(u1 - u0 > (gap_s - 1) * NS);	/* the gap is in uptime */

	g1 = gain_since(r0, raw0, freq);
	ATF_REQUIRE_MSG(g1 - g0 >= 0 && g1 - g0 <= 5000 * US * 9 / 8 + 1000,
	    "the gap slewed %lld ns", (long long)(g1 - g0));
	ATF_REQUIRE_EQ(tc_adjtime(&left1, NULL), 0);
	ATF_REQUIRE_MSG(llabs(left1 - (left0 - 5000 - 5000 / 8)) <= 1,
	    "pending %lld us before the gap, %lld after", (long long)left0,
	    (long long)left1);

	kenv_run_for((left1 / 5000 + 10) * NS);
	ATF_REQUIRE_EQ(tc_adjtime(&left1, NULL), 0);
	ATF_REQUIRE_EQ(left1, 0);
	g1 = gain_since(r0, raw0, freq);
	ATF_REQUIRE_MSG(llabs(g1 - 2500000 * US) <= 1000,
	    "the adjustment delivered %lld ns", (long long)g1);
}

ATF_TC(long_gap_year);
ATF_TC_HEAD(long_gap_year, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "a year without ticks (100 Hz counter) is caught up in one "
	    "bounded windup and drops nothing of a pending adjtime");
}
ATF_TC_BODY(long_gap_year, tc)
{
	long_gap(100, 365LL * 86400);
}

ATF_TC(long_gap_decade);
ATF_TC_HEAD(long_gap_decade, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "ten years without ticks (10 Hz counter) is caught up in one "
	    "bounded windup and drops nothing of a pending adjtime");
}
ATF_TC_BODY(long_gap_decade, tc)
{
	long_gap(10, 3652LL * 86400);
}

/*
 * Tickless running must give the very same clock as running every
 * tick, with everything that happens at second boundaries: the slew
 * folds (uptime), adjtime(2) and the NTP discipline (realtime, which
 * starts 0.37 s off uptime's second), a leap second, a frequency
 * correction.
 */
static void
scripted_run(bool tickless, int64_t *out, int n)
{
	int64_t delta = 1234567, f = TC_PPB(-3210);
	struct kenv_timex tx;
	struct timeval tv;
	int i;

	h_boot(3579545, 24, 43.0);
	kenv_set_tickless(tickless);
	/* Midnight UTC comes 300 s into the run, with a leap second. */
	h_set_realtime((EPOCH / NS / 86400 + 1) * 86400 * NS - 300 * NS +
	    370000000);
	ATF_REQUIRE_EQ(tc_adjtime(NULL, &delta), 0);
	tv.tv_sec = 1;
	tv.tv_usec = 500000;
	ATF_REQUIRE_EQ(kenv_adjtime(&tv, NULL), 0);
	memset(&tx, 0, sizeof(tx));
	tx.modes = 0x0010 | 0x0002 | 0x0001;	/* status, freq, offset */
	tx.status = 0x0001 | 0x0010;		/* STA_PLL | STA_INS */
	tx.freq = 20 << 16;			/* 20 ppm */
	tx.offset = 3000;			/* us */
	ATF_REQUIRE(kenv_ntp_adjtime(&tx) >= 0);
	for (i = 0; i < n; i++) {
		kenv_run_for(NS + 1234567 * (i % 5));
		if (i == n / 2) {
			ATF_REQUIRE_EQ(tc_adjfreq(NULL, &f), 0);
			delta = -777777;
			ATF_REQUIRE_EQ(tc_adjtime(NULL, &delta), 0);
			tv.tv_sec = -1;
			tv.tv_usec = 700000;
			ATF_REQUIRE_EQ(kenv_adjtime(&tv, NULL), 0);
		}
		out[i] = h_now_ns();
	}
	out[n] = (int64_t)kenv_ntp_seconds();
}

ATF_TC(tickless_identical);
ATF_TC_HEAD(tickless_identical, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "skipping idle ticks gives readings identical to every tick, "
	    "with the slew, adjtime(2), NTP and a leap second at work");
}
ATF_TC_BODY(tickless_identical, tc)
{
	enum { N = 600 };
	int64_t a[N + 1], b[N + 1];
	int fd[2], status, i, back;
	pid_t pid;

	ATF_REQUIRE(pipe(fd) == 0);
	if ((pid = fork()) == 0) {
		scripted_run(false, a, N);
		if (write(fd[1], a, sizeof(a)) != (ssize_t)sizeof(a))
			_exit(1);
		_exit(0);
	}
	ATF_REQUIRE(pid > 0);
	scripted_run(true, b, N);
	ATF_REQUIRE(read(fd[0], a, sizeof(a)) == (ssize_t)sizeof(a));
	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	ATF_REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	for (i = 0; i <= N; i++)
		ATF_REQUIRE_MSG(a[i] == b[i], "reading %d: %lld vs %lld", i,
		    (long long)a[i], (long long)b[i]);
	/* It skipped ticks, and the leap second did happen. */
	ATF_REQUIRE(kenv_hardclocks() < (uint64_t)N * 100 / 10);
	for (i = 1, back = 0; i < N; i++)
		if (b[i] < b[i - 1] + NS / 2)
			back++;
	ATF_REQUIRE_EQ(back, 1);
	ATF_REQUIRE(b[N] >= N);			/* ntp_update_second() */
}

static atomic_bool reader_stop;
static atomic_llong reader_reads, reader_bad;

static void *
reader(void *arg)
{
	struct timespec a, b;
	struct bintime ua, ub;

	(void)arg;
	nanotime(&a);
	binuptime(&ua);
	while (!atomic_load(&reader_stop)) {
		nanotime(&b);
		binuptime(&ub);
		if (h_ts_ns(&b) < h_ts_ns(&a) || bintime_cmp(&ub, &ua) < 0 ||
		    b.tv_nsec < 0 || b.tv_nsec >= NS)
			atomic_fetch_add(&reader_bad, 1);
		a = b;
		ua = ub;
		atomic_fetch_add(&reader_reads, 1);
	}
	return NULL;
}

ATF_TC(concurrent_readers);
ATF_TC_HEAD(concurrent_readers, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "lock-free readers see no torn or backward time while another "
	    "thread winds up, slews and corrects the frequency");
}
ATF_TC_BODY(concurrent_readers, tc)
{
	pthread_t t;
	int64_t delta = 3000000, f = TC_PPB(250000);
	int i;

	h_boot(2000000000, 32, 50.0);
	kenv_set_tickless(false);
	h_set_realtime(EPOCH);
	ATF_REQUIRE_EQ(tc_adjtime(NULL, &delta), 0);
	ATF_REQUIRE(pthread_create(&t, NULL, reader, NULL) == 0);
	while (atomic_load(&reader_reads) == 0)
		sched_yield();
	/* One windup per iteration, until both sides did plenty. */
	for (i = 0; i < 100000 || atomic_load(&reader_reads) < 100000; i++) {
		ATF_REQUIRE(i < 100000000);
		kenv_run_for(NS / 100);
		if (i % 5000 == 0) {
			f = -f;
			ATF_REQUIRE_EQ(tc_adjfreq(NULL, &f), 0);
		}
	}
	atomic_store(&reader_stop, true);
	ATF_REQUIRE(pthread_join(t, NULL) == 0);
	ATF_REQUIRE_EQ(atomic_load(&reader_bad), 0);
	ATF_REQUIRE(kenv_hardclocks() >= 100000);
}

ATF_TC(counter_choice);
ATF_TC_HEAD(counter_choice, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "tc_init() refuses a counter that wraps between ticks and one "
	    "without a frequency, takes a better one, tc_gonebad() makes "
	    "the next tick pick another, tc_getfrequency() follows");
}
ATF_TC_BODY(counter_choice, tc)
{
	char buf[512], name[64];
	int64_t before;
	int tsc;

	h_boot(1193182, 32, 0.0);
	h_set_realtime(EPOCH);
	ATF_REQUIRE_EQ(tc_getfrequency(), 1193182);
	/* 16 bits at 100 MHz wrap in 0.66 ms: less than a tick. */
	kenv_counter_create("fast16", 100000000, 16, 500, 0.0);
	ATF_REQUIRE_EQ(kenv_sysctl_getstr("kern.timecounter.choice", buf,
	    sizeof(buf)), 0);
	ATF_REQUIRE_MSG(strstr(buf, "fast16(q=-2000, f=100000000 Hz)") !=
	    NULL, "%s", buf);
	ATF_REQUIRE_EQ(kenv_log_count("Insufficient hz"), 1);
	ATF_REQUIRE_EQ(tc_getfrequency(), 1193182);

	tsc = kenv_counter_create("tsc", 2000000000, 32, 1000, 0.0);
	ATF_REQUIRE_EQ(tc_getfrequency(), 2000000000);
	kenv_run_for(NS);
	before = h_now_ns();
	kenv_counter_gonebad(tsc);
	ATF_REQUIRE_EQ(kenv_sysctl_getstr("kern.timecounter.hardware", name,
	    sizeof(name)), 0);
	ATF_REQUIRE_STREQ(name, "tsc");		/* not before the tick */
	kenv_run_for(NS / 50);
	ATF_REQUIRE_EQ(kenv_sysctl_getstr("kern.timecounter.hardware", name,
	    sizeof(name)), 0);
	ATF_REQUIRE_STREQ(name, "hw");
	ATF_REQUIRE_EQ(tc_getfrequency(), 1193182);
	ATF_REQUIRE(h_now_ns() - before < NS / 50 + 1000);
	h_check_monotonic(3 * NS, 3333333);
}

ATF_TC(detach_semantics);
ATF_TC_HEAD(detach_semantics, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "tc_detach() of the current counter falls back to the best "
	    "other with no jump; unknown counters and the dummy are ESRCH");
}
ATF_TC_BODY(detach_semantics, tc)
{
	static union {
		char	c[512];
		long double align;
	} stranger;
	char buf[512];
	int64_t before, after;
	unsigned gen;
	int tsc;

	kenv_boot(100);
	/* Only the dummy so far: it cannot go. */
	ATF_REQUIRE_EQ(kenv_host_errno(tc_detach(timecounter)), ESRCH);
	kenv_counter_create("hw", 1193182, 32, 100, 0.0);
	tsc = kenv_counter_create("tsc", 2000000000, 32, 1000, 0.0);
	h_set_realtime(EPOCH);
	kenv_run_for(NS + NS / 3);
	gen = tc_hardware_generation();
	before = h_now_ns();
	ATF_REQUIRE_EQ(kenv_counter_detach(tsc), 0);
	after = h_now_ns();
	ATF_REQUIRE(after >= before && after - before < 1000);
	ATF_REQUIRE_EQ(tc_hardware_generation(), gen + 1);
	ATF_REQUIRE_EQ(kenv_sysctl_getstr("kern.timecounter.choice", buf,
	    sizeof(buf)), 0);
	ATF_REQUIRE(strstr(buf, "tsc") == NULL);
	ATF_REQUIRE(strstr(buf, "hw(q=100") != NULL);
	ATF_REQUIRE_EQ(kenv_host_errno(tc_detach(
	    (struct timecounter *)(void *)&stranger)), ESRCH);
	h_check_monotonic(3 * NS, 3333333);
}

ATF_TC(sysctl_nodes);
ATF_TC_HEAD(sysctl_nodes, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "kern.timecounter.{choice,hardware,timestepwarnings} and the "
	    "counters; writing timestepwarnings or hardware needs "
	    "KAUTH_SYSTEM_TIME");
}
ATF_TC_BODY(sysctl_nodes, tc)
{
	char buf[512];
	int64_t v;

	h_boot(1193182, 32, 0.0);
	kenv_counter_create("tsc", 2000000000, 32, 1000, 0.0);
	ATF_REQUIRE_EQ(kenv_sysctl_getstr("kern.timecounter.choice", buf,
	    sizeof(buf)), 0);
	ATF_REQUIRE(strstr(buf, "tsc(q=1000, f=2000000000 Hz)") != NULL);
	ATF_REQUIRE(strstr(buf, "hw(q=100, f=1193182 Hz)") != NULL);
	ATF_REQUIRE(strstr(buf, "dummy(q=-1000000, f=1000000 Hz)") != NULL);
	ATF_REQUIRE_EQ(kenv_sysctl_setstr("kern.timecounter.choice", "x"),
	    EPERM);
	ATF_REQUIRE_EQ(kenv_sysctl_getint("kern.timecounter.timestepwarnings",
	    &v), 0);
	ATF_REQUIRE_EQ(v, 0);
	ATF_REQUIRE_EQ(kenv_sysctl_getint("kern.timecounter.adjtimes", &v), 0);
	ATF_REQUIRE_EQ(v, 0);
	{
		int64_t d = 100, f = TC_PPB(1);
		struct timespec ts = { 1700000000, 0 };

		ATF_REQUIRE_EQ(tc_adjtime(NULL, &d), 0);
		ATF_REQUIRE_EQ(tc_adjtime(&d, NULL), 0);	/* a read */
		ATF_REQUIRE_EQ(tc_adjfreq(NULL, &f), 0);
		tc_setclock(&ts);
	}
	ATF_REQUIRE_EQ(kenv_sysctl_getint("kern.timecounter.adjtimes", &v), 0);
	ATF_REQUIRE_EQ(v, 1);
	ATF_REQUIRE_EQ(kenv_sysctl_getint("kern.timecounter.adjfreqs", &v), 0);
	ATF_REQUIRE_EQ(v, 1);
	ATF_REQUIRE_EQ(kenv_sysctl_getint("kern.timecounter.steps", &v), 0);
	ATF_REQUIRE_EQ(v, 1);
	ATF_REQUIRE_EQ(kenv_sysctl_setint("kern.timecounter.steps", 0), EPERM);
	ATF_REQUIRE_EQ(kenv_sysctl_getint("kern.timecounter.nosuch", &v),
	    ENOENT);
	ATF_REQUIRE_EQ(kenv_sysctl_getint("kern.timecounter", &v), EISDIR);

	/* Privileged, but KAUTH_SYSTEM_TIME denied: no write goes in. */
	kenv_kauth_deny(KAUTH_SYSTEM_TIME, true);
	ATF_REQUIRE_EQ(kenv_sysctl_setint("kern.timecounter.timestepwarnings",
	    1), EPERM);
	ATF_REQUIRE_EQ(kenv_sysctl_setstr("kern.timecounter.hardware", "hw"),
	    EPERM);
	ATF_REQUIRE_EQ(kenv_sysctl_getint("kern.timecounter.timestepwarnings",
	    &v), 0);
	ATF_REQUIRE_EQ(v, 0);
	ATF_REQUIRE_EQ(kenv_sysctl_getstr("kern.timecounter.hardware", buf,
	    sizeof(buf)), 0);
	ATF_REQUIRE_STREQ(buf, "tsc");
	kenv_kauth_deny(KAUTH_SYSTEM_TIME, false);
	ATF_REQUIRE_EQ(kenv_sysctl_setint("kern.timecounter.timestepwarnings",
	    1), 0);
	ATF_REQUIRE_EQ(kenv_sysctl_getint("kern.timecounter.timestepwarnings",
	    &v), 0);
	ATF_REQUIRE_EQ(v, 1);
	/* Not privileged at all: sysctl(2) refuses before the handler. */
	kenv_set_privileged(false);
	ATF_REQUIRE_EQ(kenv_sysctl_setint("kern.timecounter.timestepwarnings",
	    0), EPERM);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, early_reads);
	ATF_TP_ADD_TC(tp, monotonic_widths);
	ATF_TP_ADD_TC(tp, long_windup_gap_exact);
	ATF_TP_ADD_TC(tp, monotonic_switch);
	ATF_TP_ADD_TC(tp, slew_positive);
	ATF_TP_ADD_TC(tp, slew_negative);
	ATF_TP_ADD_TC(tp, slew_replace_and_step);
	ATF_TP_ADD_TC(tp, freq);
	ATF_TP_ADD_TC(tp, steps);
	ATF_TP_ADD_TC(tp, long_gap_year);
	ATF_TP_ADD_TC(tp, long_gap_decade);
	ATF_TP_ADD_TC(tp, tickless_identical);
	ATF_TP_ADD_TC(tp, concurrent_readers);
	ATF_TP_ADD_TC(tp, counter_choice);
	ATF_TP_ADD_TC(tp, detach_semantics);
	ATF_TP_ADD_TC(tp, sysctl_nodes);
	return atf_no_error();
}
