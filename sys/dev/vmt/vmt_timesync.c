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
 * vmt(4) time synchronisation (options VMT_TIMESYNC).
 *
 * The glue between the host and the policy in vmt_tspolicy.c: it
 * samples host time through the backdoor, bracketed by timecounter
 * reads, feeds the samples and the host's events to the policy, and
 * applies the policy's decisions with tc_adjtime(), tc_adjfreq() and
 * tc_setclock().  It follows the host's "synchronize time" flag, as
 * pushed with Set_Option synctime and as read with GETGUIOPTIONS, and
 * lets sysctl override it (mode) or change it on the host
 * (host_synctime).
 *
 * Every TCLO poll also reads host time, bracketed: a VM that was
 * suspended, or restored from a snapshot, shows a jump of host time
 * against uptime within a second even when every host message about it
 * was lost; and while periodic sync runs the read is a sample for the
 * policy's estimator, which so gets a read a second for free.  After
 * OS_Suspend the module reads every VMT_TS_WATCH_MS until the VM has
 * stopped and come back, so that the resume is seen at once.  No host
 * time is acted on before vmt_ts_vet() (vmt_timesync_host.c) believes
 * it, on any path.
 *
 * Locking: ts_lock guards everything below marked [t].  Order:
 * sc_lock (transport), then ts_lock, then timecounter_lock (taken
 * inside tc_adjtime() and friends).  RPCI calls are made without
 * ts_lock held, since the transport may take sc_lock.
 */

#include <sys/cdefs.h>
__KERNEL_RCSID(0, "$NetBSD$");

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/callout.h>
#include <sys/device.h>
#include <sys/kauth.h>
#include <sys/kernel.h>
#include <sys/kmem.h>
#include <sys/lwp.h>
#include <sys/mutex.h>
#include <sys/sysctl.h>
#include <sys/syslog.h>
#include <sys/time.h>
#include <sys/timetc.h>

#include <dev/vmt/vmtreg.h>
#include <dev/vmt/vmtvar.h>
#include <dev/vmt/vmt_tspolicy.h>
#include <dev/vmt/vmt_timesyncvar.h>

#include "opt_vmt.h"

/* Build-time defaults (options VMT_TIMESYNC_PERIOD=30 ...). */
#ifndef VMT_TIMESYNC_PERIOD
#define VMT_TIMESYNC_PERIOD	VMT_TSP_PERIOD_DEFAULT_S
#endif
#ifndef VMT_TIMESYNC_STEP_MS
#define VMT_TIMESYNC_STEP_MS	(VMT_TSP_STEP_DEFAULT_NS / 1000000)
#endif
#ifdef VMT_TIMESYNC_ALLOW_BACKWARD
#define VMT_TIMESYNC_BACKWARD_DEFAULT	1
#else
#define VMT_TIMESYNC_BACKWARD_DEFAULT	0
#endif
CTASSERT(VMT_TIMESYNC_PERIOD >= VMT_TSP_PERIOD_MIN_S &&
    VMT_TIMESYNC_PERIOD <= VMT_TSP_PERIOD_MAX_S);
CTASSERT(VMT_TIMESYNC_STEP_MS >= VMT_TSP_STEP_MIN_NS / 1000000 &&
    VMT_TIMESYNC_STEP_MS <= 86400000);

/* A host read held for confirmation: read again this much later, */
#define VMT_TS_CONFIRM_MS	250
/* ... or this much, when the VMX vouches for the jump. */
#define VMT_TS_CONFIRM_FAST_MS	10
/* After OS_Suspend: read every VMT_TS_WATCH_MS for VMT_TS_WATCH_S. */
#define VMT_TS_WATCH_MS		20
#define VMT_TS_WATCH_S		30
/* A host years off: sample again this much later (polls read too). */
#define VMT_TS_INSANE_RETRY_MS	10000
/* Slews taking longer than this are announced in the log. */
#define VMT_TS_LONG_SLEW_S	3600

const char *const vmt_ts_mode_names[VMT_TS_NMODES] = { "host", "on", "off" };
const char *const vmt_ts_source_names[VMT_TS_NSOURCES] = {
	"none", "push", "read", "write"
};
const char *const vmt_ts_tools_options[VMT_TS_NTOOLS] = {
	VMT_TS_TOOLS_PREFIX "slewCorrection",
	VMT_TS_TOOLS_PREFIX "percentCorrection",
	VMT_TS_TOOLS_PREFIX "startup",
	VMT_TS_TOOLS_PREFIX "startup.backward",
	VMT_TS_TOOLS_PREFIX "enable",
};

/*
 * Their names under machdep.vmt0.timesync.host_options: sysctl(9)
 * names are letters, digits, '-' and '_' only.
 */
const char *const vmt_ts_tools_sysctl_names[VMT_TS_NTOOLS] = {
	"slewCorrection",
	"percentCorrection",
	"startup",
	"startup_backward",
	"enable",
};

static void	vmt_ts_sample_locked(struct vmt_timesync *);
static void	vmt_ts_act(struct vmt_timesync *,
		    const struct vmt_tsp_decision *);
static void	vmt_ts_oneshot(struct vmt_timesync *, enum vmt_tsp_event,
		    uint64_t *);
static bool	vmt_ts_check(struct vmt_timesync *, struct vmt_tsp_sample *);

/* Is the policy allowed to touch the clock? */
static bool
vmt_ts_enabled(const struct vmt_timesync *ts)
{
	switch (ts->ts_mode) {
	case VMT_TS_MODE_ON:
		return true;
	case VMT_TS_MODE_OFF:
		return false;
	default:
		/* ... and stand aside while userland disciplines the clock. */
		return ts->ts_host_flag == 1 && !ts->ts_disc.di_present;
	}
}

static int64_t
vmt_ts_current_freq(void)
{
	int64_t f = 0;

	(void)tc_adjfreq(&f, NULL);
	return f;
}

/* Hand the current settings to the policy and apply its answer. */
void
vmt_ts_reconfigure(struct vmt_timesync *ts)
{
	struct vmt_tsp_config cfg;
	struct vmt_tsp_decision dc;

	KASSERT(mutex_owned(&ts->ts_lock));
	cfg = ts->ts_cfg;
	cfg.tc_enabled = vmt_ts_enabled(ts);
	cfg.tc_allow_backward = ts->ts_allow_back != 0;
	cfg.tc_step_ns = (int64_t)ts->ts_step_ms * 1000000;
	cfg.tc_period_s = (uint32_t)ts->ts_period_s;
	if (!vmt_tspolicy_configure(&ts->ts_policy, &cfg,
	    vmt_ts_current_freq(), &dc))
		return;
	ts->ts_cfg = cfg;
	vmt_ts_act(ts, &dc);
}

/* Say, at most once a minute, that the kernel refused an adjustment. */
static void
vmt_ts_log_refused(struct vmt_timesync *ts, const char *what, int error,
    long long val)
{
	static const struct timeval interval = { VMT_LOG_INTERVAL_S, 0 };

	ts->ts_st.st_refused++;
	if (ratecheck(&ts->ts_refuse_log, &interval))
		log(LOG_WARNING, "%s: timesync: kernel refused %s %lld "
		    "(error %d; %llu refused so far)\n",
		    device_xname(ts->ts_sc->sc_dev), what, val, error,
		    (unsigned long long)ts->ts_st.st_refused);
}

void
vmt_ts_step(struct vmt_timesync *ts, int64_t step_ns)
{
	struct timespec now, to;

	nanotime(&now);
	if (!vmt_ts_add_ns(&now, step_ns, &to)) {
		/* Only a clock set near the end of time_t gets here. */
		vmt_ts_log_refused(ts, "a step to beyond time_t, ns", ERANGE,
		    (long long)step_ns);
		return;
	}
	tc_setclock(&to);
	ts->ts_long_slew = false;
	if (step_ns < 0) {
		ts->ts_st.st_steps_back++;
		log(LOG_NOTICE, "%s: timesync: stepped clock back by "
		    "%lld.%09lld s\n", device_xname(ts->ts_sc->sc_dev),
		    (long long)(-step_ns / VMT_NS_PER_S),
		    (long long)(-step_ns % VMT_NS_PER_S));
	} else {
		ts->ts_st.st_steps_fwd++;
		log(LOG_INFO, "%s: timesync: stepped clock forward by "
		    "%lld.%09lld s\n", device_xname(ts->ts_sc->sc_dev),
		    (long long)(step_ns / VMT_NS_PER_S),
		    (long long)(step_ns % VMT_NS_PER_S));
	}
}

/*
 * Arm the sampling callout.  With periodic sync off (clock_sync.period
 * 0) it stays idle: only events (attach, resume, Time_Synchronize, a
 * checkpoint, a discontinuity) take samples, at once.
 */
static void
vmt_ts_schedule(struct vmt_timesync *ts, uint32_t ms)
{
	if (ts->ts_dying || !ts->ts_periodic || ms == VMT_TSP_NEXT_KEEP)
		return;
	callout_schedule(&ts->ts_callout, ms == 0 ? 1 :
	    mstohz((int)MIN(ms, (uint32_t)INT32_MAX / 1000)));
}

/*
 * A host read is held for confirmation: read again soon, periodic
 * samples or not, since confirming is part of handling the event (a
 * resume, say) that the read is about.
 */
static void
vmt_ts_schedule_confirm(struct vmt_timesync *ts)
{
	int t;

	if (ts->ts_dying)
		return;
	ts->ts_confirming = true;
	t = mstohz(ts->ts_cand_fast ? VMT_TS_CONFIRM_FAST_MS :
	    VMT_TS_CONFIRM_MS);
	callout_schedule(&ts->ts_callout, t > 0 ? t : 1);
}

/*
 * A slew that takes the kernel more than VMT_TS_LONG_SLEW_S (5000 ppm:
 * an hour for 18 s) is announced once, with how long it will take.
 */
static void
vmt_ts_announce(struct vmt_timesync *ts, int64_t slew_us)
{
	struct vmt_tsp_status st;
	int64_t off, secs;

	vmt_tspolicy_status(&ts->ts_policy, &st);
	/* The whole offset, not just the part asked for this time. */
	off = st.st_est_offset_ns;
	if (off == INT64_MIN)
		off++;
	secs = (off < 0 ? -off : off) / (VMT_TSP_SLEW_RATE_US * 1000);
	if (slew_us == 0 || secs < VMT_TS_LONG_SLEW_S) {
		ts->ts_long_slew = false;
		return;
	}
	if (ts->ts_long_slew)
		return;
	ts->ts_long_slew = true;
	log(LOG_NOTICE, "%s: timesync: guest %s by %lld s: slewing at "
	    "%lld ppm, which takes %lld days %lld hours\n",
	    device_xname(ts->ts_sc->sc_dev), off > 0 ? "ahead" : "behind",
	    (long long)((off < 0 ? -off : off) / VMT_NS_PER_S),
	    (long long)VMT_TSP_SLEW_RATE_US, (long long)(secs / 86400),
	    (long long)(secs % 86400 / 3600));
}

static void
vmt_ts_apply(struct vmt_timesync *ts, const struct vmt_tsp_decision *dc)
{
	unsigned refused = 0;
	int64_t v;
	int error;

	KASSERT(mutex_owned(&ts->ts_lock));
	if (dc->dc_set_freq) {
		v = dc->dc_freq;
		if ((error = tc_adjfreq(NULL, &v)) != 0) {
			refused |= VMT_TSP_REFUSED_FREQ;
			vmt_ts_log_refused(ts, "frequency correction, ppb",
			    error, (long long)(dc->dc_freq / VMT_TSP_FREQ_PPB));
		}
	}
	switch (dc->dc_action) {
	case VMT_TSP_SLEW:
		v = dc->dc_slew_us;
		if ((error = tc_adjtime(NULL, &v)) != 0) {
			refused |= VMT_TSP_REFUSED_SLEW;
			vmt_ts_log_refused(ts, "slew, us", error,
			    (long long)dc->dc_slew_us);
			break;
		}
		ts->ts_st.st_slews++;
		vmt_ts_announce(ts, dc->dc_slew_us);
		break;
	case VMT_TSP_STEP:
		vmt_ts_step(ts, dc->dc_step_ns);
		break;
	case VMT_TSP_NONE:
		break;
	}
	/* The policy's model of the kernel must not believe it happened. */
	if (refused != 0)
		vmt_tspolicy_refused(&ts->ts_policy, refused);
	if (dc->dc_action == VMT_TSP_STEP || (dc->dc_action == VMT_TSP_SLEW &&
	    (refused & VMT_TSP_REFUSED_SLEW) == 0))
		ts->ts_st.st_last_sync = time_second;
	if (dc->dc_stopcatchup)
		vmt_stop_catchup();
	vmt_ts_schedule(ts, dc->dc_next_ms);
}

/*
 * Apply a decision taken outside a sample (an event, a new setting) and,
 * if the policy wants a sample now, take it now rather than a tick later.
 */
static void
vmt_ts_act(struct vmt_timesync *ts, const struct vmt_tsp_decision *dc)
{
	vmt_ts_apply(ts, dc);
	if (dc->dc_next_ms == 0) {
		callout_stop(&ts->ts_callout);
		vmt_ts_sample_locked(ts);
	}
}

/*
 * The host's flag is now flag, learnt from src.  Ticked again after it
 * was set and cleared, with time.synchronize.tools.enable on, it asks
 * for a one-shot that may step back, as open-vm-tools does: the host
 * asked.  The first tick of a box that was clear since attach is not
 * taken for that: the driver never synchronised with the host then.
 */
void
vmt_ts_set_flag(struct vmt_timesync *ts, int flag, enum vmt_ts_source src)
{
	bool retick;

	KASSERT(mutex_owned(&ts->ts_lock));
	retick = ts->ts_host_flag == 0 && flag == 1 && ts->ts_flag_was_set &&
	    ts->ts_mode == VMT_TS_MODE_HOST &&
	    ts->ts_tools_opt[VMT_TS_TOOL_ENABLE] != 0;
	if (flag == 1)
		ts->ts_flag_was_set = true;
	ts->ts_host_flag = flag;
	ts->ts_flag_src = src;
	vmt_ts_reconfigure(ts);
	if (retick)
		vmt_ts_oneshot(ts, VMT_TSP_EV_SYNC_BACKWARD,
		    &ts->ts_st.st_resume_msg);
}

/* GETGUIOPTIONS: the host's checkbox, when the host can tell. */
void
vmt_ts_read_flag(struct vmt_timesync *ts)
{
	uint32_t opts;
	int flag;

	KASSERT(mutex_owned(&ts->ts_lock));
	if (vmt_get_gui_options(&opts) != 0) {
		ts->ts_guiopt_ok = false;
		return;
	}
	ts->ts_guiopt_ok = true;
	flag = (opts & VM_GUI_SYNC_TIME) != 0;
	if (flag != ts->ts_host_flag || ts->ts_flag_src == VMT_TS_SRC_NONE)
		vmt_ts_set_flag(ts, flag, VMT_TS_SRC_READ);
}

/*
 * A new timecounter runs at its own error: the correction learnt for
 * the old one is wrong for it, by as much as both errors together.  So
 * the policy is told at once, and drops the correction.  Returns true
 * if the counter changed.
 */
static bool
vmt_ts_check_counter(struct vmt_timesync *ts)
{
	struct vmt_tsp_decision dc;
	u_int gen;

	KASSERT(mutex_owned(&ts->ts_lock));
	gen = tc_hardware_generation();
	if (gen == ts->ts_tc_gen)
		return false;
	ts->ts_tc_gen = gen;
	vmt_tspolicy_event(&ts->ts_policy, VMT_TSP_EV_TC_CHANGED, &dc);
	dc.dc_next_ms = VMT_TSP_NEXT_KEEP;
	vmt_ts_apply(ts, &dc);
	return true;
}

/* Hand a believed sample to the policy and apply its answer. */
static void
vmt_ts_feed(struct vmt_timesync *ts, const struct vmt_tsp_sample *s)
{
	struct vmt_tsp_decision dc;

	ts->ts_st.st_samples++;
	ts->ts_st.st_offset_ns = s->ts_offset_ns;
	vmt_ts_disc_sample(ts, s);
	vmt_tspolicy_sample(&ts->ts_policy, s, &dc);
	vmt_ts_apply(ts, &dc);
}

static void
vmt_ts_sample_locked(struct vmt_timesync *ts)
{
	struct vmt_tsp_sample s;
	struct vmt_tsp_decision dc;
	struct vmt_ts_read rd;

	KASSERT(mutex_owned(&ts->ts_lock));
	if (ts->ts_dying)
		return;
	/* A discipline came or went: the policy has been told, and acted. */
	if (vmt_ts_disc_check(ts))
		return;
	if (ts->ts_mode == VMT_TS_MODE_HOST && ts->ts_guiopt_ok)
		vmt_ts_read_flag(ts);
	(void)vmt_ts_check_counter(ts);
	memset(&s, 0, sizeof(s));
	if (vmt_ts_take_sample(ts, &s, &rd, 0) != 0) {
		vmt_ts_schedule(ts, (uint32_t)ts->ts_period_s * 1000);
		return;
	}
	switch (vmt_ts_vet(ts, &rd)) {
	case VMT_TS_VET_CONFIRM:
		/* Not believed yet: the policy sees it once confirmed. */
		vmt_ts_schedule_confirm(ts);
		return;
	case VMT_TS_VET_REJECT:
		vmt_ts_schedule(ts, MIN(VMT_TS_INSANE_RETRY_MS,
		    (uint32_t)ts->ts_period_s * 1000));
		return;
	case VMT_TS_VET_JUMP:
		/*
		 * A suspend, or the host stepped: this is a one-shot, unless
		 * one is under way already (the OS_Resume that told us).
		 */
		ts->ts_watch_until = 0;
		if (ts->ts_policy.tp_oneshot)
			break;
		ts->ts_st.st_resume_disc++;
		vmt_tspolicy_event(&ts->ts_policy, VMT_TSP_EV_DISCONTINUITY,
		    &dc);
		dc.dc_next_ms = VMT_TSP_NEXT_KEEP;
		vmt_ts_apply(ts, &dc);
		break;
	case VMT_TS_VET_OK:
		break;
	}
	vmt_ts_feed(ts, &s);
}

static void
vmt_ts_tick(void *arg)
{
	struct vmt_timesync *ts = arg;

	mutex_enter(&ts->ts_lock);
	if (ts->ts_periodic || ts->ts_confirming) {
		ts->ts_confirming = false;
		vmt_ts_sample_locked(ts);
	}
	mutex_exit(&ts->ts_lock);
}

/* NetBSD's clock_sync.period 0 (off) or not; on again samples now. */
void
vmt_ts_set_periodic(struct vmt_timesync *ts, bool on)
{
	KASSERT(mutex_owned(&ts->ts_lock));
	if (on == ts->ts_periodic)
		return;
	ts->ts_periodic = on;
	if (on)
		vmt_ts_sample_locked(ts);
	else
		callout_stop(&ts->ts_callout);
}

/* A one-shot: note why, tell the policy, act at once. */
static void
vmt_ts_oneshot(struct vmt_timesync *ts, enum vmt_tsp_event ev,
    uint64_t *counter)
{
	struct vmt_tsp_decision dc;

	KASSERT(mutex_owned(&ts->ts_lock));
	if (counter != NULL)
		(*counter)++;
	vmt_tspolicy_event(&ts->ts_policy, ev, &dc);
	vmt_ts_act(ts, &dc);
}

/*
 * One bracketed host read through the bound, and what it says about a
 * jump of host time against uptime acted on: a jump held for
 * confirmation is read again soon; a confirmed one is a one-shot (or
 * the sample the one-shot under way was waiting for).  Returns true,
 * with the read as a sample in *s, if it was believed and nothing
 * else was done with it.
 */
static bool
vmt_ts_check(struct vmt_timesync *ts, struct vmt_tsp_sample *s)
{
	struct vmt_ts_read rd;

	KASSERT(mutex_owned(&ts->ts_lock));
	memset(s, 0, sizeof(*s));
	if (vmt_ts_take_sample(ts, s, &rd, 1) != 0)
		return false;
	switch (vmt_ts_vet(ts, &rd)) {
	case VMT_TS_VET_OK:
		return true;
	case VMT_TS_VET_REJECT:
		break;
	case VMT_TS_VET_CONFIRM:
		/* Confirm it with samples, not only with the next polls. */
		if (ts->ts_cand_reads == 1 || ts->ts_cand_fast)
			vmt_ts_schedule_confirm(ts);
		break;
	case VMT_TS_VET_JUMP:
		ts->ts_watch_until = 0;
		if (!ts->ts_policy.tp_oneshot) {
			vmt_ts_oneshot(ts, VMT_TSP_EV_DISCONTINUITY,
			    &ts->ts_st.st_resume_disc);
			break;
		}
		/* The one-shot under way was waiting for this: sample. */
		callout_stop(&ts->ts_callout);
		vmt_ts_sample_locked(ts);
		break;
	}
	return false;
}

/*
 * On every TCLO poll: has the timecounter changed; and one host read,
 * which while periodic sync runs is a sample for the estimator too
 * (unless a one-shot or a confirmation is waiting for a full sample).
 */
static void
vmt_ts_poll(struct vmt_timesync *ts)
{
	struct vmt_tsp_sample s;

	KASSERT(mutex_owned(&ts->ts_lock));
	(void)vmt_ts_disc_check(ts);
	if (vmt_ts_check_counter(ts)) {
		callout_stop(&ts->ts_callout);
		vmt_ts_sample_locked(ts);
	}
	if (!vmt_ts_check(ts, &s) || !ts->ts_periodic ||
	    ts->ts_policy.tp_oneshot || ts->ts_confirming)
		return;
	s.ts_light = true;
	vmt_ts_feed(ts, &s);
}

/*
 * After OS_Suspend the VM stops as soon as the guest has answered, and
 * no callout runs until it comes back: read host time every
 * VMT_TS_WATCH_MS meanwhile, so that the first thing the guest does
 * after the resume is to see it, not a poll up to a second later.
 */
static void
vmt_ts_watch_tick(void *arg)
{
	struct vmt_timesync *ts = arg;
	struct vmt_tsp_sample s;

	mutex_enter(&ts->ts_lock);
	if (!ts->ts_dying && ts->ts_watch_until != 0 &&
	    vmt_ts_uptime_ns() < ts->ts_watch_until) {
		(void)vmt_ts_check(ts, &s);
		if (ts->ts_watch_until != 0)
			callout_schedule(&ts->ts_watch,
			    MAX(mstohz(VMT_TS_WATCH_MS), 1));
	} else
		ts->ts_watch_until = 0;
	mutex_exit(&ts->ts_lock);
}

static void
vmt_ts_watch_start(struct vmt_timesync *ts)
{
	KASSERT(mutex_owned(&ts->ts_lock));
	if (ts->ts_dying)
		return;
	ts->ts_watch_until = vmt_ts_uptime_ns() + VMT_TS_WATCH_S * VMT_NS_PER_S;
	callout_schedule(&ts->ts_watch, MAX(mstohz(VMT_TS_WATCH_MS), 1));
}

static void
vmt_ts_event(struct vmt_softc *sc, void *arg, enum vmt_event ev, int n)
{
	struct vmt_timesync *ts = arg;

	mutex_enter(&ts->ts_lock);
	switch (ev) {
	case VMT_EV_POLL:
		vmt_ts_poll(ts);
		break;
	case VMT_EV_RESET:
		/* The host (re)announced itself: its flag may be new. */
		vmt_ts_stopped(ts);
		if (ts->ts_mode == VMT_TS_MODE_HOST)
			vmt_ts_read_flag(ts);
		vmt_ts_oneshot(ts, VMT_TSP_EV_CHECKPOINT,
		    &ts->ts_st.st_resume_cpt);
		break;
	case VMT_EV_CHECKPOINT:
		vmt_ts_stopped(ts);
		vmt_ts_oneshot(ts, VMT_TSP_EV_CHECKPOINT,
		    &ts->ts_st.st_resume_cpt);
		break;
	case VMT_EV_RESUME:
		vmt_ts_stopped(ts);
		vmt_ts_oneshot(ts, VMT_TSP_EV_RESUME,
		    &ts->ts_st.st_resume_msg);
		break;
	case VMT_EV_TIMESYNC:
		vmt_ts_oneshot(ts, n == 1 ? VMT_TSP_EV_SYNC_BACKWARD :
		    VMT_TSP_EV_SYNC, &ts->ts_st.st_resume_msg);
		break;
	case VMT_EV_SUSPEND:
		/* The counter is about to stop: watch for the return. */
		vmt_ts_stopped(ts);
		vmt_ts_watch_start(ts);
		break;
	}
	mutex_exit(&ts->ts_lock);
}

/* Strictly parse a decimal in [lo, hi]. */
static int
vmt_ts_parse_int(const char *s, long long lo, long long hi, long long *vp)
{
	long long v = 0;

	if (*s == '\0')
		return EINVAL;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return EINVAL;
		v = v * 10 + (*s - '0');
		if (v > hi)
			return EINVAL;
	}
	if (v < lo)
		return EINVAL;
	*vp = v;
	return 0;
}

static int
vmt_ts_opt_synctime(struct vmt_softc *sc, void *arg, const char *name,
    const char *value)
{
	struct vmt_timesync *ts = arg;
	long long v;

	if (vmt_ts_parse_int(value, 0, 1, &v) != 0)
		return EINVAL;
	mutex_enter(&ts->ts_lock);
	vmt_ts_set_flag(ts, (int)v, VMT_TS_SRC_PUSH);
	mutex_exit(&ts->ts_lock);
	return 0;
}

static int
vmt_ts_opt_period(struct vmt_softc *sc, void *arg, const char *name,
    const char *value)
{
	struct vmt_timesync *ts = arg;
	long long v;

	if (vmt_ts_parse_int(value, 0, VMT_TSP_PERIOD_MAX_S, &v) != 0)
		return EINVAL;
	mutex_enter(&ts->ts_lock);
	ts->ts_period_s = v == 0 ? VMT_TSP_PERIOD_DEFAULT_S : (int)v;
	vmt_ts_reconfigure(ts);
	mutex_exit(&ts->ts_lock);
	return 0;
}

static int
vmt_ts_opt_tools(struct vmt_softc *sc, void *arg, const char *name,
    const char *value)
{
	struct vmt_timesync *ts = arg;
	enum vmt_tsp_event ev;
	long long v;
	size_t i;

	for (i = 0; i < VMT_TS_NTOOLS; i++)
		if (strcmp(name, vmt_ts_tools_options[i]) == 0)
			break;
	if (i == VMT_TS_NTOOLS)
		return EINVAL;
	if (vmt_ts_parse_int(value, 0, 100, &v) != 0)
		return EINVAL;
	/* percentCorrection is 1..100, the others are booleans. */
	if (strcmp(name, "time.synchronize.tools.percentCorrection") == 0 ?
	    v < 1 : v > 1)
		return EINVAL;
	mutex_enter(&ts->ts_lock);
	ts->ts_tools_opt[i] = (int)v;
	if (vmt_ts_startup_option(ts, i, (int)v, &ev))
		vmt_ts_oneshot(ts, ev, &ts->ts_st.st_startup);
	mutex_exit(&ts->ts_lock);
	return 0;
}

/* --- attach / detach ------------------------------------------------- */

void
vmt_timesync_attach(struct vmt_softc *sc)
{
	struct vmt_timesync *ts;
	size_t i;

	ts = kmem_zalloc(sizeof(*ts), KM_SLEEP);
	ts->ts_sc = sc;
	mutex_init(&ts->ts_lock, MUTEX_DEFAULT, IPL_NONE);
	callout_init(&ts->ts_callout, CALLOUT_MPSAFE);
	callout_setfunc(&ts->ts_callout, vmt_ts_tick, ts);
	callout_init(&ts->ts_watch, CALLOUT_MPSAFE);
	callout_setfunc(&ts->ts_watch, vmt_ts_watch_tick, ts);
	ts->ts_mode = VMT_TS_MODE_HOST;
	ts->ts_host_flag = -1;
	ts->ts_flag_src = VMT_TS_SRC_NONE;
	ts->ts_guiopt_ok = true;
	ts->ts_tcmd = VMT_TS_TCMD_LAG;
	ts->ts_pclk_use = 1;
	ts->ts_pclk = VMT_TS_PCLK_UNKNOWN;
	ts->ts_step_ms = VMT_TIMESYNC_STEP_MS;
	ts->ts_period_s = VMT_TIMESYNC_PERIOD;
	ts->ts_periodic = true;
	ts->ts_allow_back = VMT_TIMESYNC_BACKWARD_DEFAULT;
	/* open-vm-tools' defaults for what the host has not pushed. */
	ts->ts_tools_opt[0] = 1;	/* slewCorrection */
	ts->ts_tools_opt[1] = 50;	/* percentCorrection */
	/* startup and startup.backward: 0 until the host says (as ovt). */
	ts->ts_tools_opt[VMT_TS_TOOL_ENABLE] = 1;
	vmt_tspolicy_defaults(&ts->ts_cfg);
	ts->ts_cfg.tc_enabled = false;
	(void)vmt_tspolicy_init(&ts->ts_policy, &ts->ts_cfg,
	    vmt_ts_current_freq());
	ts->ts_tc_gen = tc_hardware_generation();
	sc->sc_timesync = ts;

	vmt_ts_sysctl_setup(ts);
	vmt_option_register(sc, "synctime", vmt_ts_opt_synctime, ts);
	vmt_option_register(sc, "synctime.period", vmt_ts_opt_period, ts);
	for (i = 0; i < VMT_TS_NTOOLS; i++)
		vmt_option_register(sc, vmt_ts_tools_options[i],
		    vmt_ts_opt_tools, ts);
	vmt_event_listen(sc, vmt_ts_event, ts);

	mutex_enter(&ts->ts_lock);
	vmt_ts_disc_init(ts);
	vmt_ts_read_flag(ts);
	if (!ts->ts_guiopt_ok)
		aprint_verbose_dev(sc->sc_dev, "timesync: host does not "
		    "report its flag; following Set_Option only\n");
	vmt_ts_reconfigure(ts);
	vmt_ts_oneshot(ts, VMT_TSP_EV_ATTACH, NULL);
	mutex_exit(&ts->ts_lock);
}

void
vmt_timesync_detach(struct vmt_softc *sc)
{
	struct vmt_timesync *ts = sc->sc_timesync;
	size_t i;

	if (ts == NULL)
		return;
	vmt_event_listen(sc, NULL, NULL);
	vmt_option_unregister(sc, "synctime");
	vmt_option_unregister(sc, "synctime.period");
	for (i = 0; i < VMT_TS_NTOOLS; i++)
		vmt_option_unregister(sc, vmt_ts_tools_options[i]);
	sysctl_teardown(&ts->ts_log);

	/* Hands off: cancel our slew, give back the frequency we found. */
	mutex_enter(&ts->ts_lock);
	ts->ts_mode = VMT_TS_MODE_OFF;
	vmt_ts_reconfigure(ts);
	ts->ts_dying = true;
	mutex_exit(&ts->ts_lock);
	callout_halt(&ts->ts_callout, NULL);
	callout_halt(&ts->ts_watch, NULL);
	callout_destroy(&ts->ts_callout);
	callout_destroy(&ts->ts_watch);
	mutex_destroy(&ts->ts_lock);
	sc->sc_timesync = NULL;
	kmem_free(ts, sizeof(*ts));
}
