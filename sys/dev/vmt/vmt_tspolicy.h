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
 * vmt(4) time synchronisation policy.
 *
 * A pure state machine: it is fed host-time samples and VM events and
 * answers each call with a decision (slew, step, frequency) for the
 * caller to apply through tc_adjtime(), tc_setclock() and tc_adjfreq().
 * It calls no function, takes no lock and uses no floating point, so
 * the same object file logic runs in the kernel and in the userland
 * model tests.  The caller serialises all calls on one policy.
 *
 * vmt_tspolicy.c takes the decisions; vmt_tspolicy_filter.c is the
 * estimator behind them (offset and frequency from the samples) and
 * vmt_tspolicy_noise.c measures what each sample is worth.
 *
 * Units: times in ns unless the name says otherwise; frequencies in
 * 32.32 fixed-point ppb (ppb << 32), the unit of tc_adjfreq(); a
 * positive frequency makes the guest clock gain.
 */

#ifndef _DEV_VMT_VMT_TSPOLICY_H_
#define _DEV_VMT_VMT_TSPOLICY_H_

#include <sys/types.h>
#ifndef _KERNEL
#include <stdbool.h>
#include <stdint.h>
#endif

/* The time units every vmt time-sync file counts in. */
#define VMT_NS_PER_US		1000LL
#define VMT_NS_PER_MS		1000000LL
#define VMT_NS_PER_S		1000000000LL

/* One ppb in the 32.32 frequency unit of tc_adjfreq(). */
#define VMT_TSP_FREQ_PPB	((int64_t)1 << 32)
/* Largest frequency correction the kernel accepts (TC_ADJFREQ_MAX_PPB). */
#define VMT_TSP_FREQ_MAX_PPB	5000000
#define VMT_TSP_FREQ_MAX	(VMT_TSP_FREQ_MAX_PPB * VMT_TSP_FREQ_PPB)
/* ns times a frequency, over this, is ns (ns * ppb << 32 / 10^9 << 32). */
#define VMT_TSP_FREQ_UNIT_NS	(VMT_NS_PER_S << 32)

#define VMT_TSP_STEP_DEFAULT_NS	1000000000LL	/* step threshold, 1 s */
#define VMT_TSP_STEP_MIN_NS	1000000LL	/* below 1 ms: slew can't win */
#define VMT_TSP_STEP_MAX_NS	86400000000000LL /* 1 day */
#define VMT_TSP_PERIOD_DEFAULT_S 60		/* longest sampling period */
#define VMT_TSP_PERIOD_MIN_S	1
#define VMT_TSP_PERIOD_MAX_S	3600
#define VMT_TSP_MAXLAG_MAX_US	60000000U	/* sanity bound on maxTimeLag */

/*
 * Largest |offset| a sample may carry, ns: just under 2^63 (292 years),
 * so that an offset plus the slew of one second never overflows.  A
 * sample beyond it is rejected, never clamped and acted on.
 */
#define VMT_TSP_OFFSET_MAX	((int64_t)0x7fffffff00000000LL)
/*
 * The kernel's adjtime (kern_tc.c): at most VMT_TSP_SLEW_RATE_US folded
 * a second, and no pending adjtime larger than VMT_TSP_SLEW_MAX_US
 * (TC_ADJTIME_MAX_SLEW_US and TC_ADJTIME_MAX_US).  A larger correction
 * is split: the policy asks for the most the kernel takes and asks
 * again for the rest as it goes.
 */
#define VMT_TSP_SLEW_RATE_US	5000LL
#define VMT_TSP_SLEW_MAX_US	(1000000LL * 86400 * 365)
/*
 * A guest ahead by more than this when the host asks for a one-shot
 * that may go back (Time_Synchronize 1, the checkbox ticked again) is
 * stepped back, if step_threshold is not smaller: slewing it would take
 * over ten seconds.
 */
#define VMT_TSP_ASKED_BACK_NS	50000000LL
/*
 * Time the host reports as interrupt lag beyond the standing lag is a
 * stun's backlog: the guest is behind by it.  Above this it is stepped
 * forward at once (and STOPCATCHUP sent), not left to the VMM's
 * catch-up, which runs the clock fast for a long while.
 */
#define VMT_TSP_BACKLOG_STEP_NS	1000000LL

/* decision.dc_next_ms value meaning "keep the current schedule". */
#define VMT_TSP_NEXT_KEEP	0xffffffffU

struct vmt_tsp_config {
	bool	 tc_enabled;		/* mode allows adjusting the clock */
	bool	 tc_allow_backward;	/* periodic backward steps allowed */
	int64_t	 tc_step_ns;		/* step threshold, ns */
	uint32_t tc_period_s;		/* longest sampling period, s */
	uint32_t tc_maxlag_us;		/* host maxTimeLag, us; a forward gap
					 * below it is slewed, not stepped */
};

/*
 * One measurement.  Fields after ts_lag_us are optional: zero means
 * "not known", so that a caller filling only the first four is right.
 */
struct vmt_tsp_sample {
	int64_t	 ts_offset_ns;		/* guest - host realtime, ns */
	int64_t	 ts_width_ns;		/* host-guest-host bracket width, ns */
	int64_t	 ts_uptime_ns;		/* guest uptime at the read, ns */
	uint32_t ts_lag_us;		/* maxTimeLag returned with it, us */
	uint32_t ts_ilag_us;		/* interrupt lag returned with it, us */
	bool	 ts_light;		/* one read (a TCLO poll's), not a
					 * full sample: keeps the schedule */
	bool	 ts_pending_valid;	/* ts_pending_us was read */
	int64_t	 ts_pending_us;		/* the kernel's pending adjtime then
					 * (tc_adjtime(&old, NULL)), us */
};

enum vmt_tsp_action {
	VMT_TSP_NONE = 0,		/* leave the clock alone */
	VMT_TSP_SLEW,			/* tc_adjtime(NULL, dc_slew_us) */
	VMT_TSP_STEP			/* tc_setclock(now + dc_step_ns) */
};

enum vmt_tsp_event {
	VMT_TSP_EV_ATTACH,		/* driver (re)start */
	VMT_TSP_EV_RESUME,		/* OS_Resume */
	VMT_TSP_EV_SYNC,		/* Time_Synchronize 0 */
	VMT_TSP_EV_SYNC_BACKWARD,	/* Time_Synchronize 1, or the host
					 * ticked its checkbox again */
	VMT_TSP_EV_CHECKPOINT,		/* RPC saw MESSAGE_STATUS_CPT / reset */
	VMT_TSP_EV_DISCONTINUITY,	/* caller detected a time jump */
	VMT_TSP_EV_TC_CHANGED		/* timecounter hardware changed */
};

/* What the caller must do now.  Apply set_freq before the action. */
struct vmt_tsp_decision {
	enum vmt_tsp_action dc_action;	/* clock action */
	int64_t	 dc_slew_us;		/* VMT_TSP_SLEW: new pending adjtime,
					 * us, replaces the old one */
	int64_t	 dc_step_ns;		/* VMT_TSP_STEP: signed step, ns */
	bool	 dc_set_freq;		/* install dc_freq with tc_adjfreq() */
	int64_t	 dc_freq;		/* absolute correction, ppb << 32 */
	bool	 dc_stopcatchup;	/* send backdoor STOPCATCHUP */
	uint32_t dc_next_ms;		/* next sample in ms from now, or
					 * VMT_TSP_NEXT_KEEP */
	uint32_t dc_slews;		/* counter increments: slews */
	uint32_t dc_fsteps;		/*   forward steps */
	uint32_t dc_bsteps;		/*   backward steps */
	uint32_t dc_rejects;		/*   rejected samples */
};

/* What the kernel refused of a decision: vmt_tspolicy_refused(). */
#define VMT_TSP_REFUSED_SLEW	0x1	/* tc_adjtime() failed */
#define VMT_TSP_REFUSED_FREQ	0x2	/* tc_adjfreq() failed */

/* Read-only view for sysctl/logging. */
struct vmt_tsp_status {
	bool	 st_enabled;		/* adjusting the clock */
	bool	 st_locked;		/* |offset| small for a few samples */
	int64_t	 st_offset_ns;		/* last raw sample offset, ns */
	int64_t	 st_est_offset_ns;	/* filtered offset at that sample, ns */
	int64_t	 st_freq_est;		/* oscillator error vs host, ppb<<32 */
	int64_t	 st_freq_set;		/* correction installed, ppb << 32 */
	int64_t	 st_noise_ns;		/* read noise (sd) measured, ns */
	int64_t	 st_wander;		/* frequency walk, ppb per s^1/2,
					 * << 10 */
	int64_t	 st_asym;		/* offset per ns of bracket, << 32 */
	uint32_t st_interval_ms;	/* current full-sample interval */
	uint64_t st_slews;		/* totals of the decision counters */
	uint64_t st_fsteps;
	uint64_t st_bsteps;
	uint64_t st_rejects;
	uint64_t st_refused;		/* adjustments the kernel refused */
};

/*
 * Policy state.  Opaque to callers (use vmt_tspolicy_status()); it is
 * declared here only so that it can be embedded in the softc.
 */
struct vmt_tspolicy {
	struct vmt_tsp_config tp_cfg;	/* validated configuration */

	/*
	 * Mirror of the kernel's adjtime slew (kern_tc.c: at most 5000 us
	 * folded per uptime second, each fold delivered over that second),
	 * put right from the kernel's own pending value when the caller
	 * reads it (ts_pending_valid).
	 */
	bool	 tp_km_valid;		/* tp_km_up_ns is meaningful */
	int64_t	 tp_km_up_ns;		/* uptime the mirror is advanced to */
	int64_t	 tp_km_rate_us;		/* us folded into the current uptime
					 * second, all delivered by its end */
	int64_t	 tp_km_pending_us;	/* us not yet folded (adjtimedelta) */
	int64_t	 tp_km_applied_ns;	/* offset gained against oscillator
					 * time by the corrections (frequency
					 * and slew) since the last accepted
					 * sample, ns */
	bool	 tp_km_busy;		/* slewing more than a little */
	int64_t	 tp_undo_pending_us;	/* the kernel's pending adjtime and */
	int64_t	 tp_undo_freq;		/* frequency before the last decision:
					 * what stays if it is refused */

	/* Frequency: tc_adjfreq() state. */
	int64_t	 tp_freq_orig;		/* in force at enable; restored at
					 * disable, ppb << 32 */
	int64_t	 tp_freq_set;		/* installed now, ppb << 32 */

	/*
	 * The estimator (vmt_tspolicy_filter.c): a Kalman filter over the
	 * offset and the oscillator's frequency error, whose noise figures
	 * are measured, not assumed.
	 */
	bool	 tp_ph_valid;		/* tp_ph_est_ns/tp_last_up_ns hold */
	int64_t	 tp_ph_est_ns;		/* filtered offset at tp_last_up_ns */
	int64_t	 tp_last_up_ns;		/* uptime of last accepted sample */
	int64_t	 tp_freq_est;		/* oscillator error (drift rate of the
					 * offset with no correction),
					 * ppb<<32 */
	int64_t	 tp_freq_base_ns;	/* uptime span behind tp_freq_est,
					 * ns; 0 = nothing learnt */
	int64_t	 tp_p00;		/* var(offset), ns^2 */
	int64_t	 tp_p01;		/* cov(offset, freq), ns ppb << 10 */
	int64_t	 tp_p11;		/* var(freq), ppb^2 << 20 */
	int64_t	 tp_r;			/* read noise variance, ns^2, of a
					 * call of no length */
	int64_t	 tp_rc;			/* ... plus this much of w^2, << 32 */
	uint32_t tp_rn;			/* measurements behind them so far */
	uint32_t tp_r_stale;		/* samples since the last triple */
	int64_t	 tp_nb_e[2];		/* noise by width, narrow and wide
					 * reads: means of e^2, */
	int64_t	 tp_nb_ew[2];		/* e wd (asymmetry's width) and */
	int64_t	 tp_nb_ww[2];		/* wd^2, per unit of a, ns^2; */
	int64_t	 tp_nb_b[2];		/* mean w^2 */
	uint32_t tp_nb_n[2];		/* and how many */
	int64_t	 tp_wn_w;		/* weights' sum, decayed, << 40; */
	int64_t	 tp_wn_e;		/* means weighed by 1/variance^2: */
	int64_t	 tp_wn_ew;		/* e^2, e wd, wd^2 and w^2, as */
	int64_t	 tp_wn_ww;		/* tp_nb_* (the narrowest count */
	int64_t	 tp_wn_b;		/* most), ns^2 */
	uint32_t tp_hist_n;		/* the last accepted reads (0-2), in */
	int64_t	 tp_hist_o[2];		/* open-loop terms (corrections taken
					 * out), latest last, ns, */
	int64_t	 tp_hist_w[2];		/* their brackets, ns, */
	int64_t	 tp_hist_u[2];		/* and uptimes, ns */
	int64_t	 tp_q;			/* frequency walk, ppb^2/s << 20 */
	int64_t	 tp_width_ns;		/* typical bracket width, ns; 0 none */
	int64_t	 tp_asym;		/* offset error per ns of bracket
					 * (where in the call the host reads),
					 * << 32: num / (ww + prior) */
	int64_t	 tp_asym_num;		/* sums behind it, each term weighed */
	int64_t	 tp_asym_ww;		/* by its variance, << 16 */
	int64_t	 tp_blk_sum;		/* whiteness test: normalised
					 * innovations of this block, << 16 */
	uint32_t tp_blk_n;		/* ... how many */
	int64_t	 tp_blk_ms;		/* mean of sum^2 / n per block, << 16 */
	int	 tp_run_sign;		/* innovations beyond 3 sd on one */
	uint32_t tp_run_len;		/* side, how many in a row, since */
	int64_t	 tp_run_up_ns;		/* which uptime */
	uint32_t tp_sus_n;		/* suspect reads set aside (0-2), */
	int64_t	 tp_sus_resid_ns[2];	/* their residuals, latest last, */
	int64_t	 tp_sus_up_ns[2];	/* and uptimes */
	uint32_t tp_rej_run;		/* consecutive rejected samples */
	bool	 tp_lag_valid;		/* tp_lag_base_us holds */
	uint32_t tp_lag_base_us;	/* standing interrupt lag */

	/* One-shot and schedule. */
	bool	 tp_oneshot;		/* next sample is a one-shot */
	bool	 tp_backward_once;	/* it may step backwards (TS 1) */
	uint32_t tp_interval_ms;	/* current full-sample interval, ms */
	uint32_t tp_lock_run;		/* consecutive small-offset samples */
	bool	 tp_locked;		/* tp_lock_run reached the limit */

	/* Reporting. */
	int64_t	 tp_last_offset_ns;	/* last raw offset, ns */
	uint64_t tp_slews;		/* decision counter totals */
	uint64_t tp_fsteps;
	uint64_t tp_bsteps;
	uint64_t tp_rejects;
	uint64_t tp_refused;
};

void	vmt_tspolicy_defaults(struct vmt_tsp_config *);
bool	vmt_tspolicy_config_valid(const struct vmt_tsp_config *);
bool	vmt_tspolicy_init(struct vmt_tspolicy *, const struct vmt_tsp_config *,
	    int64_t);
bool	vmt_tspolicy_configure(struct vmt_tspolicy *,
	    const struct vmt_tsp_config *, int64_t, struct vmt_tsp_decision *);
void	vmt_tspolicy_event(struct vmt_tspolicy *, enum vmt_tsp_event,
	    struct vmt_tsp_decision *);
void	vmt_tspolicy_sample(struct vmt_tspolicy *,
	    const struct vmt_tsp_sample *, struct vmt_tsp_decision *);
void	vmt_tspolicy_status(const struct vmt_tspolicy *,
	    struct vmt_tsp_status *);
/*
 * The caller could not apply part of the last decision (the kernel
 * said EINVAL): what (VMT_TSP_REFUSED_*) did not happen, so that the
 * policy's model of the kernel does not believe it did.
 */
void	vmt_tspolicy_refused(struct vmt_tspolicy *, unsigned);

/* --- between vmt_tspolicy.c and vmt_tspolicy_filter.c only ---------- */

/* What the estimator made of a sample. */
enum vmt_tsp_verdict {
	VMT_TSP_V_FIRST,		/* phase (re)started from it */
	VMT_TSP_V_OK,			/* used */
	VMT_TSP_V_REJECT,		/* set aside: not believed (yet) */
	VMT_TSP_V_JUMP			/* confirmed a jump: phase restarted */
};

void	vmt_tsp_filter_init(struct vmt_tspolicy *, int64_t);
void	vmt_tsp_filter_restart(struct vmt_tspolicy *);
void	vmt_tsp_filter_new_counter(struct vmt_tspolicy *);
void	vmt_tsp_filter_discontinuity(struct vmt_tspolicy *, int64_t, int64_t,
	    int64_t);
enum vmt_tsp_verdict vmt_tsp_filter_sample(struct vmt_tspolicy *, int64_t,
	    int64_t, int64_t);
void	vmt_tsp_filter_stepped(struct vmt_tspolicy *, int64_t);
uint32_t vmt_tsp_filter_interval(const struct vmt_tspolicy *, uint32_t,
	    uint32_t);
int64_t	vmt_tsp_filter_noise(const struct vmt_tspolicy *);

void	vmt_tsp_noise_init(struct vmt_tspolicy *);
void	vmt_tsp_noise_restart(struct vmt_tspolicy *);
int64_t	vmt_tsp_noise_var(const struct vmt_tspolicy *, int64_t);
int64_t	vmt_tsp_noise_unbias(const struct vmt_tspolicy *, int64_t, int64_t);
bool	vmt_tsp_noise_wide(const struct vmt_tspolicy *, int64_t);
void	vmt_tsp_noise_width(struct vmt_tspolicy *, int64_t);
void	vmt_tsp_noise_more(struct vmt_tspolicy *);
void	vmt_tsp_noise_read(struct vmt_tspolicy *, int64_t, int64_t, int64_t,
	    int64_t, int64_t, int64_t);

/* The bound of the filter's variances and gains. */
#define VMT_TSP_P_CAP		((int64_t)1 << 62)

/*
 * The policy's int64_t arithmetic, saturating where it could overflow
 * (vmt_tspolicy_noise.c).  The glue's checks of host times
 * (vmt_timesync_host.c) use vmt_tsp_abs() and vmt_tsp_add() too.
 */
int64_t	vmt_tsp_abs(int64_t);
int64_t	vmt_tsp_add(int64_t, int64_t);
int64_t	vmt_tsp_sub(int64_t, int64_t);
int64_t	vmt_tsp_clamp(int64_t, int64_t);
int64_t	vmt_tsp_muldiv(int64_t, int64_t, int64_t);
int64_t	vmt_tsp_cap(int64_t);
int64_t	vmt_tsp_sq(int64_t);
uint64_t vmt_tsp_isqrt(uint64_t);

#endif /* _DEV_VMT_VMT_TSPOLICY_H_ */
