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
 * vmt(4) time synchronisation policy: see vmt_tspolicy.h.  This half
 * takes the decisions; vmt_tspolicy_filter.c estimates the offset x and
 * the oscillator's error y they rest on.
 *
 * The policy mirrors the kernel's slew mechanism (kern_tc.c: pending
 * adjtime, at most SLEW_MAX_US folded at every uptime second into a
 * window that slews it over that second, replace semantics; a step
 * zeroes the pending adjtime and drops the window; each fold of adj us
 * gains adj us over the clock running with the frequency correction
 * alone, so an adjtime of D us completes exactly), so it knows what its
 * corrections added to the offset between two samples; when the caller
 * reads the kernel's pending adjtime with the sample, the mirror is put
 * right from it.
 *
 * Every sample it is given (a full one of the tightest of four reads,
 * or the single read of a TCLO poll, about once a second) goes to the
 * estimator, and each one it uses installs f = -y and commands the slew
 * -x (less what the current second is still going to slew): the
 * expected offset is then zero, and the clock's error is the
 * estimator's, which the measurement noise sets.  Steps:
 *
 *  - forward, by exactly the offset, when the guest is behind by more
 *    than step_threshold (and the host's maxTimeLag), or when the host
 *    reports an interrupt-lag backlog the guest is behind by (a stun:
 *    the time is lost, and stepping beats the VMM's catch-up);
 *  - backward only when allowed: allow_backward, over step_threshold;
 *    or a one-shot the host asked for (Time_Synchronize 1, the checkbox
 *    ticked again), over min(step_threshold, VMT_TSP_ASKED_BACK_NS).
 *
 * The full samples are taken at an interval the estimator chooses from
 * the noise and the oscillator's stability, FAST_MS after anything that
 * disturbed it; the frequency estimate survives resume (the oscillator
 * did not change) and is reset only on a timecounter change; one-shots
 * restart the offset.
 *
 * Arithmetic.  Every input is checked, none is clamped and then acted
 * on: an offset beyond VMT_TSP_OFFSET_MAX is rejected, a step is
 * exactly -x (it drops the slew in flight), and uptime is only ever
 * used as a difference.  Sums that might not fit saturate; a saturated
 * value only ever feeds an estimate, never a step.
 */

#include <sys/cdefs.h>
#ifdef _KERNEL		/* the policy tests build it in userland too */
__KERNEL_RCSID(0, "$NetBSD$");
#endif

#include <sys/types.h>

#include <dev/vmt/vmt_tspolicy.h>

/*
 * Kernel adjtime: at most this much is folded per uptime second, and
 * each fold delivers exactly what it folded (TC_ADJTIME_MAX_SLEW_US).
 */
#define SLEW_MAX_US		VMT_TSP_SLEW_RATE_US

#define DONE_MAX_S		((int64_t)1 << 30)	/* 34 years of slew */
#define WIDTH_LIMIT_NS		((int64_t)1 << 40)	/* 18 minutes */

/*
 * The kernel folds at the first tick of an uptime second: a read this
 * soon after the boundary, with more than FOLD_SMALL_US being slewed,
 * may see the old second's rate still running.
 */
#define FOLD_GUARD_NS		(20LL * VMT_NS_PER_MS)
#define FOLD_SMALL_US		10
/* Slewing more than this a second, the mirror is good to a tick of it. */
#define BUSY_US			50

/* Sampling: FAST_MS after a disturbance; "locked" bound. */
#define FAST_MS			2000U
#define LOCK_NS			(100LL * VMT_NS_PER_US)
#define LOCK_COUNT		3	/* samples within LOCK_NS to lock */

/* Below a us: steered by the frequency over STEER_S seconds. */
#define STEER_S			2
#define STEER_MAXDT_NS		(2 * VMT_NS_PER_S)

/* A backlog: the guest is behind by the lag, give or take this. */
#define BACKLOG_TOL_K		8	/* read noise sd */

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

	f = vmt_tsp_clamp(p->tp_freq_set, VMT_TSP_FREQ_MAX);
	return vmt_tsp_muldiv(dt, f + rate_us * 1000 * VMT_TSP_FREQ_PPB,
	    (int64_t)VMT_TSP_FREQ_UNIT_NS + f);
}

/*
 * Fold n > 0 whole seconds of pending slew; returns the corrections'
 * gain over them (tsp_km_gain()), ns.
 * All but the last fold are at the full rate, so no loop is needed.
 */
static int64_t
tsp_km_fold(struct vmt_tspolicy *p, int64_t n)
{
	int64_t mag = vmt_tsp_abs(p->tp_km_pending_us), full, rest, sign;

	sign = p->tp_km_pending_us < 0 ? -1 : 1;
	full = mag / SLEW_MAX_US;
	if (full >= n) {
		p->tp_km_pending_us -= sign * n * SLEW_MAX_US;
		return n * tsp_km_gain(p, sign * SLEW_MAX_US, VMT_NS_PER_S);
	}
	rest = mag - full * SLEW_MAX_US;
	p->tp_km_pending_us = 0;
	return full * tsp_km_gain(p, sign * SLEW_MAX_US, VMT_NS_PER_S) +
	    tsp_km_gain(p, sign * rest, VMT_NS_PER_S) +
	    (n - full - 1) * tsp_km_gain(p, 0, VMT_NS_PER_S);
}

/* Start a new uptime second: fold at most SLEW_MAX_US into its rate. */
static void
tsp_km_fold_one(struct vmt_tspolicy *p)
{
	int64_t a;

	a = vmt_tsp_clamp(p->tp_km_pending_us, SLEW_MAX_US);
	p->tp_km_pending_us -= a;
	p->tp_km_rate_us = a;
}

static void
tsp_km_gained(struct vmt_tspolicy *p, int64_t ns)
{

	p->tp_km_applied_ns = vmt_tsp_add(p->tp_km_applied_ns, ns);
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
	s0 = p->tp_km_up_ns / VMT_NS_PER_S;
	s1 = u / VMT_NS_PER_S;
	if (s0 == s1) {
		tsp_km_gained(p, tsp_km_gain(p, p->tp_km_rate_us,
		    u - p->tp_km_up_ns));
	} else {
		/* The rest of second s0, whole seconds, then part of s1. */
		tsp_km_gained(p, tsp_km_gain(p, p->tp_km_rate_us,
		    VMT_NS_PER_S - p->tp_km_up_ns % VMT_NS_PER_S));
		if (s1 - s0 > 1)
			tsp_km_gained(p, tsp_km_fold(p, s1 - s0 - 1));
		tsp_km_fold_one(p);
		tsp_km_gained(p, tsp_km_gain(p, p->tp_km_rate_us,
		    u % VMT_NS_PER_S));
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

	left = VMT_NS_PER_S - p->tp_km_up_ns % VMT_NS_PER_S;
	return p->tp_km_rate_us * left / (VMT_NS_PER_S / VMT_NS_PER_US);
}

/*
 * The adjtime command, in us, that delivers want_ns of slew: the kernel
 * delivers an adjtime exactly, so want_ns rounded to the us it takes.
 */
static int64_t
tsp_slew_cmd(int64_t want_ns)
{
	int64_t mag, us;

	mag = vmt_tsp_abs(want_ns);
	us = mag / VMT_NS_PER_US +
	    (mag % VMT_NS_PER_US >= VMT_NS_PER_US / 2 ? 1 : 0);
	if (us > VMT_TSP_SLEW_MAX_US)	/* split: the rest comes later */
		us = VMT_TSP_SLEW_MAX_US;
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
	secs = (vmt_tsp_abs(p->tp_km_pending_us) + SLEW_MAX_US - 1) /
	    SLEW_MAX_US;
	if (secs > DONE_MAX_S)
		secs = DONE_MAX_S;
	return VMT_NS_PER_S - p->tp_km_up_ns % VMT_NS_PER_S +
	    secs * VMT_NS_PER_S;
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

/*
 * The kernel's own pending adjtime, read with the sample: the mirror
 * takes it, unless the difference is this second's fold, which the
 * kernel makes at its next tick.
 */
static void
tsp_km_resync(struct vmt_tspolicy *p, int64_t kpend_us)
{
	int64_t diff;

	diff = vmt_tsp_sub(kpend_us, p->tp_km_pending_us);
	if (diff == 0)
		return;
	if (p->tp_km_up_ns % VMT_NS_PER_S < FOLD_GUARD_NS &&
	    diff == p->tp_km_rate_us)
		return;
	p->tp_km_pending_us = vmt_tsp_clamp(kpend_us, VMT_TSP_SLEW_MAX_US);
}

/* Is a read now too close to the kernel's fold to be measured by? */
static bool
tsp_km_unsure(const struct vmt_tspolicy *p)
{

	return p->tp_km_up_ns % VMT_NS_PER_S < FOLD_GUARD_NS &&
	    (vmt_tsp_abs(p->tp_km_rate_us) > FOLD_SMALL_US ||
	    vmt_tsp_abs(p->tp_km_pending_us) > FOLD_SMALL_US);
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

	vmt_tsp_filter_restart(p);
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
	p->tp_km_busy = false;
	p->tp_undo_pending_us = 0;
	p->tp_undo_freq = cur_freq;
	p->tp_freq_orig = cur_freq;
	p->tp_freq_set = cur_freq;
	/* Until we learn better, assume whoever set cur_freq was right. */
	vmt_tsp_filter_init(p, -cur_freq);
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
		vmt_tsp_filter_new_counter(p);
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

/* Choose the interval to the next sample, in ms from uptime u. */
static uint32_t
tsp_schedule(struct vmt_tspolicy *p, int64_t u, int64_t iv_ms)
{
	int64_t next, done, period_ms;

	period_ms = (int64_t)p->tp_cfg.tc_period_s * 1000;
	if (iv_ms > period_ms)
		iv_ms = period_ms;
	next = iv_ms * VMT_NS_PER_MS;
	/* A long slew ends before then: look right after it. */
	done = tsp_km_done_ns(p);
	if (done > 2 * VMT_NS_PER_S && done + VMT_NS_PER_S / 2 < next)
		next = done;
	/* Land half-way between two folds. */
	next += VMT_NS_PER_S / 2 -
	    (u % VMT_NS_PER_S + next % VMT_NS_PER_S) % VMT_NS_PER_S;
	if (next < VMT_NS_PER_S / 2)
		next += VMT_NS_PER_S;
	return (uint32_t)(next / VMT_NS_PER_MS);
}

/*
 * Apply a step of st ns: it lands on the host's time.  The estimate
 * follows (tsp_step_read, vmt_tsp_filter_stepped).
 */
static void
tsp_step(struct vmt_tspolicy *p, int64_t st, struct vmt_tsp_decision *dc)
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
	p->tp_lock_run = 0;
	p->tp_locked = false;
}

/*
 * Step over a discontinuity by the read x (bracket w, at uptime u):
 * the phase starts again from what is left of that read, and the rate
 * may have changed with it.
 */
static void
tsp_step_read(struct vmt_tspolicy *p, int64_t x, int64_t w, int64_t u,
    struct vmt_tsp_decision *dc)
{

	tsp_step(p, -x, dc);
	vmt_tsp_filter_discontinuity(p, vmt_tsp_sub(vmt_tsp_noise_unbias(p,
	    x, w), x), w, u);
}

/*
 * Interrupt lag beyond the standing lag, when the guest is behind by
 * about as much: the backlog of a stun, ns; 0 if there is none.  The
 * standing lag is the least the host reported; a lag that grew with
 * the guest not behind has become the standing one.
 */
static int64_t
tsp_backlog(struct vmt_tspolicy *p, int64_t x, uint32_t ilag_us)
{
	int64_t b, tol;

	if (!p->tp_lag_valid || ilag_us < p->tp_lag_base_us) {
		p->tp_lag_valid = true;
		p->tp_lag_base_us = ilag_us;
		return 0;
	}
	b = (int64_t)(ilag_us - p->tp_lag_base_us) * VMT_NS_PER_US;
	if (b < VMT_TSP_BACKLOG_STEP_NS)
		return 0;
	tol = b / 4 + BACKLOG_TOL_K * vmt_tsp_filter_noise(p);
	if (vmt_tsp_abs(vmt_tsp_add(x, b)) <= tol)
		return b;
	p->tp_lag_base_us = ilag_us;
	return 0;
}

static void
tsp_sample_disabled(struct vmt_tspolicy *p, bool light,
    struct vmt_tsp_decision *dc)
{

	/* Report only; one-shot permissions do not outlive the moment. */
	if (light) {
		dc->dc_next_ms = VMT_TSP_NEXT_KEEP;
		return;
	}
	p->tp_oneshot = false;
	p->tp_backward_once = false;
	tsp_phase_restart(p);
	dc->dc_next_ms = p->tp_cfg.tc_period_s * 1000U;
}

/*
 * Slew away offset xe, less what this second is still going to slew.
 * Returns the part below the us the kernel takes, ns.
 */
static int64_t
tsp_slew(struct vmt_tspolicy *p, int64_t xe, int64_t inflight,
    struct vmt_tsp_decision *dc)
{
	int64_t cmd, want;

	/*
	 * Rounded to the us the kernel takes and at most what it takes,
	 * the rest stays in the filter and is asked for later.
	 */
	want = vmt_tsp_sub(-xe, inflight);
	cmd = tsp_slew_cmd(want);
	dc->dc_action = VMT_TSP_SLEW;
	dc->dc_slew_us = cmd;
	if (cmd != 0)
		dc->dc_slews = 1;
	p->tp_km_pending_us = cmd;
	return vmt_tsp_sub(want, cmd * VMT_NS_PER_US);
}

/* The smallest lead a backward step may take back now. */
static int64_t
tsp_back_threshold(const struct vmt_tspolicy *p)
{
	int64_t thr = p->tp_cfg.tc_step_ns;

	if (p->tp_backward_once && thr > VMT_TSP_ASKED_BACK_NS)
		thr = VMT_TSP_ASKED_BACK_NS;
	return thr;
}

void
vmt_tspolicy_sample(struct vmt_tspolicy *p, const struct vmt_tsp_sample *s,
    struct vmt_tsp_decision *dc)
{
	const struct vmt_tsp_config *cfg = &p->tp_cfg;
	enum vmt_tsp_verdict v;
	int64_t x, u, w, thr_fwd, inflight, fset, b, xe, d, steer;
	bool back_ok, disturbed;

	tsp_decision_init(dc);
	x = s->ts_offset_ns;
	u = s->ts_uptime_ns;
	if (u < 0 || vmt_tsp_abs(x) > VMT_TSP_OFFSET_MAX) {
		/* Not a sample: nothing in it may be acted on. */
		dc->dc_rejects = 1;
		p->tp_rejects++;
		dc->dc_next_ms = s->ts_light ? VMT_TSP_NEXT_KEEP :
		    p->tp_interval_ms;
		return;
	}
	w = s->ts_width_ns < 0 ? 0 : s->ts_width_ns;
	if (w > WIDTH_LIMIT_NS)
		w = WIDTH_LIMIT_NS;
	p->tp_last_offset_ns = x;
	if (!cfg->tc_enabled) {
		tsp_sample_disabled(p, s->ts_light, dc);
		return;
	}

	tsp_km_advance(p, u);
	if (s->ts_pending_valid)
		tsp_km_resync(p, s->ts_pending_us);
	tsp_undo_mark(p);
	if (s->ts_light && !p->tp_oneshot && tsp_km_unsure(p))
		return;
	p->tp_km_busy = vmt_tsp_abs(p->tp_km_rate_us) > BUSY_US ||
	    vmt_tsp_abs(p->tp_km_pending_us) > BUSY_US;
	inflight = tsp_km_inflight_ns(p);
	back_ok = cfg->tc_allow_backward || p->tp_backward_once;
	thr_fwd = vmt_tsp_add(cfg->tc_step_ns, 0);
	if ((int64_t)cfg->tc_maxlag_us * VMT_NS_PER_US > thr_fwd)
		thr_fwd = (int64_t)cfg->tc_maxlag_us * VMT_NS_PER_US;
	if ((int64_t)s->ts_lag_us * VMT_NS_PER_US > thr_fwd)
		thr_fwd = (int64_t)s->ts_lag_us * VMT_NS_PER_US;
	b = tsp_backlog(p, x, s->ts_ilag_us);
	disturbed = p->tp_oneshot || !p->tp_ph_valid;
	d = u - p->tp_last_up_ns;
	steer = 0;

	/*
	 * Behind by more than the threshold, or by a stun's backlog: step
	 * forward, by exactly the offset.  The kernel drops the slew in
	 * flight with the step, so the step is -x, never -x less that
	 * slew: with a slew in flight larger than the lag, that would
	 * have been a step back.
	 */
	if (x < -thr_fwd || (b > 0 && x < 0)) {
		tsp_step_read(p, x, w, u, dc);
		disturbed = true;
		goto done;
	}

	if (p->tp_oneshot)
		vmt_tsp_filter_restart(p);
	v = vmt_tsp_filter_sample(p, x, w, u);
	if (v == VMT_TSP_V_REJECT) {
		dc->dc_rejects = 1;
		p->tp_rejects++;
		/* Keep the mirror's interval sum; confirm quickly. */
		dc->dc_next_ms = s->ts_light ? VMT_TSP_NEXT_KEEP :
		    tsp_schedule(p, u, FAST_MS);
		return;
	}
	if (v != VMT_TSP_V_OK)
		disturbed = true;
	xe = p->tp_ph_est_ns;
	if (back_ok && xe > tsp_back_threshold(p)) {
		/* Ahead beyond the threshold, and allowed to go back. */
		tsp_step(p, -xe, dc);
		/* The next read starts the phase again, on the new time. */
		vmt_tsp_filter_restart(p);
		disturbed = true;
	} else {
		steer = tsp_slew(p, xe, inflight, dc);
		/*
		 * What adjtime cannot take, under a us, goes through the
		 * frequency over STEER_S, while reads come often enough
		 * (the TCLO poll's) to take it back if it overshoots.
		 */
		if (disturbed || v != VMT_TSP_V_OK || d > STEER_MAXDT_NS ||
		    vmt_tsp_abs(steer) > VMT_NS_PER_US)
			steer = 0;
	}

done:
	/* Install the frequency the estimate asks for. */
	fset = vmt_tsp_clamp(vmt_tsp_add(-p->tp_freq_est,
	    vmt_tsp_muldiv(steer, VMT_TSP_FREQ_PPB, STEER_S)),
	    VMT_TSP_FREQ_MAX);
	if (fset != p->tp_freq_set) {
		dc->dc_set_freq = true;
		dc->dc_freq = fset;
		p->tp_freq_set = fset;
	}
	p->tp_oneshot = false;
	p->tp_backward_once = false;
	p->tp_km_applied_ns = 0;
	p->tp_slews += dc->dc_slews;
	p->tp_fsteps += dc->dc_fsteps;
	p->tp_bsteps += dc->dc_bsteps;

	/* Lock and schedule. */
	if (!disturbed && p->tp_ph_valid &&
	    vmt_tsp_abs(p->tp_ph_est_ns) < LOCK_NS) {
		if (++p->tp_lock_run >= LOCK_COUNT)
			p->tp_locked = true;
	} else {
		p->tp_lock_run = 0;
		p->tp_locked = false;
	}
	if (disturbed)
		p->tp_interval_ms = FAST_MS;
	else if (!s->ts_light)
		p->tp_interval_ms = vmt_tsp_filter_interval(p,
		    p->tp_interval_ms, cfg->tc_period_s * 1000U);
	if (s->ts_light && !disturbed)
		dc->dc_next_ms = VMT_TSP_NEXT_KEEP;
	else
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
	st->st_noise_ns = vmt_tsp_filter_noise(p);
	/* sqrt(q << 20) is ppb per s^1/2 << 10. */
	st->st_wander = (int64_t)vmt_tsp_isqrt((uint64_t)p->tp_q);
	st->st_asym = p->tp_asym;
	st->st_interval_ms = p->tp_interval_ms;
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
