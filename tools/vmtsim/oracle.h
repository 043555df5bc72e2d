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
 * The "oracle" of vmtsim(1): the floor every policy is measured
 * against.  It is a causal estimator of host time as a function of the
 * guest's raw counter, fed with exactly the host time reads that the
 * vmt guest makes (every GETTIMEFULL and GETTIMEFULL_WITH_LAG call,
 * with the raw counter at the call's entry and exit: what the guest
 * would see bracketing the call with two counter reads), and told the
 * trace's true noise parameters (and, for PRECISIONCLOCK reads, that
 * they are nanoseconds and report no lag).  It never touches the clock: its
 * "offset" is its estimate of host time minus true host time.
 *
 * The model.  z = (host time read + half its resolution) - (reported
 * lag, or the lag predicted for a read that reports none) follows
 *	z = h + (1 + f) * tau + noise
 * where tau is raw counter time (counts at the nominal frequency), h
 * and f an offset and a fractional frequency that random-walk with the
 * oscillator's and the host clock's wander (the known sinusoid is
 * folded into that walk), and noise is the read error, the truncation
 * of the answer (us or ns), and the uncertainty of the read instant
 * within the bracket: none when the trace fixes the read point and no
 * stall can have hidden in the bracket, a uniform spread over the
 * bracket otherwise.  A two-state Kalman filter estimates h and f.
 *
 * What no linear filter handles is dealt with as a known-parameter
 * filter would: a read the heavy-tailed outlier model explains better
 * than the normal one is set aside; a jump that a second read confirms
 * (a suspend, a lost stun, a host step) restarts the offset and widens
 * the frequency's uncertainty; innovations that stay on one side for
 * several reads (a rate change, a host slew) widen it too.  Between
 * reads the reported lag is predicted to shrink at the catch-up rate,
 * and to vanish after the guest sent STOPCATCHUP.
 */

#ifndef _VMTSIM_ORACLE_H_
#define _VMTSIM_ORACLE_H_

#include <stdbool.h>
#include <stdint.h>

struct oracle_params {
	uint64_t	hz;		/* nominal counter frequency */
	double		read_error_ns;	/* sd of the normal read error */
	double		outlier_prob;
	double		outlier_ns;	/* Pareto scale, alpha 1.5 */
	double		read_at;	/* < 0: uniform over the call */
	double		call_ns;	/* fixed cost of a call */
	double		call_jitter_ns;	/* mean of its exponential part */
	double		legacy_jitter_ns; /* uniform part (jitter_us) */
	double		stall_prob;
	double		stall_ns;	/* shortest stall */
	double		wander;		/* per-second frequency step sd */
	double		catchup_ppm;	/* 0: no catch-up */
	uint32_t	max_time_lag_us; /* the host's allowance */
};

struct oracle {
	struct oracle_params p;
	double		ns_per_count;	/* 1e9 / hz */
	bool		started;	/* a read has been used */
	uint64_t	ref_raw;	/* the state is at this counter value */
	int64_t		h_base;		/* h = h_base + h_frac, ns */
	double		h_frac;
	double		f;
	double		P[2][2];	/* covariance: ns^2, ns, 1 */
	uint64_t	enter_raw;	/* the read in progress */
	/* The lag reported by the last read, and since when it shrinks. */
	double		lag_ns;
	uint64_t	lag_raw;
	/* A jump waiting for confirmation. */
	bool		suspect;
	uint64_t	sus_raw;
	int64_t		sus_base;	/* its z is sus_base + sus_frac */
	double		sus_frac;
	double		sus_var;
	/* Innovations on one side, since run_raw. */
	int		run_sign;
	int		run_len;
	uint64_t	run_raw;
	/* For tests. */
	uint64_t	n_reads, n_outliers, n_jumps, n_widen;
};

/* Start with the guest's clock at boot: host_ns at raw, roughly. */
void	oracle_init(struct oracle *, const struct oracle_params *,
	    uint64_t raw, int64_t host_ns);

/* A host time read: raw counter at the call's entry and exit. */
void	oracle_read(struct oracle *, uint64_t raw_enter, uint64_t raw_exit,
	    int64_t host_ns, bool with_lag, uint32_t max_lag_us,
	    uint32_t lag_us);

/*
 * A PRECISIONCLOCK read: to the nanosecond, and no lag reported (the
 * lag the GETTIMEFULL reads told is predicted on).
 */
void	oracle_read_ns(struct oracle *, uint64_t raw_enter, uint64_t raw_exit,
	    int64_t host_ns);

/* The guest sent STOPCATCHUP at raw: the lag is gone. */
void	oracle_stop_catchup(struct oracle *, uint64_t raw);

/* The estimate of host time at raw. */
int64_t	oracle_host_ns(const struct oracle *, uint64_t raw);

#endif /* _VMTSIM_ORACLE_H_ */
