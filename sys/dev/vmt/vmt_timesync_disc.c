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
 * vmt(4) time synchronisation: noticing a time discipline in userland
 * (ntpd, openntpd, chronyd, timed, an administrator's date(1)), so that
 * in mode "host" the driver stands aside instead of fighting it.
 *
 * The driver looks at the kernel's own state, never at processes, on
 * every TCLO poll (about once a second) and before every sample.  Three
 * signs count, each a thing only userland does:
 *
 *  - ntp_adjtime(2) has STA_PLL or STA_FLL set and the discipline has
 *    updated it since the last look.  kern_ntptime.c keeps its state
 *    static; ntp_adjtime1() with no mode bits reads it and changes
 *    nothing.  Left alone, the state only evolves: the maximum error
 *    grows by MAXFREQ every second, the phase offset decays toward 0.
 *    An update (ntpd sets offset, frequency, errors and status at every
 *    poll, 64 to 1024 s apart by default) shows as anything else: a
 *    lower maximum error, a new frequency, estimated error, time
 *    constant or status, an offset grown or of the other sign.  A PLL
 *    left on by a discipline that died stops being a sign once it no
 *    longer changes.  Without options NTP there is no ntp_adjtime(2).
 *  - An adjtime(2) delta is pending: kern_ntptime.c's time_adjtime,
 *    which only kern_time.c's adjtime1() (adjtime(2), clockctl(4))
 *    sets; the driver's own slew is tc_adjtime()'s, elsewhere.
 *  - settimeofday(2) or clock_settime(2) stepped the clock.  kern_tc.c
 *    counts every step (tc_step_count()); the driver's own are
 *    subtracted.  Not every other step is userland's: inittodr(9) sets
 *    the clock from the RTC at boot (after vmt attached) and NFS root
 *    mounts may too, both straight through tc_setclock().  The
 *    system-call path, kern_time.c's settime1(), also moves boottime by
 *    the step (NetBSD 8: "will only follow settime deltas"), which the
 *    kernel's own steps do not.  So a step not ours is userland's when
 *    boottime moved with it; main() setting boottime for the first time
 *    (from 0) is not a step.
 *
 * The rule: a discipline is present from its first sign until none has
 * been seen for discipline.hold seconds of uptime (default 2048, twice
 * the longest interval at which ntpd(8) updates the kernel by default).
 * While one is present in mode "host" the policy is off, as when the
 * host's flag is clear: the driver's pending slew is cancelled and the
 * frequency it found restored, and from then on it only measures.  One
 * exception: a one-shot synchronisation (a resume, Time_Synchronize, a
 * checkpoint, a confirmed jump of host time, the host's startup option)
 * still steps the clock when it is behind by more than the step
 * threshold, or ahead where a backward step is allowed; it never slews.
 * A discipline cannot bring a clock that is hours behind back quickly.
 * Mode "on" adjusts whatever is present; the signs are still shown.
 *
 * Everything here runs with ts_lock held.
 */

#include <sys/cdefs.h>
__KERNEL_RCSID(0, "$NetBSD$");

#ifdef _KERNEL_OPT
#include "opt_ntp.h"
#endif

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/device.h>
#include <sys/kauth.h>
#include <sys/kernel.h>
#include <sys/lwp.h>
#include <sys/mutex.h>
#include <sys/sysctl.h>
#include <sys/syslog.h>
#include <sys/time.h>
#include <sys/timetc.h>
#include <sys/timevar.h>
#include <sys/timex.h>

#include <dev/vmt/vmtvar.h>
#include <dev/vmt/vmt_tspolicy.h>
#include <dev/vmt/vmt_timesyncvar.h>

/*
 * adjtime(2)'s pending delta, us: kern_ntptime.c's, guarded by
 * timecounter_lock; no header declares it (kern_time.c declares it
 * where it uses it, as here).
 */
extern int64_t time_adjtime;

/* The names of the signs, as discipline.seen lists them. */
static const struct {
	u_int		ds_bit;
	const char	*ds_name;	/* sysctl */
	const char	*ds_what;	/* the log line */
} vmt_ts_disc_signs[] = {
	{ VMT_TS_DISC_PLL, "ntp_adjtime:STA_PLL",
	    "ntp_adjtime(2) with STA_PLL" },
	{ VMT_TS_DISC_FLL, "ntp_adjtime:STA_FLL",
	    "ntp_adjtime(2) with STA_FLL" },
	{ VMT_TS_DISC_ADJTIME, "adjtime", "an adjtime(2) delta" },
	{ VMT_TS_DISC_SETTIME, "settime",
	    "settimeofday(2) or clock_settime(2)" },
};

/* The steps this driver made so far. */
static uint64_t
vmt_ts_disc_own_steps(const struct vmt_timesync *ts)
{
	return ts->ts_st.st_steps_fwd + ts->ts_st.st_steps_back;
}

#ifdef NTP
static long
vmt_ts_labs(long v)
{
	return v < 0 ? -v : v;
}

/* Has the NTP discipline been updated since the last look? */
static u_int
vmt_ts_disc_ntp(struct vmt_ts_disc *di)
{
	struct vmt_ts_ntpview nv, *ov = &di->di_ntp;
	struct timex ntv;
	bool updated;
	int on;

	memset(&ntv, 0, sizeof(ntv));
	ntv.modes = 0;			/* read only: changes nothing */
	ntp_adjtime1(&ntv);
	nv.nv_status = ntv.status;
	nv.nv_offset = ntv.offset;
	nv.nv_freq = ntv.freq;
	nv.nv_maxerror = ntv.maxerror;
	nv.nv_esterror = ntv.esterror;
	nv.nv_constant = ntv.constant;

	/*
	 * The maximum error only grows by itself (it wraps after 50 days
	 * with a 32-bit long, to a negative value nobody would set), the
	 * offset only decays toward 0 in the units it was set in.
	 */
	updated = !di->di_ntp_valid ||
	    nv.nv_status != ov->nv_status ||
	    nv.nv_freq != ov->nv_freq ||
	    nv.nv_esterror != ov->nv_esterror ||
	    nv.nv_constant != ov->nv_constant ||
	    (nv.nv_maxerror < ov->nv_maxerror && nv.nv_maxerror >= 0) ||
	    vmt_ts_labs(nv.nv_offset) > vmt_ts_labs(ov->nv_offset) ||
	    (nv.nv_offset < 0 && ov->nv_offset > 0) ||
	    (nv.nv_offset > 0 && ov->nv_offset < 0);
	/* Turned off just now counts too: it was there until now. */
	on = (nv.nv_status | (di->di_ntp_valid ? ov->nv_status : 0)) &
	    (STA_PLL | STA_FLL);
	*ov = nv;
	di->di_ntp_valid = true;
	if (!updated)
		return 0;
	return ((on & STA_PLL) ? VMT_TS_DISC_PLL : 0) |
	    ((on & STA_FLL) ? VMT_TS_DISC_FLL : 0);
}
#endif /* NTP */

/* An adjtime(2) delta is pending. */
static u_int
vmt_ts_disc_adjtime(void)
{
	int64_t us;

	/* As kern_time.c's adjtime1() reads it. */
	mutex_spin_enter(&timecounter_lock);
	us = time_adjtime;
	mutex_spin_exit(&timecounter_lock);
	return us != 0 ? VMT_TS_DISC_ADJTIME : 0;
}

/*
 * A step not ours that boottime followed: settime1().  Steps not ours
 * are kept one look longer, since settime1() moves boottime just after
 * tc_setclock() and a look may fall in between.
 */
static u_int
vmt_ts_disc_settime(struct vmt_timesync *ts)
{
	struct vmt_ts_disc *di = &ts->ts_disc;
	struct timespec bt;
	uint64_t steps, own, foreign;
	bool moved;

	steps = tc_step_count();
	own = vmt_ts_disc_own_steps(ts);
	foreign = steps - di->di_steps;
	foreign -= MIN(foreign, own - di->di_own);
	di->di_steps = steps;
	di->di_own = own;
	/* Written by settime1() without a lock we can take: copy once. */
	bt = boottime;
	moved = (di->di_boottime.tv_sec != 0 || di->di_boottime.tv_nsec != 0) &&
	    (bt.tv_sec != di->di_boottime.tv_sec ||
	    bt.tv_nsec != di->di_boottime.tv_nsec);
	di->di_boottime = bt;
	if (moved && di->di_pending + foreign > 0) {
		di->di_pending = 0;
		return VMT_TS_DISC_SETTIME;
	}
	di->di_kernel_steps += di->di_pending;
	di->di_pending = foreign;
	return 0;
}

static const char *
vmt_ts_disc_what(u_int signs)
{
	size_t i;

	for (i = 0; i < __arraycount(vmt_ts_disc_signs); i++)
		if (signs & vmt_ts_disc_signs[i].ds_bit)
			return vmt_ts_disc_signs[i].ds_what;
	return "a time discipline";
}

/* Does the driver stand aside now? */
bool
vmt_ts_disc_yielding(const struct vmt_timesync *ts)
{
	return ts->ts_disc.di_present && ts->ts_mode == VMT_TS_MODE_HOST &&
	    ts->ts_host_flag == 1;
}

/*
 * Look for signs; true if that changed whether a discipline is present
 * (the policy has been told, and may have sampled already).
 */
bool
vmt_ts_disc_check(struct vmt_timesync *ts)
{
	struct vmt_ts_disc *di = &ts->ts_disc;
	const char *name = device_xname(ts->ts_sc->sc_dev);
	u_int signs = 0;
	bool was = di->di_present, yielded;

	KASSERT(mutex_owned(&ts->ts_lock));
#ifdef NTP
	signs |= vmt_ts_disc_ntp(di);
#endif
	signs |= vmt_ts_disc_adjtime();
	signs |= vmt_ts_disc_settime(ts);

	if (signs != 0) {
		if (!di->di_present) {
			di->di_present = true;
			di->di_logged = false;
			di->di_seen = 0;
			di->di_since = time_second;
			di->di_episodes++;
		}
		di->di_seen |= signs;
		di->di_last = time_second;
		di->di_last_uptime = time_uptime;
	} else if (di->di_present &&
	    time_uptime - di->di_last_uptime >= (time_t)di->di_hold_s) {
		di->di_present = false;
	}
	if (di->di_present == was)
		goto out;

	yielded = was && ts->ts_mode == VMT_TS_MODE_HOST &&
	    ts->ts_host_flag == 1;
	if (vmt_ts_disc_yielding(ts) && !di->di_logged) {
		di->di_logged = true;
		log(LOG_NOTICE, "%s: timesync: %s from userland disciplines "
		    "the clock: standing aside (measuring only) until none "
		    "is seen for %d s\n", name, vmt_ts_disc_what(signs),
		    di->di_hold_s);
	} else if (yielded)
		log(LOG_NOTICE, "%s: timesync: no sign of a userland time "
		    "discipline for %d s: synchronizing again\n", name,
		    di->di_hold_s);
	vmt_ts_reconfigure(ts);
	return true;
out:
	/* Mode or flag changed while present: say why, once an episode. */
	if (vmt_ts_disc_yielding(ts) && !di->di_logged) {
		di->di_logged = true;
		log(LOG_NOTICE, "%s: timesync: a time discipline runs in "
		    "userland (%s): standing aside (measuring only) until "
		    "none is seen for %d s\n", name,
		    vmt_ts_disc_what(di->di_seen), di->di_hold_s);
	}
	return false;
}

/*
 * A sample is about to reach the policy.  When it is a one-shot's and
 * the driver stands aside, the one thing it still does: step, if the
 * one-shot would have (behind beyond the threshold, or ahead beyond it
 * with a backward step allowed).  Slews are left to the discipline.
 */
void
vmt_ts_disc_sample(struct vmt_timesync *ts, const struct vmt_tsp_sample *s)
{
	struct vmt_ts_disc *di = &ts->ts_disc;
	int64_t x = s->ts_offset_ns, step, fwd;

	KASSERT(mutex_owned(&ts->ts_lock));
	if (!ts->ts_policy.tp_oneshot || !vmt_ts_disc_yielding(ts))
		return;
	step = (int64_t)ts->ts_step_ms * VMT_NS_PER_MS;
	fwd = MAX(step, (int64_t)MAX(s->ts_lag_us, ts->ts_cfg.tc_maxlag_us) *
	    VMT_NS_PER_US);
	if (x < -fwd || (x > step && (ts->ts_allow_back != 0 ||
	    ts->ts_policy.tp_backward_once))) {
		di->di_oneshot_steps++;
		vmt_ts_step(ts, -x);
		vmt_stop_catchup();
		ts->ts_st.st_last_sync = time_second;
	}
}

/* Realtime seconds as a sysctl quad. */
static int
vmt_ts_disc_sysctl(SYSCTLFN_ARGS)
{
	struct sysctlnode node = *rnode;
	struct vmt_timesync *ts = rnode->sysctl_data;
	struct vmt_ts_disc *di = &ts->ts_disc;
	const char *what = rnode->sysctl_name;
	char buf[VMT_TS_DISC_SEENLEN];
	u_quad_t q = 0;
	int v = 0, error;
	size_t i;

	buf[0] = '\0';
	mutex_enter(&ts->ts_lock);
	if (strcmp(what, "present") == 0)
		v = di->di_present;
	else if (strcmp(what, "hold") == 0)
		v = di->di_hold_s;
	else if (strcmp(what, "since") == 0)
		q = (u_quad_t)di->di_since;
	else if (strcmp(what, "last") == 0)
		q = (u_quad_t)di->di_last;
	else if (strcmp(what, "episodes") == 0)
		q = di->di_episodes;
	else if (strcmp(what, "oneshot_steps") == 0)
		q = di->di_oneshot_steps;
	else if (strcmp(what, "kernel_steps") == 0)
		q = di->di_kernel_steps;
	for (i = 0; i < __arraycount(vmt_ts_disc_signs); i++)
		if (di->di_seen & vmt_ts_disc_signs[i].ds_bit) {
			if (buf[0] != '\0')
				strlcat(buf, " ", sizeof(buf));
			strlcat(buf, vmt_ts_disc_signs[i].ds_name, sizeof(buf));
		}
	if (buf[0] == '\0')
		strlcpy(buf, "none", sizeof(buf));
	mutex_exit(&ts->ts_lock);

	switch (SYSCTL_TYPE(rnode->sysctl_flags)) {
	case CTLTYPE_STRING:
		node.sysctl_data = buf;
		node.sysctl_size = sizeof(buf);
		return sysctl_lookup(SYSCTLFN_CALL(&node));
	case CTLTYPE_QUAD:
		node.sysctl_data = &q;
		return sysctl_lookup(SYSCTLFN_CALL(&node));
	default:
		break;
	}
	node.sysctl_data = &v;
	error = sysctl_lookup(SYSCTLFN_CALL(&node));
	if (error || newp == NULL)
		return error;
	/* Only "hold" is writable. */
	if ((error = kauth_authorize_system(l->l_cred, KAUTH_SYSTEM_TIME,
	    KAUTH_REQ_SYSTEM_TIME_SYSTEM, NULL, NULL, NULL)) != 0)
		return error;
	if (v < 1 || v > VMT_TS_DISC_HOLD_MAX_S)
		return EINVAL;
	mutex_enter(&ts->ts_lock);
	di->di_hold_s = v;
	mutex_exit(&ts->ts_lock);
	return 0;
}

/* machdep.vmt0.timesync.discipline. */
void
vmt_ts_disc_sysctl_setup(struct vmt_timesync *ts, struct sysctllog **log,
    const struct sysctlnode *parent)
{
	/* NetBSD's sysctl_createv() checks the type token: one list each. */
	static const struct {
		const char	*name;
		const char	*descr;
	} quads[] = {
		{ "since",
		    "realtime s of the first sign of the last discipline" },
		{ "last", "realtime s of the latest sign of a discipline" },
		{ "episodes", "disciplines seen since attach" },
		{ "oneshot_steps",
		    "steps of one-shot syncs made while standing aside" },
		{ "kernel_steps",
		    "steps by neither this driver nor userland (inittodr)" },
	};
	const struct sysctlnode *node;
	size_t i;

	if (sysctl_createv(log, 0, &parent, &node, 0, CTLTYPE_NODE,
	    "discipline", SYSCTL_DESCR("a time discipline in userland"),
	    NULL, 0, NULL, 0, CTL_CREATE, CTL_EOL) != 0)
		return;
	sysctl_createv(log, 0, &node, NULL, CTLFLAG_READWRITE, CTLTYPE_INT,
	    "hold", SYSCTL_DESCR("seconds without a sign before the driver "
	    "synchronizes again"), vmt_ts_disc_sysctl, 0, (void *)ts, 0,
	    CTL_CREATE, CTL_EOL);
	sysctl_createv(log, 0, &node, NULL, 0, CTLTYPE_STRING, "seen",
	    SYSCTL_DESCR("signs of the last discipline: ntp_adjtime:STA_PLL, "
	    "ntp_adjtime:STA_FLL, adjtime, settime; or none"),
	    vmt_ts_disc_sysctl, 0, (void *)ts, VMT_TS_DISC_SEENLEN,
	    CTL_CREATE, CTL_EOL);
	sysctl_createv(log, 0, &node, NULL, 0, CTLTYPE_INT, "present",
	    SYSCTL_DESCR("1 while a time discipline in userland is seen"),
	    vmt_ts_disc_sysctl, 0, (void *)ts, 0, CTL_CREATE, CTL_EOL);
	for (i = 0; i < __arraycount(quads); i++)
		sysctl_createv(log, 0, &node, NULL, 0, CTLTYPE_QUAD,
		    quads[i].name, SYSCTL_DESCR(quads[i].descr),
		    vmt_ts_disc_sysctl, 0, (void *)ts, 0, CTL_CREATE, CTL_EOL);
}

/* At attach: what is there now is the baseline, and a first look. */
void
vmt_ts_disc_init(struct vmt_timesync *ts)
{
	struct vmt_ts_disc *di = &ts->ts_disc;

	KASSERT(mutex_owned(&ts->ts_lock));
	di->di_hold_s = VMT_TS_DISC_HOLD_DEFAULT_S;
	di->di_steps = tc_step_count();
	di->di_own = vmt_ts_disc_own_steps(ts);
	di->di_boottime = boottime;
	(void)vmt_ts_disc_check(ts);
}
