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
 * vmt(4) time synchronisation: what a host read is worth, measured
 * (for the estimator, vmt_tspolicy_filter.c), and the saturating
 * fixed-point arithmetic the policy is written in.
 *
 * The read noise.  Three reads close together (over at most
 * TRIPLE_SPAN_NS), with the corrections the kernel made between them
 * taken out (open-loop terms), lie on a line but for their noise: the
 * middle one's distance e from the line through the other two has
 * variance R1 + a^2 R0 + b^2 R2, a and b the outer reads' weights in
 * the line.  That measures the noise whatever the filter makes of the
 * reads, even while it lags the oscillator (which the innovations
 * would take for noise, and then lag more).  Without reads that close
 * (no TCLO poll reads) the innovations are used, less what the filter
 * expected of its prediction.
 *
 * The noise of a read may grow with its bracket w (where in a long call
 * the host read its clock): R(w) = R + c w^2, with c from the noise of
 * narrow and of wide reads (two groups, split at the usual w^2), where
 * the widths differ enough for c to tell.  A host that reads at a fixed
 * point of the call gives c = 0 once the asymmetry below is taken out;
 * one that reads anywhere in it c = 1/12, and the filter then trusts
 * narrow brackets more, as it should.  R, the line's value at no
 * width, is what the narrowest reads show: a mean of e^2 - c w^2 with
 * each measurement weighed by the inverse of its variance (a squared
 * noise of variance v has variance 2 v^2), so that the few reads of a
 * short call, which alone tell R when calls are long and their lengths
 * vary, are not drowned by the many long ones (the groups' means
 * would put R where the wide reads' noise, not the narrow ones', says,
 * and R sets what the narrowest reads are worth).  It is taken low by
 * what its uncertainty allows, so that a narrow read is never trusted
 * less than its bracket allows; c is then the line from it through the
 * narrow group's noise.
 *
 * The asymmetry.  A host that reads its clock late in the call makes
 * the bracket's middle early by a fixed fraction k of the call, so a
 * read is off by k w, which changes with every call.  In a triple, the
 * middle read's distance from the line is then k (w1 - a w0 - b w2)
 * plus noise, whatever the offset and the frequency: a least-squares
 * fit of one on the other (each triple weighed by its variance, with a
 * prior of k = 0, sd 1/4, and a long memory, from when the noise model
 * has its first measurements on) measures k, and each read is corrected
 * to what a call of no length would show: z - k w.
 */

#include <sys/cdefs.h>
#ifdef _KERNEL		/* the policy tests build it in userland too */
__KERNEL_RCSID(0, "$NetBSD$");
#endif

#include <sys/types.h>

#include <dev/vmt/vmt_tspolicy.h>

#define P_CAP			VMT_TSP_P_CAP

/* The prior: reads good to 20 us; none better than the us they have. */
#define R_INIT			(20000LL * 20000)
#define R_MIN			(1000000LL / 12)	/* the us truncation */
#define R_MEM			256	/* measurements behind R, at most */
#define R_PRIOR_N		8	/* ... and the prior's weight */
#define C_ONE			65536LL
#define RC_ONE			((int64_t)1 << 32)	/* c's unit */
#define C_MAX			(RC_ONE / 4)
#define GROUP_MIN		16	/* measurements per group for c */
/* Weights (R / variance)^2, << WN_SHIFT: down to 2^-40, a call 2^20 sd. */
#define WN_ROOT			20
#define WN_SHIFT		(2 * WN_ROOT)

/* Triples: at most this long, ns; innovations after this many without. */
#define TRIPLE_SPAN_NS		(8 * VMT_NS_PER_S)
#define TRIPLE_STALE		16

/* Brackets: a stall makes one WIDTH_K times the usual, and more. */
#define WIDTH_K			4
#define WIDTH_SLACK_NS		(20LL * VMT_NS_PER_US)
#define WIDTH_SHIFT		6

/* Asymmetry: memory, and the prior's weight: sd of k 1/4, 1/k^2. */
#define ASYM_MEM		32768
#define ASYM_PRIOR		16
#define ASYM_MAX		((int64_t)1 << 31)		/* 1/2 */
#define K_ASYM			4	/* sd: an outlier for k */
#define ASYM_AFTER		32	/* noise measurements before k */

/* --- arithmetic ----------------------------------------------------- */

int64_t
vmt_tsp_abs(int64_t v)
{

	if (v == INT64_MIN)
		return INT64_MAX;
	return v < 0 ? -v : v;
}

int64_t
vmt_tsp_add(int64_t a, int64_t b)
{

	if (b > 0 && a > INT64_MAX - b)
		return INT64_MAX;
	if (b < 0 && a < INT64_MIN - b)
		return INT64_MIN;
	return a + b;
}

int64_t
vmt_tsp_sub(int64_t a, int64_t b)
{

	if (b < 0 && a > INT64_MAX + b)
		return INT64_MAX;
	if (b > 0 && a < INT64_MIN + b)
		return INT64_MIN;
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
 * UINT64_MAX; a 128-bit product and long division when the product does
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
		return UINT64_MAX;
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
	if (q > (uint64_t)INT64_MAX)
		q = (uint64_t)INT64_MAX;
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

/* v within +-P_CAP, the bound of the filter's variances. */
int64_t
vmt_tsp_cap(int64_t v)
{

	if (v > P_CAP)
		return P_CAP;
	if (v < -P_CAP)
		return -P_CAP;
	return v;
}

/* v * v, saturating. */
int64_t
vmt_tsp_sq(int64_t v)
{

	return vmt_tsp_muldiv(v, v, 1);
}

/* --- the noise model ------------------------------------------------ */

void
vmt_tsp_noise_init(struct vmt_tspolicy *p)
{

	p->tp_r = R_INIT;
	p->tp_rc = 0;
	p->tp_rn = 0;
	p->tp_r_stale = 0;
	p->tp_nb_e[0] = p->tp_nb_e[1] = R_INIT;
	p->tp_nb_ew[0] = p->tp_nb_ew[1] = 0;
	p->tp_nb_ww[0] = p->tp_nb_ww[1] = 0;
	p->tp_nb_b[0] = p->tp_nb_b[1] = 0;
	p->tp_nb_n[0] = p->tp_nb_n[1] = 0;
	p->tp_wn_w = 0;
	p->tp_wn_e = p->tp_wn_ew = p->tp_wn_ww = p->tp_wn_b = 0;
	p->tp_hist_n = 0;
	p->tp_width_ns = 0;
	p->tp_asym = 0;
	p->tp_asym_num = 0;
	p->tp_asym_ww = 0;
}

/* The reads before a jump or a step are no line with those after. */
void
vmt_tsp_noise_restart(struct vmt_tspolicy *p)
{

	p->tp_hist_n = 0;
}

/* The variance of a read with bracket w, ns^2. */
int64_t
vmt_tsp_noise_var(const struct vmt_tspolicy *p, int64_t w)
{

	if (p->tp_rc == 0)
		return p->tp_r;
	return vmt_tsp_cap(vmt_tsp_add(p->tp_r,
	    vmt_tsp_muldiv(vmt_tsp_sq(w), p->tp_rc, RC_ONE)));
}

/* The read's offset as a call of no length would have shown it. */
int64_t
vmt_tsp_noise_unbias(const struct vmt_tspolicy *p, int64_t z, int64_t w)
{

	return vmt_tsp_sub(z, vmt_tsp_muldiv(p->tp_asym, w, (int64_t)1 << 32));
}

/* Is the bracket that of a stall, whose read may lie anywhere? */
bool
vmt_tsp_noise_wide(const struct vmt_tspolicy *p, int64_t w)
{

	return p->tp_width_ns > 0 &&
	    w > WIDTH_K * p->tp_width_ns + WIDTH_SLACK_NS;
}

/* The usual bracket: clipped, so that a stall does not move it much. */
void
vmt_tsp_noise_width(struct vmt_tspolicy *p, int64_t w)
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

/* Reads keep being off by more than the noise allows: it is larger. */
void
vmt_tsp_noise_more(struct vmt_tspolicy *p)
{
	int g;

	p->tp_r = vmt_tsp_cap(vmt_tsp_muldiv(p->tp_r, 4, 1));
	for (g = 0; g < 2; g++) {
		p->tp_nb_e[g] =
		    vmt_tsp_cap(vmt_tsp_muldiv(p->tp_nb_e[g], 4, 1));
		p->tp_nb_ew[g] = vmt_tsp_muldiv(p->tp_nb_ew[g], 4, 1);
		p->tp_nb_ww[g] =
		    vmt_tsp_cap(vmt_tsp_muldiv(p->tp_nb_ww[g], 4, 1));
	}
	p->tp_wn_e = vmt_tsp_cap(vmt_tsp_muldiv(p->tp_wn_e, 4, 1));
	p->tp_wn_ew = vmt_tsp_muldiv(p->tp_wn_ew, 4, 1);
	p->tp_wn_ww = vmt_tsp_cap(vmt_tsp_muldiv(p->tp_wn_ww, 4, 1));
	p->tp_rn = 0;
}

/*
 * A group's noise per unit of a, at the asymmetry k known now: its
 * measurements' mean of (e - k wd)^2, from their means of e^2, e wd and
 * wd^2.  A k learnt late thus leaves no trace of the error it made
 * before in the noise measured then.
 */
static int64_t
tsp_group_var(const struct vmt_tspolicy *p, int g)
{
	int64_t kew, kkww, v;

	kew = vmt_tsp_muldiv(p->tp_nb_ew[g], p->tp_asym, (int64_t)1 << 32);
	kkww = vmt_tsp_muldiv(vmt_tsp_muldiv(p->tp_nb_ww[g], p->tp_asym,
	    (int64_t)1 << 32), p->tp_asym, (int64_t)1 << 32);
	v = vmt_tsp_add(vmt_tsp_sub(p->tp_nb_e[g], vmt_tsp_add(kew, kew)),
	    kkww);
	return v > 0 ? v : 0;
}

/* The weighted mean's noise at the asymmetry k known now, as above. */
static int64_t
tsp_wn_var(const struct vmt_tspolicy *p)
{
	int64_t kew, kkww, v;

	kew = vmt_tsp_muldiv(p->tp_wn_ew, p->tp_asym, (int64_t)1 << 32);
	kkww = vmt_tsp_muldiv(vmt_tsp_muldiv(p->tp_wn_ww, p->tp_asym,
	    (int64_t)1 << 32), p->tp_asym, (int64_t)1 << 32);
	v = vmt_tsp_add(vmt_tsp_sub(p->tp_wn_e, vmt_tsp_add(kew, kew)), kkww);
	return v > 0 ? v : 0;
}

/*
 * R from the weighted means, at the slope c, and its standard error:
 * weighed by (R / v)^2, the mean has variance 2 R^2 / (sum of the
 * weights), R the one the weights were taken with (now's, near
 * enough).  Returns false when no weight is left (every read far wider
 * than R tells).
 */
static bool
tsp_wn_intercept(const struct vmt_tspolicy *p, int64_t c, int64_t *rp,
    int64_t *sep)
{
	int64_t r, s;

	if (p->tp_wn_w <= 0)
		return false;
	r = vmt_tsp_sub(tsp_wn_var(p), vmt_tsp_muldiv(p->tp_wn_b, c, RC_ONE));
	s = vmt_tsp_muldiv((int64_t)2 << WN_SHIFT, (int64_t)1 << WN_ROOT,
	    p->tp_wn_w);
	*sep = vmt_tsp_muldiv(p->tp_r, (int64_t)vmt_tsp_isqrt((uint64_t)s),
	    (int64_t)1 << (WN_ROOT / 2));
	*rp = r;
	return true;
}

/*
 * The standard error of R, the line's value at no width: each group's
 * mean is good to sqrt(2/n) of itself (a variance from n squares), and
 * the line weighs the narrow one by b1/(b1-b0), the wide one by
 * b0/(b1-b0).
 */
static int64_t
tsp_intercept_se(const struct vmt_tspolicy *p)
{
	int64_t db = p->tp_nb_b[1] - p->tp_nb_b[0], s0, s1;

	s0 = vmt_tsp_muldiv(tsp_group_var(p, 0), (int64_t)vmt_tsp_isqrt(
	    2 * C_ONE * C_ONE / p->tp_nb_n[0]), C_ONE);
	s1 = vmt_tsp_muldiv(tsp_group_var(p, 1), (int64_t)vmt_tsp_isqrt(
	    2 * C_ONE * C_ONE / p->tp_nb_n[1]), C_ONE);
	s0 = vmt_tsp_muldiv(s0, p->tp_nb_b[1], db);
	s1 = vmt_tsp_muldiv(s1, p->tp_nb_b[0], db);
	return (int64_t)vmt_tsp_isqrt((uint64_t)vmt_tsp_add(vmt_tsp_sq(s0),
	    vmt_tsp_sq(s1)));
}

/*
 * R and c from the groups.  A line through them only where the widths
 * differ enough that the most c could be (C_MAX) would tell in the
 * noise.
 */
static void
tsp_noise_fit(struct vmt_tspolicy *p)
{
	int64_t db, se, d, c, e0, e1, r;
	uint32_t n;

	e0 = tsp_group_var(p, 0);
	e1 = tsp_group_var(p, 1);
	db = p->tp_nb_b[1] - p->tp_nb_b[0];
	if (p->tp_nb_n[0] >= GROUP_MIN && p->tp_nb_n[1] >= GROUP_MIN &&
	    db > e0 / 2 && db > R_MIN) {
		p->tp_rc = vmt_tsp_muldiv(e1 - e0, RC_ONE, db);
		if (p->tp_rc < 0)
			p->tp_rc = 0;
		if (p->tp_rc > C_MAX)
			p->tp_rc = C_MAX;
		p->tp_r = vmt_tsp_sub(e0,
		    vmt_tsp_muldiv(p->tp_nb_b[0], p->tp_rc, RC_ONE));
		if (tsp_wn_intercept(p, p->tp_rc, &r, &se)) {
			/*
			 * What the narrowest reads show, taken low by its
			 * uncertainty as below; c the line from there
			 * through the narrow group's noise.
			 */
			if (r > R_MIN) {
				d = vmt_tsp_muldiv(se, se, r > se ? r : se);
				r = r - d > R_MIN ? r - d : R_MIN;
			} else
				r = R_MIN;
			p->tp_r = r;
			c = p->tp_nb_b[0] > 0 ? vmt_tsp_muldiv(vmt_tsp_sub(e0,
			    r), RC_ONE, p->tp_nb_b[0]) : p->tp_rc;
			p->tp_rc = vmt_tsp_clamp(c, C_MAX);
			if (p->tp_rc < 0)
				p->tp_rc = 0;
			return;
		}
		/*
		 * R is the line's value at no width, as uncertain as the
		 * groups' means (se).  It is taken lower by se^2 / max(R,
		 * se): R itself when well measured, nothing when it cannot
		 * be told from none (even the narrow reads' noise is their
		 * width's), so that a narrow read is never trusted less
		 * than its bracket allows; and continuously between.  What
		 * R gives up goes to c, so that the narrow group's noise,
		 * which is measured, stays what it is.
		 */
		se = tsp_intercept_se(p);
		d = vmt_tsp_muldiv(se, se, p->tp_r > se ? p->tp_r :
		    (se > 0 ? se : 1));
		if (d > p->tp_r - R_MIN)
			d = p->tp_r - R_MIN;
		if (d > 0 && p->tp_nb_b[0] > 0) {
			c = vmt_tsp_add(p->tp_rc, vmt_tsp_muldiv(d, RC_ONE,
			    p->tp_nb_b[0]));
			if (c > C_MAX)
				c = C_MAX;
			p->tp_r = vmt_tsp_sub(p->tp_r, vmt_tsp_muldiv(
			    c - p->tp_rc, p->tp_nb_b[0], RC_ONE));
			p->tp_rc = c;
		}
	} else {
		p->tp_rc = 0;
		n = p->tp_nb_n[0] + p->tp_nb_n[1];
		p->tp_r = n == 0 ? R_INIT : vmt_tsp_add(
		    vmt_tsp_muldiv(e0, p->tp_nb_n[0], n),
		    vmt_tsp_muldiv(e1, p->tp_nb_n[1], n));
	}
	if (p->tp_r < R_MIN)
		p->tp_r = R_MIN;
}

/*
 * The weighted means take a measurement of variance v = R + c bb (per
 * unit of a) with weight (R / v)^2: 1 at no width, nothing once v is
 * 2^WN_ROOT times R.  The sum decays as the groups' means do.
 */
static void
tsp_wn_measure(struct vmt_tspolicy *p, int64_t ee, int64_t ew, int64_t ww,
    int64_t bb)
{
	int64_t v, rt, w;

	v = vmt_tsp_add(p->tp_r, vmt_tsp_muldiv(bb, p->tp_rc, RC_ONE));
	if (v < 1)
		v = 1;
	rt = vmt_tsp_muldiv(p->tp_r, (int64_t)1 << WN_ROOT, v);
	w = rt * rt;
	p->tp_wn_w -= p->tp_wn_w / R_MEM;
	p->tp_wn_w += w;
	if (w == 0 || p->tp_wn_w <= 0)
		return;
	p->tp_wn_e = vmt_tsp_add(p->tp_wn_e, vmt_tsp_muldiv(
	    vmt_tsp_sub(ee, p->tp_wn_e), w, p->tp_wn_w));
	p->tp_wn_ew = vmt_tsp_add(p->tp_wn_ew, vmt_tsp_muldiv(
	    vmt_tsp_sub(ew, p->tp_wn_ew), w, p->tp_wn_w));
	p->tp_wn_ww = vmt_tsp_add(p->tp_wn_ww, vmt_tsp_muldiv(
	    vmt_tsp_sub(ww, p->tp_wn_ww), w, p->tp_wn_w));
	p->tp_wn_b = vmt_tsp_add(p->tp_wn_b, vmt_tsp_muldiv(
	    vmt_tsp_sub(bb, p->tp_wn_b), w, p->tp_wn_w));
}

/*
 * One measurement of the noise: e has the variance a R + b c (a in
 * 1/C_ONE, b ns^2) once k wd is taken out of it; ee, ew and ww are e^2,
 * e wd and wd^2 (for an innovation, whose k is taken out already, ee
 * alone).  Kept per group (reads narrower or wider than usual) as means
 * per unit of a, with the w^2 per unit of a; R and c are the line
 * through the two groups' noise (tsp_group_var).
 */
static void
tsp_noise_measure(struct vmt_tspolicy *p, int64_t ee, int64_t ew,
    int64_t ww, int64_t a, int64_t b)
{
	int64_t v, bb, lim, kew;
	uint32_t n;
	int g;

	if (a <= 0)
		return;
	ee = vmt_tsp_muldiv(ee, C_ONE, a);
	ew = vmt_tsp_muldiv(ew, C_ONE, a);
	ww = vmt_tsp_muldiv(ww, C_ONE, a);
	bb = vmt_tsp_muldiv(b, C_ONE, a);
	/*
	 * A read this far off says little about the normal noise: it is
	 * counted as one at the limit (e and wd scaled down alike).
	 */
	kew = vmt_tsp_muldiv(ew, p->tp_asym, (int64_t)1 << 32);
	v = vmt_tsp_add(vmt_tsp_sub(ee, vmt_tsp_add(kew, kew)),
	    vmt_tsp_muldiv(vmt_tsp_muldiv(ww, p->tp_asym, (int64_t)1 << 32),
	    p->tp_asym, (int64_t)1 << 32));
	lim = vmt_tsp_muldiv(vmt_tsp_add(p->tp_r, vmt_tsp_muldiv(bb, p->tp_rc,
	    RC_ONE)), 25, 1);
	if (v > lim) {
		ee = vmt_tsp_muldiv(ee, lim, v);
		ew = vmt_tsp_muldiv(ew, lim, v);
		ww = vmt_tsp_muldiv(ww, lim, v);
	}
	tsp_wn_measure(p, ee, ew, ww, bb);
	g = p->tp_nb_n[0] + p->tp_nb_n[1] > 0 &&
	    bb > (p->tp_nb_b[0] + p->tp_nb_b[1]) / 2;
	n = p->tp_nb_n[g] + R_PRIOR_N < R_MEM ? p->tp_nb_n[g] + R_PRIOR_N :
	    R_MEM;
	if (p->tp_nb_n[g] == 0)
		p->tp_nb_b[g] = bb;
	p->tp_nb_e[g] = vmt_tsp_add(p->tp_nb_e[g],
	    vmt_tsp_sub(ee, p->tp_nb_e[g]) / (int64_t)n);
	p->tp_nb_ew[g] = vmt_tsp_add(p->tp_nb_ew[g],
	    vmt_tsp_sub(ew, p->tp_nb_ew[g]) / (int64_t)n);
	p->tp_nb_ww[g] = vmt_tsp_add(p->tp_nb_ww[g],
	    vmt_tsp_sub(ww, p->tp_nb_ww[g]) / (int64_t)n);
	p->tp_nb_b[g] += (bb - p->tp_nb_b[g]) / (int64_t)n;
	if (p->tp_nb_n[g] < R_MEM)
		p->tp_nb_n[g]++;
	p->tp_rn++;
	tsp_noise_fit(p);
}

/* k from its sums: num / (ww + prior). */
static void
tsp_asym_set(struct vmt_tspolicy *p)
{

	p->tp_asym = vmt_tsp_clamp(vmt_tsp_muldiv(p->tp_asym_num,
	    (int64_t)1 << 32, vmt_tsp_add(p->tp_asym_ww, ASYM_PRIOR * C_ONE)),
	    ASYM_MAX);
}

/*
 * The middle of the last three reads (raw open-loop terms; this one z)
 * against the line through the other two, if they lie close enough
 * together: a measurement of the asymmetry and of the noise.
 */
static bool
tsp_noise_triple(struct vmt_tspolicy *p, int64_t z, int64_t w, int64_t u)
{
	int64_t o0 = p->tp_hist_o[0], o1 = p->tp_hist_o[1];
	int64_t u0 = p->tp_hist_u[0], u1 = p->tp_hist_u[1];
	int64_t w0 = p->tp_hist_w[0], w1 = p->tp_hist_w[1];
	int64_t span = u - u0, wa, wb, e, wd, a, b, v, kw, lim, ec;

	if (p->tp_hist_n < 2 || span <= 0 || span > TRIPLE_SPAN_NS ||
	    u1 <= u0 || u <= u1)
		return false;
	/* The line's weights on the outer reads, in 1/C_ONE. */
	wa = vmt_tsp_muldiv(u - u1, C_ONE, span);
	wb = C_ONE - wa;
	e = vmt_tsp_sub(o1, vmt_tsp_add(vmt_tsp_muldiv(o0, wa, C_ONE),
	    vmt_tsp_muldiv(z, wb, C_ONE)));
	wd = vmt_tsp_sub(w1, vmt_tsp_add(vmt_tsp_muldiv(w0, wa, C_ONE),
	    vmt_tsp_muldiv(w, wb, C_ONE)));
	a = C_ONE + wa * wa / C_ONE + wb * wb / C_ONE;
	b = vmt_tsp_add(vmt_tsp_sq(w1), vmt_tsp_add(
	    vmt_tsp_muldiv(vmt_tsp_sq(w0), wa * wa / C_ONE, C_ONE),
	    vmt_tsp_muldiv(vmt_tsp_sq(w), wb * wb / C_ONE, C_ONE)));

	/*
	 * k: e against wd, weighed by the triple's variance v, once the
	 * noise model stands (ASYM_AFTER measurements), with e clipped to
	 * K_ASYM sd of the noise around what the k known so far expects:
	 * an outlier pulls k no further than a read that is merely noisy,
	 * and a k still far off is pulled the right way.
	 */
	if (p->tp_rn < ASYM_AFTER)
		goto noise;
	v = vmt_tsp_add(vmt_tsp_muldiv(p->tp_r, a, C_ONE),
	    vmt_tsp_muldiv(b, p->tp_rc, RC_ONE));
	if (v < R_MIN)
		v = R_MIN;
	kw = vmt_tsp_muldiv(p->tp_asym, wd, (int64_t)1 << 32);
	lim = K_ASYM * (int64_t)vmt_tsp_isqrt((uint64_t)v);
	ec = vmt_tsp_add(kw, vmt_tsp_clamp(vmt_tsp_sub(e, kw), lim));
	p->tp_asym_num = vmt_tsp_add(p->tp_asym_num - p->tp_asym_num /
	    ASYM_MEM, vmt_tsp_muldiv(vmt_tsp_muldiv(ec, wd, 1), C_ONE, v));
	p->tp_asym_ww = vmt_tsp_cap(vmt_tsp_add(p->tp_asym_ww - p->tp_asym_ww /
	    ASYM_MEM, vmt_tsp_muldiv(vmt_tsp_sq(wd), C_ONE, v)));
	tsp_asym_set(p);
noise:
	/* The noise, of what is left when k is taken out. */
	tsp_noise_measure(p, vmt_tsp_sq(e), vmt_tsp_muldiv(e, wd, 1),
	    vmt_tsp_sq(wd), a, b);
	return true;
}

/*
 * An accepted read: z (as measured), bracket w, at uptime u, with the
 * corrections the kernel made since the last accepted read, applied,
 * and its innovation nu against a prediction of variance c00.  While
 * the kernel slews more than a little (tp_km_busy), what it applied is
 * known to a tick's worth of the slew only: no triple spans that.
 */
void
vmt_tsp_noise_read(struct vmt_tspolicy *p, int64_t z, int64_t w, int64_t u,
    int64_t applied, int64_t nu, int64_t c00)
{

	if (p->tp_km_busy)
		p->tp_hist_n = 0;

	/* Earlier reads into the open-loop terms of this one. */
	p->tp_hist_o[0] = vmt_tsp_add(p->tp_hist_o[0], applied);
	p->tp_hist_o[1] = vmt_tsp_add(p->tp_hist_o[1], applied);
	if (tsp_noise_triple(p, z, w, u))
		p->tp_r_stale = 0;
	else if (++p->tp_r_stale > TRIPLE_STALE && c00 <= p->tp_r)
		tsp_noise_measure(p, vmt_tsp_sub(vmt_tsp_sq(nu), c00), 0, 0,
		    C_ONE, vmt_tsp_sq(w));
	p->tp_hist_o[0] = p->tp_hist_o[1];
	p->tp_hist_w[0] = p->tp_hist_w[1];
	p->tp_hist_u[0] = p->tp_hist_u[1];
	p->tp_hist_o[1] = z;
	p->tp_hist_w[1] = w;
	p->tp_hist_u[1] = u;
	if (p->tp_hist_n < 2)
		p->tp_hist_n++;
	vmt_tsp_noise_width(p, w);
}
