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
 * The oracle of vmtsim(1); see oracle.h for what it is told and does.
 * Plain double arithmetic in a fixed order: the same reads give the
 * same estimates, bit for bit.
 */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "oracle.h"

#define NS_PER_S	1e9
#define NS_PER_US	1000.0
#define PARETO_ALPHA	1.5
#define OUTLIER_CAP	1000.0	/* outliers reach 1000 times their scale */
/* The prior before the first read: the guest's boot clock, give or take. */
#define PRIOR_SD_NS	1e10
#define PRIOR_FREQ_SD	1e-3
/* A read this many sd off, with no outlier model, is a jump. */
#define JUMP_SIGMAS	10.0
/*
 * A confirmation agrees with the suspect read within this many sd,
 * plus what a rate change of up to CONFIRM_RATE explains: outliers
 * come alone, so two reads that agree are the clock, jumped or turned.
 */
#define CONFIRM_SIGMAS	6.0
#define CONFIRM_RATE	1e-3
/* Two reads this far apart tell the new rate. */
#define RATE_BASE_NS	5e8
/* After a jump the rate may have changed too (vMotion). */
#define JUMP_FREQ_SD	50e-6
/* Innovations beyond this many sd, this many times on one side. */
#define RUN_SIGMAS	3.0
#define RUN_LEN		3
/* A bracket longer than the call's own cost by this many means. */
#define STALL_MEANS	40.0
#define STALL_SLACK_NS	1000.0
/* Frequency walk floor, per second: keeps P from collapsing to 0. */
#define WANDER_FLOOR	1e-11
#define FREQ_MAX	0.01

static double
raw_ns(const struct oracle *o, uint64_t from, uint64_t to)
{
	if (to <= from)
		return 0;
	return (double)(to - from) * o->ns_per_count;
}

static void
renormalize(struct oracle *o)
{
	double w;

	if (fabs(o->h_frac) < 1e6)
		return;
	w = nearbyint(o->h_frac);
	o->h_base += (int64_t)w;
	o->h_frac -= w;
}

/* Move the state to raw (not before the reference). */
static void
predict(struct oracle *o, uint64_t raw)
{
	double dt, q, P00, P01, P11;

	if (raw <= o->ref_raw)
		return;
	dt = raw_ns(o, o->ref_raw, raw);
	q = o->p.wander > WANDER_FLOOR ? o->p.wander : WANDER_FLOOR;
	q = q * q / NS_PER_S;		/* variance of f per ns */
	P00 = o->P[0][0];
	P01 = o->P[0][1];
	P11 = o->P[1][1];
	o->P[0][0] = P00 + 2 * dt * P01 + dt * dt * P11 +
	    q * dt * dt * dt / 3;
	o->P[0][1] = o->P[1][0] = P01 + dt * P11 + q * dt * dt / 2;
	o->P[1][1] = P11 + q * dt;
	o->h_frac += dt * (1 + o->f);
	o->ref_raw = raw;
	renormalize(o);
}

void
oracle_init(struct oracle *o, const struct oracle_params *p, uint64_t raw,
    int64_t host_ns)
{
	memset(o, 0, sizeof(*o));
	o->p = *p;
	if (o->p.hz == 0)
		o->p.hz = 1000000000ULL;
	o->ns_per_count = NS_PER_S / (double)o->p.hz;
	o->ref_raw = raw;
	o->h_base = host_ns;
	o->P[0][0] = PRIOR_SD_NS * PRIOR_SD_NS;
	o->P[1][1] = PRIOR_FREQ_SD * PRIOR_FREQ_SD;
}

/*
 * The lag shrinks at the catch-up rate in true time, while the counter
 * runs that much faster: per counter ns, by c / (1 + c).
 */
static double
lag_at(const struct oracle *o, uint64_t raw)
{
	double c = o->p.catchup_ppm * 1e-6, l;

	if (o->lag_ns <= 0)
		return 0;
	l = o->lag_ns - c / (1 + c) * raw_ns(o, o->lag_raw, raw);
	return l > 0 ? l : 0;
}

int64_t
oracle_host_ns(const struct oracle *o, uint64_t raw)
{
	double dt = raw_ns(o, o->ref_raw, raw);

	return o->h_base + (int64_t)llround(o->h_frac + dt * (1 + o->f) +
	    lag_at(o, raw));
}

/*
 * The backlog left is dropped: the guest's time stays that far behind
 * for good, so host time minus lag moves up by it against the counter.
 */
void
oracle_stop_catchup(struct oracle *o, uint64_t raw)
{
	o->h_frac += lag_at(o, raw);
	o->lag_ns = 0;
	o->lag_raw = raw;
	renormalize(o);
}

enum verdict { READ_NORMAL, READ_OUTLIER, READ_JUMP };

/*
 * What explains a read with innovation nu (variance S) best: the normal
 * error, the heavy-tailed one (if the trace has it, and only up to its
 * cap), or neither: the clock jumped.
 */
static enum verdict
classify(const struct oracle *o, double nu, double S)
{
	double p = o->p.outlier_prob, s = o->p.outlier_ns, a, fn, fo;

	a = fabs(nu);
	if (p <= 0 || s <= 0)
		return a > JUMP_SIGMAS * sqrt(S) ? READ_JUMP : READ_NORMAL;
	if (a > OUTLIER_CAP * s + JUMP_SIGMAS * sqrt(S))
		return READ_JUMP;
	fn = exp(-nu * nu / (2 * S)) / sqrt(2 * M_PI * S);
	fo = PARETO_ALPHA / 2 * pow(s, PARETO_ALPHA) /
	    pow(a > s ? a : s, PARETO_ALPHA + 1);
	return p * fo > (1 - p) * fn ? READ_OUTLIER : READ_NORMAL;
}

/*
 * Restart the offset at the read z.  With a previous read at the same
 * level ds ago (ds >= RATE_BASE_NS), take the rate the two show too.
 */
static void
jump(struct oracle *o, double z, double R, double ds, double dz)
{
	o->h_frac = z;
	o->P[0][0] = R;
	o->P[0][1] = o->P[1][0] = 0;
	if (ds >= RATE_BASE_NS) {
		o->f = dz / ds - 1;
		if (o->f > FREQ_MAX)
			o->f = FREQ_MAX;
		if (o->f < -FREQ_MAX)
			o->f = -FREQ_MAX;
		o->P[1][1] = 2 * R / (ds * ds) + 1e-10;
	} else
		o->P[1][1] += JUMP_FREQ_SD * JUMP_FREQ_SD;
	o->run_len = 0;
	o->n_jumps++;
}

static void
set_suspect(struct oracle *o, uint64_t at, double z, double R)
{
	o->suspect = true;
	o->sus_raw = at;
	o->sus_base = o->h_base;
	o->sus_frac = z;
	o->sus_var = R;
}

/*
 * Several innovations on one side: the rate changed; widen it by twice
 * the rate that would explain the last one since the run began.
 */
static void
track_run(struct oracle *o, double nu, double S, uint64_t prev, uint64_t at)
{
	int sign = nu > 0 ? 1 : -1;
	double df, since;

	if (fabs(nu) <= RUN_SIGMAS * sqrt(S)) {
		o->run_len = 0;
		return;
	}
	if (o->run_len > 0 && sign == o->run_sign)
		o->run_len++;
	else {
		o->run_sign = sign;
		o->run_len = 1;
		o->run_raw = prev;
	}
	if (o->run_len < RUN_LEN)
		return;
	since = raw_ns(o, o->run_raw, at);
	df = since > 0 ? 2 * nu / since : 0;
	o->P[1][1] += df * df;
	o->P[0][0] += nu * nu;
	o->run_len = 0;
	o->n_widen++;
}

/*
 * One read: host_ns truncated to res_ns (1000 for GETTIMEFULL, 1 for
 * PRECISIONCLOCK).  A read that reports the lag (lagl us, -1 when it
 * reports none) sets it; one that does not uses the lag predicted.
 */
static void
oracle_update(struct oracle *o, uint64_t enter, uint64_t exit_,
    int64_t host_ns, double res_ns, int64_t lagl)
{
	const struct oracle_params *p = &o->p;
	double w, frac, tvar, lag, z, R, S, nu, K0, K1, P00, P01, ds, sz;
	uint64_t at, prev;
	enum verdict v;
	bool stall;

	o->n_reads++;
	w = raw_ns(o, enter, exit_);
	stall = p->stall_prob > 0 && w > p->call_ns + p->legacy_jitter_ns +
	    STALL_MEANS * p->call_jitter_ns + STALL_SLACK_NS;
	if (p->read_at >= 0 && !stall) {
		frac = p->read_at;
		tvar = 1;
	} else {
		frac = 0.5;
		tvar = w * w / 12 + 1;
	}
	at = enter + (uint64_t)llround(frac * (double)(exit_ - enter));

	/* The reported lag is truncated to the us like the time. */
	if (lagl >= 0)
		lag = lagl > 0 ? (double)lagl * NS_PER_US + NS_PER_US / 2 : 0;
	else
		lag = lag_at(o, at);

	prev = o->ref_raw;
	predict(o, at);
	z = (double)(host_ns - o->h_base) + res_ns / 2 - lag;
	R = p->read_error_ns * p->read_error_ns + res_ns * res_ns / 12 +
	    tvar * (1 + o->f) * (1 + o->f) +
	    (lagl > 0 ? NS_PER_US * NS_PER_US / 12 : 0);
	S = o->P[0][0] + R;
	nu = z - o->h_frac;

	v = classify(o, nu, S);
	if (v != READ_NORMAL) {
		/* The suspect read before, and how this one relates to it. */
		ds = o->suspect ? raw_ns(o, o->sus_raw, at) : 0;
		sz = (double)(o->sus_base - o->h_base) + o->sus_frac;
		if (o->suspect && fabs(z - sz - ds * (1 + o->f)) <=
		    CONFIRM_SIGMAS * sqrt(o->sus_var + R + o->P[1][1] * ds * ds) +
		    CONFIRM_RATE * ds) {
			jump(o, z, R, ds, z - sz);
			o->suspect = false;
		} else if (v == READ_JUMP) {
			/* No outlier goes this far: a jump, maybe a turn next. */
			jump(o, z, R, 0, 0);
			set_suspect(o, at, z, R);
		} else {
			/* Set aside; a second read like it makes a jump. */
			set_suspect(o, at, z, R);
			o->n_outliers++;
			return;
		}
	} else {
		o->suspect = false;
		track_run(o, nu, S, prev, at);
		S = o->P[0][0] + R;
		P00 = o->P[0][0];
		P01 = o->P[0][1];
		K0 = P00 / S;
		K1 = P01 / S;
		o->h_frac += K0 * nu;
		o->f += K1 * nu;
		if (o->f > FREQ_MAX)
			o->f = FREQ_MAX;
		if (o->f < -FREQ_MAX)
			o->f = -FREQ_MAX;
		o->P[0][0] = (1 - K0) * P00;
		o->P[0][1] = o->P[1][0] = (1 - K0) * P01;
		o->P[1][1] -= K1 * P01;
	}
	o->started = true;
	if (lagl >= 0) {
		o->lag_ns = lag;
		o->lag_raw = at;
	}
	renormalize(o);
}

void
oracle_read(struct oracle *o, uint64_t enter, uint64_t exit_,
    int64_t host_ns, bool with_lag, uint32_t max_lag_us, uint32_t lag_us)
{
	int64_t lagl;

	lagl = with_lag ? (int64_t)lag_us :
	    (int64_t)max_lag_us - (int64_t)o->p.max_time_lag_us;
	oracle_update(o, enter, exit_, host_ns, NS_PER_US, lagl > 0 ? lagl : 0);
}

void
oracle_read_ns(struct oracle *o, uint64_t enter, uint64_t exit_,
    int64_t host_ns)
{
	oracle_update(o, enter, exit_, host_ns, 1, -1);
}
