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
 * The timecounter interface: hardware counters are registered with
 * tc_init(); kern_tc.c turns the best one into uptime and realtime.
 *
 * Unlike NetBSD's, a counter may be up to 64 bits wide: the mask and
 * the value are uint64_t.  Everything else keeps NetBSD's shape.
 */

#ifndef _SYS_TIMETC_H_
#define _SYS_TIMETC_H_

#ifndef _KERNEL
#error "no user-serviceable parts inside"
#endif

#include <sys/types.h>

struct timecounter;
struct timespec;

typedef uint64_t timecounter_get_t(struct timecounter *);
typedef void timecounter_pps_t(struct timecounter *);

struct timecounter {
	timecounter_get_t	*tc_get_timecount;
		/* Reads the hardware; may be called from any context. */
	timecounter_pps_t	*tc_poll_pps;
		/* Polls for PPS events, or NULL. */
	uint64_t		tc_counter_mask;
		/* The counter's valid bits: 2^width - 1, width 16..64. */
	uint64_t		tc_frequency;
		/* Nominal frequency in Hz. */
	const char		*tc_name;
		/* Name for sysctl kern.timecounter.hardware. */
	int			tc_quality;
		/* Higher is better; negative means "only on request". */
	void			*tc_priv;
		/* The driver's. */
	struct timecounter	*tc_next;
		/* Registered counters: the list kern_tc.c keeps. */
};

/*
 * Frequency corrections for tc_adjfreq() are in nanoseconds per second
 * as 32.32 fixed point (parts per billion << 32), as OpenBSD's
 * adjfreq(2).  The range is +-TC_ADJFREQ_MAX_PPB ppb.
 */
#define TC_ADJFREQ_MAX_PPB	500000		/* +-500 ppm */
#define TC_ADJFREQ_PPB(ppb)	((int64_t)(ppb) * ((int64_t)1 << 32))

/* At most this much pending adjtime is applied per second of uptime. */
#define TC_ADJTIME_MAX_SLEW_US	5000		/* 5000 ppm */
/* A pending adjtime larger than this is refused (EINVAL). */
#define TC_ADJTIME_MAX_US	((int64_t)1000000 * 86400 * 365)

extern struct timecounter *timecounter;

void	inittimecounter(void);
void	tc_init(struct timecounter *);
int	tc_detach(struct timecounter *);
void	tc_setclock(const struct timespec *);
void	tc_ticktock(void);
int	tc_adjtime(int64_t *, int64_t *);
int	tc_adjfreq(int64_t *, int64_t *);

/*
 * Bumped whenever the hardware behind the clock changes, so that a
 * frequency estimate made against the old counter can be dropped.
 */
u_int	tc_hardware_generation(void);

/* Realtime steps made by tc_setclock() since boot. */
uint64_t tc_step_count(void);
/* tc_adjtime() and tc_adjfreq() calls that changed something. */
uint64_t tc_adjtime_count(void);
uint64_t tc_adjfreq_count(void);

#endif /* _SYS_TIMETC_H_ */
