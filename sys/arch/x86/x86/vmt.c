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
 * vmt(4): the x86 front end.  cpu(4) offers each of its features to
 * the drivers attached at cpufeaturebus; vmt takes the "vm" feature
 * of the boot processor when the kernel has identified the hypervisor
 * as VMware (vm_guest, from the CPUID hypervisor leaf or the SMBIOS
 * serial number) and the backdoor answers.  Everything else is in the
 * machine-independent code, sys/dev/vmt.
 *
 *	vmt0 at cpu0
 */

#include <sys/cdefs.h>
__KERNEL_RCSID(0, "$NetBSD$");

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/device.h>
#include <sys/module.h>

#include <machine/cpu.h>
#include <machine/cpuvar.h>

#include <dev/vmt/vmtvar.h>

static int	vmt_match(device_t, cfdata_t, void *);
static void	vmt_attach(device_t, device_t, void *);
static int	vmt_detach(device_t, int);

CFATTACH_DECL_NEW(vmt, sizeof(struct vmt_softc),
    vmt_match, vmt_attach, vmt_detach, NULL);

static int
vmt_match(device_t parent, cfdata_t cf, void *aux)
{
	struct cpufeature_attach_args *cfaa = aux;

	if (strcmp(cfaa->name, "vm") != 0)
		return 0;
	/* One instance per machine, on the boot processor. */
	if ((cfaa->ci->ci_flags & (CPUF_BSP | CPUF_SP | CPUF_PRIMARY)) == 0)
		return 0;
	/* Never touch the backdoor port under anything but VMware. */
	if (vm_guest != VM_GUEST_VMWARE)
		return 0;
	return vmt_probe() ? 1 : 0;
}

static void
vmt_attach(device_t parent, device_t self, void *aux)
{
	struct vmt_softc *sc = device_private(self);

	aprint_naive("\n");
	aprint_normal("\n");

	/*
	 * On failure the device stays, without the loop, the sysctl
	 * nodes or the power handlers; vmt_common_detach() copes.
	 */
	sc->sc_dev = self;
	(void)vmt_common_attach(sc);
}

static int
vmt_detach(device_t self, int flags)
{
	struct vmt_softc *sc = device_private(self);

	return vmt_common_detach(sc);
}

MODULE(MODULE_CLASS_DRIVER, vmt, "sysmon_power,sysmon_taskq");

#ifdef _MODULE
#include "ioconf.c"
#endif

static int
vmt_modcmd(modcmd_t cmd, void *aux)
{
	switch (cmd) {
	case MODULE_CMD_INIT:
#ifdef _MODULE
		return config_init_component(cfdriver_ioconf_vmt,
		    cfattach_ioconf_vmt, cfdata_ioconf_vmt);
#else
		return 0;
#endif
	case MODULE_CMD_FINI:
#ifdef _MODULE
		return config_fini_component(cfdriver_ioconf_vmt,
		    cfattach_ioconf_vmt, cfdata_ioconf_vmt);
#else
		return 0;
#endif
	case MODULE_CMD_AUTOUNLOAD:
		/* Keep answering the host: never unload on our own. */
		return EBUSY;
	default:
		return ENOTTY;
	}
}
