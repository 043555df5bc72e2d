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
 * vmt(4) time synchronisation: VMware's precision clock.
 *
 * ESXi 7.0 and later can give a VM a "precision clock" device (ACPI
 * VMW0005), whose host clock read is backdoor command PRECISIONCLOCK:
 * the host's realtime to the nanosecond, where GETTIMEFULL gives the
 * microsecond.  Where the host answers it, every host read (the
 * bracketed tries of a sample and the read of each TCLO poll) uses it;
 * the reads go through the same bound as any other
 * (vmt_timesync_host.c).  It says nothing of maxTimeLag, which a
 * sample still takes from one GETTIMEFULL read.
 *
 * The first read probes: the precision clock is used if it answers and
 * agrees with GETTIMEFULL to within a second (a hypervisor that gives
 * command 97 another meaning must not pass for the clock).  A host that
 * does not answer, or stops answering, is read with GETTIMEFULL and
 * probed again every VMT_TS_PCLK_REPROBE_S seconds of uptime: a VM may
 * move to a host with the device.  The sysctl precision_clock 0 turns
 * its use off.
 *
 * Runs with ts_lock held.
 */

#include <sys/cdefs.h>
__KERNEL_RCSID(0, "$NetBSD$");

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/device.h>
#include <sys/kernel.h>
#include <sys/mutex.h>
#include <sys/syslog.h>
#include <sys/time.h>

#include <dev/vmt/vmtvar.h>
#include <dev/vmt/vmt_tspolicy.h>
#include <dev/vmt/vmt_timesyncvar.h>

/* The precision clock must agree with GETTIMEFULL to within this. */
#define VMT_TS_PCLK_AGREE_NS	VMT_NS_PER_S

bool
vmt_ts_pclk_in_use(const struct vmt_timesync *ts)
{
	return ts->ts_pclk_use != 0 && ts->ts_pclk == VMT_TS_PCLK_ON;
}

/* Does the precision clock answer, and tell the host's time? */
static int
vmt_ts_pclk_probe(struct vmt_timesync *ts, int64_t *nsp)
{
	const char *name = device_xname(ts->ts_sc->sc_dev);
	struct vmt_hosttime ht;
	int64_t ns, ref, d;
	bool again = ts->ts_pclk_was_on;

	ts->ts_pclk_probe_up = time_uptime;
	if (vmt_get_precision_time(&ns) != 0) {
		ts->ts_pclk = VMT_TS_PCLK_OFF;
		return EOPNOTSUPP;
	}
	if (vmt_get_time_full(&ht, false) == 0 && ht.ht_sec >= 0 &&
	    ht.ht_sec < INT64_MAX / VMT_NS_PER_S - 1) {
		ref = ht.ht_sec * VMT_NS_PER_S +
		    (int64_t)ht.ht_usec * VMT_NS_PER_US;
		d = ns - ref;	/* both in [0, INT64_MAX]: no overflow */
		if (d > VMT_TS_PCLK_AGREE_NS || d < -VMT_TS_PCLK_AGREE_NS) {
			ts->ts_pclk = VMT_TS_PCLK_OFF;
			log(LOG_WARNING, "%s: timesync: PRECISIONCLOCK answers "
			    "%lld s off GETTIMEFULL: not used\n", name,
			    (long long)((d + (d < 0 ? -VMT_NS_PER_S :
			    VMT_NS_PER_S) / 2) / VMT_NS_PER_S));
			return EOPNOTSUPP;
		}
	}
	ts->ts_pclk = VMT_TS_PCLK_ON;
	ts->ts_pclk_was_on = true;
	log(LOG_INFO, "%s: timesync: host time from PRECISIONCLOCK%s\n", name,
	    again ? " again" : " (ns resolution)");
	*nsp = ns;
	return 0;
}

/*
 * One read of the precision clock into *rd (host time and the last
 * known maxTimeLag; the caller sets the uptime).  EOPNOTSUPP: use
 * GETTIMEFULL.
 */
int
vmt_ts_pclk_read(struct vmt_timesync *ts, struct vmt_ts_read *rd)
{
	int64_t ns = 0;
	int error;

	KASSERT(mutex_owned(&ts->ts_lock));
	if (ts->ts_pclk_use == 0)
		return EOPNOTSUPP;
	switch (ts->ts_pclk) {
	case VMT_TS_PCLK_OFF:
		if (time_uptime - ts->ts_pclk_probe_up < VMT_TS_PCLK_REPROBE_S)
			return EOPNOTSUPP;
		/* FALLTHROUGH */
	case VMT_TS_PCLK_UNKNOWN:
		if ((error = vmt_ts_pclk_probe(ts, &ns)) != 0)
			return error;
		break;
	case VMT_TS_PCLK_ON:
		if (vmt_get_precision_time(&ns) != 0) {
			ts->ts_pclk = VMT_TS_PCLK_OFF;
			ts->ts_pclk_probe_up = time_uptime;
			log(LOG_WARNING, "%s: timesync: PRECISIONCLOCK stopped "
			    "answering: reading GETTIMEFULL\n",
			    device_xname(ts->ts_sc->sc_dev));
			return EOPNOTSUPP;
		}
		break;
	}
	ts->ts_st.st_pclk_reads++;
	rd->rd_host_ns = ns;
	rd->rd_maxlag_us = ts->ts_pclk_maxlag_us;
	return 0;
}
