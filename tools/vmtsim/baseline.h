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
 * The baseline time-sync drivers vmtsim(1) compares vmt(4) with.
 * Kernel code, built into both kernel libraries; only vmtsim-guest-nots
 * calls them, next to a vmt(4) without options VMT_TIMESYNC.
 */

#ifndef _VMTSIM_BASELINE_H_
#define _VMTSIM_BASELINE_H_

struct vmt_softc;
struct bl_netbsd;
struct bl_ovt;

/* Today's NetBSD vmt(4): its own TCLO loop, no vmt_softc. */
struct bl_netbsd *bl_netbsd_attach(void);
void	bl_netbsd_detach(struct bl_netbsd *);

/* open-vm-tools timeSync, on our transport. */
struct bl_ovt *bl_ovt_attach(struct vmt_softc *, bool);
void	bl_ovt_detach(struct bl_ovt *);

#endif /* _VMTSIM_BASELINE_H_ */
