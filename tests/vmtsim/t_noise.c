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
 * Tests of the simulated host's noise model (vmthost.h, vmtsim(5)) and
 * of the oracle (oracle.h): each effect does what the manual says, in
 * distribution, and the oracle estimates what it is meant to.
 */

#include <atf-c.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dev/vmt/vmt_backdoor.h>
#include <dev/vmt/vmtreg.h>

#include "kenv.h"
#include "vmthost/vmthost.h"
#include "vmtsim/oracle.h"

#define US		1000LL
#define MS		1000000LL
#define S		1000000000LL

const char *__lsan_default_suppressions(void);
const char *__lsan_default_options(void);

const char *
__lsan_default_options(void)
{
	return "print_suppressions=0";
}

const char *
__lsan_default_suppressions(void)
{
	return "leak:libatf-c.so\n";
}

static struct vmthost *
boot(const struct vmthost_config *cfg)
{
	struct vmthost *h;

	kenv_boot(100);
	kenv_counter_create("tsc", 1000000000, 32, 1000, 0.0);
	h = vmthost_create(cfg);
	ATF_REQUIRE(h != NULL);
	kenv_run_for(S);
	return h;
}

static void
config(struct vmthost_config *c)
{
	vmthost_config_default(c);
	c->latency_ns = 10 * US;
	c->jitter_ns = 0;
	c->read_at = 0.5;
}

/* One GETTIMEFULL(_WITH_LAG): the answer in ns, and the frame. */
static int64_t
gettime(bool lag, struct vm_backdoor *f)
{
	memset(f, 0, sizeof(*f));
	f->eax.word = VM_MAGIC;
	f->ecx.part.low = lag ? VM_CMD_GET_TIME_FULL_LAG : VM_CMD_GET_TIME_FULL;
	f->edx.part.low = VM_PORT_CMD;
	vmt_backdoor_cmd(f);
	ATF_REQUIRE_EQ(f->eax.word, VM_MAGIC);
	return (int64_t)(((uint64_t)f->esi.word << 32) | f->edx.word) * S +
	    (int64_t)f->ebx.word * US;
}

/*
 * The error of one read against the host clock at a fixed point of the
 * call (its middle, for a fixed cost), truncation included.
 */
static int64_t
read_err(struct vmthost *h, int64_t cost)
{
	struct vm_backdoor f;
	int64_t t0 = vmthost_now(h), v;

	v = gettime(false, &f);
	return v - (t0 + cost / 2);
}

ATF_TC_WITHOUT_HEAD(read_error);
ATF_TC_BODY(read_error, tc)
{
	struct vmthost_config c;
	struct vmthost *h;
	double sum = 0, sum2 = 0, e;
	int i, n = 20000;

	config(&c);
	c.read_error_ns = 20 * US;
	h = boot(&c);
	for (i = 0; i < n; i++) {
		e = (double)read_err(h, 10 * US);
		sum += e;
		sum2 += e * e;
		kenv_run_for(3 * MS + i % 997);
	}
	e = sqrt(sum2 / n - (sum / n) * (sum / n));
	ATF_CHECK_MSG(fabs(e / (20 * US) - 1) < 0.03, "sd %.0f ns", e);
	/* Truncated to the microsecond: half a microsecond low. */
	ATF_CHECK_MSG(fabs(sum / n + 500) < 400, "mean %.0f ns", sum / n);
	ATF_CHECK_EQ(vmthost_noise_stats(h)->reads, (uint64_t)n);
	ATF_CHECK_EQ(vmthost_noise_stats(h)->outliers, 0);
}

ATF_TC_WITHOUT_HEAD(read_outliers);
ATF_TC_BODY(read_outliers, tc)
{
	struct vmthost_config c;
	struct vmthost *h;
	int64_t e, big = 0;
	int i, n = 20000, over = 0;

	config(&c);
	c.outlier_prob = 0.02;
	c.outlier_ns = 100 * US;
	h = boot(&c);
	for (i = 0; i < n; i++) {
		e = llabs(read_err(h, 10 * US));
		if (e >= 99 * US)
			over++;
		if (e > big)
			big = e;
		kenv_run_for(3 * MS);
	}
	ATF_CHECK_EQ((uint64_t)over, vmthost_noise_stats(h)->outliers);
	ATF_CHECK_MSG(abs(over - n / 50) < 4 * 20, "%d outliers", over);
	/* A Pareto tail: some go far, none beyond 1000 times the scale. */
	ATF_CHECK(big > 2 * MS);
	ATF_CHECK(big <= 100 * MS + US);
}

ATF_TC_WITHOUT_HEAD(call_cost_and_asymmetry);
ATF_TC_BODY(call_cost_and_asymmetry, tc)
{
	struct vmthost_config c;
	struct vm_backdoor f;
	struct vmthost *h;
	int64_t t0, t1, v, sum = 0, at;
	int i, n = 20000;

	config(&c);
	c.latency_ns = 100 * US;
	c.call_jitter_ns = 50 * US;
	c.read_at = 0.75;
	h = boot(&c);
	for (i = 0; i < n; i++) {
		t0 = kenv_now();
		v = gettime(false, &f);
		t1 = kenv_now();
		sum += t1 - t0;
		/* The host read three quarters into this very call. */
		at = t0 + llround(0.75 * (double)(t1 - t0));
		ATF_REQUIRE_MSG(v <= VMTHOST_EPOCH_2026 + at &&
		    v > VMTHOST_EPOCH_2026 + at - US - 2,
		    "read at %lld, call %lld..%lld", (long long)v,
		    (long long)t0, (long long)t1);
		kenv_run_for(MS);
	}
	ATF_CHECK_MSG(fabs((double)sum / n / (150 * US) - 1) < 0.03,
	    "mean cost %.0f ns", (double)sum / n);
	(void)h;
}

ATF_TC_WITHOUT_HEAD(stalls);
ATF_TC_BODY(stalls, tc)
{
	const struct vmthost_noise_stats *ns;
	struct vmthost_config c;
	struct vm_backdoor f;
	struct vmthost *h;
	int64_t t0, t1, v;
	int i, n = 20000, before = 0, after = 0;

	config(&c);
	c.stall_prob = 0.1;
	c.stall_ns = 1 * MS;
	c.stall_max_ns = 50 * MS;
	h = boot(&c);
	for (i = 0; i < n; i++) {
		t0 = kenv_now();
		v = gettime(false, &f) - VMTHOST_EPOCH_2026;
		t1 = kenv_now();
		if (t1 - t0 > 10 * US) {
			ATF_REQUIRE(t1 - t0 >= 10 * US + MS);
			ATF_REQUIRE(t1 - t0 <= 10 * US + 50 * MS);
			/* The read is late when the stall came before it. */
			if (v > t0 + 10 * US)
				before++;
			else
				after++;
		}
		kenv_run_for(MS);
	}
	ns = vmthost_noise_stats(h);
	ATF_CHECK_EQ((uint64_t)(before + after), ns->stalls);
	ATF_CHECK_MSG(abs((int)ns->stalls - n / 10) < 4 * 42, "%llu stalls",
	    (unsigned long long)ns->stalls);
	ATF_CHECK_MSG(abs(before - after) < 4 * 32, "%d before, %d after",
	    before, after);
	ATF_CHECK(ns->stall_max_ns > 10 * MS);
	ATF_CHECK(ns->stall_max_ns <= 50 * MS);
}

/* Enabling one effect leaves another's draws as they were. */
static void
read_errors(const struct vmthost_config *c, int64_t *e, int n)
{
	struct vm_backdoor f;
	struct vmthost *h;
	int64_t t0, v, at;
	int i;

	h = vmthost_create(c);
	for (i = 0; i < n; i++) {
		kenv_run_for(S - kenv_now() % S);
		t0 = kenv_now();
		v = gettime(false, &f) - VMTHOST_EPOCH_2026;
		/* A 1 ms stall before the read moved it by 1 ms. */
		at = t0 + 5 * US + (v - t0 > 500 * US ? MS : 0);
		e[i] = v - at;
	}
	vmthost_destroy(h);
}

ATF_TC_WITHOUT_HEAD(independent_streams);
ATF_TC_BODY(independent_streams, tc)
{
	struct vmthost_config c;
	int64_t e1[500], e2[500];
	int i, same = 0;

	config(&c);
	c.read_error_ns = 20 * US;
	vmthost_destroy(boot(NULL));
	read_errors(&c, e1, 500);
	c.stall_prob = 0.3;
	c.stall_ns = MS;
	c.stall_max_ns = MS;
	read_errors(&c, e2, 500);
	for (i = 0; i < 500; i++)
		same += e1[i] == e2[i];
	ATF_CHECK_EQ_MSG(same, 500, "%d of 500 read errors the same", same);
}

ATF_TC_WITHOUT_HEAD(lag_report);
ATF_TC_BODY(lag_report, tc)
{
	struct vmthost_config c;
	struct vm_backdoor f;

	config(&c);
	c.max_time_lag_us = 250000;
	c.interrupt_lag_us = 1234;
	(void)boot(&c);
	(void)gettime(true, &f);
	ATF_CHECK_EQ(f.ecx.word, 250000);
	ATF_CHECK_EQ(f.edi.word, 1234);
	(void)gettime(false, &f);
	ATF_CHECK_EQ(f.ecx.word, 251234);
}

static int64_t hook_lag;
static int hook_stops;

static int64_t
lag_fn(void *arg)
{
	return hook_lag;
}

static void
stop_fn(void *arg)
{
	hook_stops++;
	hook_lag = 0;
}

ATF_TC_WITHOUT_HEAD(lag_hooks);
ATF_TC_BODY(lag_hooks, tc)
{
	struct vmthost_config c;
	struct vmthost_hooks hk;
	struct vm_backdoor f;
	struct vmthost *h;

	config(&c);
	c.max_time_lag_us = UINT32_MAX - 10;
	h = boot(&c);
	memset(&hk, 0, sizeof(hk));
	hk.lag_ns = lag_fn;
	hk.stop_catchup = stop_fn;
	vmthost_set_hooks(h, &hk);
	hook_lag = 2 * S + 999;
	(void)gettime(true, &f);
	ATF_CHECK_EQ(f.edi.word, 2000000);
	/* The sum saturates at 32 bits. */
	(void)gettime(false, &f);
	ATF_CHECK_EQ(f.ecx.word, UINT32_MAX);
	memset(&f, 0, sizeof(f));
	f.eax.word = VM_MAGIC;
	f.ecx.part.low = VM_CMD_STOP_CATCHUP;
	f.edx.part.low = VM_PORT_CMD;
	vmt_backdoor_cmd(&f);
	ATF_CHECK_EQ(hook_stops, 1);
	(void)gettime(true, &f);
	ATF_CHECK_EQ(f.edi.word, 0);
}

ATF_TC_WITHOUT_HEAD(many_faults);
ATF_TC_BODY(many_faults, tc)
{
	struct vmthost *h;
	int i;

	h = boot(NULL);
	/* Once 16 slots; now any number, none lost. */
	for (i = 0; i < 1000; i++)
		vmthost_inject_cpt(h, i % 2 ? VMTHOST_RPCI : VMTHOST_TCLO,
		    VMTHOST_RECV, VMTHOST_STEP_PAYLOAD_HB, 1);
	for (i = 0; i < 100000; i++)
		vmthost_tclo_push(h, "ping");
	ATF_CHECK_EQ(vmthost_tclo_pending(h), 100000);
}

/* --- the oracle ------------------------------------------------------ */

/* A clock read by the oracle: raw counter at 1 GHz, host = a + b raw. */
struct synth {
	struct oracle	o;
	uint64_t	raw;
	double		rate;		/* host ns per raw count */
	int64_t		host0;
	double		host_off;
	uint64_t	seed;
};

static double
synth_normal(struct synth *s)
{
	double u1, u2;

	s->seed = s->seed * 6364136223846793005ULL + 1442695040888963407ULL;
	u1 = ((double)(s->seed >> 11) + 1) * 0x1.0p-53;
	s->seed = s->seed * 6364136223846793005ULL + 1442695040888963407ULL;
	u2 = ((double)(s->seed >> 11) + 1) * 0x1.0p-53;
	return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

static int64_t
synth_host(const struct synth *s, uint64_t raw)
{
	return s->host0 + (int64_t)llround((double)raw * s->rate + s->host_off);
}

/* One read: a 10 us call read in its middle, with sd noise. */
static void
synth_read(struct synth *s, double sd, uint64_t dt)
{
	int64_t h;

	s->raw += dt;
	h = synth_host(s, s->raw + 5000) + (int64_t)llround(sd *
	    synth_normal(s));
	/* Truncated to the microsecond, as the host answers. */
	h -= ((h % 1000) + 1000) % 1000;
	oracle_read(&s->o, s->raw, s->raw + 10000, h, true, 0, 0);
}

static void
synth_init(struct synth *s, double sd, double ppm)
{
	struct oracle_params p;

	memset(s, 0, sizeof(*s));
	memset(&p, 0, sizeof(p));
	p.hz = 1000000000ULL;
	p.read_error_ns = sd;
	p.read_at = 0.5;
	p.call_ns = 10000;
	p.wander = 1e-9;
	s->rate = 1 + ppm * 1e-6;
	s->host0 = 1767225600LL * S;
	s->seed = 42;
	oracle_init(&s->o, &p, 0, s->host0 + 3 * MS);
}

static double
synth_err(const struct synth *s)
{
	return (double)(oracle_host_ns(&s->o, s->raw) - synth_host(s,
	    s->raw));
}

ATF_TC_WITHOUT_HEAD(oracle_converges);
ATF_TC_BODY(oracle_converges, tc)
{
	struct synth s;
	double e2 = 0;
	int i, n = 0;

	synth_init(&s, 20000, -80);
	for (i = 0; i < 3000; i++) {
		synth_read(&s, 20000, S);
		if (i >= 1000) {
			e2 += synth_err(&s) * synth_err(&s);
			n++;
		}
	}
	/* Far below one read's 20 us, by the averaging a filter can do. */
	ATF_CHECK_MSG(sqrt(e2 / n) < 4000, "rms %.0f ns", sqrt(e2 / n));
	ATF_CHECK_MSG(fabs(s.o.f + 80e-6) < 0.05e-6, "f %g", s.o.f);
}

ATF_TC_WITHOUT_HEAD(oracle_jumps);
ATF_TC_BODY(oracle_jumps, tc)
{
	struct synth s;
	int i;

	synth_init(&s, 2000, 10);
	for (i = 0; i < 300; i++)
		synth_read(&s, 2000, S);
	/* A 7200 s suspend: the counter stood still, the host did not. */
	s.host_off += 7200.0 * S;
	synth_read(&s, 2000, S);
	ATF_CHECK_EQ(s.o.n_jumps, 1);
	ATF_CHECK_MSG(fabs(synth_err(&s)) < 10000, "err %.0f", synth_err(&s));
}

ATF_TC_WITHOUT_HEAD(oracle_outliers);
ATF_TC_BODY(oracle_outliers, tc)
{
	struct synth s;
	int i;

	synth_init(&s, 2000, 10);
	s.o.p.outlier_prob = 1e-3;
	s.o.p.outlier_ns = 100000;
	for (i = 0; i < 300; i++)
		synth_read(&s, 2000, S);
	/* One read 5 ms off is set aside ... */
	s.host_off += 5 * MS;
	synth_read(&s, 2000, S);
	s.host_off -= 5 * MS;
	ATF_CHECK_EQ(s.o.n_outliers, 1);
	ATF_CHECK_EQ(s.o.n_jumps, 0);
	ATF_CHECK_MSG(fabs(synth_err(&s)) < 10000, "err %.0f", synth_err(&s));
	/* ... two that agree are the clock. */
	s.host_off += 5 * MS;
	synth_read(&s, 2000, S);
	synth_read(&s, 2000, S);
	ATF_CHECK_EQ(s.o.n_jumps, 1);
	ATF_CHECK_MSG(fabs(synth_err(&s)) < 10000, "err %.0f", synth_err(&s));
}

ATF_TC_WITHOUT_HEAD(oracle_turns);
ATF_TC_BODY(oracle_turns, tc)
{
	struct synth s;
	double worst = 0;
	int i;

	synth_init(&s, 5000, 100);
	s.o.p.outlier_prob = 1e-4;
	s.o.p.outlier_ns = 100000;
	for (i = 0; i < 600; i++)
		synth_read(&s, 5000, S);
	/* The host's ntpd slews at 500 ppm for 100 s: the oracle follows. */
	for (i = 0; i < 100; i++) {
		s.host_off += 500e-6 * S;
		synth_read(&s, 5000, S);
		if (i > 3 && fabs(synth_err(&s)) > worst)
			worst = fabs(synth_err(&s));
	}
	ATF_CHECK_MSG(worst < 200000, "worst %.0f ns while slewed", worst);
}

ATF_TC_WITHOUT_HEAD(oracle_stop_catchup_keeps_time);
ATF_TC_BODY(oracle_stop_catchup_keeps_time, tc)
{
	struct oracle o;
	struct oracle_params p;
	int64_t before, after;

	memset(&p, 0, sizeof(p));
	p.hz = 1000000000ULL;
	p.read_at = 0.5;
	p.catchup_ppm = 50000;
	oracle_init(&o, &p, 0, 1767225600LL * S);
	/* Host time 2 s ahead of the counter's, all of it reported lag. */
	oracle_read(&o, S, S + 10000, 1767225600LL * S + 3 * S + 5000,
	    true, 0, 2000000);
	before = oracle_host_ns(&o, S + 20000);
	oracle_stop_catchup(&o, S + 20000);
	after = oracle_host_ns(&o, S + 20000);
	/* Dropping the backlog leaves host time where it was. */
	ATF_CHECK_MSG(llabs(after - before) < 10, "%lld", (long long)(after -
	    before));
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, read_error);
	ATF_TP_ADD_TC(tp, read_outliers);
	ATF_TP_ADD_TC(tp, call_cost_and_asymmetry);
	ATF_TP_ADD_TC(tp, stalls);
	ATF_TP_ADD_TC(tp, independent_streams);
	ATF_TP_ADD_TC(tp, lag_report);
	ATF_TP_ADD_TC(tp, lag_hooks);
	ATF_TP_ADD_TC(tp, many_faults);
	ATF_TP_ADD_TC(tp, oracle_converges);
	ATF_TP_ADD_TC(tp, oracle_jumps);
	ATF_TP_ADD_TC(tp, oracle_outliers);
	ATF_TP_ADD_TC(tp, oracle_turns);
	ATF_TP_ADD_TC(tp, oracle_stop_catchup_keeps_time);
	return atf_no_error();
}
