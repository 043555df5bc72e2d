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
 * vmtrace(8): command line.
 */

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmtrace.h"

/* Upper bounds that keep the nanosecond arithmetic far from overflow. */
#define VT_MAX_SECONDS	(86400.0 * 366 * 100)	/* a century */
#define VT_MIN_INTERVAL	1e-6

static void __attribute__((__noreturn__))
usage(void)
{

	fprintf(stderr,
	    "usage: vmtrace record [-i interval_s] [-n count | -t duration_s]"
	    " [-o file]\n"
	    "       vmtrace probe\n");
	exit(EXIT_FAILURE);
}

/* getopt(3)'s own complaint would name the command, not vmtrace. */
static void __attribute__((__noreturn__))
bad_option(const char *cmd, int ch)
{

	if (ch == ':')
		fprintf(stderr, "vmtrace: %s: option -%c needs an argument\n",
		    cmd, optopt);
	else
		fprintf(stderr, "vmtrace: %s: unknown option -%c\n", cmd,
		    optopt);
	usage();
}

/* A positive number of seconds, or a message and usage. */
static double
parse_seconds(int opt, const char *arg, double min)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (end == arg || *end != '\0' || errno != 0 || !isfinite(v)) {
		fprintf(stderr, "vmtrace: -%c: not a number of seconds: %s\n",
		    opt, arg);
		usage();
	}
	if (v < min || v > VT_MAX_SECONDS) {
		fprintf(stderr, "vmtrace: -%c: %s is out of range "
		    "(%g to %g s)\n", opt, arg, min, VT_MAX_SECONDS);
		usage();
	}
	return v;
}

static uint64_t
parse_count(const char *arg)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (end == arg || *end != '\0' || errno != 0 || arg[0] == '-' ||
	    v == 0) {
		fprintf(stderr, "vmtrace: -n: not a positive count: %s\n", arg);
		usage();
	}
	return v;
}

static int
cmd_record(int argc, char **argv)
{
	struct vt_record_opts o;
	int ch;

	memset(&o, 0, sizeof(o));
	o.interval_s = 1.0;
	optind = 1;
	opterr = 0;
	while ((ch = getopt(argc, argv, ":i:n:o:t:")) != -1) {
		switch (ch) {
		case 'i':
			o.interval_s = parse_seconds(ch, optarg,
			    VT_MIN_INTERVAL);
			break;
		case 'n':
			o.count = parse_count(optarg);
			break;
		case 'o':
			o.output = optarg;
			break;
		case 't':
			o.duration_s = parse_seconds(ch, optarg,
			    VT_MIN_INTERVAL);
			break;
		default:
			bad_option("record", ch);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "vmtrace: record: unexpected argument: %s\n",
		    argv[optind]);
		usage();
	}
	if (o.count != 0 && o.duration_s != 0) {
		fprintf(stderr, "vmtrace: record: -n and -t are exclusive\n");
		usage();
	}
	return vt_record(&o);
}

static int
cmd_probe(int argc, char **argv)
{
	int ch;

	optind = 1;
	opterr = 0;
	if ((ch = getopt(argc, argv, ":")) != -1)
		bad_option("probe", ch);
	if (optind != argc) {
		fprintf(stderr, "vmtrace: probe: unexpected argument: %s\n",
		    argv[optind]);
		usage();
	}
	return vt_probe();
}

int
main(int argc, char **argv)
{

	if (argc < 2)
		usage();
	/* Options belong to the command; none precede it. */
	if (strcmp(argv[1], "record") == 0)
		return cmd_record(argc - 1, argv + 1);
	if (strcmp(argv[1], "probe") == 0)
		return cmd_probe(argc - 1, argv + 1);
	fprintf(stderr, "vmtrace: unknown command: %s\n", argv[1]);
	usage();
}
