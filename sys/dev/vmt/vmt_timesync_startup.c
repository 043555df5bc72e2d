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
 * vmt(4) time synchronisation: the host's startup options.
 *
 * The VMX pushes its time.synchronize.tools.* settings with Set_Option
 * when the tools start.  Two of them ask for a synchronisation then,
 * and the driver does what open-vm-tools' timeSync plugin does in its
 * option handler:
 *
 *  - time.synchronize.tools.startup.backward is only remembered;
 *  - the first time.synchronize.tools.startup after attach (after boot)
 *    decides, whatever its value: 1 makes one one-shot synchronisation
 *    at once, which may step the clock back when the guest is ahead
 *    only if startup.backward was 1 when startup came; later pushes
 *    (the host reconnecting) change nothing.
 *
 * The one-shot is the driver's (see vmt(4)): behind by more than the
 * step threshold, the clock is stepped forward; ahead by more than it,
 * stepped back if allowed; anything smaller is slewed.  Like every
 * other one-shot it acts in mode "host" only while the host's flag is
 * set (so a host whose checkbox is clear does not step the clock behind
 * the administrator's back), always in mode "on", never in mode "off".
 *
 * Runs with ts_lock held.
 */

#include <sys/cdefs.h>
__KERNEL_RCSID(0, "$NetBSD$");

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/device.h>
#include <sys/mutex.h>
#include <sys/syslog.h>

#include <dev/vmt/vmtvar.h>
#include <dev/vmt/vmt_tspolicy.h>
#include <dev/vmt/vmt_timesyncvar.h>

/*
 * The host set tools option idx (an index into vmt_ts_tools_options)
 * to v, already stored.  True if a one-shot event *evp is due now.
 */
bool
vmt_ts_startup_option(struct vmt_timesync *ts, size_t idx, int v,
    enum vmt_tsp_event *evp)
{
	bool back;

	KASSERT(mutex_owned(&ts->ts_lock));
	if (idx != VMT_TS_TOOL_STARTUP || ts->ts_startup_done)
		return false;
	ts->ts_startup_done = true;
	if (v != 1)
		return false;
	back = ts->ts_tools_opt[VMT_TS_TOOL_STARTUP_BACK] == 1;
	log(LOG_INFO, "%s: timesync: the host asks for a synchronization at "
	    "startup%s\n", device_xname(ts->ts_sc->sc_dev),
	    back ? ", stepping back if ahead" : "");
	*evp = back ? VMT_TSP_EV_SYNC_BACKWARD : VMT_TSP_EV_SYNC;
	return true;
}
