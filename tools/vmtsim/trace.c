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
 * vmtsim trace parser: one line at a time, from a FILE or a memory
 * buffer.  The grammar is described in vmtsim(5).
 */

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

#define TRACE_ERR_MAX	1024

/* A token is quoted in messages only up to this many bytes. */
#define TOKQ		"%.64s"

struct trace {
	char		*name;
	FILE		*fp;		/* file source, or NULL */
	const unsigned char *mem;	/* memory source */
	size_t		memlen;
	size_t		mempos;
	unsigned long	line;		/* number of the line in buf */
	int		failed;
	char		errmsg[TRACE_ERR_MAX];
	struct trace_header hdr;
	size_t		metacap;
	unsigned long	kind_line;	/* 0 until "kind" is read */
	unsigned long	key_line[32];	/* first line of each header key */
	int		in_data;	/* the first event/sample was seen */
	struct trace_event *pend;	/* the event read ahead by open */
	int		have_pend;
	int64_t		last_at;	/* scenario: previous event time */
	int64_t		frozen_until;	/* end of the last suspend/freeze */
	unsigned long	poweroff_line;	/* 0 if no poweroff yet */
	unsigned long	nsamples;	/* recording */
	int64_t		last_guest;
	int64_t		last_host;
	char		buf[TRACE_LINE_MAX + 1];
};

/* --- errors --------------------------------------------------------------- */

char *
trace_escape(char *dst, size_t len, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;
	size_t n = 0;

	for (p = (const unsigned char *)src; *p != '\0'; p++) {
		if (*p >= 0x20 && *p < 0x7f && *p != '\\') {
			if (n + 1 >= len)
				break;
			dst[n++] = (char)*p;
		} else if (*p == '\\') {
			if (n + 2 >= len)
				break;
			dst[n++] = '\\';
			dst[n++] = '\\';
		} else {
			if (n + 4 >= len)
				break;
			dst[n++] = '\\';
			dst[n++] = 'x';
			dst[n++] = hex[*p >> 4];
			dst[n++] = hex[*p & 0xf];
		}
	}
	dst[n] = '\0';
	return dst;
}

/*
 * Every message is escaped as a whole, so that neither the file name
 * nor a quoted token can put control bytes on a terminal.
 */
static int __attribute__((__format__(__printf__, 2, 3)))
terr(struct trace *t, const char *fmt, ...)
{
	char raw[TRACE_ERR_MAX];
	va_list ap;
	int n;

	n = snprintf(raw, sizeof(raw), "%s:%lu: ", t->name, t->line);
	if (n < 0 || (size_t)n >= sizeof(raw))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(raw + n, sizeof(raw) - n, fmt, ap);
	va_end(ap);
	trace_escape(t->errmsg, sizeof(t->errmsg), raw);
	t->failed = 1;
	return -1;
}

static void
copy_err(char *err, size_t errlen, const char *msg)
{

	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", msg);
}

/* --- input ---------------------------------------------------------------- */

static int
src_getc(struct trace *t)
{

	if (t->fp != NULL)
		return getc(t->fp);
	if (t->mempos >= t->memlen)
		return EOF;
	return t->mem[t->mempos++];
}

/*
 * Read the next line into t->buf without its newline (and without a
 * CR before it).  Returns 1 for a line, 0 at the end of the input, -1
 * on error.
 */
static int
read_line(struct trace *t)
{
	size_t n = 0;
	int c;

	for (;;) {
		c = src_getc(t);
		if (c == EOF) {
			if (t->fp != NULL && ferror(t->fp)) {
				t->line++;
				return terr(t, "read error: %s",
				    strerror(errno));
			}
			if (n == 0)
				return 0;
			break;
		}
		if (c == '\n')
			break;
		if (c == '\0') {
			t->line++;
			return terr(t, "NUL byte in line");
		}
		if (n == TRACE_LINE_MAX) {
			t->line++;
			return terr(t, "line longer than %d bytes",
			    TRACE_LINE_MAX);
		}
		t->buf[n++] = (char)c;
	}
	t->line++;
	if (n > 0 && t->buf[n - 1] == '\r')
		n--;
	t->buf[n] = '\0';
	return 1;
}

static int
is_ws(int c)
{

	return c == ' ' || c == '\t';
}

/*
 * The next token at *pp, NUL-terminated in place, or NULL at the end
 * of the line or at a comment (a token starting with '#').
 */
static char *
next_tok(char **pp)
{
	char *p = *pp, *s;

	while (is_ws(*p))
		p++;
	if (*p == '\0' || *p == '#') {
		*pp = p;
		return NULL;
	}
	s = p;
	while (*p != '\0' && !is_ws(*p))
		p++;
	if (*p != '\0')
		*p++ = '\0';
	*pp = p;
	return s;
}

/*
 * The rest of the line, blanks trimmed at both ends; with
 * strip_comment, a '#' at the start of a word ends it.
 */
static char *
rest_of_line(char **pp, int strip_comment)
{
	char *p = *pp, *s, *e;

	while (is_ws(*p))
		p++;
	s = p;
	for (e = p; *e != '\0'; e++) {
		if (strip_comment && *e == '#' && (e == s || is_ws(e[-1])))
			break;
	}
	while (e > s && is_ws(e[-1]))
		e--;
	*e = '\0';
	*pp = e;
	return s;
}

static int
expect_end(struct trace *t, char **pp, const char *what)
{
	char *tok;

	if ((tok = next_tok(pp)) != NULL)
		return terr(t, "%s: unexpected argument '" TOKQ "'", what,
		    tok);
	return 0;
}

/* --- numbers -------------------------------------------------------------- */

static int
all_digits(const char *s)
{

	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

static int
parse_i64(const char *s, int64_t *v)
{
	char *end;
	long long x;

	if (!all_digits(s + (*s == '+' || *s == '-')))
		return -1;
	errno = 0;
	x = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*v = x;
	return 0;
}

static int
parse_u64(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long x;

	if (!all_digits(s))
		return -1;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*v = x;
	return 0;
}

/* Decimal floating point only: no hex, no inf, no nan, no overflow. */
static int
parse_dbl(const char *s, double *v)
{
	const char *q;
	char *end;
	double x;
	int digits = 0;

	for (q = s; *q != '\0'; q++) {
		if (isdigit((unsigned char)*q))
			digits = 1;
		else if (strchr("+-.eE", *q) == NULL)
			return -1;
	}
	if (!digits)
		return -1;
	errno = 0;
	x = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(x))
		return -1;
	*v = x;
	return 0;
}

/* A double in [lo, hi] (lo excluded if lo_open). */
static int
get_dbl(struct trace *t, const char *what, const char *tok, double lo,
    int lo_open, double hi, double *v)
{

	if (tok == NULL)
		return terr(t, "%s: missing value", what);
	if (parse_dbl(tok, v) != 0)
		return terr(t, "%s: bad number '" TOKQ "'", what, tok);
	if (*v < lo || (lo_open && *v == lo) || *v > hi)
		return terr(t, "%s: " TOKQ " out of range %s%g, %g]", what, tok,
		    lo_open ? "(" : "[", lo, hi);
	return 0;
}

/* An integer in [lo, hi]. */
static int
get_i64(struct trace *t, const char *what, const char *tok, int64_t lo,
    int64_t hi, int64_t *v)
{

	if (tok == NULL)
		return terr(t, "%s: missing value", what);
	if (parse_i64(tok, v) != 0)
		return terr(t, "%s: bad integer '" TOKQ "'", what, tok);
	if (*v < lo || *v > hi)
		return terr(t, "%s: " TOKQ " out of range [%lld, %lld]", what, tok,
		    (long long)lo, (long long)hi);
	return 0;
}

static int64_t
s_to_ns(double s)
{

	return (int64_t)llround(s * 1e9);
}

/* --- header --------------------------------------------------------------- */

#define K_SCN	(1u << TRACE_SCENARIO)
#define K_REC	(1u << TRACE_RECORDING)

/*
 * Value types: 'd' floating point, 'i' integer in [lo, hi], 'S' any
 * unsigned 64-bit integer (the seed).
 */
struct hkey {
	const char	*name;
	unsigned	bit;
	char		type;
	unsigned	kinds;
	double		lo;
	int		lo_open;
	double		hi;
};

static const struct hkey hkeys[] = {
	{ "duration_s", TRACE_HAVE_DURATION, 'd', K_SCN,
	    1e-9, 0, TRACE_MAX_DURATION_S },
	{ "osc_hz", TRACE_HAVE_OSC_HZ, 'i', K_SCN,
	    TRACE_MIN_OSC_HZ, 0, TRACE_MAX_OSC_HZ },
	{ "osc_bits", TRACE_HAVE_OSC_BITS, 'i', K_SCN,
	    16, 0, 32 },		/* NetBSD counters are u_int */
	{ "osc_ppm", TRACE_HAVE_OSC_PPM, 'd', K_SCN,
	    -TRACE_MAX_PPM, 0, TRACE_MAX_PPM },
	{ "osc_wander", TRACE_HAVE_WANDER, 'd', K_SCN,
	    0, 0, TRACE_MAX_WANDER },
	{ "osc_cycle_ppm", TRACE_HAVE_CYCLE_PPM, 'd', K_SCN,
	    -TRACE_MAX_CYCLE_PPM, 0, TRACE_MAX_CYCLE_PPM },
	{ "osc_cycle_period_s", TRACE_HAVE_CYCLE_PERIOD, 'd', K_SCN,
	    TRACE_MIN_CYCLE_PERIOD_S, 0, TRACE_MAX_DURATION_S },
	{ "jitter_us", TRACE_HAVE_JITTER, 'd', K_SCN,
	    0, 0, TRACE_MAX_JITTER_US },
	{ "max_time_lag_us", TRACE_HAVE_MAX_LAG, 'i', K_SCN | K_REC,
	    0, 0, (double)TRACE_MAX_LAG_US },
	{ "interrupt_lag_us", TRACE_HAVE_INT_LAG, 'i', K_SCN,
	    0, 0, (double)TRACE_MAX_LAG_US },
	{ "initial_offset_s", TRACE_HAVE_OFFSET, 'd', K_SCN,
	    -TRACE_MAX_OFFSET_S, 0, TRACE_MAX_OFFSET_S },
	{ "synctime", TRACE_HAVE_SYNCTIME, 'i', K_SCN,
	    0, 0, 1 },
	{ "seed", TRACE_HAVE_SEED, 'S', K_SCN,
	    0, 0, 0 },
	{ "counter_hz", TRACE_HAVE_COUNTER_HZ, 'i', K_REC,
	    TRACE_MIN_OSC_HZ, 0, TRACE_MAX_OSC_HZ },
	/* The noise of a backdoor call, for either kind of trace. */
	{ "read_error_us", TRACE_HAVE_READ_ERROR, 'd', K_SCN | K_REC,
	    0, 0, TRACE_MAX_NOISE_US },
	{ "read_outlier_prob", TRACE_HAVE_OUTLIER_PROB, 'd', K_SCN | K_REC,
	    0, 0, 1 },
	{ "read_outlier_us", TRACE_HAVE_OUTLIER_US, 'd', K_SCN | K_REC,
	    0, 0, TRACE_MAX_NOISE_US },
	{ "call_us", TRACE_HAVE_CALL_US, 'd', K_SCN | K_REC,
	    0, 0, TRACE_MAX_NOISE_US },
	{ "call_jitter_us", TRACE_HAVE_CALL_JITTER, 'd', K_SCN | K_REC,
	    0, 0, TRACE_MAX_NOISE_US },
	{ "call_asym", TRACE_HAVE_CALL_ASYM, 'd', K_SCN | K_REC,
	    -1, 0, 1 },
	{ "stall_prob", TRACE_HAVE_STALL_PROB, 'd', K_SCN | K_REC,
	    0, 0, 1 },
	{ "stall_ms", TRACE_HAVE_STALL_MS, 'd', K_SCN | K_REC,
	    0, 0, TRACE_MAX_STALL_MS },
	{ "stall_max_ms", TRACE_HAVE_STALL_MAX, 'd', K_SCN | K_REC,
	    0, 0, TRACE_MAX_STALL_MS },
	/* The host clock and the VMM's catch-up: scenarios only. */
	{ "host_ppm", TRACE_HAVE_HOST_PPM, 'd', K_SCN,
	    -TRACE_MAX_PPM, 0, TRACE_MAX_PPM },
	{ "host_wander", TRACE_HAVE_HOST_WANDER, 'd', K_SCN,
	    0, 0, TRACE_MAX_WANDER },
	{ "catchup_ppm", TRACE_HAVE_CATCHUP_PPM, 'd', K_SCN,
	    0, 0, TRACE_MAX_CATCHUP_PPM },
	{ "catchup_max_s", TRACE_HAVE_CATCHUP_MAX, 'd', K_SCN,
	    0, 0, TRACE_MAX_DURATION_S },
	/* What the host has and pushes. */
	{ "precision_clock", TRACE_HAVE_PCLK, 'i', K_SCN | K_REC,
	    0, 0, 1 },
	{ "tools_startup", TRACE_HAVE_TOOLS_STARTUP, 'i', K_SCN,
	    0, 0, 1 },
	{ "tools_startup_backward", TRACE_HAVE_TOOLS_BACK, 'i', K_SCN,
	    0, 0, 1 },
};
#define NHKEYS	(sizeof(hkeys) / sizeof(hkeys[0]))
_Static_assert(NHKEYS <= sizeof(((struct trace *)0)->key_line) /
    sizeof(unsigned long), "key_line[] holds every header key");

static const char *
kind_name(enum trace_kind k)
{

	return k == TRACE_SCENARIO ? "scenario" : "recording";
}

static void
header_defaults(struct trace_header *h)
{

	memset(h, 0, sizeof(*h));
	h->osc_hz = TRACE_DEF_OSC_HZ;
	h->osc_bits = TRACE_DEF_OSC_BITS;
	h->osc_cycle_period_s = TRACE_DEF_CYCLE_PERIOD_S;
	h->max_time_lag_us = TRACE_DEF_MAX_TIME_LAG_US;
	h->call_us = TRACE_DEF_CALL_US;
	h->stall_max_ms = TRACE_DEF_STALL_MAX_MS;
	h->catchup_max_s = TRACE_DEF_CATCHUP_MAX_S;
	h->synctime = 1;
	h->tools_startup = -1;
	h->tools_startup_backward = -1;
	h->seed = TRACE_DEF_SEED;
}

static const struct hkey *
find_hkey(const char *name, size_t *idx)
{
	size_t i;

	for (i = 0; i < NHKEYS; i++) {
		if (strcmp(hkeys[i].name, name) == 0) {
			*idx = i;
			return &hkeys[i];
		}
	}
	return NULL;
}

/* Store a parsed value into its header field. */
static void
store_hkey(struct trace_header *h, unsigned bit, double d, int64_t i,
    uint64_t u)
{

	switch (bit) {
	case TRACE_HAVE_DURATION:	h->duration_s = d; break;
	case TRACE_HAVE_OSC_HZ:		h->osc_hz = (uint64_t)i; break;
	case TRACE_HAVE_OSC_BITS:	h->osc_bits = (unsigned)i; break;
	case TRACE_HAVE_OSC_PPM:	h->osc_ppm = d; break;
	case TRACE_HAVE_WANDER:		h->osc_wander = d; break;
	case TRACE_HAVE_CYCLE_PPM:	h->osc_cycle_ppm = d; break;
	case TRACE_HAVE_CYCLE_PERIOD:	h->osc_cycle_period_s = d; break;
	case TRACE_HAVE_JITTER:		h->jitter_us = d; break;
	case TRACE_HAVE_MAX_LAG:	h->max_time_lag_us = i; break;
	case TRACE_HAVE_INT_LAG:	h->interrupt_lag_us = i; break;
	case TRACE_HAVE_OFFSET:		h->initial_offset_s = d; break;
	case TRACE_HAVE_SYNCTIME:	h->synctime = (int)i; break;
	case TRACE_HAVE_SEED:		h->seed = u; break;
	case TRACE_HAVE_READ_ERROR:	h->read_error_us = d; break;
	case TRACE_HAVE_OUTLIER_PROB:	h->read_outlier_prob = d; break;
	case TRACE_HAVE_OUTLIER_US:	h->read_outlier_us = d; break;
	case TRACE_HAVE_CALL_US:	h->call_us = d; break;
	case TRACE_HAVE_CALL_JITTER:	h->call_jitter_us = d; break;
	case TRACE_HAVE_CALL_ASYM:	h->call_asym = d; break;
	case TRACE_HAVE_STALL_PROB:	h->stall_prob = d; break;
	case TRACE_HAVE_STALL_MS:	h->stall_ms = d; break;
	case TRACE_HAVE_STALL_MAX:	h->stall_max_ms = d; break;
	case TRACE_HAVE_HOST_PPM:	h->host_ppm = d; break;
	case TRACE_HAVE_HOST_WANDER:	h->host_wander = d; break;
	case TRACE_HAVE_CATCHUP_PPM:	h->catchup_ppm = d; break;
	case TRACE_HAVE_CATCHUP_MAX:	h->catchup_max_s = d; break;
	case TRACE_HAVE_PCLK:		h->precision_clock = (int)i; break;
	case TRACE_HAVE_TOOLS_STARTUP:	h->tools_startup = (int)i; break;
	case TRACE_HAVE_TOOLS_BACK:	h->tools_startup_backward = (int)i; break;
	case TRACE_HAVE_COUNTER_HZ:
		/* The counter frequency is the oscillator's nominal one. */
		h->counter_hz = h->osc_hz = (uint64_t)i;
		break;
	}
}

/* Parse the value of a header key and store it. */
static int
set_hkey(struct trace *t, const struct hkey *k, const char *tok)
{
	double d = 0;
	int64_t i = 0;
	uint64_t u = 0;

	if (k->type == 'd') {
		if (get_dbl(t, k->name, tok, k->lo, k->lo_open, k->hi, &d))
			return -1;
	} else if (k->type == 'S') {
		if (tok == NULL)
			return terr(t, "%s: missing value", k->name);
		if (parse_u64(tok, &u) != 0)
			return terr(t, "%s: bad unsigned integer '" TOKQ "'",
			    k->name, tok);
	} else if (get_i64(t, k->name, tok, (int64_t)k->lo, (int64_t)k->hi,
	    &i) != 0)
		return -1;
	store_hkey(&t->hdr, k->bit, d, i, u);
	return 0;
}

static int
parse_hkey(struct trace *t, const char *name, char **pp)
{
	const struct hkey *k;
	size_t idx;
	char *tok;

	if ((k = find_hkey(name, &idx)) == NULL)
		return terr(t, "unknown directive '" TOKQ "'", name);
	if ((k->kinds & (1u << t->hdr.kind)) == 0)
		return terr(t, "%s is not allowed in a %s", name,
		    kind_name(t->hdr.kind));
	if (t->in_data)
		return terr(t, "header directive %s after the first %s", name,
		    t->hdr.kind == TRACE_SCENARIO ? "event" : "sample");
	if (t->key_line[idx] != 0)
		return terr(t, "duplicate %s (first on line %lu)", name,
		    t->key_line[idx]);
	tok = next_tok(pp);
	if (set_hkey(t, k, tok) != 0 || expect_end(t, pp, name) != 0)
		return -1;
	t->key_line[idx] = t->line;
	t->hdr.have |= k->bit;
	if (k->bit == TRACE_HAVE_DURATION)
		t->hdr.duration_ns = s_to_ns(t->hdr.duration_s);
	return 0;
}

static int
parse_kind(struct trace *t, char **pp)
{
	char *tok;

	tok = next_tok(pp);
	if (tok != NULL && strcmp(tok, "scenario") == 0)
		t->hdr.kind = TRACE_SCENARIO;
	else if (tok != NULL && strcmp(tok, "recording") == 0)
		t->hdr.kind = TRACE_RECORDING;
	else
		return terr(t, "kind: expected 'scenario' or 'recording'");
	if (expect_end(t, pp, "kind") != 0)
		return -1;
	t->kind_line = t->line;
	return 0;
}

/* "meta" text runs to the end of the line, '#' included. */
static int
parse_meta(struct trace *t, char **pp)
{
	char *text, **nm;
	size_t cap;

	if (t->hdr.kind != TRACE_RECORDING)
		return terr(t, "meta is not allowed in a scenario");
	text = rest_of_line(pp, 0);
	/* Meta lines after the first sample are accepted and not kept. */
	if (t->in_data)
		return 0;
	if (t->hdr.nmeta == TRACE_MAX_META)
		return terr(t, "meta: more than %d lines before the first "
		    "sample", TRACE_MAX_META);
	if (t->hdr.nmeta == t->metacap) {
		cap = t->metacap == 0 ? 8 : t->metacap * 2;
		nm = realloc(t->hdr.meta, cap * sizeof(*nm));
		if (nm == NULL)
			return terr(t, "out of memory");
		t->hdr.meta = nm;
		t->metacap = cap;
	}
	if ((t->hdr.meta[t->hdr.nmeta] = strdup(text)) == NULL)
		return terr(t, "out of memory");
	t->hdr.nmeta++;
	return 0;
}

/* The header is complete: check what must be there. */
static int
end_header(struct trace *t)
{

	const struct trace_header *h = &t->hdr;

	if (h->kind == TRACE_SCENARIO && (h->have & TRACE_HAVE_DURATION) == 0)
		return terr(t, "duration_s missing (it is required)");
	/* The obsolete jitter has its own read point: see vmtsim(5). */
	if (h->jitter_us > 0 && (h->have & (TRACE_HAVE_CALL_JITTER |
	    TRACE_HAVE_CALL_ASYM)) != 0)
		return terr(t, "jitter_us cannot be combined with "
		    "call_jitter_us or call_asym");
	if (h->stall_max_ms < h->stall_ms)
		return terr(t, "stall_max_ms %g is below stall_ms %g",
		    h->stall_max_ms, h->stall_ms);
	return 0;
}

/* --- scenario events ------------------------------------------------------ */

/* Split "key=value" in place. */
static int
split_kv(struct trace *t, const char *what, char *tok, char **val)
{
	char *eq;

	if ((eq = strchr(tok, '=')) == NULL || eq == tok)
		return terr(t, "%s: expected key=value, got '" TOKQ "'", what,
		    tok);
	*eq = '\0';
	*val = eq + 1;
	return 0;
}

static int
pick(struct trace *t, const char *what, const char *val,
    const char *const *names, int *out)
{
	int i;

	for (i = 0; names[i] != NULL; i++) {
		if (strcmp(names[i], val) == 0) {
			*out = i;
			return 0;
		}
	}
	return terr(t, "%s: bad value '" TOKQ "'", what, val);
}

/* A freeze or suspend duration; the freeze must end by the end. */
static int
get_freeze_dur(struct trace *t, const char *what, char **pp, int64_t at,
    int64_t *dur)
{
	double d;

	if (get_dbl(t, what, next_tok(pp), 0, 1, TRACE_MAX_DURATION_S, &d))
		return -1;
	*dur = s_to_ns(d);
	if (*dur < 1)
		return terr(t, "%s: duration shorter than 1 ns", what);
	if (at < t->frozen_until)
		return terr(t, "%s while the guest is still frozen "
		    "(until %.9g s)", what, t->frozen_until / 1e9);
	if (*dur > t->hdr.duration_ns - at)
		return terr(t, "%s ends at %.9g s, after the end of the "
		    "scenario (%.9g s)", what, (at + *dur) / 1e9,
		    t->hdr.duration_s);
	return 0;
}

static int
ev_suspend(struct trace *t, char **pp, struct trace_event *ev)
{
	static const char *const msgs[] = { "none", "suspend", "resume",
	    "all", NULL };
	char *tok, *val = NULL;
	int m = 0, seen = 0;

	if (get_freeze_dur(t, "suspend", pp, ev->at_ns,
	    &ev->u.suspend.dur_ns) != 0)
		return -1;
	ev->u.suspend.msgs = TRACE_MSG_ALL;
	while ((tok = next_tok(pp)) != NULL) {
		if (split_kv(t, "suspend", tok, &val) != 0)
			return -1;
		if (strcmp(tok, "messages") != 0)
			return terr(t, "suspend: unknown key '" TOKQ "'", tok);
		if (seen++)
			return terr(t, "suspend: duplicate key messages");
		if (pick(t, "suspend messages", val, msgs, &m) != 0)
			return -1;
		/* The table order matches the TRACE_MSG_* bits. */
		ev->u.suspend.msgs = (unsigned)m;
	}
	t->frozen_until = ev->at_ns + ev->u.suspend.dur_ns;
	return 0;
}

static int
ev_freeze(struct trace *t, char **pp, struct trace_event *ev)
{
	char *tok, *val = NULL;

	if (get_freeze_dur(t, "freeze", pp, ev->at_ns,
	    &ev->u.freeze.dur_ns) != 0)
		return -1;
	ev->u.freeze.has_ppm = 0;
	ev->u.freeze.ppm = 0;
	while ((tok = next_tok(pp)) != NULL) {
		if (split_kv(t, "freeze", tok, &val) != 0)
			return -1;
		if (strcmp(tok, "ppm") != 0)
			return terr(t, "freeze: unknown key '" TOKQ "'", tok);
		if (ev->u.freeze.has_ppm)
			return terr(t, "freeze: duplicate key ppm");
		if (get_dbl(t, "freeze ppm", val, -TRACE_MAX_PPM, 0,
		    TRACE_MAX_PPM, &ev->u.freeze.ppm) != 0)
			return -1;
		ev->u.freeze.has_ppm = 1;
	}
	t->frozen_until = ev->at_ns + ev->u.freeze.dur_ns;
	return 0;
}

static int
ev_rate(struct trace *t, char **pp, struct trace_event *ev)
{

	if (get_dbl(t, "rate", next_tok(pp), -TRACE_MAX_PPM, 0, TRACE_MAX_PPM,
	    &ev->u.rate.ppm) != 0)
		return -1;
	return expect_end(t, pp, "rate");
}

static int
ev_host_step(struct trace *t, char **pp, struct trace_event *ev)
{
	double s;

	if (get_dbl(t, "host_step", next_tok(pp), -TRACE_MAX_HOST_STEP_S, 0,
	    TRACE_MAX_HOST_STEP_S, &s) != 0)
		return -1;
	ev->u.host_step.step_ns = s_to_ns(s);
	return expect_end(t, pp, "host_step");
}

static int
ev_host_slew(struct trace *t, char **pp, struct trace_event *ev)
{
	char *tok, *val = NULL;
	double s;

	if (get_dbl(t, "host_slew", next_tok(pp), -TRACE_MAX_HOST_SLEW_S, 0,
	    TRACE_MAX_HOST_SLEW_S, &s) != 0)
		return -1;
	ev->u.host_slew.amount_ns = s_to_ns(s);
	ev->u.host_slew.ppm = TRACE_DEF_HOST_SLEW_PPM;
	if ((tok = next_tok(pp)) != NULL) {
		if (split_kv(t, "host_slew", tok, &val) != 0)
			return -1;
		if (strcmp(tok, "ppm") != 0)
			return terr(t, "host_slew: unknown key '" TOKQ "'", tok);
		if (get_dbl(t, "host_slew ppm", val, 0, 1,
		    TRACE_MAX_HOST_SLEW_PPM, &ev->u.host_slew.ppm) != 0)
			return -1;
	}
	return expect_end(t, pp, "host_slew");
}

static int
ev_set_option(struct trace *t, char **pp, struct trace_event *ev)
{
	char *name, *value;

	name = next_tok(pp);
	value = name != NULL ? next_tok(pp) : NULL;
	if (value == NULL)
		return terr(t, "set_option: expected <name> <value>");
	if (expect_end(t, pp, "set_option") != 0)
		return -1;
	/* Both fit: they came from one line of at most TRACE_LINE_MAX. */
	snprintf(ev->text, sizeof(ev->text), "%s %s", name, value);
	ev->u.set_option.name_len = strlen(name);
	return 0;
}

static int
get_bool(struct trace *t, const char *what, const char *tok, int *v)
{
	int64_t x;

	if (get_i64(t, what, tok, 0, 1, &x) != 0)
		return -1;
	*v = (int)x;
	return 0;
}

static int
ev_time_sync(struct trace *t, char **pp, struct trace_event *ev)
{

	if (get_bool(t, "time_synchronize", next_tok(pp),
	    &ev->u.time_sync.value) != 0)
		return -1;
	return expect_end(t, pp, "time_synchronize");
}

static int
ev_tclo(struct trace *t, char **pp, struct trace_event *ev)
{
	char *text;

	text = rest_of_line(pp, 1);
	if (*text == '\0')
		return terr(t, "tclo: missing command text");
	snprintf(ev->text, sizeof(ev->text), "%s", text);
	return 0;
}

static int
ev_checkbox(struct trace *t, char **pp, struct trace_event *ev)
{
	char *tok, *val = NULL;
	int seen = 0;

	if (get_bool(t, "checkbox", next_tok(pp), &ev->u.checkbox.value))
		return -1;
	ev->u.checkbox.push = 1;
	while ((tok = next_tok(pp)) != NULL) {
		if (split_kv(t, "checkbox", tok, &val) != 0)
			return -1;
		if (strcmp(tok, "push") != 0)
			return terr(t, "checkbox: unknown key '" TOKQ "'", tok);
		if (seen++)
			return terr(t, "checkbox: duplicate key push");
		if (get_bool(t, "checkbox push", val, &ev->u.checkbox.push))
			return -1;
	}
	return 0;
}

static int
ev_cpt(struct trace *t, char **pp, struct trace_event *ev)
{
	static const char *const chans[] = { "rpci", "tclo", NULL };
	static const char *const dirs[] = { "send", "recv", NULL };
	static const char *const steps[] = { "payload", "hb", "status", NULL };
	static const char *const keys[] = { "channel", "dir", "step", "count",
	    NULL };
	char *tok, *val = NULL;
	int k = 0, v = 0, seen[4] = { 0, 0, 0, 0 };
	int64_t n;

	ev->u.cpt.count = 1;
	while ((tok = next_tok(pp)) != NULL) {
		if (split_kv(t, "cpt", tok, &val) != 0)
			return -1;
		if (pick(t, "cpt key", tok, keys, &k) != 0)
			return -1;
		if (seen[k]++)
			return terr(t, "cpt: duplicate key %s", keys[k]);
		if (k == 3) {
			if (get_i64(t, "cpt count", val, 1, TRACE_MAX_COUNT,
			    &n) != 0)
				return -1;
			ev->u.cpt.count = (unsigned)n;
			continue;
		}
		if (pick(t, keys[k], val, k == 0 ? chans : k == 1 ? dirs :
		    steps, &v) != 0)
			return -1;
		if (k == 0)
			ev->u.cpt.chan = (enum trace_chan)v;
		else if (k == 1)
			ev->u.cpt.dir = (enum trace_dir)v;
		else
			ev->u.cpt.step = (enum trace_step)v;
	}
	for (k = 0; k < 3; k++)
		if (!seen[k])
			return terr(t, "cpt: missing %s=", keys[k]);
	/* A send ends with its payload: only a receive has a status step. */
	if (ev->u.cpt.dir == TRACE_DIR_SEND &&
	    ev->u.cpt.step == TRACE_STEP_STATUS)
		return terr(t, "cpt: step=status is the end of a receive; a "
		    "send has no status step (use dir=recv)");
	return 0;
}

static int
ev_drop(struct trace *t, char **pp, struct trace_event *ev)
{
	int64_t n;

	if (get_i64(t, "drop", next_tok(pp), 1, TRACE_MAX_COUNT, &n) != 0)
		return -1;
	ev->u.drop.count = (unsigned)n;
	return expect_end(t, pp, "drop");
}

static int
ev_poweroff(struct trace *t, char **pp, struct trace_event *ev)
{

	if (expect_end(t, pp, "poweroff") != 0)
		return -1;
	t->poweroff_line = t->line;
	return 0;
}

static const struct evdesc {
	const char	*name;
	enum trace_ev_type type;
	int		(*parse)(struct trace *, char **, struct trace_event *);
} evdescs[] = {
	{ "suspend",		TRACE_EV_SUSPEND,	ev_suspend },
	{ "freeze",		TRACE_EV_FREEZE,	ev_freeze },
	{ "rate",		TRACE_EV_RATE,		ev_rate },
	{ "host_step",		TRACE_EV_HOST_STEP,	ev_host_step },
	{ "host_slew",		TRACE_EV_HOST_SLEW,	ev_host_slew },
	{ "set_option",		TRACE_EV_SET_OPTION,	ev_set_option },
	{ "time_synchronize",	TRACE_EV_TIME_SYNC,	ev_time_sync },
	{ "tclo",		TRACE_EV_TCLO,		ev_tclo },
	{ "checkbox",		TRACE_EV_CHECKBOX,	ev_checkbox },
	{ "cpt",		TRACE_EV_CPT,		ev_cpt },
	{ "drop",		TRACE_EV_DROP,		ev_drop },
	{ "poweroff",		TRACE_EV_POWEROFF,	ev_poweroff },
};
#define NEVDESCS	(sizeof(evdescs) / sizeof(evdescs[0]))

const char *
trace_ev_name(enum trace_ev_type type)
{
	size_t i;

	if (type == TRACE_EV_SAMPLE)
		return "sample";
	for (i = 0; i < NEVDESCS; i++)
		if (evdescs[i].type == type)
			return evdescs[i].name;
	return "?";
}

static int
parse_at(struct trace *t, char **pp, struct trace_event *ev)
{
	const struct evdesc *d = NULL;
	char *tok, *name;
	double s;
	size_t i;

	if (t->hdr.kind != TRACE_SCENARIO)
		return terr(t, "'at' events are not allowed in a recording");
	if (!t->in_data && end_header(t) != 0)
		return -1;
	t->in_data = 1;
	if (t->poweroff_line != 0)
		return terr(t, "event after poweroff (line %lu)",
		    t->poweroff_line);
	tok = next_tok(pp);
	if (get_dbl(t, "at", tok, 0, 0, 2 * TRACE_MAX_DURATION_S, &s) != 0)
		return -1;
	ev->at_ns = s_to_ns(s);
	if (ev->at_ns > t->hdr.duration_ns)
		return terr(t, "event at %s s after the end of the scenario "
		    "(duration_s %.9g)", tok, t->hdr.duration_s);
	if (ev->at_ns < t->last_at)
		return terr(t, "event at %s s before the previous one "
		    "(%.9g s)", tok, t->last_at / 1e9);
	if ((name = next_tok(pp)) == NULL)
		return terr(t, "at: missing event name");
	for (i = 0; i < NEVDESCS; i++)
		if (strcmp(evdescs[i].name, name) == 0)
			d = &evdescs[i];
	if (d == NULL)
		return terr(t, "unknown event '" TOKQ "'", name);
	ev->type = d->type;
	ev->line = t->line;
	if (d->parse(t, pp, ev) != 0)
		return -1;
	t->last_at = ev->at_ns;
	return 0;
}

/* --- recording samples ---------------------------------------------------- */

static int
parse_sample(struct trace *t, char **pp, struct trace_event *ev)
{
	int64_t g, h, lag = -1;
	char *tok;

	if (t->hdr.kind != TRACE_RECORDING)
		return terr(t, "'sample' is not allowed in a scenario");
	if (!t->in_data && end_header(t) != 0)
		return -1;
	t->in_data = 1;
	if (get_i64(t, "sample guest_ns", next_tok(pp), 0, INT64_MAX, &g) ||
	    get_i64(t, "sample host_ns", next_tok(pp), 0, INT64_MAX, &h))
		return -1;
	if ((tok = next_tok(pp)) != NULL &&
	    get_i64(t, "sample lag_us", tok, 0, TRACE_MAX_LAG_US, &lag) != 0)
		return -1;
	if (expect_end(t, pp, "sample") != 0)
		return -1;
	if (t->nsamples > 0 && g <= t->last_guest)
		return terr(t, "sample: guest_ns %lld not after the previous "
		    "sample's %lld", (long long)g, (long long)t->last_guest);
	if (t->nsamples > 0 && h <= t->last_host)
		return terr(t, "sample: host_ns %lld not after the previous "
		    "sample's %lld", (long long)h, (long long)t->last_host);
	t->nsamples++;
	t->last_guest = g;
	t->last_host = h;
	ev->type = TRACE_EV_SAMPLE;
	ev->line = t->line;
	ev->at_ns = 0;
	ev->u.sample.guest_ns = g;
	ev->u.sample.host_ns = h;
	ev->u.sample.lag_us = lag;
	return 0;
}

/* --- the line loop -------------------------------------------------------- */

/* One directive line; 1 if it produced *ev, 0 if not, -1 on error. */
static int
parse_line(struct trace *t, struct trace_event *ev)
{
	char *p = t->buf, *tok;

	if ((tok = next_tok(&p)) == NULL)
		return 0;
	if (t->kind_line == 0) {
		if (strcmp(tok, "kind") != 0)
			return terr(t, "'" TOKQ "' before the kind directive "
			    "(expected 'kind scenario' or 'kind recording')",
			    tok);
		return parse_kind(t, &p);
	}
	if (strcmp(tok, "kind") == 0)
		return terr(t, "duplicate kind (first on line %lu)",
		    t->kind_line);
	if (strcmp(tok, "at") == 0)
		return parse_at(t, &p, ev) != 0 ? -1 : 1;
	if (strcmp(tok, "sample") == 0)
		return parse_sample(t, &p, ev) != 0 ? -1 : 1;
	if (strcmp(tok, "meta") == 0)
		return parse_meta(t, &p);
	return parse_hkey(t, tok, &p);
}

/* Lines up to the next event: 1 with *ev, 0 at the end, -1 on error. */
static int
parse_until_event(struct trace *t, struct trace_event *ev)
{
	int r;

	for (;;) {
		if ((r = read_line(t)) <= 0)
			return r;
		if ((r = parse_line(t, ev)) != 0)
			return r;
	}
}

/* --- public --------------------------------------------------------------- */

void
trace_close(struct trace *t)
{
	size_t i;

	if (t == NULL)
		return;
	if (t->fp != NULL)
		fclose(t->fp);
	for (i = 0; i < t->hdr.nmeta; i++)
		free(t->hdr.meta[i]);
	free(t->hdr.meta);
	free(t->pend);
	free(t->name);
	free(t);
}

static struct trace *
trace_alloc(const char *name, char *err, size_t errlen)
{
	struct trace *t;

	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->name = strdup(name)) == NULL ||
	    (t->pend = malloc(sizeof(*t->pend))) == NULL) {
		copy_err(err, errlen, "out of memory");
		if (t != NULL)
			free(t->name);
		free(t);
		return NULL;
	}
	header_defaults(&t->hdr);
	return t;
}

/* Read the version line and the header, keeping the first event. */
static int
trace_start(struct trace *t)
{
	int r;

	if ((r = read_line(t)) < 0)
		return -1;
	if (r == 0) {
		t->line = 1;
		return terr(t, "empty file (expected '%s')",
		    TRACE_VERSION_LINE);
	}
	if (strcmp(t->buf, TRACE_VERSION_LINE) != 0)
		return terr(t, "bad version line (expected '%s')",
		    TRACE_VERSION_LINE);
	if ((r = parse_until_event(t, t->pend)) < 0)
		return -1;
	t->have_pend = r;
	if (r == 1)
		return 0;
	if (t->kind_line == 0)
		return terr(t, "no kind directive");
	if (t->hdr.kind == TRACE_RECORDING)
		return terr(t, "recording has no samples");
	return end_header(t);
}

static struct trace *
trace_finish_open(struct trace *t, char *err, size_t errlen)
{

	if (trace_start(t) != 0) {
		copy_err(err, errlen, t->errmsg);
		trace_close(t);
		return NULL;
	}
	return t;
}

struct trace *
trace_open(const char *path, char *err, size_t errlen)
{
	struct trace *t;

	if ((t = trace_alloc(path, err, errlen)) == NULL)
		return NULL;
	if ((t->fp = fopen(path, "r")) == NULL) {
		char q[TRACE_ERR_MAX];

		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: %s",
			    trace_escape(q, sizeof(q), path), strerror(errno));
		trace_close(t);
		return NULL;
	}
	return trace_finish_open(t, err, errlen);
}

struct trace *
trace_open_mem(const void *buf, size_t len, const char *name, char *err,
    size_t errlen)
{
	struct trace *t;

	if ((t = trace_alloc(name, err, errlen)) == NULL)
		return NULL;
	t->mem = buf;
	t->memlen = len;
	return trace_finish_open(t, err, errlen);
}

const struct trace_header *
trace_header(const struct trace *t)
{

	return &t->hdr;
}

const char *
trace_name(const struct trace *t)
{

	return t->name;
}

int
trace_next(struct trace *t, struct trace_event *ev, char *err, size_t errlen)
{
	int r;

	if (t->failed) {
		copy_err(err, errlen, t->errmsg);
		return -1;
	}
	if (t->have_pend) {
		t->have_pend = 0;
		memcpy(ev, t->pend, offsetof(struct trace_event, text));
		if (ev->type == TRACE_EV_SET_OPTION ||
		    ev->type == TRACE_EV_TCLO)
			memcpy(ev->text, t->pend->text, sizeof(ev->text));
		return 1;
	}
	if ((r = parse_until_event(t, ev)) < 0)
		copy_err(err, errlen, t->errmsg);
	return r;
}

int
trace_validate_span(const char *path, int64_t *span_ns, char *err,
    size_t errlen)
{
	struct trace_event *ev;
	struct trace *t;
	int64_t first = -1, last = 0;
	int r;

	if ((t = trace_open(path, err, errlen)) == NULL)
		return -1;
	if ((ev = malloc(sizeof(*ev))) == NULL) {
		copy_err(err, errlen, "out of memory");
		trace_close(t);
		return -1;
	}
	while ((r = trace_next(t, ev, err, errlen)) > 0) {
		if (ev->type != TRACE_EV_SAMPLE)
			continue;
		if (first < 0)
			first = ev->u.sample.host_ns;
		last = ev->u.sample.host_ns;
	}
	if (span_ns != NULL)
		*span_ns = t->hdr.kind == TRACE_SCENARIO ? t->hdr.duration_ns :
		    first < 0 ? 0 : last - first;
	free(ev);
	trace_close(t);
	return r;
}

int
trace_validate(const char *path, char *err, size_t errlen)
{

	return trace_validate_span(path, NULL, err, errlen);
}
