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
 * vmtsim-guest, vmtsim-guest-nots: one policy, one trace, one fresh
 * kernel.  Started by vmtsim(1), which reads what this writes (see
 * record.h) on the file descriptor it names:
 *
 *	vmtsim-guest -f fd -p policy [-s seed] trace
 *
 * The replay itself is guest.c's.
 */

#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmtsim/guest.h"
#include "vmtsim/record.h"
#include "vmtsim/scenario.h"

static void
write_rec(void *arg, const struct vs_rec *r)
{
	FILE *fp = arg;
	size_t n = r->type == VS_REC_END ? sizeof(*r) : VS_REC_SHORT;

	if (fwrite(r, n, 1, fp) != 1)
		err(1, "write");
}

static void __attribute__((__noreturn__))
usage(void)
{
	fprintf(stderr, "usage: %s -f fd -p policy [-s seed] trace\n",
	    program_invocation_short_name);
	exit(2);
}

int
main(int argc, char **argv)
{
	const struct scn_info *in;
	struct guest_run run;
	const char *policy = NULL;
	char errbuf[1024], *end;
	uint64_t seed = 0;
	bool have_seed = false;
	int c, fd = -1, status;
	FILE *out;
	struct scn *s;

	while ((c = getopt(argc, argv, "f:p:s:")) != -1) {
		switch (c) {
		case 'f':
			fd = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || fd < 0)
				usage();
			break;
		case 'p':
			policy = optarg;
			break;
		case 's':
			errno = 0;
			seed = strtoull(optarg, &end, 10);
			if (*end != '\0' || errno != 0)
				usage();
			have_seed = true;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1 || fd < 0 || policy == NULL)
		usage();
	if ((out = fdopen(fd, "w")) == NULL)
		err(1, "fd %d", fd);
	setvbuf(out, NULL, _IOFBF, 1 << 16);
	s = scn_open_path(argv[optind], have_seed ? &seed : NULL, errbuf,
	    sizeof(errbuf));
	if (s == NULL)
		errx(1, "%s", errbuf);
	in = scn_info(s);
	memset(&run, 0, sizeof(run));
	run.scn = s;
	run.policy = policy;
	run.counter = guest_kernel_boot(in->osc_hz, in->osc_bits);
	run.sink = write_rec;
	run.sink_arg = out;
	status = 0;
	if (guest_replay(&run, errbuf, sizeof(errbuf)) != 0) {
		warnx("%s", errbuf);
		status = 1;
	}
	scn_close(s);
	if (fclose(out) != 0 && status == 0)
		err(1, "write");
	return status;
}
