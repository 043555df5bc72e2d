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
 * defines each one.  The accumulator keeps a few numbers and one
 * window of squared offsets, never the series, so memory does not grow
 * with the length of a trace.  Every statistic comes with the number of
 * seconds (or events) it rests on; none is reported when that is 0.
 */

#ifndef _VMTSIM_METRICS_H_
#define _VMTSIM_METRICS_H_

#include <stdbool.h>
#include <stdint.h>

#include "record.h"

/* The worst-window RMS is over this many consecutive counted seconds. */
#define MET_WINDOW_S		600

struct met_params {
	int64_t		limit_ns;	/* --limit */
	int64_t		settle_ns;	/* --settle */
	bool		clock_stats;	/* steps, slews...: false for oracle */
};

/* The results, as printed; a count of 0 means "n/a". */
struct met_result {
	/* Offset statistics over the counted seconds from the deadline. */
	uint64_t	counted_s;
	double		rms_offset_s;
	double		max_abs_offset_s;
	double		mean_offset_s;
	uint64_t	worst_window_s;		/* seconds in the worst window */
	double		worst_window_rms_s;
	double		worst_window_end_s;	/* its last second */
	/* One second after the last counted second over the limit. */
	bool		synced;			/* false: over it at the end */
	double		sync_time_s;
	uint64_t	sync_counted_s;		/* counted seconds, all run */
	/* Frequency error. */
	uint64_t	rate_counted_s;
	double		freq_error_ppm_rms;
	/* Recovery after resumes, thaws and host steps. */
	uint64_t	recoveries;		/* events measured */
	uint64_t	unrecovered;		/* of which never for good */
	double		recovery_s;		/* worst of the others */
	/* The clock's own actions (clock_stats only). */
	bool		clock_stats;
	uint64_t	steps;
	uint64_t	backward_steps;
	double		max_backward_s;
	uint64_t	slews;
	uint64_t	slew_counted_s;
	double		max_slew_ppm;
	uint64_t	adjustments_while_disabled;
	uint64_t	disabled_s;		/* seconds the checkbox was clear */
	uint64_t	rpc_errors;
	uint64_t	cpt_retries;
	uint64_t	backdoor_calls;
	/* What the host's noise model did to this guest. */
	uint64_t	host_reads;
	uint64_t	host_precision_reads;
	uint64_t	host_outliers;
	uint64_t	host_stalls;
	double		host_stall_max_s;
	uint64_t	catchups;
	uint64_t	stopcatchups;
};

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
	struct met_stats st;		/* from the settle deadline on */
	/* Sync time. */
	uint64_t	nsync;
	int64_t		last_bad_ns;	/* -1: never over the limit */
	bool		last_bad_is_last; /* the last counted second was */
	/* Rate. */
	bool		prev_ok;
	int64_t		prev_off_ns;
	/* Worst window: a ring of squared offsets. */
	double		win[MET_WINDOW_S];
	size_t		win_n, win_pos;
	double		win_sum;
	size_t		win_since_sum;	/* adds since the sum was redone */
	double		worst2;
	uint64_t	worst_n;
	int64_t		worst_end_ns;
	/* Recovery in progress. */
	int64_t		prev_t_ns;
	bool		rec_active;
	int64_t		rec_from_ns;
	bool		rec_seen;	/* a measurement since the event */
	bool		rec_bad;	/* the last one was over the limit */
	int64_t		rec_good_ns;	/* the first one within it since */
	uint64_t	rec_n;
	uint64_t	rec_never;
	double		rec_worst_s;
	/* Totals. */
	uint64_t	steps;
	uint64_t	back_steps;
	int64_t		max_back_ns;
	uint64_t	nslew;
	double		max_slew_ppm;
	uint64_t	adj_disabled;
	uint64_t	disabled_s;
	struct vs_summary sum;
	bool		have_sum;
};

void	met_init(struct met *, const struct met_params *);
void	met_add(struct met *, const struct vs_rec *);
void	met_result(const struct met *, struct met_result *);

#endif /* _VMTSIM_METRICS_H_ */
