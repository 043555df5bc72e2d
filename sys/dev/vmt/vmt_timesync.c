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
 * Every TCLO poll also compares host time elapsed with uptime elapsed:
 * a VM that was suspended, or restored from a snapshot, shows a gap
 * there within a second even when every host message about it was lost.
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

#define NS_PER_S		1000000000LL
#define NS_PER_US		1000LL
/* Host times before 2000-01-01 are not believed. */
#define VMT_TS_EPOCH_MIN_S	946684800LL
/* A host-vs-uptime gap above this on a poll is a discontinuity. */
#define VMT_TS_DISC_NS		NS_PER_S
/* Host and uptime disagreeing by more than this is insane, not a jump. */
#define VMT_TS_INSANE_NS	(2LL * 366 * 86400 * NS_PER_S)
/* Host reads per sample; the tightest bracket wins. */
#define VMT_TS_TRIES		4
/* Log lines about bad host times: at most one per this interval. */
#define VMT_TS_LOG_INTERVAL_S	60

enum vmt_ts_mode {
	VMT_TS_MODE_HOST,		/* follow the host's flag */
	VMT_TS_MODE_ON,			/* always adjust */
	VMT_TS_MODE_OFF			/* never adjust */
};
static const char *const vmt_ts_mode_names[] = { "host", "on", "off" };

enum vmt_ts_source {
	VMT_TS_SRC_NONE,		/* nothing heard yet */
	VMT_TS_SRC_PUSH,		/* Set_Option synctime over TCLO */
	VMT_TS_SRC_READ,		/* GETGUIOPTIONS */
	VMT_TS_SRC_WRITE		/* our own vmx.set_option */
};
static const char *const vmt_ts_source_names[] = {
	"none", "push", "read", "write"
};

/* The time.synchronize.tools.* options: stored and reported only. */
static const char *const vmt_ts_tools_options[] = {
	"time.synchronize.tools.slewCorrection",
	"time.synchronize.tools.percentCorrection",
	"time.synchronize.tools.startup",
	"time.synchronize.tools.startup.backward",
	"time.synchronize.tools.enable",
};
#define VMT_TS_NTOOLS	__arraycount(vmt_ts_tools_options)

struct vmt_timesync_stats {
	uint64_t	st_samples;		/* host reads used */
	uint64_t	st_rejected;		/* host reads not believed */
	uint64_t	st_slews;		/* tc_adjtime() calls */
	uint64_t	st_steps_fwd;		/* forward tc_setclock() */
	uint64_t	st_steps_back;		/* backward tc_setclock() */
	uint64_t	st_resume_msg;		/* OS_Resume, Time_Synchronize */
	uint64_t	st_resume_cpt;		/* checkpoint, reset */
	uint64_t	st_resume_disc;		/* gap found by polling */
	int64_t		st_offset_ns;		/* last offset, guest - host */
	int64_t		st_last_sync;		/* realtime s of last action */
};

struct vmt_timesync {
	struct vmt_softc	*ts_sc;		/* [I] the transport */
	kmutex_t		ts_lock;	/* guards [t] */
	callout_t		ts_callout;	/* [t] next sample */
	struct vmt_tspolicy	ts_policy;	/* [t] the decisions */
	struct vmt_tsp_config	ts_cfg;		/* [t] what it runs with */
	enum vmt_ts_mode	ts_mode;	/* [t] sysctl mode */
	int			ts_host_flag;	/* [t] -1 unknown, 0, 1 */
	enum vmt_ts_source	ts_flag_src;	/* [t] who set ts_host_flag */
	bool			ts_guiopt_ok;	/* [t] GETGUIOPTIONS works */
	bool			ts_lag_cmd_ok;	/* [t] GETTIMEFULL_WITH_LAG works */
	int			ts_step_ms;	/* [t] step threshold, ms */
	int			ts_allow_back;	/* [t] 0 or 1 */
	int			ts_period_s;	/* [t] sampling period */
	int			ts_tools_opt[VMT_TS_NTOOLS]; /* [t] stored */
	u_int			ts_tc_gen;	/* [t] timecounter generation */
	bool			ts_disc_valid;	/* [t] ts_disc_* hold */
	int64_t			ts_disc_host_ns; /* [t] host time at last poll */
	int64_t			ts_disc_up_ns;	/* [t] uptime at last poll */
	struct timeval		ts_log_last;	/* [t] ratecheck(9) state */
	struct vmt_timesync_stats ts_st;	/* [t] statistics */
	struct sysctllog	*ts_log;	/* [I] our sysctl nodes */
	bool			ts_dying;	/* [t] detach in progress */
};

/* One host time read. */
struct vmt_ts_read {
	int64_t		rd_host_ns;	/* host realtime */
	uint32_t	rd_maxlag_us;	/* host's maxTimeLag */
};

static void	vmt_ts_sample_locked(struct vmt_timesync *);
static void	vmt_ts_act(struct vmt_timesync *,
		    const struct vmt_tsp_decision *);

static int64_t
ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * NS_PER_S + ts->tv_nsec;
}

/* Read host time once.  Returns 0, EOPNOTSUPP or EINVAL (insane). */
static int
vmt_ts_host_read(struct vmt_timesync *ts, struct vmt_ts_read *rd)
{
	struct vmt_hosttime ht;
	int error;

	while ((error = vmt_get_time_full(&ht, ts->ts_lag_cmd_ok)) ==
	    EOPNOTSUPP && ts->ts_lag_cmd_ok) {
		/* Older hosts lack the lag variant: fall back for good. */
		ts->ts_lag_cmd_ok = false;
	}
	if (error == EOPNOTSUPP)
		return error;
	if (error != 0 || ht.ht_sec < VMT_TS_EPOCH_MIN_S ||
	    ht.ht_sec > INT64_MAX / NS_PER_S - 1)
		return EINVAL;
	rd->rd_host_ns = ht.ht_sec * NS_PER_S + (int64_t)ht.ht_usec * NS_PER_US;
	rd->rd_maxlag_us = ht.ht_maxlag_us;
	return 0;
}

static void
vmt_ts_log_insane(struct vmt_timesync *ts, const char *why)
{
	static const struct timeval interval = { VMT_TS_LOG_INTERVAL_S, 0 };

	ts->ts_st.st_rejected++;
	if (ratecheck(&ts->ts_log_last, &interval))
		log(LOG_WARNING, "%s: timesync: host time rejected: %s "
		    "(%llu rejected so far)\n", device_xname(ts->ts_sc->sc_dev),
		    why, (unsigned long long)ts->ts_st.st_rejected);
}

/*
 * Take the tightest of VMT_TS_TRIES host reads, each bracketed by
 * guest realtime reads, and express it as a policy sample.
 */
static int
vmt_ts_take_sample(struct vmt_timesync *ts, struct vmt_tsp_sample *sp,
    int64_t *hostp)
{
	struct timespec g0, g1, up;
	struct vmt_ts_read rd;
	int64_t width, best = -1;
	int i, error = 0;

	for (i = 0; i < VMT_TS_TRIES; i++) {
		nanotime(&g0);
		error = vmt_ts_host_read(ts, &rd);
		nanotime(&g1);
		nanouptime(&up);
		if (error != 0)
			break;
		width = ts_ns(&g1) - ts_ns(&g0);
		if (best >= 0 && width >= best)
			continue;
		best = width;
		sp->ts_width_ns = width;
		sp->ts_offset_ns = ts_ns(&g0) + width / 2 - rd.rd_host_ns;
		sp->ts_uptime_ns = ts_ns(&up) - width / 2;
		sp->ts_lag_us = rd.rd_maxlag_us;
		*hostp = rd.rd_host_ns;
	}
	if (best >= 0)
		return 0;
	if (error == EINVAL)
		vmt_ts_log_insane(ts, "out of range");
	return error;
}

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
		return ts->ts_host_flag == 1;
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
static void
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

static void
vmt_ts_step(struct vmt_timesync *ts, int64_t step_ns)
{
	struct timespec now, to;
	int64_t t;

	nanotime(&now);
	t = ts_ns(&now) + step_ns;
	to.tv_sec = t / NS_PER_S;
	to.tv_nsec = t % NS_PER_S;
	tc_setclock(&to);
	if (step_ns < 0) {
		ts->ts_st.st_steps_back++;
		log(LOG_NOTICE, "%s: timesync: stepped clock back by "
		    "%lld.%09lld s\n", device_xname(ts->ts_sc->sc_dev),
		    (long long)(-step_ns / NS_PER_S),
		    (long long)(-step_ns % NS_PER_S));
	} else {
		ts->ts_st.st_steps_fwd++;
		log(LOG_INFO, "%s: timesync: stepped clock forward by "
		    "%lld.%09lld s\n", device_xname(ts->ts_sc->sc_dev),
		    (long long)(step_ns / NS_PER_S),
		    (long long)(step_ns % NS_PER_S));
	}
}

static void
vmt_ts_schedule(struct vmt_timesync *ts, uint32_t ms)
{
	if (ts->ts_dying || ms == VMT_TSP_NEXT_KEEP)
		return;
	callout_schedule(&ts->ts_callout, ms == 0 ? 1 :
	    mstohz((int)MIN(ms, (uint32_t)INT32_MAX / 1000)));
}

static void
vmt_ts_apply(struct vmt_timesync *ts, const struct vmt_tsp_decision *dc)
{
	int64_t v;

	KASSERT(mutex_owned(&ts->ts_lock));
	if (dc->dc_set_freq) {
		v = dc->dc_freq;
		(void)tc_adjfreq(NULL, &v);
	}
	switch (dc->dc_action) {
	case VMT_TSP_SLEW:
		v = dc->dc_slew_us;
		if (tc_adjtime(NULL, &v) == 0)
			ts->ts_st.st_slews++;
		break;
	case VMT_TSP_STEP:
		vmt_ts_step(ts, dc->dc_step_ns);
		break;
	case VMT_TSP_NONE:
		break;
	}
	if (dc->dc_action != VMT_TSP_NONE)
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

/* GETGUIOPTIONS: the host's checkbox, when the host can tell. */
static void
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
	if (flag != ts->ts_host_flag || ts->ts_flag_src == VMT_TS_SRC_NONE) {
		ts->ts_host_flag = flag;
		ts->ts_flag_src = VMT_TS_SRC_READ;
		vmt_ts_reconfigure(ts);
	}
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

static void
vmt_ts_sample_locked(struct vmt_timesync *ts)
{
	struct vmt_tsp_sample s;
	struct vmt_tsp_decision dc;
	int64_t host = 0;

	KASSERT(mutex_owned(&ts->ts_lock));
	if (ts->ts_dying)
		return;
	if (ts->ts_mode == VMT_TS_MODE_HOST && ts->ts_guiopt_ok)
		vmt_ts_read_flag(ts);
	(void)vmt_ts_check_counter(ts);
	memset(&s, 0, sizeof(s));
	if (vmt_ts_take_sample(ts, &s, &host) != 0) {
		vmt_ts_schedule(ts, (uint32_t)ts->ts_period_s * 1000);
		return;
	}
	ts->ts_st.st_samples++;
	ts->ts_st.st_offset_ns = s.ts_offset_ns;
	ts->ts_disc_host_ns = host;
	ts->ts_disc_up_ns = s.ts_uptime_ns;
	ts->ts_disc_valid = true;
	vmt_tspolicy_sample(&ts->ts_policy, &s, &dc);
	vmt_ts_apply(ts, &dc);
}

static void
vmt_ts_tick(void *arg)
{
	struct vmt_timesync *ts = arg;

	mutex_enter(&ts->ts_lock);
	vmt_ts_sample_locked(ts);
	mutex_exit(&ts->ts_lock);
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
	ts->ts_disc_valid = false;
	vmt_tspolicy_event(&ts->ts_policy, ev, &dc);
	vmt_ts_act(ts, &dc);
}

/*
 * Cheap checks on every TCLO poll: has the timecounter changed, and a
 * discontinuity check with one host read, no bracketing.  Host time moving far more than uptime means the VM did
 * not run for a while (suspend, snapshot restore).
 */
static void
vmt_ts_poll(struct vmt_timesync *ts)
{
	struct vmt_ts_read rd;
	struct timespec up;
	int64_t gap;

	KASSERT(mutex_owned(&ts->ts_lock));
	if (vmt_ts_check_counter(ts)) {
		callout_stop(&ts->ts_callout);
		vmt_ts_sample_locked(ts);
	}
	if (vmt_ts_host_read(ts, &rd) != 0)
		return;
	nanouptime(&up);
	if (ts->ts_disc_valid) {
		gap = (rd.rd_host_ns - ts->ts_disc_host_ns) -
		    (ts_ns(&up) - ts->ts_disc_up_ns);
		if (gap > VMT_TS_INSANE_NS || gap < -VMT_TS_INSANE_NS) {
			vmt_ts_log_insane(ts, "inconsistent with uptime");
			return;
		}
		if (gap > VMT_TS_DISC_NS || gap < -VMT_TS_DISC_NS) {
			vmt_ts_oneshot(ts, VMT_TSP_EV_DISCONTINUITY,
			    &ts->ts_st.st_resume_disc);
			return;
		}
	}
	ts->ts_disc_host_ns = rd.rd_host_ns;
	ts->ts_disc_up_ns = ts_ns(&up);
	ts->ts_disc_valid = true;
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
		if (ts->ts_mode == VMT_TS_MODE_HOST)
			vmt_ts_read_flag(ts);
		vmt_ts_oneshot(ts, VMT_TSP_EV_CHECKPOINT,
		    &ts->ts_st.st_resume_cpt);
		break;
	case VMT_EV_CHECKPOINT:
		vmt_ts_oneshot(ts, VMT_TSP_EV_CHECKPOINT,
		    &ts->ts_st.st_resume_cpt);
		break;
	case VMT_EV_RESUME:
		vmt_ts_oneshot(ts, VMT_TSP_EV_RESUME,
		    &ts->ts_st.st_resume_msg);
		break;
	case VMT_EV_TIMESYNC:
		vmt_ts_oneshot(ts, n == 1 ? VMT_TSP_EV_SYNC_BACKWARD :
		    VMT_TSP_EV_SYNC, &ts->ts_st.st_resume_msg);
		break;
	case VMT_EV_SUSPEND:
		/* The counter is about to stop: nothing to do until resume. */
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
	ts->ts_host_flag = (int)v;
	ts->ts_flag_src = VMT_TS_SRC_PUSH;
	vmt_ts_reconfigure(ts);
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
	mutex_exit(&ts->ts_lock);
	return 0;
}

/* --- sysctl ---------------------------------------------------------- */

/* Writable integer knobs, by node name. */
struct vmt_ts_knob {
	const char	*k_name;
	size_t		k_off;		/* int field in struct vmt_timesync */
	int		k_min, k_max;
	const char	*k_descr;
};
static const struct vmt_ts_knob vmt_ts_knobs[] = {
	{ "period", offsetof(struct vmt_timesync, ts_period_s),
	    VMT_TSP_PERIOD_MIN_S, VMT_TSP_PERIOD_MAX_S,
	    "seconds between samples once synchronised" },
	{ "step_threshold", offsetof(struct vmt_timesync, ts_step_ms),
	    (int)(VMT_TSP_STEP_MIN_NS / 1000000), 86400000,
	    "offset in ms above which the clock is stepped, not slewed" },
	{ "allow_backward", offsetof(struct vmt_timesync, ts_allow_back),
	    0, 1, "step backwards when ahead by more than step_threshold" },
};

/* Read-only statistics, by node name. */
struct vmt_ts_stat {
	const char	*s_name;
	size_t		s_off;		/* field in struct vmt_timesync_stats */
	const char	*s_descr;
};
#define STAT(f)	offsetof(struct vmt_timesync_stats, f)
static const struct vmt_ts_stat vmt_ts_stats[] = {
	{ "samples", STAT(st_samples), "host time samples taken" },
	{ "rejected", STAT(st_rejected), "host times not believed" },
	{ "slews", STAT(st_slews), "corrections slewed with adjtime" },
	{ "steps_forward", STAT(st_steps_fwd), "forward steps" },
	{ "steps_backward", STAT(st_steps_back), "backward steps" },
	{ "resumes_message", STAT(st_resume_msg),
	    "one-shot syncs on OS_Resume or Time_Synchronize" },
	{ "resumes_checkpoint", STAT(st_resume_cpt),
	    "one-shot syncs on a checkpoint or TCLO reset" },
	{ "resumes_discontinuity", STAT(st_resume_disc),
	    "one-shot syncs on a host/uptime gap found by polling" },
	{ "offset_ns", STAT(st_offset_ns), "last offset, guest - host, ns" },
	{ "last_sync", STAT(st_last_sync),
	    "realtime seconds of the last clock adjustment" },
};
#undef STAT

static int
vmt_ts_authorize(struct lwp *l)
{
	return kauth_authorize_system(l->l_cred, KAUTH_SYSTEM_TIME,
	    KAUTH_REQ_SYSTEM_TIME_SYSTEM, NULL, NULL, NULL);
}

static const struct vmt_ts_knob *
vmt_ts_knob_find(const char *name)
{
	size_t i;

	for (i = 0; i < __arraycount(vmt_ts_knobs); i++)
		if (strcmp(name, vmt_ts_knobs[i].k_name) == 0)
			return &vmt_ts_knobs[i];
	return NULL;
}

static int
vmt_ts_sysctl_knob(SYSCTLFN_ARGS)
{
	struct sysctlnode node = *rnode;
	struct vmt_timesync *ts = rnode->sysctl_data;
	const struct vmt_ts_knob *k;
	int *field, val, error;

	if ((k = vmt_ts_knob_find(rnode->sysctl_name)) == NULL)
		return ENOENT;
	field = (int *)((char *)ts + k->k_off);
	mutex_enter(&ts->ts_lock);
	val = *field;
	mutex_exit(&ts->ts_lock);
	node.sysctl_data = &val;
	error = sysctl_lookup(SYSCTLFN_CALL(&node));
	if (error || newp == NULL)
		return error;
	if ((error = vmt_ts_authorize(l)) != 0)
		return error;
	if (val < k->k_min || val > k->k_max)
		return EINVAL;
	mutex_enter(&ts->ts_lock);
	*field = val;
	vmt_ts_reconfigure(ts);
	mutex_exit(&ts->ts_lock);
	return 0;
}

static int
vmt_ts_sysctl_mode(SYSCTLFN_ARGS)
{
	struct sysctlnode node = *rnode;
	struct vmt_timesync *ts = rnode->sysctl_data;
	char buf[8];
	size_t i;
	int error;

	mutex_enter(&ts->ts_lock);
	strlcpy(buf, vmt_ts_mode_names[ts->ts_mode], sizeof(buf));
	mutex_exit(&ts->ts_lock);
	node.sysctl_data = buf;
	node.sysctl_size = sizeof(buf);
	error = sysctl_lookup(SYSCTLFN_CALL(&node));
	if (error || newp == NULL)
		return error;
	if ((error = vmt_ts_authorize(l)) != 0)
		return error;
	for (i = 0; i < __arraycount(vmt_ts_mode_names); i++)
		if (strcmp(buf, vmt_ts_mode_names[i]) == 0)
			break;
	if (i == __arraycount(vmt_ts_mode_names))
		return EINVAL;
	mutex_enter(&ts->ts_lock);
	ts->ts_mode = (enum vmt_ts_mode)i;
	vmt_ts_reconfigure(ts);
	mutex_exit(&ts->ts_lock);
	return 0;
}

/*
 * The host's checkbox.  Reading gives the flag as last known (-1 if
 * the host never said); writing asks the host to change it, the way
 * "vmware-toolbox-cmd timesync enable" does, and succeeds only if the
 * host agrees.
 */
static int
vmt_ts_sysctl_host_synctime(SYSCTLFN_ARGS)
{
	struct sysctlnode node = *rnode;
	struct vmt_timesync *ts = rnode->sysctl_data;
	char msg[64], reply[128];
	int val, old, error;

	mutex_enter(&ts->ts_lock);
	if (ts->ts_host_flag < 0 && ts->ts_guiopt_ok)
		vmt_ts_read_flag(ts);
	val = old = ts->ts_host_flag;
	mutex_exit(&ts->ts_lock);
	node.sysctl_data = &val;
	error = sysctl_lookup(SYSCTLFN_CALL(&node));
	if (error || newp == NULL)
		return error;
	if ((error = vmt_ts_authorize(l)) != 0)
		return error;
	if (val != 0 && val != 1)
		return EINVAL;
	/* A host that never told us: assume the flag is not what we want. */
	snprintf(msg, sizeof(msg), "vmx.set_option synctime %d %d",
	    old < 0 ? !val : old, val);
	reply[0] = '\0';
	error = vmt_rpci_call(ts->ts_sc, msg, reply, sizeof(reply));
	if (error != 0) {
		log(LOG_WARNING, "%s: timesync: host refused \"%s\": %s\n",
		    device_xname(ts->ts_sc->sc_dev), msg,
		    error == EIO ? reply : "channel unavailable");
		return error;
	}
	mutex_enter(&ts->ts_lock);
	ts->ts_host_flag = val;
	ts->ts_flag_src = VMT_TS_SRC_WRITE;
	vmt_ts_reconfigure(ts);
	mutex_exit(&ts->ts_lock);
	return 0;
}

static int
vmt_ts_sysctl_stat(SYSCTLFN_ARGS)
{
	struct sysctlnode node = *rnode;
	struct vmt_timesync *ts = rnode->sysctl_data;
	size_t i;
	u_quad_t v;

	for (i = 0; i < __arraycount(vmt_ts_stats); i++)
		if (strcmp(rnode->sysctl_name, vmt_ts_stats[i].s_name) == 0)
			break;
	if (i == __arraycount(vmt_ts_stats))
		return ENOENT;
	mutex_enter(&ts->ts_lock);
	memcpy(&v, (char *)&ts->ts_st + vmt_ts_stats[i].s_off, sizeof(v));
	mutex_exit(&ts->ts_lock);
	node.sysctl_data = &v;
	return sysctl_lookup(SYSCTLFN_CALL(&node));
}

/* The small read-only views that are not plain counters. */
static int
vmt_ts_sysctl_view(SYSCTLFN_ARGS)
{
	struct sysctlnode node = *rnode;
	struct vmt_timesync *ts = rnode->sysctl_data;
	struct vmt_tsp_status st;
	const char *what = rnode->sysctl_name;
	char buf[16];
	u_quad_t q = 0;
	int v = 0;
	size_t i;

	mutex_enter(&ts->ts_lock);
	vmt_tspolicy_status(&ts->ts_policy, &st);
	strlcpy(buf, vmt_ts_source_names[ts->ts_flag_src], sizeof(buf));
	if (strcmp(what, "host_flag") == 0)
		v = ts->ts_host_flag;
	else if (strcmp(what, "guioptions") == 0)
		v = ts->ts_guiopt_ok;
	else if (strcmp(what, "enabled") == 0)
		v = st.st_enabled;
	else if (strcmp(what, "locked") == 0)
		v = st.st_locked;
	else if (strcmp(what, "freq_ppb") == 0)
		q = (u_quad_t)(st.st_freq_set / VMT_TSP_FREQ_PPB);
	else {
		for (i = 0; i < VMT_TS_NTOOLS; i++)
			if (strcmp(what, vmt_ts_tools_options[i] +
			    sizeof("time.synchronize.tools.") - 1) == 0)
				v = ts->ts_tools_opt[i];
	}
	mutex_exit(&ts->ts_lock);
	switch (SYSCTL_TYPE(rnode->sysctl_flags)) {
	case CTLTYPE_STRING:
		node.sysctl_data = buf;
		node.sysctl_size = sizeof(buf);
		break;
	case CTLTYPE_QUAD:
		node.sysctl_data = &q;
		break;
	default:
		node.sysctl_data = &v;
		break;
	}
	return sysctl_lookup(SYSCTLFN_CALL(&node));
}

static void
vmt_ts_sysctl_setup(struct vmt_timesync *ts)
{
	struct sysctllog **log = &ts->ts_log;
	const struct sysctlnode *root, *node, *stats, *opts, *alias;
	static const char *const ints[] = {
		"host_flag", "guioptions", "enabled", "locked"
	};
	const int rw = CTLFLAG_READWRITE;
	size_t i;

	root = ts->ts_sc->sc_sysctl_node;
	if (sysctl_createv(log, 0, &root, &node, 0, CTLTYPE_NODE, "timesync",
	    SYSCTL_DESCR("time synchronisation with the host"),
	    NULL, 0, NULL, 0, CTL_CREATE, CTL_EOL) != 0)
		return;
	sysctl_createv(log, 0, &node, NULL, rw, CTLTYPE_STRING, "mode",
	    SYSCTL_DESCR("host: follow the host's flag; on; off"),
	    vmt_ts_sysctl_mode, 0, (void *)ts, 8, CTL_CREATE, CTL_EOL);
	for (i = 0; i < __arraycount(vmt_ts_knobs); i++)
		sysctl_createv(log, 0, &node, NULL, rw, CTLTYPE_INT,
		    vmt_ts_knobs[i].k_name,
		    SYSCTL_DESCR(vmt_ts_knobs[i].k_descr), vmt_ts_sysctl_knob,
		    0, (void *)ts, 0, CTL_CREATE, CTL_EOL);
	sysctl_createv(log, 0, &node, NULL, rw, CTLTYPE_INT, "host_synctime",
	    SYSCTL_DESCR("the host's synchronize-time flag; writing sets it "
	    "on the host"),
	    vmt_ts_sysctl_host_synctime, 0, (void *)ts, 0, CTL_CREATE,
	    CTL_EOL);

	sysctl_createv(log, 0, &node, &stats, 0, CTLTYPE_NODE, "stats",
	    SYSCTL_DESCR("statistics"), NULL, 0, NULL, 0, CTL_CREATE,
	    CTL_EOL);
	for (i = 0; i < __arraycount(vmt_ts_stats); i++)
		sysctl_createv(log, 0, &stats, NULL, 0, CTLTYPE_QUAD,
		    vmt_ts_stats[i].s_name,
		    SYSCTL_DESCR(vmt_ts_stats[i].s_descr), vmt_ts_sysctl_stat,
		    0, (void *)ts, 0, CTL_CREATE, CTL_EOL);
	for (i = 0; i < __arraycount(ints); i++)
		sysctl_createv(log, 0, &stats, NULL, 0, CTLTYPE_INT, ints[i],
		    NULL, vmt_ts_sysctl_view, 0, (void *)ts, 0, CTL_CREATE,
		    CTL_EOL);
	sysctl_createv(log, 0, &stats, NULL, 0, CTLTYPE_STRING,
	    "flag_source", SYSCTL_DESCR("none, push, read or write"),
	    vmt_ts_sysctl_view, 0, (void *)ts, 16, CTL_CREATE, CTL_EOL);
	sysctl_createv(log, 0, &stats, NULL, 0, CTLTYPE_QUAD, "freq_ppb",
	    SYSCTL_DESCR("frequency correction installed, ppb"),
	    vmt_ts_sysctl_view, 0, (void *)ts, 0, CTL_CREATE, CTL_EOL);

	sysctl_createv(log, 0, &node, &opts, 0, CTLTYPE_NODE, "host_options",
	    SYSCTL_DESCR("time.synchronize.tools.* as the host set them"),
	    NULL, 0, NULL, 0, CTL_CREATE, CTL_EOL);
	for (i = 0; i < VMT_TS_NTOOLS; i++)
		sysctl_createv(log, 0, &opts, NULL, 0, CTLTYPE_INT,
		    vmt_ts_tools_options[i] +
		    sizeof("time.synchronize.tools.") - 1, NULL,
		    vmt_ts_sysctl_view, 0, (void *)ts, 0, CTL_CREATE, CTL_EOL);

	/* The old name, from before the timesync subtree. */
	if (sysctl_createv(log, 0, &root, &alias, 0, CTLTYPE_NODE,
	    "clock_sync", SYSCTL_DESCR("alias of timesync"), NULL, 0, NULL, 0,
	    CTL_CREATE, CTL_EOL) == 0)
		sysctl_createv(log, 0, &alias, NULL, rw, CTLTYPE_INT, "period",
		    SYSCTL_DESCR("alias of timesync.period"),
		    vmt_ts_sysctl_knob, 0, (void *)ts, 0, CTL_CREATE, CTL_EOL);
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
	ts->ts_mode = VMT_TS_MODE_HOST;
	ts->ts_host_flag = -1;
	ts->ts_flag_src = VMT_TS_SRC_NONE;
	ts->ts_guiopt_ok = true;
	ts->ts_lag_cmd_ok = true;
	ts->ts_step_ms = VMT_TIMESYNC_STEP_MS;
	ts->ts_period_s = VMT_TIMESYNC_PERIOD;
	ts->ts_allow_back = VMT_TIMESYNC_BACKWARD_DEFAULT;
	/* open-vm-tools' defaults for what the host has not pushed. */
	ts->ts_tools_opt[0] = 1;	/* slewCorrection */
	ts->ts_tools_opt[1] = 50;	/* percentCorrection */
	ts->ts_tools_opt[4] = 1;	/* enable */
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
	callout_destroy(&ts->ts_callout);
	mutex_destroy(&ts->ts_lock);
	sc->sc_timesync = NULL;
	kmem_free(ts, sizeof(*ts));
}
