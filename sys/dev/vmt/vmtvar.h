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
 * vmt(4): VMware Tools.  Machine-independent softc and the interfaces
 * between the files of the driver.
 *
 *	vmt_cmd.c	single backdoor commands (probe, GETHZ, GETTIMEFULL,
 *			PRECISIONCLOCK)
 *	vmt_rpc.c	the message channel (RPCI and TCLO transport)
 *	vmt_tclo.c	the TCLO loop, command table, Set_Option registry
 *	vmt_subr.c	attach/detach, sysctl, power switches, pmf(9)
 *	vmt_timesync.c	time synchronisation (options VMT_TIMESYNC)
 *
 * The bus front end (sys/arch/x86/x86/vmt.c: cpufeaturebus) matches
 * with vmt_probe() and calls vmt_common_attach() and
 * vmt_common_detach(); the backdoor beneath is vmt_backdoor.h.
 *
 * Locking.  One adaptive mutex, sc_lock (IPL_NONE), guards the channels,
 * the counters, the option registry and the event listener.  Lock order:
 * sc_lock is taken before any lock of the time-sync module, never after;
 * so a module must not call vmt_rpci_call() or any other function here
 * that takes sc_lock while it holds a lock of its own.
 *
 * Power switch presses (OS_Halt, OS_Reboot) are never delivered from
 * the callout: they go through the sysmon task queue, and detach waits
 * for none (it fails with EBUSY while one is queued).
 *
 * Events and Set_Option handlers are called only from the TCLO callout,
 * one at a time and WITHOUT sc_lock held: a handler may call
 * vmt_rpci_call().  vmt_common_detach() halts the TCLO callout before it
 * calls vmt_timesync_detach(), so no handler runs while a module tears
 * itself down.
 *
 * Field annotations:
 *	[I]	set at attach, constant until detach
 *	[L]	sc_lock
 *	[T]	only the TCLO callout (serialised by callout(9))
 *
 * The module interface below the softc needs no kernel header, so that
 * the userland harness can include this file without _KERNEL.
 */

#ifndef _DEV_VMT_VMTVAR_H_
#define _DEV_VMT_VMTVAR_H_

#ifdef _KERNEL
#include <sys/types.h>
#include <sys/callout.h>
#include <sys/device.h>
#include <sys/mutex.h>
#include <sys/sysctl.h>
#include <sys/time.h>
#include <dev/sysmon/sysmonvar.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#endif

/* Longest message accepted either way, excluding the NUL we add. */
#define VMT_RPC_MAXLEN		1024
/* Longest over-long TCLO message drained rather than closed on. */
#define VMT_RPC_DRAINMAX	16384
/* Checkpoint restarts of one transfer before it counts as failed. */
#define VMT_RPC_CPT_RETRIES	8
/* Set_Option registry size and longest option name. */
#define VMT_OPTION_MAX		16
#define VMT_OPTION_NAMELEN	64
/* TCLO loop: idle poll period, reopen backoff bounds (ms). */
#define VMT_TCLO_POLL_MS	1000
#define VMT_BACKOFF_MIN_MS	1000
#define VMT_BACKOFF_MAX_MS	15000
/* Seconds between two log lines of one kind (ratecheck(9)). */
#define VMT_LOG_INTERVAL_S	60

struct vmt_softc;
struct vmt_timesync;

enum vmt_event {
	VMT_EV_RESET,		/* TCLO "reset": host (re)announced itself */
	VMT_EV_SUSPEND,		/* OS_Suspend */
	VMT_EV_RESUME,		/* OS_Resume; or the guest resumed (pmf) */
	VMT_EV_TIMESYNC,	/* Time_Synchronize <arg> */
	VMT_EV_CHECKPOINT,	/* CPT status seen on the wire */
	VMT_EV_POLL,		/* every TCLO poll (about 1 Hz) */
};

/* Set_Option registry; handler returns 0 (answer "OK ") or an errno. */
typedef int (*vmt_option_fn)(struct vmt_softc *, void *, const char *name,
    const char *value);
/*
 * Returns 0, EEXIST if the name is taken, ENOSPC if the registry is
 * full, EINVAL if the name is empty, too long or not a single printable
 * word.
 */
int	vmt_option_register(struct vmt_softc *, const char *name,
	    vmt_option_fn, void *);
void	vmt_option_unregister(struct vmt_softc *, const char *name);

/*
 * Event hook: one listener, set by the time-sync module (NULL removes
 * it).  arg: VMT_EV_TIMESYNC the host's 0 or 1; VMT_EV_CHECKPOINT the
 * number of checkpoints seen since the last report; VMT_EV_RESUME 0
 * after OS_Resume, 1 after the guest itself resumed from a suspend
 * (pmf(9)); otherwise 0.
 * Checkpoints seen during vmt_rpci_call() are reported from the TCLO
 * callout shortly after, never from inside the call.
 */
typedef void (*vmt_event_fn)(struct vmt_softc *, void *, enum vmt_event,
    int arg);
void	vmt_event_listen(struct vmt_softc *, vmt_event_fn, void *);

/*
 * RPCI request/response (e.g. "vmx.set_option synctime 0 1"); reply
 * without the "1 "/"0 " prefix in buf; returns 0 if the host answered
 * "1 ", EIO if "0 " (reply holds the reason), EAGAIN if the channel
 * cannot be used now.
 * Also: EPROTO if the answer starts with neither (reply holds it
 * whole), EMSGSIZE if msg is longer than VMT_RPC_MAXLEN.  After EAGAIN
 * the request may or may not have reached the host.  reply may be NULL
 * when replylen is 0; it is always NUL-terminated otherwise, truncated
 * if need be.  Takes sc_lock; sleeps on nothing.
 */
int	vmt_rpci_call(struct vmt_softc *, const char *msg, char *reply,
	    size_t replylen);
/* vmt_rpci_call() with printf(9)-style formatting of the request. */
int	vmt_rpci_callf(struct vmt_softc *, char *reply, size_t replylen,
	    const char *fmt, ...) __attribute__((__format__(__printf__, 4, 5)));

#ifdef _KERNEL

/* Counters of one channel. */
struct vmt_rpc_stats {
	uint64_t	rs_sent;	/* messages sent */
	uint64_t	rs_received;	/* messages received */
	uint64_t	rs_hb;		/* high-bandwidth transfers */
	uint64_t	rs_cpt_retries;	/* restarts after a checkpoint */
	uint64_t	rs_errors;	/* failures that broke the channel */
	uint64_t	rs_opens;	/* successful opens */
};

/* One message channel; every field is [L]. */
struct vm_rpc {
	const char	*rpc_name;	/* "tclo" or "rpci", for logs */
	uint32_t	rpc_proto;	/* VM_RPC_OPEN_{RPCI,TCLO} */
	uint16_t	rpc_channel;	/* host's id for it */
	uint32_t	rpc_cookie1;	/* presented on every call */
	uint32_t	rpc_cookie2;
	bool		rpc_open;	/* opened and not closed */
	bool		rpc_broken;	/* failed: close and reopen */
	struct timeval	rpc_errlog;	/* ratecheck(9) of error lines */
	struct vmt_rpc_stats rpc_stats;
};

/* A Set_Option registry entry; [L]. */
struct vmt_option {
	char		vo_name[VMT_OPTION_NAMELEN];	/* "" if free */
	vmt_option_fn	vo_fn;
	void		*vo_arg;
};

/*
 * What vmt_common_attach() has set up, so that vmt_common_detach()
 * undoes exactly that, even after a failed attach.
 */
#define VMT_ATT_LOCK		0x0001	/* sc_lock */
#define VMT_ATT_CALLOUT		0x0002	/* sc_tclo_tick initialised */
#define VMT_ATT_SYSCTL		0x0004	/* machdep.vmt0 */
#define VMT_ATT_PSWITCH		0x0008	/* both power switches */
#define VMT_ATT_PMF		0x0010	/* pmf(9) handlers (or no-ops) */
#define VMT_ATT_LOOP		0x0020	/* the TCLO loop was started */
#define VMT_ATT_TIMESYNC	0x0040	/* vmt_timesync_attach() ran */

struct vmt_softc {
	device_t		sc_dev;		/* [I] */
	u_int			sc_attached;	/* [I] VMT_ATT_* */
	kmutex_t		sc_lock;	/* see above */
	bool			sc_dying;	/* [L] detach has begun */
	bool			sc_suspended;	/* [L] pmf suspend
						 * or shutdown */
	bool			sc_resumed;	/* [L] pmf resume to report */

	/* sysctl: machdep.<xname> and beneath; modules add to both. */
	struct sysctllog	*sc_log;	/* [I] torn down at detach */
	const struct sysctlnode	*sc_sysctl_node; /* [I] machdep.vmt0 */

	/* Channels. */
	struct vm_rpc		sc_tclo_rpc;	/* [L] host to guest */
	struct vm_rpc		sc_rpci_rpc;	/* [L] guest to host */
	char			sc_rpci_buf[VMT_RPC_MAXLEN + 1]; /* [L] */

	/* The TCLO loop. */
	callout_t		sc_tclo_tick;	/* [I] MPSAFE */
	int			sc_backoff_ms;	/* [T] next reopen delay */
	bool			sc_tclo_started; /* [T] opened once */
	char			sc_tclo_buf[VMT_RPC_MAXLEN + 1]; /* [T] cmd */
	char			sc_tclo_reply[VMT_RPC_MAXLEN + 1]; /* [T] */
	size_t			sc_tclo_replylen; /* [T] 0: send a ping */
	struct timeval		sc_parselog;	/* [T] ratecheck(9) */

	/* Checkpoints seen since the last VMT_EV_CHECKPOINT. */
	unsigned		sc_cpt_pending;	/* [L] */

	/* Totals, exported under machdep.vmt0.rpc. */
	uint64_t		sc_cpt_retries;	/* [L] both channels */
	uint64_t		sc_errors;	/* [L] broken transfers */
	uint64_t		sc_reopens;	/* [L] TCLO reopens */
	uint64_t		sc_tclo_commands; /* [L] commands received */
	uint64_t		sc_rpci_calls;	/* [L] RPCI requests made */

	/* Modules. */
	struct vmt_timesync	*sc_timesync;	/* [I] the time-sync module's */
	struct vmt_option	sc_options[VMT_OPTION_MAX]; /* [L] */
	vmt_event_fn		sc_event_fn;	/* [L] */
	void			*sc_event_arg;	/* [L] */

	/* Power switches pressed by OS_Halt and OS_Reboot. */
	struct sysmon_pswitch	sc_ev_power;	/* [I] */
	struct sysmon_pswitch	sc_ev_reset;	/* [I] */
	u_int			sc_pswitch_tasks; /* [L] presses queued */

	/* GETVERSION answer at attach. */
	uint32_t		sc_version;	/* [I] */
	uint32_t		sc_vmx_type;	/* [I] */
};

#endif /* _KERNEL */

/*
 * Single backdoor commands (vmt_cmd.c).  They take no lock and touch no
 * softc: any context may call them.
 */
struct vmt_hosttime {
	int64_t		ht_sec;		/* host realtime, seconds */
	uint32_t	ht_usec;	/* and microseconds */
	uint32_t	ht_maxlag_us;	/* maxTimeLag */
	uint32_t	ht_lag_us;	/* interrupt lag (WITH_LAG only) */
};
bool	vmt_probe(void);
int	vmt_get_version(uint32_t *, uint32_t *);
int	vmt_get_hz(uint64_t *tsc_hz, uint32_t *bus_hz);
int	vmt_get_time_full(struct vmt_hosttime *, bool with_lag);
/* PRECISIONCLOCK GETTIME: 0, EOPNOTSUPP, or EPROTO (beyond int64_t). */
int	vmt_get_precision_time(int64_t *ns);
int	vmt_get_gui_options(uint32_t *options);
void	vmt_stop_catchup(void);

#ifdef _KERNEL
/*
 * vmt_subr.c.  The bus front end hands over a zeroed softc with sc_dev
 * set.  vmt_common_attach() returns 0 or an errno, having undone what
 * it set up but for do-nothing pmf(9) handlers (a device that failed
 * must not block a system suspend); vmt_common_detach() is safe after
 * either, and returns 0 or EBUSY while a power switch press is still
 * queued.
 */
int	vmt_common_attach(struct vmt_softc *);
int	vmt_common_detach(struct vmt_softc *);
/*
 * Press the power (PSWITCH_TYPE_POWER) or reset (PSWITCH_TYPE_RESET)
 * switch through the sysmon task queue.  Returns 0 once queued, ENODEV
 * without registered switches, or the queue's error.
 */
int	vmt_pswitch_press(struct vmt_softc *, int);

/* vmt_rpc.c: the channel; every call with sc_lock held. */
void	vmt_rpc_init(struct vm_rpc *, const char *, uint32_t);
int	vmt_rpc_open(struct vmt_softc *, struct vm_rpc *);
void	vmt_rpc_close(struct vmt_softc *, struct vm_rpc *);
int	vmt_rpc_send(struct vmt_softc *, struct vm_rpc *, const char *,
	    size_t);
int	vmt_rpc_recv(struct vmt_softc *, struct vm_rpc *, char *, size_t,
	    size_t *);

/* vmt_tclo.c: the loop and its callout handler. */
void	vmt_tclo_init(struct vmt_softc *);
void	vmt_tclo_tick(void *);

#include "opt_vmt.h"
#ifdef VMT_TIMESYNC
/* vmt_timesync.c */
void	vmt_timesync_attach(struct vmt_softc *);
void	vmt_timesync_detach(struct vmt_softc *);
#endif
#endif /* _KERNEL */

#if defined(_KERNEL) && (defined(__i386__) || defined(__x86_64__))
#include <dev/vmt/vmtreg.h>
/*
 * vmt_hvcall(): one low-bandwidth backdoor command for NetBSD's x86
 * machine-dependent code, which includes this header for it
 * (identcpu.c to confirm VMware, lapic.c for GET_VCPU_INFO) whether or
 * not vmt is configured, and before anything attaches: so it is inline
 * here rather than behind vmt_backdoor.h.  regs[] receives EAX, EBX,
 * ECX, EDX, ESI and EDI as the hypervisor left them.
 */
static __inline void
vmt_hvcall(uint8_t cmd, u_int regs[6])
{
	__asm__ __volatile__("inl %%dx, %%eax"
	    : "=a" (regs[0]), "=b" (regs[1]), "=c" (regs[2]), "=d" (regs[3]),
	      "=S" (regs[4]), "=D" (regs[5])
	    : "a" (VM_MAGIC), "b" (~VM_MAGIC), "c" ((u_int)cmd),
	      "d" (VM_PORT_CMD)
	    : "memory");
}
#endif

#endif /* _DEV_VMT_VMTVAR_H_ */
