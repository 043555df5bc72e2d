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
 * vmt(4): machine-independent attach and detach.
 *
 * The bus front end (x86 cpufeaturebus, or the test harness) probes
 * with vmt_probe(), sets sc_dev and calls vmt_common_attach().  Attach
 * sets up the lock, the machdep.vmt0 sysctl subtree with the transport
 * counters under machdep.vmt0.rpc, the power switches and the pmf(9)
 * handlers, and starts the TCLO loop; then it hands over to the
 * time-sync module when that is configured.  Each step it completes is
 * recorded in sc_attached, and detach undoes those and nothing else:
 * the front end calls it whether or not attach succeeded.
 *
 * Power management: a guest suspend (pmf) stops the loop and closes
 * the TCLO channel; resume reopens it at once and reports
 * VMT_EV_RESUME to the time-sync module, whose clock has fallen behind
 * while the guest slept.  Shutdown closes the channel, so the host sees
 * the tools go away.
 */

#include <sys/cdefs.h>
__KERNEL_RCSID(0, "$NetBSD$");

#include "opt_vmt.h"

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/callout.h>
#include <sys/device.h>
#include <sys/kernel.h>
#include <sys/mutex.h>
#include <sys/sysctl.h>
#include <dev/sysmon/sysmonvar.h>
#include <dev/sysmon/sysmon_taskq.h>

#include <dev/vmt/vmtreg.h>
#include <dev/vmt/vmtvar.h>

/* The read-only counters under machdep.vmt0.rpc. */
static const struct vmt_stat {
	const char	*vs_name;
	const char	*vs_descr;
	size_t		vs_offset;	/* a uint64_t in the softc, [L] */
} vmt_stats[] = {
	{ "cpt_retries", "Transfers restarted after a checkpoint",
	    offsetof(struct vmt_softc, sc_cpt_retries) },
	{ "errors", "Transfers that failed and broke a channel",
	    offsetof(struct vmt_softc, sc_errors) },
	{ "reopens", "TCLO channel reopens",
	    offsetof(struct vmt_softc, sc_reopens) },
	{ "tclo_commands", "TCLO commands received",
	    offsetof(struct vmt_softc, sc_tclo_commands) },
	{ "rpci_calls", "RPCI requests made",
	    offsetof(struct vmt_softc, sc_rpci_calls) },
};

/* Copy one counter under sc_lock, so 64-bit reads are never torn. */
static int
vmt_sysctl_stat(SYSCTLFN_ARGS)
{
	struct sysctlnode node = *rnode;
	struct vmt_softc *sc = rnode->sysctl_data;
	uint64_t val;
	size_t i;

	for (i = 0; i < __arraycount(vmt_stats); i++)
		if (strcmp(rnode->sysctl_name, vmt_stats[i].vs_name) == 0)
			break;
	if (i == __arraycount(vmt_stats))
		return EINVAL;
	mutex_enter(&sc->sc_lock);
	memcpy(&val, (const char *)sc + vmt_stats[i].vs_offset, sizeof(val));
	mutex_exit(&sc->sc_lock);
	node.sysctl_data = &val;
	return sysctl_lookup(SYSCTLFN_CALL(&node));
}

#ifndef VMT_TIMESYNC
/*
 * machdep.vmt0.clock_sync.period, NetBSD's knob for how often vmt(4)
 * sets the clock from the host, 0 meaning never.  Without options
 * VMT_TIMESYNC this driver never sets the clock: the period reads 0,
 * writing 0 succeeds (so an /etc/sysctl.conf that turns the periodic
 * sync off keeps working), and any other period fails with EOPNOTSUPP.
 * With the option, the time-sync module provides the node instead.
 */
static int
vmt_sysctl_clock_sync_period(SYSCTLFN_ARGS)
{
	struct sysctlnode node = *rnode;
	int period = 0, error;

	node.sysctl_data = &period;
	error = sysctl_lookup(SYSCTLFN_CALL(&node));
	if (error || newp == NULL)
		return error;
	if (period < 0)
		return EINVAL;
	return period == 0 ? 0 : EOPNOTSUPP;
}
#endif

static int
vmt_sysctl_attach(struct vmt_softc *sc)
{
	const struct sysctlnode *machdep, *rpc;
#ifndef VMT_TIMESYNC
	const struct sysctlnode *clock_sync;
#endif
	size_t i;
	int error;

	error = sysctl_createv(&sc->sc_log, 0, NULL, &machdep,
	    0, CTLTYPE_NODE, "machdep", NULL,
	    NULL, 0, NULL, 0, CTL_MACHDEP, CTL_EOL);
	if (error == 0)
		error = sysctl_createv(&sc->sc_log, 0, &machdep,
		    &sc->sc_sysctl_node, 0, CTLTYPE_NODE,
		    device_xname(sc->sc_dev), SYSCTL_DESCR("VMware Tools"),
		    NULL, 0, NULL, 0, CTL_CREATE, CTL_EOL);
	if (error == 0)
		error = sysctl_createv(&sc->sc_log, 0, &sc->sc_sysctl_node,
		    &rpc, 0, CTLTYPE_NODE, "rpc",
		    SYSCTL_DESCR("Backdoor message channel counters"),
		    NULL, 0, NULL, 0, CTL_CREATE, CTL_EOL);
	for (i = 0; error == 0 && i < __arraycount(vmt_stats); i++)
		error = sysctl_createv(&sc->sc_log, 0, &rpc, NULL,
		    CTLFLAG_READONLY, CTLTYPE_QUAD, vmt_stats[i].vs_name,
		    SYSCTL_DESCR(vmt_stats[i].vs_descr),
		    vmt_sysctl_stat, 0, (void *)sc, 0, CTL_CREATE, CTL_EOL);
#ifndef VMT_TIMESYNC
	if (error == 0)
		error = sysctl_createv(&sc->sc_log, 0, &sc->sc_sysctl_node,
		    &clock_sync, 0, CTLTYPE_NODE, "clock_sync",
		    SYSCTL_DESCR("Clock synchronisation with the host"),
		    NULL, 0, NULL, 0, CTL_CREATE, CTL_EOL);
	if (error == 0)
		error = sysctl_createv(&sc->sc_log, 0, &clock_sync, NULL,
		    CTLFLAG_READWRITE, CTLTYPE_INT, "period",
		    SYSCTL_DESCR("Seconds between clock synchronisations; "
		    "0: none (this kernel has no options VMT_TIMESYNC)"),
		    vmt_sysctl_clock_sync_period, 0, NULL, 0,
		    CTL_CREATE, CTL_EOL);
#endif
	if (error != 0) {
		sysctl_teardown(&sc->sc_log);
		sc->sc_sysctl_node = NULL;
	}
	return error;
}

/*
 * Power switches.  A press is queued for the sysmon thread, which calls
 * sysmon_pswitch_event() in thread context; sc_pswitch_tasks counts the
 * presses queued and not yet made, so that detach never frees a softc a
 * queued task still points to.
 */
static void
vmt_pswitch_attach(struct vmt_softc *sc)
{
	sc->sc_ev_power.smpsw_name = device_xname(sc->sc_dev);
	sc->sc_ev_power.smpsw_type = PSWITCH_TYPE_POWER;
	sc->sc_ev_reset.smpsw_name = device_xname(sc->sc_dev);
	sc->sc_ev_reset.smpsw_type = PSWITCH_TYPE_RESET;
	if (sysmon_pswitch_register(&sc->sc_ev_power) != 0)
		goto fail;
	if (sysmon_pswitch_register(&sc->sc_ev_reset) != 0) {
		sysmon_pswitch_unregister(&sc->sc_ev_power);
		goto fail;
	}
	sysmon_task_queue_init();
	sc->sc_attached |= VMT_ATT_PSWITCH;
	return;
fail:
	/* Not fatal: halt and reboot requests are then refused. */
	aprint_error_dev(sc->sc_dev, "unable to register power switches\n");
}

static void
vmt_pswitch_task(struct vmt_softc *sc, struct sysmon_pswitch *smpsw)
{
	sysmon_pswitch_event(smpsw, PSWITCH_EVENT_PRESSED);
	mutex_enter(&sc->sc_lock);
	KASSERT(sc->sc_pswitch_tasks > 0);
	sc->sc_pswitch_tasks--;
	mutex_exit(&sc->sc_lock);
}

static void
vmt_pswitch_power_task(void *xsc)
{
	struct vmt_softc *sc = xsc;

	vmt_pswitch_task(sc, &sc->sc_ev_power);
}

static void
vmt_pswitch_reset_task(void *xsc)
{
	struct vmt_softc *sc = xsc;

	vmt_pswitch_task(sc, &sc->sc_ev_reset);
}

int
vmt_pswitch_press(struct vmt_softc *sc, int type)
{
	void (*task)(void *);
	int error;

	if ((sc->sc_attached & VMT_ATT_PSWITCH) == 0)
		return ENODEV;
	switch (type) {
	case PSWITCH_TYPE_POWER:
		task = vmt_pswitch_power_task;
		break;
	case PSWITCH_TYPE_RESET:
		task = vmt_pswitch_reset_task;
		break;
	default:
		return EINVAL;
	}
	mutex_enter(&sc->sc_lock);
	sc->sc_pswitch_tasks++;
	mutex_exit(&sc->sc_lock);
	if ((error = sysmon_task_queue_sched(0, task, sc)) != 0) {
		mutex_enter(&sc->sc_lock);
		sc->sc_pswitch_tasks--;
		mutex_exit(&sc->sc_lock);
	}
	return error;
}

/*
 * pmf(9).  Suspend and shutdown stop the TCLO loop (a run already past
 * its check finishes and does not reschedule itself) and close the
 * channel.  Resume restarts the loop at once; its next run reopens the
 * channel and reports the resume.
 */
static bool
vmt_pmf_suspend(device_t self, const pmf_qual_t *qual)
{
	struct vmt_softc *sc = device_private(self);

	mutex_enter(&sc->sc_lock);
	sc->sc_suspended = true;
	mutex_exit(&sc->sc_lock);
	callout_halt(&sc->sc_tclo_tick, NULL);
	mutex_enter(&sc->sc_lock);
	vmt_rpc_close(sc, &sc->sc_tclo_rpc);
	mutex_exit(&sc->sc_lock);
	return true;
}

static bool
vmt_pmf_resume(device_t self, const pmf_qual_t *qual)
{
	struct vmt_softc *sc = device_private(self);

	mutex_enter(&sc->sc_lock);
	sc->sc_suspended = false;
	sc->sc_resumed = true;
	if (!sc->sc_dying)
		callout_schedule(&sc->sc_tclo_tick, 1);
	mutex_exit(&sc->sc_lock);
	return true;
}

static bool
vmt_pmf_shutdown(device_t self, int howto)
{
	return vmt_pmf_suspend(self, NULL);
}

/*
 * A device whose attach failed stays (the front end cannot undo its
 * own attachment); with power handlers that do nothing, so that it
 * never stands in the way of a system suspend.
 */
static int
vmt_attach_failed(struct vmt_softc *sc, int error)
{
	KASSERT(sc->sc_attached == 0);
	if (pmf_device_register(sc->sc_dev, NULL, NULL))
		sc->sc_attached |= VMT_ATT_PMF;
	return error;
}

int
vmt_common_attach(struct vmt_softc *sc)
{
	int error;

	KASSERT(sc->sc_attached == 0);
	if ((error = vmt_get_version(&sc->sc_version, &sc->sc_vmx_type)) != 0) {
		aprint_error_dev(sc->sc_dev, "backdoor not found\n");
		return vmt_attach_failed(sc, error);
	}
	mutex_init(&sc->sc_lock, MUTEX_DEFAULT, IPL_NONE);
	sc->sc_attached |= VMT_ATT_LOCK;
	sc->sc_dying = false;
	sc->sc_suspended = false;
	sc->sc_resumed = false;
	vmt_rpc_init(&sc->sc_tclo_rpc, "tclo", VM_RPC_OPEN_TCLO);
	vmt_rpc_init(&sc->sc_rpci_rpc, "rpci", VM_RPC_OPEN_RPCI);
	vmt_tclo_init(sc);
	callout_init(&sc->sc_tclo_tick, CALLOUT_MPSAFE);
	callout_setfunc(&sc->sc_tclo_tick, vmt_tclo_tick, sc);
	sc->sc_attached |= VMT_ATT_CALLOUT;

	if ((error = vmt_sysctl_attach(sc)) != 0) {
		aprint_error_dev(sc->sc_dev,
		    "unable to create sysctl nodes, error %d\n", error);
		(void)vmt_common_detach(sc);
		return vmt_attach_failed(sc, error);
	}
	sc->sc_attached |= VMT_ATT_SYSCTL;
	vmt_pswitch_attach(sc);
	if (pmf_device_register1(sc->sc_dev, vmt_pmf_suspend, vmt_pmf_resume,
	    vmt_pmf_shutdown))
		sc->sc_attached |= VMT_ATT_PMF;
	else
		aprint_error_dev(sc->sc_dev,
		    "couldn't establish power handler\n");

	aprint_normal_dev(sc->sc_dev,
	    "VMware Tools, backdoor version %u, VMX type %u\n",
	    sc->sc_version, sc->sc_vmx_type);

	/* The loop opens the TCLO channel at its first run. */
	callout_schedule(&sc->sc_tclo_tick, mstohz(VMT_TCLO_POLL_MS));
	sc->sc_attached |= VMT_ATT_LOOP;

#ifdef VMT_TIMESYNC
	vmt_timesync_attach(sc);
	sc->sc_attached |= VMT_ATT_TIMESYNC;
#endif
	return 0;
}

int
vmt_common_detach(struct vmt_softc *sc)
{
	const u_int att = sc->sc_attached;

	if ((att & VMT_ATT_LOCK) == 0) {
		/* Attach failed, or never ran. */
		if (att & VMT_ATT_PMF)
			pmf_device_deregister(sc->sc_dev);
		sc->sc_attached = 0;
		return 0;
	}
	mutex_enter(&sc->sc_lock);
	sc->sc_dying = true;
	mutex_exit(&sc->sc_lock);

	/*
	 * Stop the loop first: events and option handlers run from it,
	 * and none may run while the time-sync module tears down.  The
	 * module may still make RPCI requests from its detach.  Once it
	 * is stopped, no power switch press can be queued any more; one
	 * queued earlier still points to the softc, so wait for none of
	 * them: refuse, and carry on as before.
	 */
	if (att & VMT_ATT_CALLOUT)
		callout_halt(&sc->sc_tclo_tick, NULL);
	mutex_enter(&sc->sc_lock);
	if (sc->sc_pswitch_tasks > 0) {
		sc->sc_dying = false;
		if ((att & VMT_ATT_LOOP) && !sc->sc_suspended)
			callout_schedule(&sc->sc_tclo_tick, 1);
		mutex_exit(&sc->sc_lock);
		return EBUSY;
	}
	mutex_exit(&sc->sc_lock);

	if (att & VMT_ATT_PMF)
		pmf_device_deregister(sc->sc_dev);
#ifdef VMT_TIMESYNC
	if (att & VMT_ATT_TIMESYNC)
		vmt_timesync_detach(sc);
#endif
	if (att & VMT_ATT_CALLOUT)
		callout_destroy(&sc->sc_tclo_tick);

	mutex_enter(&sc->sc_lock);
	vmt_rpc_close(sc, &sc->sc_tclo_rpc);
	sc->sc_event_fn = NULL;
	sc->sc_event_arg = NULL;
	mutex_exit(&sc->sc_lock);

	if (att & VMT_ATT_PSWITCH) {
		sysmon_pswitch_unregister(&sc->sc_ev_reset);
		sysmon_pswitch_unregister(&sc->sc_ev_power);
	}
	/* Also removes what the modules added beneath machdep.vmt0. */
	if (att & VMT_ATT_SYSCTL) {
		sysctl_teardown(&sc->sc_log);
		sc->sc_sysctl_node = NULL;
	}
	mutex_destroy(&sc->sc_lock);
	sc->sc_attached = 0;
	return 0;
}
