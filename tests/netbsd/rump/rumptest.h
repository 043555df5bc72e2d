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
 * The interface between the NetBSD tier's rump test programs (host
 * code) and their kernel component, rumptest_kern.c (NetBSD kernel
 * code, built against NETBSDSRCDIR's headers inside the rump kernel).
 *
 * Only fixed-size types cross it.  Every name starts with "rumptest",
 * which the rump build leaves alone when it moves kernel symbols into
 * the rumpns_ namespace, so the host can call the functions directly;
 * it does so between rump_schedule() and rump_unschedule().
 */

#ifndef _RUMPTEST_H_
#define _RUMPTEST_H_

#ifdef _KERNEL
#include <sys/types.h>
#else
#include <stddef.h>
#include <stdint.h>
#endif

/*
 * NetBSD's ABI as the kernel was compiled: constants and layouts the
 * host needs for rump_sys_*() calls and checks against its own view.
 */
struct rumptest_abi {
	int32_t		ra_clock_realtime;	/* CLOCK_REALTIME */
	int32_t		ra_clock_monotonic;	/* CLOCK_MONOTONIC */
	int32_t		ra_einval;		/* EINVAL */
	int32_t		ra_eperm;		/* EPERM */
	/* sysctl(3) CTL_QUERY and the struct sysctlnode it returns. */
	int32_t		ra_ctl_query;
	uint32_t	ra_sysctl_version;
	uint32_t	ra_ctltype_mask;
	uint32_t	ra_ctltype_node;
	uint32_t	ra_ctltype_int;
	uint32_t	ra_ctltype_string;
	uint32_t	ra_ctltype_quad;
	uint32_t	ra_ctltype_bool;
	uint32_t	ra_node_size;
	uint32_t	ra_node_off_flags;
	uint32_t	ra_node_off_num;
	uint32_t	ra_node_off_name;
	uint32_t	ra_node_namelen;
	/* struct timeval and struct timespec. */
	uint32_t	ra_timeval_size;
	uint32_t	ra_timeval_off_usec;
	uint32_t	ra_timeval_usec_size;
	uint32_t	ra_timespec_size;
	uint32_t	ra_timespec_off_nsec;
	/* ntp_adjtime(2) */
	uint32_t	ra_mod_offset;
	uint32_t	ra_mod_frequency;
	uint32_t	ra_mod_status;
	uint32_t	ra_mod_nano;
	int32_t		ra_sta_pll;
	int32_t		ra_sta_nano;
	int32_t		ra_time_ok;
};

/* struct timex, with every member 64 bits wide. */
struct rumptest_timex {
	uint32_t	rt_modes;
	int32_t		rt_status;
	int64_t		rt_offset;	/* us, or ns with STA_NANO */
	int64_t		rt_freq;	/* ppm << 16 */
	int64_t		rt_maxerror;
	int64_t		rt_esterror;
	int64_t		rt_constant;
	int64_t		rt_precision;
	int64_t		rt_tolerance;
};

/* Timecounters rumptest_tc_use() can register. */
#define RUMPTEST_TC_HOSTMONO	1	/* host CLOCK_MONOTONIC, 1 GHz */
#define RUMPTEST_TC_TSC		2	/* x86 TSC, calibrated */

/* What rumptest_bench() calls in its loop: each reader of timevar.h. */
#define RUMPTEST_BENCH_NANOTIME		1
#define RUMPTEST_BENCH_BINUPTIME	2
#define RUMPTEST_BENCH_GETNANOTIME	3
#define RUMPTEST_BENCH_NANOUPTIME	4
#define RUMPTEST_BENCH_MICROUPTIME	5
#define RUMPTEST_BENCH_BINTIME		6
#define RUMPTEST_BENCH_MICROTIME	7
#define RUMPTEST_BENCH_GETBINUPTIME	8
#define RUMPTEST_BENCH_GETNANOUPTIME	9
#define RUMPTEST_BENCH_GETMICROUPTIME	10
#define RUMPTEST_BENCH_GETBINTIME	11
#define RUMPTEST_BENCH_GETMICROTIME	12

void	rumptest_abi(struct rumptest_abi *);
/*
 * Register a timecounter of the given kind with tc_init(), of a quality
 * above rump's own 100 Hz one, so that the kernel switches to it; name
 * receives its tc_name.  Returns 0 or an errno.
 */
int	rumptest_tc_use(int, char *, size_t);
/* The name of the timecounter in use (kern_tc.c's "timecounter"). */
void	rumptest_tc_current(char *, size_t);
/* ntp_adjtime1() with rt_modes; returns ntp_timestatus(). */
int	rumptest_ntp_adjtime(struct rumptest_timex *);
/*
 * Call n times the reader named by what; returns the host monotonic
 * nanoseconds the loop took.
 */
int64_t	rumptest_bench(int, uint64_t);
/*
 * tc_setclock() to ns of realtime from inside the kernel, as
 * inittodr(9) sets the clock (not through settime1()); 0 or EINVAL.
 */
int	rumptest_settime_kernel(int64_t);
/* Whether the kernel has tc_adjtime() (our kern_tc.c). */
int	rumptest_has_tc_adjtime(void);
/*
 * tc_adjtime(old, new) in microseconds; new may be NULL to only read.
 * ENOSYS in a kernel without it.
 */
int	rumptest_tc_adjtime(int64_t *, const int64_t *);

#endif /* _RUMPTEST_H_ */
