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
 * The VMware backdoor on amd64 and i386: the three operations of
 * vmt_backdoor.h, each one instruction wrapped in a full register load
 * and store.
 *
 * The hypervisor reads and writes all of EAX, EBX, ECX, EDX, ESI, EDI
 * and EBP, so none of them can hold the frame address across the
 * instruction.  The address is parked on the stack instead and fetched
 * back afterwards.  EBX (the PIC register on i386) and EBP (the frame
 * pointer when one is kept) cannot be named as clobbers, so they are
 * saved and restored by hand; the rest are declared.
 *
 * The same file builds into the kernel and into userland (vmtrace(8)).
 * In userland amd64 code the compiler may keep live data in the 128-byte
 * red zone below %rsp without moving %rsp, so the pushes below step over
 * it first.  In the kernel (-mno-red-zone) that costs 128 bytes of stack
 * for the duration of one instruction.
 */

#include <sys/cdefs.h>
#ifdef _KERNEL		/* vmtrace(8) builds it in userland too */
__KERNEL_RCSID(0, "$NetBSD$");
#endif

#include <dev/vmt/vmt_backdoor.h>

#if !defined(__x86_64__) && !defined(__i386__)
#error "vmt_backdoor_x86.c is for amd64 and i386 only"
#endif

#if defined(__x86_64__)

/*
 * Offsets of the registers in struct vm_backdoor: each union vm_reg is
 * eight bytes, in the order eax, ebx, ecx, edx, esi, edi, ebp.
 *
 * Only RSI and RDI may carry addresses (the buffers of rep outsb and
 * rep insb), so they are loaded whole.  The others are 32-bit
 * quantities in the protocol and are loaded with movl, which clears the
 * upper half: a caller that filled only .word of an otherwise
 * uninitialised frame must not hand rep a 64-bit count of garbage.
 * Everything is stored back whole, as the hypervisor left it.
 */
#define VMT_BACKDOOR_ASM(insn)						\
	"leaq	-128(%%rsp), %%rsp\n\t"	/* step over the red zone */	\
	"pushq	%%rbp\n\t"						\
	"pushq	%%rbx\n\t"						\
	"pushq	%%rax\n\t"		/* the frame address */		\
	"movl	48(%%rax), %%ebp\n\t"					\
	"movq	40(%%rax), %%rdi\n\t"					\
	"movq	32(%%rax), %%rsi\n\t"					\
	"movl	24(%%rax), %%edx\n\t"					\
	"movl	16(%%rax), %%ecx\n\t"					\
	"movl	8(%%rax), %%ebx\n\t"					\
	"movl	0(%%rax), %%eax\n\t"					\
	insn "\n\t"							\
	"pushq	%%rax\n\t"		/* the result in eax */		\
	"movq	8(%%rsp), %%rax\n\t"	/* the frame address again */	\
	"movq	%%rbp, 48(%%rax)\n\t"					\
	"movq	%%rdi, 40(%%rax)\n\t"					\
	"movq	%%rsi, 32(%%rax)\n\t"					\
	"movq	%%rdx, 24(%%rax)\n\t"					\
	"movq	%%rcx, 16(%%rax)\n\t"					\
	"movq	%%rbx, 8(%%rax)\n\t"					\
	"popq	0(%%rax)\n\t"						\
	"popq	%%rax\n\t"						\
	"popq	%%rbx\n\t"						\
	"popq	%%rbp\n\t"						\
	"leaq	128(%%rsp), %%rsp"

#define VMT_BACKDOOR_CLOBBERS	"rcx", "rdx", "rsi", "rdi", "cc", "memory"

#else /* __i386__ */

/*
 * Only the low 32 bits of each eight-byte slot are loaded and stored;
 * the high words are cleared afterwards in C so that a caller reading
 * .quad sees what the hypervisor returned and nothing else.
 */
#define VMT_BACKDOOR_ASM(insn)						\
	"pushl	%%ebp\n\t"						\
	"pushl	%%ebx\n\t"						\
	"pushl	%%eax\n\t"		/* the frame address */		\
	"movl	48(%%eax), %%ebp\n\t"					\
	"movl	40(%%eax), %%edi\n\t"					\
	"movl	32(%%eax), %%esi\n\t"					\
	"movl	24(%%eax), %%edx\n\t"					\
	"movl	16(%%eax), %%ecx\n\t"					\
	"movl	8(%%eax), %%ebx\n\t"					\
	"movl	0(%%eax), %%eax\n\t"					\
	insn "\n\t"							\
	"pushl	%%eax\n\t"		/* the result in eax */		\
	"movl	4(%%esp), %%eax\n\t"	/* the frame address again */	\
	"movl	%%ebp, 48(%%eax)\n\t"					\
	"movl	%%edi, 40(%%eax)\n\t"					\
	"movl	%%esi, 32(%%eax)\n\t"					\
	"movl	%%edx, 24(%%eax)\n\t"					\
	"movl	%%ecx, 16(%%eax)\n\t"					\
	"movl	%%ebx, 8(%%eax)\n\t"					\
	"popl	0(%%eax)\n\t"						\
	"popl	%%eax\n\t"						\
	"popl	%%ebx\n\t"						\
	"popl	%%ebp"

#define VMT_BACKDOOR_CLOBBERS	"ecx", "edx", "esi", "edi", "cc", "memory"

#endif /* __i386__ */

/*
 * The assembly addresses the frame by fixed offsets; make sure they are
 * the offsets of the structure.
 */
#define VMT_BACKDOOR_OFFSET_OK(r, n)					\
	(__builtin_offsetof(struct vm_backdoor, r) == (n) * 8)
_Static_assert(sizeof(union vm_reg) == 8, "union vm_reg is not 8 bytes");
_Static_assert(VMT_BACKDOOR_OFFSET_OK(eax, 0) &&
    VMT_BACKDOOR_OFFSET_OK(ebx, 1) && VMT_BACKDOOR_OFFSET_OK(ecx, 2) &&
    VMT_BACKDOOR_OFFSET_OK(edx, 3) && VMT_BACKDOOR_OFFSET_OK(esi, 4) &&
    VMT_BACKDOOR_OFFSET_OK(edi, 5) && VMT_BACKDOOR_OFFSET_OK(ebp, 6),
    "struct vm_backdoor layout does not match the backdoor assembly");

static inline void
vmt_backdoor_fixup(struct vm_backdoor *frame)
{
#if defined(__i386__)
	frame->eax.words.high = 0;
	frame->ebx.words.high = 0;
	frame->ecx.words.high = 0;
	frame->edx.words.high = 0;
	frame->esi.words.high = 0;
	frame->edi.words.high = 0;
	frame->ebp.words.high = 0;
#else
	(void)frame;
#endif
}

void
vmt_backdoor_cmd(struct vm_backdoor *frame)
{

	__asm__ __volatile__(VMT_BACKDOOR_ASM("inl	%%dx, %%eax")
	    : "+a" (frame)
	    :
	    : VMT_BACKDOOR_CLOBBERS);
	vmt_backdoor_fixup(frame);
}

void
vmt_backdoor_hb_out(struct vm_backdoor *frame)
{

	__asm__ __volatile__(VMT_BACKDOOR_ASM("cld\n\trep outsb")
	    : "+a" (frame)
	    :
	    : VMT_BACKDOOR_CLOBBERS);
	vmt_backdoor_fixup(frame);
}

void
vmt_backdoor_hb_in(struct vm_backdoor *frame)
{

	__asm__ __volatile__(VMT_BACKDOOR_ASM("cld\n\trep insb")
	    : "+a" (frame)
	    :
	    : VMT_BACKDOOR_CLOBBERS);
	vmt_backdoor_fixup(frame);
}
