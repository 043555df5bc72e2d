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
 * hbcheck: run inside the QEMU guest of t_qemu_probe, as root.  QEMU
 * has no high-bandwidth port, so rep insb on VM_PORT_RPC reads all-ones
 * bytes and rep outsb goes nowhere; that is enough to see that the
 * register frame of vmt_backdoor_hb_in() and vmt_backdoor_hb_out()
 * goes in and comes back as the instructions leave it (count used up,
 * pointers advanced, untouched registers intact), and that the
 * caller's own state survives all three calls.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>

#include <dev/vmt/vmt_backdoor.h>
#include <dev/vmt/vmtreg.h>

#define LEN	37

static int failures;

static void
check(int ok, const char *what)
{

	printf("hbcheck: %s: %s\n", ok ? "ok" : "FAIL", what);
	if (!ok)
		failures++;
}

int
main(void)
{
	struct vm_backdoor f;
	unsigned char out[LEN], in[LEN + 8];
	volatile unsigned long canary = 0x5a5a5a5aUL;
	size_t i;
	int all_ones;

	if (ioperm(VM_PORT_CMD, 4, 1) == -1) {
		perror("hbcheck: ioperm");
		return 2;
	}

	memset(&f, 0, sizeof(f));
	f.eax.word = VM_MAGIC;
	f.ebx.word = ~VM_MAGIC;
	f.ecx.word = VM_CMD_GET_VERSION;
	f.edx.word = VM_PORT_CMD;
	f.esi.word = 0x11111111;
	f.edi.word = 0x22222222;
	f.ebp.word = 0x33333333;
	vmt_backdoor_cmd(&f);
	check(f.ebx.word == VM_MAGIC, "cmd: GETVERSION echoes the magic");
	check(f.esi.word == 0x11111111 && f.edi.word == 0x22222222 &&
	    f.ebp.word == 0x33333333, "cmd: esi, edi, ebp round trip");

	for (i = 0; i < LEN; i++)
		out[i] = (unsigned char)i;
	memset(&f, 0, sizeof(f));
	f.eax.word = VM_MAGIC;
	f.ebx.word = VM_RPC_ENH_DATA;
	f.ecx.word = LEN;
	f.edx.word = VM_PORT_RPC;
	f.esi.quad = (uintptr_t)out;
	f.edi.word = 0x44444444;
	f.ebp.word = 0x55555555;
	vmt_backdoor_hb_out(&f);
	check(f.ecx.quad == 0, "hb_out: count used up");
	check(f.esi.quad == (uintptr_t)(out + LEN), "hb_out: rsi advanced");
	check(f.edi.word == 0x44444444 && f.ebp.word == 0x55555555 &&
	    f.ebx.word == VM_RPC_ENH_DATA && f.eax.word == VM_MAGIC &&
	    f.edx.word == VM_PORT_RPC, "hb_out: other registers intact");

	memset(in, 0, sizeof(in));
	memset(&f, 0, sizeof(f));
	f.eax.word = VM_MAGIC;
	f.ebx.word = VM_RPC_ENH_DATA;
	f.ecx.word = LEN;
	f.edx.word = VM_PORT_RPC;
	f.esi.word = 0x66666666;
	f.edi.quad = (uintptr_t)in;
	f.ebp.word = 0x77777777;
	vmt_backdoor_hb_in(&f);
	check(f.ecx.quad == 0, "hb_in: count used up");
	check(f.edi.quad == (uintptr_t)(in + LEN), "hb_in: rdi advanced");
	all_ones = 1;
	for (i = 0; i < LEN; i++)
		if (in[i] != 0xff)
			all_ones = 0;
	check(all_ones, "hb_in: buffer filled from the port");
	check(in[LEN] == 0, "hb_in: nothing written past the count");
	check(f.esi.word == 0x66666666 && f.ebp.word == 0x77777777,
	    "hb_in: other registers intact");

	check(canary == 0x5a5a5a5aUL, "caller's stack intact");
	printf("hbcheck: %d failures\n", failures);
	return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
