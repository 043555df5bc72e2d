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
 * Reaching the backdoor from userland: I/O privilege, a guarded first
 * access, and the hypervisor hints (CPUID, DMI) around it.
 */

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#define VT_HAVE_BACKDOOR	1
#include <cpuid.h>
#if defined(__linux__)
#include <sys/io.h>
#elif defined(__NetBSD__) || defined(__OpenBSD__)
#include <machine/sysarch.h>
#endif
#endif

#include <dev/vmt/vmtreg.h>

#include "vmtrace.h"

/* 2000-01-01T00:00:00Z: no host time is earlier. */
#define VT_TIME_MIN_S	946684800U

int64_t
vt_clock_ns(clockid_t clk)
{
	struct timespec ts;

	/* The clocks used here cannot fail once the ids exist. */
	(void)clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

const char *
vt_vmx_type_name(uint32_t type)
{

	/* The values QEMU and VMware document for GETVERSION's ECX. */
	switch (type) {
	case 0:
		return "unset";
	case 1:
		return "Express";
	case 2:
		return "ESX Server";
	case 3:
		return "Server";
	case 4:
		return "Workstation";
	case 5:
		return "ACE";
	default:
		return "unknown";
	}
}

bool
vt_dmi_vmware(void)
{
	static const char *const files[] = {
		"/sys/class/dmi/id/sys_vendor",
		"/sys/class/dmi/id/product_name",
	};
	char buf[128];
	size_t i;
	FILE *fp;
	bool found = false;

	for (i = 0; i < sizeof(files) / sizeof(files[0]) && !found; i++) {
		if ((fp = fopen(files[i], "r")) == NULL)
			continue;
		if (fgets(buf, sizeof(buf), fp) != NULL &&
		    strstr(buf, "VMware") != NULL)
			found = true;
		fclose(fp);
	}
	return found;
}

#ifdef VT_HAVE_BACKDOOR

/*
 * CPUID leaf 1 ECX bit 31 says "running under a hypervisor"; leaf
 * 0x40000000 names it in EBX, ECX, EDX ("VMwareVMware", "KVMKVMKVM").
 */
bool
vt_hypervisor(char *name, size_t len)
{
	unsigned int a, b, c, d;
	char vendor[13];

	if (len > 0)
		name[0] = '\0';
	if (!__get_cpuid(1, &a, &b, &c, &d) || (c & (1U << 31)) == 0)
		return false;
	__cpuid(0x40000000, a, b, c, d);
	memcpy(vendor + 0, &b, 4);
	memcpy(vendor + 4, &c, 4);
	memcpy(vendor + 8, &d, 4);
	vendor[12] = '\0';
	if (len > 0)
		snprintf(name, len, "%s", vendor);
	return true;
}

static sigjmp_buf vt_fault_jmp;

static void
vt_fault(int sig)
{

	siglongjmp(vt_fault_jmp, sig);
}

/*
 * Ask for the two backdoor ports only where the system can grant that
 * little; elsewhere ask for full I/O privilege.
 */
static int
vt_ioperm(void)
{

#if defined(__linux__)
	/*
	 * inl on VM_PORT_CMD touches four port addresses, 0x5658 to
	 * 0x565b, and the kernel checks every one of them; the range
	 * covers VM_PORT_RPC too.
	 */
	return ioperm(VM_PORT_CMD, 4, 1);
#elif defined(__NetBSD__) && defined(__x86_64__)
	return x86_64_iopl(1);
#elif defined(__NetBSD__)
	return i386_iopl(1);
#elif defined(__OpenBSD__) && defined(__x86_64__)
	return amd64_iopl(1);
#elif defined(__OpenBSD__)
	return i386_iopl(1);
#elif defined(__FreeBSD__) || defined(__DragonFly__)
	/* An open descriptor on io(4) is the privilege; keep it open. */
	return open("/dev/io", O_RDWR) == -1 ? -1 : 0;
#else
	errno = ENOSYS;
	return -1;
#endif
}

void
vt_backdoor_call(struct vm_backdoor *frame, uint32_t cmd)
{

	memset(frame, 0, sizeof(*frame));
	frame->eax.word = VM_MAGIC;
	/*
	 * Anything but the magic in EBX, so that an echo of it is the
	 * hypervisor's doing and not a leftover of ours.
	 */
	frame->ebx.word = ~VM_MAGIC;
	frame->ecx.word = cmd;
	frame->edx.word = VM_PORT_CMD;
	vmt_backdoor_cmd(frame);
}

enum vt_bd_status
vt_backdoor_open(struct vt_version *ver, char *why, size_t len)
{
	struct sigaction sa, osegv, oill, obus;
	struct vm_backdoor frame;
	volatile enum vt_bd_status st;
	int sig;

	if (vt_ioperm() == -1) {
		if (errno == EPERM || errno == EACCES)
			snprintf(why, len, "no I/O privilege (run as root)");
		else if (errno == ENOSYS)
			snprintf(why, len, "no I/O privilege: this kernel "
			    "gives userland no I/O port access (%s)",
			    strerror(errno));
		else
			snprintf(why, len, "no I/O privilege: %s",
			    strerror(errno));
		return VT_BD_NOPRIV;
	}

	/*
	 * Privilege granted is no proof that the access is allowed (a
	 * jail, a seccomp filter, a hypervisor refusing the port): catch
	 * the fault of the first access instead of dying of it.
	 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = vt_fault;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &osegv);
	sigaction(SIGILL, &sa, &oill);
	sigaction(SIGBUS, &sa, &obus);
	if ((sig = sigsetjmp(vt_fault_jmp, 1)) != 0) {
		snprintf(why, len, "the backdoor port access faulted (%s)",
		    strsignal(sig));
		st = VT_BD_FAULT;
	} else {
		vt_backdoor_call(&frame, VM_CMD_GET_VERSION);
		/*
		 * On bare metal, or a hypervisor without the backdoor, the
		 * port reads as garbage (all ones, typically) and EBX keeps
		 * what we put there.
		 */
		if (frame.ebx.word != VM_MAGIC ||
		    frame.eax.word == VM_BACKDOOR_FAIL) {
			snprintf(why, len, "no VMware backdoor (GETVERSION "
			    "returned eax 0x%08x ebx 0x%08x)",
			    frame.eax.word, frame.ebx.word);
			st = VT_BD_ABSENT;
		} else {
			ver->version = frame.eax.word;
			ver->vmx_type = frame.ecx.word;
			why[0] = '\0';
			st = VT_BD_OK;
		}
	}
	sigaction(SIGSEGV, &osegv, NULL);
	sigaction(SIGILL, &oill, NULL);
	sigaction(SIGBUS, &obus, NULL);
	return st;
}

bool
vt_gethz(uint64_t *tsc_hz, uint32_t *bus_hz, struct vm_backdoor *raw)
{
	struct vm_backdoor frame;
	uint64_t hz;

	vt_backdoor_call(&frame, VM_CMD_GET_HZ);
	if (raw != NULL)
		*raw = frame;
	/*
	 * A host that does not know the rate sets EBX (QEMU) or EAX (the
	 * generic "unsupported") to all ones; either way no rate.
	 */
	if (frame.eax.word == VM_BACKDOOR_FAIL ||
	    frame.ebx.word == VM_BACKDOOR_FAIL)
		return false;
	/* Registers as we left them: nobody answered. */
	if (frame.eax.word == VM_MAGIC && frame.ebx.word == ~VM_MAGIC)
		return false;
	hz = (uint64_t)frame.ebx.word << 32 | frame.eax.word;
	/* No counter runs at zero or beyond 100 GHz: garbage, not a rate. */
	if (hz == 0 || hz > UINT64_C(100000000000))
		return false;
	*tsc_hz = hz;
	*bus_hz = frame.ecx.word;
	return true;
}

bool
vt_precision_time(int64_t *ns, struct vm_backdoor *raw)
{
	struct vm_backdoor frame;
	uint64_t t;

	/* The one command that wants EBX = 0 and answers EAX = 0. */
	memset(&frame, 0, sizeof(frame));
	frame.eax.word = VM_MAGIC;
	frame.ebx.word = 0;
	frame.ecx.part.low = VM_CMD_PRECISIONCLOCK;
	frame.ecx.part.high = VM_PCLK_GETTIME;
	frame.edx.word = VM_PORT_CMD;
	vmt_backdoor_cmd(&frame);
	if (raw != NULL)
		*raw = frame;
	if (frame.eax.word != VM_PCLK_OK)
		return false;
	t = (uint64_t)frame.ebx.word << 32 | frame.ecx.word;
	/* Before 2000 is no host's time; beyond int64_t no time at all. */
	if (t < (uint64_t)VT_TIME_MIN_S * 1000000000 || t > INT64_MAX)
		return false;
	*ns = (int64_t)t;
	return true;
}

#else /* !VT_HAVE_BACKDOOR */

bool
vt_hypervisor(char *name, size_t len)
{

	if (len > 0)
		name[0] = '\0';
	return false;
}

void
vt_backdoor_call(struct vm_backdoor *frame, uint32_t cmd)
{

	/* Not reached: vt_backdoor_open() never succeeds here. */
	memset(frame, 0, sizeof(*frame));
	frame->eax.word = VM_BACKDOOR_FAIL;
}

enum vt_bd_status
vt_backdoor_open(struct vt_version *ver, char *why, size_t len)
{

	snprintf(why, len, "no VMware backdoor on this architecture");
	return VT_BD_NOARCH;
}

bool
vt_gethz(uint64_t *tsc_hz, uint32_t *bus_hz, struct vm_backdoor *raw)
{

	return false;
}

bool
vt_precision_time(int64_t *ns, struct vm_backdoor *raw)
{

	return false;
}

#endif /* VT_HAVE_BACKDOOR */
