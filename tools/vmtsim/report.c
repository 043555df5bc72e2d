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
 * The outputs of vmtsim(1).  Every number is printed with a fixed
 * format, so the same results give the same bytes.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "report.h"

enum col_kind { COL_DBL, COL_U64 };

/* The per-policy metrics, in output order; names are the JSON keys. */
static const struct col {
	const char	*name;
	enum col_kind	kind;
	size_t		off;
} cols[] = {
#define D(f)	{ #f, COL_DBL, offsetof(struct met_result, f) }
#define U(f)	{ #f, COL_U64, offsetof(struct met_result, f) }
	D(sync_time_s), D(rms_offset_s), D(max_abs_offset_s),
	D(mean_offset_s), U(steps), U(backward_steps), D(max_backward_s),
	U(slews), D(max_slew_ppm), D(freq_error_ppm_rms),
	D(resume_recovery_s), U(adjustments_while_disabled), U(rpc_errors),
	U(cpt_retries), U(backdoor_calls),
#undef D
#undef U
};
#define NCOLS	(sizeof(cols) / sizeof(cols[0]))

/* One value as text: fmt is "%.4g" for the table, "%.9g" for JSON. */
static void
col_format(char *buf, size_t len, const struct col *c,
    const struct met_result *r, const char *fmt)
{
	const char *p = (const char *)r + c->off;
	double d;
	uint64_t u;

	if (c->kind == COL_U64) {
		memcpy(&u, p, sizeof(u));
		snprintf(buf, len, "%llu", (unsigned long long)u);
		return;
	}
	memcpy(&d, p, sizeof(d));
	/* -0 prints as 0: the sign of nothing is noise. */
	snprintf(buf, len, fmt, d == 0 ? 0.0 : d);
}

void
rep_table(FILE *fp, const struct rep_run *run)
{
	char buf[64];
	size_t i, j, w[NCOLS], pw = strlen("policy");

	fprintf(fp, "%s: seed %llu, limit %g s, %.0f s simulated\n",
	    run->trace, (unsigned long long)run->seed, run->limit_s,
	    run->simulated_s);
	for (i = 0; i < run->npol; i++)
		if (strlen(run->pol[i]) > pw)
			pw = strlen(run->pol[i]);
	for (j = 0; j < NCOLS; j++) {
		w[j] = strlen(cols[j].name);
		for (i = 0; i < run->npol; i++) {
			col_format(buf, sizeof(buf), &cols[j], &run->res[i],
			    "%.4g");
			if (strlen(buf) > w[j])
				w[j] = strlen(buf);
		}
	}
	fprintf(fp, "%-*s", (int)pw, "policy");
	for (j = 0; j < NCOLS; j++)
		fprintf(fp, "  %*s", (int)w[j], cols[j].name);
	fputc('\n', fp);
	for (i = 0; i < run->npol; i++) {
		fprintf(fp, "%-*s", (int)pw, run->pol[i]);
		for (j = 0; j < NCOLS; j++) {
			col_format(buf, sizeof(buf), &cols[j], &run->res[i],
			    "%.4g");
			fprintf(fp, "  %*s", (int)w[j], buf);
		}
		fputc('\n', fp);
	}
}

/* Trace names are file names: escape what JSON requires. */
static void
json_string(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(fp, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(fp, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, fp);
	}
	fputc('"', fp);
}

void
rep_json(FILE *fp, const struct rep_run *run)
{
	char buf[64];
	size_t i, j;

	fprintf(fp, "{\n  \"trace\": ");
	json_string(fp, run->trace);
	fprintf(fp, ",\n  \"seed\": %llu,\n  \"limit_s\": %.9g,\n"
	    "  \"simulated_s\": %.9g,\n  \"wall_s\": %.3f,\n"
	    "  \"policies\": {", (unsigned long long)run->seed,
	    run->limit_s, run->simulated_s, run->wall_s);
	for (i = 0; i < run->npol; i++) {
		fprintf(fp, "%s\n    ", i > 0 ? "," : "");
		json_string(fp, run->pol[i]);
		fprintf(fp, ": {");
		for (j = 0; j < NCOLS; j++) {
			col_format(buf, sizeof(buf), &cols[j], &run->res[i],
			    "%.9g");
			fprintf(fp, "%s\n      \"%s\": %s", j > 0 ? "," : "",
			    cols[j].name, buf);
		}
		fprintf(fp, "\n    }");
	}
	fprintf(fp, "\n  }\n}");
}

void
rep_tsv_header(FILE *fp, const struct rep_run *run)
{
	size_t i;

	fprintf(fp, "t_s");
	for (i = 0; i < run->npol; i++)
		fprintf(fp, "\toffset_s.%s", run->pol[i]);
	for (i = 0; i < run->npol; i++)
		fprintf(fp, "\tfreq_ppb.%s", run->pol[i]);
	fprintf(fp, "\tevents\n");
}

static const struct {
	uint32_t	flag;
	const char	*name;
} ev_names[] = {
	{ VS_F_SUSPEND, "suspend" },
	{ VS_F_RESUME, "resume" },
	{ VS_F_FREEZE, "freeze" },
	{ VS_F_THAW, "thaw" },
	{ VS_F_HOSTSTEP, "host_step" },
	{ VS_F_REENABLE, "enabled" },
	{ VS_F_DISABLED, "disabled" },
	{ VS_F_FROZEN, "frozen" },
	{ VS_F_EVENT, "event" },
};

/*
 * recs[i] is policy i's record of the second.  The trace's events are
 * the same for every policy (the first one's are printed); steps are
 * each policy's own.
 */
void
rep_tsv_row(FILE *fp, const struct rep_run *run, const struct vs_rec *recs)
{
	const char *sep = "";
	size_t i;

	fprintf(fp, "%lld", (long long)(recs[0].t_ns / 1000000000));
	for (i = 0; i < run->npol; i++)
		fprintf(fp, "\t%.9f", (double)recs[i].u.sec.offset_ns / 1e9);
	for (i = 0; i < run->npol; i++)
		fprintf(fp, "\t%lld", (long long)recs[i].u.sec.freq_ppb);
	fputc('\t', fp);
	for (i = 0; i < sizeof(ev_names) / sizeof(ev_names[0]); i++)
		if (recs[0].flags & ev_names[i].flag) {
			fprintf(fp, "%s%s", sep, ev_names[i].name);
			sep = ",";
		}
	for (i = 0; i < run->npol; i++)
		if (recs[i].flags & VS_F_STEP) {
			fprintf(fp, "%s%s:%s", sep, recs[i].flags & VS_F_BACK ?
			    "backstep" : "step", run->pol[i]);
			sep = ",";
		}
	if (*sep == '\0')
		fputc('-', fp);
	fputc('\n', fp);
}

void
rep_mark(struct rep_marks *m, const struct vs_rec *r)
{
	const uint32_t want = VS_F_SUSPEND | VS_F_RESUME | VS_F_FREEZE |
	    VS_F_THAW | VS_F_HOSTSTEP | VS_F_REENABLE | VS_F_EVENT;

	if ((r->flags & want) == 0 || m->n == REP_MAX_MARKS)
		return;
	m->t_s[m->n] = (double)r->t_ns / 1e9;
	m->flags[m->n] = r->flags & want;
	m->n++;
}

static void
plot_script(FILE *fp, const char *tsv, const char *out, bool svg,
    const struct rep_run *run, const struct rep_marks *marks)
{
	size_t i;

	if (svg)
		fprintf(fp, "set terminal svg size 1200,600 dynamic\n");
	else
		fprintf(fp, "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) "
		    "{ set terminal pngcairo size 1200,600 } "
		    "else { set terminal png size 1200,600 }\n");
	fprintf(fp, "set output '%s'\n", out);
	fprintf(fp, "set title '%s: guest - host offset'\n", run->trace);
	fprintf(fp, "set xlabel 'true time (s)'\nset ylabel 'offset (s)'\n"
	    "set key outside right\nset grid\n"
	    "set datafile separator '\\t'\n");
	for (i = 0; i < marks->n; i++)
		fprintf(fp, "set arrow from %.1f, graph 0 to %.1f, graph 1 "
		    "nohead lc rgb '#999999' dt 2\n",
		    marks->t_s[i], marks->t_s[i]);
	fprintf(fp, "plot ");
	for (i = 0; i < run->npol; i++)
		fprintf(fp, "%s'%s' using 1:%zu skip 1 with lines title '%s'",
		    i > 0 ? ", \\\n     " : "", tsv, i + 2, run->pol[i]);
	fprintf(fp, "\n");
}

/* Run gnuplot on script. */
static int
plot_run(const char *script, char *err, size_t errlen)
{
	pid_t pid;
	int status;

	if ((pid = fork()) < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		execlp("gnuplot", "gnuplot", script, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0) {
		snprintf(err, errlen, "waitpid: %s", strerror(errno));
		return -1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		snprintf(err, errlen, "gnuplot not found (install gnuplot, "
		    "e.g. the Debian package gnuplot-nox)");
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(err, errlen, "gnuplot failed");
		return -1;
	}
	return 0;
}

bool
rep_plot_name_ok(const char *out)
{
	const char *dot = strrchr(out, '.');

	return dot != NULL && (strcmp(dot, ".svg") == 0 ||
	    strcmp(dot, ".png") == 0);
}

int
rep_plot(const char *tsv, const char *out, const struct rep_run *run,
    const struct rep_marks *marks, char *err, size_t errlen)
{
	char script[] = "/tmp/vmtsim-plot.XXXXXX";
	bool svg;
	FILE *fp;
	int fd, r;

	if (!rep_plot_name_ok(out)) {
		snprintf(err, errlen, "%s: the plot must be .svg or .png",
		    out);
		return -1;
	}
	svg = strcmp(strrchr(out, '.'), ".svg") == 0;
	if ((fd = mkstemp(script)) < 0 || (fp = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", script, strerror(errno));
		return -1;
	}
	plot_script(fp, tsv, out, svg, run, marks);
	if (fclose(fp) != 0) {
		snprintf(err, errlen, "%s: %s", script, strerror(errno));
		unlink(script);
		return -1;
	}
	r = plot_run(script, err, errlen);
	unlink(script);
	return r;
}
