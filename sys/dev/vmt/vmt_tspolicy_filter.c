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
 *  - the read noise R from the innovations (their variance less what
 *    the filter itself expected), once the filter has converged;
 *  - q from whether the innovations are white: blocks of BLK_N
 *    normalised innovations should sum to a variance of BLK_N; more
 *    means the filter lags the oscillator (q too small), less that it
 *    chases the noise (q too large);
 *  - where in the backdoor call the host reads its clock: a read late
 *    in the call makes the bracket's middle early by a fixed fraction of
 *    the call's length, k w, which changes with every call.  Regressing
 *    the innovations on the bracket width w measures k (a recursive
 *    least-squares fit with a prior of k = 0), and each read is
 *    corrected by it: z - k w is the offset a call of no length would
 *    show.
 *
 * Outliers.  A read whose bracket is much wider than usual (a vCPU
 * stall) is not used.  A read more than K_OUT standard deviations off
 * the prediction is set aside; it is believed only when a later one
 * confirms it: the same residual again is a jump of the host's clock
 * (the phase restarts, the frequency stays), a residual grown as a ramp
 * from the last good read is a change of rate (the frequency takes the
 * ramp's slope).  Reads off on one side by more than 3 sd, RUN_LEN times
 * in a row, are a smaller change of rate: the frequency's uncertainty
 * widens by what they imply, and the filter follows them at once.
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

#define NS_PER_US		1000LL
#define NS_PER_MS		1000000LL
#define NS_PER_S		1000000000LL
#define I64_MAX			((int64_t)0x7fffffffffffffffLL)
#define I64_MIN			(-I64_MAX - 1)
#define U64_MAX			((uint64_t)0xffffffffffffffffULL)

#define P_CAP			((int64_t)1 << 62)
#define P01_SHIFT		10
#define P11_SHIFT		20
#define FREQ_UNIT_NS		((int64_t)NS_PER_S << 32) /* ns * ppb<<32 */
#define FREQ_EST_MAX		(2 * VMT_TSP_FREQ_MAX)

/* Priors: a frequency error up to 1000 ppm, reads good to 20 us. */
#define P11_INIT		(((int64_t)1000000 * 1000000) << P11_SHIFT)
#define R_INIT			(20000LL * 20000)
/* The read is truncated to the us: no read is better than that. */
#define R_MIN			100000LL
#define R_MEM			256		/* reads behind R, at most */
#define R_PRIOR_N		8		/* ... and the prior's weight */
/* Frequency walk: 1e-9/s at first, measured between 1e-12 and 1e-6. */
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
#define WIDTH_K			4
#define WIDTH_SLACK_NS		(20LL * NS_PER_US)
#define WIDTH_SHIFT		6

/* Asymmetry: memory, and the prior's sd of k (1/4) as R / k^2. */
#define ASYM_MEM		32768
#define ASYM_PRIOR		16
#define ASYM_MAX		((int64_t)1 << 31)		/* 1/2 */

/* Full samples: intervals double from FAST_MS while the filter holds. */
#define FAST_MS			2000U

/* --- arithmetic ----------------------------------------------------- */

int64_t
vmt_tsp_abs(int64_t v)
{

	if (v == I64_MIN)
		return I64_MAX;
	return v < 0 ? -v : v;
}

int64_t
vmt_tsp_add(int64_t a, int64_t b)
{

	if (b > 0 && a > I64_MAX - b)
		return I64_MAX;
	if (b < 0 && a < I64_MIN - b)
		return I64_MIN;
	return a + b;
}

int64_t
vmt_tsp_sub(int64_t a, int64_t b)
{

	if (b < 0 && a > I64_MAX + b)
		return I64_MAX;
	if (b > 0 && a < I64_MIN + b)
		return I64_MIN;
	return a - b;
}

int64_t
vmt_tsp_clamp(int64_t v, int64_t lim)
{

	if (v > lim)
		return lim;
	if (v < -lim)
		return -lim;
	return v;
}

/*
 * a * b / c for unsigned a, b and c > 0, truncated, saturating at
 * U64_MAX; a 128-bit product and long division when the product does
 * not fit, so that fixed-point ratios keep full precision without
 * __int128 or libgcc.
 */
static uint64_t
tsp_umuldiv(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t a0 = a & 0xffffffffU, a1 = a >> 32;
	uint64_t b0 = b & 0xffffffffU, b1 = b >> 32;
	uint64_t p00, p01, p10, p11, mid, lo, hi, q, r, top;
	int i;

	if (a1 == 0 && b1 == 0)
		return a0 * b0 / c;
	p00 = a0 * b0;
	p01 = a0 * b1;
	p10 = a1 * b0;
	p11 = a1 * b1;
	mid = (p00 >> 32) + (p01 & 0xffffffffU) + (p10 & 0xffffffffU);
	lo = (p00 & 0xffffffffU) | (mid << 32);
	hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
	if (hi == 0)
		return lo / c;
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
int64_t
vmt_tsp_muldiv(int64_t a, int64_t b, int64_t c)
{
	uint64_t ua, ub, q;
	bool neg;

	if (c <= 0)
		c = 1;
	neg = (a < 0) != (b < 0);
	ua = a < 0 ? (uint64_t)0 - (uint64_t)a : (uint64_t)a;
	ub = b < 0 ? (uint64_t)0 - (uint64_t)b : (uint64_t)b;
	q = tsp_umuldiv(ua, ub, (uint64_t)c);
	if (q > (uint64_t)I64_MAX)
		q = (uint64_t)I64_MAX;
	return neg ? -(int64_t)q : (int64_t)q;
}

/* floor(sqrt(v)), by Newton's iteration from above. */
uint64_t
vmt_tsp_isqrt(uint64_t v)
{
	uint64_t x, y;

	if (v < 2)
		return v;
	x = v;
	y = (x >> 1) + 1;
	if (v >= ((uint64_t)1 << 62))
		x = (uint64_t)1 << 32;
	else
		x = y < ((uint64_t)1 << 32) ? y : (uint64_t)1 << 32;
	for (;;) {
		y = (x + v / x) >> 1;
		if (y >= x)
			break;
		x = y;
	}
	while (x * x > v)
		x--;
	return x;
}

static int64_t
tsp_cap(int64_t v)
{

	if (v > P_CAP)
		return P_CAP;
	if (v < -P_CAP)
		return -P_CAP;
	return v;
}

static int64_t
tsp_sq(int64_t v)
{

	return vmt_tsp_muldiv(v, v, 1);
}

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
	p->tp_r = R_INIT;
	p->tp_rn = 0;
	p->tp_q = Q_INIT;
	p->tp_width_ns = 0;
	p->tp_asym = 0;
	p->tp_asym_ww = 0;
	p->tp_blk_ms = BLK_ONE;
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

	return (int64_t)vmt_tsp_isqrt((uint64_t)p->tp_r);
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
	p11d = vmt_tsp_muldiv(p->tp_p11, d, NS_PER_S);	/* ppb^2 s << 20 */
	qd = vmt_tsp_muldiv(p->tp_q, d, NS_PER_S);	/* ppb^2 << 20 */
	qdd = vmt_tsp_muldiv(qd, d, NS_PER_S);		/* ppb^2 s << 20 */
	t1 = vmt_tsp_muldiv(p->tp_p01, 2 * (d < I64_MAX / 2 ? d : I64_MAX / 2),
	    NS_PER_S << P01_SHIFT);
	t2 = vmt_tsp_muldiv(p11d, d, NS_PER_S << P11_SHIFT);
	t3 = vmt_tsp_muldiv(qdd, d, (3 * NS_PER_S) << P11_SHIFT);
	c->c00 = tsp_cap(vmt_tsp_add(vmt_tsp_add(c->c00, t1),
	    vmt_tsp_add(t2, t3)));
	if (c->c00 < 1)
		c->c00 = 1;
	c->c01 = tsp_cap(vmt_tsp_add(c->c01, vmt_tsp_add(
	    p11d / ((int64_t)1 << (P11_SHIFT - P01_SHIFT)),
	    qdd / ((int64_t)2 << (P11_SHIFT - P01_SHIFT)))));
	c->c11 = tsp_cap(vmt_tsp_add(c->c11, qd));
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
	    FREQ_UNIT_NS);
	return vmt_tsp_add(vmt_tsp_add(p->tp_ph_est_ns, p->tp_km_applied_ns),
	    drift);
}

/* The read's offset as a call of no length would have shown it. */
static int64_t
tsp_unbias(const struct vmt_tspolicy *p, int64_t z, int64_t w)
{

	return vmt_tsp_sub(z, vmt_tsp_muldiv(p->tp_asym, w, (int64_t)1 << 32));
}

/* The phase (re)starts from the read zc. */
static void
tsp_phase_start(struct vmt_tspolicy *p, int64_t zc, int64_t u)
{

	p->tp_ph_valid = true;
	p->tp_ph_est_ns = vmt_tsp_clamp(zc, VMT_TSP_OFFSET_MAX);
	p->tp_last_up_ns = u;
	p->tp_p00 = p->tp_r;
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
	if (since < NS_PER_MS)
		since = NS_PER_MS;
	df = vmt_tsp_muldiv(2 * vmt_tsp_clamp(nu, I64_MAX / 4),
	    NS_PER_S << P01_SHIFT, since);		/* ppb << 10 */
	c->c11 = tsp_cap(vmt_tsp_add(c->c11, tsp_sq(df)));
	c->c00 = tsp_cap(vmt_tsp_add(c->c00, tsp_sq(nu)));
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

/* Measure the read noise and the call's asymmetry from an innovation. */
static void
tsp_track_noise(struct vmt_tspolicy *p, int64_t nu, int64_t w,
    const struct tsp_cov *c, int64_t s)
{
	int64_t e2, wc, den, n;

	e2 = tsp_sq(nu);
	if (e2 > 25 * (s < P_CAP / 25 ? s : P_CAP / 25))
		e2 = 25 * s;
	/* Unbiased, so possibly below 0: the average is clamped. */
	e2 -= c->c00;
	n = p->tp_rn + R_PRIOR_N < R_MEM ? p->tp_rn + R_PRIOR_N : R_MEM;
	p->tp_r += (e2 - p->tp_r) / n;
	if (p->tp_r < R_MIN)
		p->tp_r = R_MIN;
	p->tp_rn++;

	/* Recursive least squares of nu on the width's deviation. */
	wc = w - p->tp_width_ns;
	p->tp_asym_ww += tsp_sq(wc) - p->tp_asym_ww / ASYM_MEM;
	if (p->tp_asym_ww > P_CAP)
		p->tp_asym_ww = P_CAP;
	den = vmt_tsp_add(p->tp_asym_ww, ASYM_PRIOR * p->tp_r);
	p->tp_asym = vmt_tsp_clamp(vmt_tsp_add(p->tp_asym,
	    vmt_tsp_muldiv(vmt_tsp_muldiv(nu, wc, 1), (int64_t)1 << 32, den)),
	    ASYM_MAX);
}

/* The typical bracket: clipped, so that a stall does not move it. */
static void
tsp_track_width(struct vmt_tspolicy *p, int64_t w)
{

	if (p->tp_width_ns == 0) {
		p->tp_width_ns = w > 0 ? w : 1;
		return;
	}
	if (w > WIDTH_K * p->tp_width_ns)
		w = WIDTH_K * p->tp_width_ns;
	p->tp_width_ns += (w - p->tp_width_ns) / (1 << WIDTH_SHIFT);
	if (p->tp_width_ns < 1)
		p->tp_width_ns = 1;
}

/*
 * Reads set aside earlier and this one (residual r at u), all against
 * the same prediction: do they tell one story?  The same residual twice
 * is a jump; a residual grown in proportion since the last good read, a
 * change of rate; three in a line, a jump with a change of rate (a
 * stun that moved the VM to another host).  *dyp gets the change of
 * rate, ppb << 32, or 0.
 */
static bool
tsp_confirms(const struct vmt_tspolicy *p, int64_t r, int64_t u,
    int64_t tol, int64_t *dyp)
{
	int64_t r1, u1, r0, u0, du, d1, dr, line;

	*dyp = 0;
	if (p->tp_sus_n == 0)
		return false;
	r1 = p->tp_sus_resid_ns[1];
	u1 = p->tp_sus_up_ns[1];
	du = u - u1;
	dr = vmt_tsp_sub(r, r1);
	if (vmt_tsp_abs(dr) <= tol)
		return true;
	if (du < NS_PER_MS)
		return false;
	if (p->tp_sus_n >= 2) {
		r0 = p->tp_sus_resid_ns[0];
		u0 = p->tp_sus_up_ns[0];
		line = vmt_tsp_add(r1, vmt_tsp_muldiv(vmt_tsp_sub(r1, r0), du,
		    u1 - u0 > 0 ? u1 - u0 : 1));
		if (u1 - u0 >= NS_PER_MS &&
		    vmt_tsp_abs(vmt_tsp_sub(r, line)) <= 2 * tol) {
			*dyp = vmt_tsp_muldiv(dr, FREQ_UNIT_NS, du);
			return true;
		}
	}
	/* A ramp through both that started after the last good read. */
	d1 = u1 - p->tp_last_up_ns;
	if ((r1 < 0) != (r < 0) || vmt_tsp_abs(r) <= vmt_tsp_abs(r1) ||
	    vmt_tsp_muldiv(vmt_tsp_abs(r1), du, NS_PER_S) >
	    vmt_tsp_muldiv(vmt_tsp_abs(dr), d1 + du / 2, NS_PER_S))
		return false;
	*dyp = vmt_tsp_muldiv(dr, FREQ_UNIT_NS, du);
	return true;
}

/* A confirmed jump (and change of rate dy): restart from this read. */
static void
tsp_jump(struct vmt_tspolicy *p, int64_t zc, int64_t u, int64_t dy)
{
	int64_t du, v;

	if (dy != 0) {
		p->tp_freq_est = vmt_tsp_clamp(vmt_tsp_add(p->tp_freq_est, dy),
		    FREQ_EST_MAX);
		/* Known to two reads' noise over their distance, or so. */
		du = u - p->tp_sus_up_ns[1];
		if (du < NS_PER_MS)
			du = NS_PER_MS;
		v = vmt_tsp_muldiv(vmt_tsp_muldiv(4 * p->tp_r,
		    NS_PER_S << P11_SHIFT, du), NS_PER_S, du);
		p->tp_p11 = tsp_cap(vmt_tsp_add(p->tp_p11, v));
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
	int64_t d, zc, pred, nu, s, sd, k0, dy;
	bool wide, far;

	zc = tsp_unbias(p, z, w);
	if (!p->tp_ph_valid || u < p->tp_last_up_ns) {
		tsp_phase_start(p, zc, u);
		tsp_track_width(p, w);
		return VMT_TSP_V_FIRST;
	}
	d = u - p->tp_last_up_ns;
	tsp_cov_predict(p, d, &c);
	pred = tsp_predict(p, d);
	nu = vmt_tsp_sub(zc, pred);
	s = vmt_tsp_add(c.c00, p->tp_r);
	sd = (int64_t)vmt_tsp_isqrt((uint64_t)s);

	wide = p->tp_width_ns > 0 &&
	    w > WIDTH_K * p->tp_width_ns + WIDTH_SLACK_NS;
	far = vmt_tsp_abs(nu) > K_OUT * sd;
	if (wide) {
		/* A stall hides where the host read: not evidence. */
		tsp_track_width(p, w);
		p->tp_rej_run++;
		return VMT_TSP_V_REJECT;
	}
	if (far) {
		if (tsp_confirms(p, nu, u, K_AGREE * (int64_t)vmt_tsp_isqrt(
		    (uint64_t)vmt_tsp_add(2 * p->tp_r, 2 * c.c00)), &dy)) {
			tsp_jump(p, zc, u, dy);
			return VMT_TSP_V_JUMP;
		}
		if (++p->tp_rej_run >= REJECT_MAX) {
			/* Never confirmed, never ending: more noise. */
			p->tp_r = tsp_cap(4 * p->tp_r);
			p->tp_rn = 0;
			p->tp_rej_run = 0;
		}
		tsp_suspect(p, nu, u);
		return VMT_TSP_V_REJECT;
	}
	p->tp_sus_n = 0;
	p->tp_rej_run = 0;

	tsp_track_run(p, nu, sd, u, &c);
	if (c.c00 <= p->tp_r) {
		tsp_track_noise(p, nu, w, &c, s);
		tsp_track_white(p, nu, sd);
	}
	tsp_track_width(p, w);
	s = vmt_tsp_add(c.c00, p->tp_r);

	/* The update. */
	k0 = vmt_tsp_muldiv(nu, c.c00, s);
	p->tp_ph_est_ns = vmt_tsp_clamp(vmt_tsp_add(pred, k0),
	    VMT_TSP_OFFSET_MAX);
	dy = vmt_tsp_muldiv(nu, c.c01, s);		/* ppb << 10 */
	p->tp_freq_est = vmt_tsp_clamp(vmt_tsp_add(p->tp_freq_est,
	    vmt_tsp_muldiv(dy, (int64_t)1 << (32 - P01_SHIFT), 1)),
	    FREQ_EST_MAX);
	c.c11 = vmt_tsp_sub(c.c11, vmt_tsp_muldiv(c.c01, c.c01, s));
	c.c00 = vmt_tsp_muldiv(c.c00, p->tp_r, s);
	c.c01 = vmt_tsp_muldiv(c.c01, p->tp_r, s);
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
	lim = vmt_tsp_add(p->tp_p00, p->tp_r);
	for (t = (int64_t)cur_ms * 2; t > FAST_MS; t /= 2) {
		if (t > (int64_t)period_ms)
			continue;
		tsp_cov_predict(p, t * NS_PER_MS, &c);
		if (c.c00 <= lim)
			return (uint32_t)t;
	}
	return FAST_MS < period_ms ? FAST_MS : period_ms;
}
