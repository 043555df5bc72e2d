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
	m->prev_t_ns = 0;
}

static void
stats_add(struct met_stats *s, double off_s, bool rate_ok, double rate_ppm)
{
	s->n++;
	s->sum += off_s;
	s->sum2 += off_s * off_s;
	if (fabs(off_s) > s->max_abs)
		s->max_abs = fabs(off_s);
	if (rate_ok) {
		s->nrate++;
		s->rate2 += rate_ppm * rate_ppm;
	}
}

/* Recovery: from the event to the first measurement within the limit. */
static void
met_recovery(struct met *m, const struct vs_rec *r)
{
	int64_t off = r->u.sec.offset_ns;

	/*
	 * The VM cannot recover while frozen: a recovery still running
	 * when it is found frozen is replaced by the one its resume
	 * starts.
	 */
	if (r->flags & VS_F_FROZEN)
		m->rec_active = false;
	if (r->flags & VS_F_RECSTART) {
		if (m->rec_active && (double)(m->prev_t_ns - m->rec_from_ns) /
		    NS_PER_S > m->rec_worst_s)
			m->rec_worst_s = (double)(m->prev_t_ns -
			    m->rec_from_ns) / NS_PER_S;
		/* Events apply right after the measurement before. */
		m->rec_from_ns = m->prev_t_ns;
		m->rec_active = true;
	}
	if (m->rec_active && (r->flags & VS_F_FROZEN) == 0 &&
	    llabs(off) < m->p.limit_ns) {
		if ((double)(r->t_ns - m->rec_from_ns) / NS_PER_S >
		    m->rec_worst_s)
			m->rec_worst_s = (double)(r->t_ns - m->rec_from_ns) /
			    NS_PER_S;
		m->rec_active = false;
	}
	m->prev_t_ns = r->t_ns;
}

/* A whole second: is its offset one the statistics count? */
static bool
met_counted(struct met *m, const struct vs_rec *r)
{
	if (r->flags & (VS_F_RESUME | VS_F_THAW | VS_F_HOSTSTEP |
	    VS_F_REENABLE))
		m->excl_until_ns = r->t_ns + MET_SETTLE_WINDOW_NS;
	if (r->flags & (VS_F_FROZEN | VS_F_DISABLED))
		return false;
	return r->t_ns >= m->excl_until_ns;
}

static void
met_second(struct met *m, const struct vs_rec *r)
{
	const struct vs_second *s = &r->u.sec;
	double off_s = (double)s->offset_ns / NS_PER_S, rate = 0;
	bool counted, rate_ok;

	m->steps += s->steps;
	m->back_steps += s->back_steps;
	if (s->back_ns > m->max_back_ns)
		m->max_back_ns = s->back_ns;
	if ((r->flags & VS_F_FROZEN) == 0 && isfinite(s->slew_ppm) &&
	    fabs(s->slew_ppm) > m->max_slew_ppm)
		m->max_slew_ppm = fabs(s->slew_ppm);
	m->adj_disabled += s->adjust_off;

	counted = met_counted(m, r);
	rate_ok = counted && m->prev_ok && (r->flags & VS_F_NORATE) == 0;
	if (rate_ok)
		rate = (double)(s->offset_ns - m->prev_off_ns) / 1000.0;
	m->prev_ok = counted;
	m->prev_off_ns = s->offset_ns;
	if (!counted)
		return;
	if (llabs(s->offset_ns) > m->p.limit_ns)
		m->last_bad_ns = r->t_ns;
	if (r->t_ns >= m->p.settle_ns)
		stats_add(&m->since_settle, off_s, rate_ok, rate);
}

void
met_add(struct met *m, const struct vs_rec *r)
{
	switch (r->type) {
	case VS_REC_SECOND:
		/* Seconds between two fine records need the one before. */
		met_second(m, r);
		met_recovery(m, r);
		break;
	case VS_REC_FINE:
		met_recovery(m, r);
		break;
	case VS_REC_END:
		if (m->rec_active && (double)(r->t_ns - m->rec_from_ns) /
		    NS_PER_S > m->rec_worst_s)
			m->rec_worst_s = (double)(r->t_ns - m->rec_from_ns) /
			    NS_PER_S;
		m->rec_active = false;
		m->sum = r->u.sum;
		m->have_sum = true;
		break;
	}
}

void
met_result(const struct met *m, struct met_result *res)
{
	const struct met_stats *s;

	memset(res, 0, sizeof(*res));
	res->sync_time_s = m->last_bad_ns < 0 ? 0 :
	    (double)(m->last_bad_ns + NS_PER_S) / NS_PER_S;
	/*
	 * From the sync deadline on, for every policy alike, as chrony's
	 * clknetsim does: the same seconds are compared, and the tail of
	 * an initial correction does not count against a policy that
	 * synchronised early.
	 */
	s = &m->since_settle;
	if (s->n > 0) {
		res->mean_offset_s = s->sum / (double)s->n;
		res->rms_offset_s = sqrt(s->sum2 / (double)s->n);
		res->max_abs_offset_s = s->max_abs;
	}
	if (s->nrate > 0)
		res->freq_error_ppm_rms = sqrt(s->rate2 / (double)s->nrate);
	res->steps = m->steps;
	res->backward_steps = m->back_steps;
	res->max_backward_s = (double)m->max_back_ns / NS_PER_S;
	res->slews = m->sum.adjtimes;
	res->max_slew_ppm = m->max_slew_ppm;
	res->resume_recovery_s = m->rec_worst_s;
	res->adjustments_while_disabled = m->adj_disabled;
	res->rpc_errors = m->sum.rpc_errors;
	res->cpt_retries = m->sum.cpt_retries;
	res->backdoor_calls = m->sum.backdoor_calls;
}
