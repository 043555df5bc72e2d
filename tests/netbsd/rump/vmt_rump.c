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
 * vmt(4) as a rump kernel driver component: the test front end and the
 * backdoor.
 *
 * A rump kernel has no cpufeaturebus, so this front end attaches vmt at
 * rump's mainbus, through NetBSD's autoconf: the component registers
 * the ioconf config(1) generated from VMT.ioconf (files.vmt and
 * "vmt* at mainbus?") with config_init_component(), and rump's device
 * faction finds, matches and attaches vmt0 when it configures mainbus.
 * Match, attach and detach do what the x86 front end does, minus the
 * hypervisor check.
 *
 * The backdoor boundary (dev/vmt/vmt_backdoor.h) is a hypercall into
 * the host program, where the simulated VMware host (tools/vmthost)
 * answers: the register frame crosses as it is, and the high-bandwidth
 * buffers are kernel memory the host can read and write.
 */

#include <sys/cdefs.h>
__KERNEL_RCSID(0, "$NetBSD$");

#include <sys/param.h>
#include <sys/types.h>
#include <sys/device.h>
#include <sys/errno.h>
#include <sys/systm.h>

#include <dev/vmt/vmt_backdoor.h>
#include <dev/vmt/vmtvar.h>

#include "ioconf.c"

#include <rump-sys/kern.h>

#include "rumpvmt.h"

static int	vmt_rump_match(device_t, cfdata_t, void *);
static void	vmt_rump_attach(device_t, device_t, void *);
static int	vmt_rump_detach(device_t, int);

CFATTACH_DECL_NEW(vmt_rump, sizeof(struct vmt_softc),
    vmt_rump_match, vmt_rump_attach, vmt_rump_detach, NULL);

RUMP_COMPONENT(RUMP_COMPONENT_DEV)
{
	int error;

	if ((error = config_init_component(cfdriver_ioconf_vmt,
	    cfattach_ioconf_vmt, cfdata_ioconf_vmt)) != 0)
		printf("vmt: config_init_component: error %d\n", error);
}

static int
vmt_rump_match(device_t parent, cfdata_t cf, void *aux)
{

	return vmt_probe() ? 1 : 0;
}

static void
vmt_rump_attach(device_t parent, device_t self, void *aux)
{
	struct vmt_softc *sc = device_private(self);

	aprint_naive("\n");
	aprint_normal("\n");
	sc->sc_dev = self;
	(void)vmt_common_attach(sc);
}

static int
vmt_rump_detach(device_t self, int flags)
{
	struct vmt_softc *sc = device_private(self);

	return vmt_common_detach(sc);
}

void
vmt_backdoor_cmd(struct vm_backdoor *frame)
{

	rumpcomp_vmthost_backdoor(RUMPVMT_BD_CMD, frame);
}

void
vmt_backdoor_hb_out(struct vm_backdoor *frame)
{

	rumpcomp_vmthost_backdoor(RUMPVMT_BD_HB_OUT, frame);
}

void
vmt_backdoor_hb_in(struct vm_backdoor *frame)
{

	rumpcomp_vmthost_backdoor(RUMPVMT_BD_HB_IN, frame);
}

/*
 * rump's device faction (librumpdev) calls do_sys_sync() when pmf(9)
 * suspends the system, and takes it from the VFS faction, which this
 * kernel does not have: with no file system mounted there is nothing
 * to write back.
 */
void	do_sys_sync(struct lwp *);

void
do_sys_sync(struct lwp *l)
{
}

int
rumpvmt_attached(char *buf, unsigned len)
{
	device_t dev;

	if ((dev = device_find_by_xname("vmt0")) == NULL)
		return ENXIO;
	strlcpy(buf, device_xname(dev), len);
	return 0;
}

int
rumpvmt_detach(void)
{
	device_t dev;
	int error;

	KERNEL_LOCK(1, NULL);
	if ((dev = device_find_by_xname("vmt0")) == NULL)
		error = ENXIO;
	else
		error = config_detach(dev, 0);
	KERNEL_UNLOCK_ONE(NULL);
	return error;
}
