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
 * vmtrace(8): probe the VMware backdoor and record guest/host clock
 * pairs in the simulator's trace format.
 */

#ifndef _VMTRACE_VMTRACE_H_
#define _VMTRACE_VMTRACE_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <dev/vmt/vmt_backdoor.h>

/* How vt_backdoor_open() went. */
enum vt_bd_status {
	VT_BD_OK,		/* GETVERSION echoed the magic */
	VT_BD_NOARCH,		/* not an x86 build: no backdoor to reach */
	VT_BD_NOPRIV,		/* no I/O privilege */
	VT_BD_FAULT,		/* the port access trapped */
	VT_BD_ABSENT		/* the port answered, but not as VMware */
};

/* What GETVERSION returned, for the record header and probe. */
struct vt_version {
	uint32_t	version;	/* EAX */
	uint32_t	vmx_type;	/* ECX */
};

enum vt_bd_status vt_backdoor_open(struct vt_version *, char *, size_t);
void	vt_backdoor_call(struct vm_backdoor *, uint32_t);
bool	vt_hypervisor(char *, size_t);
bool	vt_dmi_vmware(void);
const char *vt_vmx_type_name(uint32_t);

/*
 * GETHZ; false when the host does not know or does not say.  The raw
 * registers go to the last argument unless it is NULL.
 */
bool	vt_gethz(uint64_t *, uint32_t *, struct vm_backdoor *);

/*
 * PRECISIONCLOCK GETTIME: host time in ns; false unless EAX is 0 and
 * the time believable (2000 or later).  Registers as for vt_gethz().
 */
bool	vt_precision_time(int64_t *, struct vm_backdoor *);

/* The guest clock a recording uses, and the clocks beside it. */
#ifdef CLOCK_MONOTONIC_RAW
#define VT_CLOCK_GUEST		CLOCK_MONOTONIC_RAW
#define VT_CLOCK_GUEST_NAME	"CLOCK_MONOTONIC_RAW"
#else
#define VT_CLOCK_GUEST		CLOCK_MONOTONIC
#define VT_CLOCK_GUEST_NAME	"CLOCK_MONOTONIC"
#endif

int64_t	vt_clock_ns(clockid_t);

/* The two commands. */
struct vt_record_opts {
	double		interval_s;	/* > 0 */
	uint64_t	count;		/* 0: no limit */
	double		duration_s;	/* 0: no limit */
	const char	*output;	/* NULL: stdout */
};

int	vt_probe(void);
int	vt_record(const struct vt_record_opts *);

#endif /* _VMTRACE_VMTRACE_H_ */
