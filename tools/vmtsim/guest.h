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
 * The replay engine of a vmtsim guest: one policy, one trace, on the
 * userland kernel environment, measured from outside every driver.
 * vmtsim-guest (guest_main.c) runs it once per process; the
 * fuzz_scenario target runs it once per input on a kernel booted once.
 *
 * The engine's true time t is kenv_now() minus the time the run
 * started, so that a kernel may host one run after another.
 */

#ifndef _VMTSIM_GUEST_H_
#define _VMTSIM_GUEST_H_

#include <stdbool.h>
#include <stdint.h>

#include "vmtsim/record.h"
#include "vmtsim/scenario.h"

#define GUEST_HZ		100

typedef void (*guest_sink_fn)(void *, const struct vs_rec *);

struct guest_run {
	struct scn	*scn;		/* the model, opened by the caller */
	const char	*policy;	/* "vmt", "netbsd", "ovt", "none" */
	int		counter;	/* guest_kernel_boot()'s counter */
	int64_t		limit_ns;	/* stop after this much true time */
	size_t		max_events;	/* stop after this many (0: no limit) */
	guest_sink_fn	sink;		/* every record, in order */
	void		*sink_arg;
};

/*
 * Boot the kernel environment with one counter ("tsc") of the given
 * nominal frequency and width; returns the counter id.
 */
int	guest_kernel_boot(uint64_t osc_hz, unsigned osc_bits);

/*
 * Replay r->scn's trace with r->policy on the booted kernel.  0 on
 * success; -1 with the reason in err on a trace error or if the policy
 * cannot attach.
 */
int	guest_replay(const struct guest_run *r, char *err, size_t errlen);

#endif /* _VMTSIM_GUEST_H_ */
