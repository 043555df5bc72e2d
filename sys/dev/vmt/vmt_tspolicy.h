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

/* One ppb in the 32.32 frequency unit of tc_adjfreq(). */
#define VMT_TSP_FREQ_PPB	((int64_t)1 << 32)
/* Largest frequency correction the kernel accepts: 500 ppm. */
#define VMT_TSP_FREQ_MAX	(500000 * VMT_TSP_FREQ_PPB)

#define VMT_TSP_STEP_DEFAULT_NS	1000000000LL	/* step threshold, 1 s */
#define VMT_TSP_STEP_MIN_NS	1000000LL	/* below 1 ms: slew can't win */
#define VMT_TSP_STEP_MAX_NS	86400000000000LL /* 1 day */
#define VMT_TSP_PERIOD_DEFAULT_S 60		/* locked sampling period */
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

/* decision.dc_next_ms value meaning "keep the current schedule". */
#define VMT_TSP_NEXT_KEEP	0xffffffffU

struct vmt_tsp_config {
	bool	 tc_enabled;		/* mode allows adjusting the clock */
	bool	 tc_allow_backward;	/* periodic backward steps allowed */
	int64_t	 tc_step_ns;		/* step threshold, ns */
	uint32_t tc_period_s;		/* sampling period once locked, s */
	uint32_t tc_maxlag_us;		/* host maxTimeLag, us; a forward
					 * gap below it is slewed, not stepped */
};

struct vmt_tsp_sample {
	int64_t	 ts_offset_ns;		/* guest - host realtime, ns */
	int64_t	 ts_width_ns;		/* host-guest-host bracket width, ns */
	int64_t	 ts_uptime_ns;		/* guest uptime at the read, ns */
	uint32_t ts_lag_us;		/* maxTimeLag returned with it, us */
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
	VMT_TSP_EV_SYNC_BACKWARD,	/* Time_Synchronize 1 */
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
	 * Mirror of the kernel's adjtime slew (kern_tc.c
	 * ntp_update_second(): at most 5000 us folded per uptime second,
	 * each fold delivered exactly over that second).
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
	int64_t	 tp_undo_pending_us;	/* the kernel's pending adjtime and */
	int64_t	 tp_undo_freq;		/* frequency before the last decision:
					 * what stays if it is refused */

	/* Frequency: tc_adjfreq() state and the oscillator estimate. */
	int64_t	 tp_freq_orig;		/* in force at enable; restored at
					 * disable, ppb << 32 */
	int64_t	 tp_freq_set;		/* installed now, ppb << 32 */
	int64_t	 tp_freq_est;		/* oscillator error (drift rate of the
					 * offset with no correction), ppb<<32 */
	int64_t	 tp_freq_base_ns;	/* uptime span behind tp_freq_est,
					 * ns; 0 = nothing learnt */

	/* Phase (offset) filter. */
	bool	 tp_ph_valid;		/* tp_ph_est_ns/tp_last_up_ns hold */
	int64_t	 tp_ph_est_ns;		/* filtered offset at tp_last_up_ns */
	int64_t	 tp_ph_base_ns;		/* uptime span since filter restart */
	int64_t	 tp_last_up_ns;		/* uptime of last accepted sample */
	int64_t	 tp_noise_ns;		/* mean |prediction residual|, ns */
	int64_t	 tp_width_ns;		/* typical bracket width, ns; 0 none */

	/* Outlier bookkeeping. */
	uint32_t tp_rej_run;		/* consecutive rejected samples */
	uint32_t tp_rej_agree;		/* ... of which agree with the last */
	int64_t	 tp_rej_resid_ns;	/* residual of the last rejected one */

	/* One-shot and schedule. */
	bool	 tp_oneshot;		/* next sample is a one-shot */
	bool	 tp_backward_once;	/* it may step backwards (TS 1) */
	uint32_t tp_interval_ms;	/* current back-off interval, ms */
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

#endif /* _DEV_VMT_VMT_TSPOLICY_H_ */
