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
 * vmtrace record: pairs of (guest raw monotonic ns, host real time ns),
 * written as a vmtsim(5) recording, one flushed line per sample.
 *
 * The host clock is the backdoor's PRECISIONCLOCK (ns) where the host
 * has VMware's precision clock, else its GETTIMEFULL(_WITH_LAG) on a
 * VMware guest, else this machine's CLOCK_REALTIME.  Either way each host read
 * is bracketed by two guest reads and the tightest of a few brackets
 * is kept, its midpoint standing for the guest time of the host read.
 */

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include <dev/vmt/vmtreg.h>

#include "vmtrace.h"

#define VT_TRIES	4		/* brackets per sample */
#define VT_JUMP_NS	1000000000	/* host-guest jump worth a note */
#define VT_BOOT_NS	1000000		/* boot-time gain worth a note */
#define VT_TIME_MIN	946684800U	/* 2000-01-01: believable host time */
/* The precision clock must agree with GETTIMEFULL to within this. */
#define VT_PCLK_AGREE_NS 1000000000LL

struct vt_sample {
	int64_t		guest_ns;
	int64_t		host_ns;
	int64_t		spread_ns;	/* width of the guest bracket */
	uint32_t	lag_us;		/* interrupt lag (command 55) */
};

struct vt_rec {
	FILE		*fp;
	const char	*path;		/* for messages */
	bool		have_bd;	/* the backdoor answered GETVERSION */
	bool		backdoor;	/* host time from the backdoor */
	bool		pclk;		/* ... by PRECISIONCLOCK */
	uint32_t	cmd;		/* GETTIMEFULL(_WITH_LAG): 55, 46, or
					 * 0 (none; pclk only) */
	uint32_t	max_lag_us;	/* from the first backdoor read */
	bool		have_last;
	struct vt_sample last;
	uint64_t	index;		/* samples written */
	uint64_t	skipped;
	char		why[160];	/* why not the backdoor */
	bool		have_boot;
	int64_t		boot_off0;	/* BOOTTIME - MONOTONIC at start */
	int64_t		boot_off;	/* ... at the last sample */
};

static volatile sig_atomic_t vt_stop;

static void
vt_on_signal(int sig)
{

	vt_stop = 1;
}

/*
 * One backdoor time read, judged as vmtrace probe judges it: the magic
 * in EAX and a believable time, or nothing.
 */
static bool
vt_backdoor_time(uint32_t cmd, int64_t *host_ns, uint32_t *max_lag_us,
    uint32_t *lag_us)
{
	struct vm_backdoor f;
	uint64_t sec;

	vt_backdoor_call(&f, cmd);
	sec = (uint64_t)f.esi.word << 32 | f.edx.word;
	if (f.eax.word != VM_MAGIC || sec < VT_TIME_MIN ||
	    sec > INT64_MAX / 1000000000 - 1 || f.ebx.word >= 1000000)
		return false;
	*host_ns = (int64_t)sec * 1000000000 + (int64_t)f.ebx.word * 1000;
	*max_lag_us = f.ecx.word;
	*lag_us = cmd == VM_CMD_GET_TIME_FULL_LAG ? f.edi.word : 0;
	return true;
}

static bool
vt_sample(struct vt_rec *r, struct vt_sample *best)
{
	struct vt_sample s;
	int64_t g0, g1;
	uint32_t max_lag;
	bool ok = false;
	int i;

	for (i = 0; i < VT_TRIES; i++) {
		s.lag_us = 0;
		g0 = vt_clock_ns(VT_CLOCK_GUEST);
		if (r->pclk) {
			if (!vt_precision_time(&s.host_ns, NULL))
				continue;
		} else if (r->backdoor) {
			if (!vt_backdoor_time(r->cmd, &s.host_ns, &max_lag,
			    &s.lag_us))
				continue;
		} else
			s.host_ns = vt_clock_ns(CLOCK_REALTIME);
		g1 = vt_clock_ns(VT_CLOCK_GUEST);
		s.spread_ns = g1 - g0;
		s.guest_ns = g0 + s.spread_ns / 2;
		if (!ok || s.spread_ns < best->spread_ns) {
			*best = s;
			ok = true;
		}
	}
	/* The precision clock tells no lag: GETTIMEFULL_WITH_LAG does. */
	if (ok && r->pclk && r->cmd == VM_CMD_GET_TIME_FULL_LAG &&
	    !vt_backdoor_time(r->cmd, &s.host_ns, &max_lag, &best->lag_us))
		best->lag_us = 0;
	return ok;
}

#ifdef CLOCK_BOOTTIME
/*
 * BOOTTIME - MONOTONIC: grows by exactly the time spent suspended, the
 * one thing that tells a laptop's sleep from a host clock step.
 */
static int64_t
vt_boot_offset(void)
{
	int64_t m0, b, m1;

	m0 = vt_clock_ns(CLOCK_MONOTONIC);
	b = vt_clock_ns(CLOCK_BOOTTIME);
	m1 = vt_clock_ns(CLOCK_MONOTONIC);
	return b - (m0 + (m1 - m0) / 2);
}
#endif

static void
vt_write_header(struct vt_rec *r, const struct vt_record_opts *o,
    const char *source)
{
	struct utsname u;
	struct timespec now;
	struct tm tm;
	char buf[128], hv[16];
	uint64_t tsc_hz;
	uint32_t bus_hz;
	bool have_hz = false;
	FILE *cs;

	fprintf(r->fp, "# vmtsim trace v1\nkind recording\n");
	if (uname(&u) == 0)
		fprintf(r->fp, "meta host %s, %s %s %s\n", u.nodename,
		    u.sysname, u.release, u.machine);
	clock_gettime(CLOCK_REALTIME, &now);
	if (gmtime_r(&now.tv_sec, &tm) != NULL &&
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) != 0)
		fprintf(r->fp, "meta started %s\n", buf);
	cs = fopen("/sys/devices/system/clocksource/clocksource0/"
	    "current_clocksource", "r");
	if (cs != NULL) {
		if (fgets(buf, sizeof(buf), cs) != NULL) {
			buf[strcspn(buf, "\n")] = '\0';
			fprintf(r->fp, "meta clocksource %s\n", buf);
		}
		fclose(cs);
	}
	if (vt_hypervisor(hv, sizeof(hv)))
		fprintf(r->fp, "meta hypervisor %s\n", hv);
	fprintf(r->fp, "meta source %s\n", source);
	fprintf(r->fp, "meta guest_clock %s\n", VT_CLOCK_GUEST_NAME);
	fprintf(r->fp, "meta interval_s %g, %d brackets per sample, "
	    "tightest kept\n", o->interval_s, VT_TRIES);
	if (r->have_boot)
		fprintf(r->fp, "meta boottime_minus_monotonic_ns %" PRId64
		    "\n", r->boot_off0);
	if (r->have_bd) {
		have_hz = vt_gethz(&tsc_hz, &bus_hz, NULL);
		if (have_hz)
			fprintf(r->fp, "meta gethz tsc_hz %" PRIu64
			    " bus_hz %" PRIu32 "\n", tsc_hz, bus_hz);
		else
			fprintf(r->fp, "meta gethz unsupported\n");
	}
	if (have_hz)
		fprintf(r->fp, "counter_hz %" PRIu64 "\n", tsc_hz);
	if (r->backdoor && r->cmd != 0)
		fprintf(r->fp, "max_time_lag_us %" PRIu32 "\n",
		    r->max_lag_us);
}

/* Notes between samples: comments, which the trace parser skips. */
static void
vt_check_jumps(struct vt_rec *r, const struct vt_sample *s)
{
	int64_t dg, dh, jump;
#ifdef CLOCK_BOOTTIME
	int64_t off, gain;

	if (r->have_boot) {
		off = vt_boot_offset();
		gain = off - r->boot_off;
		if (gain > VT_BOOT_NS)
			fprintf(r->fp, "# suspend: CLOCK_BOOTTIME gained "
			    "%.6f s on CLOCK_MONOTONIC before sample %"
			    PRIu64 "\n", gain / 1e9, r->index);
		r->boot_off = off;
	}
#endif
	if (!r->have_last)
		return;
	dg = s->guest_ns - r->last.guest_ns;
	dh = s->host_ns - r->last.host_ns;
	jump = dh - dg;
	if (jump > VT_JUMP_NS)
		fprintf(r->fp, "# suspend: host time ran %.6f s ahead of "
		    "the guest clock before sample %" PRIu64 " (a suspend, "
		    "or a forward step of the host clock)\n", jump / 1e9,
		    r->index);
	else if (jump < -VT_JUMP_NS)
		fprintf(r->fp, "# step: host time fell %.6f s behind the "
		    "guest clock before sample %" PRIu64 " (a backward step "
		    "of the host clock)\n", -jump / 1e9, r->index);
}

static bool
vt_emit(struct vt_rec *r, const struct vt_sample *s)
{

	vt_check_jumps(r, s);
	/*
	 * The format wants both columns strictly increasing.  A host clock
	 * stepped back (or a coarse one read twice within its resolution)
	 * breaks that; drop the sample and say so.
	 */
	if (r->have_last && (s->guest_ns <= r->last.guest_ns ||
	    s->host_ns <= r->last.host_ns)) {
		fprintf(r->fp, "# skipped: sample at guest %" PRId64 " host %"
		    PRId64 " does not follow guest %" PRId64 " host %" PRId64
		    "\n", s->guest_ns, s->host_ns, r->last.guest_ns,
		    r->last.host_ns);
		r->skipped++;
	} else {
		if (r->backdoor && r->cmd == VM_CMD_GET_TIME_FULL_LAG)
			fprintf(r->fp, "sample %" PRId64 " %" PRId64 " %"
			    PRIu32 "\n", s->guest_ns, s->host_ns, s->lag_us);
		else
			fprintf(r->fp, "sample %" PRId64 " %" PRId64 "\n",
			    s->guest_ns, s->host_ns);
		r->last = *s;
		r->have_last = true;
		r->index++;
	}
	if (fflush(r->fp) == EOF || ferror(r->fp)) {
		fprintf(stderr, "vmtrace: %s: %s\n", r->path,
		    strerror(errno ? errno : EIO));
		return false;
	}
	return true;
}

/*
 * Pick the host clock: the backdoor's time commands if this is a VMware
 * guest that answers them, else CLOCK_REALTIME.  The backdoor is only
 * probed where a hypervisor is announced: on bare metal a read of an
 * unknown I/O port is not ours to make unasked (vmtrace probe does ask).
 */
static void
vt_choose_source(struct vt_rec *r, char *source, size_t len)
{
	struct vt_version ver;
	char *why = r->why, hv[16], pclk_note[96];
	size_t wlen = sizeof(r->why);
	int64_t host_ns, pc_ns, d;
	uint32_t lag;

	r->backdoor = false;
	if (!vt_hypervisor(hv, sizeof(hv)) && !vt_dmi_vmware()) {
		snprintf(why, wlen, "no hypervisor announced, "
		    "backdoor not probed");
	} else if (vt_backdoor_open(&ver, why, wlen) == VT_BD_OK) {
		r->have_bd = true;
		if (vt_backdoor_time(VM_CMD_GET_TIME_FULL_LAG, &host_ns,
		    &r->max_lag_us, &lag))
			r->cmd = VM_CMD_GET_TIME_FULL_LAG;
		else if (vt_backdoor_time(VM_CMD_GET_TIME_FULL, &host_ns,
		    &r->max_lag_us, &lag))
			r->cmd = VM_CMD_GET_TIME_FULL;
		else
			snprintf(why, wlen, "the backdoor (version %" PRIu32
			    ") answers neither GETTIMEFULL_WITH_LAG nor "
			    "GETTIMEFULL", ver.version);
		/*
		 * The precision clock where the host has it, if it agrees
		 * with GETTIMEFULL (the last read above) within a second.
		 */
		pclk_note[0] = '\0';
		if (vt_precision_time(&pc_ns, NULL)) {
			d = r->cmd != 0 ? pc_ns - host_ns : 0;
			if (d > VT_PCLK_AGREE_NS || d < -VT_PCLK_AGREE_NS)
				snprintf(pclk_note, sizeof(pclk_note),
				    "; PRECISIONCLOCK answers %.3f s off "
				    "GETTIMEFULL: not used", d / 1e9);
			else
				r->pclk = true;
		}
		r->backdoor = r->cmd != 0 || r->pclk;
	}
	if (r->pclk)
		snprintf(source, len, "backdoor PRECISIONCLOCK (%d), host_ns "
		    "is VMware host time to the ns%s", VM_CMD_PRECISIONCLOCK,
		    r->cmd == VM_CMD_GET_TIME_FULL_LAG ? "; lag_us from "
		    "GETTIMEFULL_WITH_LAG (55)" : "");
	else if (r->backdoor)
		snprintf(source, len, "backdoor %s (%" PRIu32 "), "
		    "host_ns is VMware host time%s",
		    r->cmd == VM_CMD_GET_TIME_FULL_LAG ?
		    "GETTIMEFULL_WITH_LAG" : "GETTIMEFULL", r->cmd, pclk_note);
	else
		snprintf(source, len, "realtime, host_ns is CLOCK_REALTIME "
		    "of this machine (%s)", why);
}

static struct timespec
vt_ts(int64_t ns)
{
	struct timespec ts;

	ts.tv_sec = ns / 1000000000;
	ts.tv_nsec = ns % 1000000000;
	return ts;
}

int
vt_record(const struct vt_record_opts *o)
{
	struct vt_rec r;
	struct vt_sample s;
	struct sigaction sa;
	struct timespec ts;
	char source[256];
	int64_t interval_ns, start, next, end, now;
	int error, rv = EXIT_SUCCESS;

	memset(&r, 0, sizeof(r));
	if (o->output == NULL || strcmp(o->output, "-") == 0) {
		r.fp = stdout;
		r.path = "standard output";
	} else {
		if ((r.fp = fopen(o->output, "w")) == NULL) {
			fprintf(stderr, "vmtrace: %s: %s\n", o->output,
			    strerror(errno));
			return EXIT_FAILURE;
		}
		r.path = o->output;
	}

	/* Stop cleanly between samples; never restart the sleep. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = vt_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	vt_choose_source(&r, source, sizeof(source));
	if (!r.backdoor)
		fprintf(stderr, "vmtrace: recording CLOCK_REALTIME (%s)\n",
		    r.why);
#ifdef CLOCK_BOOTTIME
	r.boot_off0 = r.boot_off = vt_boot_offset();
	r.have_boot = true;
#endif
	vt_write_header(&r, o, source);

	interval_ns = (int64_t)(o->interval_s * 1e9 + 0.5);
	if (interval_ns < 1)
		interval_ns = 1;
	start = next = vt_clock_ns(CLOCK_MONOTONIC);
	end = o->duration_s > 0 ?
	    start + (int64_t)(o->duration_s * 1e9 + 0.5) : INT64_MAX;

	while (!vt_stop) {
		if (vt_sample(&r, &s)) {
			if (!vt_emit(&r, &s)) {
				rv = EXIT_FAILURE;
				break;
			}
		} else {
			fprintf(r.fp, "# skipped: no valid backdoor time read "
			    "in %d tries\n", VT_TRIES);
			r.skipped++;
		}
		if (o->count != 0 && r.index >= o->count)
			break;
		/*
		 * Absolute deadlines, so the sampling does not drift; after
		 * a long stall (a suspend) resume the grid from now rather
		 * than firing the missed samples back to back.
		 */
		next += interval_ns;
		now = vt_clock_ns(CLOCK_MONOTONIC);
		if (next < now)
			next = now + interval_ns;
		if (next > end)
			break;
		ts = vt_ts(next);
		do
			error = clock_nanosleep(CLOCK_MONOTONIC,
			    TIMER_ABSTIME, &ts, NULL);
		while (error == EINTR && !vt_stop);
	}

#ifdef CLOCK_BOOTTIME
	fprintf(r.fp, "# end: %" PRIu64 " samples, %" PRIu64 " skipped, "
	    "CLOCK_BOOTTIME gained %.6f s on CLOCK_MONOTONIC\n", r.index,
	    r.skipped, (r.boot_off - r.boot_off0) / 1e9);
#else
	fprintf(r.fp, "# end: %" PRIu64 " samples, %" PRIu64 " skipped\n",
	    r.index, r.skipped);
#endif
	if (fflush(r.fp) == EOF || ferror(r.fp)) {
		if (rv == EXIT_SUCCESS)
			fprintf(stderr, "vmtrace: %s: %s\n", r.path,
			    strerror(errno ? errno : EIO));
		rv = EXIT_FAILURE;
	}
	if (r.fp != stdout && fclose(r.fp) == EOF && rv == EXIT_SUCCESS) {
		fprintf(stderr, "vmtrace: %s: %s\n", r.path, strerror(errno));
		rv = EXIT_FAILURE;
	}
	return rv;
}
