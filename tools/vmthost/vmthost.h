/*
 * A simulated VMware host: the other side of vmt_backdoor.h.
 *
 * vmthost.c implements vmt_backdoor_cmd(), vmt_backdoor_hb_out() and
 * vmt_backdoor_hb_in() for the host made current by vmthost_create():
 * GETVERSION, GETHZ, GETTIMEFULL(_WITH_LAG), GETGUIOPTIONS,
 * STOPCATCHUP and the message channels (RPCI and TCLO, with cookies,
 * low- and high-bandwidth transfers and the exact status bits).  Any
 * other host model may replace it by implementing those three functions.
 *
 * Time.  The host keeps time with the guest's time source, a struct
 * vmthost_timesrc: vmthost_create() uses the userland kernel
 * environment's virtual clock (kenv_now(), kenv_delay(),
 * kenv_suspend(); vmthost_kenv.c), vmthost_create_timesrc() any other
 * (a rump kernel's host, for instance).  Host realtime is epoch_ns +
 * its now() unless a clock callback is installed.  Each backdoor call
 * costs time (its delay()):
 * latency_ns, plus a uniform random part below jitter_ns, plus an
 * exponentially distributed part of mean call_jitter_ns, plus, with
 * probability stall_prob, a vCPU stall (see below).  The host reads its
 * clock at a uniformly random point of that cost when read_at is
 * negative (the default, and the model of vmtsim(5)'s obsolete
 * jitter_us), else at the fraction read_at of the call's duration
 * without the stall.  A stall lasts stall_ns * U^(-1/1.5) (a Pareto
 * tail, U uniform in (0, 1]), at most stall_max_ns, and falls before
 * the host's read or after it with equal probability; the counters keep
 * running through it.  A time read returns the clock plus a normal
 * error of standard deviation read_error_ns plus, with probability
 * outlier_prob, an error of outlier_ns * U^(-1/1.5), at most 1000 times
 * outlier_ns, of random sign.  Each of these draws comes from a stream
 * of its own, so that enabling one effect leaves the others' draws as
 * they were.  All randomness comes from the seed: runs are repeatable.
 *
 * PRECISIONCLOCK (97) is answered only with precision_clock set, and
 * only as ESXi's precision clock device answers it: subcommand GETTIME
 * (0) in CX[31:16] with EBX = 0 and EDX[31:16] = 0 on entry gets EAX = 0
 * and the clock, read like GETTIMEFULL's (same cost, same read error and
 * outliers) but to the nanosecond, in EBX (high 32 bits) : ECX (low 32).
 * Anything else gets EAX = VM_BACKDOOR_FAIL, as does every call without
 * precision_clock.
 *
 * Every call is single-threaded: the host runs inside the guest's
 * backdoor call, on the harness's thread.
 */
#ifndef _VMTHOST_H_
#define _VMTHOST_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 2026-01-01T00:00:00Z in ns since the epoch: the default host time. */
#define VMTHOST_EPOCH_2026	(1767225600LL * 1000000000LL)

struct vmthost_config {
	uint64_t	seed;		/* PRNG seed (cookies, latency) */
	int64_t		epoch_ns;	/* host realtime at the time base's 0 */
	int64_t		latency_ns;	/* fixed cost of a backdoor call */
	int64_t		jitter_ns;	/* plus uniform [0, jitter_ns) */
	uint32_t	version;	/* GETVERSION: EAX */
	uint32_t	vmx_type;	/* GETVERSION: ECX */
	uint64_t	tsc_hz;		/* GETHZ: EBX:EAX; 0 = unsupported */
	uint32_t	bus_hz;		/* GETHZ: ECX */
	uint32_t	max_time_lag_us; /* GETTIMEFULL: ECX */
	uint32_t	interrupt_lag_us; /* GETTIMEFULL_WITH_LAG: EDI */
	bool		synctime;	/* the "synchronize time" checkbox */
	bool		gui_options;	/* GETGUIOPTIONS supported */
	bool		hb;		/* offer high-bandwidth transfers */
	bool		cookies;	/* accept VM_RPC_FLAG_COOKIE opens */
	bool		reset_on_open;	/* greet a new TCLO channel: "reset" */
	bool		precision_clock; /* answer PRECISIONCLOCK (97) */
	/* The noise model (see above); all 0 but read_at by default. */
	int64_t		call_jitter_ns;	/* mean of the exponential part */
	double		read_at;	/* < 0: uniform; else 0 (entry) .. 1 */
	int64_t		read_error_ns;
	double		outlier_prob;
	int64_t		outlier_ns;
	double		stall_prob;
	int64_t		stall_ns;
	int64_t		stall_max_ns;
};

/*
 * What the guest learnt from one GETTIMEFULL(_WITH_LAG) or
 * PRECISIONCLOCK call.
 */
struct vmthost_timeread {
	bool		with_lag;	/* command 55 */
	bool		precision;	/* command 97: ns, no lags */
	int64_t		host_ns;	/* the answer: sec * 1e9 + usec * 1000,
					 * or the nanoseconds of command 97 */
	uint32_t	max_lag_us;	/* ECX */
	uint32_t	lag_us;		/* EDI, 0 without the lag variant */
};

/*
 * Callbacks, all optional: the interrupt lag the host reports (ns; the
 * default is interrupt_lag_us), STOPCATCHUP received, and a time read
 * beginning (before any of its cost) and answered.
 */
struct vmthost_hooks {
	int64_t	(*lag_ns)(void *);
	void	(*stop_catchup)(void *);
	void	(*time_enter)(void *);
	void	(*time_read)(void *, const struct vmthost_timeread *);
	void	*arg;
};

/* What the noise model drew so far, for tests. */
struct vmthost_noise_stats {
	uint64_t	reads;		/* time reads answered */
	uint64_t	outliers;
	uint64_t	stalls;
	int64_t		stall_max_ns;	/* longest stall */
	int64_t		stall_total_ns;
};

/* Channel kinds, transfer directions (guest's view) and steps. */
enum vmthost_chan { VMTHOST_RPCI, VMTHOST_TCLO };
enum vmthost_dir { VMTHOST_SEND, VMTHOST_RECV };
enum vmthost_step {
	VMTHOST_STEP_SIZE,		/* SET_LENGTH / GET_LENGTH */
	VMTHOST_STEP_PAYLOAD_LB,	/* SET_DATA / GET_DATA */
	VMTHOST_STEP_PAYLOAD_HB,	/* rep outsb / rep insb */
	VMTHOST_STEP_STATUS		/* GET_END (receive only) */
};

#define VMTHOST_NCMD	128		/* commands counted one by one */

struct vmthost_stats {
	uint64_t	calls[VMTHOST_NCMD];	/* backdoor calls by command */
	uint64_t	calls_other;		/* command >= VMTHOST_NCMD */
	uint64_t	hb_out;			/* high-bandwidth sends */
	uint64_t	hb_in;			/* high-bandwidth receives */
	uint64_t	cpt_injected;		/* checkpoints answered */
	uint64_t	faults_injected;	/* other injected statuses */
	uint64_t	opens[2];		/* channels opened, by kind */
	uint64_t	opens_refused;		/* open attempts refused */
	uint64_t	closes;			/* CLOSE calls accepted */
	uint64_t	bad_channel;		/* wrong id or cookie */
	uint64_t	stopcatchup;		/* STOPCATCHUP calls */
	uint64_t	pclk_answered;		/* PRECISIONCLOCK GETTIMEs */
	uint64_t	pclk_refused;		/* PRECISIONCLOCK failed */
	uint64_t	tclo_dropped;		/* commands lost or given up */
};

struct vmthost;

/*
 * Where the host's time comes from: now() is the guest's time base in
 * ns, delay() lets ns of it pass inside a backdoor call (the call's
 * cost), suspend() freezes the guest's counters for ns while host time
 * moves on (NULL: suspending is not supported, and an injected
 * checkpoint does not suspend).
 */
struct vmthost_timesrc {
	int64_t	(*ts_now)(void *);
	void	(*ts_delay)(void *, int64_t);
	void	(*ts_suspend)(void *, int64_t);
	void	*ts_arg;
};

void	vmthost_config_default(struct vmthost_config *);
/* Create the host (NULL: defaults) and make it current; one at a time. */
struct vmthost *vmthost_create(const struct vmthost_config *);
/* The same on another time source. */
struct vmthost *vmthost_create_timesrc(const struct vmthost_config *,
	    const struct vmthost_timesrc *);
void	vmthost_destroy(struct vmthost *);

/* The host clock: realtime in ns since the epoch. */
typedef int64_t (*vmthost_clock_fn)(void *);
void	vmthost_set_clock(struct vmthost *, vmthost_clock_fn, void *);
int64_t	vmthost_now(struct vmthost *);
void	vmthost_set_hooks(struct vmthost *, const struct vmthost_hooks *);
const struct vmthost_noise_stats *vmthost_noise_stats(const struct vmthost *);
/* The checkbox, as GETGUIOPTIONS reports it. */
void	vmthost_set_synctime(struct vmthost *, bool);
bool	vmthost_synctime(const struct vmthost *);
void	vmthost_set_hb(struct vmthost *, bool);
void	vmthost_set_precision_clock(struct vmthost *, bool);

/* Queue a host-to-guest TCLO command (text, or any bytes). */
void	vmthost_tclo_push(struct vmthost *, const char *);
void	vmthost_tclo_push_bytes(struct vmthost *, const void *, size_t);
size_t	vmthost_tclo_pending(const struct vmthost *);

/*
 * Answer RPCI requests starting with prefix by reply (with its "1 " or
 * "0 ", or anything else to test the guest), instead of "1 ".
 */
void	vmthost_rpci_answer(struct vmthost *, const char *prefix,
	    const char *reply);

/*
 * Fault injection.  The next count occurrences of the step answer with
 * status (SUCCESS clear); a message is never consumed by a failed step.
 * vmthost_inject_cpt() answers CPT at a payload or status step, and
 * after each one queues "reset" at the head of the TCLO queue, as the
 * VMX does after a checkpoint.  Any number of rules may be pending.  If
 * a suspend length (or a wake-up time) is set, the next injected
 * checkpoint also suspends the VM for that long (or until then: guest
 * counters frozen, host time moving) inside the failing call, once:
 * the setting is then cleared.
 */
void	vmthost_inject(struct vmthost *, enum vmthost_chan, enum vmthost_dir,
	    enum vmthost_step, uint16_t status, unsigned count);
void	vmthost_inject_cpt(struct vmthost *, enum vmthost_chan,
	    enum vmthost_dir, enum vmthost_step, unsigned count);
void	vmthost_set_cpt_suspend(struct vmthost *, int64_t ns);
void	vmthost_set_cpt_wake(struct vmthost *, int64_t kenv_ns);
/* The host closes the open channels of a kind (calls answer CLOSED). */
void	vmthost_close_channel(struct vmthost *, enum vmthost_chan);
/* Refuse the next n opens of a kind. */
void	vmthost_refuse_open(struct vmthost *, enum vmthost_chan, unsigned n);
/*
 * Lose the next n TCLO commands the host queues from now on, pushed by
 * the harness or by the host itself ("reset" after a checkpoint or an
 * open, "Set_Option synctime" after vmx.set_option): never delivered.
 */
void	vmthost_drop_tclo(struct vmthost *, unsigned n);
/* Power off: channels closed, every message call answers POWEROFF. */
void	vmthost_set_poweroff(struct vmthost *, bool);

/* What the guest did. */
const struct vmthost_stats *vmthost_stats(const struct vmthost *);
size_t	vmthost_rpci_count(const struct vmthost *, const char *prefix);
const char *vmthost_rpci_find(const struct vmthost *, const char *prefix);
const char *vmthost_rpci_at(const struct vmthost *, size_t);
/* Replies on TCLO: the last one to command cmd (NULL if none), count. */
const char *vmthost_tclo_reply(const struct vmthost *, const char *cmd);
size_t	vmthost_tclo_replies(const struct vmthost *, const char *cmd);
const char *vmthost_tclo_reply_at(const struct vmthost *, size_t);
/* Times (time base, ns) of the open attempts of a kind; returns count. */
size_t	vmthost_open_times(const struct vmthost *, enum vmthost_chan,
	    int64_t *, size_t);
void	vmthost_clear_records(struct vmthost *);

#endif /* _VMTHOST_H_ */
