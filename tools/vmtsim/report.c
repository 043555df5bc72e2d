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
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "report.h"

#define MICRO		"\xc2\xb5"	/* U+00B5, one column wide */
#define CELL_MAX	64
#define NA		"-"

/* --- numbers -------------------------------------------------------------- */

const char *
rep_fmt_time(char *buf, size_t len, double s)
{
	static const struct {
		double		unit;
		const char	*name;
	} units[] = {
		{ 1e-9, "ns" }, { 1e-6, MICRO "s" }, { 1e-3, "ms" }, { 1, "s" },
	};
	double a = fabs(s), v;
	size_t i;

	if (s == 0) {
		snprintf(buf, len, "0");
		return buf;
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		v = s / units[i].unit;
		/* 999.7 us prints as 1.00 ms, not 1e+03 us. */
		if (fabs(v) < 999.5 || i == 3)
			break;
	}
	if (i == 3 && a >= 1e5) {
		if (a < 99.5 * 3600)
			snprintf(buf, len, "%.3g h", s / 3600);
		else
			snprintf(buf, len, "%.0f d", s / 86400);
		return buf;
	}
	if (fabs(v) >= 999.5)
		snprintf(buf, len, "%.0f %s", v, units[i].name);
	else
		snprintf(buf, len, "%.3g %s", v, units[i].name);
	return buf;
}

const char *
rep_fmt_ratio(char *buf, size_t len, double r)
{
	if (r < 9.995)
		snprintf(buf, len, "%.2f", r);
	else if (r < 99.95)
		snprintf(buf, len, "%.1f", r);
	else if (r < 99999.5)
		snprintf(buf, len, "%.0f", r);
	else {
		int e = (int)floor(log10(r));

		snprintf(buf, len, "%.1fe%d", r / pow(10, e), e);
	}
	return buf;
}

static const char *
fmt_ppm(char *buf, size_t len, double ppm)
{
	if (fabs(ppm) >= 99.95)
		snprintf(buf, len, "%.0f ppm", ppm);
	else
		snprintf(buf, len, "%.3g ppm", ppm);
	return buf;
}

/* Counts up to 5 digits as they are, then in k, M, G (3 digits). */
static const char *
fmt_count(char *buf, size_t len, uint64_t n)
{
	if (n >= 999500000ULL)
		snprintf(buf, len, "%.3gG", (double)n / 1e9);
	else if (n >= 999500ULL)
		snprintf(buf, len, "%.3gM", (double)n / 1e6);
	else if (n >= 100000ULL)
		snprintf(buf, len, "%.3gk", (double)n / 1e3);
	else
		snprintf(buf, len, "%llu", (unsigned long long)n);
	return buf;
}

/* --- the table ------------------------------------------------------------ */

struct table {
	size_t		ncol, nrow;
	const char	*head[12];
	char		cell[REP_MAX_POLICIES][12][CELL_MAX];
};

/* Columns on a terminal: UTF-8 continuation bytes take none. */
static size_t
display_width(const char *s)
{
	size_t w = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static void
pad(FILE *fp, size_t n)
{
	while (n-- > 0)
		fputc(' ', fp);
}

static void
table_print(FILE *fp, const struct table *t)
{
	size_t w[12], i, j, d;

	for (j = 0; j < t->ncol; j++) {
		w[j] = display_width(t->head[j]);
		for (i = 0; i < t->nrow; i++)
			if (display_width(t->cell[i][j]) > w[j])
				w[j] = display_width(t->cell[i][j]);
	}
	for (j = 0; j < t->ncol; j++) {
		d = display_width(t->head[j]);
		if (j > 0)
			pad(fp, 2 + w[j] - d);
		fputs(t->head[j], fp);
		if (j == 0)
			pad(fp, w[j] - d);
	}
	fputc('\n', fp);
	for (i = 0; i < t->nrow; i++) {
		for (j = 0; j < t->ncol; j++) {
			d = display_width(t->cell[i][j]);
			if (j > 0)
				pad(fp, 2 + w[j] - d);
			fputs(t->cell[i][j], fp);
			if (j == 0)
				pad(fp, w[j] - d);
		}
		fputc('\n', fp);
	}
}

static void
accuracy_row(char (*c)[CELL_MAX], const struct rep_run *run, size_t i)
{
	const struct met_result *r = &run->res[i];
	const struct met_result *o = run->oracle >= 0 ?
	    &run->res[run->oracle] : NULL;

	snprintf(c[0], CELL_MAX, "%s", run->pol[i]);
	if (r->counted_s == 0) {
		snprintf(c[1], CELL_MAX, NA);
		snprintf(c[2], CELL_MAX, NA);
		snprintf(c[3], CELL_MAX, NA);
		snprintf(c[4], CELL_MAX, NA);
		snprintf(c[5], CELL_MAX, NA);
	} else {
		rep_fmt_time(c[1], CELL_MAX, r->rms_offset_s);
		if (o != NULL && o->counted_s > 0 && o->rms_offset_s > 0)
			rep_fmt_ratio(c[2], CELL_MAX, r->rms_offset_s /
			    o->rms_offset_s);
		else
			snprintf(c[2], CELL_MAX, NA);
		rep_fmt_time(c[3], CELL_MAX, r->worst_window_rms_s);
		rep_fmt_time(c[4], CELL_MAX, r->max_abs_offset_s);
		rep_fmt_time(c[5], CELL_MAX, r->mean_offset_s);
	}
	if (r->sync_counted_s == 0)
		snprintf(c[6], CELL_MAX, NA);
	else if (!r->synced)
		snprintf(c[6], CELL_MAX, "never");
	else if (r->sync_time_s == 0)
		snprintf(c[6], CELL_MAX, "0 s");
	else
		rep_fmt_time(c[6], CELL_MAX, r->sync_time_s);
	if (r->rate_counted_s == 0)
		snprintf(c[7], CELL_MAX, NA);
	else
		fmt_ppm(c[7], CELL_MAX, r->freq_error_ppm_rms);
}

static void
recovery_cell(char *c, const struct met_result *r)
{
	char b[CELL_MAX];

	if (r->recoveries == 0)
		snprintf(c, CELL_MAX, NA);
	else if (r->unrecovered > 0)
		snprintf(c, CELL_MAX, "never %llu/%llu",
		    (unsigned long long)r->unrecovered,
		    (unsigned long long)r->recoveries);
	else
		snprintf(c, CELL_MAX, "%s (%llu)", rep_fmt_time(b, sizeof(b),
		    r->recovery_s), (unsigned long long)r->recoveries);
}

static void
action_row(char (*c)[CELL_MAX], const struct rep_run *run, size_t i)
{
	const struct met_result *r = &run->res[i];
	char b1[CELL_MAX], b2[CELL_MAX];
	size_t j;

	snprintf(c[0], CELL_MAX, "%s", run->pol[i]);
	recovery_cell(c[5], r);
	if (!r->clock_stats) {
		for (j = 1; j < 9; j++)
			if (j != 5)
				snprintf(c[j], CELL_MAX, NA);
		return;
	}
	snprintf(c[1], CELL_MAX, "%s (%s)", fmt_count(b1, sizeof(b1),
	    r->steps), fmt_count(b2, sizeof(b2), r->backward_steps));
	if (r->backward_steps == 0)
		snprintf(c[2], CELL_MAX, NA);
	else
		rep_fmt_time(c[2], CELL_MAX, r->max_backward_s);
	fmt_count(c[3], CELL_MAX, r->slews);
	if (r->slew_counted_s == 0)
		snprintf(c[4], CELL_MAX, NA);
	else
		fmt_ppm(c[4], CELL_MAX, r->max_slew_ppm);
	if (r->disabled_s == 0)
		snprintf(c[6], CELL_MAX, NA);
	else
		fmt_count(c[6], CELL_MAX, r->adjustments_while_disabled);
	fmt_count(c[7], CELL_MAX, r->rpc_errors);
	fmt_count(c[8], CELL_MAX, r->cpt_retries);
}

void
rep_table(FILE *fp, const struct rep_run *run)
{
	static const char *const acc[] = { "policy", "RMS", "vs oracle",
	    "worst 10 min", "max", "mean", "synced", "freq err" };
	static const char *const act[] = { "policy", "steps (back)",
	    "max back", "slews", "max slew", "recovery", "adj off",
	    "rpc", "cpt" };
	const struct met_result *r0 = &run->res[0];
	struct table t;
	char b1[CELL_MAX], b2[CELL_MAX], b3[CELL_MAX];
	size_t i;

	fprintf(fp, "%s: seed %llu, %s simulated, limit %s\n", run->trace,
	    (unsigned long long)run->seed,
	    rep_fmt_time(b1, sizeof(b1), run->simulated_s),
	    rep_fmt_time(b2, sizeof(b2), run->limit_s));
	fprintf(fp, "%llu s counted from %s (%llu s frozen, %llu s sync "
	    "off); worst 10 min: %llu s\n",
	    (unsigned long long)r0->counted_s,
	    rep_fmt_time(b3, sizeof(b3), run->settle_s),
	    (unsigned long long)run->ev.frozen_s,
	    (unsigned long long)r0->disabled_s,
	    (unsigned long long)r0->worst_window_s);
	memset(&t, 0, sizeof(t));
	t.ncol = 8;
	memcpy(t.head, acc, sizeof(acc));
	t.nrow = run->npol;
	for (i = 0; i < run->npol; i++)
		accuracy_row(t.cell[i], run, i);
	table_print(fp, &t);

	memset(&t, 0, sizeof(t));
	t.ncol = 9;
	memcpy(t.head, act, sizeof(act));
	t.nrow = run->npol;
	for (i = 0; i < run->npol; i++)
		action_row(t.cell[i], run, i);
	table_print(fp, &t);
}

/* --- Markdown --------------------------------------------------------------- */

static int
policy_index(const struct rep_run *run, const char *name)
{
	size_t i;

	for (i = 0; i < run->npol; i++)
		if (strcmp(run->pol[i], name) == 0)
			return (int)i;
	return -1;
}

void
rep_markdown(FILE *fp, const struct rep_run *run)
{
	static const char *const order[] = { "oracle", "vmt", "netbsd", "ovt",
	    "none" };
	char c[10][CELL_MAX], b1[CELL_MAX], b2[CELL_MAX];
	const struct met_result *r;
	size_t i, len;
	int k;

	len = strlen(run->trace);
	if (len > 6 && strcmp(run->trace + len - 6, ".trace") == 0)
		len -= 6;
	fprintf(fp, "| %.*s | %s |", (int)len, run->trace,
	    rep_fmt_time(b1, sizeof(b1), run->simulated_s));
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		k = policy_index(run, order[i]);
		if (k < 0 || run->res[k].counted_s == 0) {
			fprintf(fp, " %s |", NA);
			continue;
		}
		accuracy_row(c, run, (size_t)k);
		if (k == run->oracle)
			fprintf(fp, " %s |", c[1]);
		else
			fprintf(fp, " %s (%s) |", c[2], c[1]);
	}
	fputc('\n', fp);

	fprintf(fp, "| %.*s |", (int)len, run->trace);
	if ((k = policy_index(run, "vmt")) < 0) {
		for (i = 0; i < 7; i++)
			fprintf(fp, " %s |", NA);
		fputc('\n', fp);
		return;
	}
	r = &run->res[k];
	accuracy_row(c, run, (size_t)k);
	recovery_cell(b2, r);
	fprintf(fp, " %s | %s | %s | %s | %s |", c[1], c[3], c[4], c[6], b2);
	action_row(c, run, (size_t)k);
	fprintf(fp, " %s | %s |\n", c[1], c[6]);
}

/* --- JSON ----------------------------------------------------------------- */

/* Trace names are file names: escape what JSON requires. */
static void
json_string(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(fp, "\\%c", *s);
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			fprintf(fp, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, fp);
	}
	fputc('"', fp);
}

static void
json_num(FILE *fp, const char *key, bool valid, double v, bool *first)
{
	fprintf(fp, "%s\n      \"%s\": ", *first ? "" : ",", key);
	*first = false;
	if (!valid)
		fprintf(fp, "null");
	else
		fprintf(fp, "%.9g", v == 0 ? 0.0 : v);
}

static void
json_u64(FILE *fp, const char *key, bool valid, uint64_t v, bool *first)
{
	fprintf(fp, "%s\n      \"%s\": ", *first ? "" : ",", key);
	*first = false;
	if (!valid)
		fprintf(fp, "null");
	else
		fprintf(fp, "%llu", (unsigned long long)v);
}

static void
json_policy(FILE *fp, const struct rep_run *run, size_t i)
{
	const struct met_result *r = &run->res[i];
	const struct met_result *o = run->oracle >= 0 ?
	    &run->res[run->oracle] : NULL;
	bool f = true, n = r->counted_s > 0, c = r->clock_stats;

	json_u64(fp, "counted_s", true, r->counted_s, &f);
	json_num(fp, "rms_offset_s", n, r->rms_offset_s, &f);
	json_num(fp, "rms_vs_oracle", n && o != NULL && o->counted_s > 0 &&
	    o->rms_offset_s > 0, o != NULL && o->rms_offset_s > 0 ?
	    r->rms_offset_s / o->rms_offset_s : 0, &f);
	json_num(fp, "max_abs_offset_s", n, r->max_abs_offset_s, &f);
	json_num(fp, "mean_offset_s", n, r->mean_offset_s, &f);
	json_u64(fp, "worst_window_counted_s", true, r->worst_window_s, &f);
	json_num(fp, "worst_window_rms_s", r->worst_window_s > 0,
	    r->worst_window_rms_s, &f);
	json_num(fp, "worst_window_end_s", r->worst_window_s > 0,
	    r->worst_window_end_s, &f);
	json_u64(fp, "sync_counted_s", true, r->sync_counted_s, &f);
	json_num(fp, "sync_time_s", r->sync_counted_s > 0 && r->synced,
	    r->sync_time_s, &f);
	json_u64(fp, "rate_counted_s", true, r->rate_counted_s, &f);
	json_num(fp, "freq_error_ppm_rms", r->rate_counted_s > 0,
	    r->freq_error_ppm_rms, &f);
	json_u64(fp, "recoveries", true, r->recoveries, &f);
	json_u64(fp, "unrecovered", true, r->unrecovered, &f);
	json_num(fp, "recovery_s", r->recoveries > r->unrecovered,
	    r->recovery_s, &f);
	json_u64(fp, "steps", c, r->steps, &f);
	json_u64(fp, "backward_steps", c, r->backward_steps, &f);
	json_num(fp, "max_backward_s", c && r->backward_steps > 0,
	    r->max_backward_s, &f);
	json_u64(fp, "slews", c, r->slews, &f);
	json_u64(fp, "slew_counted_s", c, r->slew_counted_s, &f);
	json_num(fp, "max_slew_ppm", c && r->slew_counted_s > 0,
	    r->max_slew_ppm, &f);
	json_u64(fp, "disabled_s", true, r->disabled_s, &f);
	json_u64(fp, "adjustments_while_disabled", c,
	    r->adjustments_while_disabled, &f);
	json_u64(fp, "rpc_errors", c, r->rpc_errors, &f);
	json_u64(fp, "cpt_retries", c, r->cpt_retries, &f);
	json_u64(fp, "backdoor_calls", c, r->backdoor_calls, &f);
	json_u64(fp, "host_reads", c, r->host_reads, &f);
	json_u64(fp, "host_precision_reads", c, r->host_precision_reads, &f);
	json_u64(fp, "host_outliers", c, r->host_outliers, &f);
	json_u64(fp, "host_stalls", c, r->host_stalls, &f);
	json_num(fp, "host_stall_max_s", c && r->host_stalls > 0,
	    r->host_stall_max_s, &f);
	json_u64(fp, "catchups", c, r->catchups, &f);
	json_u64(fp, "stopcatchups", c, r->stopcatchups, &f);
}

void
rep_json(FILE *fp, const struct rep_run *run)
{
	const struct rep_events *e = &run->ev;
	size_t i;

	fprintf(fp, "{\n  \"trace\": ");
	json_string(fp, run->trace);
	fprintf(fp, ",\n  \"seed\": %llu,\n  \"limit_s\": %.9g,\n"
	    "  \"settle_s\": %.9g,\n  \"simulated_s\": %.9g,\n"
	    "  \"wall_s\": %.3f,\n", (unsigned long long)run->seed,
	    run->limit_s, run->settle_s, run->simulated_s, run->wall_s);
	fprintf(fp, "  \"events\": {\"suspends\": %llu, \"resumes\": %llu, "
	    "\"freezes\": %llu, \"thaws\": %llu, \"host_steps\": %llu, "
	    "\"host_slews\": %llu, \"unticks\": %llu, \"reticks\": %llu, "
	    "\"frozen_s\": %llu},\n",
	    (unsigned long long)e->suspends, (unsigned long long)e->resumes,
	    (unsigned long long)e->freezes, (unsigned long long)e->thaws,
	    (unsigned long long)e->host_steps,
	    (unsigned long long)e->host_slews, (unsigned long long)e->unticks,
	    (unsigned long long)e->reticks, (unsigned long long)e->frozen_s);
	fprintf(fp, "  \"policies\": {");
	for (i = 0; i < run->npol; i++) {
		fprintf(fp, "%s\n    ", i > 0 ? "," : "");
		json_string(fp, run->pol[i]);
		fprintf(fp, ": {");
		json_policy(fp, run, i);
		fprintf(fp, "\n    }");
	}
	fprintf(fp, "\n  }\n}");
}

/* --- the series ----------------------------------------------------------- */

void
rep_count(struct rep_events *e, const struct vs_rec *r)
{
	if (r->type != VS_REC_SECOND)
		return;
	e->suspends += (r->flags & VS_F_SUSPEND) != 0;
	e->resumes += (r->flags & VS_F_RESUME) != 0;
	e->freezes += (r->flags & VS_F_FREEZE) != 0;
	e->thaws += (r->flags & VS_F_THAW) != 0;
	e->host_steps += (r->flags & VS_F_HOSTSTEP) != 0;
	e->host_slews += (r->flags & VS_F_HOSTSLEW) != 0;
	e->unticks += (r->flags & VS_F_UNTICK) != 0;
	e->reticks += (r->flags & VS_F_REENABLE) != 0;
	e->frozen_s += (r->flags & VS_F_FROZEN) != 0;
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

size_t
rep_tsv_row_bytes(const struct rep_run *run)
{
	/* "86400", then " -0.000001234" and " -123456" per policy, events. */
	return 10 + run->npol * (14 + 9) + 8;
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
	{ VS_F_HOSTSLEW, "host_slew" },
	{ VS_F_UNTICK, "unticked" },
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
	    VS_F_THAW | VS_F_HOSTSTEP | VS_F_HOSTSLEW | VS_F_REENABLE |
	    VS_F_UNTICK | VS_F_EVENT;
	double t = (double)r->t_ns / 1e9;

	if ((r->flags & VS_F_FROZEN) && !m->in_frozen &&
	    m->nfrozen < REP_MAX_MARKS) {
		m->frozen_from[m->nfrozen] = t - 1;
		m->frozen_to[m->nfrozen++] = t;
		m->in_frozen = true;
	} else if ((r->flags & VS_F_FROZEN) && m->in_frozen)
		m->frozen_to[m->nfrozen - 1] = t;
	else
		m->in_frozen = false;
	if ((r->flags & want) == 0 || m->n == REP_MAX_MARKS)
		return;
	m->t_s[m->n] = t;
	m->flags[m->n] = r->flags & want;
	m->n++;
}

/* --- the plot ------------------------------------------------------------- */

/* A string inside gnuplot's single quotes, where '' is a quote. */
static void
gp_quoted(FILE *fp, const char *s)
{
	fputc('\'', fp);
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			fputc('\'', fp);
		if ((unsigned char)*s >= 0x20 && *s != 0x7f)
			fputc(*s, fp);
	}
	fputc('\'', fp);
}

/*
 * One panel per policy, |offset| on a log scale sharing one y range, so
 * that a policy at a microsecond shows beside one at milliseconds; the
 * intervals the VM was frozen are shaded and their offsets left out.
 */
static void
plot_script(FILE *fp, const char *tsv, const char *out, bool svg,
    const struct rep_run *run, const struct rep_marks *marks)
{
	size_t i, j, evcol = 2 + 2 * run->npol;
	int height = 140 + 170 * (int)run->npol;

	if (svg)
		fprintf(fp, "set terminal svg size 1100,%d dynamic "
		    "font 'sans,11'\n", height);
	else
		fprintf(fp, "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) "
		    "{ set terminal pngcairo size 1100,%d font 'sans,10' } "
		    "else { set terminal png size 1100,%d }\n", height,
		    height);
	fprintf(fp, "set output ");
	gp_quoted(fp, out);
	fputc('\n', fp);
	fprintf(fp, "set datafile separator '\\t'\nset logscale y\n"
	    "set format y '10^{%%L}'\nset grid ytics xtics\nunset key\n"
	    "set yrange [1e-9:*]\nset lmargin 12\nset rmargin 3\n");
	/* One y range for all: find the largest |offset| first. */
	fprintf(fp, "ymax = 1e-6\n");
	for (i = 0; i < run->npol; i++) {
		fprintf(fp, "stats ");
		gp_quoted(fp, tsv);
		fprintf(fp, " using (strstrt(strcol(%zu), 'frozen') > 0 ? "
		    "NaN : abs($%zu)) skip 1 nooutput\n"
		    "if (STATS_max > ymax) { ymax = STATS_max }\n",
		    evcol, i + 2);
	}
	fprintf(fp, "set yrange [1e-9:ymax * 3]\nset xrange [0:%.0f]\n",
	    run->simulated_s > 0 ? run->simulated_s : 1);
	/* The offset limit of sync time and recovery. */
	fprintf(fp, "set arrow from graph 0, first %g to graph 1, first %g "
	    "nohead lc rgb '#cc0000' dt 3\n", run->limit_s, run->limit_s);
	for (i = 0; i < marks->nfrozen; i++)
		fprintf(fp, "set object %zu rect from %.1f, graph 0 to %.1f, "
		    "graph 1 fc rgb '#d8d8ff' fs solid 0.6 noborder behind\n",
		    i + 1, marks->frozen_from[i], marks->frozen_to[i]);
	for (i = 0; i < marks->n; i++)
		fprintf(fp, "set arrow from %.1f, graph 0 to %.1f, graph 1 "
		    "nohead lc rgb '#888888' dt 2\n",
		    marks->t_s[i], marks->t_s[i]);
	fprintf(fp, "set multiplot layout %zu,1 title ", run->npol);
	gp_quoted(fp, run->trace);
	fprintf(fp, ".': |guest - host|  (shaded: VM frozen; dashed: "
	    "events; dotted: the limit)'\n");
	for (i = 0; i < run->npol; i++) {
		j = i + 2;
		fprintf(fp, "set tmargin %s\nset bmargin %s\n",
		    i == 0 ? "1.5" : "0.5",
		    i + 1 == run->npol ? "3" : "0.5");
		if (i + 1 == run->npol)
			fprintf(fp, "set xlabel 'true time (s)'\n"
			    "set format x '%%g'\n");
		else
			fprintf(fp, "unset xlabel\nset format x ''\n");
		fprintf(fp, "set ylabel '%s (s)'\n", run->pol[i]);
		fprintf(fp, "plot ");
		gp_quoted(fp, tsv);
		fprintf(fp, " using 1:(strstrt(strcol(%zu), 'frozen') > 0 ? "
		    "NaN : (abs($%zu) > 1e-9 ? abs($%zu) : 1e-9)) skip 1 "
		    "with lines lw 1 lc %zu\n", evcol, j, j, i + 1);
	}
	fprintf(fp, "unset multiplot\n");
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
		snprintf(err, errlen, "the plot must be .svg or .png");
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
