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
 * Tests of the trace parser (trace.h), the clock model (scenario.h)
 * and the trace generator (gen.h).
 */

#include <atf-c.h>
#include <dirent.h>
#include <malloc.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmtsim/gen.h"
#include "vmtsim/scenario.h"
#include "vmtsim/trace.h"

#ifndef SRCDIR
#error "SRCDIR must name the source tree"
#endif
#define TRACEDIR	SRCDIR "/tools/vmtsim/traces"
#define NS		1000000000LL

/*
 * libatf-c does not free its list of test cases, so LeakSanitizer
 * (make test SANITIZE=1) would fail every run at exit; ignore leaks
 * from that library, and only from it.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_options(void);

/* kyua rejects a test case list that comes with anything on stderr. */
const char *
__lsan_default_options(void)
{

	return "print_suppressions=0";
}

const char *
__lsan_default_suppressions(void)
{

	return "leak:libatf-c.so\n";
}

static const char *const bundled[] = {
	"steady", "suspend", "cpt-suspend", "host-disabled", "guest-ahead",
	"host-step", "thermal", "vmotion", "year", "noise-read", "noise-call",
	"noise-stall", "host-clock", "catchup", "lag", NULL
};

static char errbuf[1024];

static const char *
trace_path(const char *name)
{
	static char path[1024];

	snprintf(path, sizeof(path), "%s/%s.trace", TRACEDIR, name);
	return path;
}

/* Parse a whole in-memory trace: 0 if valid, -1 with errbuf set. */
static int
parse_mem(const char *text, size_t len)
{
	struct trace_event *ev;
	struct trace *t;
	int r;

	if ((t = trace_open_mem(text, len, "mem", errbuf,
	    sizeof(errbuf))) == NULL)
		return -1;
	ATF_REQUIRE((ev = malloc(sizeof(*ev))) != NULL);
	while ((r = trace_next(t, ev, errbuf, sizeof(errbuf))) > 0)
		continue;
	free(ev);
	trace_close(t);
	return r;
}

static struct scn *
scn_mem(const char *text, const uint64_t *seed)
{
	struct trace *t;
	struct scn *s;

	t = trace_open_mem(text, strlen(text), "mem", errbuf, sizeof(errbuf));
	ATF_REQUIRE_MSG(t != NULL, "%s", errbuf);
	s = scn_open(t, seed, errbuf, sizeof(errbuf));
	ATF_REQUIRE_MSG(s != NULL, "%s", errbuf);
	return s;
}

static int
next_seg(struct scn *s, struct scn_seg *seg)
{
	int r;

	r = scn_next(s, seg, errbuf, sizeof(errbuf));
	ATF_REQUIRE_MSG(r >= 0, "%s", errbuf);
	return r;
}

/* --- bundled traces ------------------------------------------------------- */

ATF_TC(bundled_traces_parse);
ATF_TC_HEAD(bundled_traces_parse, tc)
{

	atf_tc_set_md_var(tc, "descr",
	    "Every bundled trace exists and parses completely");
}
ATF_TC_BODY(bundled_traces_parse, tc)
{
	struct dirent *de;
	DIR *d;
	size_t i, n = 0, len;
	char path[1024];

	for (i = 0; bundled[i] != NULL; i++)
		ATF_CHECK_MSG(trace_validate(trace_path(bundled[i]), errbuf,
		    sizeof(errbuf)) == 0, "%s", errbuf);
	/* Any other trace someone adds must parse too. */
	ATF_REQUIRE((d = opendir(TRACEDIR)) != NULL);
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 7 || strcmp(de->d_name + len - 6, ".trace") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", TRACEDIR, de->d_name);
		ATF_CHECK_MSG(trace_validate(path, errbuf, sizeof(errbuf)) ==
		    0, "%s", errbuf);
		n++;
	}
	closedir(d);
	ATF_CHECK(n >= 15);
}

ATF_TC(bundled_traces_content);
ATF_TC_HEAD(bundled_traces_content, tc)
{

	atf_tc_set_md_var(tc, "descr",
	    "The bundled traces say what their documentation says");
}
ATF_TC_BODY(bundled_traces_content, tc)
{
	const struct trace_header *h;
	struct trace *t;

	t = trace_open(trace_path("steady"), errbuf, sizeof(errbuf));
	ATF_REQUIRE_MSG(t != NULL, "%s", errbuf);
	h = trace_header(t);
	ATF_CHECK_EQ(h->kind, TRACE_SCENARIO);
	ATF_CHECK_EQ(h->duration_ns, 86400 * NS);
	ATF_CHECK_EQ(h->osc_ppm, 100);
	ATF_CHECK_EQ(h->osc_wander, 1e-9);
	ATF_CHECK_EQ(h->initial_offset_s, 0.1);
	/* The realistic noise block, not the obsolete jitter. */
	ATF_CHECK_EQ(h->jitter_us, 0);
	ATF_CHECK_EQ(h->read_error_us, 5);
	ATF_CHECK_EQ(h->read_outlier_prob, 1e-4);
	ATF_CHECK_EQ(h->read_outlier_us, 100);
	ATF_CHECK_EQ(h->call_us, 10);
	ATF_CHECK_EQ(h->call_jitter_us, 5);
	ATF_CHECK_EQ(h->call_asym, 0.2);
	ATF_CHECK_EQ(h->stall_prob, 1e-4);
	ATF_CHECK_EQ(h->stall_ms, 1);
	ATF_CHECK_EQ(h->stall_max_ms, 500);
	ATF_CHECK_EQ(h->osc_hz, TRACE_DEF_OSC_HZ);
	ATF_CHECK_EQ(h->osc_bits, 32);
	ATF_CHECK_EQ(h->max_time_lag_us, TRACE_DEF_MAX_TIME_LAG_US);
	ATF_CHECK_EQ(h->synctime, 1);
	trace_close(t);

	t = trace_open(trace_path("thermal"), errbuf, sizeof(errbuf));
	ATF_REQUIRE_MSG(t != NULL, "%s", errbuf);
	h = trace_header(t);
	ATF_CHECK_EQ(h->duration_ns, 3 * 86400 * NS);
	ATF_CHECK_EQ(h->osc_cycle_ppm, 2);
	ATF_CHECK_EQ(h->osc_cycle_period_s, 86400);
	ATF_CHECK_EQ(h->osc_wander, 1e-8);
	trace_close(t);
}

/* Count segments, frozen time and event types of a whole run. */
struct tally {
	size_t		nseg;
	int64_t		frozen_ns;
	int64_t		end_ns;
	size_t		ntype[SCN_EV_POWEROFF + 1];
	size_t		ntclo_resume;
	int64_t		max_host_off;
};

static void
run_tally(struct scn *s, struct tally *ty)
{
	struct scn_seg seg;
	size_t i;

	memset(ty, 0, sizeof(*ty));
	while (next_seg(s, &seg) > 0) {
		ATF_REQUIRE(seg.t0_ns <= seg.t1_ns);
		ATF_REQUIRE(seg.t0_ns == ty->end_ns);
		ty->nseg++;
		ty->end_ns = seg.t1_ns;
		if (seg.frozen)
			ty->frozen_ns += seg.t1_ns - seg.t0_ns;
		for (i = 0; i < seg.nev; i++) {
			ty->ntype[seg.ev[i].type]++;
			if (seg.ev[i].type == SCN_EV_TCLO &&
			    strcmp(seg.ev[i].tclo, "OS_Resume") == 0)
				ty->ntclo_resume++;
		}
		if (scn_host_offset_ns(s) > ty->max_host_off)
			ty->max_host_off = scn_host_offset_ns(s);
	}
}

ATF_TC(bundled_traces_model);
ATF_TC_HEAD(bundled_traces_model, tc)
{

	atf_tc_set_md_var(tc, "descr",
	    "The model of each short bundled trace has the documented events");
}
ATF_TC_BODY(bundled_traces_model, tc)
{
	struct tally ty;
	struct scn *s;

	s = scn_open_path(trace_path("suspend"), NULL, errbuf, sizeof(errbuf));
	ATF_REQUIRE_MSG(s != NULL, "%s", errbuf);
	run_tally(s, &ty);
	ATF_CHECK_EQ(ty.end_ns, 10800 * NS);
	ATF_CHECK_EQ(ty.frozen_ns, 7200 * NS);
	ATF_CHECK_EQ(ty.ntype[SCN_EV_SUSPEND], 1);
	ATF_CHECK_EQ(ty.ntype[SCN_EV_RESUME], 1);
	ATF_CHECK_EQ(ty.ntype[SCN_EV_TCLO], 4);
	scn_close(s);

	s = scn_open_path(trace_path("cpt-suspend"), NULL, errbuf,
	    sizeof(errbuf));
	ATF_REQUIRE_MSG(s != NULL, "%s", errbuf);
	run_tally(s, &ty);
	ATF_CHECK_EQ(ty.ntype[SCN_EV_CPT], 1);
	ATF_CHECK_EQ(ty.ntype[SCN_EV_TCLO], 1);		/* OS_Suspend only */
	ATF_CHECK_EQ(ty.ntclo_resume, 0);
	scn_close(s);

	s = scn_open_path(trace_path("host-step"), NULL, errbuf,
	    sizeof(errbuf));
	ATF_REQUIRE_MSG(s != NULL, "%s", errbuf);
	run_tally(s, &ty);
	ATF_CHECK_EQ(ty.ntype[SCN_EV_HOST_STEP], 2);
	ATF_CHECK_EQ(ty.max_host_off, 300000000);
	ATF_CHECK_EQ(scn_host_offset_ns(s), 0);
	scn_close(s);

	s = scn_open_path(trace_path("vmotion"), NULL, errbuf, sizeof(errbuf));
	ATF_REQUIRE_MSG(s != NULL, "%s", errbuf);
	run_tally(s, &ty);
	ATF_CHECK_EQ(ty.frozen_ns, 400000000);
	ATF_CHECK_EQ(ty.ntype[SCN_EV_FREEZE], 1);
	ATF_CHECK_EQ(ty.ntype[SCN_EV_THAW], 1);
	scn_close(s);

	s = scn_open_path(trace_path("host-disabled"), NULL, errbuf,
	    sizeof(errbuf));
	ATF_REQUIRE_MSG(s != NULL, "%s", errbuf);
	run_tally(s, &ty);
	ATF_CHECK_EQ(ty.ntype[SCN_EV_CHECKBOX], 2);
	ATF_CHECK_EQ(ty.ntype[SCN_EV_TCLO], 2);
	ATF_CHECK_EQ(ty.end_ns, 21600 * NS);
	scn_close(s);
}

/* --- broken traces -------------------------------------------------------- */

#define V1	"# vmtsim trace v1\n"
#define SCN	V1 "kind scenario\nduration_s 100\n"
#define REC	V1 "kind recording\n"

static const struct broken {
	const char	*text;
	unsigned	line;
	const char	*what;
} broken[] = {
	{ "# vmtsim trace v2\nkind scenario\n", 1, "bad version line" },
	{ "", 1, "empty file" },
	{ "kind scenario\n", 1, "bad version line" },
	{ V1 "\n# c\nduration_s 5\n", 4, "before the kind directive" },
	{ V1 "kind movie\n", 2, "kind: expected" },
	{ SCN "kind scenario\n", 4, "duplicate kind" },
	{ SCN "osc_ppm 1\nfrobnicate 3\n", 5, "unknown directive" },
	{ SCN "at 10 rate 1\nat 9 rate 2\n", 5, "before the previous" },
	{ SCN "osc_ppm 1x0\n", 4, "bad number" },
	{ SCN "osc_ppm nan\n", 4, "bad number" },
	{ SCN "osc_ppm inf\n", 4, "bad number" },
	{ SCN "osc_ppm 0x10\n", 4, "bad number" },
	{ SCN "osc_ppm 1e999\n", 4, "bad number" },
	{ SCN "osc_ppm 1001\n", 4, "out of range" },
	{ SCN "osc_bits 70\n", 4, "out of range" },
	{ SCN "osc_bits 33\n", 4, "out of range [16, 32]" },
	{ SCN "osc_bits 32.5\n", 4, "bad integer" },
	{ SCN "osc_hz 999\n", 4, "out of range" },
	{ SCN "seed -1\n", 4, "bad unsigned" },
	{ SCN "synctime 2\n", 4, "out of range" },
	{ SCN "precision_clock 2\n", 4, "out of range" },
	{ SCN "tools_startup -1\n", 4, "out of range" },
	{ SCN "tools_startup_backward 1.5\n", 4, "bad integer" },
	{ SCN "tools_startup 1\ntools_startup 0\n", 5,
	    "duplicate tools_startup" },
	{ SCN "osc_ppm\n", 4, "missing value" },
	{ SCN "osc_ppm 1 2\n", 4, "unexpected argument" },
	{ SCN "\n\nosc_ppm 3\n\nosc_ppm 3\n", 8, "duplicate osc_ppm" },
	{ SCN "at 1 rate 3\nosc_ppm 3\n", 5, "after the first event" },
	{ V1 "kind scenario\nosc_ppm 3\n\nat 1 rate 2\n", 5,
	    "duration_s missing" },
	{ V1 "kind scenario\nosc_ppm 3\n", 3, "duration_s missing" },
	{ SCN "at 100 rate 1\nat 100.5 rate 1\n", 5, "after the end" },
	{ SCN "at -1 rate 1\n", 4, "out of range" },
	{ SCN "at 1 explode\n", 4, "unknown event" },
	{ SCN "at 1\n", 4, "missing event" },
	{ SCN "at 1 suspend 10 messages=some\n", 4, "bad value" },
	{ SCN "at 1 suspend 10 msgs=all\n", 4, "unknown key" },
	{ SCN "at 1 suspend 10 all\n", 4, "expected key=value" },
	{ SCN "at 1 suspend 0\n", 4, "out of range" },
	{ SCN "at 1 suspend 10\nat 5 freeze 1\n", 5, "still frozen" },
	{ SCN "at 95 suspend 10\n", 4, "after the end" },
	{ SCN "at 1 freeze 1 ppm=1 ppm=2\n", 4, "duplicate key" },
	{ SCN "at 1 cpt channel=rpci dir=recv\n", 4, "missing step=" },
	{ SCN "at 1 cpt channel=rpci dir=up step=hb\n", 4, "bad value" },
	{ SCN "at 1 cpt channel=rpci dir=recv step=hb count=0\n", 4,
	    "out of range" },
	{ SCN "at 1 drop 0\n", 4, "out of range" },
	{ SCN "at 1 checkbox 1 push=2\n", 4, "out of range" },
	{ SCN "at 1 set_option synctime\n", 4, "expected <name> <value>" },
	{ SCN "at 1 tclo # nothing\n", 4, "missing command" },
	{ SCN "at 1 poweroff\nat 2 rate 1\n", 5, "after poweroff" },
	{ SCN "sample 1 2\n", 4, "not allowed in a scenario" },
	{ SCN "meta x\n", 4, "not allowed in a scenario" },
	{ REC "at 1 rate 1\n", 3, "not allowed in a recording" },
	{ REC "osc_ppm 1\n", 3, "not allowed in a recording" },
	{ REC "# nothing\n", 3, "no samples" },
	{ REC "sample 10 20\nsample 10 30\n", 4, "guest_ns 10 not after" },
	{ REC "sample 10 20\nsample 11 20\n", 4, "host_ns 20 not after" },
	{ REC "sample 10 20 -1\n", 3, "out of range" },
	{ REC "sample 10\n", 3, "missing value" },
	{ REC "sample 1 2\ncounter_hz 3000\n", 4, "after the first sample" },
	{ REC "sample 1 2 3 4\n", 3, "unexpected argument" },
	{ V1 "\n", 2, "no kind" },
	/* The noise model and its limits. */
	{ SCN "read_error_us -1\n", 4, "out of range" },
	{ SCN "read_outlier_prob 1.5\n", 4, "out of range" },
	{ SCN "call_asym 1.01\n", 4, "out of range" },
	{ SCN "stall_ms 10\nstall_max_ms 5\nat 1 rate 1\n", 6,
	    "stall_max_ms 5 is below stall_ms 10" },
	{ SCN "jitter_us 5\ncall_asym 0.1\n", 5, "jitter_us cannot be combined" },
	{ SCN "catchup_ppm 400000\n", 4, "out of range" },
	{ REC "host_ppm 5\n", 3, "not allowed in a recording" },
	{ REC "read_error_us 5\njitter_us 1\n", 4,
	    "jitter_us is not allowed in a recording" },
	{ REC "tools_startup 1\n", 3,
	    "tools_startup is not allowed in a recording" },
	{ SCN "at 1 host_slew 2000\n", 4, "out of range" },
	{ SCN "at 1 host_slew 1 ppm=0\n", 4, "out of range" },
	{ SCN "at 1 host_slew 1 rate=5\n", 4, "unknown key" },
	{ SCN "at 1 cpt channel=tclo dir=send step=status\n", 4,
	    "a send has no status step" },
};

ATF_TC(broken_traces);
ATF_TC_HEAD(broken_traces, tc)
{

	atf_tc_set_md_var(tc, "descr",
	    "Broken traces are rejected, naming the right line");
}
ATF_TC_BODY(broken_traces, tc)
{
	char want[64];
	size_t i;

	for (i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		snprintf(want, sizeof(want), "mem:%u: ", broken[i].line);
		if (parse_mem(broken[i].text, strlen(broken[i].text)) == 0) {
			atf_tc_fail_nonfatal("case %zu accepted: %s", i,
			    broken[i].text);
			continue;
		}
		ATF_CHECK_MSG(strncmp(errbuf, want, strlen(want)) == 0,
		    "case %zu: '%s' does not start with '%s'", i, errbuf,
		    want);
		ATF_CHECK_MSG(strstr(errbuf, broken[i].what) != NULL,
		    "case %zu: '%s' does not say '%s'", i, errbuf,
		    broken[i].what);
	}
}

ATF_TC(line_limits);
ATF_TC_HEAD(line_limits, tc)
{

	atf_tc_set_md_var(tc, "descr",
	    "Lines of 4096 bytes pass, longer ones and NUL bytes do not");
}
ATF_TC_BODY(line_limits, tc)
{
	char *buf;
	size_t n;

	ATF_REQUIRE((buf = malloc(8192)) != NULL);
	n = (size_t)snprintf(buf, 8192, SCN);
	memset(buf + n, '#', TRACE_LINE_MAX);
	buf[n + TRACE_LINE_MAX] = '\n';
	ATF_CHECK_MSG(parse_mem(buf, n + TRACE_LINE_MAX + 1) == 0, "%s",
	    errbuf);
	buf[n + TRACE_LINE_MAX] = '#';
	buf[n + TRACE_LINE_MAX + 1] = '\n';
	ATF_CHECK(parse_mem(buf, n + TRACE_LINE_MAX + 2) != 0);
	ATF_CHECK_MSG(strstr(errbuf, "mem:4: line longer") != NULL, "%s",
	    errbuf);
	ATF_CHECK(parse_mem(SCN "at 1 tclo a\0b\n", sizeof(SCN) + 12) != 0);
	ATF_CHECK_MSG(strstr(errbuf, "mem:4: NUL byte") != NULL, "%s",
	    errbuf);
	/* No newline at the end, CRLF line ends. */
	ATF_CHECK_MSG(parse_mem(SCN "at 1 rate 2", sizeof(SCN) + 10) == 0,
	    "%s", errbuf);
	ATF_CHECK_MSG(parse_mem(V1 "kind scenario\r\nduration_s 1\r\n",
	    sizeof(V1) + 28) == 0, "%s", errbuf);
	free(buf);
}

ATF_TC(file_errors);
ATF_TC_HEAD(file_errors, tc)
{

	atf_tc_set_md_var(tc, "descr",
	    "Errors in files name the file; an error mid-file is sticky");
}
ATF_TC_BODY(file_errors, tc)
{
	struct trace_event ev;
	struct trace *t;
	FILE *fp;

	ATF_CHECK(trace_open("no-such.trace", errbuf, sizeof(errbuf)) == NULL);
	ATF_CHECK(strstr(errbuf, "no-such.trace: ") == errbuf);

	ATF_REQUIRE((fp = fopen("bad.trace", "w")) != NULL);
	fprintf(fp, SCN "at 1 rate 1\nat 2 rate 1001\n");
	fclose(fp);
	t = trace_open("bad.trace", errbuf, sizeof(errbuf));
	ATF_REQUIRE_MSG(t != NULL, "%s", errbuf);
	ATF_CHECK_EQ(trace_next(t, &ev, errbuf, sizeof(errbuf)), 1);
	ATF_CHECK_EQ(ev.line, 4);
	ATF_CHECK_EQ(trace_next(t, &ev, errbuf, sizeof(errbuf)), -1);
	ATF_CHECK_MSG(strstr(errbuf, "bad.trace:5: rate: 1001 out of range")
	    == errbuf, "%s", errbuf);
	errbuf[0] = '\0';
	ATF_CHECK_EQ(trace_next(t, &ev, errbuf, sizeof(errbuf)), -1);
	ATF_CHECK(strstr(errbuf, "bad.trace:5:") == errbuf);
	trace_close(t);
	ATF_CHECK_EQ(trace_validate("bad.trace", errbuf, sizeof(errbuf)), -1);
	ATF_CHECK(strstr(errbuf, "bad.trace:5:") == errbuf);
}

/* --- valid syntax --------------------------------------------------------- */

static const char every_event[] =
    V1
    "# all events\n"
    "kind scenario\t# trailing comment\n"
    "duration_s 3600\n"
    "osc_hz 2500000000\n"
    "osc_bits 24\n"
    "max_time_lag_us 250000\n"
    "interrupt_lag_us 30\n"
    "synctime 0\n"
    "seed 18446744073709551615\n"
    "precision_clock 1\n"
    "tools_startup_backward 1\n"
    "tools_startup 0\n"
    "at 1 suspend 10 messages=resume\n"		/* 14 */
    "at 11 freeze 0.5\n"
    "at 20 rate -12.5\n"
    "at 20 host_step -1.5\n"
    "at 21 set_option synctime.period 30  # why\n"
    "at 22 time_synchronize 1\n"
    "at 23 tclo Capabilities_Register#x  # comment\n"
    "at 24 checkbox 0\n"
    "at 25 checkbox 1 push=0\n"
    "at 26 cpt channel=tclo dir=recv step=status count=3\n"
    "at 27 drop 2\n"
    "at 28 poweroff\n";

ATF_TC(every_event_parses);
ATF_TC_HEAD(every_event_parses, tc)
{

	atf_tc_set_md_var(tc, "descr", "Each event kind parses to its fields");
}
ATF_TC_BODY(every_event_parses, tc)
{
	const struct trace_header *h;
	struct trace_event ev;
	struct trace *t;

	t = trace_open_mem(every_event, sizeof(every_event) - 1, "mem", errbuf,
	    sizeof(errbuf));
	ATF_REQUIRE_MSG(t != NULL, "%s", errbuf);
	h = trace_header(t);
	ATF_CHECK_EQ(h->osc_hz, 2500000000ULL);
	ATF_CHECK_EQ(h->osc_bits, 24);
	ATF_CHECK_EQ(h->max_time_lag_us, 250000);
	ATF_CHECK_EQ(h->interrupt_lag_us, 30);
	ATF_CHECK_EQ(h->synctime, 0);
	ATF_CHECK_EQ(h->seed, UINT64_MAX);
	ATF_CHECK_EQ(h->precision_clock, 1);
	ATF_CHECK_EQ(h->tools_startup_backward, 1);
	ATF_CHECK_EQ(h->tools_startup, 0);
	ATF_CHECK_EQ(h->have & TRACE_HAVE_OSC_PPM, 0);

#define NEXT(ty) do {							\
	ATF_REQUIRE_EQ_MSG(trace_next(t, &ev, errbuf, sizeof(errbuf)), 1, \
	    "%s", errbuf);						\
	ATF_REQUIRE_EQ(ev.type, ty);					\
} while (0)
	NEXT(TRACE_EV_SUSPEND);
	ATF_CHECK_EQ(ev.line, 14);
	ATF_CHECK_EQ(ev.at_ns, NS);
	ATF_CHECK_EQ(ev.u.suspend.dur_ns, 10 * NS);
	ATF_CHECK_EQ(ev.u.suspend.msgs, TRACE_MSG_RESUME);
	NEXT(TRACE_EV_FREEZE);
	ATF_CHECK_EQ(ev.u.freeze.dur_ns, NS / 2);
	ATF_CHECK_EQ(ev.u.freeze.has_ppm, 0);
	NEXT(TRACE_EV_RATE);
	ATF_CHECK_EQ(ev.u.rate.ppm, -12.5);
	NEXT(TRACE_EV_HOST_STEP);
	ATF_CHECK_EQ(ev.u.host_step.step_ns, -1500000000LL);
	NEXT(TRACE_EV_SET_OPTION);
	ATF_CHECK_STREQ(ev.text, "synctime.period 30");
	ATF_CHECK_EQ(ev.u.set_option.name_len, 15);
	NEXT(TRACE_EV_TIME_SYNC);
	ATF_CHECK_EQ(ev.u.time_sync.value, 1);
	NEXT(TRACE_EV_TCLO);
	ATF_CHECK_STREQ(ev.text, "Capabilities_Register#x");
	NEXT(TRACE_EV_CHECKBOX);
	ATF_CHECK_EQ(ev.u.checkbox.value, 0);
	ATF_CHECK_EQ(ev.u.checkbox.push, 1);
	NEXT(TRACE_EV_CHECKBOX);
	ATF_CHECK_EQ(ev.u.checkbox.push, 0);
	NEXT(TRACE_EV_CPT);
	ATF_CHECK_EQ(ev.u.cpt.chan, TRACE_CHAN_TCLO);
	ATF_CHECK_EQ(ev.u.cpt.dir, TRACE_DIR_RECV);
	ATF_CHECK_EQ(ev.u.cpt.step, TRACE_STEP_STATUS);
	ATF_CHECK_EQ(ev.u.cpt.count, 3);
	NEXT(TRACE_EV_DROP);
	ATF_CHECK_EQ(ev.u.drop.count, 2);
	NEXT(TRACE_EV_POWEROFF);
	ATF_CHECK_EQ(ev.at_ns, 28 * NS);
#undef NEXT
	ATF_CHECK_EQ(trace_next(t, &ev, errbuf, sizeof(errbuf)), 0);
	ATF_CHECK_STREQ(trace_ev_name(TRACE_EV_TIME_SYNC), "time_synchronize");
	trace_close(t);
}

/* The events of one segment as a string like "SUSPEND TCLO:OS_Suspend". */
static const char *
ev_string(const struct scn_seg *seg)
{
	static const char *const names[] = { "?", "TCLO", "HOST_STEP",
	    "RATE", "CHECKBOX", "CPT", "DROP", "SUSPEND", "RESUME", "FREEZE",
	    "THAW", "SAMPLE", "POWEROFF", "HOST_SLEW" };
	static char buf[1024];
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < seg->nev && n < sizeof(buf); i++) {
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s%s%s",
		    i ? " " : "", names[seg->ev[i].type],
		    seg->ev[i].type == SCN_EV_TCLO ? ":" : "",
		    seg->ev[i].tclo != NULL ? seg->ev[i].tclo : "");
	}
	return buf;
}

/* The segments that carry events, in order. */
ATF_TC(model_events);
ATF_TC_HEAD(model_events, tc)
{

	atf_tc_set_md_var(tc, "descr",
	    "The model turns trace events into the documented host actions");
}
ATF_TC_BODY(model_events, tc)
{
	static const struct {
		int64_t		t0, t1;
		bool		frozen;
		const char	*ev;
	} want[] = {
		{ 0, NS, false, "SUSPEND" },
		{ NS, 11 * NS, true, "RESUME TCLO:reset TCLO:OS_Resume "
		    "TCLO:Time_Synchronize 1 FREEZE" },
		{ 11 * NS, 11 * NS + NS / 2, true, "THAW" },
		{ 19 * NS, 20 * NS, false, "RATE HOST_STEP" },
		{ 20 * NS, 21 * NS, false,
		    "TCLO:Set_Option synctime.period 30" },
		{ 21 * NS, 22 * NS, false, "TCLO:Time_Synchronize 1" },
		{ 22 * NS, 23 * NS, false, "TCLO:Capabilities_Register#x" },
		{ 23 * NS, 24 * NS, false,
		    "CHECKBOX TCLO:Set_Option synctime 0" },
		{ 24 * NS, 25 * NS, false, "CHECKBOX" },
		{ 25 * NS, 26 * NS, false, "CPT" },
		{ 26 * NS, 27 * NS, false, "DROP" },
		{ 27 * NS, 28 * NS, false, "POWEROFF" },
	};
	struct scn_seg seg;
	struct scn *s;
	size_t i = 0;

	s = scn_mem(every_event, NULL);
	ATF_CHECK_EQ(scn_info(s)->seed, UINT64_MAX);
	ATF_CHECK_EQ(scn_info(s)->osc_hz, 2500000000ULL);
	ATF_CHECK_EQ(scn_info(s)->host_epoch_ns, SCN_SCENARIO_EPOCH_NS);
	while (next_seg(s, &seg) > 0) {
		if (seg.nev == 0) {
			ATF_CHECK(!seg.frozen);
			ATF_CHECK(seg.t1_ns - seg.t0_ns <= NS);
			continue;
		}
		ATF_REQUIRE(i < sizeof(want) / sizeof(want[0]));
		ATF_CHECK_EQ_MSG(seg.t0_ns, want[i].t0, "segment %zu", i);
		ATF_CHECK_EQ_MSG(seg.t1_ns, want[i].t1, "segment %zu", i);
		ATF_CHECK_EQ_MSG(seg.frozen, want[i].frozen, "segment %zu", i);
		ATF_CHECK_STREQ_MSG(ev_string(&seg), want[i].ev, "segment %zu",
		    i);
		if (seg.ev[0].type == SCN_EV_HOST_STEP ||
		    (seg.nev > 1 && seg.ev[1].type == SCN_EV_HOST_STEP))
			ATF_CHECK_EQ(scn_host_offset_ns(s), -1500000000LL);
		i++;
	}
	ATF_CHECK_EQ(i, sizeof(want) / sizeof(want[0]));
	/* The rate event changed the base after it. */
	scn_close(s);
}

ATF_TC(model_time_zero);
ATF_TC_HEAD(model_time_zero, tc)
{

	atf_tc_set_md_var(tc, "descr",
	    "Events at 0 come in an empty first segment; rates apply at once");
}
ATF_TC_BODY(model_time_zero, tc)
{
	struct scn_seg seg;
	struct scn *s;

	s = scn_mem(V1 "kind scenario\nduration_s 10\nosc_ppm 7\n"
	    "at 0 tclo ping\nat 0.5 rate 50\nat 1.25 suspend 1 messages=none\n"
	    "at 3 poweroff\n", NULL);
	ATF_REQUIRE_EQ(next_seg(s, &seg), 1);
	ATF_CHECK_EQ(seg.t0_ns, 0);
	ATF_CHECK_EQ(seg.t1_ns, 0);
	ATF_CHECK_STREQ(ev_string(&seg), "TCLO:ping");
	ATF_REQUIRE_EQ(next_seg(s, &seg), 1);
	ATF_CHECK_EQ(seg.t1_ns, NS / 2);
	ATF_CHECK_EQ(seg.ppm, 7);
	ATF_CHECK_STREQ(ev_string(&seg), "RATE");
	ATF_REQUIRE_EQ(next_seg(s, &seg), 1);
	ATF_CHECK_EQ(seg.t1_ns, NS);
	ATF_CHECK_EQ(seg.ppm, 50);
	ATF_CHECK_EQ(seg.nev, 0);
	ATF_REQUIRE_EQ(next_seg(s, &seg), 1);
	ATF_CHECK_EQ(seg.t1_ns, NS + NS / 4);
	ATF_CHECK_STREQ(ev_string(&seg), "SUSPEND");
	ATF_CHECK_EQ(seg.ev[0].u.dur_ns, NS);
	ATF_REQUIRE_EQ(next_seg(s, &seg), 1);
	ATF_CHECK(seg.frozen);
	ATF_CHECK_EQ(seg.t1_ns, 2 * NS + NS / 4);
	ATF_CHECK_STREQ(ev_string(&seg), "RESUME");
	ATF_REQUIRE_EQ(next_seg(s, &seg), 1);
	ATF_CHECK_EQ(seg.t0_ns, 2 * NS + NS / 4);
	ATF_CHECK_EQ(seg.t1_ns, 3 * NS);
	ATF_CHECK_STREQ(ev_string(&seg), "POWEROFF");
	ATF_CHECK_EQ(next_seg(s, &seg), 0);
	ATF_CHECK_EQ(next_seg(s, &seg), 0);
	scn_close(s);
}

/* --- determinism and statistics ------------------------------------------- */

/* A running hash of everything in a segment stream. */
static uint64_t
mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n-- > 0)
		h = (h ^ *c++) * 0x100000001b3ULL;
	return h;
}

static uint64_t
stream_hash(const char *path, const uint64_t *seed, size_t *nseg)
{
	struct scn_seg seg;
	struct scn *s;
	uint64_t h = 0xcbf29ce484222325ULL;
	int64_t j;
	size_t i;

	s = scn_open_path(path, seed, errbuf, sizeof(errbuf));
	ATF_REQUIRE_MSG(s != NULL, "%s", errbuf);
	*nseg = 0;
	while (next_seg(s, &seg) > 0) {
		h = mix(h, &seg.t0_ns, sizeof(seg.t0_ns));
		h = mix(h, &seg.t1_ns, sizeof(seg.t1_ns));
		h = mix(h, &seg.frozen, sizeof(seg.frozen));
		h = mix(h, &seg.ppm, sizeof(seg.ppm));
		for (i = 0; i < seg.nev; i++) {
			h = mix(h, &seg.ev[i].type, sizeof(seg.ev[i].type));
			h = mix(h, seg.ev[i].tclo, strlen(seg.ev[i].tclo));
		}
		j = scn_jitter_ns(s);
		h = mix(h, &j, sizeof(j));
		(*nseg)++;
	}
	scn_close(s);
	return h;
}

ATF_TC(determinism);
ATF_TC_HEAD(determinism, tc)
{

	atf_tc_set_md_var(tc, "descr",
	    "Same trace and seed give the same stream; another seed does not");
}
ATF_TC_BODY(determinism, tc)
{
	uint64_t a, b, c, d, seed = 7;
	size_t na, nb, nc, nd;

	a = stream_hash(trace_path("steady"), NULL, &na);
	b = stream_hash(trace_path("steady"), NULL, &nb);
	c = stream_hash(trace_path("steady"), &seed, &nc);
	d = stream_hash(trace_path("steady"), &seed, &nd);
	ATF_CHECK_EQ(na, 86400);
	ATF_CHECK_EQ(na, nb);
	ATF_CHECK_EQ(a, b);
	ATF_CHECK_EQ(c, d);
	ATF_CHECK(a != c);
	ATF_CHECK_EQ(na, nc);
}

ATF_TC(wander_statistics);
ATF_TC_HEAD(wander_statistics, tc)
{

	atf_tc_set_md_var(tc, "descr",
	    "The random walk steps once a second with the given std-dev");
}
ATF_TC_BODY(wander_statistics, tc)
{
	struct scn_seg seg;
	struct scn *s;
	double prev = 0, d, sum = 0, sum2 = 0, mean, sd;
	size_t n = 0;

	s = scn_mem(V1 "kind scenario\nduration_s 200000\nosc_ppm 5\n"
	    "osc_wander 1e-7\nseed 42\n", NULL);
	while (next_seg(s, &seg) > 0) {
		ATF_REQUIRE_EQ(seg.t1_ns - seg.t0_ns, NS);
		if (seg.t0_ns == 0) {
			ATF_CHECK_EQ(seg.ppm, 5);	/* walk(0) = 0 */
		} else {
			d = (seg.ppm - prev) * 1e-6;
			sum += d;
			sum2 += d * d;
			n++;
		}
		prev = seg.ppm;
	}
	scn_close(s);
	mean = sum / n;
	sd = sqrt(sum2 / n - mean * mean);
	ATF_CHECK_EQ(n, 199999);
	/* The sd of a sample sd is sd / sqrt(2n), about 0.16 % here. */
	ATF_CHECK_MSG(fabs(sd / 1e-7 - 1) < 0.02, "step sd %g", sd);
	ATF_CHECK_MSG(fabs(mean) < 5 * 1e-7 / sqrt(n), "step mean %g", mean);
}

ATF_TC(cycle_amplitude);
ATF_TC_HEAD(cycle_amplitude, tc)
{

	atf_tc_set_md_var(tc, "descr",
	    "The sinusoidal term has the given amplitude and period");
}
ATF_TC_BODY(cycle_amplitude, tc)
{
	struct scn_seg seg;
	struct scn *s;
	double lo = 1e9, hi = -1e9, sum = 0;
	int64_t at_hi = -1;
	size_t n = 0;

	s = scn_mem(V1 "kind scenario\nduration_s 172800\nosc_ppm 10\n"
	    "osc_cycle_ppm 2\nosc_cycle_period_s 86400\n", NULL);
	while (next_seg(s, &seg) > 0) {
		if (seg.ppm > hi) {
			hi = seg.ppm;
			at_hi = seg.t0_ns;
		}
		if (seg.ppm < lo)
			lo = seg.ppm;
		sum += seg.ppm;
		n++;
	}
	scn_close(s);
	ATF_CHECK_MSG(fabs(hi - 12) < 1e-9, "max %.12g", hi);
	ATF_CHECK_MSG(fabs(lo - 8) < 1e-9, "min %.12g", lo);
	ATF_CHECK_EQ(at_hi, 21600 * NS);
	ATF_CHECK_MSG(fabs(sum / n - 10) < 1e-6, "mean %.12g", sum / n);
}

ATF_TC(jitter_statistics);
ATF_TC_HEAD(jitter_statistics, tc)
{

	atf_tc_set_md_var(tc, "descr", "Host read jitter has the given sd");
}
ATF_TC_BODY(jitter_statistics, tc)
{
	struct scn *s;
	double x, sum = 0, sum2 = 0;
	int i, n = 100000;

	s = scn_mem(V1 "kind scenario\nduration_s 1\njitter_us 5\n", NULL);
	for (i = 0; i < n; i++) {
		x = (double)scn_jitter_ns(s);
		sum += x;
		sum2 += x * x;
	}
	scn_close(s);
	x = sqrt(sum2 / n - (sum / n) * (sum / n));
	ATF_CHECK_MSG(fabs(x / 5000 - 1) < 0.02, "jitter sd %g ns", x);
	s = scn_mem(V1 "kind scenario\nduration_s 1\n", NULL);
	ATF_CHECK_EQ(scn_jitter_ns(s), 0);
	scn_close(s);
}

/* --- recordings ----------------------------------------------------------- */

ATF_TC(recording_model);
ATF_TC_HEAD(recording_model, tc)
{

	atf_tc_set_md_var(tc, "descr",
	    "Recordings: rates between samples and suspend detection");
}
ATF_TC_BODY(recording_model, tc)
{
	static const char text[] =
	    V1 "kind recording\n"
	    "meta os Linux 6.1.0 #1 SMP PREEMPT_DYNAMIC\n"
	    "meta clock_source tsc\n"
	    "counter_hz 2500000000\n"
	    "max_time_lag_us 500000\n"
	    "sample 1000000000 1700000000000000000 12\n"
	    "sample 2000100000 1700000001000000000\n"
	    "# suspend: host ran ahead\n"
	    "sample 3000200000 1700000002000000000\n"
	    "sample 4000300000 1700003602000000000 7\n"
	    "sample 5000300000 1700003603000000000\n"
	    "meta end\n";
	const struct trace_header *h;
	struct trace *t;
	struct scn_seg seg;
	struct scn *s;

	t = trace_open_mem(text, sizeof(text) - 1, "rec", errbuf,
	    sizeof(errbuf));
	ATF_REQUIRE_MSG(t != NULL, "%s", errbuf);
	h = trace_header(t);
	ATF_CHECK_EQ(h->kind, TRACE_RECORDING);
	ATF_REQUIRE_EQ(h->nmeta, 2);
	ATF_CHECK_STREQ(h->meta[0], "os Linux 6.1.0 #1 SMP PREEMPT_DYNAMIC");
	ATF_CHECK_EQ(h->osc_hz, 2500000000ULL);
	ATF_CHECK_EQ(h->max_time_lag_us, 500000);
	s = scn_open(t, NULL, errbuf, sizeof(errbuf));
	ATF_REQUIRE_MSG(s != NULL, "%s", errbuf);
	ATF_CHECK_EQ(scn_info(s)->host_epoch_ns, 1700000000000000000LL);
	ATF_CHECK_EQ(scn_info(s)->guest_epoch_ns, NS);
	ATF_CHECK_EQ(scn_info(s)->duration_ns, -1);

	ATF_REQUIRE_EQ(next_seg(s, &seg), 1);
	ATF_CHECK_EQ(seg.t0_ns, 0);
	ATF_CHECK_EQ(seg.t1_ns, NS);
	ATF_CHECK_MSG(fabs(seg.ppm - 100) < 1e-9, "ppm %.12g", seg.ppm);
	ATF_CHECK_STREQ(ev_string(&seg), "SAMPLE");
	ATF_CHECK_EQ(seg.ev[0].u.sample.guest_ns, 2000100000);
	ATF_CHECK_EQ(seg.ev[0].u.sample.lag_us, -1);
	ATF_CHECK_EQ(seg.ev[0].line, 8);
	ATF_REQUIRE_EQ(next_seg(s, &seg), 1);
	ATF_CHECK_EQ(seg.t1_ns, 2 * NS);
	ATF_CHECK_MSG(fabs(seg.ppm - 100) < 1e-9, "ppm %.12g", seg.ppm);

	/* 1 s of guest time in an hour of host time: ran 1 s, then froze. */
	ATF_REQUIRE_EQ(next_seg(s, &seg), 1);
	ATF_CHECK(!seg.frozen);
	ATF_CHECK_EQ(seg.t0_ns, 2 * NS);
	ATF_CHECK_EQ(seg.t1_ns, 3 * NS);
	ATF_CHECK_MSG(fabs(seg.ppm - 100) < 1e-9, "ppm %.12g", seg.ppm);
	ATF_CHECK_STREQ(ev_string(&seg), "SUSPEND");
	ATF_CHECK_EQ(seg.ev[0].u.dur_ns, 3599 * NS);
	ATF_REQUIRE_EQ(next_seg(s, &seg), 1);
	ATF_CHECK(seg.frozen);
	ATF_CHECK_EQ(seg.t0_ns, 3 * NS);
	ATF_CHECK_EQ(seg.t1_ns, 3602 * NS);
	ATF_CHECK_STREQ(ev_string(&seg), "RESUME SAMPLE");
	ATF_CHECK_EQ(seg.ev[1].u.sample.lag_us, 7);

	ATF_REQUIRE_EQ(next_seg(s, &seg), 1);
	ATF_CHECK_EQ(seg.t0_ns, 3602 * NS);
	ATF_CHECK_EQ(seg.t1_ns, 3603 * NS);
	ATF_CHECK_EQ(seg.ppm, 0);
	ATF_CHECK_EQ(next_seg(s, &seg), 0);
	scn_close(s);
}

/* --- gen ------------------------------------------------------------------ */

ATF_TC(gen_roundtrip);
ATF_TC_HEAD(gen_roundtrip, tc)
{

	atf_tc_set_md_var(tc, "descr",
	    "gen output parses and carries its parameters");
}
ATF_TC_BODY(gen_roundtrip, tc)
{
	const struct trace_header *h;
	struct gen_params p;
	struct trace_event ev;
	struct trace *t;
	size_t nsusp = 0, nstep = 0;
	int64_t last = -1;
	FILE *fp;

	gen_defaults(&p);
	p.seed = 12345678901234ULL;
	p.duration_s = 864000.5;
	p.ppm = -37.125;
	p.wander = 3e-9;
	p.jitter_us = 2.5;
	p.offset_s = -0.3;
	p.cycle_ppm = 1.1;
	p.cycle_period_s = 43200;
	p.suspend_every_s = 100000;
	p.suspend_s = 1800.25;
	p.host_step_every_s = 50000;
	p.host_step_s = 0.1;
	ATF_REQUIRE_EQ_MSG(gen_check(&p, errbuf, sizeof(errbuf)), 0, "%s",
	    errbuf);
	ATF_REQUIRE((fp = fopen("gen.trace", "w")) != NULL);
	ATF_REQUIRE_EQ(gen_write(fp, &p, "vmtsim gen test"), 0);
	fclose(fp);

	t = trace_open("gen.trace", errbuf, sizeof(errbuf));
	ATF_REQUIRE_MSG(t != NULL, "%s", errbuf);
	h = trace_header(t);
	ATF_CHECK_EQ(h->seed, p.seed);
	ATF_CHECK_EQ(h->duration_s, p.duration_s);
	ATF_CHECK_EQ(h->osc_ppm, p.ppm);
	ATF_CHECK_EQ(h->osc_wander, p.wander);
	ATF_CHECK_EQ(h->jitter_us, p.jitter_us);
	ATF_CHECK_EQ(h->initial_offset_s, p.offset_s);
	ATF_CHECK_EQ(h->osc_cycle_ppm, p.cycle_ppm);
	ATF_CHECK_EQ(h->osc_cycle_period_s, p.cycle_period_s);
	while (trace_next(t, &ev, errbuf, sizeof(errbuf)) > 0) {
		ATF_CHECK(ev.at_ns >= last);
		last = ev.at_ns;
		if (ev.type == TRACE_EV_SUSPEND) {
			nsusp++;
			ATF_CHECK_EQ(ev.at_ns, (int64_t)nsusp * 100000 * NS);
			ATF_CHECK_EQ(ev.u.suspend.dur_ns, 1800250000000LL);
		} else {
			ATF_REQUIRE_EQ(ev.type, TRACE_EV_HOST_STEP);
			nstep++;
			ATF_CHECK_EQ(ev.at_ns, (int64_t)nstep * 50000 * NS);
			ATF_CHECK(ev.u.host_step.step_ns == 100000000 ||
			    ev.u.host_step.step_ns == -100000000);
		}
	}
	ATF_CHECK_MSG(trace_validate("gen.trace", errbuf, sizeof(errbuf)) == 0,
	    "%s", errbuf);
	trace_close(t);
	ATF_CHECK_EQ(nsusp, 8);
	ATF_CHECK_EQ(nstep, 17);
}

static char *
slurp(const char *path)
{
	static char buf[65536];
	FILE *fp;
	size_t n;

	ATF_REQUIRE((fp = fopen(path, "r")) != NULL);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return strdup(buf);
}

static int
gen_argv(const char *a0, ...)
{
	char *argv[32];
	const char *a;
	va_list ap;
	int argc = 0;

	va_start(ap, a0);
	for (a = a0; a != NULL && argc < 31; a = va_arg(ap, const char *))
		argv[argc++] = (char *)(uintptr_t)a;
	va_end(ap);
	argv[argc] = NULL;
	return vmtsim_gen_main(argc, argv);
}

ATF_TC(gen_command);
ATF_TC_HEAD(gen_command, tc)
{

	atf_tc_set_md_var(tc, "descr",
	    "vmtsim gen is deterministic and rejects bad options with 2");
}
ATF_TC_BODY(gen_command, tc)
{
	char *a, *b, *c;

	ATF_REQUIRE_EQ(gen_argv("gen", "-s", "9", "-d", "3600", "--ppm", "20",
	    "--host-step-every-s", "60", "--host-step-s", "0.5", "-o", "a.trace",
	    NULL), 0);
	ATF_REQUIRE_EQ(gen_argv("gen", "-s", "9", "-d", "3600", "--ppm", "20",
	    "--host-step-every-s", "60", "--host-step-s", "0.5", "-o", "b.trace",
	    NULL), 0);
	ATF_REQUIRE_EQ(gen_argv("gen", "-s", "10", "-d", "3600", "--ppm", "20",
	    "--host-step-every-s", "60", "--host-step-s", "0.5", "-o", "c.trace",
	    NULL), 0);
	a = slurp("a.trace");
	b = slurp("b.trace");
	c = slurp("c.trace");
	/* Only the file name in the comment differs. */
	ATF_CHECK_STREQ(strstr(a, "kind"), strstr(b, "kind"));
	ATF_CHECK(strcmp(strstr(a, "kind"), strstr(c, "kind")) != 0);
	ATF_CHECK(strstr(a, "\nseed 9\n") != NULL);
	ATF_CHECK_EQ(trace_validate("c.trace", errbuf, sizeof(errbuf)), 0);
	free(a);
	free(b);
	free(c);

	ATF_CHECK_EQ(gen_argv("gen", "--bogus", NULL), 2);
	ATF_CHECK_EQ(gen_argv("gen", "-d", "0", NULL), 2);
	ATF_CHECK_EQ(gen_argv("gen", "-d", "1x", NULL), 2);
	ATF_CHECK_EQ(gen_argv("gen", "--ppm", "2000", NULL), 2);
	ATF_CHECK_EQ(gen_argv("gen", "--ppm", "nan", NULL), 2);
	ATF_CHECK_EQ(gen_argv("gen", "-s", "-3", NULL), 2);
	ATF_CHECK_EQ(gen_argv("gen", "--suspend-every-s", "60", NULL), 2);
	ATF_CHECK_EQ(gen_argv("gen", "--suspend-every-s", "60",
	    "--suspend-s", "60", NULL), 2);
	ATF_CHECK_EQ(gen_argv("gen", "stray", NULL), 2);
	ATF_CHECK_EQ(gen_argv("gen", "-d", NULL), 2);
	ATF_CHECK_EQ(gen_argv("gen", "-d", "10", "-o", "/nonexistent/x", NULL),
	    1);
}

/* --- streaming ------------------------------------------------------------ */

ATF_TC(year_streams_flat);
ATF_TC_HEAD(year_streams_flat, tc)
{

	atf_tc_set_md_var(tc, "descr",
	    "A 365-day trace runs end to end without growing the heap");
	atf_tc_set_md_var(tc, "timeout", "600");
}
ATF_TC_BODY(year_streams_flat, tc)
{
	struct mallinfo2 before, during;
	struct scn_seg seg;
	struct scn *s;
	size_t nseg = 0, nsusp = 0, nstep = 0, peak = 0, i;

	s = scn_open_path(trace_path("year"), NULL, errbuf, sizeof(errbuf));
	ATF_REQUIRE_MSG(s != NULL, "%s", errbuf);
	before = mallinfo2();
	while (next_seg(s, &seg) > 0) {
		for (i = 0; i < seg.nev; i++) {
			nsusp += seg.ev[i].type == SCN_EV_SUSPEND;
			nstep += seg.ev[i].type == SCN_EV_HOST_STEP;
		}
		/* Sample the heap now and then, not on every segment. */
		if ((++nseg & 0xfffff) == 0) {
			during = mallinfo2();
			if (during.uordblks > peak)
				peak = during.uordblks;
		}
		if (seg.t1_ns == 365 * 86400 * NS)
			ATF_CHECK_EQ(scn_info(s)->duration_ns, seg.t1_ns);
	}
	scn_close(s);
	ATF_CHECK_EQ(nsusp, 52);
	ATF_CHECK_EQ(nstep, 12);
	ATF_CHECK(nseg > 365 * 86400 - 52 * 3600);
	/* Generous: the whole model needs a few tens of kilobytes. */
	ATF_CHECK_MSG(peak <= before.uordblks + 1024 * 1024,
	    "heap grew from %zu to %zu", before.uordblks, peak);
}

ATF_TC(noise_directives);
ATF_TC_HEAD(noise_directives, tc)
{

	atf_tc_set_md_var(tc, "descr",
	    "The noise directives parse, with their defaults when absent");
}
ATF_TC_BODY(noise_directives, tc)
{
	static const char text[] = SCN "read_error_us 5\nread_outlier_prob "
	    "1e-3\nread_outlier_us 100\ncall_us 20\ncall_jitter_us 7\n"
	    "call_asym -0.5\nstall_prob 0.01\nstall_ms 2\nstall_max_ms 300\n"
	    "host_ppm -20\nhost_wander 1e-8\ncatchup_ppm 50000\n"
	    "catchup_max_s 30\n";
	const struct trace_header *h;
	const struct scn_info *in;
	struct trace *t;
	struct scn *s;

	t = trace_open_mem(SCN, sizeof(SCN) - 1, "mem", errbuf,
	    sizeof(errbuf));
	ATF_REQUIRE_MSG(t != NULL, "%s", errbuf);
	h = trace_header(t);
	ATF_CHECK_EQ(h->read_error_us, 0);
	ATF_CHECK_EQ(h->call_us, TRACE_DEF_CALL_US);
	ATF_CHECK_EQ(h->call_asym, 0);
	ATF_CHECK_EQ(h->stall_prob, 0);
	ATF_CHECK_EQ(h->stall_max_ms, TRACE_DEF_STALL_MAX_MS);
	ATF_CHECK_EQ(h->catchup_ppm, 0);
	ATF_CHECK_EQ(h->catchup_max_s, TRACE_DEF_CATCHUP_MAX_S);
	trace_close(t);

	s = scn_mem(text, NULL);
	in = scn_info(s);
	ATF_CHECK_EQ(in->read_error_us, 5);
	ATF_CHECK_EQ(in->read_outlier_prob, 1e-3);
	ATF_CHECK_EQ(in->read_outlier_us, 100);
	ATF_CHECK_EQ(in->call_us, 20);
	ATF_CHECK_EQ(in->call_jitter_us, 7);
	ATF_CHECK_EQ(in->call_asym, -0.5);
	ATF_CHECK_EQ(in->stall_prob, 0.01);
	ATF_CHECK_EQ(in->stall_ms, 2);
	ATF_CHECK_EQ(in->stall_max_ms, 300);
	ATF_CHECK_EQ(in->host_wander, 1e-8);
	ATF_CHECK_EQ(in->catchup_ppm, 50000);
	ATF_CHECK_EQ(in->catchup_max_ns, 30 * NS);
	scn_close(s);
}

ATF_TC(meta_limit);
ATF_TC_HEAD(meta_limit, tc)
{

	atf_tc_set_md_var(tc, "descr",
	    "At most TRACE_MAX_META meta lines are kept; later ones are free");
}
ATF_TC_BODY(meta_limit, tc)
{
	char *buf;
	size_t n = 0, cap = 64 * 1024;
	int i;

	ATF_REQUIRE((buf = malloc(cap)) != NULL);
	n += (size_t)snprintf(buf + n, cap - n, REC);
	for (i = 0; i < TRACE_MAX_META; i++)
		n += (size_t)snprintf(buf + n, cap - n, "meta line %d\n", i);
	n += (size_t)snprintf(buf + n, cap - n, "sample 1 2\n");
	for (i = 0; i < 1000; i++)
		n += (size_t)snprintf(buf + n, cap - n, "meta after %d\n", i);
	ATF_CHECK_MSG(parse_mem(buf, n) == 0, "%s", errbuf);
	n = (size_t)snprintf(buf, cap, REC);
	for (i = 0; i <= TRACE_MAX_META; i++)
		n += (size_t)snprintf(buf + n, cap - n, "meta line %d\n", i);
	ATF_CHECK(parse_mem(buf, n) != 0);
	ATF_CHECK_MSG(strstr(errbuf, "more than 256 lines") != NULL, "%s",
	    errbuf);
	free(buf);
}

ATF_TC(escaped_messages);
ATF_TC_HEAD(escaped_messages, tc)
{

	atf_tc_set_md_var(tc, "descr",
	    "Bytes outside printable ASCII are escaped in every message");
}
ATF_TC_BODY(escaped_messages, tc)
{
	static const char text[] = SCN "at 1 \033[2J\x7f\xff 1\n";
	char out[64];
	const char *c;

	ATF_CHECK(parse_mem(text, sizeof(text) - 1) != 0);
	ATF_CHECK_MSG(strstr(errbuf, "'\\x1b[2J\\x7f\\xff'") != NULL, "%s",
	    errbuf);
	for (c = errbuf; *c != '\0'; c++)
		ATF_CHECK((unsigned char)*c >= 0x20 && *c != 0x7f);
	ATF_CHECK_STREQ(trace_escape(out, sizeof(out), "a\\b\n"),
	    "a\\\\b\\x0a");
	/* Truncated, but never in the middle of an escape. */
	ATF_CHECK_STREQ(trace_escape(out, 6, "ab\001cd"), "ab");
}

ATF_TC(host_clock_model);
ATF_TC_HEAD(host_clock_model, tc)
{

	atf_tc_set_md_var(tc, "descr",
	    "The host clock runs at host_ppm and host_slew moves it exactly");
}
ATF_TC_BODY(host_clock_model, tc)
{
	struct scn_seg seg;
	struct scn *s;
	double off = 0;
	int64_t at3 = 0, at10 = 0, at20 = 0;

	/* 10 ppm slow; +1 ms at 500 ppm from 3.5 s: 0.25 ms, then 0.5 ms
	 * per second until 5 s, where 0.25 ms is left for second 5. */
	s = scn_mem(V1 "kind scenario\nduration_s 20\nhost_ppm -10\n"
	    "at 3.5 host_slew 0.001\nat 10 freeze 2\n", NULL);
	while (next_seg(s, &seg) > 0) {
		ATF_CHECK_MSG(fabs(seg.host_off_ns - off) < 1e-3,
		    "segment at %lld: %.3f != %.3f", (long long)seg.t0_ns,
		    seg.host_off_ns, off);
		off += (double)(seg.t1_ns - seg.t0_ns) * seg.host_ppm * 1e-6;
		/* While the slew runs, no segment crosses a second. */
		if (seg.t0_ns >= 3 * NS && seg.t0_ns < 6 * NS)
			ATF_CHECK(seg.t1_ns <= (seg.t0_ns / NS + 1) * NS);
		if (seg.t1_ns == 3 * NS)
			at3 = scn_host_offset_ns(s);
		if (seg.t1_ns == 10 * NS)
			at10 = scn_host_offset_ns(s);
		if (seg.t1_ns == 20 * NS)
			at20 = scn_host_offset_ns(s);
	}
	ATF_CHECK_EQ(at3, -30000);
	ATF_CHECK_EQ(at10, -100000 + 1000000);
	ATF_CHECK_EQ(at20, -200000 + 1000000);
	scn_close(s);
}

ATF_TC(host_wander_statistics);
ATF_TC_HEAD(host_wander_statistics, tc)
{

	atf_tc_set_md_var(tc, "descr",
	    "host_wander walks the host's rate by its sd per second");
}
ATF_TC_BODY(host_wander_statistics, tc)
{
	struct scn_seg seg;
	struct scn *s;
	double prev = 0, d, sum2 = 0;
	int n = 0;

	s = scn_mem(V1 "kind scenario\nduration_s 20001\nhost_wander 1e-7\n",
	    NULL);
	while (next_seg(s, &seg) > 0) {
		if (seg.t0_ns > 0) {
			d = (seg.host_ppm - prev) * 1e-6;
			sum2 += d * d;
			n++;
		}
		prev = seg.host_ppm;
	}
	scn_close(s);
	ATF_REQUIRE(n > 19000);
	ATF_CHECK_MSG(fabs(sqrt(sum2 / n) / 1e-7 - 1) < 0.05, "sd %g",
	    sqrt(sum2 / n));
}

ATF_TP_ADD_TCS(tp)
{

	ATF_TP_ADD_TC(tp, noise_directives);
	ATF_TP_ADD_TC(tp, meta_limit);
	ATF_TP_ADD_TC(tp, escaped_messages);
	ATF_TP_ADD_TC(tp, host_clock_model);
	ATF_TP_ADD_TC(tp, host_wander_statistics);
	ATF_TP_ADD_TC(tp, bundled_traces_parse);
	ATF_TP_ADD_TC(tp, bundled_traces_content);
	ATF_TP_ADD_TC(tp, bundled_traces_model);
	ATF_TP_ADD_TC(tp, broken_traces);
	ATF_TP_ADD_TC(tp, line_limits);
	ATF_TP_ADD_TC(tp, file_errors);
	ATF_TP_ADD_TC(tp, every_event_parses);
	ATF_TP_ADD_TC(tp, model_events);
	ATF_TP_ADD_TC(tp, model_time_zero);
	ATF_TP_ADD_TC(tp, determinism);
	ATF_TP_ADD_TC(tp, wander_statistics);
	ATF_TP_ADD_TC(tp, cycle_amplitude);
	ATF_TP_ADD_TC(tp, jitter_statistics);
	ATF_TP_ADD_TC(tp, recording_model);
	ATF_TP_ADD_TC(tp, gen_roundtrip);
	ATF_TP_ADD_TC(tp, gen_command);
	ATF_TP_ADD_TC(tp, year_streams_flat);
	return atf_no_error();
}
