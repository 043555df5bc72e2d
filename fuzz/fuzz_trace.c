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
 * libFuzzer target: the trace parser and the clock model on arbitrary
 * bytes.  Checks the model's own invariants on whatever parses.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmtsim/scenario.h"
#include "vmtsim/trace.h"

/* A valid trace may describe years; a few seconds of it is enough. */
#define MAX_SEGMENTS	5000

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
parse_all(const uint8_t *data, size_t size)
{
	static struct trace_event ev;
	char err[256];
	struct trace *t;

	if ((t = trace_open_mem(data, size, "fuzz", err, sizeof(err))) == NULL)
		return;
	while (trace_next(t, &ev, err, sizeof(err)) > 0)
		continue;
	trace_close(t);
}

/* Segments tile true time from 0; scenario rates stay clamped. */
static void
check_segment(const struct scn *s, const struct scn_seg *seg,
    int64_t prev_t1)
{
	const struct scn_info *i = scn_info(s);

	if (seg->t0_ns != prev_t1 || seg->t1_ns < seg->t0_ns)
		abort();
	if (seg->frozen && seg->ppm != 0)
		abort();
	if (i->kind == TRACE_RECORDING)
		return;
	if (seg->ppm > SCN_MAX_PPM || seg->ppm < -SCN_MAX_PPM)
		abort();
	if (seg->t1_ns > i->duration_ns)
		abort();
	if (!seg->frozen && seg->t1_ns - seg->t0_ns > 1000000000)
		abort();
}

static void
model(const uint8_t *data, size_t size)
{
	struct scn_seg seg;
	struct trace *t;
	struct scn *s;
	char err[256];
	int64_t prev = 0;
	int n = 0;

	if ((t = trace_open_mem(data, size, "fuzz", err, sizeof(err))) == NULL)
		return;
	if ((s = scn_open(t, NULL, err, sizeof(err))) == NULL)
		return;
	while (n++ < MAX_SEGMENTS && scn_next(s, &seg, err, sizeof(err)) > 0) {
		check_segment(s, &seg, prev);
		prev = seg.t1_ns;
		(void)scn_jitter_ns(s);
	}
	scn_close(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{

	parse_all(data, size);
	model(data, size);
	return 0;
}
