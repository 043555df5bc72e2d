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
 * The kernel side of the NetBSD tier's rump tests (see rumptest.h):
 * nanosecond timecounters, ntp_adjtime1() and tc_adjtime() for the
 * host, and the reader loop of the benchmark.  NetBSD kernel code,
 * compiled against NETBSDSRCDIR's headers (and our sys/timetc.h in the
 * kernel that has our kern_tc.c).
 */

#include <sys/cdefs.h>
__KERNEL_RCSID(0, "$NetBSD$");

#include <sys/param.h>
#include <sys/types.h>
#include <sys/errno.h>
#include <sys/sysctl.h>
#include <sys/systm.h>
#include <sys/time.h>
#include <sys/timetc.h>
#include <sys/timex.h>

#include <rump/rumpuser.h>

#include "rumptest.h"

/*
 * Rump's own timecounter ("clockinterrupt", quality 0) counts hardclock
 * ticks at 100 Hz.  Ours are nanosecond-resolution and rank above it.
 */
#define RUMPTEST_TC_QUALITY	1000

static int64_t
host_mono_ns(void)
{
	int64_t sec;
	long nsec;

	if (rumpuser_clock_gettime(RUMPUSER_CLOCK_ABSMONO, &sec, &nsec) != 0)
		return 0;
	return sec * 1000000000 + nsec;
}

static u_int
hostmono_get_timecount(struct timecounter *tc)
{

	return (u_int)host_mono_ns();
}

static struct timecounter hostmono_tc = {
	.tc_get_timecount = hostmono_get_timecount,
	.tc_counter_mask = ~0u,
	.tc_frequency = 1000000000,
	.tc_name = "rumptest-hostmono",
	.tc_quality = RUMPTEST_TC_QUALITY,
};

#if defined(__x86_64__) || defined(__i386__)
static u_int
tsc_get_timecount(struct timecounter *tc)
{

	return (u_int)__builtin_ia32_rdtsc();
}

static struct timecounter tsc_tc = {
	.tc_get_timecount = tsc_get_timecount,
	.tc_counter_mask = ~0u,
	.tc_name = "rumptest-tsc",
	.tc_quality = RUMPTEST_TC_QUALITY,
};

/* The TSC's rate against the host's monotonic clock over 200 ms. */
static uint64_t
tsc_calibrate(void)
{
	int64_t h0, h1;
	uint64_t c0, c1;

	h0 = host_mono_ns();
	c0 = __builtin_ia32_rdtsc();
	do
		h1 = host_mono_ns();
	while (h1 - h0 < 200000000);
	c1 = __builtin_ia32_rdtsc();
	return (c1 - c0) * 1000000000 / (uint64_t)(h1 - h0);
}
#endif

int
rumptest_tc_use(int kind, char *name, size_t len)
{
	struct timecounter *tc;

	switch (kind) {
	case RUMPTEST_TC_HOSTMONO:
		tc = &hostmono_tc;
		break;
#if defined(__x86_64__) || defined(__i386__)
	case RUMPTEST_TC_TSC:
		tc = &tsc_tc;
		tc->tc_frequency = tsc_calibrate();
		/* A 32-bit TSC wraps in under 2 s above 2 GHz: still
		 * far more than rump's 100 Hz tc_windup() needs. */
		break;
#endif
	default:
		return ENODEV;
	}
	tc_init(tc);
	strlcpy(name, tc->tc_name, len);
	return 0;
}

void
rumptest_tc_current(char *name, size_t len)
{

	strlcpy(name, timecounter->tc_name, len);
}

void
rumptest_abi(struct rumptest_abi *ra)
{

	memset(ra, 0, sizeof(*ra));
	ra->ra_clock_realtime = CLOCK_REALTIME;
	ra->ra_clock_monotonic = CLOCK_MONOTONIC;
	ra->ra_einval = EINVAL;
	ra->ra_eperm = EPERM;
	ra->ra_ctl_query = CTL_QUERY;
	ra->ra_sysctl_version = SYSCTL_VERSION;
	ra->ra_ctltype_mask = SYSCTL_TYPEMASK;
	ra->ra_ctltype_node = CTLTYPE_NODE;
	ra->ra_ctltype_int = CTLTYPE_INT;
	ra->ra_ctltype_string = CTLTYPE_STRING;
	ra->ra_ctltype_quad = CTLTYPE_QUAD;
	ra->ra_ctltype_bool = CTLTYPE_BOOL;
	ra->ra_node_size = sizeof(struct sysctlnode);
	ra->ra_node_off_flags = offsetof(struct sysctlnode, sysctl_flags);
	ra->ra_node_off_num = offsetof(struct sysctlnode, sysctl_num);
	ra->ra_node_off_name = offsetof(struct sysctlnode, sysctl_name);
	ra->ra_node_namelen = SYSCTL_NAMELEN;
	ra->ra_timeval_size = sizeof(struct timeval);
	ra->ra_timeval_off_usec = offsetof(struct timeval, tv_usec);
	ra->ra_timeval_usec_size = sizeof(((struct timeval *)0)->tv_usec);
	ra->ra_timespec_size = sizeof(struct timespec);
	ra->ra_timespec_off_nsec = offsetof(struct timespec, tv_nsec);
	ra->ra_mod_offset = MOD_OFFSET;
	ra->ra_mod_frequency = MOD_FREQUENCY;
	ra->ra_mod_status = MOD_STATUS;
	ra->ra_mod_nano = MOD_NANO;
	ra->ra_sta_pll = STA_PLL;
	ra->ra_sta_nano = STA_NANO;
	ra->ra_time_ok = TIME_OK;
}

int
rumptest_ntp_adjtime(struct rumptest_timex *rt)
{
	struct timex ntv;

	memset(&ntv, 0, sizeof(ntv));
	ntv.modes = rt->rt_modes;
	ntv.offset = rt->rt_offset;
	ntv.freq = rt->rt_freq;
	ntv.maxerror = rt->rt_maxerror;
	ntv.esterror = rt->rt_esterror;
	ntv.status = rt->rt_status;
	ntv.constant = rt->rt_constant;
	ntp_adjtime1(&ntv);
	rt->rt_offset = ntv.offset;
	rt->rt_freq = ntv.freq;
	rt->rt_maxerror = ntv.maxerror;
	rt->rt_esterror = ntv.esterror;
	rt->rt_status = ntv.status;
	rt->rt_constant = ntv.constant;
	rt->rt_precision = ntv.precision;
	rt->rt_tolerance = ntv.tolerance;
	return ntp_timestatus();
}

/* n calls of reader into a struct of the given type, using field. */
#define BENCH_LOOP(reader, type, field) do {				\
	type v_;							\
									\
	for (i = 0; i < n; i++) {					\
		reader(&v_);						\
		sink += (uint64_t)v_.field;				\
	}								\
} while (/* CONSTCOND */0)

int64_t
rumptest_bench(int what, uint64_t n)
{
	int64_t t0, t1;
	uint64_t i, sink = 0;

	t0 = host_mono_ns();
	switch (what) {
	case RUMPTEST_BENCH_NANOTIME:
		BENCH_LOOP(nanotime, struct timespec, tv_nsec);
		break;
	case RUMPTEST_BENCH_BINUPTIME:
		BENCH_LOOP(binuptime, struct bintime, frac);
		break;
	case RUMPTEST_BENCH_GETNANOTIME:
		BENCH_LOOP(getnanotime, struct timespec, tv_nsec);
		break;
	case RUMPTEST_BENCH_NANOUPTIME:
		BENCH_LOOP(nanouptime, struct timespec, tv_nsec);
		break;
	case RUMPTEST_BENCH_MICROUPTIME:
		BENCH_LOOP(microuptime, struct timeval, tv_usec);
		break;
	case RUMPTEST_BENCH_BINTIME:
		BENCH_LOOP(bintime, struct bintime, frac);
		break;
	case RUMPTEST_BENCH_MICROTIME:
		BENCH_LOOP(microtime, struct timeval, tv_usec);
		break;
	case RUMPTEST_BENCH_GETBINUPTIME:
		BENCH_LOOP(getbinuptime, struct bintime, frac);
		break;
	case RUMPTEST_BENCH_GETNANOUPTIME:
		BENCH_LOOP(getnanouptime, struct timespec, tv_nsec);
		break;
	case RUMPTEST_BENCH_GETMICROUPTIME:
		BENCH_LOOP(getmicrouptime, struct timeval, tv_usec);
		break;
	case RUMPTEST_BENCH_GETBINTIME:
		BENCH_LOOP(getbintime, struct bintime, frac);
		break;
	case RUMPTEST_BENCH_GETMICROTIME:
		BENCH_LOOP(getmicrotime, struct timeval, tv_usec);
		break;
	default:
		return -1;
	}
	t1 = host_mono_ns();
	/* Keep the loop: the readers' results are used. */
	__asm volatile("" : : "r" (sink));
	return t1 - t0;
}

/*
 * The kernel sets the clock itself, as inittodr(9) does from the RTC:
 * tc_setclock() directly, not the system calls' settime1().
 */
int
rumptest_settime_kernel(int64_t ns)
{
	struct timespec ts;

	if (ns < 0)
		return EINVAL;
	ts.tv_sec = (time_t)(ns / 1000000000);
	ts.tv_nsec = (long)(ns % 1000000000);
	tc_setclock(&ts);
	return 0;
}

#ifdef RUMPTEST_TC_ADJTIME
int
rumptest_has_tc_adjtime(void)
{

	return 1;
}

int
rumptest_tc_adjtime(int64_t *oldus, const int64_t *newus)
{
	int64_t n;

	if (newus == NULL)
		return tc_adjtime(oldus, NULL);
	n = *newus;
	return tc_adjtime(oldus, &n);
}
#else
int
rumptest_has_tc_adjtime(void)
{

	return 0;
}

int
rumptest_tc_adjtime(int64_t *oldus, const int64_t *newus)
{

	return ENOSYS;
}
#endif
