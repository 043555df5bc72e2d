/*
 * Shared harness of the time-sync tests: the real kern_tc.c, vmt(4)
 * transport and vmt_timesync.c on the userland kernel environment,
 * against the simulated VMware host.
 *
 * Offsets are measured here, by the test: guest nanotime() minus the
 * true host time, never the module's own estimate.
 *
 * The programs linking this file are built with
 *	-Wl,--wrap=tc_adjtime -Wl,--wrap=tc_adjfreq
 *	-Wl,--wrap=vmt_backdoor_cmd
 * so that a test can stand in for the kernel (refuse an adjustment, as
 * a kernel with other limits would) and for the host (answer a command
 * with registers of its choosing), without touching either.
 */
#ifndef _H_TIMESYNC_H_
#define _H_TIMESYNC_H_

#include <stdbool.h>
#include <stdint.h>

#include <dev/vmt/vmt_backdoor.h>

#include "kenv.h"
#include "vmthost/vmthost.h"
#include "vmthost/vmt_kenv.h"

#define NS		1000000000LL
#define US		1000LL
#define MS		1000000LL
#define LIMIT_NS	MS		/* the sync limit, 1 ms */
#define YEAR_NS		(365LL * 86400 * NS)

struct world {
	struct vmthost	*w_host;
	struct vmt_softc *w_sc;
	int		w_tc;		/* counter id */
	int64_t		w_host_off;	/* host clock steps so far */
	double		w_ppm;		/* base oscillator error */
	double		w_walk;		/* random-walk part, fractional */
	double		w_wander;	/* per-second std-dev of the walk */
	uint64_t	w_rng;		/* splitmix64 state */
};
extern struct world W;

struct setup {
	double		ppm;
	double		wander;
	int64_t		offset_ns;	/* guest - host at boot */
	int64_t		jitter_ns;	/* host read latency spread */
	uint32_t	maxlag_us;	/* host maxTimeLag */
	bool		synctime;
	bool		gui_options;
	bool		precision_clock;	/* the host answers PRECISIONCLOCK */
	bool		attach;
};

void	setup_default(struct setup *);
void	world_boot(const struct setup *);
/* The true host time (VMTHOST_EPOCH_2026 + now + w_host_off). */
int64_t	host_true(void *);
/* Guest realtime - true host time, ns. */
int64_t	offset_ns(void);
/* Guest realtime in ns, or saturated; and as whole seconds. */
int64_t	guest_sec(void);
int64_t	sysctl_i(const char *);
/* machdep.vmt0.timesync.stats.<name>. */
int64_t	ts_stat(const char *);
/* Clock adjustments of any kind made so far, counted by kern_tc. */
int64_t	adjustments(void);
/* The adjtime still pending in the kernel, us. */
int64_t	pending_us(void);

/* Run one second of true time, letting the oscillator wander. */
void	run_second(void);

struct stats {
	int64_t		last_bad;	/* last second |offset| > limit */
	double		sumsq;
	int64_t		max;
	int64_t		n;
};
void	run_measure(int64_t, int64_t, struct stats *);
/* How long, in 100 ms steps, until |offset| < limit; -1 if not in max. */
int64_t	time_to_sync(int64_t);
void	suspend_for(int64_t);
/* Run until the guest has answered cmd once more (at most 30 s). */
void	tclo_send(const char *);

/*
 * Realtime watch: call watch_start(), then watch_check() as often as
 * you like.  Fails the test if realtime went back without a
 * tc_setclock() in between.  Returns the number of backward moves
 * (each a tc_setclock()) seen since watch_start().
 */
void	watch_start(void);
int	watch_check(void);
/* Run ns in steps of step_ns, calling watch_check() after each. */
void	run_watch(int64_t, int64_t);

/* The guest is within the sync limit now (a macro: the caller's line). */
#define REQUIRE_SYNCED()						\
	ATF_REQUIRE_MSG(llabs(offset_ns()) < LIMIT_NS, "offset %lld ns",\
	    (long long)offset_ns())
/*
 * Steps seen in kern_tc's "Time stepped from A to B" lines (world_boot()
 * turns kern.timecounter.timestepwarnings on): backward (B < A) and not.
 */
extern uint64_t	h_steps_back, h_steps_fwd;

/* --- standing in for the kernel and the host ------------------------ */

/* While set, tc_adjtime() / tc_adjfreq() with a new value fail EINVAL. */
void	h_refuse_adjtime(bool);
void	h_refuse_adjfreq(bool);
/* Calls refused so far. */
extern uint64_t	h_adjtime_refused, h_adjfreq_refused;

/*
 * Called after the simulated host answered a backdoor command (the
 * frame as the host left it; cmd is CX[15:0] as the guest asked).
 * NULL removes it.
 */
typedef void (*h_backdoor_fn)(struct vm_backdoor *, uint16_t);
void	h_backdoor_hook(h_backdoor_fn);
/* The host answers cmd with EAX = VM_BACKDOOR_FAIL while set. */
void	h_backdoor_unsupported(uint16_t, bool);

int	__real_tc_adjtime(int64_t *, int64_t *);
int	__wrap_tc_adjtime(int64_t *, int64_t *);
int	__real_tc_adjfreq(int64_t *, int64_t *);
int	__wrap_tc_adjfreq(int64_t *, int64_t *);
void	__real_vmt_backdoor_cmd(struct vm_backdoor *);
void	__wrap_vmt_backdoor_cmd(struct vm_backdoor *);

#endif /* _H_TIMESYNC_H_ */
