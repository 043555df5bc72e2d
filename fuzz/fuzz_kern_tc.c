/*	$NetBSD$	*/

/*
 * Copyright (c) 2026 The vmt timesync project.
 * All rights reserved.
 *
 * Redistribution and use in source and binary forms, with or without
 * modification, are permitted provided that the following conditions
 * are met:
 * 1. Redistributions of source code must retain the above copyright
 *    notice, this list of conditions and the following disclaimer.
 * 2. Redistributions in binary form must reproduce the above copyright
 *    notice, this list of conditions and the following disclaimer in the
 *    documentation and/or other materials provided with the distribution.
 *
 * THIS SOFTWARE IS PROVIDED BY THE AUTHOR AND CONTRIBUTORS ``AS IS'' AND
 * ANY EXPRESS OR IMPLIED WARRANTIES ARE DISCLAIMED.
 */

/*
 * libFuzzer target: sys/kern/kern_tc.c under call sequences.
 *
 * The environment boots once with three counters (wide and fast,
 * 32-bit, 16-bit and slow); each input is a program of operations:
 * run virtual time (windups, counter wraps), tc_adjtime(),
 * tc_adjfreq(), tc_setclock(), adjtime(2) (kern_time.c, through
 * ntp_update_second()), counter
 * switches through kern.timecounter.hardware, oscillator rate
 * changes, suspends, extra tc_ticktock() calls, and every reader.
 *
 * Invariants, after every operation (abort() on violation):
 *  - realtime never goes back except through tc_setclock();
 *  - uptime never goes back, and over a run advances at the
 *    oscillator's rate give or take what corrections may add (the
 *    frequency correction, adjtime slews);
 *  - the coarse readers (get*) never run ahead of the precise ones and
 *    never go back either;
 *  - microtime() is nanotime() truncated;
 *  - tc_adjtime() and tc_adjfreq() refuse out-of-range values with
 *    EINVAL and change nothing, and take the others as given.
 */

#include <sys/time.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fuzz_input.h"
#include "kenv.h"

#define NS		1000000000LL
#define US		1000LL
#define MS		1000000LL
/* tc_adjfreq(): +-5000 ppm in ppb << 32; adjtime: a year (timetc.h). */
#define FREQ_MAX	((int64_t)5000000 << 32)
#define ADJTIME_MAX_US	((int64_t)1000000 * 86400 * 365)
/* Counter error, frequency correction and two slews at most, ppm. */
#define RATE_SLACK_PPM	17500
/* Virtual time one input may run, */
#define RUN_MAX_NS	(2 * 3600 * NS)
/*
 * and what it may cost in windups (hardclock() calls).  A second of
 * virtual time costs about two (kern_tc.c folds its slew at each
 * second of uptime and calls ntp_update_second() at each of realtime:
 * work the tickless environment cannot skip), fifty on the 16-bit
 * counter (a windup before half of each 55 ms wrap), so two hours were
 * 14,000 to 360,000 windups an input.  This spans some 500 s on the
 * 32-bit counters (a wrap of the slow one, each phase of the slews)
 * and 20 s, 360 wraps, on the 16-bit one; the clock carries over to
 * the next input, so longer horizons are reached across inputs.  Runs
 * go a second at a time: an input overruns this by one second's
 * windups at most.
 */
#define RUN_MAX_HARDCLOCKS 1000
#define RUN_STEP_NS	NS
#define RUN_TOTAL_NS	(200LL * 365 * 86400 * NS)

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const counters[] = { "tsc", "hpet", "i8254" };
static int ids[3];

struct obs {
	struct timespec	rt, up, crt, cup;	/* precise and coarse */
};

struct budget {
	int64_t		ns;		/* virtual time left */
	uint64_t	hardclocks;	/* kenv_hardclocks() to stop at */
};

static struct obs last;
static bool stepped;		/* tc_setclock() since the last check */

static void
fail(const char *what, const struct timespec *a, const struct timespec *b)
{
	fprintf(stderr, "fuzz_kern_tc: %s: %lld.%09ld then %lld.%09ld\n",
	    what, (long long)a->tv_sec, a->tv_nsec, (long long)b->tv_sec,
	    b->tv_nsec);
	abort();
}

static bool
before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	    (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static int64_t
span_ns(const struct timespec *a, const struct timespec *b)
{
	return (int64_t)(b->tv_sec - a->tv_sec) * NS + (b->tv_nsec - a->tv_nsec);
}

/* Read every reader; check them against each other and the last. */
static void
observe(void)
{
	struct obs o;
	struct timeval tv;
	struct timespec us;
	struct bintime bt, bu;

	getnanotime(&o.crt);
	getnanouptime(&o.cup);
	microtime(&tv);
	nanotime(&o.rt);
	nanouptime(&o.up);
	bintime(&bt);
	binuptime(&bu);
	if (before(&o.rt, &o.crt) && !stepped)
		fail("getnanotime ahead of nanotime", &o.crt, &o.rt);
	if (before(&o.up, &o.cup))
		fail("getnanouptime ahead of nanouptime", &o.cup, &o.up);
	us.tv_sec = tv.tv_sec;
	us.tv_nsec = tv.tv_usec * 1000;
	if (before(&o.rt, &us))
		fail("microtime ahead of nanotime", &us, &o.rt);
	if (bu.sec < o.up.tv_sec)
		fail("binuptime behind nanouptime", &o.up, &o.up);
	if (before(&o.up, &last.up))
		fail("uptime went back", &last.up, &o.up);
	if (before(&o.cup, &last.cup))
		fail("coarse uptime went back", &last.cup, &o.cup);
	if (!stepped && before(&o.rt, &last.rt))
		fail("realtime went back without tc_setclock()", &last.rt,
		    &o.rt);
	if (!stepped && before(&o.crt, &last.crt))
		fail("coarse realtime went back without tc_setclock()",
		    &last.crt, &o.crt);
	last = o;
	stepped = false;
}

/* Run ns of true time; uptime must follow at the oscillator's rate. */
static void
run(int64_t ns, struct budget *b)
{
	struct timespec u0, u1;
	int64_t du, slack, left, step;

	if (ns > b->ns)
		ns = b->ns;
	if (kenv_now() > RUN_TOTAL_NS)
		ns = 0;
	nanouptime(&u0);
	for (left = ns; left > 0 && kenv_hardclocks() < b->hardclocks;
	    left -= step) {
		step = left < RUN_STEP_NS ? left : RUN_STEP_NS;
		kenv_run_for(step);
	}
	/* The check below is over the time that did run. */
	ns -= left;
	b->ns -= ns;
	nanouptime(&u1);
	du = span_ns(&u0, &u1);
	/* The counters err by 1000 ppm at most (see op 7). */
	slack = ns * RATE_SLACK_PPM / 1000000 + 2 * US;
	if (du < ns - slack || du > ns + slack) {
		fprintf(stderr, "fuzz_kern_tc: uptime ran %lld ns in %lld\n",
		    (long long)du, (long long)ns);
		abort();
	}
	observe();
}

static void
op(struct input *in, struct budget *budget)
{
	struct timespec ts;
	struct timeval tv, otv;
	int64_t v, old, now;
	int e;

	switch (take(in, 1) % 12) {
	case 0:		/* run up to 2.55 s in 10 ms */
		run((int64_t)take(in, 1) * 10 * MS, budget);
		break;
	case 1:		/* run up to 65535 s */
		run((int64_t)take(in, 2) * NS, budget);
		break;
	case 2:		/* tc_adjtime(): any value */
		v = (int64_t)take(in, 8) >> (take(in, 1) % 64);
		(void)tc_adjtime(&old, NULL);
		e = kenv_host_errno(tc_adjtime(NULL, &v));
		(void)tc_adjtime(&now, NULL);
		if (v > ADJTIME_MAX_US || v < -ADJTIME_MAX_US) {
			if (e != EINVAL || now != old)
				abort();
		} else if (e != 0 || now != v)
			abort();
		break;
	case 3:		/* tc_adjfreq(): any value */
		v = (int64_t)take(in, 8) >> (take(in, 1) % 64);
		(void)tc_adjfreq(&old, NULL);
		e = kenv_host_errno(tc_adjfreq(NULL, &v));
		(void)tc_adjfreq(&now, NULL);
		if (v > FREQ_MAX || v < -FREQ_MAX) {
			if (e != EINVAL || now != old)
				abort();
		} else if (e != 0 || now != v)
			abort();
		break;
	case 4:		/* tc_setclock(): anywhere in +-2^40 s */
		ts.tv_sec = (time_t)((int64_t)take(in, 8) >> 24);
		ts.tv_nsec = (long)(take(in, 4) % NS);
		tc_setclock(&ts);
		stepped = true;
		nanotime(&last.rt);
		/* The bintime conversions truncate: a ns below is fine. */
		if (span_ns(&ts, &last.rt) < -US || span_ns(&ts, &last.rt) > MS)
			fail("tc_setclock() missed", &ts, &last.rt);
		break;
	case 5:		/* kern.timecounter.hardware */
		(void)kenv_sysctl_setstr("kern.timecounter.hardware",
		    counters[take(in, 1) % 3]);
		break;
	case 6:		/* adjtime(2) */
		tv.tv_sec = (time_t)((int32_t)take(in, 4) >> (take(in, 1) % 32));
		tv.tv_usec = (suseconds_t)((int32_t)take(in, 4) % 1100000);
		(void)kenv_adjtime(&tv, &otv);
		break;
	case 7:		/* the oscillator changes: +-1000 ppm */
		kenv_counter_set_ppm(ids[take(in, 1) % 3],
		    (double)((int16_t)take(in, 2) % 1000));
		break;
	case 8:		/* suspend up to 65 s: counters stand still */
		kenv_suspend();
		kenv_run_for((int64_t)take(in, 2) * MS);
		kenv_resume();
		break;
	case 9:
		tc_ticktock();
		break;
	case 10:	/* read, without running */
		break;
	case 11:	/* a tiny run: readers across one windup */
		run((int64_t)take(in, 2) * US, budget);
		break;
	}
	observe();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct timespec ts = { 1767225600, 0 };

	kenv_boot(100);
	ids[0] = kenv_counter_create(counters[0], 1000000000, 32, 1000, 30.0);
	ids[1] = kenv_counter_create(counters[1], 14318180, 32, 500, -20.0);
	ids[2] = kenv_counter_create(counters[2], 1193182, 16, 100, 5.0);
	tc_setclock(&ts);
	stepped = true;
	observe();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct budget budget = { RUN_MAX_NS,
	    kenv_hardclocks() + RUN_MAX_HARDCLOCKS };
	int n;

	for (n = 0; n < 256 && in.n > 0; n++)
		op(&in, &budget);
	return 0;
}
