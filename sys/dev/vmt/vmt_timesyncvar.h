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
 * vmt(4) time synchronisation: the state shared by vmt_timesync.c (the
 * glue to the host and the policy), vmt_timesync_host.c (reading host
 * time and deciding whether to believe it), vmt_timesync_pclk.c (the
 * precision clock), vmt_timesync_disc.c (a
 * time discipline in userland), vmt_timesync_startup.c (the host's
 * startup options) and vmt_timesync_sysctl.c (the machdep.vmt0.timesync
 * tree).  Private to those files.
 *
 * Locking: ts_lock guards every field marked [t]; see vmt_timesync.c.
 */

#ifndef _DEV_VMT_VMT_TIMESYNCVAR_H_
#define _DEV_VMT_VMT_TIMESYNCVAR_H_

#include <sys/types.h>
#include <sys/callout.h>
#include <sys/mutex.h>
#include <sys/time.h>

#include <dev/vmt/vmt_tspolicy.h>

struct sysctllog;
struct sysctlnode;
struct vmt_softc;

enum vmt_ts_mode {
	VMT_TS_MODE_HOST,		/* follow the host's flag */
	VMT_TS_MODE_ON,			/* always adjust */
	VMT_TS_MODE_OFF			/* never adjust */
};
#define VMT_TS_NMODES		3
extern const char *const vmt_ts_mode_names[VMT_TS_NMODES];

enum vmt_ts_source {
	VMT_TS_SRC_NONE,		/* nothing heard yet */
	VMT_TS_SRC_PUSH,		/* Set_Option synctime over TCLO */
	VMT_TS_SRC_READ,		/* GETGUIOPTIONS */
	VMT_TS_SRC_WRITE		/* our own vmx.set_option */
};
#define VMT_TS_NSOURCES		4
extern const char *const vmt_ts_source_names[VMT_TS_NSOURCES];

/* Which host time command answers. */
enum vmt_ts_tcmd {
	VMT_TS_TCMD_LAG,		/* GETTIMEFULL_WITH_LAG */
	VMT_TS_TCMD_FULL,		/* GETTIMEFULL */
	VMT_TS_TCMD_NONE		/* neither */
};
#define VMT_TS_NTCMDS		3
extern const char *const vmt_ts_tcmd_names[VMT_TS_NTCMDS];

/* vmt_timesync_pclk.c: does the host answer PRECISIONCLOCK? */
enum vmt_ts_pclk {
	VMT_TS_PCLK_UNKNOWN,		/* not probed yet */
	VMT_TS_PCLK_ON,			/* reads use it */
	VMT_TS_PCLK_OFF			/* no: probe again later */
};
#define VMT_TS_PCLK_REPROBE_S	600	/* seconds of uptime */

/* What vmt_ts_vet() makes of a host read. */
enum vmt_ts_vet {
	VMT_TS_VET_OK,			/* believed */
	VMT_TS_VET_CONFIRM,		/* held: read again soon to confirm */
	VMT_TS_VET_REJECT,		/* held: years off, must hold long */
	VMT_TS_VET_JUMP			/* a jump, confirmed just now */
};

/* One host time read. */
struct vmt_ts_read {
	int64_t		rd_host_ns;	/* host realtime */
	int64_t		rd_up_ns;	/* guest uptime at the read */
	uint32_t	rd_maxlag_us;	/* host's maxTimeLag */
	uint32_t	rd_ilag_us;	/* interrupt lag (WITH_LAG only) */
	bool		rd_probed;	/* PRECISIONCLOCK was probed first:
					 * more than the read took time */
};

/*
 * The time.synchronize.tools.* options, stored and reported; startup
 * and startup.backward act (vmt_timesync_startup.c).
 */
#define VMT_TS_TOOLS_PREFIX	"time.synchronize.tools."
#define VMT_TS_NTOOLS		5
#define VMT_TS_TOOL_STARTUP	2	/* indices in vmt_ts_tools_options */
#define VMT_TS_TOOL_STARTUP_BACK 3
#define VMT_TS_TOOL_ENABLE	4	/* re-ticking synctime syncs */
extern const char *const vmt_ts_tools_options[VMT_TS_NTOOLS];
extern const char *const vmt_ts_tools_sysctl_names[VMT_TS_NTOOLS];


struct vmt_timesync_stats {
	uint64_t	st_samples;	/* host reads used */
	uint64_t	st_rejected;	/* host reads not believed */
	uint64_t	st_slews;	/* tc_adjtime() calls */
	uint64_t	st_steps_fwd;	/* forward tc_setclock() */
	uint64_t	st_steps_back;	/* backward tc_setclock() */
	uint64_t	st_resume_msg;	/* OS_Resume, Time_Synchronize */
	uint64_t	st_startup;	/* the host's startup option */
	uint64_t	st_resume_cpt;	/* checkpoint, reset */
	uint64_t	st_resume_disc;	/* confirmed host/uptime jump */
	uint64_t	st_unconfirmed;	/* host reads held to confirm */
	uint64_t	st_refused;	/* adjustments the kernel refused */
	uint64_t	st_no_time;	/* host reads not answered */
	uint64_t	st_pclk_reads;	/* host reads by PRECISIONCLOCK */
	int64_t		st_offset_ns;	/* last offset, guest - host */
	int64_t		st_last_sync;	/* realtime s of last action */
};

/*
 * vmt_timesync_disc.c: a time discipline in userland.  Signs, as bits
 * of di_seen.
 */
#define VMT_TS_DISC_PLL		0x01	/* ntp_adjtime(2) STA_PLL, updated */
#define VMT_TS_DISC_FLL		0x02	/* ntp_adjtime(2) STA_FLL, updated */
#define VMT_TS_DISC_ADJTIME	0x04	/* an adjtime(2) delta pending */
#define VMT_TS_DISC_SETTIME	0x08	/* settimeofday(2), clock_settime(2) */
#define VMT_TS_DISC_HOLD_DEFAULT_S 2048	/* discipline.hold */
#define VMT_TS_DISC_HOLD_MAX_S	604800
#define VMT_TS_DISC_SEENLEN	80	/* discipline.seen */

/* What ntp_adjtime(2) showed at the last look. */
struct vmt_ts_ntpview {
	int		nv_status;
	long		nv_offset;
	long		nv_freq;
	long		nv_maxerror;
	long		nv_esterror;
	long		nv_constant;
};

/* All [t]. */
struct vmt_ts_disc {
	bool		di_present;	/* a sign within di_hold_s */
	bool		di_logged;	/* this episode's reason is logged */
	u_int		di_seen;	/* signs of this
					 * (or the last) episode */
	time_t		di_since;	/* realtime s of its first sign */
	time_t		di_last;	/* realtime s of its latest sign */
	time_t		di_last_uptime;	/* uptime s of its latest sign */
	int		di_hold_s;	/* sysctl discipline.hold */
	bool		di_ntp_valid;	/* di_ntp holds */
	struct vmt_ts_ntpview di_ntp;	/* ntp_adjtime(2) at the last look */
	uint64_t	di_steps;	/* tc_step_count() then */
	uint64_t	di_own;		/* our own steps then */
	uint64_t	di_pending;	/* steps not ours, boottime unmoved */
	struct timespec	di_boottime;	/* boottime then */
	uint64_t	di_episodes;	/* disciplines seen */
	uint64_t	di_kernel_steps; /* steps of neither us nor userland */
	uint64_t	di_oneshot_steps; /* one-shot steps while aside */
};

struct vmt_timesync {
	struct vmt_softc	*ts_sc;		/* [I] the transport */
	kmutex_t		ts_lock;	/* guards [t] */
	callout_t		ts_callout;	/* [t] next sample */
	struct vmt_tspolicy	ts_policy;	/* [t] the decisions */
	struct vmt_tsp_config	ts_cfg;		/* [t] what it runs with */
	enum vmt_ts_mode	ts_mode;	/* [t] sysctl mode */
	int			ts_host_flag;	/* [t] -1 unknown, 0, 1 */
	bool			ts_flag_was_set; /* [t] it has been 1 */
	enum vmt_ts_source	ts_flag_src;	/* [t] who set ts_host_flag */
	bool			ts_guiopt_ok;	/* [t] GETGUIOPTIONS works */
	enum vmt_ts_tcmd	ts_tcmd;	/* [t] time command in use */
	int			ts_pclk_use;	/* [t] sysctl precision_clock */
	enum vmt_ts_pclk	ts_pclk;	/* [t] the host answers it */
	bool			ts_pclk_was_on;	/* [t] it answered once */
	time_t			ts_pclk_probe_up; /* [t] uptime s, last probe */
	uint32_t		ts_pclk_maxlag_us; /* [t] last
						    * maxTimeLag read */
	int			ts_step_ms;	/* [t] step threshold, ms */
	int			ts_allow_back;	/* [t] 0 or 1 */
	int			ts_period_s;	/* [t] sampling period */
	bool			ts_periodic;	/* [t] clock_sync.period != 0 */
	bool			ts_confirming;	/* [t] callout
						 * confirms a read */
	callout_t		ts_watch;	/* [t] reads after OS_Suspend */
	int64_t			ts_watch_until;	/* [t] uptime it stops, ns */
	int			ts_tools_opt[VMT_TS_NTOOLS]; /* [t] stored */
	bool			ts_startup_done; /* [t] startup option seen */
	u_int			ts_tc_gen;	/* [t] timecounter generation */
	/* vmt_ts_vet(): the last believed host read, host - uptime ... */
	bool			ts_anchor_valid; /* [t] ts_anchor_* hold */
	int64_t			ts_anchor_epoch; /* [t] host - uptime, ns */
	int64_t			ts_anchor_up;	/* [t] its uptime, ns */
	/* ... and a host time that disagrees with it, being confirmed. */
	bool			ts_cand_valid;	/* [t] ts_cand_* hold */
	bool			ts_cand_insane;	/* [t] years off the anchor */
	uint32_t		ts_cand_reads;	/* [t] reads agreeing so far */
	int64_t			ts_cand_epoch;	/* [t] host - uptime,
						 * last read */
	int64_t			ts_cand_jump_ns; /* [t] off the anchor by */
	int64_t			ts_cand_first_up; /* [t] uptime, first read */
	int64_t			ts_cand_last_up; /* [t] uptime, last read */
	int64_t			ts_cand_lag_ns;	/* [t] interrupt lag,
						 * last read */
	bool			ts_cand_fast;	/* [t] corroborated:
						 * confirm fast */
	/* A message that the VM stopped: OS_Suspend, OS_Resume, reset, CPT. */
	bool			ts_stop_valid;	/* [t] ts_stop_up holds */
	int64_t			ts_stop_up;	/* [t] uptime it came at, ns */
	bool			ts_long_slew;	/* [t] a long slew announced */
	struct timeval		ts_log_last;	/* [t] ratecheck(9):
						 * host times */
	struct timeval		ts_refuse_log;	/* [t] ratecheck(9): refusals */
	struct vmt_timesync_stats ts_st;	/* [t] statistics */
	struct vmt_ts_disc	ts_disc;	/* [t] userland discipline */
	struct sysctllog	*ts_log;	/* [I] our sysctl nodes */
	bool			ts_dying;	/* [t] detach in progress */
};

/* vmt_timesync.c */
void	vmt_ts_reconfigure(struct vmt_timesync *);
void	vmt_ts_set_periodic(struct vmt_timesync *, bool);
void	vmt_ts_read_flag(struct vmt_timesync *);
void	vmt_ts_set_flag(struct vmt_timesync *, int, enum vmt_ts_source);
void	vmt_ts_step(struct vmt_timesync *, int64_t);

/* vmt_timesync_host.c */
bool	vmt_ts_diff_ns(const struct timespec *, const struct timespec *,
	    int64_t *);
bool	vmt_ts_add_ns(const struct timespec *, int64_t, struct timespec *);
void	vmt_ts_log_rejected(struct vmt_timesync *, const char *, int64_t);
int64_t	vmt_ts_uptime_ns(void);
int	vmt_ts_host_read(struct vmt_timesync *, struct vmt_ts_read *);
int	vmt_ts_take_sample(struct vmt_timesync *, struct vmt_tsp_sample *,
	    struct vmt_ts_read *, int);
enum vmt_ts_vet vmt_ts_vet(struct vmt_timesync *, const struct vmt_ts_read *);
void	vmt_ts_stopped(struct vmt_timesync *);

/* vmt_timesync_disc.c */
void	vmt_ts_disc_init(struct vmt_timesync *);
bool	vmt_ts_disc_check(struct vmt_timesync *);
bool	vmt_ts_disc_yielding(const struct vmt_timesync *);
void	vmt_ts_disc_sample(struct vmt_timesync *,
	    const struct vmt_tsp_sample *);
void	vmt_ts_disc_sysctl_setup(struct vmt_timesync *, struct sysctllog **,
	    const struct sysctlnode *);

/* vmt_timesync_pclk.c */
bool	vmt_ts_pclk_in_use(const struct vmt_timesync *);
int	vmt_ts_pclk_read(struct vmt_timesync *, struct vmt_ts_read *);

/* vmt_timesync_startup.c */
bool	vmt_ts_startup_option(struct vmt_timesync *, size_t, int,
	    enum vmt_tsp_event *);

/* vmt_timesync_sysctl.c */
void	vmt_ts_sysctl_setup(struct vmt_timesync *);

#endif /* _DEV_VMT_VMT_TIMESYNCVAR_H_ */
