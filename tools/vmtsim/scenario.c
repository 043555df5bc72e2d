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
 * The clock model: turns the event stream of a trace into segments of
 * constant oscillator rate (see scenario.h for the rules).
 */

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "scenario.h"
#include "trace.h"

#define NS		1000000000LL

/* Stream selectors xored into the seed, so the two streams differ. */
#define WALK_STREAM	0x77616c6b2d726e67ULL	/* "walk-rng" */
#define JITTER_STREAM	0x6a69747465722d72ULL	/* "jitter-r" */
#define HWALK_STREAM	0x686f73742d77616cULL	/* "host-wal" */

struct scn {
	struct trace	*tr;
	const struct trace_header *hdr;
	struct scn_info	info;
	struct trace_event *tev;	/* next trace event, if have_tev */
	int		have_tev;
	int		tr_eof;
	int		started;
	int		done;
	int		failed;
	char		errmsg[512];
	int64_t		now;		/* start of the next segment */
	int64_t		end;		/* duration, or the poweroff time */
	struct scn_ev	*ev;		/* events of the current segment */
	size_t		*evtxt;		/* ... offset of each one's text */
	size_t		nev;
	size_t		evcap;
	char		*txt;		/* their TCLO texts, one after another */
	size_t		txtlen;
	size_t		txtcap;

	/* The host clock: steps (exact) and the integral of its rate. */
	int64_t		host_steps;
	double		host_rate_off;	/* ns */
	double		hwalk;		/* fractional, hwalk(hwalk_sec) */
	int64_t		hwalk_sec;
	struct rng	hwalk_rng;
	int64_t		slew_left_ns;	/* host NTP slew not yet folded */
	double		slew_ppm;	/* its rate */
	double		slew_fold_ppm;	/* rate of that fold, signed */
	int64_t		slew_fold_end;	/* ... until this time */

	/* Scenarios. */
	double		base_ppm;
	double		walk;		/* fractional, walk(walk_sec) */
	int64_t		walk_sec;
	struct rng	walk_rng;
	struct rng	jit_rng;
	int64_t		frozen_until;	/* -1 if running */
	int		frozen_suspend;	/* suspend (1) or freeze (0) */
	unsigned	frozen_msgs;
	int		thaw_has_ppm;
	double		thaw_ppm;

	/* Recordings. */
	int64_t		g_prev;
	int64_t		h_prev;
	double		prev_ppm;
	int		split;		/* a frozen tail is pending */
	int64_t		split_t0;
	int64_t		split_t1;
	struct trace_event split_tev;	/* the sample ending it */
};

static int __attribute__((__format__(__printf__, 4, 5)))
scn_fail(struct scn *s, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->errmsg, sizeof(s->errmsg), fmt, ap);
	va_end(ap);
	s->failed = 1;
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", s->errmsg);
	return -1;
}

/* Make sure the next trace event, if any, is in s->tev. */
static int
fetch(struct scn *s, char *err, size_t errlen)
{
	char msg[512];
	int r;

	if (s->have_tev || s->tr_eof)
		return 0;
	r = trace_next(s->tr, s->tev, msg, sizeof(msg));
	if (r < 0)
		return scn_fail(s, err, errlen, "%s", msg);
	if (r == 0)
		s->tr_eof = 1;
	else
		s->have_tev = 1;
	return 0;
}

static struct scn_ev *
add_ev(struct scn *s, enum scn_ev_type type, unsigned long line)
{
	struct scn_ev *e;
	size_t cap, *o;

	if (s->nev == s->evcap) {
		cap = s->evcap == 0 ? 8 : s->evcap * 2;
		if ((e = realloc(s->ev, cap * sizeof(*e))) == NULL)
			return NULL;
		s->ev = e;
		if ((o = realloc(s->evtxt, cap * sizeof(*o))) == NULL)
			return NULL;
		s->evtxt = o;
		s->evcap = cap;
	}
	e = &s->ev[s->nev];
	s->evtxt[s->nev++] = SIZE_MAX;
	memset(e, 0, sizeof(*e));
	e->type = type;
	e->line = line;
	return e;
}

/*
 * A TCLO event; its text goes to the segment's text buffer, and
 * finish_events() points the event at it once the buffer is final.
 */
static struct scn_ev * __attribute__((__format__(__printf__, 3, 4)))
add_tclo(struct scn *s, unsigned long line, const char *fmt, ...)
{
	struct scn_ev *e;
	va_list ap;
	size_t need, cap;
	char *t;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (e = add_ev(s, SCN_EV_TCLO, line)) == NULL)
		return NULL;
	need = s->txtlen + (size_t)n + 1;
	if (need > s->txtcap) {
		for (cap = s->txtcap == 0 ? 256 : s->txtcap; cap < need;)
			cap *= 2;
		if ((t = realloc(s->txt, cap)) == NULL)
			return NULL;
		s->txt = t;
		s->txtcap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(s->txt + s->txtlen, (size_t)n + 1, fmt, ap);
	va_end(ap);
	s->evtxt[s->nev - 1] = s->txtlen;
	s->txtlen += (size_t)n + 1;
	return e;
}

static void
finish_events(struct scn *s)
{
	size_t i;

	for (i = 0; i < s->nev; i++)
		s->ev[i].tclo = s->evtxt[i] == SIZE_MAX ? NULL :
		    s->txt + s->evtxt[i];
}

/* --- scenarios ------------------------------------------------------------ */

static void
walk_to(struct scn *s, int64_t sec)
{

	while (s->walk_sec < sec) {
		s->walk_sec++;
		if (s->hdr->osc_wander > 0)
			s->walk += s->hdr->osc_wander *
			    rng_normal(&s->walk_rng);
	}
}

static void
hwalk_to(struct scn *s, int64_t sec)
{

	while (s->hwalk_sec < sec) {
		s->hwalk_sec++;
		if (s->hdr->host_wander > 0)
			s->hwalk += s->hdr->host_wander *
			    rng_normal(&s->hwalk_rng);
	}
}

/* Does the host clock's rate change from one second to the next? */
static bool
host_rate_varies(const struct scn *s)
{

	return s->hdr->host_wander > 0 || s->slew_left_ns != 0 ||
	    s->slew_fold_end > s->now;
}

/*
 * The host clock's rate from t0 to the end of its second: the trace's
 * error, the walk, and the fold of the slew for that stretch.
 */
static double
host_ppm_at(struct scn *s, int64_t t0)
{
	int64_t sec = t0 / NS, end = (sec + 1) * NS, fold, cap;
	double ppm;

	hwalk_to(s, sec);
	if (s->slew_fold_end <= t0 && s->slew_left_ns != 0) {
		/* A new fold: at most the rate's worth of the rest. */
		cap = (int64_t)(s->slew_ppm * 1e-6 * (double)(end - t0));
		fold = s->slew_left_ns;
		if (fold > cap)
			fold = cap;
		if (fold < -cap)
			fold = -cap;
		s->slew_left_ns -= fold;
		s->slew_fold_ppm = (double)fold / (double)(end - t0) * 1e6;
		s->slew_fold_end = end;
	}
	ppm = s->hdr->host_ppm + s->hwalk * 1e6;
	if (s->slew_fold_end > t0)
		ppm += s->slew_fold_ppm;
	return ppm;
}

static double
ppm_at(const struct scn *s, int64_t sec)
{
	const struct trace_header *h = s->hdr;
	double ppm;

	ppm = s->base_ppm + s->walk * 1e6;
	if (h->osc_cycle_ppm != 0)
		ppm += h->osc_cycle_ppm *
		    sin(2 * M_PI * (double)sec / h->osc_cycle_period_s);
	if (ppm > SCN_MAX_PPM)
		ppm = SCN_MAX_PPM;
	if (ppm < -SCN_MAX_PPM)
		ppm = -SCN_MAX_PPM;
	return ppm;
}

static int
apply_suspend(struct scn *s, const struct trace_event *te)
{
	struct scn_ev *e;

	if ((e = add_ev(s, SCN_EV_SUSPEND, te->line)) == NULL)
		return -1;
	e->u.dur_ns = te->u.suspend.dur_ns;
	if ((te->u.suspend.msgs & TRACE_MSG_SUSPEND) != 0 &&
	    add_tclo(s, te->line, "OS_Suspend") == NULL)
		return -1;
	s->frozen_until = te->at_ns + te->u.suspend.dur_ns;
	s->frozen_suspend = 1;
	s->frozen_msgs = te->u.suspend.msgs;
	return 0;
}

static int
apply_freeze(struct scn *s, const struct trace_event *te)
{
	struct scn_ev *e;

	if ((e = add_ev(s, SCN_EV_FREEZE, te->line)) == NULL)
		return -1;
	e->u.dur_ns = te->u.freeze.dur_ns;
	s->frozen_until = te->at_ns + te->u.freeze.dur_ns;
	s->frozen_suspend = 0;
	s->thaw_has_ppm = te->u.freeze.has_ppm;
	s->thaw_ppm = te->u.freeze.ppm;
	return 0;
}

static int
apply_checkbox(struct scn *s, const struct trace_event *te)
{
	struct scn_ev *e;

	if ((e = add_ev(s, SCN_EV_CHECKBOX, te->line)) == NULL)
		return -1;
	e->u.value = te->u.checkbox.value;
	if (te->u.checkbox.push && add_tclo(s, te->line,
	    "Set_Option synctime %d", te->u.checkbox.value) == NULL)
		return -1;
	return 0;
}

static int
apply_simple(struct scn *s, const struct trace_event *te)
{
	struct scn_ev *e;

	switch (te->type) {
	case TRACE_EV_RATE:
		if ((e = add_ev(s, SCN_EV_RATE, te->line)) == NULL)
			return -1;
		s->base_ppm = e->u.ppm = te->u.rate.ppm;
		return 0;
	case TRACE_EV_HOST_STEP:
		if ((e = add_ev(s, SCN_EV_HOST_STEP, te->line)) == NULL)
			return -1;
		e->u.step_ns = te->u.host_step.step_ns;
		s->host_steps += e->u.step_ns;
		return 0;
	case TRACE_EV_HOST_SLEW:
		if ((e = add_ev(s, SCN_EV_HOST_SLEW, te->line)) == NULL)
			return -1;
		e->u.host_slew.amount_ns = te->u.host_slew.amount_ns;
		e->u.host_slew.ppm = te->u.host_slew.ppm;
		/* Replaces the slew in progress, fold included. */
		s->slew_left_ns = te->u.host_slew.amount_ns;
		s->slew_ppm = te->u.host_slew.ppm;
		s->slew_fold_end = 0;
		s->slew_fold_ppm = 0;
		return 0;
	case TRACE_EV_CPT:
		if ((e = add_ev(s, SCN_EV_CPT, te->line)) == NULL)
			return -1;
		e->u.cpt.chan = te->u.cpt.chan;
		e->u.cpt.dir = te->u.cpt.dir;
		e->u.cpt.step = te->u.cpt.step;
		e->u.cpt.count = te->u.cpt.count;
		return 0;
	case TRACE_EV_DROP:
		if ((e = add_ev(s, SCN_EV_DROP, te->line)) == NULL)
			return -1;
		e->u.count = te->u.drop.count;
		return 0;
	case TRACE_EV_POWEROFF:
		if (add_ev(s, SCN_EV_POWEROFF, te->line) == NULL)
			return -1;
		s->end = te->at_ns;
		return 0;
	default:
		return -1;
	}
}

/* Turn one trace event into model events; -1 only when out of memory. */
static int
apply(struct scn *s, const struct trace_event *te)
{

	switch (te->type) {
	case TRACE_EV_SUSPEND:
		return apply_suspend(s, te);
	case TRACE_EV_FREEZE:
		return apply_freeze(s, te);
	case TRACE_EV_CHECKBOX:
		return apply_checkbox(s, te);
	case TRACE_EV_SET_OPTION:
		return add_tclo(s, te->line, "Set_Option %s", te->text) ==
		    NULL ? -1 : 0;
	case TRACE_EV_TIME_SYNC:
		return add_tclo(s, te->line, "Time_Synchronize %d",
		    te->u.time_sync.value) == NULL ? -1 : 0;
	case TRACE_EV_TCLO:
		return add_tclo(s, te->line, "%s", te->text) == NULL ? -1 : 0;
	default:
		return apply_simple(s, te);
	}
}

/* The end of a suspend or a freeze. */
static int
unfreeze(struct scn *s)
{
	struct scn_ev *e;

	s->frozen_until = -1;
	if (!s->frozen_suspend) {
		if ((e = add_ev(s, SCN_EV_THAW, 0)) == NULL)
			return -1;
		e->u.thaw.has_ppm = s->thaw_has_ppm;
		e->u.thaw.ppm = s->thaw_ppm;
		if (s->thaw_has_ppm)
			s->base_ppm = s->thaw_ppm;
		return 0;
	}
	if (add_ev(s, SCN_EV_RESUME, 0) == NULL)
		return -1;
	if ((s->frozen_msgs & TRACE_MSG_RESUME) != 0 &&
	    (add_tclo(s, 0, "reset") == NULL ||
	    add_tclo(s, 0, "OS_Resume") == NULL ||
	    add_tclo(s, 0, "Time_Synchronize 1") == NULL))
		return -1;
	return 0;
}

/* Apply every trace event at time t. */
static int
collect(struct scn *s, int64_t t, char *err, size_t errlen)
{

	for (;;) {
		if (fetch(s, err, errlen) != 0)
			return -1;
		if (!s->have_tev || s->tev->at_ns != t)
			return 0;
		if (apply(s, s->tev) != 0)
			return scn_fail(s, err, errlen, "out of memory");
		s->have_tev = 0;
	}
}

static int
next_scenario(struct scn *s, struct scn_seg *seg, char *err, size_t errlen)
{
	int64_t t0 = s->now, t1, sec = t0 / NS;

	seg->frozen = s->frozen_until >= 0;
	seg->ppm = 0;
	seg->host_off_ns = (double)s->host_steps + s->host_rate_off;
	if (!s->started) {
		s->started = 1;
		if (fetch(s, err, errlen) != 0)
			return -1;
		if (s->have_tev && s->tev->at_ns == 0) {
			/* Events at 0 come in an empty first segment. */
			seg->ppm = ppm_at(s, 0);
			seg->host_ppm = host_ppm_at(s, 0);
			t1 = 0;
			goto events;
		}
	}
	if (seg->frozen) {
		t1 = s->frozen_until;
		/* The host clock's rate is constant over a segment. */
		if (host_rate_varies(s) && t1 > (sec + 1) * NS)
			t1 = (sec + 1) * NS;
	} else {
		walk_to(s, sec);
		seg->ppm = ppm_at(s, sec);
		t1 = (sec + 1) * NS;
	}
	seg->host_ppm = host_ppm_at(s, t0);
	if (t1 > s->end)
		t1 = s->end;
	if (fetch(s, err, errlen) != 0)
		return -1;
	if (s->have_tev && s->tev->at_ns < t1)
		t1 = s->tev->at_ns;
	s->host_rate_off += (double)(t1 - t0) * seg->host_ppm * 1e-6;
	if (s->frozen_until == t1 && unfreeze(s) != 0)
		return scn_fail(s, err, errlen, "out of memory");
events:
	if (collect(s, t1, err, errlen) != 0)
		return -1;
	s->now = t1;
	if (t1 >= s->end)
		s->done = 1;
	seg->t0_ns = t0;
	seg->t1_ns = t1;
	return 1;
}

/* --- recordings ----------------------------------------------------------- */

static int
add_sample(struct scn *s, const struct trace_event *te)
{
	struct scn_ev *e;

	if ((e = add_ev(s, SCN_EV_SAMPLE, te->line)) == NULL)
		return -1;
	e->u.sample.guest_ns = te->u.sample.guest_ns;
	e->u.sample.host_ns = te->u.sample.host_ns;
	e->u.sample.lag_us = te->u.sample.lag_us;
	return 0;
}

/*
 * An interval with a suspend: the guest ran for dg at the previous
 * rate, then was frozen for the rest of dh.
 */
static int
split_interval(struct scn *s, struct scn_seg *seg, int64_t dg, int64_t dh)
{
	struct scn_ev *e;
	double run;
	int64_t r;

	run = (double)dg / (1 + s->prev_ppm * 1e-6);
	if (!(run < (double)(dh - 1)))
		run = (double)(dh - 1);
	if (run < 1)
		run = 1;
	r = (int64_t)llround(run);
	seg->t1_ns = seg->t0_ns + r;
	seg->ppm = s->prev_ppm;
	if ((e = add_ev(s, SCN_EV_SUSPEND, 0)) == NULL)
		return -1;
	e->u.dur_ns = dh - r;
	s->split = 1;
	s->split_t0 = seg->t1_ns;
	s->split_t1 = seg->t0_ns + dh;
	memcpy(&s->split_tev, s->tev, offsetof(struct trace_event, text));
	return 0;
}

static int
next_recording(struct scn *s, struct scn_seg *seg, char *err, size_t errlen)
{
	int64_t g, h, dg, dh, excess;

	seg->frozen = false;
	seg->ppm = 0;
	/* The recorded host clock is the host clock. */
	seg->host_ppm = 0;
	seg->host_off_ns = 0;
	if (s->split) {
		s->split = 0;
		seg->frozen = true;
		seg->t0_ns = s->split_t0;
		seg->t1_ns = s->split_t1;
		if (add_ev(s, SCN_EV_RESUME, 0) == NULL ||
		    add_sample(s, &s->split_tev) != 0)
			return scn_fail(s, err, errlen, "out of memory");
		return 1;
	}
	if (fetch(s, err, errlen) != 0)
		return -1;
	if (!s->have_tev) {
		s->done = 1;
		return 0;
	}
	s->have_tev = 0;
	g = s->tev->u.sample.guest_ns;
	h = s->tev->u.sample.host_ns;
	dg = g - s->g_prev;
	dh = h - s->h_prev;
	excess = dh - dg;
	seg->t0_ns = s->h_prev - s->info.host_epoch_ns;
	seg->t1_ns = h - s->info.host_epoch_ns;
	s->g_prev = g;
	s->h_prev = h;
	/* excess > 2 dg, written so that 2 dg cannot overflow. */
	if (excess > NS && excess - dg > dg) {
		if (split_interval(s, seg, dg, dh) != 0)
			return scn_fail(s, err, errlen, "out of memory");
		return 1;
	}
	seg->ppm = (double)(dg - dh) / (double)dh * 1e6;
	s->prev_ppm = seg->ppm;
	if (add_sample(s, s->tev) != 0)
		return scn_fail(s, err, errlen, "out of memory");
	return 1;
}

/* --- public --------------------------------------------------------------- */

/* The noise of a backdoor call: the same for both kinds of trace. */
static void
info_noise(struct scn_info *i, const struct trace_header *h)
{

	i->jitter_us = h->jitter_us;
	i->read_error_us = h->read_error_us;
	i->read_outlier_prob = h->read_outlier_prob;
	i->read_outlier_us = h->read_outlier_us;
	i->call_us = h->call_us;
	i->call_jitter_us = h->call_jitter_us;
	i->call_asym = h->call_asym;
	i->stall_prob = h->stall_prob;
	i->stall_ms = h->stall_ms;
	i->stall_max_ms = h->stall_max_ms;
	i->precision_clock = h->precision_clock;
	i->tools_startup = h->tools_startup;
	i->tools_startup_backward = h->tools_startup_backward;
}

static void
info_scenario(struct scn *s)
{
	const struct trace_header *h = s->hdr;
	struct scn_info *i = &s->info;

	i->duration_ns = h->duration_ns;
	i->osc_hz = h->osc_hz;
	i->osc_bits = h->osc_bits;
	i->osc_wander = h->osc_wander;
	i->osc_cycle_ppm = h->osc_cycle_ppm;
	i->osc_cycle_period_s = h->osc_cycle_period_s;
	i->host_wander = h->host_wander;
	i->catchup_ppm = h->catchup_ppm;
	i->catchup_max_ns = (int64_t)llround(h->catchup_max_s * 1e9);
	i->max_time_lag_us = h->max_time_lag_us;
	i->interrupt_lag_us = h->interrupt_lag_us;
	i->initial_offset_ns = (int64_t)llround(h->initial_offset_s * 1e9);
	i->synctime = h->synctime;
	i->host_epoch_ns = SCN_SCENARIO_EPOCH_NS;
	i->guest_epoch_ns = 0;
	s->end = h->duration_ns;
	s->base_ppm = h->osc_ppm;
}

/* The first sample fixes the epochs; trace_open() ensured it exists. */
static int
info_recording(struct scn *s, char *err, size_t errlen)
{
	const struct trace_header *h = s->hdr;
	struct scn_info *i = &s->info;

	i->duration_ns = -1;
	i->osc_hz = h->osc_hz;
	i->osc_bits = 32;	/* the TSC as NetBSD reads it: u_int */
	i->max_time_lag_us = h->max_time_lag_us;
	i->synctime = 1;
	if (fetch(s, err, errlen) != 0)
		return -1;
	if (!s->have_tev)
		return scn_fail(s, err, errlen, "%s: recording has no samples",
		    trace_name(s->tr));
	s->have_tev = 0;
	i->host_epoch_ns = s->h_prev = s->tev->u.sample.host_ns;
	i->guest_epoch_ns = s->g_prev = s->tev->u.sample.guest_ns;
	i->interrupt_lag_us = s->tev->u.sample.lag_us > 0 ?
	    s->tev->u.sample.lag_us : 0;
	s->end = INT64_MAX;
	return 0;
}

struct scn *
scn_open(struct trace *tr, const uint64_t *seed, char *err, size_t errlen)
{
	struct scn *s;

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->tev = malloc(sizeof(*s->tev))) == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "out of memory");
		free(s);
		trace_close(tr);
		return NULL;
	}
	s->tr = tr;
	s->hdr = trace_header(tr);
	s->info.kind = s->hdr->kind;
	s->info.seed = seed != NULL ? *seed : s->hdr->seed;
	s->frozen_until = -1;
	rng_seed(&s->walk_rng, s->info.seed ^ WALK_STREAM);
	rng_seed(&s->jit_rng, s->info.seed ^ JITTER_STREAM);
	rng_seed(&s->hwalk_rng, s->info.seed ^ HWALK_STREAM);
	info_noise(&s->info, s->hdr);
	if (s->hdr->kind == TRACE_SCENARIO)
		info_scenario(s);
	else if (info_recording(s, err, errlen) != 0) {
		scn_close(s);
		return NULL;
	}
	return s;
}

struct scn *
scn_open_path(const char *path, const uint64_t *seed, char *err,
    size_t errlen)
{
	struct trace *tr;

	if ((tr = trace_open(path, err, errlen)) == NULL)
		return NULL;
	return scn_open(tr, seed, err, errlen);
}

const struct scn_info *
scn_info(const struct scn *s)
{

	return &s->info;
}

int
scn_next(struct scn *s, struct scn_seg *seg, char *err, size_t errlen)
{
	int r;

	if (s->failed) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s", s->errmsg);
		return -1;
	}
	s->nev = 0;
	s->txtlen = 0;
	if (s->done)
		return 0;
	if (s->hdr->kind == TRACE_SCENARIO)
		r = next_scenario(s, seg, err, errlen);
	else
		r = next_recording(s, seg, err, errlen);
	finish_events(s);
	seg->nev = s->nev;
	seg->ev = s->ev;
	return r;
}

int64_t
scn_host_offset_ns(const struct scn *s)
{

	return s->host_steps + (int64_t)llround(s->host_rate_off);
}

int64_t
scn_jitter_ns(struct scn *s)
{

	if (s->info.jitter_us <= 0)
		return 0;
	return (int64_t)llround(rng_normal(&s->jit_rng) *
	    s->info.jitter_us * 1e3);
}

void
scn_close(struct scn *s)
{

	if (s == NULL)
		return;
	trace_close(s->tr);
	free(s->ev);
	free(s->evtxt);
	free(s->txt);
	free(s->tev);
	free(s);
}
