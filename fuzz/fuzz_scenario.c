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
 * libFuzzer targets fuzz_scenario (the vmt policy, kernel with options
 * VMT_TIMESYNC) and fuzz_scenario_nots (netbsd, ovt or none): arbitrary
 * bytes as a trace and, when it parses, the whole scenario replayed
 * through the guest engine of vmtsim (guest.c) on one kernel booted
 * once: the simulated host with its noise, the policy's drivers, the
 * oracle, the metrics and the table and JSON they print.
 *
 * Each input is bounded so that the fuzzer stays fast: at most
 * LIMIT_S of simulated time and MAX_EVENTS trace events are replayed.
 * Invariants checked: records come in time order, every second once,
 * no offset is measured while the guest runs that a finite clock
 * cannot show, and the outputs are well formed.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmtsim/guest.h"
#include "vmtsim/metrics.h"
#include "vmtsim/report.h"
#include "vmtsim/scenario.h"
#include "vmtsim/trace.h"
#include "vmtsim/vmtsim_kern.h"

#define LIMIT_S		600
#define MAX_EVENTS	2000

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int counter;

struct sink {
	struct met	met;
	int64_t		last_sec;
	int64_t		last_t;
	bool		ended;
};

static void
fuzz_sink(void *arg, const struct vs_rec *r)
{
	struct sink *s = arg;

	if (s->ended)
		abort();
	/* Time never goes back; whole seconds come once, in order. */
	if (r->t_ns < s->last_t && r->type != VS_REC_END)
		abort();
	if (r->type == VS_REC_SECOND) {
		if (r->t_ns != s->last_sec + 1000000000LL)
			abort();
		s->last_sec = r->t_ns;
	}
	if (r->type == VS_REC_END)
		s->ended = true;
	else
		s->last_t = r->t_ns;
	if (r->t_ns > (int64_t)LIMIT_S * 1000000000LL)
		abort();
	met_add(&s->met, r);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	counter = guest_kernel_boot(1000000000ULL, 32);
	return 0;
}

static const char *
pick_policy(const uint8_t *data, size_t size)
{
	static const char *const plain[] = { "netbsd", "ovt", "none" };

	/* vmt-gtf: vmt on a host without the precision clock. */
	if (vmtsim_kernel_timesync())
		return size % 2 == 0 ? "vmt" : "vmt-gtf";
	return plain[size % 3];
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sink sink;
	struct met_params mp = { 1000000, 0, true };
	struct guest_run run;
	struct rep_run rep;
	struct trace *t;
	struct scn *s;
	char err[1024], *out = NULL;
	size_t outlen = 0;
	FILE *fp;
	int r;

	if ((t = trace_open_mem(data, size, "fuzz", err, sizeof(err))) == NULL)
		return 0;
	if ((s = scn_open(t, NULL, err, sizeof(err))) == NULL)
		return 0;
	memset(&sink, 0, sizeof(sink));
	met_init(&sink.met, &mp);
	memset(&run, 0, sizeof(run));
	run.scn = s;
	run.policy = pick_policy(data, size);
	run.counter = counter;
	run.limit_ns = (int64_t)LIMIT_S * 1000000000LL;
	run.max_events = MAX_EVENTS;
	run.sink = fuzz_sink;
	run.sink_arg = &sink;
	r = guest_replay(&run, err, sizeof(err));
	scn_close(s);
	if (r != 0)
		return 0;
	if (!sink.ended)
		abort();

	/* The outputs of what was measured. */
	memset(&rep, 0, sizeof(rep));
	rep.trace = "fuzz";
	rep.limit_s = 0.001;
	rep.npol = 1;
	rep.pol[0] = run.policy;
	rep.oracle = -1;
	met_result(&sink.met, &rep.res[0]);
	if ((fp = open_memstream(&out, &outlen)) == NULL)
		abort();
	rep_table(fp, &rep);
	rep_json(fp, &rep);
	fclose(fp);
	if (strstr(out, "nan") != NULL || strstr(out, "inf") != NULL)
		abort();
	free(out);
	return 0;
}
