/*
 * Tests of sys/kern/kern_tc.c on the userland kernel environment:
 * monotonicity across windups, wraps and hardware switches; slewing by
 * th_adjtimedelta; frequency correction; steps; lock-free readers.
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

#include "kenv.h"

#define NS		1000000000LL
#define TC_PPB(x)	((int64_t)(x) * ((int64_t)1 << 32))

static int64_t
ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * NS + ts->tv_nsec;
}

static int64_t
now_ns(void)
{
	struct timespec ts;

	nanotime(&ts);
	return ts_ns(&ts);
}

static int64_t
up_ns(void)
{
	struct timespec ts;

	nanouptime(&ts);
	return ts_ns(&ts);
}

static int
boot(uint64_t freq, unsigned bits, double ppm)
{
	kenv_boot(100);
	return kenv_counter_create("hw", freq, bits, 100, ppm);
}

static void
set_realtime(int64_t ns)
{
	struct timespec ts = { ns / NS, ns % NS };

	tc_setclock(&ts);
}

/* Run for span ns in steps of step ns; no reading may go back. */
static void
check_monotonic(int64_t span, int64_t step)
{
	int64_t t, r, u, lastr, lastu;

	lastr = now_ns();
	lastu = up_ns();
	for (t = 0; t < span; t += step) {
		kenv_run_for(step);
		r = now_ns();
		u = up_ns();
		ATF_REQUIRE_MSG(r >= lastr, "realtime back by %lld ns at %lld",
		    (long long)(lastr - r), (long long)t);
		ATF_REQUIRE_MSG(u >= lastu, "uptime back by %lld ns at %lld",
		    (long long)(lastu - u), (long long)t);
		lastr = r;
		lastu = u;
	}
}

ATF_TC(monotonic_widths);
ATF_TC_HEAD(monotonic_widths, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "nanotime/nanouptime never go back across windups and wraps of "
	    "16, 24, 32 and 64-bit counters");
}
ATF_TC_BODY(monotonic_widths, tc)
{
	static const struct { uint64_t f; unsigned bits; } c[] = {
		{ 1000000, 16 },	/* wraps every 65 ms */
		{ 3579545, 24 },	/* ACPI-like, wraps every 4.7 s */
		{ 1193182, 32 },
		{ 2000000000, 32 },	/* wraps every 2.1 s */
		{ 2400000000ULL, 64 },
	};
	int i, status;
	pid_t pid;

	/* Each width in its own process: the kernel boots once. */
	for (i = 0; i < (int)(sizeof(c) / sizeof(c[0])); i++) {
		if ((pid = fork()) == 0) {
			boot(c[i].f, c[i].bits, 37.0);
			set_realtime(1700000000LL * NS);
			check_monotonic(30 * NS, 3333333);	/* off-tick */
			kenv_set_tickless(false);
			check_monotonic(5 * NS, 1000000);
			_exit(0);
		}
		ATF_REQUIRE(pid > 0);
		ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
		ATF_REQUIRE_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "width %u failed", c[i].bits);
	}
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

	boot(1193182, 32, 0.0);
	kenv_counter_create("better", 2000000000, 64, 900, 25.0);
	set_realtime(1700000000LL * NS);
	ATF_REQUIRE_EQ(kenv_sysctl_getstr("kern.timecounter.hardware", name,
	    sizeof(name)), 0);
	ATF_REQUIRE_STREQ(name, "better");
	for (i = 0; i < 20; i++) {
		kenv_run_for(NS / 7);
		before = now_ns();
		ATF_REQUIRE_EQ(kenv_sysctl_setstr("kern.timecounter.hardware",
		    i % 2 ? "better" : "hw"), 0);
		after = now_ns();
		ATF_REQUIRE(after >= before);
		ATF_REQUIRE_MSG(after - before < 1000, "jump of %lld ns",
		    (long long)(after - before));
		check_monotonic(NS / 3, 777777);
	}
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

	r0 = now_ns();
	t0 = kenv_now();
	kenv_run_for(NS);
	r1 = now_ns();
	t1 = kenv_now();
	return (int64_t)((double)((r1 - r0) - (t1 - t0)) /
	    (double)(r1 - r0) * 1e9);
}

ATF_TC(slew_positive);
ATF_TC_HEAD(slew_positive, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "a pending adjtime of +2.5 s completes in 500 s +- 1 s, "
	    "never faster than 5000 ppm");
}
ATF_TC_BODY(slew_positive, tc)
{
	int64_t delta = 2500000, left, gained, rate, start, u0, took, sec;

	boot(2000000000, 64, 0.0);
	set_realtime(1700000000LL * NS);
	kenv_run_for(NS / 2);
	start = now_ns() - kenv_now();
	u0 = up_ns();
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
		gained = now_ns() - kenv_now() - start;
		ATF_REQUIRE(up_ns() - u0 < 600 * NS);
	} while (gained < 2500000000LL - 1000);
	took = up_ns() - u0;
	ATF_REQUIRE_MSG(took >= 499 * NS && took <= 501 * NS,
	    "took %lld ns of uptime", (long long)took);
	kenv_run_for(5 * NS);
	gained = now_ns() - kenv_now() - start;
	ATF_REQUIRE_MSG(llabs(gained - 2500000000LL) < 1000,
	    "gained %lld ns", (long long)gained);
	ATF_REQUIRE_EQ(tc_adjtime(&left, NULL), 0);
	ATF_REQUIRE_EQ(left, 0);
}

ATF_TC(slew_negative);
ATF_TC_HEAD(slew_negative, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "a pending -0.3 s slews down with no backward reading");
}
ATF_TC_BODY(slew_negative, tc)
{
	int64_t delta = -300000, start, lost, left;

	boot(2000000000, 64, 0.0);
	set_realtime(1700000000LL * NS);
	start = now_ns() - kenv_now();
	ATF_REQUIRE_EQ(tc_adjtime(NULL, &delta), 0);
	check_monotonic(70 * NS, 12345678);
	ATF_REQUIRE_EQ(tc_adjtime(&left, NULL), 0);
	ATF_REQUIRE_EQ(left, 0);
	lost = now_ns() - kenv_now() - start;
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

	boot(2000000000, 64, 0.0);
	set_realtime(1700000000LL * NS);
	kenv_run_for(NS / 3);
	ATF_REQUIRE_EQ(tc_adjtime(NULL, &delta), 0);
	kenv_run_for(10 * NS);
	delta = 20000;
	ATF_REQUIRE_EQ(tc_adjtime(&old, &delta), 0);
	/* 10 folds of 5000 us at the most happened. */
	ATF_REQUIRE_MSG(old <= 1000000 - 9 * 5000 && old >= 1000000 -
	    11 * 5000, "old %lld", (long long)old);
	start = now_ns() - kenv_now();
	kenv_run_for(20 * NS);
	ATF_REQUIRE_EQ(tc_adjtime(&old, NULL), 0);
	ATF_REQUIRE_EQ(old, 0);
	gained = now_ns() - kenv_now() - start;
	/* 20 ms, plus what was left of the second folded before. */
	ATF_REQUIRE_MSG(gained >= 20000000 && gained <= 20000000 + 5000000,
	    "gained %lld", (long long)gained);

	delta = 400000;
	ATF_REQUIRE_EQ(tc_adjtime(NULL, &delta), 0);
	set_realtime(1800000000LL * NS);
	ATF_REQUIRE_EQ(tc_adjtime(&old, NULL), 0);
	ATF_REQUIRE_EQ(old, 0);

	delta = (int64_t)1000000 * 86400 * 366;
	ATF_REQUIRE_EQ(tc_adjtime(NULL, &delta), EINVAL);
}

/* The measured rate of realtime against true time over span, in ppm. */
static double
measured_ppm(int64_t span)
{
	int64_t r0, t0;

	r0 = now_ns();
	t0 = kenv_now();
	kenv_run_for(span);
	return ((double)(now_ns() - r0) / (double)(kenv_now() - t0) - 1.0) *
	    1e6;
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

	boot(1193182, 32, 12.5);
	set_realtime(1700000000LL * NS);
	kenv_run_for(NS);
	base = measured_ppm(1000 * NS);
	ATF_REQUIRE_MSG(fabs(base - 12.5) < 0.001, "base %.6f", base);
	f = TC_PPB(100000);
	ATF_REQUIRE_EQ(tc_adjfreq(NULL, &f), 0);
	adj = measured_ppm(1000 * NS);
	/* The correction scales the counter's rate: compare ratios. */
	ATF_REQUIRE_MSG(fabs(((1 + adj * 1e-6) / (1 + base * 1e-6) - 1) * 1e6 -
	    100.0) < 0.001, "delta %.6f ppm", adj - base);

	f = TC_PPB(500001);
	ATF_REQUIRE_EQ(tc_adjfreq(NULL, &f), EINVAL);
	f = -TC_PPB(500001);
	ATF_REQUIRE_EQ(tc_adjfreq(NULL, &f), EINVAL);
	ATF_REQUIRE_EQ(tc_adjfreq(&old, NULL), 0);
	ATF_REQUIRE_EQ(old, TC_PPB(100000));
	adj = measured_ppm(100 * NS);
	ATF_REQUIRE(fabs(adj - base - 100.0) < 0.01);

	f = -TC_PPB(500000);
	ATF_REQUIRE_EQ(tc_adjfreq(NULL, &f), 0);
	adj = measured_ppm(100 * NS);
	ATF_REQUIRE_MSG(fabs(adj - base + 500.0) < 0.01, "%.6f", adj - base);
}

ATF_TC(steps);
ATF_TC_HEAD(steps, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "forward and backward tc_setclock leave uptime alone and keep "
	    "realtime = boottime + uptime");
}
ATF_TC_BODY(steps, tc)
{
	struct timespec boot_ts, up, rt;
	struct bintime bt;
	int64_t u0, u1, target;

	boot(2000000000, 64, 0.0);
	ATF_REQUIRE_EQ(kenv_sysctl_setint("kern.timecounter.timestepwarnings",
	    1), 0);
	kenv_run_for(5 * NS);
	u0 = up_ns();
	target = 1700000000LL * NS + 123456789;
	set_realtime(target);
	u1 = up_ns();
	ATF_REQUIRE(u1 >= u0 && u1 - u0 < 1000);
	ATF_REQUIRE(llabs(now_ns() - target) < 1000);
	ATF_REQUIRE_EQ(kenv_log_count("Time stepped from"), 1);

	kenv_run_for(3 * NS);
	target = 1600000000LL * NS;		/* backward */
	u0 = up_ns();
	set_realtime(target);
	ATF_REQUIRE(up_ns() >= u0);
	ATF_REQUIRE(llabs(now_ns() - target) < 1000);
	ATF_REQUIRE_EQ(kenv_log_count("Time stepped from"), 2);

	/* Suspend: uptime and realtime both stop; the identity holds. */
	u0 = up_ns();
	kenv_suspend();
	kenv_run_for(7200 * NS);
	kenv_resume();
	kenv_run_for(NS);
	ATF_REQUIRE(up_ns() - u0 < 2 * NS);
	getnanoboottime(&boot_ts);
	nanouptime(&up);
	nanotime(&rt);
	ATF_REQUIRE(llabs(ts_ns(&boot_ts) + ts_ns(&up) - ts_ns(&rt)) < 10);
	binuptime(&bt);
	ATF_REQUIRE(bt.sec == up.tv_sec || bt.sec == up.tv_sec + 1);

	ATF_REQUIRE_EQ(kenv_sysctl_setint("kern.timecounter.timestepwarnings",
	    2), EINVAL);
}

ATF_TC(adjtime1_semantics);
ATF_TC_HEAD(adjtime1_semantics, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "adjtime1: olddelta normalised, bad delta EINVAL, needs "
	    "KAUTH_SYSTEM_TIME");
}
ATF_TC_BODY(adjtime1_semantics, tc)
{
	struct timeval d, old;

	boot(2000000000, 64, 0.0);
	d.tv_sec = -1;
	d.tv_usec = 500000;			/* -0.5 s */
	ATF_REQUIRE_EQ(adjtime1(&d, NULL, kenv_curproc()), 0);
	ATF_REQUIRE_EQ(adjtime1(NULL, &old, kenv_curproc()), 0);
	ATF_REQUIRE_EQ(old.tv_sec, -1);
	ATF_REQUIRE_EQ(old.tv_usec, 500000);
	d.tv_sec = 0;
	d.tv_usec = 1000000;
	ATF_REQUIRE_EQ(adjtime1(&d, NULL, kenv_curproc()), EINVAL);
	d.tv_usec = -1;
	ATF_REQUIRE_EQ(adjtime1(&d, NULL, kenv_curproc()), EINVAL);
	kenv_kauth_deny(12 /* KAUTH_SYSTEM_TIME */, true);
	d.tv_usec = 1;
	ATF_REQUIRE_EQ(adjtime1(&d, &old, kenv_curproc()), EPERM);
	kenv_kauth_deny(12, false);
	ATF_REQUIRE_EQ(adjtime1(NULL, &old, kenv_curproc()), 0);
	ATF_REQUIRE_EQ(old.tv_sec, -1);		/* unchanged by the EPERM */
}

/*
 * Tickless running must give the very same clock as running every
 * tick, slew and frequency correction included.
 */
static void
scripted_run(bool tickless, int64_t *out, int n)
{
	int64_t delta = 1234567, f = TC_PPB(-3210);
	int i;

	boot(3579545, 24, 43.0);
	kenv_set_tickless(tickless);
	set_realtime(1700000000LL * NS);
	ATF_REQUIRE_EQ(tc_adjtime(NULL, &delta), 0);
	for (i = 0; i < n; i++) {
		kenv_run_for(NS + 1234567 * (i % 5));
		if (i == n / 2) {
			ATF_REQUIRE_EQ(tc_adjfreq(NULL, &f), 0);
			delta = -777777;
			ATF_REQUIRE_EQ(tc_adjtime(NULL, &delta), 0);
		}
		out[i] = now_ns();
	}
}

ATF_TC(tickless_identical);
ATF_TC_HEAD(tickless_identical, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "skipping idle ticks gives readings identical to every tick");
}
ATF_TC_BODY(tickless_identical, tc)
{
	enum { N = 600 };
	int64_t a[N], b[N];
	int fd[2], status, i;
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
	for (i = 0; i < N; i++)
		ATF_REQUIRE_MSG(a[i] == b[i], "reading %d: %lld vs %lld", i,
		    (long long)a[i], (long long)b[i]);
	ATF_REQUIRE(kenv_hardclocks() < (uint64_t)N * 100 / 10);
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
		if (ts_ns(&b) < ts_ns(&a) || ub.sec < ua.sec ||
		    (ub.sec == ua.sec && ub.frac < ua.frac) ||
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
	    "thread winds up");
}
ATF_TC_BODY(concurrent_readers, tc)
{
	pthread_t t;
	int64_t delta = 3000000, f = TC_PPB(250000);
	int i;

	boot(2000000000, 32, 50.0);
	kenv_set_tickless(false);
	set_realtime(1700000000LL * NS);
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

ATF_TC(sysctl_nodes);
ATF_TC_HEAD(sysctl_nodes, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "kern.timecounter.{choice,hardware,timestepwarnings}");
}
ATF_TC_BODY(sysctl_nodes, tc)
{
	char buf[512];
	int64_t v;

	boot(1193182, 32, 0.0);
	kenv_counter_create("tsc", 2000000000, 64, 1000, 0.0);
	ATF_REQUIRE_EQ(kenv_sysctl_getstr("kern.timecounter.choice", buf,
	    sizeof(buf)), 0);
	ATF_REQUIRE(strstr(buf, "tsc(q=1000, f=2000000000 Hz)") != NULL);
	ATF_REQUIRE(strstr(buf, "hw(q=100, f=1193182 Hz)") != NULL);
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
	kenv_set_privileged(false);
	ATF_REQUIRE_EQ(kenv_sysctl_setint("kern.timecounter.timestepwarnings",
	    1), EPERM);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, monotonic_widths);
	ATF_TP_ADD_TC(tp, monotonic_switch);
	ATF_TP_ADD_TC(tp, slew_positive);
	ATF_TP_ADD_TC(tp, slew_negative);
	ATF_TP_ADD_TC(tp, slew_replace_and_step);
	ATF_TP_ADD_TC(tp, freq);
	ATF_TP_ADD_TC(tp, steps);
	ATF_TP_ADD_TC(tp, adjtime1_semantics);
	ATF_TP_ADD_TC(tp, tickless_identical);
	ATF_TP_ADD_TC(tp, concurrent_readers);
	ATF_TP_ADD_TC(tp, sysctl_nodes);
	return atf_no_error();
}
