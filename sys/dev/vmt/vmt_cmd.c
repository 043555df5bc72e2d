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
 * vmt(4): single backdoor commands.  Each is one call on the
 * low-bandwidth port, needs no channel and no lock, and checks what
 * the host answered before believing it: an unsupported command comes
 * back with EAX = VM_BACKDOOR_FAIL, and a host that is not VMware may
 * leave any value anywhere.
 */

#include <sys/cdefs.h>
__KERNEL_RCSID(0, "$NetBSD$");

#include <sys/param.h>
#include <sys/systm.h>

#include <dev/vmt/vmt_backdoor.h>
#include <dev/vmt/vmtreg.h>
#include <dev/vmt/vmtvar.h>

static void
vmt_cmd(struct vm_backdoor *frame, uint16_t cmd)
{
	memset(frame, 0, sizeof(*frame));
	frame->eax.word = VM_MAGIC;
	/* Anything but the magic, so that an echo proves the host. */
	frame->ebx.word = ~VM_MAGIC;
	frame->ecx.part.low = cmd;
	frame->edx.part.low = VM_PORT_CMD;
	vmt_backdoor_cmd(frame);
}

/* Either pointer may be NULL. */
int
vmt_get_version(uint32_t *versionp, uint32_t *typep)
{
	struct vm_backdoor frame;

	vmt_cmd(&frame, VM_CMD_GET_VERSION);
	if (frame.eax.word == VM_BACKDOOR_FAIL ||
	    frame.ebx.word != VM_MAGIC)
		return ENXIO;
	if (versionp != NULL)
		*versionp = frame.eax.word;
	if (typep != NULL)
		*typep = frame.ecx.word;
	return 0;
}

bool
vmt_probe(void)
{
	return vmt_get_version(NULL, NULL) == 0;
}

int
vmt_get_hz(uint64_t *tsc_hz, uint32_t *bus_hz)
{
	struct vm_backdoor frame;
	uint64_t freq;

	vmt_cmd(&frame, VM_CMD_GET_HZ);
	if (frame.eax.word == VM_BACKDOOR_FAIL)
		return EOPNOTSUPP;
	freq = ((uint64_t)frame.ebx.word << 32) | frame.eax.word;
	if (freq == 0)
		return EOPNOTSUPP;
	*tsc_hz = freq;
	if (bus_hz != NULL)
		*bus_hz = frame.ecx.word;
	return 0;
}

int
vmt_get_time_full(struct vmt_hosttime *ht, bool with_lag)
{
	struct vm_backdoor frame;
	uint64_t sec;

	vmt_cmd(&frame, with_lag ? VM_CMD_GET_TIME_FULL_LAG :
	    VM_CMD_GET_TIME_FULL);
	/* Success iff EAX still holds the magic. */
	if (frame.eax.word != VM_MAGIC)
		return EOPNOTSUPP;
	sec = ((uint64_t)frame.esi.word << 32) | frame.edx.word;
	if (sec > INT64_MAX || frame.ebx.word >= 1000000)
		return EPROTO;
	ht->ht_sec = (int64_t)sec;
	ht->ht_usec = frame.ebx.word;
	ht->ht_maxlag_us = frame.ecx.word;
	ht->ht_lag_us = with_lag ? frame.edi.word : 0;
	return 0;
}

/*
 * PRECISIONCLOCK GETTIME: the host's realtime in nanoseconds.  Unlike
 * the other commands, EBX goes in as 0 and success is EAX = 0, so a
 * host that ignores the command (EAX stays the magic) or does not know
 * it (all ones) fails here.
 */
int
vmt_get_precision_time(int64_t *ns)
{
	struct vm_backdoor frame;
	uint64_t t;

	memset(&frame, 0, sizeof(frame));
	frame.eax.word = VM_MAGIC;
	frame.ebx.word = 0;
	frame.ecx.part.low = VM_CMD_PRECISIONCLOCK;
	frame.ecx.part.high = VM_PCLK_GETTIME;
	frame.edx.part.low = VM_PORT_CMD;
	vmt_backdoor_cmd(&frame);
	if (frame.eax.word != VM_PCLK_OK)
		return EOPNOTSUPP;
	t = ((uint64_t)frame.ebx.word << 32) | frame.ecx.word;
	if (t > INT64_MAX)
		return EPROTO;
	*ns = (int64_t)t;
	return 0;
}

int
vmt_get_gui_options(uint32_t *options)
{
	struct vm_backdoor frame;

	vmt_cmd(&frame, VM_CMD_GET_GUI_OPTIONS);
	if (frame.eax.word == VM_BACKDOOR_FAIL)
		return EOPNOTSUPP;
	*options = frame.eax.word;
	return 0;
}

void
vmt_stop_catchup(void)
{
	struct vm_backdoor frame;

	vmt_cmd(&frame, VM_CMD_STOP_CATCHUP);
}
