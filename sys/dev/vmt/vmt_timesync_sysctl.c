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
 * vmt(4) time synchronisation: the machdep.vmt0.timesync sysctl tree.
 * Writable knobs are validated (EINVAL, nothing changes) and need the
 * privilege to set the time (KAUTH_SYSTEM_TIME); a write hands the new
 * settings to the policy at once.
 */

#include <sys/cdefs.h>
__KERNEL_RCSID(0, "$NetBSD$");

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/device.h>
#include <sys/kauth.h>
#include <sys/lwp.h>
#include <sys/mutex.h>
#include <sys/sysctl.h>
#include <sys/syslog.h>

#include <dev/vmt/vmtvar.h>
#include <dev/vmt/vmt_tspolicy.h>
#include <dev/vmt/vmt_timesyncvar.h>

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
	{ "precision_clock", offsetof(struct vmt_timesync, ts_pclk_use),
	    0, 1, "read host time with PRECISIONCLOCK where the host "
	    "answers it" },
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
	{ "startup_syncs", STAT(st_startup),
	    "one-shot syncs the host's startup option asked for" },
	{ "resumes_checkpoint", STAT(st_resume_cpt),
	    "one-shot syncs on a checkpoint or TCLO reset" },
	{ "resumes_discontinuity", STAT(st_resume_disc),
	    "one-shot syncs on a confirmed jump of host time against uptime" },
	{ "unconfirmed", STAT(st_unconfirmed),
	    "host times held until later reads confirmed them" },
	{ "refused", STAT(st_refused),
	    "adjustments the kernel refused" },
	{ "no_time", STAT(st_no_time),
	    "host time reads the host did not answer" },
	{ "precision_reads", STAT(st_pclk_reads),
	    "host time reads made with PRECISIONCLOCK" },
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

/*
 * machdep.vmt0.clock_sync.period, NetBSD's name: 0 turns the periodic
 * samples off (the one-shots on attach, resume and the host's requests
 * remain), any other value sets timesync.period and turns them on.
 */
static int
vmt_ts_sysctl_clock_sync(SYSCTLFN_ARGS)
{
	struct sysctlnode node = *rnode;
	struct vmt_timesync *ts = rnode->sysctl_data;
	int val, error;

	mutex_enter(&ts->ts_lock);
	val = ts->ts_periodic ? ts->ts_period_s : 0;
	mutex_exit(&ts->ts_lock);
	node.sysctl_data = &val;
	error = sysctl_lookup(SYSCTLFN_CALL(&node));
	if (error || newp == NULL)
		return error;
	if ((error = vmt_ts_authorize(l)) != 0)
		return error;
	if (val != 0 &&
	    (val < VMT_TSP_PERIOD_MIN_S || val > VMT_TSP_PERIOD_MAX_S))
		return EINVAL;
	mutex_enter(&ts->ts_lock);
	if (val != 0 && val != ts->ts_period_s) {
		ts->ts_period_s = val;
		vmt_ts_reconfigure(ts);
	}
	vmt_ts_set_periodic(ts, val != 0);
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
	vmt_ts_set_flag(ts, val, VMT_TS_SRC_WRITE);
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
	char buf[24];
	u_quad_t q = 0;
	int v = 0;
	size_t i;

	mutex_enter(&ts->ts_lock);
	vmt_tspolicy_status(&ts->ts_policy, &st);
	if (strcmp(what, "time_command") == 0)
		strlcpy(buf, vmt_ts_pclk_in_use(ts) ? "precisionclock" :
		    vmt_ts_tcmd_names[ts->ts_tcmd], sizeof(buf));
	else
		strlcpy(buf, vmt_ts_source_names[ts->ts_flag_src],
		    sizeof(buf));
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
	else if (strcmp(what, "noise_ns") == 0)
		q = (u_quad_t)st.st_noise_ns;
	else if (strcmp(what, "interval_ms") == 0)
		q = st.st_interval_ms;
	else {
		for (i = 0; i < VMT_TS_NTOOLS; i++)
			if (strcmp(what, vmt_ts_tools_sysctl_names[i]) == 0)
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

void
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
	sysctl_createv(log, 0, &stats, NULL, 0, CTLTYPE_STRING,
	    "time_command", SYSCTL_DESCR("host time command read: "
	    "precisionclock, gettimefull_with_lag, gettimefull or none"),
	    vmt_ts_sysctl_view, 0, (void *)ts, 24, CTL_CREATE, CTL_EOL);
	sysctl_createv(log, 0, &stats, NULL, 0, CTLTYPE_QUAD, "freq_ppb",
	    SYSCTL_DESCR("frequency correction installed, ppb"),
	    vmt_ts_sysctl_view, 0, (void *)ts, 0, CTL_CREATE, CTL_EOL);
	sysctl_createv(log, 0, &stats, NULL, 0, CTLTYPE_QUAD, "noise_ns",
	    SYSCTL_DESCR("host read noise measured (sd), ns"),
	    vmt_ts_sysctl_view, 0, (void *)ts, 0, CTL_CREATE, CTL_EOL);
	sysctl_createv(log, 0, &stats, NULL, 0, CTLTYPE_QUAD, "interval_ms",
	    SYSCTL_DESCR("interval of the full samples, ms"),
	    vmt_ts_sysctl_view, 0, (void *)ts, 0, CTL_CREATE, CTL_EOL);

	vmt_ts_disc_sysctl_setup(ts, log, node);

	sysctl_createv(log, 0, &node, &opts, 0, CTLTYPE_NODE, "host_options",
	    SYSCTL_DESCR("time.synchronize.tools.* as the host set them"),
	    NULL, 0, NULL, 0, CTL_CREATE, CTL_EOL);
	for (i = 0; i < VMT_TS_NTOOLS; i++)
		sysctl_createv(log, 0, &opts, NULL, 0, CTLTYPE_INT,
		    vmt_ts_tools_sysctl_names[i],
		    SYSCTL_DESCR(vmt_ts_tools_options[i]),
		    vmt_ts_sysctl_view, 0, (void *)ts, 0, CTL_CREATE, CTL_EOL);

	/* NetBSD's name, from before the timesync subtree. */
	if (sysctl_createv(log, 0, &root, &alias, 0, CTLTYPE_NODE,
	    "clock_sync", SYSCTL_DESCR("Clock synchronisation with the host"),
	    NULL, 0, NULL, 0, CTL_CREATE, CTL_EOL) == 0)
		sysctl_createv(log, 0, &alias, NULL, rw, CTLTYPE_INT, "period",
		    SYSCTL_DESCR("timesync.period; 0 turns periodic samples "
		    "off"),
		    vmt_ts_sysctl_clock_sync, 0, (void *)ts, 0, CTL_CREATE,
		    CTL_EOL);
}
