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
 * vmtsim(1): replay host clock traces through the real vmt(4) and
 * kern_tc.c, side by side with models of today's drivers.
 *
 * The front end validates every trace before running any, then, per
 * trace, starts one guest process per policy (vmtsim-guest for "vmt"
 * and "vmt-gtf", built with options VMT_TIMESYNC; vmtsim-guest-nots
 * for the others),
 * each with a fresh kernel, and reads their records (record.h) in
 * lockstep, one simulated second at a time, so that memory stays flat
 * however long the trace.  The "oracle" column comes from the vmt
 * guest's records (it is fed vmt's reads), which is started for it
 * alone if vmt is not asked for; "oracle-gtf" likewise from vmt-gtf's.  The metrics (metrics.c) and outputs
 * (report.c) are computed here.
 */

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gen.h"
#include "metrics.h"
#include "oracle.h"
#include "record.h"
#include "report.h"
#include "trace.h"

#define NS_PER_S		1000000000LL
#define GUEST_FD		3
#define PROGRESS_INTERVAL_NS	(NS_PER_S / 5)
#define PIPE_SIZE		(1 << 20)
/* -o warns before writing more than this. */
#define TSV_WARN_BYTES		(256.0 * 1024 * 1024)

/*
 * The policies, the default ones first.  vmt-gtf is vmt on the same
 * trace with the host's precision clock taken away, oracle-gtf its
 * oracle: what the precision clock gains, where the trace has it.
 */
static const char *const all_policies[REP_MAX_POLICIES] = { "oracle", "vmt",
    "netbsd", "ovt", "none", "vmt-gtf", "oracle-gtf" };
#define NDEFAULT_POLICIES	5

/* The vmt guest an oracle column reads, or NULL. */
static const char *
oracle_of(const char *pol)
{
	if (strcmp(pol, "oracle") == 0)
		return "vmt";
	if (strcmp(pol, "oracle-gtf") == 0)
		return "vmt-gtf";
	return NULL;
}

struct opts {
	const char	*pol[REP_MAX_POLICIES];
	size_t		npol;
	bool		have_seed;
	uint64_t	seed;
	const char	*tsv;
	const char	*plot;
	bool		json;
	bool		markdown;
	double		limit_s;
	double		settle_s;
};

/* A guest process. */
struct child {
	const char	*pol;		/* the policy it runs */
	pid_t		pid;
	FILE		*in;
	struct vs_rec	sec;		/* this second's record */
	bool		ended;
};

/* A column of the results: a policy, or the oracle of a vmt guest. */
struct column {
	const char	*name;
	struct child	*ch;
	bool		oracle;
	struct met	met;
};

/* The state of one trace's run. */
struct run {
	const struct opts *o;
	const char	*path;
	struct child	ch[REP_MAX_POLICIES];
	size_t		nch;
	struct column	col[REP_MAX_POLICIES];
	size_t		ncol;
	struct rep_run	rep;
	struct rep_marks marks;
	FILE		*tsv;
	double		duration_s;	/* 0 if unknown (recordings) */
	bool		progress;
	struct timespec	last_progress;
};

static char guest_dir[PATH_MAX];

/* A name from the command line or a trace, fit for a message. */
static const char *
esc(const char *s)
{
	static char buf[4][PATH_MAX + 64];
	static int k;

	k = (k + 1) % 4;
	return trace_escape(buf[k], sizeof(buf[k]), s);
}

static void __attribute__((__noreturn__))
usage(void)
{
	fprintf(stderr,
	    "usage: vmtsim [-p policy,...] [-s seed] [-o series.tsv]"
	    " [--json | --markdown]\n"
	    "              [--limit seconds] [--settle seconds]"
	    " [--plot file.svg|file.png]\n"
	    "              trace ...\n"
	    "       vmtsim gen [options]\n");
	exit(2);
}

static double
elapsed_s(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* The guests live next to the front end. */
static void
find_guest_dir(const char *argv0)
{
	char buf[PATH_MAX];
	ssize_t n;

	n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n > 0) {
		buf[n] = '\0';
		snprintf(guest_dir, sizeof(guest_dir), "%s", dirname(buf));
		return;
	}
	snprintf(buf, sizeof(buf), "%s", argv0);
	if (strchr(buf, '/') != NULL)
		snprintf(guest_dir, sizeof(guest_dir), "%s", dirname(buf));
	else
		guest_dir[0] = '\0';	/* found on PATH, like us */
}

static int
parse_policies(struct opts *o, char *list)
{
	char *p, *save = NULL;
	size_t i, j;

	o->npol = 0;
	for (p = strtok_r(list, ",", &save); p != NULL;
	    p = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < REP_MAX_POLICIES; i++)
			if (strcmp(p, all_policies[i]) == 0)
				break;
		if (i == REP_MAX_POLICIES) {
			warnx("unknown policy: %s", esc(p));
			return -1;
		}
		for (j = 0; j < o->npol; j++)
			if (o->pol[j] == all_policies[i]) {
				warnx("policy given twice: %s", esc(p));
				return -1;
			}
		o->pol[o->npol++] = all_policies[i];
	}
	if (o->npol == 0) {
		warnx("no policy given");
		return -1;
	}
	return 0;
}

static int
parse_seconds(const char *s, const char *what, double min, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !isfinite(*out) ||
	    *out < min || *out > 1e9) {
		warnx("bad %s: %s", what, esc(s));
		return -1;
	}
	return 0;
}

enum { OPT_JSON = 256, OPT_LIMIT, OPT_SETTLE, OPT_PLOT, OPT_MARKDOWN };

static const struct option longopts[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "markdown", no_argument, NULL, OPT_MARKDOWN },
	{ "limit", required_argument, NULL, OPT_LIMIT },
	{ "settle", required_argument, NULL, OPT_SETTLE },
	{ "plot", required_argument, NULL, OPT_PLOT },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void
parse_args(struct opts *o, int argc, char **argv)
{
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	memcpy(o->pol, all_policies, NDEFAULT_POLICIES * sizeof(o->pol[0]));
	o->npol = NDEFAULT_POLICIES;
	o->limit_s = 0.001;
	o->settle_s = 600;
	while ((c = getopt_long(argc, argv, "p:s:o:h", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_policies(o, optarg) != 0)
				usage();
			break;
		case 's':
			errno = 0;
			o->seed = strtoull(optarg, &end, 10);
			if (end == optarg || *end != '\0' || errno != 0 ||
			    optarg[0] == '-') {
				warnx("bad seed: %s", esc(optarg));
				usage();
			}
			o->have_seed = true;
			break;
		case 'o':
			o->tsv = optarg;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_MARKDOWN:
			o->markdown = true;
			break;
		case OPT_LIMIT:
			if (parse_seconds(optarg, "limit", 1e-9,
			    &o->limit_s) != 0)
				usage();
			break;
		case OPT_SETTLE:
			if (parse_seconds(optarg, "settle time", 0,
			    &o->settle_s) != 0)
				usage();
			break;
		case OPT_PLOT:
			o->plot = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind == argc) {
		warnx("no trace given");
		usage();
	}
	if (o->json && o->markdown) {
		warnx("--json and --markdown do not go together");
		usage();
	}
	if ((o->tsv != NULL || o->plot != NULL) && argc - optind > 1) {
		warnx("-o and --plot take a single trace");
		usage();
	}
	if (o->plot != NULL && !rep_plot_name_ok(o->plot)) {
		warnx("%s: the plot must be .svg or .png", esc(o->plot));
		usage();
	}
}

/*
 * Nothing runs unless every trace is valid.  Returns the true time the
 * first one covers.
 */
static int64_t
validate_all(char **paths, int n)
{
	char errbuf[1024];
	int64_t span, first = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (trace_validate_span(paths[i], &span, errbuf,
		    sizeof(errbuf)) != 0)
			errx(1, "%s", errbuf);
		if (i == 0)
			first = span;
	}
	return first;
}

static void
kill_children(struct run *r)
{
	size_t i;

	for (i = 0; i < r->nch; i++)
		if (r->ch[i].pid > 0) {
			(void)kill(r->ch[i].pid, SIGTERM);
			(void)waitpid(r->ch[i].pid, NULL, 0);
			r->ch[i].pid = 0;
		}
}

static void __attribute__((__noreturn__))
run_fail(struct run *r, const char *fmt, const char *arg)
{
	char msg[512];

	snprintf(msg, sizeof(msg), fmt, arg);
	kill_children(r);
	errx(1, "%s: %s", esc(r->path), esc(msg));
}

static void
child_exec(const struct run *r, const struct child *c, int wfd)
{
	const char *prog = strcmp(c->pol, "vmt") == 0 ||
	    strcmp(c->pol, "vmt-gtf") == 0 ? "vmtsim-guest" :
	    "vmtsim-guest-nots";
	char path[PATH_MAX + 32], seed[32], fd[16];
	const char *argv[10];
	int n = 0;

	if (wfd == GUEST_FD)
		(void)fcntl(wfd, F_SETFD, 0);
	else if (dup2(wfd, GUEST_FD) < 0)
		_exit(126);
	if (guest_dir[0] != '\0')
		snprintf(path, sizeof(path), "%s/%s", guest_dir, prog);
	else
		snprintf(path, sizeof(path), "%s", prog);
	snprintf(fd, sizeof(fd), "%d", GUEST_FD);
	argv[n++] = path;
	argv[n++] = "-f";
	argv[n++] = fd;
	argv[n++] = "-p";
	argv[n++] = c->pol;
	if (r->o->have_seed) {
		snprintf(seed, sizeof(seed), "%llu",
		    (unsigned long long)r->o->seed);
		argv[n++] = "-s";
		argv[n++] = seed;
	}
	argv[n++] = r->path;
	argv[n] = NULL;
	execvp(path, (char *const *)argv);
	fprintf(stderr, "vmtsim: %s: %s\n", path, strerror(errno));
	_exit(126);
}

static void
child_start(struct run *r, struct child *c)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) != 0)
		run_fail(r, "pipe: %s", strerror(errno));
	/* A bigger pipe lets the guests run ahead of us a little. */
	(void)fcntl(p[0], F_SETPIPE_SZ, PIPE_SIZE);
	if ((c->pid = fork()) < 0)
		run_fail(r, "fork: %s", strerror(errno));
	if (c->pid == 0)
		child_exec(r, c, p[1]);
	close(p[1]);
	if ((c->in = fdopen(p[0], "r")) == NULL)
		run_fail(r, "fdopen: %s", strerror(errno));
	setvbuf(c->in, NULL, _IOFBF, 1 << 16);
}

/*
 * What the oracle column sees of a vmt guest's record: the oracle's
 * offset, and none of the clock's actions (it never touches the clock).
 */
static void
oracle_rec(const struct vs_rec *in, struct vs_rec *out)
{
	int64_t sim;

	*out = *in;
	if (in->type == VS_REC_END) {
		sim = in->u.sum.simulated_ns;
		memset(&out->u.sum, 0, sizeof(out->u.sum));
		out->u.sum.simulated_ns = sim;
		return;
	}
	out->flags &= ~(uint32_t)(VS_F_STEP | VS_F_BACK);
	memset(&out->u.sec, 0, sizeof(out->u.sec));
	out->u.sec.offset_ns = in->u.sec.oracle_ns;
	out->u.sec.slew_ppm = NAN;
}

/* This column's view of its child's record. */
static const struct vs_rec *
col_rec(const struct column *col, const struct vs_rec *in,
    struct vs_rec *buf)
{
	if (!col->oracle)
		return in;
	oracle_rec(in, buf);
	return buf;
}

/* A FINE or END record goes to every column of its child. */
static void
child_dispatch(struct run *r, const struct child *c, const struct vs_rec *rec)
{
	struct vs_rec buf;
	size_t i;

	for (i = 0; i < r->ncol; i++)
		if (r->col[i].ch == c)
			met_add(&r->col[i].met, col_rec(&r->col[i], rec, &buf));
}

/* Read c's records up to its next SECOND or END; false at EOF. */
static bool
child_next(struct run *r, struct child *c)
{
	struct vs_rec rec;

	for (;;) {
		if (fread(&rec, VS_REC_SHORT, 1, c->in) != 1)
			return false;
		if (rec.type == VS_REC_END && fread((char *)&rec +
		    VS_REC_SHORT, sizeof(rec) - VS_REC_SHORT, 1, c->in) != 1)
			return false;
		switch (rec.type) {
		case VS_REC_FINE:
			child_dispatch(r, c, &rec);
			break;
		case VS_REC_SECOND:
			c->sec = rec;
			return true;
		case VS_REC_END:
			child_dispatch(r, c, &rec);
			c->ended = true;
			return true;
		default:
			return false;
		}
	}
}

static void
child_wait(struct run *r, struct child *c)
{
	int status;

	fclose(c->in);
	c->in = NULL;
	if (waitpid(c->pid, &status, 0) < 0)
		run_fail(r, "waitpid: %s", strerror(errno));
	c->pid = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		run_fail(r, "policy %s: the guest failed", c->pol);
}

static void
progress(struct run *r, int64_t t_ns, bool last)
{
	struct timespec now;

	if (!r->progress)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!last && elapsed_s(&r->last_progress, &now) <
	    (double)PROGRESS_INTERVAL_NS / NS_PER_S)
		return;
	r->last_progress = now;
	if (last)
		fprintf(stderr, "\r\033[K");
	else if (r->duration_s > 0)
		fprintf(stderr, "\rvmtsim: %s: %3.0f%%", r->rep.trace,
		    100.0 * (double)t_ns / 1e9 / r->duration_s);
	else
		fprintf(stderr, "\rvmtsim: %s: %.0f s", r->rep.trace,
		    (double)t_ns / 1e9);
	fflush(stderr);
}

/* One second of every guest; false when they all ended. */
static bool
run_second(struct run *r)
{
	struct vs_rec recs[REP_MAX_POLICIES];
	size_t i, ended = 0;

	for (i = 0; i < r->nch; i++) {
		if (!child_next(r, &r->ch[i]))
			run_fail(r, "policy %s: the guest stopped early",
			    r->ch[i].pol);
		ended += r->ch[i].ended;
		if (r->ch[i].sec.t_ns != r->ch[0].sec.t_ns)
			run_fail(r, "%s", "the guests are out of step");
	}
	if (ended == r->nch)
		return false;
	if (ended != 0)
		run_fail(r, "%s", "the guests disagree on the trace's length");
	for (i = 0; i < r->ncol; i++) {
		if (r->col[i].oracle)
			oracle_rec(&r->col[i].ch->sec, &recs[i]);
		else
			recs[i] = r->col[i].ch->sec;
		met_add(&r->col[i].met, &recs[i]);
	}
	rep_mark(&r->marks, &r->ch[0].sec);
	rep_count(&r->rep.ev, &r->ch[0].sec);
	if (r->tsv != NULL)
		rep_tsv_row(r->tsv, &r->rep, recs);
	progress(r, r->ch[0].sec.t_ns, false);
	return true;
}

/* The guest process running pol, started on demand. */
static struct child *
run_child(struct run *r, const char *pol)
{
	size_t i;

	for (i = 0; i < r->nch; i++)
		if (strcmp(r->ch[i].pol, pol) == 0)
			return &r->ch[i];
	r->ch[r->nch].pol = pol;
	return &r->ch[r->nch++];
}

static void
run_setup(struct run *r, const struct opts *o, const char *path)
{
	const struct trace_header *h;
	struct met_params mp;
	struct trace *t;
	char errbuf[1024];
	size_t i;

	memset(r, 0, sizeof(*r));
	r->o = o;
	r->path = path;
	if ((t = trace_open(path, errbuf, sizeof(errbuf))) == NULL)
		errx(1, "%s", errbuf);
	h = trace_header(t);
	r->duration_s = h->kind == TRACE_SCENARIO ? h->duration_s : 0;
	r->rep.seed = o->have_seed ? o->seed : h->seed;
	trace_close(t);

	r->rep.trace = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 :
	    path;
	r->rep.limit_s = o->limit_s;
	r->rep.settle_s = o->settle_s;
	r->rep.npol = r->ncol = o->npol;
	r->rep.oracle = -1;
	mp.limit_ns = (int64_t)llround(o->limit_s * 1e9);
	mp.settle_ns = (int64_t)llround(o->settle_s * 1e9);
	/* The policies' own processes first, then the oracle's if need be. */
	for (i = 0; i < o->npol; i++)
		if (oracle_of(o->pol[i]) == NULL)
			(void)run_child(r, o->pol[i]);
	for (i = 0; i < o->npol; i++) {
		struct column *c = &r->col[i];

		c->name = r->rep.pol[i] = o->pol[i];
		c->oracle = oracle_of(o->pol[i]) != NULL;
		c->ch = run_child(r, c->oracle ? oracle_of(o->pol[i]) :
		    o->pol[i]);
		if (strcmp(o->pol[i], "oracle") == 0)
			r->rep.oracle = (int)i;
		mp.clock_stats = !c->oracle;
		met_init(&c->met, &mp);
	}
	r->progress = isatty(STDERR_FILENO);
}

/* Replay one trace with every policy; fills r->rep. */
static void
run_trace(struct run *r, const char *tsv_path)
{
	struct timespec t0, t1;
	size_t i;

	if (tsv_path != NULL) {
		if ((r->tsv = fopen(tsv_path, "w")) == NULL)
			err(1, "%s", esc(tsv_path));
		rep_tsv_header(r->tsv, &r->rep);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < r->nch; i++)
		child_start(r, &r->ch[i]);
	while (run_second(r))
		continue;
	for (i = 0; i < r->nch; i++)
		child_wait(r, &r->ch[i]);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	progress(r, 0, true);
	if (r->tsv != NULL && fclose(r->tsv) != 0)
		err(1, "%s", esc(tsv_path));
	r->tsv = NULL;
	r->rep.wall_s = elapsed_s(&t0, &t1);
	r->rep.simulated_s = (double)r->col[0].met.sum.simulated_ns / 1e9;
	for (i = 0; i < r->ncol; i++)
		met_result(&r->col[i].met, &r->rep.res[i]);
}

static void
plot(struct run *r, const struct opts *o, const char *tsv)
{
	char errbuf[512];

	if (rep_plot(tsv, o->plot, &r->rep, &r->marks, errbuf,
	    sizeof(errbuf)) != 0)
		errx(1, "%s", errbuf);
}

/* -o and --plot: the series goes to -o's file or a temporary one. */
static void
run_one(struct run *r, const struct opts *o)
{
	char tmp[] = "/tmp/vmtsim-series.XXXXXX";
	int fd;

	if (o->plot == NULL || o->tsv != NULL) {
		run_trace(r, o->tsv);
		if (o->plot != NULL)
			plot(r, o, o->tsv);
		return;
	}
	if ((fd = mkstemp(tmp)) < 0)
		err(1, "%s", tmp);
	close(fd);
	run_trace(r, tmp);
	plot(r, o, tmp);
	unlink(tmp);
}

/* A series of a year is big: say so before writing it. */
static void
warn_tsv_size(const struct opts *o, int64_t span_ns)
{
	struct rep_run rep;
	double bytes;

	memset(&rep, 0, sizeof(rep));
	rep.npol = o->npol;
	bytes = (double)span_ns / 1e9 * (double)rep_tsv_row_bytes(&rep);
	if (bytes > TSV_WARN_BYTES)
		warnx("warning: %s will take about %.0f MB (one row per "
		    "simulated second)", esc(o->tsv), bytes / 1048576);
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct run *r;
	int64_t span;
	int i, n;

	if (argc > 1 && strcmp(argv[1], "gen") == 0)
		return vmtsim_gen_main(argc - 1, argv + 1);
	parse_args(&o, argc, argv);
	n = argc - optind;
	span = validate_all(argv + optind, n);
	find_guest_dir(argv[0]);
	if (o.tsv != NULL)
		warn_tsv_size(&o, span);
	if ((r = calloc(1, sizeof(*r))) == NULL)
		err(1, "calloc");
	if (o.json && n > 1)
		printf("[\n");
	for (i = 0; i < n; i++) {
		run_setup(r, &o, argv[optind + i]);
		run_one(r, &o);
		if (o.json) {
			rep_json(stdout, &r->rep);
			printf("%s\n", n > 1 && i < n - 1 ? "," : "");
		} else if (o.markdown) {
			rep_markdown(stdout, &r->rep);
		} else {
			if (i > 0)
				printf("\n");
			rep_table(stdout, &r->rep);
		}
		fflush(stdout);
	}
	if (o.json && n > 1)
		printf("]\n");
	free(r);
	if (fflush(stdout) != 0 || ferror(stdout))
		errx(1, "write error on standard output");
	return 0;
}
