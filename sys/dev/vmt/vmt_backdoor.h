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
 * The machine-dependent boundary of vmt(4).
 *
 * Everything above this interface is machine-independent C.  Below it
 * sit exactly three operations, each taking the register frame in and
 * handing the registers back as the hypervisor left them:
 *
 *	vmt_backdoor_cmd()	inl %dx,%eax on VM_PORT_CMD
 *	vmt_backdoor_hb_out()	cld; rep outsb on VM_PORT_RPC
 *	vmt_backdoor_hb_in()	cld; rep insb on VM_PORT_RPC
 *
 * The caller fills every register it means to pass (EAX = VM_MAGIC,
 * CX = command, DX = port and channel, ...).  For hb_out, RSI holds
 * the address of the bytes to send; for hb_in, RDI holds the address
 * of the buffer to fill; RCX holds the length in both cases.
 *
 * vmt_backdoor_x86.c implements them for amd64 and i386.  A host model
 * (the userland simulator) implements them instead; nothing else needs
 * to change for another host to plug in.  The functions never fail as
 * such: the outcome is in the registers, as on real hardware.
 */

#ifndef _DEV_VMT_VMT_BACKDOOR_H_
#define _DEV_VMT_VMT_BACKDOOR_H_

#ifdef _KERNEL
#include <sys/types.h>
#else
#include <stdint.h>
#endif

/* A register, viewed as its halves, its 32-bit word or its 64-bit quad. */
union vm_reg {
	struct {
		uint16_t low;
		uint16_t high;
	} part;
	uint32_t word;
	struct {
		uint32_t low;
		uint32_t high;
	} words;
	uint64_t quad;
};

/* A register frame; the order is the layout the assembly relies on. */
struct vm_backdoor {
	union vm_reg eax;
	union vm_reg ebx;
	union vm_reg ecx;
	union vm_reg edx;
	union vm_reg esi;
	union vm_reg edi;
	union vm_reg ebp;
};

void	vmt_backdoor_cmd(struct vm_backdoor *);
void	vmt_backdoor_hb_out(struct vm_backdoor *);
void	vmt_backdoor_hb_in(struct vm_backdoor *);

#endif /* _DEV_VMT_VMT_BACKDOOR_H_ */
