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
 * A small deterministic PRNG for the simulator: xoshiro256** seeded
 * through splitmix64, so that the same seed gives the same stream on
 * every run and every machine.  Not for anything security related.
 */

#ifndef _VMTSIM_RNG_H_
#define _VMTSIM_RNG_H_

#include <stdint.h>

struct rng {
	uint64_t	s[4];
	double		spare;		/* rng_normal()'s second deviate */
	int		have_spare;
};

/* Seed the generator; every 64-bit seed (0 included) is valid. */
void	rng_seed(struct rng *, uint64_t);

/* The next 64 uniformly distributed bits. */
uint64_t rng_next(struct rng *);

/* A uniform double in (0, 1]: never 0, so log() of it is finite. */
double	rng_uniform(struct rng *);

/*
 * A standard normal deviate N(0, 1): Box-Muller, whose two deviates are
 * handed out by two calls.
 */
double	rng_normal(struct rng *);

#endif /* _VMTSIM_RNG_H_ */
