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
 * vmt(4) time synchronisation: the estimator behind the policy
 * (vmt_tspolicy.h).  Integer arithmetic only.
 *
 * Let z be the measured offset (guest - host) at uptime u.  The
 * policy's mirror of the kernel knows A, what the installed frequency
 * correction and the adjtime slew added to the offset since the last
 * sample; the oscillator adds y per second of its own time.  So
 *
 *	z(u + d) = z(u) + A + y (d - A) + noise
 *
 * and a Kalman filter estimates the offset x and the oscillator error y
 * from that, with y doing a random walk of variance q per second.
 * Nothing about the noise is assumed; it is measured:
 *
 *  - what each read is worth, and where in the call the host reads its
 *    clock, by vmt_tspolicy_noise.c, independently of this filter;
 *  - q from whether the innovations are white: blocks of BLK_N
 *    normalised innovations should sum to a variance of BLK_N; more
 *    means the filter lags the oscillator (q too small), less that it
 *    chases the noise (q too large); and a run (below) doubles it.
 *
 * Outliers.  A read whose bracket is much wider than usual (a vCPU
 * stall) is not used.  A read more than K_OUT standard deviations off
 * the prediction is set aside; it is believed only when a later one
 * confirms it: the same residual again is a jump of the host's clock
 * (the phase restarts, the frequency stays), a residual grown as a ramp
 * from the last good read is a change of rate (the frequency takes the
 * ramp's slope).  Reads off on one side by more than 3 sd, RUN_LEN times
 * in a row, are a smaller change of rate: the frequency's uncertainty
 * widens by what they imply, and the filter follows them at once; if
 * that uncertainty did not allow for them, the oscillator moves more
 * than q said, and q doubles.
 * REJECT_MAX reads in a row set aside and never confirmed mean that the
 * noise is larger than measured: R grows, and the read is used.  The
 * frequency is never relearned from scratch.
 *
 * Units: P00 ns^2, P01 ns ppb << 10, P11 ppb^2 << 20, q ppb^2/s << 20;
 * ppb is ns per s.  Every product goes through 128-bit vmt_tsp_muldiv()
 * and saturates; variances are capped at 2^62.
 */

#include <sys/cdefs.h>
#ifdef _KERNEL		/* the policy tests build it in userland too */
__KERNEL_RCSID(0, "$NetBSD$");
#endif

#include <sys/types.h>

#include <dev/vmt/vmt_tspolicy.h>

#define P_CAP			VMT_TSP_P_CAP
#define P01_SHIFT		10
#define P11_SHIFT		20
#define FREQ_EST_MAX		(2 * VMT_TSP_FREQ_MAX)

/* The prior: a frequency error up to 1000 ppm. */
#define P11_INIT		(((int64_t)1000000 * 1000000) << P11_SHIFT)
/*
 * Frequency walk: measured between 1e-12/s and 1e-6/s, from 1e-9/s, the
 * quietest of quartz (a walk too small is found out within seconds by
 * the runs, one too large only over many blocks of innovations; lower
 * starts cost the noisy hosts more than they gain the quiet ones).
 */
#define Q_INIT			((int64_t)1 << P11_SHIFT)
#define Q_MIN			1LL
#define Q_MAX			((int64_t)1000000 << P11_SHIFT)

/* Whiteness blocks: BLK_N innovations, averaged over BLK_AVG blocks. */
#define BLK_N			32
#define BLK_AVG			8
#define BLK_ONE			65536LL
#define BLK_HI			(BLK_ONE * 8 / 5)	/* 1.6 */
#define BLK_LO			(BLK_ONE * 3 / 5)	/* 0.6 */

/* Outliers, runs and jumps. */
#define K_OUT			5	/* sd beyond which a read is suspect */
#define K_RUN			3	/* sd of a run's reads */
#define RUN_LEN			3
#define K_AGREE			6	/* sd within which suspects agree */
#define REJECT_MAX		8
/* A jump may come with a change of rate of about this much. */
#define JUMP_FREQ_VAR		(((int64_t)50000 * 50000) << P11_SHIFT)

/* Full samples: intervals double from FAST_MS while the filter holds. */
#define FAST_MS			2000U

static void	tsp_phase_start(struct vmt_tspolicy *, int64_t, int64_t);

/* --- state -------------------------------------------------------- */

void
vmt_tsp_filter_restart(struct vmt_tspolicy *p)
{

	p->tp_ph_valid = false;
	p->tp_sus_n = 0;
	p->tp_rej_run = 0;
	p->tp_run_len = 0;
	p->tp_blk_sum = 0;
	p->tp_blk_n = 0;
	vmt_tsp_noise_restart(p);
}

void
vmt_tsp_filter_init(struct vmt_tspolicy *p, int64_t freq)
{

	vmt_tsp_filter_restart(p);
	p->tp_ph_est_ns = 0;
	p->tp_last_up_ns = 0;
	p->tp_freq_est = vmt_tsp_clamp(freq, FREQ_EST_MAX);
	p->tp_freq_base_ns = 0;
	p->tp_p00 = P_CAP;
	p->tp_p01 = 0;
	p->tp_p11 = P11_INIT;
	p->tp_q = Q_INIT;
	p->tp_blk_ms = BLK_ONE;
	vmt_tsp_noise_init(p);
	p->tp_lag_valid = false;
	p->tp_lag_base_us = 0;
}

/* A new oscillator: its error is unknown, the call's shape is not. */
void
vmt_tsp_filter_new_counter(struct vmt_tspolicy *p)
{

	p->tp_freq_est = 0;
	p->tp_freq_base_ns = 0;
	p->tp_p01 = 0;
	p->tp_p11 = P11_INIT;
	p->tp_q = Q_INIT;
	p->tp_blk_ms = BLK_ONE;
	p->tp_blk_sum = 0;
	p->tp_blk_n = 0;
	p->tp_run_len = 0;
}

/*
 * The clock was stepped over a discontinuity (a stun, a resume, a
 * jump) onto the read that showed it (bracket w, at uptime u), which
 * left zc: the phase starts again from there, as good as that read,
 * and the rate may have changed with it (another host) by about
 * JUMP_FREQ_VAR's sd: the next read teaches it.
 */
void
vmt_tsp_filter_discontinuity(struct vmt_tspolicy *p, int64_t zc, int64_t w,
    int64_t u)
{

	vmt_tsp_filter_restart(p);
	tsp_phase_start(p, zc, u);
	p->tp_p00 = vmt_tsp_noise_var(p, w);
	p->tp_p11 = vmt_tsp_cap(vmt_tsp_add(p->tp_p11, JUMP_FREQ_VAR));
}

/* The clock was stepped by st ns after the estimate was made. */
void
vmt_tsp_filter_stepped(struct vmt_tspolicy *p, int64_t st)
{

	if (p->tp_ph_valid)
		p->tp_ph_est_ns = vmt_tsp_clamp(vmt_tsp_add(p->tp_ph_est_ns,
		    st), VMT_TSP_OFFSET_MAX);
}

/* The read noise measured, as a standard deviation, ns. */
int64_t
vmt_tsp_filter_noise(const struct vmt_tspolicy *p)
{

	return (int64_t)vmt_tsp_isqrt((uint64_t)vmt_tsp_noise_var(p,
	    p->tp_width_ns));
}

/* --- the Kalman filter ---------------------------------------------- */

struct tsp_cov {
	int64_t	c00, c01, c11;
};

/*
 * Covariance d ns of uptime after the last sample: the state moves
 * x += y d, and y walks with variance q per second.
 */
static void
tsp_cov_predict(const struct vmt_tspolicy *p, int64_t d, struct tsp_cov *c)
{
	int64_t t1, t2, t3, qd, qdd, p11d;

	c->c00 = p->tp_p00;
	c->c01 = p->tp_p01;
	c->c11 = p->tp_p11;
	if (d <= 0)
		return;
	/* y d and the walk's terms, in the units of each element. */
	p11d = vmt_tsp_muldiv(p->tp_p11, d, VMT_NS_PER_S); /* ppb^2 s << 20 */
	qd = vmt_tsp_muldiv(p->tp_q, d, VMT_NS_PER_S);	   /* ppb^2 << 20 */
	qdd = vmt_tsp_muldiv(qd, d, VMT_NS_PER_S);	   /* ppb^2 s << 20 */
	t1 = vmt_tsp_muldiv(p->tp_p01,
	    2 * (d < INT64_MAX / 2 ? d : INT64_MAX / 2),
	    VMT_NS_PER_S << P01_SHIFT);
	t2 = vmt_tsp_muldiv(p11d, d, VMT_NS_PER_S << P11_SHIFT);
	t3 = vmt_tsp_muldiv(qdd, d, (3 * VMT_NS_PER_S) << P11_SHIFT);
	c->c00 = vmt_tsp_cap(vmt_tsp_add(vmt_tsp_add(c->c00, t1),
	    vmt_tsp_add(t2, t3)));
	if (c->c00 < 1)
		c->c00 = 1;
	c->c01 = vmt_tsp_cap(vmt_tsp_add(c->c01, vmt_tsp_add(
	    p11d / ((int64_t)1 << (P11_SHIFT - P01_SHIFT)),
	    qdd / ((int64_t)2 << (P11_SHIFT - P01_SHIFT)))));
	c->c11 = vmt_tsp_cap(vmt_tsp_add(c->c11, qd));
}

/* Keep the covariance a covariance: |c01| <= sqrt(c00 c11). */
static void
tsp_cov_fix(struct tsp_cov *c)
{
	int64_t lim;

	if (c->c00 < 1)
		c->c00 = 1;
	if (c->c11 < 1)
		c->c11 = 1;
	/* c01 << 10 against sqrt(c00) sqrt(c11 << 20): the units agree. */
	lim = (int64_t)(vmt_tsp_isqrt((uint64_t)c->c00) *
	    vmt_tsp_isqrt((uint64_t)c->c11));
	if (lim < 1)
		lim = 1;
	c->c01 = vmt_tsp_clamp(c->c01, lim);
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

	b = vmt_tsp_sub(d, p->tp_km_applied_ns);
	return b > 0 ? b : 0;
}

/* Offset predicted d ns after the last accepted sample. */
static int64_t
tsp_predict(const struct vmt_tspolicy *p, int64_t d)
{
	int64_t drift;

	drift = vmt_tsp_muldiv(p->tp_freq_est, tsp_drift_base(p, d),
	    VMT_TSP_FREQ_UNIT_NS);
	return vmt_tsp_add(vmt_tsp_add(p->tp_ph_est_ns, p->tp_km_applied_ns),
	    drift);
}

/* The phase (re)starts from the read zc. */
static void
tsp_phase_start(struct vmt_tspolicy *p, int64_t zc, int64_t u)
{

	vmt_tsp_noise_restart(p);
	p->tp_ph_valid = true;
	p->tp_ph_est_ns = vmt_tsp_clamp(zc, VMT_TSP_OFFSET_MAX);
	p->tp_last_up_ns = u;
	p->tp_p00 = vmt_tsp_noise_var(p, 0);
	p->tp_p01 = 0;
	p->tp_sus_n = 0;
	p->tp_rej_run = 0;
	p->tp_run_len = 0;
}

/*
 * Innovations on one side: the rate changed by less than an outlier
 * shows.  Widen the frequency's uncertainty by twice the rate that
 * would explain nu since the run began, and the offset's by nu.
 */
static void
tsp_track_run(struct vmt_tspolicy *p, int64_t nu, int64_t sd, int64_t u,
    struct tsp_cov *c)
{
	int sign = nu < 0 ? -1 : 1;
	int64_t since, df;

	if (vmt_tsp_abs(nu) <= K_RUN * sd) {
		p->tp_run_len = 0;
		return;
	}
	if (p->tp_run_len > 0 && sign == p->tp_run_sign)
		p->tp_run_len++;
	else {
		p->tp_run_sign = sign;
		p->tp_run_len = 1;
		p->tp_run_up_ns = p->tp_last_up_ns;
	}
	if (p->tp_run_len < RUN_LEN)
		return;
	since = u - p->tp_run_up_ns;
	if (since < VMT_NS_PER_MS)
		since = VMT_NS_PER_MS;
	df = vmt_tsp_muldiv(2 * vmt_tsp_clamp(nu, INT64_MAX / 4),
	    VMT_NS_PER_S << P01_SHIFT, since);		/* ppb << 10 */
	/* A change the frequency's uncertainty did not allow for: q too. */
	if (vmt_tsp_sq(df) > vmt_tsp_muldiv(c->c11, 4, 1))
		p->tp_q = p->tp_q > Q_MAX / 2 ? Q_MAX : 2 * p->tp_q;
	c->c11 = vmt_tsp_cap(vmt_tsp_add(c->c11, vmt_tsp_sq(df)));
	c->c00 = vmt_tsp_cap(vmt_tsp_add(c->c00, vmt_tsp_sq(nu)));
	p->tp_run_len = 0;
}

/* Are the innovations white?  Adjust q by what the blocks say. */
static void
tsp_track_white(struct vmt_tspolicy *p, int64_t nu, int64_t sd)
{
	int64_t e, m2;

	e = vmt_tsp_clamp(vmt_tsp_muldiv(nu, BLK_ONE, sd), 8 * BLK_ONE);
	p->tp_blk_sum += e;
	if (++p->tp_blk_n < BLK_N)
		return;
	m2 = (p->tp_blk_sum * p->tp_blk_sum / BLK_ONE) / BLK_N;
	p->tp_blk_sum = 0;
	p->tp_blk_n = 0;
	p->tp_blk_ms += (m2 - p->tp_blk_ms) / BLK_AVG;
	if (p->tp_blk_ms > BLK_HI) {
		p->tp_q = p->tp_q > Q_MAX / 3 * 2 ? Q_MAX : p->tp_q * 3 / 2;
		p->tp_blk_ms = BLK_ONE;
	} else if (p->tp_blk_ms < BLK_LO) {
		p->tp_q = p->tp_q * 2 / 3;
		if (p->tp_q < Q_MIN)
			p->tp_q = Q_MIN;
		p->tp_blk_ms = BLK_ONE;
	}
}

/*
 * Reads set aside earlier and this one (residual r at u), all against
 * the same prediction: do they tell one story?  The same residual twice
 * is a jump (TSP_JUMP); a residual grown in proportion since the last
 * good read a change of rate, three in a line a jump with a change of
 * rate (TSP_TURN, with the change in *dyp, ppb << 32).
 */
#define TSP_NONE	0
#define TSP_JUMP	1
#define TSP_TURN	2
static int
tsp_confirms(const struct vmt_tspolicy *p, int64_t r, int64_t u,
    int64_t tol, int64_t *dyp)
{
	int64_t r1, u1, r0, u0, du, d1, dr, line;

	*dyp = 0;
	if (p->tp_sus_n == 0)
		return TSP_NONE;
	r1 = p->tp_sus_resid_ns[1];
	u1 = p->tp_sus_up_ns[1];
	du = u - u1;
	dr = vmt_tsp_sub(r, r1);
	if (vmt_tsp_abs(dr) <= tol)
		return TSP_JUMP;
	if (du < VMT_NS_PER_MS)
		return TSP_NONE;
	*dyp = vmt_tsp_muldiv(dr, VMT_TSP_FREQ_UNIT_NS, du);
	if (p->tp_sus_n >= 2) {
		r0 = p->tp_sus_resid_ns[0];
		u0 = p->tp_sus_up_ns[0];
		line = vmt_tsp_add(r1, vmt_tsp_muldiv(vmt_tsp_sub(r1, r0), du,
		    u1 - u0 > 0 ? u1 - u0 : 1));
		if (u1 - u0 >= VMT_NS_PER_MS &&
		    vmt_tsp_abs(vmt_tsp_sub(r, line)) <= 2 * tol)
			return TSP_TURN;
	}
	/* A ramp through both that started after the last good read. */
	d1 = u1 - p->tp_last_up_ns;
	if ((r1 < 0) != (r < 0) || vmt_tsp_abs(r) <= vmt_tsp_abs(r1) ||
	    vmt_tsp_muldiv(vmt_tsp_abs(r1), du, VMT_NS_PER_S) >
	    vmt_tsp_muldiv(vmt_tsp_abs(dr), d1 + du / 2, VMT_NS_PER_S))
		return TSP_NONE;
	return TSP_TURN;
}

/*
 * A confirmed jump (residual r at u; how, from tsp_confirms()): restart
 * from this read.  A turn sets the new rate, known to two reads' noise
 * over their distance.  A jump may have come with a change of rate (a
 * stun that moved the VM to another host): the reads' slope counts,
 * against a change of JUMP_FREQ_SD, for what it is worth.
 */
static void
tsp_jump(struct vmt_tspolicy *p, int64_t zc, int64_t r, int64_t u, int how,
    int64_t dy)
{
	int64_t du, pm, k, slope;

	du = u - p->tp_sus_up_ns[1];
	if (du < VMT_NS_PER_MS)
		du = VMT_NS_PER_MS;
	pm = vmt_tsp_cap(vmt_tsp_muldiv(vmt_tsp_muldiv(vmt_tsp_noise_var(p, 0),
	    (2 * VMT_NS_PER_S) << P11_SHIFT, du), VMT_NS_PER_S, du));
	if (how == TSP_TURN) {
		p->tp_freq_est = vmt_tsp_clamp(vmt_tsp_add(p->tp_freq_est, dy),
		    FREQ_EST_MAX);
		p->tp_p11 = vmt_tsp_cap(vmt_tsp_add(p->tp_p11,
		    vmt_tsp_add(pm, pm)));
	} else {
		slope = vmt_tsp_muldiv(vmt_tsp_sub(r, p->tp_sus_resid_ns[1]),
		    VMT_TSP_FREQ_UNIT_NS, du);
		k = vmt_tsp_muldiv(JUMP_FREQ_VAR, BLK_ONE,
		    vmt_tsp_add(JUMP_FREQ_VAR, pm));
		p->tp_freq_est = vmt_tsp_clamp(vmt_tsp_add(p->tp_freq_est,
		    vmt_tsp_muldiv(slope, k, BLK_ONE)), FREQ_EST_MAX);
		p->tp_p11 = vmt_tsp_cap(vmt_tsp_add(p->tp_p11,
		    vmt_tsp_muldiv(JUMP_FREQ_VAR, pm,
		    vmt_tsp_add(JUMP_FREQ_VAR, pm))));
	}
	tsp_phase_start(p, zc, u);
}

/* Set the read aside, keeping the one before it. */
static void
tsp_suspect(struct vmt_tspolicy *p, int64_t r, int64_t u)
{

	if (p->tp_sus_n > 0) {
		p->tp_sus_resid_ns[0] = p->tp_sus_resid_ns[1];
		p->tp_sus_up_ns[0] = p->tp_sus_up_ns[1];
	}
	if (p->tp_sus_n < 2)
		p->tp_sus_n++;
	p->tp_sus_resid_ns[1] = r;
	p->tp_sus_up_ns[1] = u;
}

/*
 * Fold the read z (bracket w, at uptime u) into the estimate.  The
 * caller has advanced the kernel mirror to u (tp_km_applied_ns).
 */
enum vmt_tsp_verdict
vmt_tsp_filter_sample(struct vmt_tspolicy *p, int64_t z, int64_t w, int64_t u)
{
	struct tsp_cov c;
	int64_t d, zc, pred, nu, r, s, sd, k0, dy;
	int how;

	zc = vmt_tsp_noise_unbias(p, z, w);
	if (!p->tp_ph_valid || u < p->tp_last_up_ns) {
		tsp_phase_start(p, zc, u);
		vmt_tsp_noise_read(p, z, w, u, 0, 0, P_CAP);
		return VMT_TSP_V_FIRST;
	}
	d = u - p->tp_last_up_ns;
	tsp_cov_predict(p, d, &c);
	pred = tsp_predict(p, d);
	nu = vmt_tsp_sub(zc, pred);
	r = vmt_tsp_noise_var(p, w);
	s = vmt_tsp_add(c.c00, r);
	sd = (int64_t)vmt_tsp_isqrt((uint64_t)s);

	if (vmt_tsp_noise_wide(p, w)) {
		/* A stall hides where the host read: not evidence. */
		vmt_tsp_noise_width(p, w);
		p->tp_rej_run++;
		return VMT_TSP_V_REJECT;
	}
	if (vmt_tsp_abs(nu) > K_OUT * sd) {
		how = tsp_confirms(p, nu, u, K_AGREE * (int64_t)vmt_tsp_isqrt(
		    (uint64_t)vmt_tsp_muldiv(vmt_tsp_add(r, c.c00), 2, 1)),
		    &dy);
		if (how != TSP_NONE) {
			tsp_jump(p, zc, nu, u, how, dy);
			vmt_tsp_noise_read(p, z, w, u, 0, 0, P_CAP);
			return VMT_TSP_V_JUMP;
		}
		if (++p->tp_rej_run >= REJECT_MAX) {
			/* Never confirmed, never ending: more noise. */
			vmt_tsp_noise_more(p);
			p->tp_rej_run = 0;
		}
		tsp_suspect(p, nu, u);
		return VMT_TSP_V_REJECT;
	}
	p->tp_sus_n = 0;
	p->tp_rej_run = 0;

	tsp_track_run(p, nu, sd, u, &c);
	if (c.c00 <= r)
		tsp_track_white(p, nu, sd);
	vmt_tsp_noise_read(p, z, w, u, p->tp_km_applied_ns, nu, c.c00);
	s = vmt_tsp_add(c.c00, r);

	/* The update. */
	k0 = vmt_tsp_muldiv(nu, c.c00, s);
	p->tp_ph_est_ns = vmt_tsp_clamp(vmt_tsp_add(pred, k0),
	    VMT_TSP_OFFSET_MAX);
	dy = vmt_tsp_muldiv(nu, c.c01, s);		/* ppb << 10 */
	p->tp_freq_est = vmt_tsp_clamp(vmt_tsp_add(p->tp_freq_est,
	    vmt_tsp_muldiv(dy, (int64_t)1 << (32 - P01_SHIFT), 1)),
	    FREQ_EST_MAX);
	c.c11 = vmt_tsp_sub(c.c11, vmt_tsp_muldiv(c.c01, c.c01, s));
	c.c00 = vmt_tsp_muldiv(c.c00, r, s);
	c.c01 = vmt_tsp_muldiv(c.c01, r, s);
	tsp_cov_fix(&c);
	p->tp_p00 = c.c00;
	p->tp_p01 = c.c01;
	p->tp_p11 = c.c11;
	p->tp_last_up_ns = u;
	p->tp_freq_base_ns = vmt_tsp_add(p->tp_freq_base_ns, d);
	return VMT_TSP_V_OK;
}

/*
 * The interval to the next full sample, ms: doubled from cur while the
 * offset predicted that far ahead stays within a read's noise of what
 * is known now, as chrony lengthens its polling while its estimate
 * holds; at least FAST_MS, at most period_ms.
 */
uint32_t
vmt_tsp_filter_interval(const struct vmt_tspolicy *p, uint32_t cur_ms,
    uint32_t period_ms)
{
	struct tsp_cov c;
	int64_t t, lim;

	if (!p->tp_ph_valid)
		return FAST_MS;
	lim = vmt_tsp_add(p->tp_p00, vmt_tsp_noise_var(p, p->tp_width_ns));
	for (t = (int64_t)cur_ms * 2; t > FAST_MS; t /= 2) {
		if (t > (int64_t)period_ms)
			continue;
		tsp_cov_predict(p, t * VMT_NS_PER_MS, &c);
		if (c.c00 <= lim)
			return (uint32_t)t;
	}
	return FAST_MS < period_ms ? FAST_MS : period_ms;
}
