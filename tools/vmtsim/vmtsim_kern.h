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
 * The kernel side of a vmtsim guest, as the userland part sees it: no
 * kernel header needed, handles are opaque.
 */

#ifndef _VMTSIM_KERN_H_
#define _VMTSIM_KERN_H_

#ifdef _KERNEL
#include <sys/types.h>
#else
#include <stdbool.h>
#include <stdint.h>
#endif

struct vmtsim_policy;

/*
 * Attach the drivers of a policy ("vmt", "vmt-gtf", "netbsd", "ovt",
 * "none") to the simulated host.  NULL if the name is unknown, if this
 * kernel was not built for it ("vmt" and "vmt-gtf" need options
 * VMT_TIMESYNC, the others need it off), or if attach failed.  With
 * host_startup the host pushes the startup options itself (the ovt
 * model then does not assume them).
 */
struct vmtsim_policy *vmtsim_policy_attach(const char *, bool host_startup);
void	vmtsim_policy_detach(struct vmtsim_policy *);
/* Does this kernel have options VMT_TIMESYNC? */
bool	vmtsim_kernel_timesync(void);

/* Counters of kern_tc.c: steps, adjtimes, adjfreqs set. */
void	vmtsim_tc_counts(uint64_t *, uint64_t *, uint64_t *);

#endif /* _VMTSIM_KERN_H_ */
