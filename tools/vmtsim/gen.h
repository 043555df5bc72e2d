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
 * vmtsim gen: write a scenario trace (vmtsim(5)) from a few parameters.
 * The output depends only on the parameters: the seed is written into
 * the trace (for the model's random walk and jitter) and also picks the
 * sign of each periodic host step.
 */

#ifndef _VMTSIM_GEN_H_
#define _VMTSIM_GEN_H_

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define GEN_MAX_HEADER	32

struct gen_params {
	uint64_t	seed;			/* -s, default 1 */
	double		duration_s;		/* -d, default 86400 */
	double		ppm;			/* --ppm */
	double		wander;			/* --wander */
	double		jitter_us;		/* --jitter-us */
	double		offset_s;		/* --offset-s */
	double		cycle_ppm;		/* --cycle-ppm */
	double		cycle_period_s;		/* --cycle-period-s, 86400 */
	double		suspend_every_s;	/* 0: no suspends */
	double		suspend_s;
	double		host_step_every_s;	/* 0: no host steps */
	double		host_step_s;		/* magnitude; sign from seed */
	/* -H key=value: more header directives, written as given. */
	size_t		nheader;
	const char	*header[GEN_MAX_HEADER];
};

/* The defaults listed above. */
void	gen_defaults(struct gen_params *);

/*
 * 0 if p gives a valid trace, else -1 with the reason in err.  The
 * -H directives are checked by parsing what gen_write() writes.
 */
int	gen_check(const struct gen_params *p, char *err, size_t errlen);

/*
 * Write the trace of a checked p to fp; cmdline, if not NULL, is
 * quoted in the comment header.  0, or -1 on an output error.
 */
int	gen_write(FILE *fp, const struct gen_params *p, const char *cmdline);

/*
 * "vmtsim gen [options]", argv[0] being "gen".  Returns the exit
 * status: 0, 1 on an output error, 2 on bad usage.
 */
int	vmtsim_gen_main(int argc, char **argv);

#endif /* _VMTSIM_GEN_H_ */
