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
 * The replay engine of a vmtsim guest (guest.h).  It creates a
 * simulated VMware host with the trace's noise model, attaches the
 * policy's drivers, replays the trace's segments and events, and
 * measures the guest clock against the host clock: at every whole
 * second, and every 100 ms for 10 s after a resume, a thaw or a host
 * step.  The measurement is the simulator's own, made outside any
 * driver: nanotime() minus host time.
 *
 * Beside the trace's model it keeps the parts of vmtsim(5) that live
 * in the guest: the host clock between segments, the interrupt lag and
 * the VMM's catch-up after a stun, and, for the vmt policy, the
 * oracle fed with every host time read the guest makes.
 */

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kern/kenv.h"
#include "vmthost/vmthost.h"
#include "vmtsim/guest.h"
#include "vmtsim/oracle.h"
#include "vmtsim/vmtsim_kern.h"

#define NS_PER_S		1000000000LL
#define FINE_STEP_NS		(NS_PER_S / 10)
#define FINE_SPAN_NS		(10 * NS_PER_S)
/* A run this far past its end slept inside a backdoor call. */
#define LATE_NS			(NS_PER_S / 20)
/* How long the guest may take to answer OS_Suspend before freezing. */
#define SUSPEND_GRACE_NS	(2 * NS_PER_S)
#define GRACE_STEP_NS		(NS_PER_S / 100)
/* Rates are only computed over at least this much counter time. */
#define RATE_MIN_NS		(NS_PER_S / 2)
/* What the oracle assumes of a recording's oscillator. */
#define RECORDING_WANDER	1e-8
/* The horizon over which the oracle treats a known sinusoid as a walk. */
#define CYCLE_HORIZON_S		600.0

struct guest {
	const struct guest_run	*g_run;
	struct scn		*g_scn;
	const struct scn_info	*g_info;
	struct vmthost		*g_host;
	struct vmtsim_policy	*g_pol;
	int			g_ctr;		/* the kenv counter id */
	int64_t			g_t0;		/* kenv time at true time 0 */
	int64_t			g_limit_ns;	/* no record after this */
	size_t			g_nev;		/* events applied */
	char			*g_err;
	size_t			g_errlen;

	/* The oscillator: the trace's rate, and the counter's. */
	double			g_seg_ppm;
	double			g_ppm;

	/* The host clock: off + (t - base_t) * rate from base_t on. */
	int64_t			g_hbase_t;
	double			g_hbase_off;
	double			g_hrate_ppm;
	bool			g_hint;		/* rate 0, off whole: g_hoff_i */
	int64_t			g_hoff_i;

	/* Interrupt lag: a standing part and the backlog of a stun. */
	int64_t			g_lag_standing_ns;
	int64_t			g_backlog_ns;	/* at g_backlog_t */
	int64_t			g_backlog_t;
	bool			g_catching;	/* the counter runs fast */
	int64_t			g_freeze_t;	/* the stun began then */

	/* The oracle (vmt only). */
	bool			g_oracle_on;
	struct oracle		g_or;
	uint64_t		g_enter_raw;

	/* Measurement schedule. */
	int64_t			g_next_sec_ns;
	int64_t			g_fine_next_ns;
	int64_t			g_fine_end_ns;	/* 0: no fine window */
	int64_t			g_last_ns;	/* last record's time */
	/* The VM slept inside a backdoor call until g_frozen_upto_ns. */
	int64_t			g_frozen_upto_ns;
	int64_t			g_frozen_rt_ns;	/* its clock meanwhile */
	int64_t			g_frozen_or_ns;	/* the oracle's */

	/* Since the last SECOND record. */
	uint32_t		g_flags;
	uint32_t		g_recstart;	/* VS_F_RECSTART, once */
	uint32_t		g_steps;
	uint32_t		g_back_steps;
	int64_t			g_back_ns;
	int64_t			g_step_sum_ns;	/* signed sum of steps */
	uint64_t		g_adj_prev;
	int64_t			g_rt_prev_ns;
	uint64_t		g_raw_prev;

	/* The host's checkbox, and adjustments made while it is clear. */
	bool			g_flag;
	uint64_t		g_off_snap[3];	/* counts since then are new */
	uint32_t		g_adj_off;	/* since the last record */
	int64_t			g_boot_freq;	/* tc_adjfreq() at the start */

	uint64_t		g_rpc_errors;
	uint64_t		g_catchups;
	uint64_t		g_steps0, g_adjtimes0, g_adjfreqs0;
	int64_t			g_end_ns;
};

static struct guest guest;

static int64_t
guest_now(const struct guest *g)
{
	return kenv_now() - g->g_t0;
}

/* True host time at true time t: the trace's host clock. */
static int64_t
guest_host_at(const struct guest *g, int64_t t)
{
	double d;

	/* The common case, a host clock that only steps: integers. */
	if (g->g_hint)
		return g->g_info->host_epoch_ns + t + g->g_hoff_i;
	d = g->g_hbase_off + (double)(t - g->g_hbase_t) * g->g_hrate_ppm *
	    1e-6;

	/* Rounded to the nearest ns, as llround() would, more cheaply. */
	return g->g_info->host_epoch_ns + t +
	    (int64_t)(d >= 0 ? d + 0.5 : d - 0.5);
}

static int64_t
guest_host_now(void *arg)
{
	struct guest *g = arg;

	return guest_host_at(g, guest_now(g));
}

static int64_t
guest_realtime_ns(void)
{
	struct timespec ts;

	nanotime(&ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static void
guest_write(struct guest *g, const struct vs_rec *r)
{
	(*g->g_run->sink)(g->g_run->sink_arg, r);
}

/*
 * kern_tc.c logs every step (kern.timecounter.timestepwarnings);
 * drivers log their RPC failures.  Both are counted here.
 */
static void
guest_log(void *arg, int pri, const char *line)
{
	struct guest *g = arg;
	long long as, bs;
	long an, bn;
	int64_t a, b;

	if (sscanf(line, "Time stepped from %lld.%ld to %lld.%ld",
	    &as, &an, &bs, &bn) == 4) {
		a = as * NS_PER_S + an;
		b = bs * NS_PER_S + bn;
		g->g_steps++;
		g->g_step_sum_ns += b - a;
		g->g_flags |= VS_F_STEP;
		if (b < a) {
			g->g_back_steps++;
			g->g_flags |= VS_F_BACK;
			if (a - b > g->g_back_ns)
				g->g_back_ns = a - b;
		}
		return;
	}
	if (strstr(line, "failed") != NULL ||
	    strstr(line, "unable to") != NULL ||
	    strstr(line, "resetting rpc") != NULL)
		g->g_rpc_errors++;
}

static uint64_t
guest_adjustments(void)
{
	uint64_t s, t, f;

	vmtsim_tc_counts(&s, &t, &f);
	return s + t + f;
}

/* The host clock's model changed: can it take the integer path? */
static void
guest_host_model(struct guest *g)
{
	g->g_hint = g->g_hrate_ppm == 0 && g->g_hbase_off == nearbyint(
	    g->g_hbase_off) && fabs(g->g_hbase_off) < 9e15;
	g->g_hoff_i = g->g_hint ? (int64_t)g->g_hbase_off : 0;
}

/* --- oscillator, lag and catch-up ----------------------------------------- */

/* The counter runs at the trace's rate, faster while catching up. */
static void
guest_set_rate(struct guest *g)
{
	double want = g->g_seg_ppm;

	if (g->g_catching)
		want = ((1 + want * 1e-6) * (1 + g->g_info->catchup_ppm * 1e-6) -
		    1) * 1e6;
	if (want > SCN_MAX_PPM)
		want = SCN_MAX_PPM;
	if (want < -SCN_MAX_PPM)
		want = -SCN_MAX_PPM;
	if (want != g->g_ppm) {
		kenv_counter_set_ppm(g->g_ctr, want);
		g->g_ppm = want;
	}
}

static int64_t
guest_backlog(const struct guest *g)
{
	int64_t left;

	if (!g->g_catching)
		return g->g_backlog_ns;
	left = g->g_backlog_ns - (int64_t)((double)(guest_now(g) -
	    g->g_backlog_t) * g->g_info->catchup_ppm * 1e-6);
	return left > 0 ? left : 0;
}

/* When the catch-up in progress is done. */
static int64_t
guest_catchup_end(const struct guest *g)
{
	return g->g_backlog_t + (int64_t)ceil((double)g->g_backlog_ns /
	    (g->g_info->catchup_ppm * 1e-6));
}

static void
guest_drop_backlog(struct guest *g)
{
	g->g_backlog_ns = 0;
	g->g_catching = false;
	guest_set_rate(g);
}

static int64_t
guest_lag_ns(void *arg)
{
	struct guest *g = arg;

	return g->g_lag_standing_ns + guest_backlog(g);
}

static void
guest_stop_catchup(void *arg)
{
	struct guest *g = arg;

	guest_drop_backlog(g);
	if (g->g_oracle_on)
		oracle_stop_catchup(&g->g_or, kenv_counter_raw(g->g_ctr));
}

/* A stun begins: the catch-up pauses with the VM. */
static void
guest_freeze(struct guest *g)
{
	g->g_backlog_ns = guest_backlog(g);
	g->g_catching = false;
	guest_set_rate(g);
	g->g_freeze_t = guest_now(g);
	kenv_suspend();
}

/*
 * A stun ends: the time it stood still joins the backlog, which the VMM
 * catches up if it can, and forgets (the guest stays behind) if not.
 */
static void
guest_thaw(struct guest *g)
{
	const struct scn_info *in = g->g_info;
	int64_t total;

	kenv_resume();
	total = g->g_backlog_ns + (guest_now(g) - g->g_freeze_t);
	if (in->catchup_ppm > 0 && total <= in->catchup_max_ns) {
		g->g_backlog_ns = total;
		g->g_backlog_t = guest_now(g);
		g->g_catching = total > 0;
		g->g_catchups += g->g_catching;
	} else
		g->g_backlog_ns = 0;
	guest_set_rate(g);
}

/* --- the oracle -------------------------------------------------------------- */

static void
guest_time_enter(void *arg)
{
	struct guest *g = arg;

	g->g_enter_raw = kenv_counter_raw(g->g_ctr);
}

static void
guest_time_read(void *arg, const struct vmthost_timeread *rd)
{
	struct guest *g = arg;

	if (rd->precision)
		oracle_read_ns(&g->g_or, g->g_enter_raw,
		    kenv_counter_raw(g->g_ctr), rd->host_ns);
	else
		oracle_read(&g->g_or, g->g_enter_raw,
		    kenv_counter_raw(g->g_ctr), rd->host_ns, rd->with_lag,
		    rd->max_lag_us, rd->lag_us);
}

/* What the oracle knows: the trace's noise parameters. */
static void
guest_oracle_start(struct guest *g, int64_t boot_clock_ns)
{
	const struct scn_info *in = g->g_info;
	struct oracle_params p;
	double cyc;

	memset(&p, 0, sizeof(p));
	p.hz = in->osc_hz;
	p.read_error_ns = in->read_error_us * 1e3;
	p.outlier_prob = in->read_outlier_prob;
	p.outlier_ns = in->read_outlier_us * 1e3;
	p.read_at = in->jitter_us > 0 ? -1 : (1 + in->call_asym) / 2;
	p.call_ns = in->call_us * 1e3;
	p.call_jitter_ns = in->call_jitter_us * 1e3;
	p.legacy_jitter_ns = in->jitter_us * 1e3;
	p.stall_prob = in->stall_prob;
	p.stall_ns = in->stall_ms * 1e6;
	/* The sinusoid, as a walk over the filter's horizon. */
	cyc = in->osc_cycle_period_s > 0 ? 2 * M_PI * in->osc_cycle_ppm *
	    1e-6 / in->osc_cycle_period_s : 0;
	p.wander = sqrt(in->osc_wander * in->osc_wander +
	    in->host_wander * in->host_wander +
	    cyc * cyc * CYCLE_HORIZON_S / 2);
	if (in->kind == TRACE_RECORDING)
		p.wander = RECORDING_WANDER;
	p.catchup_ppm = in->catchup_ppm;
	p.max_time_lag_us = (uint32_t)in->max_time_lag_us;
	oracle_init(&g->g_or, &p, kenv_counter_raw(g->g_ctr), boot_clock_ns);
	g->g_oracle_on = true;
}

/*
 * The oracle's offset now.  Like the clock's, it is taken at the
 * current instant, which a call that stalled may have carried a little
 * past the measurement's nominal time.
 */
static int64_t
guest_oracle_offset(const struct guest *g)
{
	return oracle_host_ns(&g->g_or, kenv_counter_raw(g->g_ctr)) -
	    guest_host_now((void *)(uintptr_t)g);
}

/* --- measurements ------------------------------------------------------------ */

/* The deliberate rate of the clock since the last SECOND record. */
static double
guest_slew_ppm(struct guest *g, int64_t rt, uint64_t raw)
{
	double draw_ns, drt_ns;

	draw_ns = (double)(raw - g->g_raw_prev) * 1e9 /
	    (double)g->g_info->osc_hz;
	if (draw_ns < RATE_MIN_NS)
		return NAN;
	drt_ns = (double)(rt - g->g_rt_prev_ns - g->g_step_sum_ns);
	return (drt_ns / draw_ns - 1) * 1e6;
}

/*
 * The adjustments made since g_off_snap, while the checkbox was clear:
 * steps always; adjtime and adjfreq calls unless they left the clock
 * free-running (nothing pending, the frequency back at its boot value).
 */
static uint32_t
guest_off_calls(struct guest *g)
{
	uint64_t c[3];
	int64_t pending = 0, freq = 0;
	uint32_t n;

	struct timeval old;

	vmtsim_tc_counts(&c[0], &c[1], &c[2]);
	(void)tc_adjtime(&pending, NULL);
	adjtime1(NULL, &old, kenv_curproc());
	pending += (int64_t)old.tv_sec * 1000000 + old.tv_usec;
	(void)tc_adjfreq(&freq, NULL);
	n = (uint32_t)(c[0] - g->g_off_snap[0]);
	if (pending != 0 || freq != g->g_boot_freq)
		n += (uint32_t)(c[1] - g->g_off_snap[1] +
		    c[2] - g->g_off_snap[2]);
	memcpy(g->g_off_snap, c, sizeof(c));
	return n;
}

/* Has the host's checkbox changed (a trace event, or the guest's RPCI)? */
static void
guest_sync_flag(struct guest *g)
{
	bool f = vmthost_synctime(g->g_host);

	if (f == g->g_flag)
		return;
	if (!f) {
		vmtsim_tc_counts(&g->g_off_snap[0], &g->g_off_snap[1],
		    &g->g_off_snap[2]);
		g->g_flags |= VS_F_UNTICK;
	} else {
		g->g_adj_off += guest_off_calls(g);
		g->g_flags |= VS_F_REENABLE;
	}
	g->g_flag = f;
}

static void
guest_emit_second(struct guest *g, int64_t t)
{
	bool slept = t <= g->g_frozen_upto_ns;
	struct vs_rec r;
	int64_t rt, freq;
	uint64_t raw, adj;

	guest_sync_flag(g);
	memset(&r, 0, sizeof(r));
	r.type = VS_REC_SECOND;
	r.t_ns = t;
	rt = guest_realtime_ns();
	raw = kenv_counter_raw(g->g_ctr);
	adj = guest_adjustments();
	/*
	 * A second the VM slept through inside a backdoor call: its clock
	 * stood still then, at about what it read before the call.
	 */
	r.u.sec.offset_ns = slept ? g->g_frozen_rt_ns - guest_host_at(g, t) :
	    rt - guest_host_now(g);
	if (g->g_oracle_on) {
		r.u.sec.oracle_ns = slept ? g->g_frozen_or_ns -
		    guest_host_at(g, t) : guest_oracle_offset(g);
		r.flags |= VS_F_ORACLE;
	}
	(void)tc_adjfreq(&freq, NULL);
	r.u.sec.freq_ppb = (int64_t)llround((double)freq / 4294967296.0);
	r.u.sec.slew_ppm = guest_slew_ppm(g, rt, raw);
	r.u.sec.back_ns = g->g_back_ns;
	r.u.sec.steps = g->g_steps;
	r.u.sec.back_steps = g->g_back_steps;
	r.u.sec.adjust = (uint32_t)(adj - g->g_adj_prev);
	if (!g->g_flag)
		g->g_adj_off += guest_off_calls(g);
	r.u.sec.adjust_off = g->g_adj_off;
	g->g_adj_off = 0;
	r.flags |= g->g_flags | g->g_recstart;
	if (slept || kenv_suspended())
		r.flags |= VS_F_FROZEN;
	if (!g->g_flag)
		r.flags |= VS_F_DISABLED;
	guest_write(g, &r);

	g->g_flags = g->g_recstart = 0;
	g->g_steps = g->g_back_steps = 0;
	g->g_back_ns = g->g_step_sum_ns = 0;
	g->g_adj_prev = adj;
	g->g_rt_prev_ns = rt;
	g->g_raw_prev = raw;
	g->g_last_ns = t;
}

static void
guest_emit_fine(struct guest *g, int64_t t)
{
	struct vs_rec r;

	memset(&r, 0, sizeof(r));
	r.type = VS_REC_FINE;
	r.t_ns = t;
	r.flags = g->g_flags | g->g_recstart;
	if (kenv_suspended())
		r.flags |= VS_F_FROZEN;
	r.u.sec.offset_ns = guest_realtime_ns() - guest_host_now(g);
	if (g->g_oracle_on) {
		r.u.sec.oracle_ns = guest_oracle_offset(g);
		r.flags |= VS_F_ORACLE;
	}
	guest_write(g, &r);
	g->g_recstart = 0;
}

/* Emit every measurement that is due at the current time. */
static void
guest_measure(struct guest *g)
{
	int64_t now = guest_now(g);
	bool fine;

	for (;;) {
		fine = g->g_fine_end_ns != 0 &&
		    g->g_fine_next_ns < g->g_next_sec_ns;
		if (fine && g->g_fine_next_ns <= now &&
		    g->g_fine_next_ns <= g->g_limit_ns) {
			if (g->g_fine_next_ns > g->g_frozen_upto_ns)
				guest_emit_fine(g, g->g_fine_next_ns);
			g->g_fine_next_ns += FINE_STEP_NS;
			if (g->g_fine_next_ns >= g->g_fine_end_ns)
				g->g_fine_end_ns = 0;
			continue;
		}
		if (g->g_next_sec_ns > now || g->g_next_sec_ns > g->g_limit_ns)
			break;
		guest_emit_second(g, g->g_next_sec_ns);
		if (g->g_fine_end_ns != 0 &&
		    g->g_fine_next_ns == g->g_next_sec_ns)
			g->g_fine_next_ns += FINE_STEP_NS;
		g->g_next_sec_ns += NS_PER_S;
	}
}

/* 100 ms measurements for the next 10 s. */
static void
guest_fine_start(struct guest *g)
{
	int64_t now = guest_now(g);

	g->g_fine_next_ns = (now / FINE_STEP_NS + 1) * FINE_STEP_NS;
	g->g_fine_end_ns = g->g_fine_next_ns + FINE_SPAN_NS;
	g->g_recstart = VS_F_RECSTART;
}

/*
 * Run the guest until t, measuring on the way, and ending a catch-up
 * when its backlog is gone.  Time jumps only when the host makes the VM
 * sleep inside a backdoor call (a checkpoint cut during a suspend): the
 * measurements it jumped over are frozen ones, and the VM resumed when
 * the call returned.
 */
static void
guest_run_until(struct guest *g, int64_t t)
{
	int64_t next, rt, end;

	while (guest_now(g) < t) {
		next = g->g_next_sec_ns;
		if (g->g_fine_end_ns != 0 && g->g_fine_next_ns < next)
			next = g->g_fine_next_ns;
		if (g->g_catching && (end = guest_catchup_end(g)) < next)
			next = end > guest_now(g) ? end : guest_now(g);
		if (next > t)
			next = t;
		rt = guest_realtime_ns();
		kenv_run_until(next + g->g_t0);
		if (g->g_catching && guest_now(g) >= guest_catchup_end(g))
			guest_drop_backlog(g);
		if (guest_now(g) - next >= LATE_NS) {
			g->g_frozen_upto_ns = guest_now(g);
			g->g_frozen_rt_ns = rt;
			if (g->g_oracle_on)
				g->g_frozen_or_ns = oracle_host_ns(&g->g_or,
				    kenv_counter_raw(g->g_ctr));
			guest_measure(g);
			g->g_flags |= VS_F_RESUME;
			guest_fine_start(g);
		}
		guest_measure(g);
	}
	guest_measure(g);
}

/* --- events -------------------------------------------------------------------- */

static enum vmthost_step
guest_cpt_step(const struct scn_ev *ev)
{
	switch (ev->u.cpt.step) {
	case TRACE_STEP_HB:
		return VMTHOST_STEP_PAYLOAD_HB;
	case TRACE_STEP_STATUS:
		return VMTHOST_STEP_STATUS;
	case TRACE_STEP_PAYLOAD:
	default:
		/* The payload moves on the HB port when the host offers it. */
		return VMTHOST_STEP_PAYLOAD_HB;
	}
}

/*
 * The host asked the guest to suspend: let it answer (up to 2 s), as
 * the VMX waits for the reply before it stops the VM.  A checkpoint cut
 * armed for this instant is where the VM really stops: it then sleeps
 * inside the failing backdoor call until the suspend's end, once.
 */
static void
guest_suspend_grace(struct guest *g, int64_t until, bool cpt)
{
	const struct vmthost_stats *st = vmthost_stats(g->g_host);
	size_t replies = vmthost_tclo_replies(g->g_host, "OS_Suspend");
	uint64_t cpts = st->cpt_injected;
	int64_t end = guest_now(g) + SUSPEND_GRACE_NS;

	if (cpt)
		vmthost_set_cpt_wake(g->g_host, until + g->g_t0);
	while (guest_now(g) < end &&
	    vmthost_tclo_replies(g->g_host, "OS_Suspend") == replies &&
	    st->cpt_injected == cpts)
		guest_run_until(g, guest_now(g) + GRACE_STEP_NS);
	vmthost_set_cpt_wake(g->g_host, 0);
}

static void
guest_cpt(struct guest *g, const struct scn_ev *ev)
{
	vmthost_inject_cpt(g->g_host, ev->u.cpt.chan == TRACE_CHAN_RPCI ?
	    VMTHOST_RPCI : VMTHOST_TCLO, ev->u.cpt.dir == TRACE_DIR_SEND ?
	    VMTHOST_SEND : VMTHOST_RECV, guest_cpt_step(ev), ev->u.cpt.count);
}

/* Apply the events at the end of a segment; false to stop the run. */
static bool
guest_events(struct guest *g, const struct scn_seg *seg)
{
	const struct scn_ev *ev;
	int64_t suspend_end = 0;
	bool cpt = false, os_suspend = false;
	size_t i, max = g->g_run->max_events;

	for (i = 0; i < seg->nev; i++) {
		ev = &seg->ev[i];
		if (max > 0 && ++g->g_nev > max)
			return false;
		switch (ev->type) {
		case SCN_EV_TCLO:
			vmthost_tclo_push(g->g_host, ev->tclo);
			if (strcmp(ev->tclo, "OS_Suspend") == 0)
				os_suspend = true;
			break;
		case SCN_EV_HOST_STEP:
			g->g_hbase_off += (double)ev->u.step_ns;
			guest_host_model(g);
			g->g_flags |= VS_F_HOSTSTEP;
			guest_fine_start(g);
			break;
		case SCN_EV_HOST_SLEW:
			g->g_flags |= VS_F_HOSTSLEW;
			break;
		case SCN_EV_CHECKBOX:
			vmthost_set_synctime(g->g_host, ev->u.value != 0);
			guest_sync_flag(g);
			g->g_flags |= VS_F_EVENT;
			break;
		case SCN_EV_CPT:
			guest_cpt(g, ev);
			cpt = true;
			g->g_flags |= VS_F_EVENT;
			break;
		case SCN_EV_DROP:
			vmthost_drop_tclo(g->g_host, ev->u.count);
			g->g_flags |= VS_F_EVENT;
			break;
		case SCN_EV_SUSPEND:
			/* A suspend is never caught up: its lag is lost. */
			guest_drop_backlog(g);
			suspend_end = seg->t1_ns + ev->u.dur_ns;
			g->g_flags |= VS_F_SUSPEND;
			break;
		case SCN_EV_FREEZE:
			guest_freeze(g);
			g->g_flags |= VS_F_FREEZE;
			break;
		case SCN_EV_RESUME:
			if (kenv_suspended()) {
				kenv_resume();
				g->g_flags |= VS_F_RESUME;
				guest_fine_start(g);
			}
			break;
		case SCN_EV_THAW:
			if (kenv_suspended()) {
				guest_thaw(g);
				g->g_flags |= VS_F_THAW;
				guest_fine_start(g);
			}
			break;
		case SCN_EV_RATE:
			g->g_flags |= VS_F_EVENT;
			break;
		case SCN_EV_SAMPLE:
			/* The host reports the lag measured there. */
			if (ev->u.sample.lag_us >= 0)
				g->g_lag_standing_ns = ev->u.sample.lag_us *
				    1000;
			break;
		case SCN_EV_POWEROFF:
			vmthost_set_poweroff(g->g_host, true);
			return false;
		}
	}
	if (suspend_end > 0 && os_suspend)
		guest_suspend_grace(g, suspend_end, cpt);
	return true;
}

static void
guest_segment(struct guest *g, const struct scn_seg *seg)
{
	g->g_hbase_t = seg->t0_ns;
	g->g_hbase_off = seg->host_off_ns;
	g->g_hrate_ppm = seg->host_ppm;
	guest_host_model(g);
	if (seg->frozen) {
		/* Unless the VM already slept through it in a call. */
		if (guest_now(g) < seg->t1_ns && !kenv_suspended())
			kenv_suspend();
	} else {
		if (kenv_suspended())
			kenv_resume();
		g->g_seg_ppm = seg->ppm;
		guest_set_rate(g);
	}
	guest_run_until(g, seg->t1_ns < g->g_limit_ns ? seg->t1_ns :
	    g->g_limit_ns);
}

/* --- setup ---------------------------------------------------------------------- */

static void
guest_host(struct guest *g)
{
	const struct scn_info *in = g->g_info;
	struct vmthost_config cfg;
	struct vmthost_hooks hk;

	vmthost_config_default(&cfg);
	cfg.seed = in->seed;
	cfg.epoch_ns = in->host_epoch_ns;
	cfg.latency_ns = (int64_t)llround(in->call_us * 1e3);
	cfg.jitter_ns = (int64_t)llround(in->jitter_us * 1e3);
	cfg.call_jitter_ns = (int64_t)llround(in->call_jitter_us * 1e3);
	/* The obsolete jitter_us keeps its uniform read point. */
	cfg.read_at = in->jitter_us > 0 ? -1 : (1 + in->call_asym) / 2;
	cfg.read_error_ns = (int64_t)llround(in->read_error_us * 1e3);
	cfg.outlier_prob = in->read_outlier_prob;
	cfg.outlier_ns = (int64_t)llround(in->read_outlier_us * 1e3);
	cfg.stall_prob = in->stall_prob;
	cfg.stall_ns = (int64_t)llround(in->stall_ms * 1e6);
	cfg.stall_max_ns = (int64_t)llround(in->stall_max_ms * 1e6);
	cfg.tsc_hz = in->osc_hz;
	cfg.max_time_lag_us = (uint32_t)in->max_time_lag_us;
	cfg.interrupt_lag_us = (uint32_t)in->interrupt_lag_us;
	cfg.synctime = in->synctime != 0;
	/* vmt-gtf: vmt on the same host without the precision clock. */
	cfg.precision_clock = in->precision_clock != 0 &&
	    strcmp(g->g_run->policy, "vmt-gtf") != 0;
	g->g_host = vmthost_create(&cfg);
	vmthost_set_clock(g->g_host, guest_host_now, g);
	memset(&hk, 0, sizeof(hk));
	hk.lag_ns = guest_lag_ns;
	hk.stop_catchup = guest_stop_catchup;
	if (g->g_oracle_on) {
		hk.time_enter = guest_time_enter;
		hk.time_read = guest_time_read;
	}
	hk.arg = g;
	vmthost_set_hooks(g->g_host, &hk);
	g->g_flag = cfg.synctime;
	g->g_lag_standing_ns = (int64_t)in->interrupt_lag_us * 1000;
}

/*
 * The VMX pushes its time.synchronize.tools.* settings when the tools
 * start: queued now, they follow the "reset" the host greets the
 * guest's first TCLO channel with, startup.backward before startup.
 */
static void
guest_tools_options(struct guest *g)
{
	const struct scn_info *in = g->g_info;
	char cmd[80];

	if (in->tools_startup_backward >= 0) {
		snprintf(cmd, sizeof(cmd), "Set_Option "
		    "time.synchronize.tools.startup.backward %d",
		    in->tools_startup_backward);
		vmthost_tclo_push(g->g_host, cmd);
	}
	if (in->tools_startup >= 0) {
		snprintf(cmd, sizeof(cmd), "Set_Option "
		    "time.synchronize.tools.startup %d", in->tools_startup);
		vmthost_tclo_push(g->g_host, cmd);
	}
}

int
guest_kernel_boot(uint64_t osc_hz, unsigned osc_bits)
{
	int ctr;

	kenv_set_threaded(false);	/* a guest is one thread */
	kenv_boot(GUEST_HZ);
	kenv_log_set_echo(false);
	ctr = kenv_counter_create("tsc", osc_hz, osc_bits, 1000, 0.0);
	(void)kenv_sysctl_setint("kern.timecounter.timestepwarnings", 1);
	return ctr;
}

static int64_t
guest_sysctl(const char *name)
{
	int64_t v = 0;

	(void)kenv_sysctl_getint(name, &v);
	return v;
}

/* kern_tc.c's own slews, and adjtime(2)'s (the ovt baseline's). */
static uint64_t
guest_adjtimes(void)
{
	return (uint64_t)guest_sysctl("kern.timecounter.adjtimes") +
	    kenv_adjtime_count();
}

/* Set the clock as the trace says, then let the policy at it. */
static int
guest_start(struct guest *g, const struct guest_run *r, char *err,
    size_t errlen)
{
	const struct scn_info *in;
	struct timespec ts;
	int64_t clk;

	memset(g, 0, sizeof(*g));
	g->g_err = err;
	g->g_errlen = errlen;
	g->g_run = r;
	g->g_scn = r->scn;
	g->g_info = in = scn_info(r->scn);
	g->g_ctr = r->counter;
	g->g_t0 = kenv_now();
	g->g_limit_ns = r->limit_ns > 0 ? r->limit_ns : INT64_MAX;
	guest_host_model(g);
	if (in->duration_ns > 0 && in->duration_ns < g->g_limit_ns)
		g->g_limit_ns = in->duration_ns;
	g->g_ppm = kenv_counter_ppm(g->g_ctr);
	g->g_seg_ppm = 0;
	guest_set_rate(g);
	kenv_log_set_hook(NULL, NULL);
	clk = in->host_epoch_ns + in->initial_offset_ns;
	ts.tv_sec = (time_t)(clk / NS_PER_S);
	ts.tv_nsec = (long)(clk % NS_PER_S);
	tc_setclock(&ts);
	/* The harness's own step above is not the policy's. */
	kenv_log_set_hook(guest_log, g);
	g->g_steps0 = (uint64_t)guest_sysctl("kern.timecounter.steps");
	g->g_adjtimes0 = guest_adjtimes();
	g->g_adjfreqs0 = (uint64_t)guest_sysctl("kern.timecounter.adjfreqs");
	if (strcmp(r->policy, "vmt") == 0 || strcmp(r->policy, "vmt-gtf") == 0)
		guest_oracle_start(g, clk);
	guest_host(g);
	g->g_next_sec_ns = NS_PER_S;
	g->g_adj_prev = guest_adjustments();
	(void)tc_adjfreq(&g->g_boot_freq, NULL);
	vmtsim_tc_counts(&g->g_off_snap[0], &g->g_off_snap[1],
	    &g->g_off_snap[2]);
	g->g_rt_prev_ns = guest_realtime_ns();
	g->g_raw_prev = kenv_counter_raw(g->g_ctr);
	guest_tools_options(g);
	if ((g->g_pol = vmtsim_policy_attach(r->policy,
	    in->tools_startup >= 0 || in->tools_startup_backward >= 0)) ==
	    NULL) {
		snprintf(g->g_err, g->g_errlen, "policy %s: cannot attach "
		    "(%s kernel)", r->policy, vmtsim_kernel_timesync() ?
		    "VMT_TIMESYNC" : "plain");
		vmthost_destroy(g->g_host);
		kenv_log_set_hook(NULL, NULL);
		return -1;
	}
	return 0;
}

static void
guest_summary(struct guest *g)
{
	const struct vmthost_stats *st = vmthost_stats(g->g_host);
	const struct vmthost_noise_stats *ns = vmthost_noise_stats(g->g_host);
	struct vs_rec r;
	size_t i;

	memset(&r, 0, sizeof(r));
	r.type = VS_REC_END;
	r.u.sum.reads = ns->reads;
	r.u.sum.precision_reads = st->pclk_answered;
	r.u.sum.outliers = ns->outliers;
	r.u.sum.stalls = ns->stalls;
	r.u.sum.stall_max_ns = ns->stall_max_ns;
	r.u.sum.catchups = g->g_catchups;
	r.u.sum.stopcatchups = st->stopcatchup;
	r.t_ns = g->g_end_ns;
	/* What an administrator would read, to check those nodes too. */
	r.u.sum.steps = (uint64_t)guest_sysctl("kern.timecounter.steps") -
	    g->g_steps0;
	r.u.sum.adjtimes = guest_adjtimes() - g->g_adjtimes0;
	r.u.sum.adjfreqs = (uint64_t)guest_sysctl(
	    "kern.timecounter.adjfreqs") - g->g_adjfreqs0;
	r.u.sum.rpc_errors = g->g_rpc_errors;
	r.u.sum.cpt_retries = (uint64_t)guest_sysctl(
	    "machdep.vmt0.rpc.cpt_retries");
	for (i = 0; i < VMTHOST_NCMD; i++)
		r.u.sum.backdoor_calls += st->calls[i];
	r.u.sum.backdoor_calls += st->calls_other + st->hb_in + st->hb_out;
	r.u.sum.simulated_ns = g->g_end_ns;
	guest_write(g, &r);
}

int
guest_replay(const struct guest_run *run, char *err, size_t errlen)
{
	struct guest *g = &guest;
	struct scn_seg seg;
	int r;

	if (guest_start(g, run, err, errlen) != 0)
		return -1;
	while ((r = scn_next(g->g_scn, &seg, err, errlen)) == 1) {
		if (seg.t0_ns >= g->g_limit_ns && seg.t0_ns > 0)
			break;
		guest_segment(g, &seg);
		g->g_end_ns = seg.t1_ns < g->g_limit_ns ? seg.t1_ns :
		    g->g_limit_ns;
		if (!guest_events(g, &seg))
			break;
	}
	if (r >= 0) {
		/* The last whole second, if the run ended on one. */
		guest_measure(g);
		guest_summary(g);
	}
	vmtsim_policy_detach(g->g_pol);
	kenv_log_set_hook(NULL, NULL);
	vmthost_destroy(g->g_host);
	if (kenv_suspended())
		kenv_resume();
	return r < 0 ? -1 : 0;
}
