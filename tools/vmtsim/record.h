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
 * What a vmtsim guest (vmtsim-guest, vmtsim-guest-nots) tells the front
 * end, over a pipe, in fixed-size binary records.  Both ends are built
 * from the same tree and run on the same machine, so host byte order
 * and layout are fine.
 *
 * Order: for each whole second k = 1, 2, ... of true time, zero or more
 * VS_REC_FINE records (the 100 ms measurements since second k - 1),
 * then exactly one VS_REC_SECOND record for k; at the end one
 * VS_REC_END.  Every guest of a run emits the same seconds, so the
 * front end reads the guests in lockstep, one second at a time.
 *
 * A record describes what happened between the previous measurement
 * and this one, and the offset measured at its time t_ns (before the
 * trace events of that instant are applied).
 */

#ifndef _VMTSIM_RECORD_H_
#define _VMTSIM_RECORD_H_

#include <stddef.h>
#include <stdint.h>

enum vs_rec_type {
	VS_REC_SECOND = 1,
	VS_REC_FINE,
	VS_REC_END
};

/* Flags of a record: events since the previous record. */
#define VS_F_STEP	0x0001	/* the clock was stepped */
#define VS_F_BACK	0x0002	/* ... backwards */
#define VS_F_SUSPEND	0x0004	/* the VM suspended */
#define VS_F_RESUME	0x0008	/* the VM resumed (suspend) */
#define VS_F_FREEZE	0x0010	/* a stun began */
#define VS_F_THAW	0x0020	/* a stun ended */
#define VS_F_HOSTSTEP	0x0040	/* the host clock stepped */
#define VS_F_DISABLED	0x0080	/* the host's checkbox is clear now */
#define VS_F_FROZEN	0x0100	/* the VM is frozen at t_ns */
#define VS_F_EVENT	0x0200	/* any other trace event */
#define VS_F_REENABLE	0x0400	/* the host checkbox was ticked again */
/* First record after a resume, thaw or host step (FINE or SECOND). */
#define VS_F_RECSTART	0x0800
#define VS_F_HOSTSLEW	0x1000	/* the host's NTP began a slew */
#define VS_F_UNTICK	0x2000	/* the host checkbox was cleared */
#define VS_F_ORACLE	0x4000	/* oracle_ns holds the oracle's offset */
/* Events that start a recovery (resume_recovery_s). */
#define VS_F_RECOVER	(VS_F_RESUME | VS_F_THAW | VS_F_HOSTSTEP)
/* Seconds left out of the rate statistics. */
#define VS_F_NORATE	(VS_F_STEP | VS_F_SUSPEND | VS_F_RESUME | \
			VS_F_FREEZE | VS_F_THAW | VS_F_HOSTSTEP | VS_F_FROZEN | \
			VS_F_EVENT | VS_F_HOSTSLEW)

struct vs_second {
	int64_t		offset_ns;	/* guest realtime - true host time */
	int64_t		oracle_ns;	/* the oracle's, if VS_F_ORACLE */
	int64_t		freq_ppb;	/* tc_adjfreq() correction */
	double		slew_ppm;	/* deliberate rate; NaN if unknown */
	int64_t		back_ns;	/* largest backward step, >= 0 */
	uint32_t	steps;		/* realtime steps */
	uint32_t	back_steps;	/* of which backwards */
	uint32_t	adjust;		/* steps + adjtimes + adjfreqs */
	uint32_t	adjust_off;	/* of those, made with the host's
					 * checkbox cleared */
};

struct vs_summary {
	uint64_t	steps;		/* kern.timecounter.steps */
	uint64_t	adjtimes;	/* kern.timecounter.adjtimes */
	uint64_t	adjfreqs;	/* kern.timecounter.adjfreqs */
	uint64_t	rpc_errors;	/* driver log lines about RPC failures */
	uint64_t	cpt_retries;	/* machdep.vmt0.rpc.cpt_retries */
	uint64_t	backdoor_calls;	/* vmthost statistics, summed */
	int64_t		simulated_ns;	/* true time simulated */
	/* What the host's noise model did to this guest. */
	uint64_t	reads;		/* host time reads answered */
	uint64_t	precision_reads; /* ... of them PRECISIONCLOCK */
	uint64_t	outliers;	/* ... with a heavy-tailed error */
	uint64_t	stalls;		/* calls with a vCPU stall */
	int64_t		stall_max_ns;
	uint64_t	catchups;	/* stun backlogs being caught up */
	uint64_t	stopcatchups;	/* STOPCATCHUP calls */
};

struct vs_rec {
	uint32_t	type;		/* enum vs_rec_type */
	uint32_t	flags;		/* VS_F_* */
	int64_t		t_ns;		/* true time of the measurement */
	union {
		struct vs_second	sec;	/* SECOND; FINE: offset_ns */
		struct vs_summary	sum;	/* END */
	} u;
};

/*
 * On the pipe a SECOND or FINE record takes only its first
 * VS_REC_SHORT bytes (the summary is big and comes once, at the END):
 * a reader takes that many, then the rest if the type is VS_REC_END.
 */
#define VS_REC_SHORT	(offsetof(struct vs_rec, u) + sizeof(struct vs_second))

#endif /* _VMTSIM_RECORD_H_ */
