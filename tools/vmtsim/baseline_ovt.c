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
 * Baseline "ovt": a model of open-vm-tools' timeSync plugin
 * (services/plugins/timeSync/timeSync.c, timeSyncPosix.c) as it runs on
 * a BSD guest, where it slews with adjtime(2); see DOMAIN.md section 4.
 * It sits on our vmt(4) transport (built without options VMT_TIMESYNC)
 * and uses only the module interface of vmtvar.h:
 *
 *  - Set_Option synctime, synctime.period and
 *    time.synchronize.tools.percentCorrection are registered;
 *  - the periodic loop runs every synctime.period seconds (0 or unset:
 *    60) while synctime is 1;
 *  - a sample reads host, guest, host up to 4 times and keeps the read
 *    with the smallest host-host spread, stopping early at 2 ms or
 *    less; host time is the midpoint;
 *  - periodically: behind by more than maxTimeLag, step forward and
 *    STOPCATCHUP; otherwise replace the pending adjtime(2) (adjtime1())
 *    with percentCorrection % (default 50) of -offset; never step back;
 *  - Time_Synchronize n (sent by the host after a resume): step forward
 *    if behind by more than maxTimeLag, backward only if n is 1 and
 *    ahead by more than maxTimeLag; this runs whatever synctime says,
 *    as open-vm-tools does (its issue 302);
 *  - at start, one forward-only one-shot, as tools startup does.
 *
 * The host pushes its options when tools connect; this model reads the
 * checkbox with GETGUIOPTIONS at attach instead, which gives the same
 * value.
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

#include <dev/vmt/vmtreg.h>
#include <dev/vmt/vmtvar.h>

#include "baseline.h"

#define OVT_PERIOD_DEF_S	60
#define OVT_PERCENT_DEF		50
#define OVT_TRIES		4
#define OVT_GOOD_SPREAD_NS	2000000LL
#define NS_PER_S		1000000000LL

struct bl_ovt {
	struct vmt_softc *ov_sc;
	kmutex_t	ov_lock;	/* guards the three settings */
	int		ov_synctime;	/* 0 or 1 */
	int		ov_period_s;	/* > 0 */
	int		ov_percent;	/* 1..100 */
	callout_t	ov_loop;
};

struct ovt_sample {
	int64_t		offset_ns;	/* guest - host */
	int64_t		maxlag_ns;
};

static int64_t
ovt_host_ns(int64_t *maxlag_ns)
{
	struct vmt_hosttime ht;

	if (vmt_get_time_full(&ht, false) != 0)
		return -1;
	*maxlag_ns = (int64_t)ht.ht_maxlag_us * 1000;
	return ht.ht_sec * NS_PER_S + (int64_t)ht.ht_usec * 1000;
}

/* TimeSyncReadHostAndGuest(): the tightest of up to OVT_TRIES reads. */
static int
ovt_sample(struct ovt_sample *s)
{
	struct timespec g;
	int64_t h1, h2, lag, best = -1;
	int i;

	for (i = 0; i < OVT_TRIES; i++) {
		if ((h1 = ovt_host_ns(&lag)) < 0)
			return EIO;
		nanotime(&g);
		if ((h2 = ovt_host_ns(&lag)) < 0)
			return EIO;
		if (best < 0 || h2 - h1 < best) {
			best = h2 - h1;
			s->offset_ns = (int64_t)g.tv_sec * NS_PER_S +
			    g.tv_nsec - (h1 + (h2 - h1) / 2);
			s->maxlag_ns = lag;
		}
		if (best <= OVT_GOOD_SPREAD_NS)
			break;
	}
	return 0;
}

/* TimeSync_AddToCurrentTime(): step by delta, then drop the catch-up. */
static void
ovt_step(int64_t delta_ns)
{
	struct timespec now;
	int64_t t;

	nanotime(&now);
	t = (int64_t)now.tv_sec * NS_PER_S + now.tv_nsec + delta_ns;
	now.tv_sec = (time_t)(t / NS_PER_S);
	now.tv_nsec = (long)(t % NS_PER_S);
	tc_setclock(&now);
	vmt_stop_catchup();
}

/* TimeSyncDoSync(). */
static void
ovt_sync(struct bl_ovt *ov, bool once, bool allow_back)
{
	struct ovt_sample s;
	struct timeval delta;
	int64_t delta_us;
	int percent;

	if (ovt_sample(&s) != 0)
		return;
	if (-s.offset_ns > s.maxlag_ns) {
		ovt_step(-s.offset_ns);
		return;
	}
	if (once) {
		if (allow_back && s.offset_ns > s.maxlag_ns)
			ovt_step(-s.offset_ns);
		return;
	}
	mutex_enter(&ov->ov_lock);
	percent = ov->ov_percent;
	mutex_exit(&ov->ov_lock);
	/*
	 * BSD adjtime(2) replaces whatever is still pending; the kernel
	 * slews it at 500 ppm, 5000 ppm while more than 1 s is pending.
	 */
	delta_us = -s.offset_ns * percent / 100 / 1000;
	delta.tv_sec = (time_t)(delta_us / 1000000);
	delta.tv_usec = (long)(delta_us % 1000000);
	if (delta.tv_usec < 0) {
		delta.tv_sec--;
		delta.tv_usec += 1000000;
	}
	adjtime1(&delta, NULL, curproc);
}

static void
ovt_schedule(struct bl_ovt *ov)
{
	int period;

	mutex_enter(&ov->ov_lock);
	period = ov->ov_period_s;
	mutex_exit(&ov->ov_lock);
	callout_schedule(&ov->ov_loop, mstohz(period * 1000));
}

static void
ovt_loop(void *arg)
{
	struct bl_ovt *ov = arg;
	int on;

	mutex_enter(&ov->ov_lock);
	on = ov->ov_synctime;
	mutex_exit(&ov->ov_lock);
	if (!on)
		return;
	ovt_sync(ov, false, false);
	ovt_schedule(ov);
}

static int
ovt_parse(const char *value, long long lo, long long hi, int *out)
{
	long long v;
	char *end;

	v = strtoll(value, &end, 10);
	if (end == value || *end != '\0' || v < lo || v > hi)
		return EINVAL;
	*out = (int)v;
	return 0;
}

static int
ovt_opt_synctime(struct vmt_softc *sc, void *arg, const char *name,
    const char *value)
{
	struct bl_ovt *ov = arg;
	int v, was;

	if (ovt_parse(value, 0, 1, &v) != 0)
		return EINVAL;
	mutex_enter(&ov->ov_lock);
	was = ov->ov_synctime;
	ov->ov_synctime = v;
	mutex_exit(&ov->ov_lock);
	/* TimeSyncStartStopLoop(): a loop starting syncs at once. */
	if (v && !was)
		callout_schedule(&ov->ov_loop, 1);
	else if (!v)
		callout_stop(&ov->ov_loop);
	return 0;
}

static int
ovt_opt_period(struct vmt_softc *sc, void *arg, const char *name,
    const char *value)
{
	struct bl_ovt *ov = arg;
	int v;

	if (ovt_parse(value, 0, 86400, &v) != 0)
		return EINVAL;
	mutex_enter(&ov->ov_lock);
	ov->ov_period_s = v == 0 ? OVT_PERIOD_DEF_S : v;
	mutex_exit(&ov->ov_lock);
	return 0;
}

static int
ovt_opt_percent(struct vmt_softc *sc, void *arg, const char *name,
    const char *value)
{
	struct bl_ovt *ov = arg;
	int v;

	if (ovt_parse(value, 1, 100, &v) != 0)
		return EINVAL;
	mutex_enter(&ov->ov_lock);
	ov->ov_percent = v;
	mutex_exit(&ov->ov_lock);
	return 0;
}

static void
ovt_event(struct vmt_softc *sc, void *arg, enum vmt_event ev, int n)
{
	struct bl_ovt *ov = arg;

	if (ev == VMT_EV_TIMESYNC)
		ovt_sync(ov, true, n == 1);
}

struct bl_ovt *
bl_ovt_attach(struct vmt_softc *sc)
{
	struct bl_ovt *ov;
	uint32_t gui;

	ov = kmem_zalloc(sizeof(*ov), KM_SLEEP);
	ov->ov_sc = sc;
	mutex_init(&ov->ov_lock, MUTEX_DEFAULT, IPL_NONE);
	ov->ov_period_s = OVT_PERIOD_DEF_S;
	ov->ov_percent = OVT_PERCENT_DEF;
	ov->ov_synctime = vmt_get_gui_options(&gui) == 0 &&
	    (gui & VM_GUI_SYNC_TIME) != 0;
	callout_init(&ov->ov_loop, CALLOUT_MPSAFE);
	callout_setfunc(&ov->ov_loop, ovt_loop, ov);
	vmt_option_register(sc, "synctime", ovt_opt_synctime, ov);
	vmt_option_register(sc, "synctime.period", ovt_opt_period, ov);
	vmt_option_register(sc, "time.synchronize.tools.percentCorrection",
	    ovt_opt_percent, ov);
	vmt_event_listen(sc, ovt_event, ov);
	ovt_sync(ov, true, false);
	if (ov->ov_synctime)
		ovt_schedule(ov);
	return ov;
}

void
bl_ovt_detach(struct bl_ovt *ov)
{
	vmt_event_listen(ov->ov_sc, NULL, NULL);
	vmt_option_unregister(ov->ov_sc, "synctime");
	vmt_option_unregister(ov->ov_sc, "synctime.period");
	vmt_option_unregister(ov->ov_sc,
	    "time.synchronize.tools.percentCorrection");
	callout_halt(&ov->ov_loop, NULL);
	callout_destroy(&ov->ov_loop);
	mutex_destroy(&ov->ov_lock);
	kmem_free(ov, sizeof(*ov));
}
