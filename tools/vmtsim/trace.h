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
 * Streaming reader of vmtsim trace files (format: vmtsim(5)).
 *
 * A trace is either a scenario (header directives, then "at" events) or
 * a recording (header directives, then "sample" lines).  trace_open()
 * reads the version line and every header directive, reading ahead up
 * to and including the first event or sample, which it keeps for the
 * first trace_next().  trace_next() then returns one event or sample at
 * a time.  Only one line is held in memory at any time, so a 365-day
 * trace costs no more than a 1-minute one.
 *
 * Errors are written as "name:line: what is wrong" into the caller's
 * buffer (truncated to its size).  After an error the reader stays in
 * the error state: every later trace_next() fails with the same text.
 * A caller that must not act on a partly valid trace runs
 * trace_validate() first.
 */

#ifndef _VMTSIM_TRACE_H_
#define _VMTSIM_TRACE_H_

#include <stddef.h>
#include <stdint.h>

#define TRACE_VERSION_LINE	"# vmtsim trace v1"
#define TRACE_LINE_MAX		4096	/* bytes per line, newline excluded */

/* Defaults of the scenario header directives. */
#define TRACE_DEF_OSC_HZ	1000000000ULL
#define TRACE_DEF_OSC_BITS	32
#define TRACE_DEF_CYCLE_PERIOD_S 86400.0
/*
 * open-vm-tools steps only when the guest is behind by more than the
 * host's maxTimeLag (interrupt lag plus a configured allowance); 1 s is
 * the allowance assumed when a trace says nothing.
 */
#define TRACE_DEF_MAX_TIME_LAG_US 1000000
#define TRACE_DEF_SEED		1

/* Limits, shared with vmtsim gen so that it only writes valid traces. */
#define TRACE_MAX_DURATION_S	1e9	/* keeps every time in int64 ns */
#define TRACE_MIN_OSC_HZ	1000
#define TRACE_MAX_OSC_HZ	100000000000ULL
#define TRACE_MAX_PPM		1000.0	/* |osc_ppm|, |rate|, |freeze ppm=| */
#define TRACE_MAX_CYCLE_PPM	1000.0
#define TRACE_MIN_CYCLE_PERIOD_S 2.0	/* the cycle is sampled once a second */
#define TRACE_MAX_WANDER	1e-6	/* per-second step of the walk */
#define TRACE_MAX_JITTER_US	1e6
#define TRACE_MAX_LAG_US	4294967295LL	/* a 32-bit backdoor register */
#define TRACE_MAX_OFFSET_S	1e9
#define TRACE_MAX_HOST_STEP_S	1e9
#define TRACE_MAX_COUNT		1000000	/* cpt count=, drop */
#define TRACE_MAX_META		256	/* meta lines kept (before the data) */
#define TRACE_MAX_NOISE_US	1e6	/* read_error_us, call_*_us, ... */
#define TRACE_MAX_STALL_MS	1e5	/* stall_ms, stall_max_ms */
#define TRACE_DEF_CALL_US	1.0	/* a backdoor call is never free */
#define TRACE_DEF_STALL_MAX_MS	1000.0
#define TRACE_MAX_CATCHUP_PPM	300000.0
#define TRACE_DEF_CATCHUP_MAX_S	60.0
#define TRACE_MAX_HOST_SLEW_S	1e3	/* host_slew amount */
#define TRACE_DEF_HOST_SLEW_PPM	500.0	/* ntpd's adjtime rate */
#define TRACE_MAX_HOST_SLEW_PPM	5000.0

enum trace_kind {
	TRACE_SCENARIO = 1,
	TRACE_RECORDING = 2
};

/* Bits of trace_header.have: which directives the file gave. */
#define TRACE_HAVE_DURATION	0x0001
#define TRACE_HAVE_OSC_HZ	0x0002
#define TRACE_HAVE_OSC_BITS	0x0004
#define TRACE_HAVE_OSC_PPM	0x0008
#define TRACE_HAVE_WANDER	0x0010
#define TRACE_HAVE_CYCLE_PPM	0x0020
#define TRACE_HAVE_CYCLE_PERIOD	0x0040
#define TRACE_HAVE_JITTER	0x0080
#define TRACE_HAVE_MAX_LAG	0x0100
#define TRACE_HAVE_INT_LAG	0x0200
#define TRACE_HAVE_OFFSET	0x0400
#define TRACE_HAVE_SYNCTIME	0x0800
#define TRACE_HAVE_SEED		0x1000
#define TRACE_HAVE_COUNTER_HZ	0x2000
#define TRACE_HAVE_READ_ERROR	0x4000
#define TRACE_HAVE_OUTLIER_PROB	0x8000
#define TRACE_HAVE_OUTLIER_US	0x10000
#define TRACE_HAVE_CALL_US	0x20000
#define TRACE_HAVE_CALL_JITTER	0x40000
#define TRACE_HAVE_CALL_ASYM	0x80000
#define TRACE_HAVE_STALL_PROB	0x100000
#define TRACE_HAVE_STALL_MS	0x200000
#define TRACE_HAVE_STALL_MAX	0x400000
#define TRACE_HAVE_HOST_PPM	0x800000
#define TRACE_HAVE_HOST_WANDER	0x1000000
#define TRACE_HAVE_CATCHUP_PPM	0x2000000
#define TRACE_HAVE_CATCHUP_MAX	0x4000000
#define TRACE_HAVE_PCLK		0x8000000
#define TRACE_HAVE_TOOLS_STARTUP 0x10000000
#define TRACE_HAVE_TOOLS_BACK	0x20000000

/*
 * The header.  Fields a kind does not use keep their defaults.  For a
 * recording, osc_hz is counter_hz when given.
 */
struct trace_header {
	enum trace_kind	kind;
	unsigned	have;			/* TRACE_HAVE_* */
	double		duration_s;		/* scenario only, > 0 */
	int64_t		duration_ns;		/* the same, rounded to ns */
	uint64_t	osc_hz;
	unsigned	osc_bits;
	double		osc_ppm;
	double		osc_wander;
	double		osc_cycle_ppm;
	double		osc_cycle_period_s;
	double		jitter_us;		/* obsolete call jitter */
	double		read_error_us;		/* the noise model: vmtsim(5) */
	double		read_outlier_prob;
	double		read_outlier_us;
	double		call_us;
	double		call_jitter_us;
	double		call_asym;
	double		stall_prob;
	double		stall_ms;
	double		stall_max_ms;
	double		host_ppm;
	double		host_wander;
	double		catchup_ppm;
	double		catchup_max_s;
	int64_t		max_time_lag_us;
	int64_t		interrupt_lag_us;
	double		initial_offset_s;
	int		synctime;
	int		precision_clock;	/* the host answers command 97 */
	int		tools_startup;		/* -1: the host does not push */
	int		tools_startup_backward;	/* -1: the host does not push */
	uint64_t	seed;
	uint64_t	counter_hz;		/* recording; 0 if not given */
	size_t		nmeta;			/* recording "meta" lines */
	char		**meta;			/* their text, in file order */
};

enum trace_ev_type {
	TRACE_EV_SAMPLE = 1,	/* recording */
	TRACE_EV_SUSPEND,	/* the rest are scenario events */
	TRACE_EV_FREEZE,
	TRACE_EV_RATE,
	TRACE_EV_HOST_STEP,
	TRACE_EV_SET_OPTION,
	TRACE_EV_TIME_SYNC,
	TRACE_EV_TCLO,
	TRACE_EV_CHECKBOX,
	TRACE_EV_CPT,
	TRACE_EV_DROP,
	TRACE_EV_POWEROFF,
	TRACE_EV_HOST_SLEW
};

/* suspend messages=: which host messages are sent. */
#define TRACE_MSG_SUSPEND	0x1	/* OS_Suspend */
#define TRACE_MSG_RESUME	0x2	/* reset, OS_Resume, Time_Synchronize 1 */
#define TRACE_MSG_ALL		(TRACE_MSG_SUSPEND | TRACE_MSG_RESUME)

enum trace_chan { TRACE_CHAN_RPCI, TRACE_CHAN_TCLO };
enum trace_dir { TRACE_DIR_SEND, TRACE_DIR_RECV };
enum trace_step { TRACE_STEP_PAYLOAD, TRACE_STEP_HB, TRACE_STEP_STATUS };

/*
 * One event or sample.  at_ns is the scenario event time (ns from the
 * start); for a sample it is 0.  text is used by set_option ("name
 * value", one space, the name being the first name_len bytes) and tclo
 * (the raw command).
 */
struct trace_event {
	enum trace_ev_type type;
	unsigned long	line;
	int64_t		at_ns;
	union {
		struct {
			int64_t	guest_ns;
			int64_t	host_ns;
			int64_t	lag_us;		/* -1 if not given */
		} sample;
		struct {
			int64_t	dur_ns;
			unsigned msgs;		/* TRACE_MSG_* */
		} suspend;
		struct {
			int64_t	dur_ns;
			int	has_ppm;
			double	ppm;		/* new base ppm after it */
		} freeze;
		struct {
			double	ppm;
		} rate;
		struct {
			int64_t	step_ns;
		} host_step;
		struct {
			int64_t	amount_ns;
			double	ppm;		/* rate, > 0 */
		} host_slew;
		struct {
			size_t	name_len;
		} set_option;
		struct {
			int	value;
		} time_sync;
		struct {
			int	value;
			int	push;
		} checkbox;
		struct {
			enum trace_chan chan;
			enum trace_dir dir;
			enum trace_step step;
			unsigned count;
		} cpt;
		struct {
			unsigned count;
		} drop;
	} u;
	char		text[TRACE_LINE_MAX + 1];
};

struct trace;

/*
 * Open a trace file and read its header.  Returns NULL with the reason
 * in err on any error (I/O, bad version line, bad header directive, or
 * a bad first event).
 */
struct trace *trace_open(const char *path, char *err, size_t errlen);

/*
 * The same, parsing len bytes at buf (no NUL terminator needed; NUL
 * bytes are an error).  buf must stay valid until trace_close().
 * name is used in error messages.
 */
struct trace *trace_open_mem(const void *buf, size_t len, const char *name,
    char *err, size_t errlen);

/* The header read by trace_open(); valid until trace_close(). */
const struct trace_header *trace_header(const struct trace *);

/* The name errors are reported under. */
const char *trace_name(const struct trace *);

/*
 * The next event or sample: 1 with *ev filled, 0 at the end of the
 * trace, -1 on error with the reason in err.
 */
int	trace_next(struct trace *, struct trace_event *ev,
	    char *err, size_t errlen);

/* Free everything; NULL is allowed. */
void	trace_close(struct trace *);

/*
 * Parse a whole trace file, keeping nothing: 0 if it is valid, -1 with
 * the reason in err otherwise.
 */
int	trace_validate(const char *path, char *err, size_t errlen);

/*
 * The same, also giving the true time the trace covers: duration_s, or
 * the host time from the first sample to the last.
 */
int	trace_validate_span(const char *path, int64_t *span_ns, char *err,
	    size_t errlen);

/*
 * Copy src into dst (of len > 0 bytes, always terminated), every byte
 * outside printable ASCII written as \xNN and a backslash as \\, so
 * that no message shows a terminal control sequence from its input.
 * Returns dst.
 */
char	*trace_escape(char *dst, size_t len, const char *src);

/* The scenario keyword of an event type ("suspend", ...; "sample"). */
const char *trace_ev_name(enum trace_ev_type);

#endif /* _VMTSIM_TRACE_H_ */
