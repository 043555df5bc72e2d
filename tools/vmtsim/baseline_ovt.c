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
 * Baseline "ovt": a model of open-vm-tools' timeSync plugin as it runs
 * on a BSD guest (services/plugins/timeSync/timeSync.c with
 * timeSyncPosix.c, slewAdjtime.c and pllNone.c: adjtime(2), no PLL),
 * written here from what that code does, on our vmt(4) transport built
 * without options VMT_TIMESYNC, through the module interface of
 * vmtvar.h.  vmtsim(1) lists where it differs from the real program.
 *
 *  - Reads: GETTIMEFULL_WITH_LAG, falling back to GETTIMEFULL for good
 *    when the host lacks it; the interrupt lag is the "apparent error"
 *    (apparent - real = -lag), and is only known with the lag variant.
 *  - A sample: one host read, then up to 4 times guest read and host
 *    read, each pair spanning two consecutive host reads; the pair with
 *    the smallest spread wins (ties: the later), host time is the
 *    first read plus half the spread; it stops once a spread is 2 ms
 *    or less.  Times are microseconds, as gettimeofday(2) gives them.
 *  - gosError = guest - host - apparentError.
 *  - One-shot (Time_Synchronize n, tools startup, re-ticked synctime
 *    with time.synchronize.tools.enable): step to host time if gosError
 *    < -maxTimeLag, or if the guest is ahead by any amount and backward
 *    steps are allowed (n = 1; always on re-tick; startup.backward for
 *    startup).  It runs whatever synctime says.
 *  - Periodic (every synctime.period s while synctime is 1, and at once
 *    when the loop starts): step if gosError < -maxTimeLag; otherwise,
 *    if slewCorrection is on and the lag is known, adjtime(2) to
 *    percentCorrection % of -gosError, replacing what is pending.
 *  - A step cancels a running slew (adjtime 0), sets the clock to
 *    guest + correction, and sends STOPCATCHUP.
 *  - Stopping the loop (synctime 0) cancels the slew.
 */

#include <sys/cdefs.h>
__KERNEL_RCSID(0, "$NetBSD$");

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/callout.h>
#include <sys/kernel.h>
#include <sys/kmem.h>
#include <sys/mutex.h>
#include <sys/proc.h>
#include <sys/time.h>
#include <sys/timetc.h>
#include <sys/timevar.h>

#include <dev/vmt/vmtreg.h>
#include <dev/vmt/vmtvar.h>

#include "baseline.h"

#define OVT_PERIOD_DEF_S	60	/* TIMESYNC_TIME */
#define OVT_PERCENT_DEF		50	/* TIMESYNC_PERCENT_CORRECTION */
#define OVT_TRIES		4	/* TIMESYNC_MAX_SAMPLES */
#define OVT_GOOD_SPREAD_US	2000	/* TIMESYNC_GOOD_SAMPLE_THRESHOLD */
#define US_PER_S		1000000LL

enum ovt_state { OVT_INITIALIZING, OVT_STOPPED, OVT_RUNNING };

struct bl_ovt {
	struct vmt_softc *ov_sc;
	kmutex_t	ov_lock;	/* guards everything below */
	enum ovt_state	ov_state;
	bool		ov_slew_active;
	bool		ov_slew_correction;
	int		ov_percent;	/* 1..100 */
	int		ov_period_s;	/* > 0 */
	bool		ov_sync_before_loop; /* tools.enable */
	bool		ov_startup_backward;
	bool		ov_startup_done;
	bool		ov_lag_cmd;	/* the lag variant works */
	callout_t	ov_loop;
};

struct ovt_read {
	int64_t		host_us;
	int64_t		apparent_us;	/* -interrupt lag */
	bool		apparent_valid;
	int64_t		max_error_us;	/* maxTimeLag */
};

/* TimeSyncReadHost(). */
static bool
ovt_read_host(struct bl_ovt *ov, struct ovt_read *rd)
{
	struct vmt_hosttime ht;
	int error;

	error = ov->ov_lag_cmd ? vmt_get_time_full(&ht, true) : EOPNOTSUPP;
	if (error == EOPNOTSUPP) {
		ov->ov_lag_cmd = false;
		error = vmt_get_time_full(&ht, false);
	}
	if (error != 0 || ht.ht_sec <= 0)
		return false;
	rd->host_us = ht.ht_sec * US_PER_S + ht.ht_usec;
	rd->apparent_us = -(int64_t)ht.ht_lag_us;
	rd->apparent_valid = ov->ov_lag_cmd;
	rd->max_error_us = ht.ht_maxlag_us;
	return true;
}

static int64_t
ovt_guest_us(void)
{
	struct timeval tv;

	microtime(&tv);
	return (int64_t)tv.tv_sec * US_PER_S + tv.tv_usec;
}

/* TimeSyncReadHostAndGuest(). */
static bool
ovt_read_host_and_guest(struct bl_ovt *ov, int64_t *host, int64_t *guest,
    struct ovt_read *best)
{
	struct ovt_read rd;
	int64_t h1, h2, diff, best_diff = INT64_MAX, g;
	int iter = 0;

	if (!ovt_read_host(ov, &rd))
		return false;
	h2 = rd.host_us;
	do {
		iter++;
		h1 = h2;
		g = ovt_guest_us();
		if (!ovt_read_host(ov, &rd))
			return false;
		h2 = rd.host_us;
		diff = h1 < h2 ? h2 - h1 : 0;
		if (diff <= best_diff) {
			best_diff = diff;
			*host = h1 + diff / 2;
			*guest = g;
			*best = rd;
		}
	} while (iter < OVT_TRIES && best_diff > OVT_GOOD_SPREAD_US);
	return true;
}

/* TimeSync_Slew() on BSD: adjtime(2) replaces what is pending. */
static void
ovt_adjtime(int64_t us)
{
	struct timeval tv;

	tv.tv_sec = (time_t)(us / US_PER_S);
	tv.tv_usec = (long)(us % US_PER_S);
	if (tv.tv_usec < 0) {
		tv.tv_usec += US_PER_S;
		tv.tv_sec--;
	}
	adjtime1(&tv, NULL, curproc);
}

/* TimeSyncSetSlewState(): turning it off resets the slew to nominal. */
static void
ovt_set_slew_state(struct bl_ovt *ov, bool active)
{
	if (active != ov->ov_slew_active && !active)
		ovt_adjtime(0);
	ov->ov_slew_active = active;
}

/* TimeSyncStepTime(): TimeSync_AddToCurrentTime(), then STOPCATCHUP. */
static void
ovt_step(struct bl_ovt *ov, int64_t delta_us)
{
	struct timespec ts;
	int64_t t;

	ovt_set_slew_state(ov, false);
	t = ovt_guest_us() + delta_us;
	ts.tv_sec = (time_t)(t / US_PER_S);
	ts.tv_nsec = (long)(t % US_PER_S) * 1000;
	tc_setclock(&ts);
	vmt_stop_catchup();
}

/* TimeSyncDoSync(). */
static void
ovt_do_sync(struct bl_ovt *ov, bool once, bool allow_backward)
{
	struct ovt_read rd;
	int64_t host, guest, gos;

	KASSERT(mutex_owned(&ov->ov_lock));
	if (!ovt_read_host_and_guest(ov, &host, &guest, &rd))
		return;
	gos = guest - host - rd.apparent_us;
	if (once) {
		if (gos < -rd.max_error_us ||
		    (gos + rd.apparent_us > 0 && allow_backward))
			ovt_step(ov, -gos - rd.apparent_us);
		return;
	}
	ovt_set_slew_state(ov, rd.apparent_valid && ov->ov_slew_correction);
	if (gos < -rd.max_error_us)
		ovt_step(ov, -gos - rd.apparent_us);
	else if (ov->ov_slew_correction && rd.apparent_valid)
		ovt_adjtime(-gos * ov->ov_percent / 100);
}

static void
ovt_loop(void *arg)
{
	struct bl_ovt *ov = arg;

	mutex_enter(&ov->ov_lock);
	if (ov->ov_state == OVT_RUNNING) {
		ovt_do_sync(ov, false, false);
		callout_schedule(&ov->ov_loop, mstohz(ov->ov_period_s * 1000));
	}
	mutex_exit(&ov->ov_lock);
}

/* TimeSyncStartLoop(): reset the slew, sync at once, then every period. */
static void
ovt_start_loop(struct bl_ovt *ov)
{
	ovt_adjtime(0);
	ov->ov_state = OVT_RUNNING;
	ovt_do_sync(ov, false, false);
	callout_schedule(&ov->ov_loop, mstohz(ov->ov_period_s * 1000));
}

/* TimeSyncStopLoop(). */
static void
ovt_stop_loop(struct bl_ovt *ov)
{
	ovt_set_slew_state(ov, false);
	ovt_adjtime(0);			/* TimeSync_DisableTimeSlew() */
	callout_stop(&ov->ov_loop);
	ov->ov_state = OVT_STOPPED;
}

/* ParseBoolOption(). */
static int
ovt_bool(const char *value, bool *out)
{
	if (strcmp(value, "1") == 0)
		*out = true;
	else if (strcmp(value, "0") == 0)
		*out = false;
	else
		return EINVAL;
	return 0;
}

static int
ovt_uint(const char *value, long long *out)
{
	char *end;

	*out = strtoll(value, &end, 10);
	if (end == value || *end != '\0' || *out < 0 || *out > INT_MAX)
		return EINVAL;
	return 0;
}

static int
ovt_opt_synctime(struct bl_ovt *ov, const char *value)
{
	bool start;

	if (ovt_bool(value, &start) != 0)
		return EINVAL;
	if (start && ov->ov_state != OVT_RUNNING) {
		/* A re-tick, with tools.enable: a one-shot that may step back. */
		if (ov->ov_state == OVT_STOPPED && ov->ov_sync_before_loop)
			ovt_do_sync(ov, true, true);
		ovt_start_loop(ov);
	} else if (!start) {
		if (ov->ov_state == OVT_RUNNING)
			ovt_stop_loop(ov);
		else
			ov->ov_state = OVT_STOPPED;
	}
	return 0;
}

static int
ovt_opt_period(struct bl_ovt *ov, const char *value)
{
	long long v;

	if (ovt_uint(value, &v) != 0)
		return EINVAL;
	if (v <= 0)
		v = OVT_PERIOD_DEF_S;
	if (v != ov->ov_period_s) {
		ov->ov_period_s = (int)v;
		if (ov->ov_state == OVT_RUNNING) {
			ovt_stop_loop(ov);
			ovt_start_loop(ov);
		}
	}
	return 0;
}

/* TimeSyncSetOption(): every option it knows. */
static int
ovt_option(struct vmt_softc *sc, void *arg, const char *name,
    const char *value)
{
	struct bl_ovt *ov = arg;
	long long v;
	bool b;
	int error = 0;

	mutex_enter(&ov->ov_lock);
	if (strcmp(name, "synctime") == 0)
		error = ovt_opt_synctime(ov, value);
	else if (strcmp(name, "synctime.period") == 0)
		error = ovt_opt_period(ov, value);
	else if (strcmp(name, "time.synchronize.tools.slewCorrection") == 0)
		ov->ov_slew_correction = strcmp(value, "0") != 0;
	else if (strcmp(name,
	    "time.synchronize.tools.percentCorrection") == 0) {
		if ((v = strtoll(value, NULL, 10)) <= 0 || v > 100)
			v = OVT_PERCENT_DEF;
		ov->ov_percent = (int)v;
	} else if (strcmp(name,
	    "time.synchronize.tools.startup.backward") == 0)
		error = ovt_bool(value, &ov->ov_startup_backward);
	else if (strcmp(name, "time.synchronize.tools.startup") == 0) {
		if ((error = ovt_bool(value, &b)) == 0 && b &&
		    !ov->ov_startup_done)
			ovt_do_sync(ov, true, ov->ov_startup_backward);
		ov->ov_startup_done = true;
	} else if (strcmp(name, "time.synchronize.tools.enable") == 0)
		error = ovt_bool(value, &ov->ov_sync_before_loop);
	else
		error = EINVAL;
	mutex_exit(&ov->ov_lock);
	return error;
}

static const char *const ovt_options[] = {
	"synctime",
	"synctime.period",
	"time.synchronize.tools.slewCorrection",
	"time.synchronize.tools.percentCorrection",
	"time.synchronize.tools.startup.backward",
	"time.synchronize.tools.startup",
	"time.synchronize.tools.enable",
};

/* TimeSyncTcloHandler(): Time_Synchronize n. */
static void
ovt_event(struct vmt_softc *sc, void *arg, enum vmt_event ev, int n)
{
	struct bl_ovt *ov = arg;

	if (ev != VMT_EV_TIMESYNC)
		return;
	mutex_enter(&ov->ov_lock);
	ovt_do_sync(ov, true, n == 1);
	mutex_exit(&ov->ov_lock);
}

/*
 * Tools start: the VMX pushes its options in this order; vmtsim's host
 * does not push most of them, so attach plays them: synctime as
 * GETGUIOPTIONS reports it, then the tools defaults this model assumes
 * the VMX sends (vmtsim(1)).  The startup options come from the host
 * when the trace says what they are (host_startup).
 */
struct bl_ovt *
bl_ovt_attach(struct vmt_softc *sc, bool host_startup)
{
	struct bl_ovt *ov;
	uint32_t gui;
	size_t i;

	ov = kmem_zalloc(sizeof(*ov), KM_SLEEP);
	ov->ov_sc = sc;
	mutex_init(&ov->ov_lock, MUTEX_DEFAULT, IPL_NONE);
	ov->ov_state = OVT_INITIALIZING;
	ov->ov_period_s = OVT_PERIOD_DEF_S;
	ov->ov_percent = OVT_PERCENT_DEF;
	ov->ov_lag_cmd = true;
	callout_init(&ov->ov_loop, CALLOUT_MPSAFE);
	callout_setfunc(&ov->ov_loop, ovt_loop, ov);
	for (i = 0; i < __arraycount(ovt_options); i++)
		vmt_option_register(sc, ovt_options[i], ovt_option, ov);
	vmt_event_listen(sc, ovt_event, ov);

	(void)ovt_option(sc, ov, "time.synchronize.tools.slewCorrection",
	    "1");
	(void)ovt_option(sc, ov, "synctime", vmt_get_gui_options(&gui) == 0 &&
	    (gui & VM_GUI_SYNC_TIME) != 0 ? "1" : "0");
	(void)ovt_option(sc, ov, "time.synchronize.tools.enable", "1");
	if (!host_startup) {
		(void)ovt_option(sc, ov,
		    "time.synchronize.tools.startup.backward", "0");
		(void)ovt_option(sc, ov, "time.synchronize.tools.startup", "1");
	}
	return ov;
}

void
bl_ovt_detach(struct bl_ovt *ov)
{
	size_t i;

	vmt_event_listen(ov->ov_sc, NULL, NULL);
	for (i = 0; i < __arraycount(ovt_options); i++)
		vmt_option_unregister(ov->ov_sc, ovt_options[i]);
	callout_halt(&ov->ov_loop, NULL);
	callout_destroy(&ov->ov_loop);
	mutex_destroy(&ov->ov_lock);
	kmem_free(ov, sizeof(*ov));
}
