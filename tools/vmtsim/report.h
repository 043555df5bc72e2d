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

/* The outputs of vmtsim(1): table, JSON, TSV series, gnuplot plot. */

#ifndef _VMTSIM_REPORT_H_
#define _VMTSIM_REPORT_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "metrics.h"
#include "record.h"

#define REP_MAX_POLICIES	7
#define REP_MAX_MARKS		1000	/* event lines drawn on a plot */

/* What happened in the trace, counted from the records. */
struct rep_events {
	uint64_t	suspends;
	uint64_t	resumes;
	uint64_t	freezes;
	uint64_t	thaws;
	uint64_t	host_steps;
	uint64_t	host_slews;
	uint64_t	unticks;	/* the host's checkbox cleared */
	uint64_t	reticks;	/* ... and ticked again */
	uint64_t	frozen_s;	/* seconds the VM was frozen */
};

/* One trace's results. */
struct rep_run {
	const char	*trace;		/* its file name, without directories */
	uint64_t	seed;
	double		limit_s;
	double		settle_s;
	double		simulated_s;
	double		wall_s;
	size_t		npol;
	const char	*pol[REP_MAX_POLICIES];
	struct met_result res[REP_MAX_POLICIES];
	int		oracle;		/* index of "oracle", or -1 */
	struct rep_events ev;
};

/* Count the trace's events in a second's record. */
void	rep_count(struct rep_events *, const struct vs_rec *);

void	rep_table(FILE *, const struct rep_run *);
void	rep_json(FILE *, const struct rep_run *);

/*
 * Two Markdown table rows (make bench): every policy's RMS as a ratio
 * to the oracle's, then vmt's figures in detail.
 */
void	rep_markdown(FILE *, const struct rep_run *);

/*
 * Numbers as the table prints them, into buf: a duration with its unit
 * ("2.23 us" with a micro sign, "3.43 ms", "5090 s", "1.4 h"), a ratio
 * ("1.00", "31.4", "4890", "1.2e5").
 */
const char *rep_fmt_time(char *buf, size_t len, double s);
const char *rep_fmt_ratio(char *buf, size_t len, double r);

/* The per-second series: header, then one row per second. */
void	rep_tsv_header(FILE *, const struct rep_run *);
void	rep_tsv_row(FILE *, const struct rep_run *, const struct vs_rec *);
/* About how many bytes a row of the series takes. */
size_t	rep_tsv_row_bytes(const struct rep_run *);

/*
 * Trace events worth a vertical line on the plot, and the intervals
 * the VM was frozen, shaded there.
 */
struct rep_marks {
	size_t		n;
	double		t_s[REP_MAX_MARKS];
	uint32_t	flags[REP_MAX_MARKS];
	size_t		nfrozen;
	double		frozen_from[REP_MAX_MARKS];
	double		frozen_to[REP_MAX_MARKS];
	bool		in_frozen;
};
void	rep_mark(struct rep_marks *, const struct vs_rec *);

/* Is this a name rep_plot() can write (.svg or .png)? */
bool	rep_plot_name_ok(const char *);

/*
 * Plot the series in tsv into out (.svg or .png) with gnuplot.  0, or
 * -1 with the reason in err.
 */
int	rep_plot(const char *tsv, const char *out, const struct rep_run *,
	    const struct rep_marks *, char *err, size_t errlen);

#endif /* _VMTSIM_REPORT_H_ */
