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
 * vmtsim gen: scenario trace generator.
 */

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gen.h"
#include "rng.h"
#include "trace.h"

/* Host step signs come from their own stream of the seed. */
#define STEP_STREAM	0x686f73742d737465ULL	/* "host-ste" */

#define CMDLINE_MAX	2048

void
gen_defaults(struct gen_params *p)
{

	memset(p, 0, sizeof(*p));
	p->seed = TRACE_DEF_SEED;
	p->duration_s = 86400;
	p->cycle_period_s = TRACE_DEF_CYCLE_PERIOD_S;
}

static int64_t
to_ns(double s)
{

	return (int64_t)llround(s * 1e9);
}

static int
range(char *err, size_t errlen, const char *what, double v, double lo,
    double hi)
{

	if (v >= lo && v <= hi)
		return 0;
	snprintf(err, errlen, "%s %g out of range [%g, %g]", what, v, lo, hi);
	return -1;
}

static int
check_periodic(char *err, size_t errlen, const char *what, double every,
    double amount, double maxamount)
{

	if (every == 0 && amount == 0)
		return 0;
	if (every == 0 || amount == 0) {
		snprintf(err, errlen, "--%s-every-s and --%s-s go together",
		    what, what);
		return -1;
	}
	if (range(err, errlen, what, every, 1, TRACE_MAX_DURATION_S) != 0 ||
	    range(err, errlen, what, amount, -maxamount, maxamount) != 0)
		return -1;
	return 0;
}

int
gen_check(const struct gen_params *p, char *err, size_t errlen)
{

	if (!(p->duration_s > 0)) {
		snprintf(err, errlen, "duration must be > 0");
		return -1;
	}
	if (range(err, errlen, "duration", p->duration_s, 1e-9,
	    TRACE_MAX_DURATION_S) ||
	    range(err, errlen, "ppm", p->ppm, -TRACE_MAX_PPM, TRACE_MAX_PPM) ||
	    range(err, errlen, "wander", p->wander, 0, TRACE_MAX_WANDER) ||
	    range(err, errlen, "jitter", p->jitter_us, 0,
	    TRACE_MAX_JITTER_US) ||
	    range(err, errlen, "offset", p->offset_s, -TRACE_MAX_OFFSET_S,
	    TRACE_MAX_OFFSET_S) ||
	    range(err, errlen, "cycle ppm", p->cycle_ppm,
	    -TRACE_MAX_CYCLE_PPM, TRACE_MAX_CYCLE_PPM) ||
	    range(err, errlen, "cycle period", p->cycle_period_s,
	    TRACE_MIN_CYCLE_PERIOD_S, TRACE_MAX_DURATION_S))
		return -1;
	if (check_periodic(err, errlen, "suspend", p->suspend_every_s,
	    p->suspend_s, TRACE_MAX_DURATION_S) != 0 ||
	    check_periodic(err, errlen, "host-step", p->host_step_every_s,
	    p->host_step_s, TRACE_MAX_HOST_STEP_S) != 0)
		return -1;
	if (p->suspend_s < 0) {
		snprintf(err, errlen, "--suspend-s must be positive");
		return -1;
	}
	/* Suspends may not overlap: each must end before the next. */
	if (p->suspend_every_s > 0 &&
	    to_ns(p->suspend_s) + 1 >= to_ns(p->suspend_every_s)) {
		snprintf(err, errlen,
		    "--suspend-s must be shorter than --suspend-every-s");
		return -1;
	}
	return 0;
}

/*
 * The shortest decimal that reads back as exactly v: plain notation
 * for ordinary magnitudes (3600, 0.25), exponent notation otherwise.
 */
static const char *
fmt_dbl(char *buf, size_t len, double v)
{
	int prec;

	if (v == 0 || (fabs(v) >= 1e-4 && fabs(v) < 1e15)) {
		for (prec = 0; prec <= 9; prec++) {
			snprintf(buf, len, "%.*f", prec, v);
			if (strtod(buf, NULL) == v)
				return buf;
		}
	}
	for (prec = 1; prec <= 17; prec++) {
		snprintf(buf, len, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return buf;
}

static void
put_key(FILE *fp, const char *key, double v)
{
	char b[40];

	fprintf(fp, "%s %s\n", key, fmt_dbl(b, sizeof(b), v));
}

static void
write_header(FILE *fp, const struct gen_params *p, const char *cmdline)
{
	size_t i;

	fprintf(fp, "%s\n", TRACE_VERSION_LINE);
	fprintf(fp, "# Scenario written by vmtsim gen");
	if (cmdline != NULL)
		fprintf(fp, ":\n#\t%s", cmdline);
	fprintf(fp, "\n# The same parameters always give the same file.\n");
	fprintf(fp, "kind scenario\n");
	put_key(fp, "duration_s", p->duration_s);
	put_key(fp, "osc_ppm", p->ppm);
	put_key(fp, "osc_wander", p->wander);
	if (p->jitter_us != 0)
		put_key(fp, "jitter_us", p->jitter_us);
	put_key(fp, "initial_offset_s", p->offset_s);
	if (p->cycle_ppm != 0) {
		put_key(fp, "osc_cycle_ppm", p->cycle_ppm);
		put_key(fp, "osc_cycle_period_s", p->cycle_period_s);
	}
	for (i = 0; i < p->nheader; i++)
		fprintf(fp, "%.*s %s\n", (int)strcspn(p->header[i], "="),
		    p->header[i], strchr(p->header[i], '=') + 1);
	fprintf(fp, "seed %llu\n", (unsigned long long)p->seed);
}

/*
 * The events: the k-th suspend at k * every, the j-th host step at
 * j * every, merged in time order (a host step first on a tie).
 */
static void
write_events(FILE *fp, const struct gen_params *p)
{
	int64_t dur = to_ns(p->duration_s), sdur = to_ns(p->suspend_s);
	double ts, th, step;
	uint64_t k = 1, j = 1;
	struct rng r;
	char b1[40], b2[40];
	int more_s, more_h;

	rng_seed(&r, p->seed ^ STEP_STREAM);
	for (;;) {
		ts = (double)k * p->suspend_every_s;
		th = (double)j * p->host_step_every_s;
		more_s = p->suspend_every_s > 0 && to_ns(ts) + sdur <= dur;
		more_h = p->host_step_every_s > 0 && to_ns(th) <= dur;
		if (!more_s && !more_h)
			break;
		if (more_h && (!more_s || to_ns(th) <= to_ns(ts))) {
			step = (rng_next(&r) >> 63) ? -fabs(p->host_step_s) :
			    fabs(p->host_step_s);
			fprintf(fp, "at %s host_step %s\n",
			    fmt_dbl(b1, sizeof(b1), th),
			    fmt_dbl(b2, sizeof(b2), step));
			j++;
		} else {
			fprintf(fp, "at %s suspend %s\n",
			    fmt_dbl(b1, sizeof(b1), ts),
			    fmt_dbl(b2, sizeof(b2), p->suspend_s));
			k++;
		}
	}
}

int
gen_write(FILE *fp, const struct gen_params *p, const char *cmdline)
{

	write_header(fp, p, cmdline);
	write_events(fp, p);
	if (fflush(fp) != 0 || ferror(fp))
		return -1;
	return 0;
}

/* --- the command ---------------------------------------------------------- */

static void
usage(void)
{

	fprintf(stderr,
	    "usage: vmtsim gen [-s seed] [-d duration_s] [--ppm X] "
	    "[--wander X]\n"
	    "\t[--jitter-us X] [--offset-s X] [--cycle-ppm X] "
	    "[--cycle-period-s X]\n"
	    "\t[--suspend-every-s X --suspend-s Y]\n"
	    "\t[--host-step-every-s X --host-step-s Y] [-H key=value ...]"
	    " [-o file]\n");
}

static int
num_arg(const char *opt, const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || errno != 0 || !isfinite(*v) ||
	    strpbrk(s, "xX") != NULL) {
		fprintf(stderr, "vmtsim gen: %s: bad number '%s'\n", opt, s);
		return -1;
	}
	return 0;
}

static int
seed_arg(const char *s, uint64_t *v)
{
	char *end;
	const char *q;

	for (q = s; *q != '\0'; q++)
		if (!isdigit((unsigned char)*q))
			break;
	errno = 0;
	*v = strtoull(s, &end, 10);
	if (*s == '\0' || *q != '\0' || *end != '\0' || errno != 0) {
		fprintf(stderr, "vmtsim gen: -s: bad seed '%s'\n", s);
		return -1;
	}
	return 0;
}

enum {
	O_PPM = 256, O_WANDER, O_JITTER, O_OFFSET, O_CYCLE_PPM,
	O_CYCLE_PERIOD, O_SUSP_EVERY, O_SUSP, O_STEP_EVERY, O_STEP, O_HELP
};

static const struct option longopts[] = {
	{ "ppm",		required_argument, NULL, O_PPM },
	{ "wander",		required_argument, NULL, O_WANDER },
	{ "jitter-us",		required_argument, NULL, O_JITTER },
	{ "offset-s",		required_argument, NULL, O_OFFSET },
	{ "cycle-ppm",		required_argument, NULL, O_CYCLE_PPM },
	{ "cycle-period-s",	required_argument, NULL, O_CYCLE_PERIOD },
	{ "suspend-every-s",	required_argument, NULL, O_SUSP_EVERY },
	{ "suspend-s",		required_argument, NULL, O_SUSP },
	{ "host-step-every-s",	required_argument, NULL, O_STEP_EVERY },
	{ "host-step-s",	required_argument, NULL, O_STEP },
	{ "help",		no_argument,	   NULL, O_HELP },
	{ NULL,			0,		   NULL, 0 }
};

/* Where each numeric long option stores its value. */
static double *
opt_target(struct gen_params *p, int c)
{

	switch (c) {
	case 'd':		return &p->duration_s;
	case O_PPM:		return &p->ppm;
	case O_WANDER:		return &p->wander;
	case O_JITTER:		return &p->jitter_us;
	case O_OFFSET:		return &p->offset_s;
	case O_CYCLE_PPM:	return &p->cycle_ppm;
	case O_CYCLE_PERIOD:	return &p->cycle_period_s;
	case O_SUSP_EVERY:	return &p->suspend_every_s;
	case O_SUSP:		return &p->suspend_s;
	case O_STEP_EVERY:	return &p->host_step_every_s;
	case O_STEP:		return &p->host_step_s;
	default:		return NULL;
	}
}

/* The command line for the comment header, made safe for one line. */
static void
join_args(char *buf, size_t len, int argc, char **argv)
{
	size_t n;
	char *c;
	int i;

	snprintf(buf, len, "vmtsim");
	for (i = 0; i < argc; i++) {
		n = strlen(buf);
		snprintf(buf + n, len - n, " %s", argv[i]);
	}
	for (c = buf; *c != '\0'; c++)
		if (iscntrl((unsigned char)*c))
			*c = '?';
}

/* -H key=value: a lower-case directive name and one word of value. */
static int
header_arg(struct gen_params *p, const char *arg)
{
	const char *eq = strchr(arg, '='), *c;

	for (c = arg; eq != NULL && c < eq; c++)
		if (!islower((unsigned char)*c) && !isdigit((unsigned char)*c) &&
		    *c != '_')
			break;
	if (eq == NULL || eq == arg || c != eq || eq[1] == '\0' ||
	    strpbrk(eq + 1, " \t#\r\n") != NULL) {
		fprintf(stderr, "vmtsim gen: -H: expected key=value\n");
		return -1;
	}
	if (p->nheader == GEN_MAX_HEADER) {
		fprintf(stderr, "vmtsim gen: -H: more than %d\n",
		    GEN_MAX_HEADER);
		return -1;
	}
	p->header[p->nheader++] = arg;
	return 0;
}

static int
parse_args(int argc, char **argv, struct gen_params *p, const char **out)
{
	double *dst;
	int c;

	/* glibc: 0 restarts getopt from scratch for each call. */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:d:o:hH:", longopts,
	    NULL)) != -1) {
		if (c == 's') {
			if (seed_arg(optarg, &p->seed) != 0)
				return -1;
		} else if (c == 'o') {
			*out = optarg;
		} else if (c == 'H') {
			if (header_arg(p, optarg) != 0)
				return -1;
		} else if ((dst = opt_target(p, c)) != NULL) {
			if (num_arg(argv[optind - 1], optarg, dst) != 0)
				return -1;
		} else if (c == 'h' || c == O_HELP) {
			return 1;
		} else {
			fprintf(stderr, "vmtsim gen: %s '%s'\n",
			    c == ':' ? "missing argument for" : "unknown option",
			    argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vmtsim gen: unexpected argument '%s'\n",
		    argv[optind]);
		return -1;
	}
	return 0;
}

static int
write_to(const char *out, const struct gen_params *p, const char *cmdline)
{
	FILE *fp;
	int r;

	if (out == NULL) {
		if (gen_write(stdout, p, cmdline) == 0)
			return 0;
		fprintf(stderr, "vmtsim gen: stdout: %s\n", strerror(errno));
		return 1;
	}
	if ((fp = fopen(out, "w")) == NULL) {
		fprintf(stderr, "vmtsim gen: %s: %s\n", out, strerror(errno));
		return 1;
	}
	r = gen_write(fp, p, cmdline);
	if (fclose(fp) != 0)
		r = -1;
	if (r != 0) {
		fprintf(stderr, "vmtsim gen: %s: %s\n", out, strerror(errno));
		/* Leave no half-written trace behind. */
		unlink(out);
		return 1;
	}
	return 0;
}

/* What gen_write() writes must parse: that checks the -H directives. */
static int
check_written(const struct gen_params *p, char *err, size_t errlen)
{
	struct trace_event *ev;
	struct trace *t;
	char *buf = NULL, msg[1024];
	size_t len = 0;
	FILE *fp;
	int r = -1;

	if ((fp = open_memstream(&buf, &len)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	write_header(fp, p, NULL);
	fclose(fp);
	if ((t = trace_open_mem(buf, len, "-H", msg, sizeof(msg))) != NULL &&
	    (ev = malloc(sizeof(*ev))) != NULL) {
		while ((r = trace_next(t, ev, msg, sizeof(msg))) > 0)
			continue;
		free(ev);
	}
	trace_close(t);
	free(buf);
	/* "-H:12: what": the line is ours, not the user's. */
	if (r != 0)
		snprintf(err, errlen, "-H: %.900s", strchr(msg, ' ') != NULL ?
		    strchr(msg, ' ') + 1 : msg);
	return r;
}

int
vmtsim_gen_main(int argc, char **argv)
{
	struct gen_params p;
	const char *out = NULL;
	char err[1024], cmdline[CMDLINE_MAX];
	int r;

	gen_defaults(&p);
	if ((r = parse_args(argc, argv, &p, &out)) != 0) {
		usage();
		return r > 0 ? 0 : 2;
	}
	if (gen_check(&p, err, sizeof(err)) != 0 ||
	    check_written(&p, err, sizeof(err)) != 0) {
		fprintf(stderr, "vmtsim gen: %s\n", err);
		usage();
		return 2;
	}
	join_args(cmdline, sizeof(cmdline), argc, argv);
	return write_to(out, &p, cmdline);
}
