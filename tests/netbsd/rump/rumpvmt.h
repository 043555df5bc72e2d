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
 * vmt(4) in the NetBSD tier's rump kernel: the interface between the
 * kernel component (vmt_rump.c) and the host program that holds the
 * simulated VMware host (h_rumpvmt.c).  No header of either side is
 * needed; every name starts with "rump", which the rump build leaves
 * in the host's namespace.
 */

#ifndef _RUMPVMT_H_
#define _RUMPVMT_H_

struct vm_backdoor;

/* The three operations of dev/vmt/vmt_backdoor.h. */
#define RUMPVMT_BD_CMD		0
#define RUMPVMT_BD_HB_OUT	1
#define RUMPVMT_BD_HB_IN	2

/*
 * Hypercall, host side: perform one backdoor operation on the frame,
 * as the simulated host.  Called by the kernel with its CPU held; it
 * does not block beyond the host's own lock.
 */
void	rumpcomp_vmthost_backdoor(int, struct vm_backdoor *);

/*
 * Kernel side, for the host (between rump_schedule() and
 * rump_unschedule()): the name of the attached vmt device in buf
 * (0), or ENXIO when none attached; detach it through autoconf.
 */
int	rumpvmt_attached(char *, unsigned);
int	rumpvmt_detach(void);

#endif /* _RUMPVMT_H_ */
