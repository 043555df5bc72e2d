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
 * Userland model of a VMware guest clock as the kernel runs it, used to
 * drive vmt_tspolicy in the tests.  Floating point is fine here.
 *
 * True time t advances; the guest oscillator has a fractional frequency
 * error y (ppm offset plus a random walk); the kernel (sys/kern/kern_tc.c)
 * has an adjfreq correction f and the adjtime slew: pending us, at most
 * 5000 us of it folded into each second of uptime, replace semantics; a
 * step zeroes it and drops the second's window.  The model repeats kern_tc's
 * integer arithmetic: a fold of adj us sets the adjustment
 * A = a(1+f)/(1-a), a = adj/10^6, and tc_compute_scale() adds A + f to
 * the scale, which drives uptime and realtime alike (realtime = uptime +
 * boottime), so both advance at (1+y)(1+f+A) = (1+y)(1+f)/(1-a).  One
 * second of uptime at that rate gains exactly adj us over the clock
 * running with f alone: an adjtime of D us completes exactly, in
 * ceil(|D|/5000) uptime seconds.  As in the kernel, A is computed with
 * the f in force at the fold and kept until the next fold.
 */

#ifndef _TESTS_POLICY_CLOCKMODEL_H_
#define _TESTS_POLICY_CLOCKMODEL_H_

#include <stdbool.h>
#include <stdint.h>

#include <dev/vmt/vmt_tspolicy.h>

struct cm_params {
	double	 ppm;		/* oscillator error, ppm, + = guest fast */
	double	 wander;	/* random-walk sd of y per second */
	double	 jitter_ns;	/* sd of the sampled offset's noise, ns */
	double	 width_lo_ns;	/* sample bracket width range, ns */
	double	 width_hi_ns;
	double	 offset0_s;	/* initial guest - host, s */
	double	 uptime0_s;	/* initial uptime, s */
	uint32_t period_s;	/* policy period */
	int64_t	 freq0;		/* adjfreq in force at start, ppb << 32 */
	uint64_t seed;		/* RNG seed */
};

/* Offsets seen at each whole true second of a measurement window. */
struct cm_stats {
	double	 from_s;	/* window start (true s) */
	double	 limit_s;	/* sync limit on |offset|, s */
	double	 eval_s;	/* RMS/max taken from here on (true s) */
	double	 last_bad_s;	/* last second with |offset| > limit */
	double	 sum2;		/* sum of offset^2 after eval_s */
	double	 max;		/* max |offset| after eval_s, s */
	long	 n;		/* seconds summed */
};

struct cm {
	struct cm_params par;
	struct vmt_tspolicy pol;

	double	 t;		/* true time, s */
	double	 off;		/* guest realtime - true time, s */
	double	 host_off;	/* host realtime - true time, s */
	double	 up;		/* guest uptime, s */
	double	 y;		/* oscillator fractional frequency error */
	int64_t	 freq;		/* installed adjfreq (tc_freq_adj),
				 * ns/s 32.32 = ppb << 32 */
	double	 f;		/* the same as a fraction, for reports */
	int64_t	 pending_us;	/* kernel th_adjtimedelta, us */
	int64_t	 rate_us;	/* us folded into this uptime second */
	int64_t	 adjustment;	/* kernel th_adjustment for it, 32.32 */
	double	 next_up;	/* uptime of the next sample; < 0 none */
	uint64_t rng;		/* xorshift state */
	bool	 have_spare;	/* Box-Muller spare */
	double	 spare;

	/* Forced sample properties for outlier tests (one-shot). */
	double	 force_width_ns;	/* > 0: next sample's width */
	double	 force_bias_ns;		/* added to next sample's offset */

	/* A kernel that refuses: tc_adjtime() / tc_adjfreq() fail. */
	bool	 refuse_slew;
	bool	 refuse_freq;
	long	 refused;	/* refusals reported to the policy */
	long	 mirror_bad;	/* samples after which the policy's
				 * pending slew differed from ours */

	/* Counters of what the policy did. */
	long	 samples;
	long	 slews;		/* SLEW decisions with nonzero slew */
	long	 fsteps;
	long	 bsteps;
	long	 freqsets;
	long	 rejects;
	long	 actions;	/* any decision touching the clock */
	long	 stopcatchups;

	struct cm_stats *stats;	/* per-second recorder or NULL */
};

void	cm_init(struct cm *, const struct cm_params *,
	    const struct vmt_tsp_config *);
void	cm_params_default(struct cm_params *);
void	cm_apply(struct cm *, const struct vmt_tsp_decision *);
void	cm_run_until(struct cm *, double);
void	cm_event(struct cm *, enum vmt_tsp_event);
void	cm_configure(struct cm *, const struct vmt_tsp_config *);
void	cm_suspend(struct cm *, double);
void	cm_host_step(struct cm *, double);
double	cm_offset(const struct cm *);
void	cm_stats_start(struct cm *, struct cm_stats *, double, double);
double	cm_stats_sync(const struct cm_stats *);
double	cm_stats_rms(const struct cm_stats *);

#endif /* _TESTS_POLICY_CLOCKMODEL_H_ */
