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
 * vmt_tspolicy against the real sys/kern/kern_tc.c (on the userland
 * kernel environment), not against the clock model, which shares the
 * policy's assumptions about the kernel.  The harness here does what
 * vmt_timesync.c does, minus the backdoor: it samples a synthetic host
 * clock bracketed by nanotime(), hands the sample to the policy and
 * applies each decision with tc_adjfreq(), tc_adjtime() and
 * tc_setclock(), checking every return value.
 *
 * Besides the offsets, every case checks after every sample that the
 * policy's mirror of the kernel's pending slew is what the kernel
 * really holds (tc_adjtime(&old, NULL)): a kernel that refused a slew,
 * dropped a pending one or folds it otherwise than the policy believes
 * fails here, not in the field.  The kernel's slew window for a second
 * starts and ends at the windups around the second's boundaries, up to
 * a tick late, and what it delivers more or less than its share goes
 * back to the pending slew: MIRROR_SLACK_US allows for that, a tick's
 * worth of the fastest slew.
 */

#include <atf-c.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dev/vmt/vmt_tspolicy.h>

#include "kenv.h"

#define NS		1000000000LL
#define MS		1000000LL
#define US		1000LL
#define EPOCH		(1767225600LL * NS)	/* 2026-01-01 */
#define HZ		100
#define MIRROR_SLACK_US	(2 * VMT_TSP_SLEW_RATE_US / HZ)

static struct vmt_tspolicy P;
static struct vmt_tsp_config C;
static int64_t host_off;	/* host clock = EPOCH + true time + this */
static int64_t jitter_ns;	/* sampled offset noise, uniform +- */
static uint32_t lag_us;		/* maxTimeLag in samples */
static int64_t force_x = INT64_MIN; /* next sample sees exactly this */
static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static int64_t next_up = -1;	/* uptime of the next sample, ns */

static struct {
	long	samples, slews, fsteps, bsteps, errors, mirror_bad;
	int64_t	mirror_worst;	/* us */
} K;

static int64_t
ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * NS + ts->tv_nsec;
}

static int64_t
uptime_ns(void)
{
	struct timespec ts;

	nanouptime(&ts);
	return ts_ns(&ts);
}

static int64_t
host_now(void)
{
	return EPOCH + kenv_now() + host_off;
}

/* Guest realtime - host time, as the test sees it. */
static int64_t
offset_true(void)
{
	struct timespec ts;

	nanotime(&ts);
	return ts_ns(&ts) - host_now();
}

static int64_t
noise(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return jitter_ns == 0 ? 0 :
	    (int64_t)(rng % (uint64_t)(2 * jitter_ns + 1)) - jitter_ns;
}

static void
apply(const struct vmt_tsp_decision *dc)
{
	struct timespec now, to;
	unsigned refused = 0;
	int64_t v, t;

	if (dc->dc_set_freq) {
		v = dc->dc_freq;
		if (tc_adjfreq(NULL, &v) != 0)
			refused |= VMT_TSP_REFUSED_FREQ;
	}
	switch (dc->dc_action) {
	case VMT_TSP_SLEW:
		v = dc->dc_slew_us;
		if (tc_adjtime(NULL, &v) != 0)
			refused |= VMT_TSP_REFUSED_SLEW;
		else if (v != 0)
			K.slews++;
		break;
	case VMT_TSP_STEP:
		nanotime(&now);
		t = ts_ns(&now) + dc->dc_step_ns;
		to.tv_sec = t / NS;
		to.tv_nsec = t % NS;
		tc_setclock(&to);
		if (dc->dc_step_ns > 0)
			K.fsteps++;
		else
			K.bsteps++;
		break;
	case VMT_TSP_NONE:
		break;
	}
	if (refused != 0) {
		K.errors++;
		vmt_tspolicy_refused(&P, refused);
	}
	if (dc->dc_next_ms != VMT_TSP_NEXT_KEEP)
		next_up = uptime_ns() + (int64_t)dc->dc_next_ms * MS;
}

static void
sample(void)
{
	struct vmt_tsp_sample s;
	struct vmt_tsp_decision dc;
	struct timespec g0, g1;
	int64_t h, w, kpend = 0;

	nanotime(&g0);
	h = host_now() + noise();
	nanotime(&g1);
	w = ts_ns(&g1) - ts_ns(&g0);
	s.ts_width_ns = w;
	s.ts_offset_ns = ts_ns(&g0) + w / 2 - h;
	if (force_x != INT64_MIN) {
		s.ts_offset_ns = force_x;
		host_off += offset_true() - force_x;
		force_x = INT64_MIN;
	}
	s.ts_uptime_ns = uptime_ns() - w / 2;
	s.ts_lag_us = lag_us;
	ATF_REQUIRE_EQ(tc_adjtime(&kpend, NULL), 0);
	K.samples++;
	next_up = -1;
	vmt_tspolicy_sample(&P, &s, &dc);
	/* The policy's mirror, at this uptime, is the kernel. */
	if (P.tp_cfg.tc_enabled && dc.dc_rejects == 0 &&
	    llabs(P.tp_undo_pending_us - kpend) > MIRROR_SLACK_US) {
		K.mirror_bad++;
		if (llabs(P.tp_undo_pending_us - kpend) > K.mirror_worst)
			K.mirror_worst = llabs(P.tp_undo_pending_us - kpend);
	}
	apply(&dc);
}

static void
event(enum vmt_tsp_event ev)
{
	struct vmt_tsp_decision dc;

	vmt_tspolicy_event(&P, ev, &dc);
	apply(&dc);
	if (next_up >= 0 && next_up <= uptime_ns())
		sample();
}

static void
boot(double ppm, int64_t off0)
{
	struct timespec ts;
	int64_t t;

	memset(&K, 0, sizeof(K));
	kenv_boot(HZ);
	(void)kenv_counter_create("tsc", 2000000000, 32, 1000, ppm);
	t = host_now() + off0;
	ts.tv_sec = t / NS;
	ts.tv_nsec = t % NS;
	tc_setclock(&ts);
	vmt_tspolicy_defaults(&C);
	C.tc_enabled = true;
	jitter_ns = 5 * US;
}

static void
start(void)
{
	ATF_REQUIRE(vmt_tspolicy_init(&P, &C, 0));
	next_up = uptime_ns();		/* attach: sample at once */
	sample();
}

/* Offsets over a run, per second of true time. */
struct stats {
	int64_t	last_bad;	/* last second with |offset| > 1 ms */
	int64_t	max;		/* max |offset| from eval on */
	double	sumsq;
	long	n;
};

/*
 * Run secs seconds in 10 ms steps, sampling when the policy asked;
 * realtime must never go back except by a step the policy decided.
 */
static void
run(int64_t secs, int64_t eval_s, struct stats *st)
{
	struct timespec prev, now;
	int64_t i, o;
	long steps;

	nanotime(&prev);
	for (i = 0; i < secs * 100; i++) {
		kenv_run_for(10 * MS);
		steps = K.fsteps + K.bsteps;
		if (next_up >= 0 && uptime_ns() >= next_up)
			sample();
		nanotime(&now);
		ATF_REQUIRE_MSG(ts_ns(&now) >= ts_ns(&prev) ||
		    K.fsteps + K.bsteps != steps, "realtime went back by "
		    "%lld ns", (long long)(ts_ns(&prev) - ts_ns(&now)));
		prev = now;
		if (st == NULL || i % 100 != 99)
			continue;
		o = offset_true();
		if (llabs(o) > MS)
			st->last_bad = i / 100;
		if (i / 100 >= eval_s) {
			st->max = llabs(o) > st->max ? llabs(o) : st->max;
			st->sumsq += (double)o * (double)o;
			st->n++;
		}
	}
}

static void
report(const char *name, const struct stats *st)
{
	printf("%s: last over 1 ms at %lld s, rms %.2f us, max %.2f us, "
	    "samples %ld, slews %ld, steps %ld/%ld, kernel errors %ld, "
	    "mirror off %ld times (worst %lld us)\n", name,
	    (long long)st->last_bad,
	    st->n > 0 ? __builtin_sqrt(st->sumsq / st->n) / 1e3 : 0.0,
	    st->max / 1e3, K.samples, K.slews, K.fsteps, K.bsteps, K.errors,
	    K.mirror_bad, (long long)K.mirror_worst);
	fflush(stdout);
}

static void
check_kernel_agrees(void)
{
	ATF_CHECK_EQ_MSG(K.errors, 0, "the kernel refused %ld decisions",
	    K.errors);
	ATF_CHECK_EQ_MSG(K.mirror_bad, 0, "mirror off %ld times, worst "
	    "%lld us", K.mirror_bad, (long long)K.mirror_worst);
}

ATF_TC(steady);
ATF_TC_HEAD(steady, tc)
{
	atf_tc_set_md_var(tc, "descr", "100 ppm, 0.1 s, 5 us jitter, 6 h "
	    "on the real kern_tc: synced < 600 s, rms <= 20 us, max <= "
	    "100 us, no step, the mirror exact");
}
ATF_TC_BODY(steady, tc)
{
	struct stats st = { -1, 0, 0, 0 };

	boot(100, 100 * MS);
	start();
	run(6 * 3600, 600, &st);
	report("steady", &st);
	ATF_CHECK(st.last_bad < 600);
	ATF_CHECK(__builtin_sqrt(st.sumsq / st.n) <= 20e3);
	ATF_CHECK(st.max <= 100 * US);
	ATF_CHECK_EQ(K.fsteps + K.bsteps, 0);
	check_kernel_agrees();
}

ATF_TC(ahead_5s);
ATF_TC_HEAD(ahead_5s, tc)
{
	atf_tc_set_md_var(tc, "descr", "guest 5 s ahead: slewed by the real "
	    "kernel within 1120 s, no step, the mirror exact throughout");
}
ATF_TC_BODY(ahead_5s, tc)
{
	struct stats st = { -1, 0, 0, 0 };

	boot(100, 5 * NS);
	start();
	run(3600, 1120, &st);
	report("ahead 5 s", &st);
	ATF_CHECK(st.last_bad < 1120);
	ATF_CHECK(st.max <= 100 * US);
	ATF_CHECK_EQ(K.fsteps + K.bsteps, 0);
	check_kernel_agrees();
}

ATF_TC(ahead_400d);
ATF_TC_HEAD(ahead_400d, tc)
{
	atf_tc_set_md_var(tc, "descr", "guest 400 days ahead: every slew "
	    "asked for is one the real kernel takes; 18 s slewed an hour");
}
ATF_TC_BODY(ahead_400d, tc)
{
	int64_t o0, o1, pend = 0;

	boot(0, 400LL * 86400 * NS);
	jitter_ns = 0;
	start();
	o0 = offset_true();
	run(3600, 0, NULL);
	o1 = offset_true();
	ATF_REQUIRE_EQ(tc_adjtime(&pend, NULL), 0);
	printf("400 d ahead: slewed %lld ms in 3600 s, pending %lld us\n",
	    (long long)((o0 - o1) / MS), (long long)pend);
	ATF_CHECK(pend < -300LL * 86400 * 1000000);
	ATF_CHECK(o0 - o1 > 17900 * MS && o0 - o1 < 18100 * MS);
	ATF_CHECK_EQ(K.fsteps + K.bsteps, 0);
	check_kernel_agrees();
}

ATF_TC(inflight_forward);
ATF_TC_HEAD(inflight_forward, tc)
{
	atf_tc_set_md_var(tc, "descr", "step_threshold 1 ms; a forward slew "
	    "in flight when the guest is seen 2 ms behind with maxTimeLag "
	    "0: no backward step on the real kernel");
}
ATF_TC_BODY(inflight_forward, tc)
{
	int64_t pend = 0;

	boot(0, -50 * MS);
	jitter_ns = 0;
	C.tc_step_ns = 1 * MS;
	lag_us = 100000;
	start();
	run(3, 0, NULL);
	/* The situation: a forward slew, and samples mid-second. */
	ATF_REQUIRE_EQ(tc_adjtime(&pend, NULL), 0);
	ATF_REQUIRE_MSG(pend > 10000, "pending %lld us", (long long)pend);
	lag_us = 0;
	force_x = -2 * MS;
	run(30, 0, NULL);
	printf("inflight: steps %ld/%ld, offset %lld us\n", K.fsteps,
	    K.bsteps, (long long)(offset_true() / US));
	ATF_CHECK_EQ(K.bsteps, 0);
	ATF_CHECK(llabs(offset_true()) < 100 * US);
	check_kernel_agrees();
}

ATF_TC(resume_2h);
ATF_TC_HEAD(resume_2h, tc)
{
	atf_tc_set_md_var(tc, "descr", "2 h suspend, resume event: one "
	    "forward step on the real kernel, within 1 ms at once");
}
ATF_TC_BODY(resume_2h, tc)
{
	struct stats st = { -1, 0, 0, 0 };

	boot(100, 100 * MS);
	start();
	run(3600, 0, NULL);
	kenv_suspend();
	kenv_run_for(7200 * NS);
	kenv_resume();
	ATF_REQUIRE(offset_true() < -7199 * NS);
	event(VMT_TSP_EV_RESUME);
	ATF_CHECK(llabs(offset_true()) < MS);
	run(3600, 0, &st);
	report("resume", &st);
	ATF_CHECK_EQ(K.fsteps, 1);
	ATF_CHECK_EQ(K.bsteps, 0);
	ATF_CHECK_EQ(st.last_bad, -1);
	check_kernel_agrees();
}

ATF_TC(backward_once);
ATF_TC_HEAD(backward_once, tc)
{
	atf_tc_set_md_var(tc, "descr", "guest 5 s ahead and Time_Synchronize "
	    "1: exactly one backward step onto the host, on the real kernel");
}
ATF_TC_BODY(backward_once, tc)
{
	boot(100, 5 * NS);
	start();
	run(60, 0, NULL);
	ATF_REQUIRE(offset_true() > 4 * NS);
	event(VMT_TSP_EV_SYNC_BACKWARD);
	ATF_CHECK_MSG(llabs(offset_true()) < MS, "offset %lld us",
	    (long long)(offset_true() / US));
	run(600, 0, NULL);
	ATF_CHECK_EQ(K.bsteps, 1);
	ATF_CHECK(llabs(offset_true()) < 100 * US);
	check_kernel_agrees();
}

ATF_TC(tc_switch);
ATF_TC_HEAD(tc_switch, tc)
{
	atf_tc_set_md_var(tc, "descr", "switching kern.timecounter.hardware "
	    "to a counter 140 ppm off the old one: learnt again, within 1 ms "
	    "throughout, the mirror exact");
}
ATF_TC_BODY(tc_switch, tc)
{
	struct stats st = { -1, 0, 0, 0 };

	boot(100, 100 * MS);
	start();
	run(1800, 0, NULL);
	(void)kenv_counter_create("hpet", 14318180, 32, 500, -40.0);
	ATF_REQUIRE_EQ(kenv_sysctl_setstr("kern.timecounter.hardware",
	    "hpet"), 0);
	event(VMT_TSP_EV_TC_CHANGED);
	run(3600, 1800, &st);
	report("tc switch", &st);
	ATF_CHECK(st.max <= 100 * US);
	ATF_CHECK(llabs(P.tp_freq_est / VMT_TSP_FREQ_PPB + 40000) < 1000);
	check_kernel_agrees();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, steady);
	ATF_TP_ADD_TC(tp, ahead_5s);
	ATF_TP_ADD_TC(tp, ahead_400d);
	ATF_TP_ADD_TC(tp, inflight_forward);
	ATF_TP_ADD_TC(tp, resume_2h);
	ATF_TP_ADD_TC(tp, backward_once);
	ATF_TP_ADD_TC(tp, tc_switch);
	return atf_no_error();
}
