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

#include <math.h>
#include <stdint.h>

#include "rng.h"

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z;

	z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t
rotl(uint64_t x, int k)
{

	return (x << k) | (x >> (64 - k));
}

void
rng_seed(struct rng *r, uint64_t seed)
{
	uint64_t x = seed;
	int i;

	/*
	 * splitmix64 never yields four zero words in a row, so the
	 * xoshiro state is never the all-zero fixed point.
	 */
	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
	r->have_spare = 0;
}

uint64_t
rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result, t;

	result = rotl(s[1] * 5, 7) * 9;
	t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double
rng_uniform(struct rng *r)
{

	/* 53 random bits, shifted up by one ulp so 0 cannot occur. */
	return (double)((rng_next(r) >> 11) + 1) * 0x1.0p-53;
}

double
rng_normal(struct rng *r)
{
	double u1, u2, m, c, s;

	if (r->have_spare) {
		r->have_spare = 0;
		return r->spare;
	}
	u1 = rng_uniform(r);
	u2 = rng_uniform(r);
	m = sqrt(-2.0 * log(u1));
	sincos(2.0 * M_PI * u2, &s, &c);
	r->spare = m * s;
	r->have_spare = 1;
	return m * c;
}
