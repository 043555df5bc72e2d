/*
 * h_rumpclock: what NetBSD promises about its clocks, checked through
 * rump_sys_*() calls against a rump kernel built from NETBSDSRCDIR with
 * options NTP (step d of the NetBSD tier).  The same program is linked
 * against the kernel with NetBSD's own kern_tc.c and against the one
 * with ours; t_rumpclock runs each case against both.
 *
 *	h_rumpclock case
 *
 * Each case boots the kernel, registers a nanosecond timecounter that
 * reads the host's CLOCK_MONOTONIC (rump's own counts 100 Hz ticks)
 * and measures the kernel's clocks against the host's.  Figures go to
 * stdout as "name: value"; a failure exits 1 with the reason.
 */
#include <sys/types.h>

#include <stdint.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "h_rump.h"

#define REAL	h_abi.ra_clock_realtime
#define MONO	h_abi.ra_clock_monotonic

/* Slew rates in ppm (us per s) of NetBSD's adjtime(2). */
#define ADJ_SLOW	500
#define ADJ_FAST	5000

/* A rate is right within 2 %, or 5 ppm for small ones. */
static void
check_rate(const char *what, double got, double want)
{
	double tol = want * 0.02;

	if (tol < 0)
		tol = -tol;
	if (tol < 5)
		tol = 5;
	h_report(what, "%.1f ppm (expected %.0f)", got, want);
	if (got < want - tol || got > want + tol)
		h_fail("%s: slewed at %.1f ppm, not %.0f +- %.0f", what, got,
		    want, tol);
}

/* The rate of CLOCK_REALTIME against the host over len ns from now. */
static double
measure(int64_t len)
{
	struct h_pair a, b;

	a = h_pair(REAL);
	h_sleep(len);
	b = h_pair(REAL);
	return h_rate_ppm(&a, &b);
}

static int64_t
adjtime_left(void)
{
	int64_t left;
	int error;

	if ((error = h_adjtime(NULL, &left)) != 0)
		h_fail("adjtime(NULL, &old): error %d", error);
	return left;
}

/*
 * After adjtime(delta) at call, what adjtime(2) reports as left must
 * match what the clock gained (less other_us, what something else
 * slewed meanwhile): NetBSD takes each second's share out of the
 * pending delta when that second starts and applies it over the
 * second, from the next tc_windup() on, so the report may lead the
 * clock by one share and what the rate gives in a few ticks (30 ms).
 */
static void
check_left(const char *what, int64_t delta_us, const struct h_pair *call,
    int64_t rate, int64_t other_us)
{
	struct h_pair now, after;
	int64_t left, gained_us, taken_us, lead, slack;
	int tries;

	/*
	 * Read the clock just before the report: then the report can only
	 * be later, and leads by at most a share plus what the clock
	 * moves between the two reads.  A preempted test (a loaded
	 * machine, a sanitizer) would stretch that gap: retry until both
	 * reads fall within 5 ms of each other.
	 */
	for (tries = 0;; tries++) {
		now = h_pair(REAL);
		left = adjtime_left();
		after = h_pair(REAL);
		if (after.hp_host - now.hp_host <= 5 * H_MS || tries == 50)
			break;
	}
	gained_us = h_gain(call, &now) / 1000 - other_us;
	taken_us = delta_us - left;
	lead = delta_us > 0 ? taken_us - gained_us : gained_us - taken_us;
	slack = rate + rate * 30 / 1000 + 50;
	h_report(what, "%" PRId64 " us left of %" PRId64 ", clock moved %"
	    PRId64 " us", left, delta_us, gained_us);
	if (lead < -50 || lead > slack)
		h_fail("%s: adjtime reports %" PRId64 " us taken, the clock "
		    "moved %" PRId64 " us", what, taken_us, gained_us);
}

/*
 * adjtime(delta) on a clock that is not slewing; measure the slew, then
 * the remaining delta.
 */
static void
adjtime_case(const char *name, int64_t delta_us, int rate)
{
	struct h_pair call;
	int64_t old;
	int error;
	char what[64];

	call = h_pair(REAL);
	if ((error = h_adjtime(&delta_us, &old)) != 0)
		h_fail("adjtime(%" PRId64 "): error %d", delta_us, error);
	/* The slew starts with the next second of the kernel's clock. */
	h_sleep(1100 * H_MS);
	snprintf(what, sizeof(what), "%s_rate", name);
	check_rate(what, measure(2 * H_S), rate);
	snprintf(what, sizeof(what), "%s_left", name);
	check_left(what, delta_us, &call, rate < 0 ? -rate : rate, 0);
}

static void
cancel_adjtime(void)
{
	int64_t zero = 0, old;
	int error;

	if ((error = h_adjtime(&zero, &old)) != 0)
		h_fail("adjtime(0): error %d", error);
	/* The second under way keeps its share. */
	h_sleep(1100 * H_MS);
	check_rate("after_cancel_rate", measure(1 * H_S), 0);
}

static void
case_adjtime_slow(void)
{
	if (adjtime_left() != 0)
		h_fail("adjtime(2) pending at boot");
	adjtime_case("plus_600ms", 600000, ADJ_SLOW);
	cancel_adjtime();
	adjtime_case("minus_600ms", -600000, -ADJ_SLOW);
	cancel_adjtime();
}

static void
case_adjtime_fast(void)
{
	adjtime_case("plus_3s", 3000000, ADJ_FAST);
	cancel_adjtime();
	adjtime_case("minus_3s", -3000000, -ADJ_FAST);
	cancel_adjtime();
}

/* Step realtime by step ns with set(); monotonic must not move. */
static void
step_case(const char *name, int (*set)(int64_t), int64_t step)
{
	struct h_pair r0, r1, m0, m1;
	int64_t rgain, mgain;
	int error;

	m0 = h_pair(MONO);
	r0 = h_pair(REAL);
	if ((error = set(r0.hp_kern + step)) != 0)
		h_fail("%s(now %+" PRId64 " s): error %d", name,
		    (int64_t)(step / H_S), error);
	r1 = h_pair(REAL);
	m1 = h_pair(MONO);
	rgain = h_gain(&r0, &r1);
	mgain = h_gain(&m0, &m1);
	h_report(name, "realtime moved %+.6f s, monotonic %+.6f s against "
	    "the host", (double)rgain / H_S, (double)mgain / H_S);
	if (rgain < step - 2 * H_MS || rgain > step + 2 * H_MS)
		h_fail("%s: realtime moved %" PRId64 " ns, not %" PRId64, name,
		    rgain, step);
	if (mgain < -200 * H_US || mgain > 200 * H_US)
		h_fail("%s: monotonic moved %" PRId64 " ns with realtime",
		    name, mgain);
}

static int
set_tod(int64_t ns)
{
	return h_settimeofday(ns);
}

static int
set_clock(int64_t ns)
{
	return h_clock_settime(REAL, ns);
}

static void
case_settimeofday(void)
{
	step_case("settimeofday_forward", set_tod, 1000 * H_S);
	step_case("settimeofday_backward", set_tod, -2000 * H_S);
}

static void
case_clock_settime(void)
{
	int error;

	step_case("clock_settime_forward", set_clock, 1000 * H_S);
	step_case("clock_settime_backward", set_clock, -2000 * H_S);
	error = h_clock_settime(MONO, h_clock(MONO) + H_S);
	h_report("clock_settime_monotonic", "error %d", error);
	if (error != h_abi.ra_einval)
		h_fail("clock_settime(CLOCK_MONOTONIC): error %d, not EINVAL",
		    error);
}

static int
ntp(struct rumptest_timex *tx)
{
	int state;

	H_KERNEL(state = rumptest_ntp_adjtime(tx));
	return state;
}

static void
freq_case(const char *name, int64_t ppm)
{
	struct rumptest_timex tx;
	int64_t want = ppm * 65536;
	char what[64];

	memset(&tx, 0, sizeof(tx));
	tx.rt_modes = h_abi.ra_mod_frequency;
	tx.rt_freq = want;
	(void)ntp(&tx);
	memset(&tx, 0, sizeof(tx));
	(void)ntp(&tx);
	h_report(name, "freq %" PRId64 " (ppm << 16, set %" PRId64 ")",
	    (int64_t)tx.rt_freq, want);
	if (tx.rt_freq < want - 16 || tx.rt_freq > want + 16)
		h_fail("%s: ntp_adjtime reads back freq %" PRId64 ", not %"
		    PRId64, name, (int64_t)tx.rt_freq, want);
	h_sleep(1100 * H_MS);
	snprintf(what, sizeof(what), "%s_rate", name);
	check_rate(what, measure(2 * H_S), (double)ppm);
}

static void
case_ntp_freq(void)
{
	freq_case("freq_plus_200ppm", 200);
	freq_case("freq_minus_300ppm", -300);
	freq_case("freq_zero", 0);
}

/*
 * ntp_adjtime(MOD_OFFSET) with STA_PLL: the kernel PLL takes a share of
 * the remaining offset each second (ntp_update_second()).  Whatever it
 * reports as taken must show in the clock, one share ahead at most,
 * besides what the frequency it set contributes.
 */
static void
case_ntp_offset(void)
{
	struct rumptest_timex tx;
	struct h_pair call, now;
	const int64_t off_us = 20000;
	int64_t left, prev = off_us, taken, gained, freq_us, unit;
	double fppm;
	int i, state;

	call = h_pair(REAL);
	memset(&tx, 0, sizeof(tx));
	tx.rt_modes = h_abi.ra_mod_status | h_abi.ra_mod_offset;
	tx.rt_status = h_abi.ra_sta_pll;
	tx.rt_offset = off_us;
	state = ntp(&tx);
	h_report("ntp_state", "%d", state);
	for (i = 1; i <= 4; i++) {
		h_sleep(1 * H_S);
		memset(&tx, 0, sizeof(tx));
		(void)ntp(&tx);
		now = h_pair(REAL);
		if ((tx.rt_status & h_abi.ra_sta_pll) == 0)
			h_fail("STA_PLL did not stick (status %#x)",
			    (unsigned)tx.rt_status);
		unit = (tx.rt_status & h_abi.ra_sta_nano) ? 1000 : 1;
		left = tx.rt_offset / unit;
		fppm = (double)tx.rt_freq / 65536.0;
		freq_us = (int64_t)(fppm * (double)(now.hp_host -
		    call.hp_host) / 1e9);
		taken = off_us - left;
		gained = h_gain(&call, &now) / 1000 - freq_us;
		h_report("ntp_offset", "after %d s: %" PRId64 " us left, "
		    "%" PRId64 " us taken, clock moved %" PRId64 " us "
		    "(freq %.3f ppm)", i, left, taken, gained, fppm);
		if (taken - gained < -50 || taken - gained > prev - left + 50)
			h_fail("ntp_adjtime reports %" PRId64 " us of the "
			    "offset taken, the clock moved %" PRId64 " us",
			    taken, gained);
		prev = left;
	}
	if (off_us - prev < off_us / 10)
		h_fail("the PLL took only %" PRId64 " us of %" PRId64 " us "
		    "in 4 s", off_us - prev, off_us);
}

/*
 * tc_adjtime(): the kernel's own slew, at most 5000 ppm, on top of a
 * pending adjtime(2), which goes on at its own rate and is not touched.
 */
static void
tcadj(int64_t *old, int64_t v)
{
	int error;

	H_KERNEL(error = rumptest_tc_adjtime(old, &v));
	if (error != 0)
		h_fail("tc_adjtime(%" PRId64 "): error %d", v, error);
}

static void
case_tc_adjtime(void)
{
	struct h_pair call;
	int64_t adj = 600000, old, left, tcleft;
	int error, has;

	H_KERNEL(has = rumptest_has_tc_adjtime());
	if (!has)
		h_fail("this kernel has no tc_adjtime()");
	call = h_pair(REAL);
	if ((error = h_adjtime(&adj, &old)) != 0)
		h_fail("adjtime: error %d", error);
	h_sleep(1100 * H_MS);
	check_rate("adjtime_alone_rate", measure(1 * H_S), ADJ_SLOW);

	/* 12.5 ms: 2.5 s at 5000 ppm on top of adjtime's 500. */
	tcadj(&old, 12500);
	if (old != 0)
		h_fail("tc_adjtime: %" PRId64 " us pending before", old);
	h_sleep(1050 * H_MS);
	check_rate("tc_adjtime_12ms_rate", measure(1 * H_S),
	    ADJ_SLOW + ADJ_FAST);
	h_sleep(2000 * H_MS);
	check_rate("after_tc_adjtime_rate", measure(1500 * H_MS), ADJ_SLOW);
	H_KERNEL(error = rumptest_tc_adjtime(&tcleft, NULL));
	h_report("tc_adjtime_left", "%" PRId64 " us", tcleft);
	if (error != 0 || tcleft != 0)
		h_fail("tc_adjtime: %" PRId64 " us still pending (error %d)",
		    tcleft, error);
	/* Besides adjtime's slew, the clock took tc_adjtime()'s 12.5 ms. */
	check_left("adjtime_left", adj, &call, ADJ_SLOW, 12500);

	/* A large one is still slewed at 5000 ppm at most, either way. */
	tcadj(NULL, 10000000);
	h_sleep(1100 * H_MS);
	check_rate("tc_adjtime_plus_10s_rate", measure(1 * H_S),
	    ADJ_SLOW + ADJ_FAST);
	tcadj(&old, -10000000);
	h_report("tc_adjtime_replaced", "%" PRId64 " us were pending", old);
	if (old <= 0 || old >= 10000000)
		h_fail("tc_adjtime(&old, new) returned old %" PRId64, old);
	h_sleep(1100 * H_MS);
	check_rate("tc_adjtime_minus_10s_rate", measure(1 * H_S),
	    ADJ_SLOW - ADJ_FAST);
	tcadj(NULL, 0);
	left = adjtime_left();
	h_report("adjtime_left_end", "%" PRId64 " us", left);
	h_sleep(1100 * H_MS);
	check_rate("after_cancel_rate", measure(1 * H_S), ADJ_SLOW);
}

/* --- monotonicity -------------------------------------------------------- */

struct reader {
	pthread_t	thr;
	int		clock;
	uint64_t	reads;
	int64_t		worst;		/* most negative step */
	int64_t		first, last;
};

static atomic_bool stop;

static void *
reader_main(void *arg)
{
	struct reader *r = arg;
	int64_t prev, t;

	prev = r->first = h_clock(r->clock);
	while (!atomic_load(&stop)) {
		t = h_clock(r->clock);
		if (t - prev < r->worst)
			r->worst = t - prev;
		prev = t;
		r->reads++;
	}
	r->last = prev;
	return NULL;
}

/*
 * Two threads read CLOCK_MONOTONIC (and one CLOCK_REALTIME, to prove
 * the clock was really disturbed) while the kernel switches
 * timecounters, realtime is stepped back, adjtime(2), ntp_adjtime(2)
 * and (if the kernel has it) tc_adjtime() slew it backwards.
 */
static void
case_monotonic(void)
{
	struct reader r[3];
	struct rumptest_timex tx;
	char name[64];
	int64_t d, old;
	int i, error, has;

	memset(r, 0, sizeof(r));
	r[0].clock = r[1].clock = MONO;
	r[2].clock = REAL;
	for (i = 0; i < 3; i++)
		if (pthread_create(&r[i].thr, NULL, reader_main, &r[i]) != 0)
			h_fail("pthread_create");
	h_sleep(500 * H_MS);
	H_KERNEL(error = rumptest_tc_use(RUMPTEST_TC_HOSTMONO, name,
	    sizeof(name)));
	if (error != 0 || strcmp(h_tc_current(), name) != 0)
		h_fail("could not switch to the host's monotonic clock");
	h_sleep(300 * H_MS);
	if ((error = h_settimeofday(h_clock(REAL) - 100 * H_S)) != 0)
		h_fail("settimeofday: error %d", error);
	d = -3000000;
	if ((error = h_adjtime(&d, &old)) != 0)
		h_fail("adjtime: error %d", error);
	memset(&tx, 0, sizeof(tx));
	tx.rt_modes = h_abi.ra_mod_frequency;
	tx.rt_freq = -500 * 65536;
	(void)ntp(&tx);
	H_KERNEL(has = rumptest_has_tc_adjtime());
	if (has)
		tcadj(NULL, -3000000);
	h_sleep(2500 * H_MS);
	atomic_store(&stop, true);
	for (i = 0; i < 3; i++)
		pthread_join(r[i].thr, NULL);
	for (i = 0; i < 2; i++) {
		h_report("monotonic_reader", "%" PRIu64 " reads, largest step "
		    "back %" PRId64 " ns", r[i].reads, -r[i].worst);
		if (r[i].reads < 1000)
			h_fail("reader %d made only %" PRIu64 " reads", i,
			    r[i].reads);
		if (r[i].worst < 0)
			h_fail("CLOCK_MONOTONIC went back by %" PRId64 " ns",
			    -r[i].worst);
	}
	h_report("realtime_reader", "largest step back %.3f s",
	    (double)-r[2].worst / H_S);
	if (r[2].worst > -99 * H_S)
		h_fail("realtime was not stepped back: the test did not "
		    "disturb the clock");
}

static const struct {
	const char	*name;
	int		tc;	/* timecounter registered at boot */
	void		(*fn)(void);
} cases[] = {
	{ "monotonic", 0, case_monotonic },
	{ "adjtime_slow", RUMPTEST_TC_HOSTMONO, case_adjtime_slow },
	{ "adjtime_fast", RUMPTEST_TC_HOSTMONO, case_adjtime_fast },
	{ "settimeofday", RUMPTEST_TC_HOSTMONO, case_settimeofday },
	{ "clock_settime", RUMPTEST_TC_HOSTMONO, case_clock_settime },
	{ "ntp_freq", RUMPTEST_TC_HOSTMONO, case_ntp_freq },
	{ "ntp_offset", RUMPTEST_TC_HOSTMONO, case_ntp_offset },
	{ "tc_adjtime", RUMPTEST_TC_HOSTMONO, case_tc_adjtime },
};

int
main(int argc, char **argv)
{
	size_t i;

	h_prog = "h_rumpclock";
	if (argc != 2)
		goto usage;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (strcmp(argv[1], cases[i].name) != 0)
			continue;
		h_boot(cases[i].tc);
		h_report("timecounter", "%s", h_tc_current());
		cases[i].fn();
		return 0;
	}
usage:
	fprintf(stderr, "usage: h_rumpclock case\ncases:");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		fprintf(stderr, " %s", cases[i].name);
	fprintf(stderr, "\n");
	return 2;
}
