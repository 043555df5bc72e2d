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
 * The clock model driven by a trace (vmtsim(5)).
 *
 * True time t is int64 ns from the start of the simulation.  scn_next()
 * hands out consecutive segments [t0_ns, t1_ns) that tile true time.
 * During a segment the guest oscillator either runs with a constant
 * fractional frequency error of ppm parts per million (guest counter
 * advances by (t1 - t0) * (1 + ppm * 1e-6) * osc_hz / 1e9 ticks) or is
 * frozen (the counter does not move and no guest code runs).  The
 * events of the segment fire at t1, after the segment has run and
 * before the next one starts, in the order listed.
 *
 * Scenarios: running segments never cross a whole second of true time;
 * at each whole second k the frequency is
 *	ppm(k) = base + 1e6 * walk(k) + cycle_ppm * sin(2 pi k / period)
 * where walk(0) = 0 and walk(k) = walk(k-1) + N(0, osc_wander^2), and
 * base is osc_ppm as changed by rate and freeze ppm= events; the sum is
 * clamped to +-SCN_MAX_PPM so that the counter never stops or runs
 * backwards however long the walk goes on.  A frozen
 * segment (suspend, freeze) spans the whole freeze unless an event falls
 * inside it.  When the first events are at time 0, the first segment is
 * the empty [0, 0) carrying them.  The last segment ends at duration
 * (or at a poweroff).
 *
 * Recordings: t = host_ns - first host_ns; one segment per interval
 * between samples with ppm = (dguest / dhost - 1) * 1e6, except that an
 * interval whose host time exceeds its guest time by more than
 * max(1 s, 2 * dguest) is a suspend: a running segment at the previous
 * interval's ppm long enough to account for dguest, then a frozen
 * segment for the rest; the running part ends with SCN_EV_SUSPEND and
 * the frozen part with SCN_EV_RESUME (no TCLO messages: a recording
 * does not know them).  Each interval's last segment carries a
 * SCN_EV_SAMPLE event with the recorded sample.  Recording rates are
 * reported as measured, not clamped.
 *
 * The host clock.  Host real time at true time t is
 *	host_epoch + t + host_off(t)
 * where host_off is the sum of the host steps so far plus the integral
 * of the host clock's frequency error, which during whole second k is
 *	hppm(k) = host_ppm + 1e6 * hwalk(k) + slew(k)
 * (hwalk a random walk like the oscillator's, with host_wander; slew(k)
 * the host NTP slew below), constant over each segment: seg.host_ppm.
 * seg.host_off_ns is host_off(t0).  While hppm varies from second to
 * second (host_wander > 0, or a slew in progress) frozen segments are
 * cut at whole seconds too.  A host_slew of A seconds at R ppm replaces
 * any slew in progress (as adjtime(2) does) and moves the host clock by
 * A at R ppm: from the event to the end of its second, and in each
 * later second, by min(|left|, R * 1e-6 * the rest of the second), at a
 * constant rate over that second.
 *
 * Random numbers come from xoshiro256** streams seeded from the seed:
 * one for the walk (one draw per second of true time, frozen or not),
 * one for the host clock's walk (the same), one for scn_jitter_ns().
 * So the same trace and seed give the same segments, bit for bit,
 * whatever the caller draws as jitter.
 *
 * Memory use does not depend on the trace's length: one trace line, one
 * read-ahead event, and the events of the current segment with the text
 * of their TCLO messages, each stored once at its own length.
 */

#ifndef _VMTSIM_SCENARIO_H_
#define _VMTSIM_SCENARIO_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace.h"

/* Host real time at t = 0 for scenarios: 2026-01-01T00:00:00Z. */
#define SCN_SCENARIO_EPOCH_NS	(1767225600LL * 1000000000LL)

#define SCN_MAX_PPM		500000.0

enum scn_ev_type {
	SCN_EV_TCLO = 1,	/* host pushes text over TCLO */
	SCN_EV_HOST_STEP,	/* host clock steps by step_ns */
	SCN_EV_RATE,		/* base ppm is now ppm (informative) */
	SCN_EV_CHECKBOX,	/* host's synctime checkbox is now value */
	SCN_EV_CPT,		/* arm a checkpoint cut: cpt */
	SCN_EV_DROP,		/* lose the next count TCLO messages */
	SCN_EV_SUSPEND,		/* the VM suspends for dur_ns from t1 */
	SCN_EV_RESUME,		/* the VM resumes from a suspend */
	SCN_EV_FREEZE,		/* a stun (vMotion) of dur_ns begins */
	SCN_EV_THAW,		/* the stun ends; ppm if has_ppm */
	SCN_EV_SAMPLE,		/* recordings: the sample ending the interval */
	SCN_EV_POWEROFF,	/* the simulation ends at t1 */
	SCN_EV_HOST_SLEW	/* host NTP starts a slew (informative) */
};

/*
 * One event.  line is the trace line that caused it (0 for the resume
 * and thaw events, which are implied).  Suspends send the host messages
 * as SCN_EV_TCLO events: "OS_Suspend" right after SCN_EV_SUSPEND, and
 * "reset", "OS_Resume", "Time_Synchronize 1" right after SCN_EV_RESUME
 * (as messages= allows).  set_option, time_synchronize, tclo and
 * checkbox push=1 become SCN_EV_TCLO with the full command text, which
 * tclo points to (NULL for other types); like the event, it is valid
 * until the next scn_next().
 */
struct scn_ev {
	enum scn_ev_type type;
	unsigned long	line;
	union {
		int64_t	step_ns;		/* HOST_STEP */
		double	ppm;			/* RATE */
		int	value;			/* CHECKBOX */
		unsigned count;			/* DROP */
		int64_t	dur_ns;			/* SUSPEND, FREEZE */
		struct {
			int	has_ppm;
			double	ppm;
		} thaw;				/* THAW */
		struct {
			enum trace_chan chan;
			enum trace_dir dir;
			enum trace_step step;
			unsigned count;
		} cpt;				/* CPT */
		struct {
			int64_t	guest_ns;
			int64_t	host_ns;
			int64_t	lag_us;		/* -1 if not recorded */
		} sample;			/* SAMPLE */
		struct {
			int64_t	amount_ns;
			double	ppm;
		} host_slew;			/* HOST_SLEW */
	} u;
	const char	*tclo;			/* TCLO */
};

/*
 * One segment.  ev points to nev events owned by the scn, valid until
 * the next scn_next() or scn_close().  ppm is 0 when frozen.
 */
struct scn_seg {
	int64_t		t0_ns;
	int64_t		t1_ns;
	bool		frozen;
	double		ppm;
	double		host_ppm;	/* host clock rate error over it */
	double		host_off_ns;	/* host_off(t0), see above */
	size_t		nev;
	const struct scn_ev *ev;
};

/* What the trace says about the setup; fixed for the whole run. */
struct scn_info {
	enum trace_kind	kind;
	int64_t		duration_ns;	/* -1 for recordings: until the end */
	uint64_t	osc_hz;		/* nominal guest counter frequency */
	unsigned	osc_bits;	/* counter width */
	double		jitter_us;	/* obsolete uniform call jitter */
	double		read_error_us;	/* the noise model, vmtsim(5) */
	double		read_outlier_prob;
	double		read_outlier_us;
	double		call_us;
	double		call_jitter_us;
	double		call_asym;
	double		stall_prob;
	double		stall_ms;
	double		stall_max_ms;
	double		osc_wander;	/* what the oracle knows */
	double		osc_cycle_ppm;
	double		osc_cycle_period_s;
	double		host_wander;
	double		catchup_ppm;	/* 0: stun backlogs are lost */
	int64_t		catchup_max_ns;
	int64_t		max_time_lag_us;
	int64_t		interrupt_lag_us; /* standing lag; recordings: first */
	int64_t		initial_offset_ns; /* guest minus host at t = 0 */
	int		synctime;	/* host checkbox at power on */
	int		precision_clock; /* the host answers PRECISIONCLOCK */
	int		tools_startup;	/* pushed at tools start; -1: not */
	int		tools_startup_backward; /* the same */
	uint64_t	seed;		/* the seed in use */
	int64_t		host_epoch_ns;	/* host real time at t = 0 */
	int64_t		guest_epoch_ns;	/* recordings: first guest_ns */
};

struct scn;

/*
 * Build the model on an opened trace, which the scn owns from then on
 * (scn_close() closes it, also when scn_open() fails).  seed NULL
 * means the trace's seed.  NULL with the reason in err on failure.
 */
struct scn *scn_open(struct trace *, const uint64_t *seed,
	    char *err, size_t errlen);

/* trace_open() and scn_open() in one. */
struct scn *scn_open_path(const char *path, const uint64_t *seed,
	    char *err, size_t errlen);

const struct scn_info *scn_info(const struct scn *);

/*
 * The next segment: 1 with *seg filled, 0 after the last one, -1 on a
 * trace error ("file:line: ..." in err; the scn is then unusable).
 */
int	scn_next(struct scn *, struct scn_seg *seg, char *err, size_t errlen);

/*
 * Host real time minus (host_epoch + t) at the end of the last segment
 * handed out: the host steps, slews and frequency error so far, rounded
 * to the ns.
 */
int64_t	scn_host_offset_ns(const struct scn *);

/* A host read jitter draw, N(0, jitter_us^2), in ns (0 if no jitter). */
int64_t	scn_jitter_ns(struct scn *);

void	scn_close(struct scn *);

#endif /* _VMTSIM_SCENARIO_H_ */
