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
 * The metrics of vmtsim(1), computed one record at a time (metrics.h).
 */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

#define NS_PER_S	1000000000LL

void
met_init(struct met *m, const struct met_params *p)
{
	memset(m, 0, sizeof(*m));
	m->p = *p;
	m->last_bad_ns = -1;
}

static double
ns_s(int64_t ns)
{
	return (double)ns / NS_PER_S;
}

/* --- recovery ------------------------------------------------------------- */

/*
 * The recovery running since rec_from_ns ends (at the next event, or at
 * the end): it took until the first measurement from which on the
 * offset stayed within the limit; never, if the last one was over it.
 */
static void
met_recovery_end(struct met *m)
{
	double took;

	if (!m->rec_active)
		return;
	m->rec_active = false;
	if (!m->rec_seen)
		return;
	m->rec_n++;
	if (m->rec_bad) {
		m->rec_never++;
		return;
	}
	took = ns_s(m->rec_good_ns - m->rec_from_ns);
	if (took > m->rec_worst_s)
		m->rec_worst_s = took;
}

static void
met_recovery(struct met *m, const struct vs_rec *r)
{
	bool bad;

	if (r->flags & VS_F_RECSTART) {
		met_recovery_end(m);
		/* Events apply right after the measurement before. */
		m->rec_from_ns = m->prev_t_ns;
		m->rec_active = true;
		m->rec_seen = false;
		m->rec_bad = false;
	}
	m->prev_t_ns = r->t_ns;
	/* The VM cannot be judged while frozen, nor while told to keep off. */
	if (!m->rec_active || (r->flags & (VS_F_FROZEN | VS_F_DISABLED)))
		return;
	bad = llabs(r->u.sec.offset_ns) >= m->p.limit_ns;
	if (!bad && (m->rec_bad || !m->rec_seen))
		m->rec_good_ns = r->t_ns;
	m->rec_bad = bad;
	m->rec_seen = true;
}

/* --- the worst window ----------------------------------------------------- */

static void
met_window(struct met *m, double off2, int64_t t_ns)
{
	size_t i;

	if (m->win_n == MET_WINDOW_S)
		m->win_sum -= m->win[m->win_pos];
	else
		m->win_n++;
	m->win[m->win_pos] = off2;
	m->win_sum += off2;
	m->win_pos = (m->win_pos + 1) % MET_WINDOW_S;
	/* Redo the sum now and then, so that rounding cannot build up. */
	if (++m->win_since_sum == MET_WINDOW_S) {
		m->win_since_sum = 0;
		m->win_sum = 0;
		for (i = 0; i < m->win_n; i++)
			m->win_sum += m->win[i];
	}
	/* A window is judged once full; a short run by what it has. */
	if ((m->win_n == MET_WINDOW_S || m->worst_n < MET_WINDOW_S) &&
	    (m->win_n > m->worst_n || m->win_sum / (double)m->win_n >
	    m->worst2)) {
		m->worst2 = m->win_sum / (double)m->win_n;
		m->worst_n = m->win_n;
		m->worst_end_ns = t_ns;
	}
}

/* --- seconds -------------------------------------------------------------- */

static void
met_second(struct met *m, const struct vs_rec *r)
{
	const struct vs_second *s = &r->u.sec;
	double off_s = ns_s(s->offset_ns), rate = 0;
	bool counted, rate_ok;

	m->steps += s->steps;
	m->back_steps += s->back_steps;
	if (s->back_ns > m->max_back_ns)
		m->max_back_ns = s->back_ns;
	if ((r->flags & VS_F_FROZEN) == 0 && isfinite(s->slew_ppm)) {
		m->nslew++;
		if (fabs(s->slew_ppm) > m->max_slew_ppm)
			m->max_slew_ppm = fabs(s->slew_ppm);
	}
	m->adj_disabled += s->adjust_off;
	if (r->flags & VS_F_DISABLED)
		m->disabled_s++;

	/* Frozen, or told to keep off: not the policy's accuracy. */
	counted = (r->flags & (VS_F_FROZEN | VS_F_DISABLED)) == 0;
	rate_ok = counted && m->prev_ok && (r->flags & VS_F_NORATE) == 0;
	if (rate_ok)
		rate = (double)(s->offset_ns - m->prev_off_ns) / 1000.0;
	m->prev_ok = counted;
	m->prev_off_ns = s->offset_ns;
	if (!counted)
		return;
	m->nsync++;
	m->last_bad_is_last = llabs(s->offset_ns) > m->p.limit_ns;
	if (m->last_bad_is_last)
		m->last_bad_ns = r->t_ns;
	if (r->t_ns < m->p.settle_ns)
		return;
	m->st.n++;
	m->st.sum += off_s;
	m->st.sum2 += off_s * off_s;
	if (fabs(off_s) > m->st.max_abs)
		m->st.max_abs = fabs(off_s);
	if (rate_ok) {
		m->st.nrate++;
		m->st.rate2 += rate * rate;
	}
	met_window(m, off_s * off_s, r->t_ns);
}

void
met_add(struct met *m, const struct vs_rec *r)
{
	switch (r->type) {
	case VS_REC_SECOND:
		met_second(m, r);
		met_recovery(m, r);
		break;
	case VS_REC_FINE:
		met_recovery(m, r);
		break;
	case VS_REC_END:
		met_recovery_end(m);
		m->sum = r->u.sum;
		m->have_sum = true;
		break;
	}
}

void
met_result(const struct met *m, struct met_result *res)
{
	const struct met_stats *s = &m->st;

	memset(res, 0, sizeof(*res));
	res->counted_s = s->n;
	if (s->n > 0) {
		res->mean_offset_s = s->sum / (double)s->n;
		res->rms_offset_s = sqrt(s->sum2 / (double)s->n);
		res->max_abs_offset_s = s->max_abs;
	}
	res->worst_window_s = m->worst_n;
	if (m->worst_n > 0) {
		res->worst_window_rms_s = sqrt(m->worst2);
		res->worst_window_end_s = ns_s(m->worst_end_ns);
	}
	res->sync_counted_s = m->nsync;
	res->synced = m->nsync > 0 && !m->last_bad_is_last;
	res->sync_time_s = m->last_bad_ns < 0 ? 0 : ns_s(m->last_bad_ns +
	    NS_PER_S);
	res->rate_counted_s = s->nrate;
	if (s->nrate > 0)
		res->freq_error_ppm_rms = sqrt(s->rate2 / (double)s->nrate);
	res->recoveries = m->rec_n;
	res->unrecovered = m->rec_never;
	res->recovery_s = m->rec_worst_s;
	res->clock_stats = m->p.clock_stats;
	res->disabled_s = m->disabled_s;
	if (!m->p.clock_stats)
		return;
	res->steps = m->steps;
	res->backward_steps = m->back_steps;
	res->max_backward_s = ns_s(m->max_back_ns);
	res->slews = m->sum.adjtimes;
	res->slew_counted_s = m->nslew;
	res->max_slew_ppm = m->max_slew_ppm;
	res->adjustments_while_disabled = m->adj_disabled;
	res->rpc_errors = m->sum.rpc_errors;
	res->cpt_retries = m->sum.cpt_retries;
	res->backdoor_calls = m->sum.backdoor_calls;
	res->host_reads = m->sum.reads;
	res->host_precision_reads = m->sum.precision_reads;
	res->host_outliers = m->sum.outliers;
	res->host_stalls = m->sum.stalls;
	res->host_stall_max_s = ns_s(m->sum.stall_max_ns);
	res->catchups = m->sum.catchups;
	res->stopcatchups = m->sum.stopcatchups;
}
