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

/* Guest clock model for the policy tests: see clockmodel.h. */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clockmodel.h"

#define SLEW_MAX_US	5000			/* TC_ADJTIME_MAX_SLEW_US */
#define FREQ_UNIT	((int64_t)1 << 32)	/* 1 ppb in ns/s 32.32 */
#define FREQ_LIMIT	(500000 * FREQ_UNIT)	/* TC_ADJFREQ_MAX_PPB */

/* adjfreq (ppb << 32) as a fraction. */
static double
cm_freq_frac(int64_t freq)
{

	return (double)freq / 4294967296.0 * 1e-9;
}

/*
 * The rate of the guest clock against its oscillator, as
 * tc_compute_scale() makes it: 2^64 units a second plus
 * ((th_adjustment + tc_freq_adj) << 32) / 10^9, over 2^64.  (The kernel
 * then divides by the counter frequency; the oscillator here is
 * continuous, so that truncation, below 2^-64 s a count, is left out.)
 */
static double
cm_scale(const struct cm *m)
{
	__int128 extra;

	/* "<< 32" in the kernel; a product here, as the value is signed. */
	extra = (__int128)(m->adjustment + m->freq) * ((__int128)1 << 32) /
	    1000000000;
	return 1.0 + (double)extra / 18446744073709551616.0;
}

static uint64_t
cm_rand64(struct cm *m)
{
	uint64_t x = m->rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	m->rng = x;
	return x;
}

/* Uniform in [0, 1). */
static double
cm_uniform(struct cm *m)
{

	return (double)(cm_rand64(m) >> 11) / 9007199254740992.0;
}

/* Standard normal, Box-Muller. */
static double
cm_gauss(struct cm *m)
{
	double u1, u2, r;

	if (m->have_spare) {
		m->have_spare = false;
		return m->spare;
	}
	do
		u1 = cm_uniform(m);
	while (u1 <= 0.0);
	u2 = cm_uniform(m);
	r = sqrt(-2.0 * log(u1));
	m->spare = r * sin(2.0 * M_PI * u2);
	m->have_spare = true;
	return r * cos(2.0 * M_PI * u2);
}

void
cm_params_default(struct cm_params *par)
{

	memset(par, 0, sizeof(*par));
	par->ppm = 100.0;
	par->wander = 1e-9;
	par->jitter_ns = 5000.0;
	par->width_lo_ns = 20000.0;
	par->width_hi_ns = 40000.0;
	par->offset0_s = 0.1;
	par->uptime0_s = 10.25;
	par->period_s = 60;
	par->freq0 = 0;
	par->seed = 0x9e3779b97f4a7c15ULL;
}

void
cm_init(struct cm *m, const struct cm_params *par,
    const struct vmt_tsp_config *cfg)
{

	memset(m, 0, sizeof(*m));
	m->par = *par;
	m->rng = par->seed ? par->seed : 1;
	m->t = 0.0;
	m->off = par->offset0_s;
	m->up = par->uptime0_s;
	m->y = par->ppm * 1e-6;
	m->freq = par->freq0;
	m->f = cm_freq_frac(m->freq);
	m->next_up = m->up;		/* attach: sample at once */
	vmt_tspolicy_init(&m->pol, cfg, par->freq0);
}

double
cm_offset(const struct cm *m)
{

	return m->off - m->host_off;
}

void
cm_apply(struct cm *m, const struct vmt_tsp_decision *dc)
{
	int64_t freq;
	unsigned refused = 0;
	bool touched = false;

	if (dc->dc_set_freq && m->refuse_freq) {
		refused |= VMT_TSP_REFUSED_FREQ;
	} else if (dc->dc_set_freq) {
		/* The policy never asks for more than the kernel takes. */
		freq = dc->dc_freq;
		if (freq > FREQ_LIMIT)
			freq = FREQ_LIMIT;
		if (freq < -FREQ_LIMIT)
			freq = -FREQ_LIMIT;
		/* tc_adjfreq(): th_adjustment stays until the next fold. */
		m->freq = freq;
		m->f = cm_freq_frac(freq);
		m->freqsets++;
		touched = true;
	}
	switch (dc->dc_action) {
	case VMT_TSP_STEP:
		m->off += (double)dc->dc_step_ns * 1e-9;
		/* A step zeroes the pending adjtime and drops the window. */
		m->pending_us = 0;
		m->rate_us = 0;
		m->adjustment = 0;
		if (dc->dc_step_ns > 0)
			m->fsteps++;
		else
			m->bsteps++;
		touched = true;
		break;
	case VMT_TSP_SLEW:
		if (m->refuse_slew) {
			refused |= VMT_TSP_REFUSED_SLEW;
			break;
		}
		m->pending_us = dc->dc_slew_us;
		if (dc->dc_slew_us != 0)
			m->slews++;
		touched = true;
		break;
	case VMT_TSP_NONE:
		break;
	}
	if (refused != 0) {
		vmt_tspolicy_refused(&m->pol, refused);
		m->refused++;
	}
	if (dc->dc_stopcatchup)
		m->stopcatchups++;
	m->rejects += dc->dc_rejects;
	if (touched)
		m->actions++;
	if (dc->dc_next_ms != VMT_TSP_NEXT_KEEP)
		m->next_up = m->up + dc->dc_next_ms / 1000.0;
	if (getenv("CM_TRACE") != NULL && (dc->dc_action == VMT_TSP_STEP ||
	    dc->dc_rejects != 0))
		fprintf(stderr, "t=%.3f act=%d step=%lld rej=%u\n", m->t,
		    dc->dc_action, (long long)dc->dc_step_ns, dc->dc_rejects);
}

static void
cm_take_sample(struct cm *m)
{
	struct vmt_tsp_sample s;
	struct vmt_tsp_decision dc;
	double x, w;

	x = cm_offset(m) * 1e9 + m->par.jitter_ns * cm_gauss(m) +
	    m->force_bias_ns;
	w = m->par.width_lo_ns +
	    (m->par.width_hi_ns - m->par.width_lo_ns) * cm_uniform(m);
	if (m->force_width_ns > 0)
		w = m->force_width_ns;
	m->force_width_ns = 0;
	m->force_bias_ns = 0;
	s.ts_offset_ns = (int64_t)llround(x);
	s.ts_width_ns = (int64_t)llround(w);
	s.ts_uptime_ns = (int64_t)llround(m->up * 1e9);
	s.ts_lag_us = 0;
	m->samples++;
	m->next_up = -1.0;
	vmt_tspolicy_sample(&m->pol, &s, &dc);
	cm_apply(m, &dc);
	/* The policy's model of the kernel's slew is the kernel's. */
	if (m->pol.tp_cfg.tc_enabled && m->pol.tp_km_pending_us != m->pending_us)
		m->mirror_bad++;
	if (getenv("CM_TRACE") != NULL)
		fprintf(stderr, "t=%10.3f x=%12.3fus est=%12.3fus "
		    "y=%10.4fppm f=%10.4fppm slew=%lldus next=%ums\n",
		    m->t, x / 1e3, m->pol.tp_ph_est_ns / 1e3,
		    m->pol.tp_freq_est / 4294967296.0 / 1e3, m->f * 1e6,
		    (long long)dc.dc_slew_us, dc.dc_next_ms);
}

/* A whole true second: record the offset and let the oscillator wander. */
static void
cm_tick(struct cm *m)
{
	struct cm_stats *st = m->stats;
	double x = fabs(cm_offset(m));

	m->y += m->par.wander * cm_gauss(m);
	if (getenv("CM_TICKS") != NULL)
		fprintf(stderr, "tick %.0f %.3f %.5f\n", m->t, cm_offset(m) * 1e6,
		    (m->y + m->f) * 1e6);
	if (st == NULL)
		return;
	if (x > st->limit_s)
		st->last_bad_s = m->t;
	if (m->t >= st->eval_s) {
		st->sum2 += x * x;
		if (x > st->max)
			st->max = x;
		st->n++;
	}
}

/*
 * The kernel's once-per-uptime-second fold, ntp_update_second(): move
 * at most SLEW_MAX_US of the pending adjtime into this second, with the
 * adjustment a(1+f)/(1-a) (ns/s 32.32) so that the second gains exactly
 * adj us.  Same integer arithmetic as the kernel.
 */
static void
cm_fold(struct cm *m)
{
	static const __int128 one = (__int128)1000000000 << 32;
	int64_t adj = m->pending_us;
	__int128 a;

	if (adj > SLEW_MAX_US)
		adj = SLEW_MAX_US;
	if (adj < -SLEW_MAX_US)
		adj = -SLEW_MAX_US;
	m->pending_us -= adj;
	m->rate_us = adj;
	a = (__int128)(adj * 1000) * ((__int128)1 << 32);
	m->adjustment = (int64_t)(a * (one + m->freq) / (one - a));
}

void
cm_run_until(struct cm *m, double t_end)
{
	double g, dt, dt_b, dt_t, dt_s, sec;
	int which;

	while (m->t < t_end) {
		g = (1.0 + m->y) * cm_scale(m) - 1.0;
		sec = floor(m->up) + 1.0;
		dt = t_end - m->t;
		which = 0;
		dt_b = (sec - m->up) / (1.0 + g);
		if (dt_b <= dt) {
			dt = dt_b;
			which = 1;
		}
		dt_t = floor(m->t) + 1.0 - m->t;
		if (dt_t <= dt) {
			dt = dt_t;
			which = 2;
		}
		if (m->next_up >= 0) {
			dt_s = (m->next_up - m->up) / (1.0 + g);
			if (dt_s < 0)
				dt_s = 0;
			if (dt_s <= dt) {
				dt = dt_s;
				which = 3;
			}
		}
		m->t += dt;
		m->off += g * dt;
		m->up += (1.0 + g) * dt;
		switch (which) {
		case 1:
			m->up = sec;
			cm_fold(m);
			break;
		case 2:
			m->t = floor(m->t + 0.5);
			cm_tick(m);
			break;
		case 3:
			m->up = m->next_up;
			cm_take_sample(m);
			break;
		default:
			m->t = t_end;
			break;
		}
	}
}

void
cm_event(struct cm *m, enum vmt_tsp_event ev)
{
	struct vmt_tsp_decision dc;

	vmt_tspolicy_event(&m->pol, ev, &dc);
	cm_apply(m, &dc);
}

void
cm_configure(struct cm *m, const struct vmt_tsp_config *cfg)
{
	struct vmt_tsp_decision dc;

	if (vmt_tspolicy_configure(&m->pol, cfg, m->freq, &dc))
		cm_apply(m, &dc);
}

/* The VM is frozen for gap seconds: the guest clock stops. */
void
cm_suspend(struct cm *m, double gap)
{

	m->t += gap;
	m->off -= gap;
}

void
cm_host_step(struct cm *m, double delta)
{

	m->host_off += delta;
}

void
cm_stats_start(struct cm *m, struct cm_stats *st, double limit, double eval)
{

	memset(st, 0, sizeof(*st));
	st->from_s = m->t;
	st->limit_s = limit;
	st->eval_s = m->t + eval;
	st->last_bad_s = -1.0;
	m->stats = st;
}

/* Sync time: 1 s after the last second over the limit, from the start. */
double
cm_stats_sync(const struct cm_stats *st)
{

	if (st->last_bad_s < 0)
		return 0.0;
	return st->last_bad_s + 1.0 - st->from_s;
}

double
cm_stats_rms(const struct cm_stats *st)
{

	return st->n > 0 ? sqrt(st->sum2 / st->n) : 0.0;
}
