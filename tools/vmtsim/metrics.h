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
 * The metrics vmtsim(1) computes from a guest's records; vmtsim.1
 * defines each one.  The accumulator keeps a few numbers, never the
 * series, so memory does not grow with the length of a trace.
 */

#ifndef _VMTSIM_METRICS_H_
#define _VMTSIM_METRICS_H_

#include <stdbool.h>
#include <stdint.h>

#include "record.h"

/* Seconds after a resume, thaw, host step or re-enable left out. */
#define MET_SETTLE_WINDOW_NS	(600LL * 1000000000LL)

struct met_params {
	int64_t		limit_ns;	/* --limit */
	int64_t		settle_ns;	/* --settle */
};

/* The results, as printed. */
struct met_result {
	double		sync_time_s;
	double		rms_offset_s;
	double		max_abs_offset_s;
	double		mean_offset_s;
	uint64_t	steps;
	uint64_t	backward_steps;
	double		max_backward_s;
	uint64_t	slews;
	double		max_slew_ppm;
	double		freq_error_ppm_rms;
	double		resume_recovery_s;
	uint64_t	adjustments_while_disabled;
	uint64_t	rpc_errors;
	uint64_t	cpt_retries;
	uint64_t	backdoor_calls;
};

/*
 * Two passes' worth of state in one: statistics are kept both from the
 * settle deadline on and, separately, from the last time the offset
 * was over the limit (restarted each time it is), so that the window
 * "from the sync time on" is known at the end without a second pass.
 */
struct met_stats {
	uint64_t	n;
	double		sum;		/* of offset, s */
	double		sum2;		/* of offset^2 */
	double		max_abs;
	uint64_t	nrate;
	double		rate2;		/* of (d offset / s in ppm)^2 */
};

struct met {
	struct met_params p;
	struct met_stats since_settle;	/* from the settle deadline on */
	int64_t		last_bad_ns;	/* -1: never over the limit */
	int64_t		excl_until_ns;	/* settle window end */
	int64_t		prev_t_ns;	/* last measurement */
	bool		prev_ok;	/* previous second counted */
	int64_t		prev_off_ns;
	/* Recovery in progress. */
	bool		rec_active;
	int64_t		rec_from_ns;
	double		rec_worst_s;
	/* Totals. */
	uint64_t	steps;
	uint64_t	back_steps;
	int64_t		max_back_ns;
	double		max_slew_ppm;
	uint64_t	adj_disabled;
	struct vs_summary sum;
	bool		have_sum;
};

void	met_init(struct met *, const struct met_params *);
void	met_add(struct met *, const struct vs_rec *);
void	met_result(const struct met *, struct met_result *);

#endif /* _VMTSIM_METRICS_H_ */
