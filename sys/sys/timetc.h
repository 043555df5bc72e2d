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
 * The timecounter interface, a drop-in for NetBSD's <sys/timetc.h>:
 * hardware counters register with tc_init() and kern_tc.c turns the
 * best one into uptime and realtime.  struct timecounter and every
 * declaration are NetBSD's, so NetBSD's counter drivers, kern_time.c
 * and kern_ntptime.c build against this header unchanged.
 *
 * Added on top (OpenBSD's in-kernel slew): tc_adjtime(), tc_adjfreq(),
 * counters of what changed the clock, a generation number for counter
 * changes, and the get*boottime() readers of later NetBSD releases.
 */

#ifndef _SYS_TIMETC_H_
#define _SYS_TIMETC_H_

#ifndef _KERNEL
#error "no user-serviceable parts inside"
#endif

#include <sys/types.h>

/*
 * The longest counter name kern.timecounter.hardware can select: a
 * longer name works, but cannot be chosen by sysctl.
 */
#define MAX_TCNAMELEN	64

struct bintime;
struct timecounter;
struct timespec;
struct timeval;

typedef u_int timecounter_get_t(struct timecounter *);
typedef void timecounter_pps_t(struct timecounter *);

/*
 * A counter runs at a fixed, known frequency and must not wrap in
 * less than about two hardclock ticks.
 */
struct timecounter {
	timecounter_get_t	*tc_get_timecount;
		/*
		 * Reads the counter, from any context.  Bits outside
		 * tc_counter_mask need not be masked off if constant.
		 */
	timecounter_pps_t	*tc_poll_pps;
		/*
		 * Optional: called at every windup, for counters that
		 * latch PPS events in hardware.
		 */
	u_int			tc_counter_mask;
		/* The implemented bits: 2^width - 1. */
	u_int64_t		tc_frequency;
		/* Nominal frequency in Hz. */
	const char		*tc_name;
		/* For kern.timecounter.{choice,hardware}. */
	int			tc_quality;
		/*
		 * Higher is better; a negative quality is only used
		 * when asked for by name.
		 */
	void			*tc_priv;
		/* The driver's. */
	struct timecounter	*tc_next;
		/* kern_tc.c's list of registered counters. */
};

extern struct timecounter *timecounter;

u_int64_t tc_getfrequency(void);
void	tc_init(struct timecounter *);
int	tc_detach(struct timecounter *);
void	tc_setclock(const struct timespec *);
void	tc_ticktock(void);
void	tc_gonebad(struct timecounter *);

#ifdef SYSCTL_DECL
SYSCTL_DECL(_kern_timecounter);
#endif

/* --- Additions ------------------------------------------------------ */

/*
 * Realtime minus uptime: when the clock says the system booted.  It
 * moves with every step of realtime (NetBSD 8's boottime global, kept
 * by kern_time.c, only follows settime(9)).
 */
void	getbinboottime(struct bintime *);
void	getnanoboottime(struct timespec *);
void	getmicroboottime(struct timeval *);

/*
 * The in-kernel slew, after OpenBSD.  tc_adjtime() replaces the
 * pending adjustment (us) and returns the old one; at most
 * TC_ADJTIME_MAX_SLEW_US of it is applied per second of uptime, on
 * top of whatever adjtime(2) and the NTP discipline apply through
 * ntp_update_second(), and realtime never runs backwards for it.  A
 * step of realtime (tc_setclock()) cancels it.
 *
 * tc_adjfreq() sets a frequency correction in nanoseconds per second
 * as 32.32 fixed point (ppb << 32), as OpenBSD's adjfreq(2), within
 * +-TC_ADJFREQ_MAX_PPB.
 *
 * Both return 0 or EINVAL (out of range; nothing changed).
 */
#define TC_ADJFREQ_MAX_PPB	500000		/* +-500 ppm */
#define TC_ADJFREQ_PPB(ppb)	((int64_t)(ppb) * ((int64_t)1 << 32))
#define TC_ADJTIME_MAX_SLEW_US	5000		/* 5000 ppm */
#define TC_ADJTIME_MAX_US	((int64_t)1000000 * 86400 * 365)

int	tc_adjtime(int64_t *, int64_t *);
int	tc_adjfreq(int64_t *, int64_t *);

/*
 * Bumped whenever the hardware behind the clock changes, so that a
 * frequency estimate made against the old counter can be dropped.
 */
u_int	tc_hardware_generation(void);

/* Realtime steps made by tc_setclock() since boot. */
uint64_t tc_step_count(void);
/* tc_adjtime() and tc_adjfreq() calls that set a value. */
uint64_t tc_adjtime_count(void);
uint64_t tc_adjfreq_count(void);

#endif /* _SYS_TIMETC_H_ */
