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
 * The kernel side of a vmtsim guest: attaching the drivers of each
 * policy (see vmtsim_kern.h) and reading kern_tc.c's counters without
 * going through sysctl's name lookup once a simulated second.
 */

#include <sys/cdefs.h>
__KERNEL_RCSID(0, "$NetBSD$");

#include "opt_vmt.h"

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kmem.h>
#include <sys/timetc.h>

#include <dev/vmt/vmtvar.h>

#include "../kern/kenv.h"
#include "../vmthost/vmt_kenv.h"
#include "baseline.h"
#include "vmtsim_kern.h"

enum vmtsim_kind { VK_VMT, VK_NETBSD, VK_OVT, VK_NONE };

struct vmtsim_policy {
	enum vmtsim_kind	vp_kind;
	struct vmt_softc	*vp_sc;		/* our vmt(4), if attached */
	struct bl_netbsd	*vp_netbsd;
	struct bl_ovt		*vp_ovt;
};

static const struct {
	const char		*name;
	enum vmtsim_kind	kind;
	bool			timesync;	/* the kernel it needs */
} vmtsim_kinds[] = {
	{ "vmt", VK_VMT, true },
	{ "vmt-gtf", VK_VMT, true },	/* the host differs, not the guest */
	{ "netbsd", VK_NETBSD, false },
	{ "ovt", VK_OVT, false },
	{ "none", VK_NONE, false },
};

bool
vmtsim_kernel_timesync(void)
{
#ifdef VMT_TIMESYNC
	return true;
#else
	return false;
#endif
}

static int
vmtsim_kind(const char *name)
{
	size_t i;

	for (i = 0; i < __arraycount(vmtsim_kinds); i++)
		if (strcmp(name, vmtsim_kinds[i].name) == 0)
			return vmtsim_kinds[i].timesync ==
			    vmtsim_kernel_timesync() ?
			    (int)vmtsim_kinds[i].kind : -1;
	return -1;
}

struct vmtsim_policy *
vmtsim_policy_attach(const char *name, bool host_startup)
{
	struct vmtsim_policy *vp;
	int kind;

	if ((kind = vmtsim_kind(name)) < 0)
		return NULL;
	vp = kmem_zalloc(sizeof(*vp), KM_SLEEP);
	vp->vp_kind = (enum vmtsim_kind)kind;
	if (vp->vp_kind == VK_NETBSD) {
		/* Today's driver replaces ours entirely. */
		vp->vp_netbsd = bl_netbsd_attach();
		return vp;
	}
	if ((vp->vp_sc = vmt_kenv_attach(0)) == NULL) {
		kmem_free(vp, sizeof(*vp));
		return NULL;
	}
	if (vp->vp_kind == VK_OVT)
		vp->vp_ovt = bl_ovt_attach(vp->vp_sc, host_startup);
	return vp;
}

void
vmtsim_policy_detach(struct vmtsim_policy *vp)
{
	if (vp->vp_ovt != NULL)
		bl_ovt_detach(vp->vp_ovt);
	if (vp->vp_netbsd != NULL)
		bl_netbsd_detach(vp->vp_netbsd);
	if (vp->vp_sc != NULL)
		(void)vmt_kenv_detach(vp->vp_sc);
	kmem_free(vp, sizeof(*vp));
}

void
vmtsim_tc_counts(uint64_t *steps, uint64_t *adjtimes, uint64_t *adjfreqs)
{
	*steps = tc_step_count();
	/* The kernel's own slew and adjtime(2) (the ovt baseline's). */
	*adjtimes = tc_adjtime_count() + kenv_adjtime_count();
	*adjfreqs = tc_adjfreq_count();
}
