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
 * vmt(4) time synchronisation policy: see vmt_tspolicy.h.
 *
 * Design.  Let x be the measured offset (guest - host) at uptime u.
 * The policy mirrors the kernel's slew mechanism (kern_tc.c: pending
 * adjtime, at most SLEW_MAX_US folded at every uptime second into a
 * window that slews it over that second, replace semantics; a step
 * zeroes the pending adjtime and drops the window; each fold of adj us
 * gains adj us over the clock running with the frequency correction
 * alone, so an adjtime of D us completes exactly), so it knows how much slew
 * S it applied between two samples, and it knows the frequency
 * correction f it installed.  The offset then evolves as
 *
 *	x(u + d) = x(u) + S + (y + f) * d + noise
 *
 * where y is the oscillator's own frequency error against the host.
 * An alpha-beta tracking filter estimates x and y from that model:
 *
 *	r   = x_meas - (x_est + S + (y_est + f) * d)	(residual)
 *	x_est += alpha * r
 *	y_est += beta * r / d
 *
 * with the least-squares "growing memory" gains for n samples,
 * alpha = 2(2n-1)/(n(n+1)), beta = 6/(n(n+1)), where n is the memory
 * measured in sampling intervals (baseline / d + 1), capped at
 * GAIN_NMAX.  So the first intervals learn y at once and the estimate
 * then averages noise over up to GAIN_NMAX periods (10 min at 60 s):
 * the model tests put the optimum for 5 us jitter and 1e-9/s wander at
 * 8-10 (RMS 3.4 us); 32 lets wander build 12 us RMS, 4 lets noise in.
 * Each accepted sample then installs f = -y_est (clamped to 500 ppm)
 * and commands the slew -x_est (minus what the current second is
 * still going to slew), so the expected offset is zero and the
 * remaining error is measurement noise filtered by alpha.
 *
 * The frequency estimate survives resume (the oscillator did not
 * change) and is reset only on a timecounter change; one-shots just
 * restart the phase filter.
 *
 * Arithmetic.  Every input is checked, none is clamped and then acted
 * on: an offset beyond VMT_TSP_OFFSET_MAX is rejected, a step is
 * exactly -x (it drops the slew in flight), and uptime is only ever
 * used as a difference.  Sums that might not fit saturate (tsp_add());
 * a saturated value only ever feeds an estimate, never a step.
 */

#include <sys/types.h>

#include <dev/vmt/vmt_tspolicy.h>

#define NS_PER_US		1000LL
#define NS_PER_MS		1000000LL
#define NS_PER_S		1000000000LL
#define I64_MAX			((int64_t)0x7fffffffffffffffLL)
#define I64_MIN			(-I64_MAX - 1)
#define U64_MAX			((uint64_t)0xffffffffffffffffULL)

/*
 * Kernel adjtime: at most this much is folded per uptime second, and
 * each fold delivers exactly what it folded (TC_ADJTIME_MAX_SLEW_US).
 */
#define SLEW_MAX_US		VMT_TSP_SLEW_RATE_US

#define DONE_MAX_S		((int64_t)1 << 30)	/* 34 years of slew */
#define WIDTH_LIMIT_NS		((int64_t)1 << 40)	/* 18 minutes */

/*
 * Sampling.  After a disturbance sample every FAST_MS; every sample
 * whose prediction held within GOOD_NS doubles the interval, up to the
 * configured period.  Samples are placed mid-way between two uptime
 * seconds so that the kernel's per-second fold, which may run a tick
 * late, never races the read.
 */
#define FAST_MS			2000U
#define GOOD_NS			(1000LL * NS_PER_US)
#define LOCK_NS			(100LL * NS_PER_US)	/* "locked" bound */
#define LOCK_COUNT		3	/* samples within LOCK_NS to lock */

/*
 * Filter gains: memory of at most GAIN_NMAX sampling intervals.
 * Frequency is learnt only from intervals of FREQ_MINDT_NS to
 * FREQ_MAXDT_NS and residuals implying less than FREQ_JUMP.
 */
#ifndef GAIN_NMAX
#define GAIN_NMAX		10
#endif
#define GAIN_ONE		65536LL		/* gains are Q16 */
#define FREQ_MINDT_NS		(1LL * NS_PER_S)
#define FREQ_MAXDT_NS		(7200LL * NS_PER_S)
#define FREQ_JUMP		(1000000LL * VMT_TSP_FREQ_PPB)	/* 1000 ppm */
#define FREQ_EST_MAX		(2 * VMT_TSP_FREQ_MAX)
#define FREQ_TRUST_NS		(20LL * NS_PER_S)  /* baseline to trust y */
#define FREQ_UNIT_NS		((uint64_t)NS_PER_S << 32) /* ns * ppb<<32 */

/*
 * Outliers.  A sample is suspect when its bracket is wider than
 * WIDTH_K times the typical one plus WIDTH_SLACK_NS, or when its
 * residual exceeds max(JUMP_MIN_NS, JUMP_K * mean |residual|).
 * JUMP_AGREE suspects agreeing within max(JUMP_MIN_NS, |r| / 8) are a
 * real jump (host clock stepped) and the last is accepted; after
 * REJECT_MAX suspects in a row the sample is accepted anyway and the
 * frequency relearnt.
 */
#define WIDTH_K			4
#define WIDTH_SLACK_NS		(20LL * NS_PER_US)
#define JUMP_MIN_NS		(100LL * NS_PER_US)
#define JUMP_K			8
#define JUMP_AGREE		3
#define REJECT_MAX		5

/* Exponential averages: weight 1/2^shift. */
#define NOISE_SHIFT		4
#define WIDTH_SHIFT		4

/* |v|, saturating: |INT64_MIN| is INT64_MAX. */
static int64_t
tsp_abs(int64_t v)
{

	if (v == I64_MIN)
		return I64_MAX;
	return v < 0 ? -v : v;
}

/* a + b and a - b, saturating. */
static int64_t
tsp_add(int64_t a, int64_t b)
{

	if (b > 0 && a > I64_MAX - b)
		return I64_MAX;
	if (b < 0 && a < I64_MIN - b)
		return I64_MIN;
	return a + b;
}

static int64_t
tsp_sub(int64_t a, int64_t b)
{

	if (b < 0 && a > I64_MAX + b)
		return I64_MAX;
	if (b > 0 && a < I64_MIN + b)
		return I64_MIN;
	return a - b;
}

static int64_t
tsp_clamp(int64_t v, int64_t lim)
{

	if (v > lim)
		return lim;
	if (v < -lim)
		return -lim;
	return v;
}

static int64_t
tsp_max(int64_t a, int64_t b)
{

	return a > b ? a : b;
}

/*
 * a * b / c for unsigned a, b and c > 0, truncated, saturating at
 * U64_MAX; a 128-bit product and long division, so that fixed-point
 * ratios keep full precision without __int128 or libgcc.
 */
static uint64_t
tsp_umuldiv(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t a0 = a & 0xffffffffU, a1 = a >> 32;
	uint64_t b0 = b & 0xffffffffU, b1 = b >> 32;
	uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
	uint64_t mid, lo, hi, q, r, top;
	int i;

	mid = (p00 >> 32) + (p01 & 0xffffffffU) + (p10 & 0xffffffffU);
	lo = (p00 & 0xffffffffU) | (mid << 32);
	hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
	if (hi >= c)
		return U64_MAX;
	/* Restoring division of hi:lo by c; the remainder stays < c. */
	r = hi;
	q = 0;
	for (i = 63; i >= 0; i--) {
		top = r >> 63;
		r = (r << 1) | ((lo >> i) & 1);
		q <<= 1;
		if (top != 0 || r >= c) {
			r -= c;
			q |= 1;
		}
	}
	return q;
}

/* Signed a * b / c, c > 0, truncated toward zero, saturating. */
static int64_t
tsp_smuldiv(int64_t a, int64_t b, int64_t c)
{
	uint64_t ua, ub, q;
	bool neg;

	neg = (a < 0) != (b < 0);
	ua = a < 0 ? (uint64_t)0 - (uint64_t)a : (uint64_t)a;
	ub = b < 0 ? (uint64_t)0 - (uint64_t)b : (uint64_t)b;
	q = tsp_umuldiv(ua, ub, (uint64_t)c);
	if (q > (uint64_t)I64_MAX)
		q = (uint64_t)I64_MAX;
	return neg ? -(int64_t)q : (int64_t)q;
}

static void
tsp_decision_init(struct vmt_tsp_decision *dc)
{

	dc->dc_action = VMT_TSP_NONE;
	dc->dc_slew_us = 0;
	dc->dc_step_ns = 0;
	dc->dc_set_freq = false;
	dc->dc_freq = 0;
	dc->dc_stopcatchup = false;
	dc->dc_next_ms = VMT_TSP_NEXT_KEEP;
	dc->dc_slews = 0;
	dc->dc_fsteps = 0;
	dc->dc_bsteps = 0;
	dc->dc_rejects = 0;
}

/* --- mirror of the kernel's adjtime slew ---------------------------- */

/*
 * Offset gained against the oscillator over dt ns of uptime by the
 * kernel's own corrections: the installed frequency f plus the slew
 * of the current second, rate_us = a * 10^6.  ntp_update_second() sets
 * the adjustment A = a(1+f)/(1-a) and tc_compute_scale() adds A + f to
 * the scale, which stretches uptime too: uptime runs (1+f)/(1-a) times
 * as fast as the oscillator, so over dt of uptime the oscillator
 * advances dt(1-a)/(1+f) and the corrections gain dt(f+a)/(1+f).  (The
 * kernel computes A with the f in force at the fold; a tc_adjfreq()
 * later in the same second changes that second's gain by about
 * a * df, under 0.005 ns per ppb of change: ignored.)
 */
static int64_t
tsp_km_gain(const struct vmt_tspolicy *p, int64_t rate_us, int64_t dt)
{
	int64_t f;

	f = tsp_clamp(p->tp_freq_set, VMT_TSP_FREQ_MAX);
	return tsp_smuldiv(dt, f + rate_us * 1000 * VMT_TSP_FREQ_PPB,
	    (int64_t)FREQ_UNIT_NS + f);
}

/*
 * Fold n > 0 whole seconds of pending slew; returns the corrections'
 * gain over them (tsp_km_gain()), ns.
 * All but the last fold are at the full rate, so no loop is needed.
 */
static int64_t
tsp_km_fold(struct vmt_tspolicy *p, int64_t n)
{
	int64_t mag = tsp_abs(p->tp_km_pending_us), full, rest, sign;

	sign = p->tp_km_pending_us < 0 ? -1 : 1;
	full = mag / SLEW_MAX_US;
	if (full >= n) {
		p->tp_km_pending_us -= sign * n * SLEW_MAX_US;
		return n * tsp_km_gain(p, sign * SLEW_MAX_US, NS_PER_S);
	}
	rest = mag - full * SLEW_MAX_US;
	p->tp_km_pending_us = 0;
	return full * tsp_km_gain(p, sign * SLEW_MAX_US, NS_PER_S) +
	    tsp_km_gain(p, sign * rest, NS_PER_S) +
	    (n - full - 1) * tsp_km_gain(p, 0, NS_PER_S);
}

/* Start a new uptime second: fold at most SLEW_MAX_US into its rate. */
static void
tsp_km_fold_one(struct vmt_tspolicy *p)
{
	int64_t a;

	a = tsp_clamp(p->tp_km_pending_us, SLEW_MAX_US);
	p->tp_km_pending_us -= a;
	p->tp_km_rate_us = a;
}

static void
tsp_km_gained(struct vmt_tspolicy *p, int64_t ns)
{

	p->tp_km_applied_ns = tsp_add(p->tp_km_applied_ns, ns);
}

/*
 * Advance the mirror to uptime u, adding the corrections' gain
 * meanwhile to tp_km_applied_ns.  The kernel folds at every uptime
 * second boundary and spreads the folded amount evenly over that
 * second.
 */
static void
tsp_km_advance(struct vmt_tspolicy *p, int64_t u)
{
	int64_t s0, s1;

	if (!p->tp_km_valid) {
		p->tp_km_valid = true;
		p->tp_km_up_ns = u;
		p->tp_km_rate_us = 0;
		return;
	}
	if (u <= p->tp_km_up_ns)
		return;
	s0 = p->tp_km_up_ns / NS_PER_S;
	s1 = u / NS_PER_S;
	if (s0 == s1) {
		tsp_km_gained(p, tsp_km_gain(p, p->tp_km_rate_us,
		    u - p->tp_km_up_ns));
	} else {
		/* The rest of second s0, whole seconds, then part of s1. */
		tsp_km_gained(p, tsp_km_gain(p, p->tp_km_rate_us,
		    NS_PER_S - p->tp_km_up_ns % NS_PER_S));
		if (s1 - s0 > 1)
			tsp_km_gained(p, tsp_km_fold(p, s1 - s0 - 1));
		tsp_km_fold_one(p);
		tsp_km_gained(p, tsp_km_gain(p, p->tp_km_rate_us,
		    u % NS_PER_S));
	}
	p->tp_km_up_ns = u;
}

/*
 * Slew the current second will still apply after the mirror's time.
 * Each fold gains exactly its us over the clock running with f alone,
 * evenly over its second of uptime, so the rest of the second gains
 * its share of it exactly.
 */
static int64_t
tsp_km_inflight_ns(const struct vmt_tspolicy *p)
{
	int64_t left;

	left = NS_PER_S - p->tp_km_up_ns % NS_PER_S;
	return p->tp_km_rate_us * left / (NS_PER_S / NS_PER_US);
}

/*
 * The adjtime command, in us, that delivers want_ns of slew: the kernel
 * delivers an adjtime exactly, so want_ns rounded to the us it takes.
 */
static int64_t
tsp_slew_cmd(int64_t want_ns)
{
	int64_t mag, us;

	mag = tsp_abs(want_ns);
	us = mag / NS_PER_US + (mag % NS_PER_US >= NS_PER_US / 2 ? 1 : 0);
	if (us > VMT_TSP_SLEW_MAX_US)
		us = VMT_TSP_SLEW_MAX_US;	/* split: the rest comes later */
	return want_ns < 0 ? -us : us;
}

/*
 * Uptime (ns from the mirror's time) at which all slewing has ended:
 * the rest of this second, then one second per SLEW_MAX_US pending.
 */
static int64_t
tsp_km_done_ns(const struct vmt_tspolicy *p)
{
	int64_t secs;

	if (p->tp_km_pending_us == 0)
		return 0;
	secs = (tsp_abs(p->tp_km_pending_us) + SLEW_MAX_US - 1) / SLEW_MAX_US;
	if (secs > DONE_MAX_S)
		secs = DONE_MAX_S;
	return NS_PER_S - p->tp_km_up_ns % NS_PER_S + secs * NS_PER_S;
}

/*
 * A decision is being made: remember what the kernel holds now, which
 * is what stays if the caller reports the decision refused.
 */
static void
tsp_undo_mark(struct vmt_tspolicy *p)
{

	p->tp_undo_pending_us = p->tp_km_pending_us;
	p->tp_undo_freq = p->tp_freq_set;
}

/* --- configuration -------------------------------------------------- */

void
vmt_tspolicy_defaults(struct vmt_tsp_config *cfg)
{

	cfg->tc_enabled = true;
	cfg->tc_allow_backward = false;
	cfg->tc_step_ns = VMT_TSP_STEP_DEFAULT_NS;
	cfg->tc_period_s = VMT_TSP_PERIOD_DEFAULT_S;
	cfg->tc_maxlag_us = 0;
}

bool
vmt_tspolicy_config_valid(const struct vmt_tsp_config *cfg)
{

	if (cfg->tc_step_ns < VMT_TSP_STEP_MIN_NS ||
	    cfg->tc_step_ns > VMT_TSP_STEP_MAX_NS)
		return false;
	if (cfg->tc_period_s < VMT_TSP_PERIOD_MIN_S ||
	    cfg->tc_period_s > VMT_TSP_PERIOD_MAX_S)
		return false;
	if (cfg->tc_maxlag_us > VMT_TSP_MAXLAG_MAX_US)
		return false;
	return true;
}

/* Forget the phase: the next sample starts the offset filter afresh. */
static void
tsp_phase_restart(struct vmt_tspolicy *p)
{

	p->tp_ph_valid = false;
	p->tp_ph_base_ns = 0;
	p->tp_rej_run = 0;
	p->tp_rej_agree = 0;
	p->tp_lock_run = 0;
	p->tp_locked = false;
	p->tp_interval_ms = FAST_MS;
}

/* A one-shot: sample now, allow any forward step, maybe one backward. */
static void
tsp_oneshot(struct vmt_tspolicy *p, bool backward,
    struct vmt_tsp_decision *dc)
{

	tsp_phase_restart(p);
	p->tp_oneshot = true;
	if (backward)
		p->tp_backward_once = true;
	dc->dc_next_ms = 0;
}

bool
vmt_tspolicy_init(struct vmt_tspolicy *p, const struct vmt_tsp_config *cfg,
    int64_t cur_freq)
{
	struct vmt_tsp_decision dc;
	bool ok;

	ok = vmt_tspolicy_config_valid(cfg);
	if (ok)
		p->tp_cfg = *cfg;
	else
		vmt_tspolicy_defaults(&p->tp_cfg);
	p->tp_km_valid = false;
	p->tp_km_up_ns = 0;
	p->tp_km_rate_us = 0;
	p->tp_km_pending_us = 0;
	p->tp_km_applied_ns = 0;
	p->tp_undo_pending_us = 0;
	p->tp_undo_freq = cur_freq;
	p->tp_freq_orig = cur_freq;
	p->tp_freq_set = cur_freq;
	/* Until we learn better, assume whoever set cur_freq was right. */
	p->tp_freq_est = -cur_freq;
	p->tp_freq_base_ns = 0;
	p->tp_ph_est_ns = 0;
	p->tp_last_up_ns = 0;
	p->tp_noise_ns = 0;
	p->tp_width_ns = 0;
	p->tp_rej_resid_ns = 0;
	p->tp_oneshot = false;
	p->tp_backward_once = false;
	p->tp_last_offset_ns = 0;
	p->tp_slews = p->tp_fsteps = p->tp_bsteps = p->tp_rejects = 0;
	p->tp_refused = 0;
	tsp_decision_init(&dc);
	tsp_oneshot(p, false, &dc);		/* attach is a one-shot */
	return ok;
}

static void
tsp_enable(struct vmt_tspolicy *p, int64_t cur_freq,
    struct vmt_tsp_decision *dc)
{

	p->tp_freq_orig = cur_freq;
	p->tp_freq_set = cur_freq;
	/* The kernel's pending slew is unknown; our first slew replaces it. */
	p->tp_km_valid = false;
	p->tp_km_pending_us = 0;
	tsp_oneshot(p, false, dc);
}

static void
tsp_disable(struct vmt_tspolicy *p, struct vmt_tsp_decision *dc)
{

	dc->dc_action = VMT_TSP_SLEW;
	dc->dc_slew_us = 0;
	dc->dc_set_freq = true;
	dc->dc_freq = p->tp_freq_orig;
	p->tp_freq_set = p->tp_freq_orig;
	p->tp_km_pending_us = 0;
	p->tp_oneshot = false;
	p->tp_backward_once = false;
	tsp_phase_restart(p);
}

bool
vmt_tspolicy_configure(struct vmt_tspolicy *p,
    const struct vmt_tsp_config *cfg, int64_t cur_freq,
    struct vmt_tsp_decision *dc)
{
	bool was;

	tsp_decision_init(dc);
	if (!vmt_tspolicy_config_valid(cfg))
		return false;
	tsp_undo_mark(p);
	was = p->tp_cfg.tc_enabled;
	p->tp_cfg = *cfg;
	if (!was && cfg->tc_enabled)
		tsp_enable(p, cur_freq, dc);
	else if (was && !cfg->tc_enabled)
		tsp_disable(p, dc);
	if (p->tp_interval_ms > cfg->tc_period_s * 1000U)
		p->tp_interval_ms = cfg->tc_period_s * 1000U;
	if (dc->dc_next_ms == VMT_TSP_NEXT_KEEP)
		dc->dc_next_ms = cfg->tc_enabled ? p->tp_interval_ms :
		    cfg->tc_period_s * 1000U;
	return true;
}

void
vmt_tspolicy_event(struct vmt_tspolicy *p, enum vmt_tsp_event ev,
    struct vmt_tsp_decision *dc)
{

	tsp_decision_init(dc);
	tsp_undo_mark(p);
	switch (ev) {
	case VMT_TSP_EV_TC_CHANGED:
		/*
		 * A new oscillator: its error is unknown.  Install no
		 * correction and learn it again; the offset is continuous
		 * across the switch so the phase survives.
		 */
		p->tp_freq_est = 0;
		p->tp_freq_base_ns = 0;
		p->tp_ph_base_ns = 0;
		p->tp_interval_ms = FAST_MS;
		p->tp_lock_run = 0;
		p->tp_locked = false;
		if (p->tp_cfg.tc_enabled) {
			p->tp_freq_set = 0;
			dc->dc_set_freq = true;
			dc->dc_freq = 0;
		}
		dc->dc_next_ms = FAST_MS;
		break;
	case VMT_TSP_EV_SYNC_BACKWARD:
		tsp_oneshot(p, true, dc);
		break;
	case VMT_TSP_EV_ATTACH:
	case VMT_TSP_EV_RESUME:
	case VMT_TSP_EV_SYNC:
	case VMT_TSP_EV_CHECKPOINT:
	case VMT_TSP_EV_DISCONTINUITY:
	default:
		tsp_oneshot(p, false, dc);
		break;
	}
}

/* --- samples -------------------------------------------------------- */

/* Q16 alpha-beta gains for a memory of n intervals. */
static int64_t
tsp_alpha(int64_t n)
{

	return (2 * (2 * n - 1) * GAIN_ONE) / (n * (n + 1));
}

static int64_t
tsp_beta(int64_t n)
{

	return (6 * GAIN_ONE) / (n * (n + 1));
}

/* Memory in intervals of length d given baseline base, in [lo, NMAX]. */
static int64_t
tsp_memory(int64_t base, int64_t d, int64_t lo)
{
	int64_t n;

	if (d <= 0 || base / d >= GAIN_NMAX)
		return GAIN_NMAX;
	n = 1 + base / d;
	if (n < lo)
		n = lo;
	return n > GAIN_NMAX ? GAIN_NMAX : n;
}

/*
 * Oscillator time elapsed over d ns of uptime: uptime less what the
 * kernel's corrections added to it.  The oscillator error y acts on
 * that time base (the offset gains y per oscillator second).
 */
static int64_t
tsp_drift_base(const struct vmt_tspolicy *p, int64_t d)
{
	int64_t b;

	b = tsp_sub(d, p->tp_km_applied_ns);
	return b > 0 ? b : 0;
}

/* Offset predicted d ns after the last accepted sample. */
static int64_t
tsp_predict(const struct vmt_tspolicy *p, int64_t d)
{
	int64_t drift;

	drift = tsp_smuldiv(p->tp_freq_est, tsp_drift_base(p, d),
	    (int64_t)FREQ_UNIT_NS);
	return tsp_add(tsp_add(p->tp_ph_est_ns, p->tp_km_applied_ns), drift);
}

/*
 * Is this sample to be rejected?  Wide brackets and implausible jumps
 * are; agreeing jumps and long runs of rejections are let through
 * (*jump tells the caller to restart the phase, *relearn also the
 * frequency).
 */
static bool
tsp_suspect(struct vmt_tspolicy *p, int64_t w, int64_t r, int64_t d,
    bool *jump, bool *relearn)
{
	int64_t lim, tol;
	bool wide, far;

	*jump = *relearn = false;
	wide = p->tp_width_ns > 0 &&
	    w > WIDTH_K * p->tp_width_ns + WIDTH_SLACK_NS;
	/* The frequency is known to about noise / baseline. */
	lim = tsp_max(JUMP_MIN_NS, JUMP_K * p->tp_noise_ns);
	if (p->tp_freq_base_ns > 0)
		lim = tsp_add(lim, tsp_smuldiv(lim, d, p->tp_freq_base_ns));
	far = p->tp_freq_base_ns >= FREQ_TRUST_NS && tsp_abs(r) > lim;
	if (!wide && !far) {
		p->tp_rej_run = 0;
		p->tp_rej_agree = 0;
		return false;
	}
	if (far) {
		tol = tsp_max(JUMP_MIN_NS, tsp_abs(r) / 8);
		if (p->tp_rej_agree > 0 &&
		    tsp_abs(tsp_sub(r, p->tp_rej_resid_ns)) <= tol)
			p->tp_rej_agree++;
		else
			p->tp_rej_agree = 1;
		p->tp_rej_resid_ns = r;
	}
	p->tp_rej_run++;
	if (far && p->tp_rej_agree >= JUMP_AGREE) {
		*jump = true;
	} else if (p->tp_rej_run >= REJECT_MAX) {
		*jump = far;
		*relearn = far;
	} else
		return true;
	p->tp_rej_run = 0;
	p->tp_rej_agree = 0;
	return false;
}

/* Fold an accepted residual r over interval d into the estimates. */
static void
tsp_filter(struct vmt_tspolicy *p, int64_t pred, int64_t r, int64_t d)
{
	int64_t nf, np, rate, dy;

	nf = tsp_memory(p->tp_freq_base_ns, d, 2);
	np = tsp_memory(p->tp_ph_base_ns, d, 1);
	if (np > nf)
		np = nf;	/* alpha must not fall below what beta needs */
	/* An estimate, never stepped by: bounding it is harmless. */
	p->tp_ph_est_ns = tsp_clamp(tsp_add(pred,
	    tsp_smuldiv(r, tsp_alpha(np), GAIN_ONE)), VMT_TSP_OFFSET_MAX);
	p->tp_ph_base_ns = tsp_add(p->tp_ph_base_ns, d);
	if (d < FREQ_MINDT_NS || d > FREQ_MAXDT_NS)
		return;
	rate = tsp_smuldiv(r, (int64_t)FREQ_UNIT_NS,
	    tsp_max(tsp_drift_base(p, d), 1));
	if (tsp_abs(rate) > FREQ_JUMP)
		return;
	dy = tsp_smuldiv(rate, tsp_beta(nf), GAIN_ONE);
	p->tp_freq_est = tsp_clamp(p->tp_freq_est + dy, FREQ_EST_MAX);
	p->tp_freq_base_ns = tsp_add(p->tp_freq_base_ns, d);
	/* |r| < FREQ_JUMP * FREQ_MAXDT_NS here: no overflow. */
	p->tp_noise_ns += (tsp_abs(r) - p->tp_noise_ns) >> NOISE_SHIFT;
}

/* Choose the interval to the next sample, in ms from uptime u. */
static uint32_t
tsp_schedule(struct vmt_tspolicy *p, int64_t u, int64_t iv_ms)
{
	int64_t next, done, period_ms;

	period_ms = (int64_t)p->tp_cfg.tc_period_s * 1000;
	if (iv_ms > period_ms)
		iv_ms = period_ms;
	next = iv_ms * NS_PER_MS;
	/* A long slew ends before then: look right after it. */
	done = tsp_km_done_ns(p);
	if (done > 2 * NS_PER_S && done + NS_PER_S / 2 < next)
		next = done;
	/* Land half-way between two folds. */
	next += NS_PER_S / 2 - (u % NS_PER_S + next % NS_PER_S) % NS_PER_S;
	if (next < NS_PER_S / 2)
		next += NS_PER_S;
	return (uint32_t)(next / NS_PER_MS);
}

/* Apply a step of st ns: it lands on the host's time. */
static void
tsp_step(struct vmt_tspolicy *p, int64_t x, int64_t st,
    struct vmt_tsp_decision *dc)
{

	dc->dc_action = VMT_TSP_STEP;
	dc->dc_step_ns = st;
	dc->dc_stopcatchup = true;
	if (st > 0)
		dc->dc_fsteps = 1;
	else
		dc->dc_bsteps = 1;
	/* tc_setclock() zeroes the pending adjtime and drops the window. */
	p->tp_km_pending_us = 0;
	p->tp_km_rate_us = 0;
	p->tp_ph_valid = true;
	p->tp_ph_est_ns = x + st;
	p->tp_ph_base_ns = 0;
	p->tp_lock_run = 0;
	p->tp_locked = false;
}

static void
tsp_sample_disabled(struct vmt_tspolicy *p, struct vmt_tsp_decision *dc)
{

	/* Report only; one-shot permissions do not outlive the moment. */
	p->tp_oneshot = false;
	p->tp_backward_once = false;
	tsp_phase_restart(p);
	dc->dc_next_ms = p->tp_cfg.tc_period_s * 1000U;
}

void
vmt_tspolicy_sample(struct vmt_tspolicy *p, const struct vmt_tsp_sample *s,
    struct vmt_tsp_decision *dc)
{
	const struct vmt_tsp_config *cfg = &p->tp_cfg;
	int64_t x, u, w, d, pred, r, thr_fwd, inflight, cmd, iv, fset;
	bool oneshot, back_ok, jump, relearn, disturbed;

	tsp_decision_init(dc);
	jump = relearn = false;
	x = s->ts_offset_ns;
	u = s->ts_uptime_ns;
	if (u < 0 || tsp_abs(x) > VMT_TSP_OFFSET_MAX) {
		/* Not a sample: nothing in it may be acted on. */
		dc->dc_rejects = 1;
		p->tp_rejects++;
		dc->dc_next_ms = p->tp_interval_ms;
		return;
	}
	w = s->ts_width_ns < 0 ? 0 : s->ts_width_ns;
	if (w > WIDTH_LIMIT_NS)
		w = WIDTH_LIMIT_NS;
	p->tp_last_offset_ns = x;
	if (!cfg->tc_enabled) {
		tsp_sample_disabled(p, dc);
		return;
	}

	tsp_km_advance(p, u);
	tsp_undo_mark(p);
	inflight = tsp_km_inflight_ns(p);
	oneshot = p->tp_oneshot;
	back_ok = cfg->tc_allow_backward || p->tp_backward_once;
	thr_fwd = tsp_max(cfg->tc_step_ns, tsp_max(
	    (int64_t)cfg->tc_maxlag_us, (int64_t)s->ts_lag_us) * NS_PER_US);
	/* Both uptimes are >= 0: the difference cannot overflow. */
	d = u - p->tp_last_up_ns;
	if (d < 0 || !p->tp_ph_valid)
		tsp_phase_restart(p);
	disturbed = !p->tp_ph_valid;
	pred = x;
	r = 0;

	/*
	 * Behind by more than the threshold: step forward, by exactly the
	 * offset.  The kernel drops the slew in flight with the step, so
	 * the step is -x, never -x less that slew: with a slew in flight
	 * larger than the lag, that would have been a step back.
	 */
	if (x < -thr_fwd) {
		tsp_step(p, x, -x, dc);
		disturbed = true;
		goto done;
	}

	if (p->tp_ph_valid) {
		pred = tsp_predict(p, d);
		r = tsp_sub(x, pred);
		if (!oneshot && tsp_suspect(p, w, r, d, &jump, &relearn)) {
			dc->dc_rejects = 1;
			p->tp_rejects++;
			/* Keep the mirror's interval sum; confirm quickly. */
			dc->dc_next_ms = tsp_schedule(p, u, FAST_MS);
			p->tp_width_ns += (w - p->tp_width_ns) >> WIDTH_SHIFT;
			return;
		}
		if (oneshot || jump) {
			/* A real jump: restart the phase, keep frequency. */
			p->tp_ph_valid = false;
			p->tp_ph_base_ns = 0;
			disturbed = true;
			if (relearn)
				p->tp_freq_base_ns = 0;
		}
	}
	if (p->tp_ph_valid)
		tsp_filter(p, pred, r, d);
	else {
		p->tp_ph_valid = true;
		p->tp_ph_est_ns = x;
		p->tp_ph_base_ns = 0;
	}
	if (p->tp_width_ns == 0)
		p->tp_width_ns = w;
	else
		p->tp_width_ns += (w - p->tp_width_ns) >> WIDTH_SHIFT;

	if (x > cfg->tc_step_ns && back_ok) {
		/* Ahead beyond the threshold, and allowed to go back. */
		tsp_step(p, x, -x, dc);
		p->tp_backward_once = false;
		disturbed = true;
	} else {
		/*
		 * Slew (never backwards by step otherwise).  Rounded to
		 * the us the kernel takes and at most what it takes, the
		 * rest stays in the filter and is asked for later.
		 */
		cmd = tsp_slew_cmd(-p->tp_ph_est_ns - inflight);
		dc->dc_action = VMT_TSP_SLEW;
		dc->dc_slew_us = cmd;
		if (cmd != 0)
			dc->dc_slews = 1;
		p->tp_km_pending_us = cmd;
	}

done:
	/* Install the frequency the estimate asks for. */
	fset = tsp_clamp(-p->tp_freq_est, VMT_TSP_FREQ_MAX);
	if (fset != p->tp_freq_set) {
		dc->dc_set_freq = true;
		dc->dc_freq = fset;
		p->tp_freq_set = fset;
	}
	p->tp_oneshot = false;
	p->tp_backward_once = false;
	p->tp_last_up_ns = u;
	p->tp_km_applied_ns = 0;
	p->tp_slews += dc->dc_slews;
	p->tp_fsteps += dc->dc_fsteps;
	p->tp_bsteps += dc->dc_bsteps;

	/* Lock and back-off. */
	if (tsp_abs(p->tp_ph_est_ns) < LOCK_NS && tsp_abs(r) < LOCK_NS &&
	    !disturbed) {
		if (++p->tp_lock_run >= LOCK_COUNT)
			p->tp_locked = true;
	} else {
		p->tp_lock_run = 0;
		p->tp_locked = false;
	}
	if (disturbed || tsp_abs(r) >= GOOD_NS)
		iv = FAST_MS;
	else
		iv = (int64_t)p->tp_interval_ms * 2;
	p->tp_interval_ms = (uint32_t)(iv > (int64_t)cfg->tc_period_s * 1000 ?
	    (int64_t)cfg->tc_period_s * 1000 : iv);
	dc->dc_next_ms = tsp_schedule(p, u, p->tp_interval_ms);
}

void
vmt_tspolicy_status(const struct vmt_tspolicy *p, struct vmt_tsp_status *st)
{

	st->st_enabled = p->tp_cfg.tc_enabled;
	st->st_locked = p->tp_locked;
	st->st_offset_ns = p->tp_last_offset_ns;
	st->st_est_offset_ns = p->tp_ph_est_ns;
	st->st_freq_est = p->tp_freq_est;
	st->st_freq_set = p->tp_freq_set;
	st->st_slews = p->tp_slews;
	st->st_fsteps = p->tp_fsteps;
	st->st_bsteps = p->tp_bsteps;
	st->st_rejects = p->tp_rejects;
	st->st_refused = p->tp_refused;
}

void
vmt_tspolicy_refused(struct vmt_tspolicy *p, unsigned what)
{

	/*
	 * A refused tc_adjtime() leaves the kernel's pending slew as it
	 * was, a refused tc_adjfreq() the frequency: the mirror goes back
	 * to that, and the next sample measures what really happened.
	 */
	if (what & VMT_TSP_REFUSED_SLEW) {
		p->tp_km_pending_us = p->tp_undo_pending_us;
		p->tp_refused++;
	}
	if (what & VMT_TSP_REFUSED_FREQ) {
		p->tp_freq_set = p->tp_undo_freq;
		p->tp_refused++;
	}
}
