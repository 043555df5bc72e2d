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
 * vmtrace probe: what the backdoor of this machine answers.  Every
 * command is judged by what the protocol promises for it, and anything
 * short of that is "unsupported": a host that ignores a command leaves
 * our own register values behind, and those must not pass for time.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <dev/vmt/vmtreg.h>

#include "vmtrace.h"

/* Earliest believable host time: 2000-01-01T00:00:00Z. */
#define VT_TIME_MIN	946684800U

static void
vt_print_regs(const struct vm_backdoor *f)
{

	printf("(eax 0x%08x ebx 0x%08x ecx 0x%08x)\n",
	    f->eax.word, f->ebx.word, f->ecx.word);
}

static void
vt_print_utc(uint64_t sec, uint32_t usec)
{
	struct tm tm;
	time_t t = (time_t)sec;
	char buf[64];

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		printf("\n");
	else
		printf(" (%s.%06" PRIu32 "Z)\n", buf, usec);
}

static void
vt_probe_gethz(void)
{
	struct vm_backdoor f;
	uint64_t tsc_hz;
	uint32_t bus_hz;

	printf("GETHZ(%d): ", VM_CMD_GET_HZ);
	if (vt_gethz(&tsc_hz, &bus_hz, &f))
		printf("ok tsc_hz=%" PRIu64 " bus_hz=%" PRIu32 "\n",
		    tsc_hz, bus_hz);
	else {
		printf("unsupported ");
		vt_print_regs(&f);
	}
}

static void
vt_probe_guioptions(void)
{
	struct vm_backdoor f;

	printf("GETGUIOPTIONS(%d): ", VM_CMD_GET_GUI_OPTIONS);
	vt_backdoor_call(&f, VM_CMD_GET_GUI_OPTIONS);
	if (f.eax.word == VM_BACKDOOR_FAIL || f.eax.word == VM_MAGIC) {
		printf("unsupported ");
		vt_print_regs(&f);
		return;
	}
	printf("ok options=0x%08x sync_time=%s\n", f.eax.word,
	    (f.eax.word & VM_GUI_SYNC_TIME) ? "on" : "off");
}

static void
vt_probe_gettime(void)
{
	struct vm_backdoor f;

	/* EAX = seconds, EBX = microseconds; no magic to check. */
	printf("GETTIME(%d): ", VM_CMD_GET_TIME);
	vt_backdoor_call(&f, VM_CMD_GET_TIME);
	if (f.eax.word == VM_BACKDOOR_FAIL || f.eax.word == VM_MAGIC ||
	    f.eax.word < VT_TIME_MIN || f.ebx.word >= 1000000) {
		printf("unsupported ");
		vt_print_regs(&f);
		return;
	}
	printf("ok seconds=%" PRIu32 " usec=%" PRIu32, f.eax.word,
	    f.ebx.word);
	vt_print_utc(f.eax.word, f.ebx.word);
}

static void
vt_probe_gettimefull(uint32_t cmd, const char *name)
{
	struct vm_backdoor f;
	uint64_t sec;

	printf("%s(%" PRIu32 "): ", name, cmd);
	vt_backdoor_call(&f, cmd);
	sec = (uint64_t)f.esi.word << 32 | f.edx.word;
	/*
	 * Success is EAX still holding the magic, but a host that ignores
	 * the command leaves it there too: then EDX is still the port
	 * number and ESI zero, an hour past the epoch.  Demand a
	 * believable time as well.
	 */
	if (f.eax.word != VM_MAGIC || sec < VT_TIME_MIN ||
	    f.ebx.word >= 1000000) {
		printf("unsupported ");
		vt_print_regs(&f);
		return;
	}
	printf("ok host_ns=%" PRIu64 "%06" PRIu32 "000 max_time_lag_us=%"
	    PRIu32, sec, f.ebx.word, f.ecx.word);
	if (cmd == VM_CMD_GET_TIME_FULL_LAG)
		printf(" interrupt_lag_us=%" PRIu32, f.edi.word);
	vt_print_utc(sec, f.ebx.word);
}

static void
vt_probe_precision(void)
{
	struct vm_backdoor f;
	int64_t ns;

	/*
	 * EAX = 0 on success, EBX:ECX the time in ns: a host without the
	 * precision clock leaves EAX as we set it or sets all ones.
	 */
	printf("PRECISIONCLOCK(%d): ", VM_CMD_PRECISIONCLOCK);
	if (!vt_precision_time(&ns, &f)) {
		printf("unsupported ");
		vt_print_regs(&f);
		return;
	}
	printf("ok host_ns=%" PRId64, ns);
	vt_print_utc((uint64_t)(ns / 1000000000),
	    (uint32_t)(ns % 1000000000 / 1000));
}

int
vt_probe(void)
{
	struct vt_version ver;
	char why[160], hv[16];

	if (vt_hypervisor(hv, sizeof(hv)))
		printf("hypervisor: cpuid \"%s\"\n", hv);
	else
		printf("hypervisor: none reported by cpuid\n");
	if (vt_dmi_vmware())
		printf("dmi: VMware\n");

	switch (vt_backdoor_open(&ver, why, sizeof(why))) {
	case VT_BD_OK:
		break;
	default:
		fflush(stdout);
		fprintf(stderr, "vmtrace: %s\n", why);
		return EXIT_FAILURE;
	}

	printf("backdoor: port 0x%04x\n", VM_PORT_CMD);
	printf("GETVERSION(%d): ok magic=0x%08x version=%" PRIu32
	    " vmx_type=%" PRIu32 " (%s)\n", VM_CMD_GET_VERSION, VM_MAGIC,
	    ver.version, ver.vmx_type, vt_vmx_type_name(ver.vmx_type));
	vt_probe_gethz();
	vt_probe_guioptions();
	vt_probe_gettime();
	vt_probe_gettimefull(VM_CMD_GET_TIME_FULL, "GETTIMEFULL");
	vt_probe_gettimefull(VM_CMD_GET_TIME_FULL_LAG,
	    "GETTIMEFULL_WITH_LAG");
	vt_probe_precision();
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "vmtrace: write error on standard output\n");
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}
