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
 * A libFuzzer input read as the arguments of a program of operations:
 * the fuzzers that run one (fuzz_kern_tc, fuzz_timesync) take their
 * opcodes and operands from it.
 */

#ifndef _FUZZ_FUZZ_INPUT_H_
#define _FUZZ_FUZZ_INPUT_H_

#include <stddef.h>
#include <stdint.h>

struct input {
	const uint8_t	*p;
	size_t		n;
};

/*
 * The next len bytes (at most 8), big-endian; bytes past the end of the
 * input read as zero, so that every operation has all its operands.
 */
static inline uint64_t
take(struct input *in, size_t len)
{
	uint64_t v = 0;

	while (len-- > 0) {
		v <<= 8;
		if (in->n > 0) {
			v |= *in->p++;
			in->n--;
		}
	}
	return v;
}

#endif /* _FUZZ_FUZZ_INPUT_H_ */
