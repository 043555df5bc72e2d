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
 * vmtsim-guest, vmtsim-guest-nots: one policy, one trace, one fresh
 * kernel.  Started by vmtsim(1), which reads what this writes (see
 * record.h) on the file descriptor it names:
 *
 *	vmtsim-guest -f fd -p policy [-s seed] trace
 *
 * The guest boots the userland kernel environment, creates a counter
 * running as the trace says, attaches the policy's drivers to a
 * simulated VMware host, replays the trace's segments and events, and
 * measures the guest clock against true host time: at every whole
 * second, and every 100 ms for 10 s after a resume, a thaw or a host
 * step.  The measurement is the simulator's own, made outside any
 * driver: nanotime() minus host time.
 */

#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kern/kenv.h"
#include "vmthost/vmthost.h"
#include "vmtsim/record.h"
#include "vmtsim/scenario.h"
#include "vmtsim/vmtsim_kern.h"

#define NS_PER_S		1000000000LL
#define GUEST_HZ		100
#define FINE_STEP_NS		(NS_PER_S / 10)
#define FINE_SPAN_NS		(10 * NS_PER_S)
/* A run this far past its end slept inside a backdoor call. */
#define LATE_NS			(NS_PER_S / 20)
/* How long the guest may take to answer OS_Suspend before freezing. */
#define SUSPEND_GRACE_NS	(2 * NS_PER_S)
#define GRACE_STEP_NS		(NS_PER_S / 100)
/* The default synctime.period: a guest not told may take this long. */
#define DISABLE_LATE_NS		(60 * NS_PER_S)
#define DISABLE_PUSH_NS		(2 * NS_PER_S)
#define HOST_LATENCY_NS		1000
/* Rates are only computed over at least this much counter time. */
#define RATE_MIN_NS		(NS_PER_S / 2)

struct guest {
	struct scn		*g_scn;
	const struct scn_info	*g_info;
	struct vmthost		*g_host;
	struct vmtsim_policy	*g_pol;
	FILE			*g_out;
	int			g_ctr;		/* the kenv counter id */
	double			g_ppm;		/* its current true rate */
	int64_t			g_host_off_ns;	/* host steps so far */

	/* Measurement schedule. */
	int64_t			g_next_sec_ns;
	int64_t			g_fine_next_ns;
	int64_t			g_fine_end_ns;	/* 0: no fine window */
	int64_t			g_last_ns;	/* last record's time */
	/* The VM slept inside a backdoor call until g_frozen_upto_ns. */
	int64_t			g_frozen_upto_ns;
	int64_t			g_frozen_rt_ns;	/* its clock meanwhile */

	/* Since the last SECOND record. */
	uint32_t		g_flags;
	uint32_t		g_recstart;	/* VS_F_RECSTART, once */
	uint32_t		g_steps;
	uint32_t		g_back_steps;
	int64_t			g_back_ns;
	int64_t			g_step_sum_ns;	/* signed sum of steps */
	uint64_t		g_adj_prev;
	int64_t			g_rt_prev_ns;
	uint64_t		g_raw_prev;

	/* The host's checkbox and the window where it is off. */
	bool			g_checkbox;
	int64_t			g_dis_from_ns;	/* INT64_MAX: not disabled */

	uint64_t		g_rpc_errors;
	int64_t			g_end_ns;
};

static struct guest guest;

static int64_t
guest_host_now(void *arg)
{
	struct guest *g = arg;

	return g->g_info->host_epoch_ns + kenv_now() + g->g_host_off_ns;
}

static int64_t
guest_realtime_ns(void)
{
	struct timespec ts;

	nanotime(&ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static void
guest_write(struct guest *g, const struct vs_rec *r)
{
	if (fwrite(r, sizeof(*r), 1, g->g_out) != 1)
		err(1, "write");
}

/*
 * kern_tc.c logs every step (kern.timecounter.timestepwarnings);
 * drivers log their RPC failures.  Both are counted here.
 */
static void
guest_log(void *arg, int pri, const char *line)
{
	struct guest *g = arg;
	long long as, bs;
	long an, bn;
	int64_t a, b;

	if (sscanf(line, "Time stepped from %lld.%ld to %lld.%ld",
	    &as, &an, &bs, &bn) == 4) {
		a = as * NS_PER_S + an;
		b = bs * NS_PER_S + bn;
		g->g_steps++;
		g->g_step_sum_ns += b - a;
		g->g_flags |= VS_F_STEP;
		if (b < a) {
			g->g_back_steps++;
			g->g_flags |= VS_F_BACK;
			if (a - b > g->g_back_ns)
				g->g_back_ns = a - b;
		}
		return;
	}
	if (strstr(line, "failed") != NULL ||
	    strstr(line, "unable to") != NULL ||
	    strstr(line, "resetting rpc") != NULL)
		g->g_rpc_errors++;
}

static uint64_t
guest_adjustments(void)
{
	uint64_t s, t, f;

	vmtsim_tc_counts(&s, &t, &f);
	return s + t + f;
}

/* The deliberate rate of the clock since the last SECOND record. */
static double
guest_slew_ppm(struct guest *g, int64_t rt, uint64_t raw)
{
	double draw_ns, drt_ns;

	draw_ns = (double)(raw - g->g_raw_prev) * 1e9 /
	    (double)g->g_info->osc_hz;
	if (draw_ns < RATE_MIN_NS)
		return NAN;
	drt_ns = (double)(rt - g->g_rt_prev_ns - g->g_step_sum_ns);
	return (drt_ns / draw_ns - 1) * 1e6;
}

/* True host time at true time t. */
static int64_t
guest_host_at(const struct guest *g, int64_t t)
{
	return g->g_info->host_epoch_ns + t + g->g_host_off_ns;
}

static void
guest_emit_second(struct guest *g, int64_t t)
{
	bool slept = t <= g->g_frozen_upto_ns;
	struct vs_rec r;
	int64_t rt, host, freq;
	uint64_t raw, adj;

	memset(&r, 0, sizeof(r));
	r.type = VS_REC_SECOND;
	r.t_ns = t;
	rt = guest_realtime_ns();
	host = guest_host_now(g);
	raw = kenv_counter_raw(g->g_ctr);
	adj = guest_adjustments();
	/*
	 * A second the VM slept through inside a backdoor call: its clock
	 * stood still then, at about what it read before the call.
	 */
	r.u.sec.offset_ns = slept ? g->g_frozen_rt_ns - guest_host_at(g, t) :
	    rt - host;
	(void)tc_adjfreq(&freq, NULL);
	r.u.sec.freq_ppb = (int64_t)llround((double)freq / 4294967296.0);
	r.u.sec.slew_ppm = guest_slew_ppm(g, rt, raw);
	r.u.sec.back_ns = g->g_back_ns;
	r.u.sec.steps = g->g_steps;
	r.u.sec.back_steps = g->g_back_steps;
	r.u.sec.adjust = (uint32_t)(adj - g->g_adj_prev);
	r.flags = g->g_flags | g->g_recstart;
	if (slept || kenv_suspended())
		r.flags |= VS_F_FROZEN;
	/* The whole second lay in the window where the host said no. */
	if (g->g_dis_from_ns <= g->g_last_ns)
		r.flags |= VS_F_DISABLED;
	guest_write(g, &r);

	g->g_flags = g->g_recstart = 0;
	g->g_steps = g->g_back_steps = 0;
	g->g_back_ns = g->g_step_sum_ns = 0;
	g->g_adj_prev = adj;
	g->g_rt_prev_ns = rt;
	g->g_raw_prev = raw;
	g->g_last_ns = t;
}

static void
guest_emit_fine(struct guest *g, int64_t t)
{
	struct vs_rec r;

	memset(&r, 0, sizeof(r));
	r.type = VS_REC_FINE;
	r.t_ns = t;
	r.flags = g->g_flags | g->g_recstart;
	if (kenv_suspended())
		r.flags |= VS_F_FROZEN;
	r.u.sec.offset_ns = guest_realtime_ns() - guest_host_now(g);
	guest_write(g, &r);
	g->g_recstart = 0;
}

/* Emit every measurement that is due at the current time. */
static void
guest_measure(struct guest *g)
{
	int64_t now = kenv_now();
	bool fine;

	for (;;) {
		fine = g->g_fine_end_ns != 0 &&
		    g->g_fine_next_ns < g->g_next_sec_ns;
		if (fine && g->g_fine_next_ns <= now) {
			if (g->g_fine_next_ns > g->g_frozen_upto_ns)
				guest_emit_fine(g, g->g_fine_next_ns);
			g->g_fine_next_ns += FINE_STEP_NS;
			if (g->g_fine_next_ns >= g->g_fine_end_ns)
				g->g_fine_end_ns = 0;
			continue;
		}
		if (g->g_next_sec_ns > now)
			break;
		guest_emit_second(g, g->g_next_sec_ns);
		if (g->g_fine_end_ns != 0 &&
		    g->g_fine_next_ns == g->g_next_sec_ns)
			g->g_fine_next_ns += FINE_STEP_NS;
		g->g_next_sec_ns += NS_PER_S;
	}
}

/* 100 ms measurements for the next 10 s. */
static void
guest_fine_start(struct guest *g)
{
	int64_t now = kenv_now();

	g->g_fine_next_ns = (now / FINE_STEP_NS + 1) * FINE_STEP_NS;
	g->g_fine_end_ns = g->g_fine_next_ns + FINE_SPAN_NS;
	g->g_recstart = VS_F_RECSTART;
}

/*
 * Run the guest until t, measuring on the way.  Time jumps only when
 * the host makes the VM sleep inside a backdoor call (a checkpoint cut
 * during a suspend): the measurements it jumped over are frozen ones,
 * and the VM resumed when the call returned.
 */
static void
guest_run_until(struct guest *g, int64_t t)
{
	int64_t next, rt;

	while (kenv_now() < t) {
		next = g->g_next_sec_ns;
		if (g->g_fine_end_ns != 0 && g->g_fine_next_ns < next)
			next = g->g_fine_next_ns;
		if (next > t)
			next = t;
		rt = guest_realtime_ns();
		kenv_run_until(next);
		if (kenv_now() - next >= LATE_NS) {
			g->g_frozen_upto_ns = kenv_now();
			g->g_frozen_rt_ns = rt;
			guest_measure(g);
			g->g_flags |= VS_F_RESUME;
			guest_fine_start(g);
		}
		guest_measure(g);
	}
	guest_measure(g);
}

static enum vmthost_step
guest_cpt_step(const struct scn_ev *ev)
{
	switch (ev->u.cpt.step) {
	case TRACE_STEP_HB:
		return VMTHOST_STEP_PAYLOAD_HB;
	case TRACE_STEP_STATUS:
		return VMTHOST_STEP_STATUS;
	case TRACE_STEP_PAYLOAD:
	default:
		/* The payload moves on the HB port when the host offers it. */
		return VMTHOST_STEP_PAYLOAD_HB;
	}
}

static bool
guest_pushes_synctime(const struct scn_seg *seg)
{
	static const char opt[] = "Set_Option synctime ";
	size_t i;

	for (i = 0; i < seg->nev; i++)
		if (seg->ev[i].type == SCN_EV_TCLO &&
		    strncmp(seg->ev[i].tclo, opt, sizeof(opt) - 1) == 0)
			return true;
	return false;
}

static void
guest_checkbox(struct guest *g, const struct scn_seg *seg, int value)
{
	vmthost_set_synctime(g->g_host, value != 0);
	if (value != 0 && !g->g_checkbox) {
		g->g_dis_from_ns = INT64_MAX;
		g->g_flags |= VS_F_REENABLE;
	} else if (value == 0 && g->g_checkbox)
		g->g_dis_from_ns = kenv_now() + (guest_pushes_synctime(seg) ?
		    DISABLE_PUSH_NS : DISABLE_LATE_NS);
	g->g_checkbox = value != 0;
}

/*
 * The host asked the guest to suspend: let it answer (up to 2 s), as
 * the VMX waits for the reply before it stops the VM.  A checkpoint cut
 * armed for this instant is where the VM really stops: it then sleeps
 * for the whole suspend inside the failing backdoor call.
 */
static void
guest_suspend_grace(struct guest *g, int64_t dur_ns, bool cpt)
{
	const struct vmthost_stats *st = vmthost_stats(g->g_host);
	size_t replies = vmthost_tclo_replies(g->g_host, "OS_Suspend");
	uint64_t cpts = st->cpt_injected;
	int64_t end = kenv_now() + SUSPEND_GRACE_NS;

	if (cpt)
		vmthost_set_cpt_suspend(g->g_host, dur_ns);
	while (kenv_now() < end &&
	    vmthost_tclo_replies(g->g_host, "OS_Suspend") == replies &&
	    st->cpt_injected == cpts)
		guest_run_until(g, kenv_now() + GRACE_STEP_NS);
	vmthost_set_cpt_suspend(g->g_host, 0);
}

/* Apply the events at the end of a segment; false after a poweroff. */
static bool
guest_events(struct guest *g, const struct scn_seg *seg)
{
	const struct scn_ev *ev;
	int64_t suspend_ns = 0;
	bool cpt = false, os_suspend = false;
	size_t i;

	for (i = 0; i < seg->nev; i++) {
		ev = &seg->ev[i];
		switch (ev->type) {
		case SCN_EV_TCLO:
			vmthost_tclo_push(g->g_host, ev->tclo);
			if (strcmp(ev->tclo, "OS_Suspend") == 0)
				os_suspend = true;
			break;
		case SCN_EV_HOST_STEP:
			g->g_host_off_ns += ev->u.step_ns;
			g->g_flags |= VS_F_HOSTSTEP;
			guest_fine_start(g);
			break;
		case SCN_EV_CHECKBOX:
			guest_checkbox(g, seg, ev->u.value);
			g->g_flags |= VS_F_EVENT;
			break;
		case SCN_EV_CPT:
			vmthost_inject_cpt(g->g_host,
			    ev->u.cpt.chan == TRACE_CHAN_RPCI ?
			    VMTHOST_RPCI : VMTHOST_TCLO,
			    ev->u.cpt.dir == TRACE_DIR_SEND ?
			    VMTHOST_SEND : VMTHOST_RECV,
			    guest_cpt_step(ev), ev->u.cpt.count);
			cpt = true;
			g->g_flags |= VS_F_EVENT;
			break;
		case SCN_EV_DROP:
			vmthost_drop_tclo(g->g_host, ev->u.count);
			g->g_flags |= VS_F_EVENT;
			break;
		case SCN_EV_SUSPEND:
			suspend_ns = ev->u.dur_ns;
			g->g_flags |= VS_F_SUSPEND;
			break;
		case SCN_EV_FREEZE:
			kenv_suspend();
			g->g_flags |= VS_F_FREEZE;
			break;
		case SCN_EV_RESUME:
		case SCN_EV_THAW:
			if (kenv_suspended()) {
				kenv_resume();
				g->g_flags |= ev->type == SCN_EV_RESUME ?
				    VS_F_RESUME : VS_F_THAW;
				guest_fine_start(g);
			}
			break;
		case SCN_EV_RATE:
			g->g_flags |= VS_F_EVENT;
			break;
		case SCN_EV_SAMPLE:
			break;
		case SCN_EV_POWEROFF:
			vmthost_set_poweroff(g->g_host, true);
			return false;
		}
	}
	if (suspend_ns > 0 && os_suspend)
		guest_suspend_grace(g, suspend_ns, cpt);
	return true;
}

static void
guest_segment(struct guest *g, const struct scn_seg *seg)
{
	if (seg->frozen) {
		/* Unless the VM already slept through it in a call. */
		if (kenv_now() < seg->t1_ns && !kenv_suspended())
			kenv_suspend();
	} else {
		if (kenv_suspended())
			kenv_resume();
		if (seg->ppm != g->g_ppm) {
			kenv_counter_set_ppm(g->g_ctr, seg->ppm);
			g->g_ppm = seg->ppm;
		}
	}
	guest_run_until(g, seg->t1_ns);
}

static void
guest_host(struct guest *g, uint64_t seed)
{
	const struct scn_info *in = g->g_info;
	struct vmthost_config cfg;

	vmthost_config_default(&cfg);
	cfg.seed = seed;
	cfg.epoch_ns = in->host_epoch_ns;
	cfg.latency_ns = HOST_LATENCY_NS;
	cfg.jitter_ns = (int64_t)llround(in->jitter_us * 1000);
	cfg.tsc_hz = in->osc_hz;
	cfg.max_time_lag_us = (uint32_t)in->max_time_lag_us;
	cfg.interrupt_lag_us = (uint32_t)in->interrupt_lag_us;
	cfg.synctime = in->synctime != 0;
	g->g_host = vmthost_create(&cfg);
	vmthost_set_clock(g->g_host, guest_host_now, g);
	g->g_checkbox = cfg.synctime;
	/* Off at power on: the guest was never told, give it a period. */
	g->g_dis_from_ns = g->g_checkbox ? INT64_MAX : DISABLE_LATE_NS;
}

static void
guest_boot(struct guest *g, uint64_t seed)
{
	const struct scn_info *in = g->g_info;
	struct timespec ts;
	int64_t t0;

	kenv_set_threaded(false);	/* a guest is one thread */
	kenv_boot(GUEST_HZ);
	kenv_log_set_echo(false);
	g->g_ppm = 0;
	g->g_ctr = kenv_counter_create("tsc", in->osc_hz, in->osc_bits, 1000,
	    g->g_ppm);
	if (kenv_sysctl_setint("kern.timecounter.timestepwarnings", 1) != 0)
		errx(1, "cannot enable kern.timecounter.timestepwarnings");
	t0 = in->host_epoch_ns + in->initial_offset_ns;
	ts.tv_sec = (time_t)(t0 / NS_PER_S);
	ts.tv_nsec = (long)(t0 % NS_PER_S);
	tc_setclock(&ts);
	/* The harness's own step above is not the policy's. */
	kenv_log_set_hook(guest_log, g);
	guest_host(g, seed);
	g->g_next_sec_ns = NS_PER_S;
	g->g_adj_prev = guest_adjustments();
	g->g_rt_prev_ns = guest_realtime_ns();
	g->g_raw_prev = kenv_counter_raw(g->g_ctr);
}

static void
guest_summary(struct guest *g)
{
	const struct vmthost_stats *st = vmthost_stats(g->g_host);
	struct vs_rec r;
	int64_t v;
	size_t i;

	memset(&r, 0, sizeof(r));
	r.type = VS_REC_END;
	r.t_ns = g->g_end_ns;
	/* What an administrator would read, to check those nodes too. */
	if (kenv_sysctl_getint("kern.timecounter.steps", &v) != 0)
		errx(1, "no kern.timecounter.steps");
	r.u.sum.steps = (uint64_t)v;
	if (kenv_sysctl_getint("kern.timecounter.adjtimes", &v) != 0)
		errx(1, "no kern.timecounter.adjtimes");
	/* And adjtime(2) calls, which the ovt baseline makes. */
	r.u.sum.adjtimes = (uint64_t)v + kenv_adjtime_count();
	if (kenv_sysctl_getint("kern.timecounter.adjfreqs", &v) != 0)
		errx(1, "no kern.timecounter.adjfreqs");
	r.u.sum.adjfreqs = (uint64_t)v;
	r.u.sum.rpc_errors = g->g_rpc_errors;
	if (kenv_sysctl_getint("machdep.vmt0.rpc.cpt_retries", &v) == 0)
		r.u.sum.cpt_retries = (uint64_t)v;
	for (i = 0; i < VMTHOST_NCMD; i++)
		r.u.sum.backdoor_calls += st->calls[i];
	r.u.sum.backdoor_calls += st->calls_other + st->hb_in + st->hb_out;
	r.u.sum.simulated_ns = g->g_end_ns;
	guest_write(g, &r);
}

/* Replay the whole trace; returns the exit status. */
static int
guest_replay(struct guest *g)
{
	struct scn_seg seg;
	char errbuf[512];
	int r;

	while ((r = scn_next(g->g_scn, &seg, errbuf, sizeof(errbuf))) == 1) {
		guest_segment(g, &seg);
		g->g_end_ns = seg.t1_ns;
		if (!guest_events(g, &seg))
			break;
	}
	if (r < 0) {
		warnx("%s", errbuf);
		return 1;
	}
	/* The last whole second, if the run ended on one. */
	guest_measure(g);
	guest_summary(g);
	return 0;
}

static void __attribute__((__noreturn__))
usage(void)
{
	fprintf(stderr, "usage: %s -f fd -p policy [-s seed] trace\n",
	    program_invocation_short_name);
	exit(2);
}

int
main(int argc, char **argv)
{
	struct guest *g = &guest;
	const char *policy = NULL;
	char errbuf[512], *end;
	uint64_t seed = 0;
	bool have_seed = false;
	int c, fd = -1, status;

	while ((c = getopt(argc, argv, "f:p:s:")) != -1) {
		switch (c) {
		case 'f':
			fd = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || fd < 0)
				usage();
			break;
		case 'p':
			policy = optarg;
			break;
		case 's':
			errno = 0;
			seed = strtoull(optarg, &end, 10);
			if (*end != '\0' || errno != 0)
				usage();
			have_seed = true;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1 || fd < 0 || policy == NULL)
		usage();
	if ((g->g_out = fdopen(fd, "w")) == NULL)
		err(1, "fd %d", fd);
	setvbuf(g->g_out, NULL, _IOFBF, 1 << 16);
	g->g_scn = scn_open_path(argv[optind], have_seed ? &seed : NULL,
	    errbuf, sizeof(errbuf));
	if (g->g_scn == NULL)
		errx(1, "%s", errbuf);
	g->g_info = scn_info(g->g_scn);
	guest_boot(g, g->g_info->seed);
	if ((g->g_pol = vmtsim_policy_attach(policy)) == NULL)
		errx(1, "policy %s: cannot attach (%s kernel)", policy,
		    vmtsim_kernel_timesync() ? "VMT_TIMESYNC" : "plain");
	status = guest_replay(g);
	vmtsim_policy_detach(g->g_pol);
	vmthost_destroy(g->g_host);
	scn_close(g->g_scn);
	if (fclose(g->g_out) != 0 && status == 0)
		err(1, "write");
	return status;
}
