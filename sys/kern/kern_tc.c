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
 * The timecounter core.
 *
 * The best registered hardware counter is turned into uptime by a ring
 * of timehands.  tc_windup(), called from hardclock() through
 * tc_ticktock() and whenever something changes, fills the next
 * timehands from the current one and publishes it; readers never lock:
 * they copy from the timehands they found and retry if its generation
 * changed under them (0 means "being rewritten").
 *
 * Realtime is uptime plus boottime.  Corrections are slewed, after
 * OpenBSD: the pending adjtime, th_adjtimedelta (us), travels with the
 * timehands; at each second of uptime ntp_update_second() moves at most
 * TC_ADJTIME_MAX_SLEW_US of it into th_adjustment (ns/s, 32.32), which,
 * with the frequency correction set by tc_adjfreq(), is folded into the
 * scale.  The clock therefore slews at most 5000 ppm plus the frequency
 * correction, and never steps or runs backwards for an adjtime.  Only
 * tc_setclock() steps realtime, by moving boottime; uptime is never
 * stepped and never runs backwards.
 *
 * Locking:
 *	[L]	timecounter_lock, a spin mutex at IPL_HIGH
 *	[G]	written under [L] while th_generation is 0, with relaxed
 *		atomic stores; readers load them the same way, lock-free,
 *		and retry if the generation changed (see tc_snap())
 *	[I]	immutable after initialisation
 */

#include <sys/cdefs.h>
__KERNEL_RCSID(0, "$NetBSD$");

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/atomic.h>
#include <sys/kauth.h>
#include <sys/kernel.h>
#include <sys/lwp.h>
#include <sys/mutex.h>
#include <sys/proc.h>
#include <sys/sysctl.h>
#include <sys/syslog.h>
#include <sys/time.h>
#include <sys/timetc.h>

struct timehands {
	struct timecounter	*th_counter;	/* [G] hardware read */
	int64_t			th_adjustment;	/* [G] ns/s 32.32, this second */
	int64_t			th_adjtimedelta; /* [G] pending adjtime, us */
	uint64_t		th_scale;	/* [G] 2^-64 s per count */
	uint64_t		th_offset_count; /* [G] count at th_offset */
	struct bintime		th_offset;	/* [G] uptime at that count */
	struct bintime		th_boottime;	/* [G] realtime - uptime */
	struct timeval		th_microtime;	/* [G] realtime at windup */
	struct timespec		th_nanotime;	/* [G] realtime at windup */
	volatile u_int		th_generation;	/* [L] 0 while rewritten */
	struct timehands	*th_next;	/* [I] the ring */
};

#define TC_NHANDS	8

static struct timehands	tc_hands[TC_NHANDS];		/* [G] */
static struct timehands	*volatile timehands = &tc_hands[0]; /* [L] */

static uint64_t	dummy_count;		/* atomic: read by lock-free readers */

static uint64_t
dummy_get_timecount(struct timecounter *tc)
{
	/* Before any real counter: a microsecond per call, as NetBSD. */
	return atomic_inc_64_nv(&dummy_count);
}

static struct timecounter dummy_timecounter = {
	.tc_get_timecount = dummy_get_timecount,
	.tc_counter_mask = ~(uint64_t)0,
	.tc_frequency = 1000000,
	.tc_name = "dummy",
	.tc_quality = -1000000,
};

struct timecounter *timecounter = &dummy_timecounter;	/* [L] chosen */
static struct timecounter *tc_list = &dummy_timecounter; /* [L] all */
static kmutex_t	timecounter_lock;
static int64_t	tc_freq_adj;		/* [L] tc_adjfreq(), ns/s 32.32 */
static bool	tc_scale_stale;		/* [L] tc_freq_adj changed since
					 * the scale was computed */
static u_int	tc_hw_generation;	/* [L] bumped on counter change */
static uint64_t	tc_nsteps;		/* [L] tc_setclock() calls */
static uint64_t	tc_nadjtimes;		/* [L] tc_adjtime() that set a delta */
static uint64_t	tc_nadjfreqs;		/* [L] tc_adjfreq() that set a value */
static int	timestepwarnings;	/* [L] log steps */

volatile time_t	time_second = 1;	/* [L] realtime seconds */
volatile time_t	time_uptime = 1;	/* [L] uptime seconds */

static void	tc_windup(const struct bintime *, const int64_t *);

/*
 * bt += scale * delta, in 128 bits so that any delta the counter's
 * width allows is exact, and summing in pieces equals summing at once.
 */
static __inline void
bintime_addscaled(struct bintime *bt, uint64_t scale, uint64_t delta)
{
	unsigned __int128 p = (unsigned __int128)scale * delta;

	bt->sec += (time_t)(uint64_t)(p >> 64);
	bintime_addx(bt, (uint64_t)p);
}

static struct timehands *
tc_hands_enter(u_int *genp)
{
	struct timehands *th;

	for (;;) {
		th = atomic_load_acquire(&timehands);
		*genp = atomic_load_acquire(&th->th_generation);
		if (*genp != 0)
			return th;
	}
}

/*
 * A read is good if the timehands were not rewritten under it and are
 * still the current ones.  The second condition is stricter than the
 * generation alone: a reader that loaded the timehands before a windup
 * and read the counter after it would extrapolate with the old scale
 * past the point where the new one took over, and, if the scale went
 * down, return a time later than the next reader's.
 */
static __inline bool
tc_hands_valid(const struct timehands *th, u_int gen)
{
	membar_consumer();
	return atomic_load_relaxed(&th->th_generation) == gen &&
	    atomic_load_relaxed(&timehands) == th;
}

/*
 * What a precise reader needs, copied out of the timehands field by
 * field with relaxed atomic loads (the writer stores them the same
 * way), so that a read racing a windup is a stale read the generation
 * check throws away, never a data race.
 */
struct tc_snap {
	uint64_t	ts_count;	/* the counter, read in the loop */
	uint64_t	ts_offset_count;
	uint64_t	ts_scale;
	uint64_t	ts_mask;
	struct bintime	ts_offset;
	struct bintime	ts_boottime;
};

static void
tc_snap(struct tc_snap *sn)
{
	struct timehands *th;
	struct timecounter *tc;
	u_int gen;

	do {
		th = tc_hands_enter(&gen);
		tc = atomic_load_relaxed(&th->th_counter);
		sn->ts_offset_count = atomic_load_relaxed(&th->th_offset_count);
		sn->ts_scale = atomic_load_relaxed(&th->th_scale);
		sn->ts_offset.sec = atomic_load_relaxed(&th->th_offset.sec);
		sn->ts_offset.frac = atomic_load_relaxed(&th->th_offset.frac);
		sn->ts_boottime.sec = atomic_load_relaxed(&th->th_boottime.sec);
		sn->ts_boottime.frac =
		    atomic_load_relaxed(&th->th_boottime.frac);
		sn->ts_mask = tc->tc_counter_mask;
		sn->ts_count = (*tc->tc_get_timecount)(tc);
	} while (!tc_hands_valid(th, gen));
}

/* Uptime at the snapshot's counter reading. */
static __inline void
tc_snap_uptime(const struct tc_snap *sn, struct bintime *bt)
{
	*bt = sn->ts_offset;
	bintime_addscaled(bt, sn->ts_scale,
	    (sn->ts_count - sn->ts_offset_count) & sn->ts_mask);
}

void
binuptime(struct bintime *bt)
{
	struct tc_snap sn;

	tc_snap(&sn);
	tc_snap_uptime(&sn, bt);
}

void
nanouptime(struct timespec *ts)
{
	struct bintime bt;

	binuptime(&bt);
	bintime2timespec(&bt, ts);
}

void
microuptime(struct timeval *tv)
{
	struct bintime bt;

	binuptime(&bt);
	bintime2timeval(&bt, tv);
}

void
bintime(struct bintime *bt)
{
	struct tc_snap sn;

	tc_snap(&sn);
	tc_snap_uptime(&sn, bt);
	bintime_add(bt, &sn.ts_boottime);
}

void
nanotime(struct timespec *ts)
{
	struct bintime bt;

	bintime(&bt);
	bintime2timespec(&bt, ts);
}

void
microtime(struct timeval *tv)
{
	struct bintime bt;

	bintime(&bt);
	bintime2timeval(&bt, tv);
}

/* The fast readers: what the last windup computed, no counter read. */
void
getbinuptime(struct bintime *bt)
{
	struct timehands *th;
	u_int gen;

	do {
		th = tc_hands_enter(&gen);
		bt->sec = atomic_load_relaxed(&th->th_offset.sec);
		bt->frac = atomic_load_relaxed(&th->th_offset.frac);
	} while (!tc_hands_valid(th, gen));
}

void
getnanouptime(struct timespec *ts)
{
	struct bintime bt;

	getbinuptime(&bt);
	bintime2timespec(&bt, ts);
}

void
getmicrouptime(struct timeval *tv)
{
	struct bintime bt;

	getbinuptime(&bt);
	bintime2timeval(&bt, tv);
}

void
getbinboottime(struct bintime *bt)
{
	struct timehands *th;
	u_int gen;

	do {
		th = tc_hands_enter(&gen);
		bt->sec = atomic_load_relaxed(&th->th_boottime.sec);
		bt->frac = atomic_load_relaxed(&th->th_boottime.frac);
	} while (!tc_hands_valid(th, gen));
}

void
getbintime(struct bintime *bt)
{
	struct timehands *th;
	struct bintime boot;
	u_int gen;

	do {
		th = tc_hands_enter(&gen);
		bt->sec = atomic_load_relaxed(&th->th_offset.sec);
		bt->frac = atomic_load_relaxed(&th->th_offset.frac);
		boot.sec = atomic_load_relaxed(&th->th_boottime.sec);
		boot.frac = atomic_load_relaxed(&th->th_boottime.frac);
	} while (!tc_hands_valid(th, gen));
	bintime_add(bt, &boot);
}

void
getnanotime(struct timespec *ts)
{
	struct timehands *th;
	u_int gen;

	do {
		th = tc_hands_enter(&gen);
		ts->tv_sec = atomic_load_relaxed(&th->th_nanotime.tv_sec);
		ts->tv_nsec = atomic_load_relaxed(&th->th_nanotime.tv_nsec);
	} while (!tc_hands_valid(th, gen));
}

void
getmicrotime(struct timeval *tv)
{
	struct timehands *th;
	u_int gen;

	do {
		th = tc_hands_enter(&gen);
		tv->tv_sec = atomic_load_relaxed(&th->th_microtime.tv_sec);
		tv->tv_usec = atomic_load_relaxed(&th->th_microtime.tv_usec);
	} while (!tc_hands_valid(th, gen));
}

void
getnanoboottime(struct timespec *ts)
{
	struct bintime bt;

	getbinboottime(&bt);
	bintime2timespec(&bt, ts);
}

/*
 * Move at most TC_ADJTIME_MAX_SLEW_US of the pending adjtime into this
 * second's adjustment.  Called once for every second of uptime.
 */
static void
ntp_update_second(struct timehands *th)
{
	static const __int128 one = (__int128)1000000000 << 32;
	__int128 a;
	int64_t adj;

	if (th->th_adjtimedelta > 0)
		adj = MIN(TC_ADJTIME_MAX_SLEW_US, th->th_adjtimedelta);
	else
		adj = MAX(-TC_ADJTIME_MAX_SLEW_US, th->th_adjtimedelta);
	th->th_adjtimedelta -= adj;

	/*
	 * The second this adjustment applies to is a second of the
	 * adjusted clock, so running a = adj/10^6 faster gains only
	 * a/(1 + a) of it.  Run a(1 + f)/(1 - a) faster instead (f the
	 * frequency correction): then each fold gains exactly adj us over
	 * exactly one second of uptime, and an adjtime completes to the
	 * microsecond instead of falling 0.5% short.
	 */
	a = (__int128)(adj * 1000) * ((__int128)1 << 32);
	th->th_adjustment = (int64_t)(a * (one + tc_freq_adj) / (one - a));
}

/* 2^-64 s per count, with the adjustment and frequency correction. */
static uint64_t
tc_compute_scale(const struct timehands *th)
{
	__int128 persec;

	/* 2^64 units a second, plus (ns/s 32.32) * 2^64 / 10^9 / 2^32. */
	persec = ((__int128)1 << 64) +
	    (__int128)(th->th_adjustment + tc_freq_adj) *
	    ((__int128)1 << 32) / 1000000000;
	return (uint64_t)(persec / (__int128)th->th_counter->tc_frequency);
}

/*
 * Make the next timehands current.  new_boottime, if not NULL, steps
 * realtime; new_adjtimedelta, if not NULL, replaces the pending
 * adjtime.  Called with timecounter_lock held.
 */
/*
 * Publish nt in th: th_generation is 0 meanwhile, and every field goes
 * in with a relaxed atomic store, matching the readers' loads.
 */
static void
tc_hands_publish(struct timehands *th, const struct timehands *nt)
{
	u_int gen;

	gen = th->th_generation;
	atomic_store_relaxed(&th->th_generation, 0);
	membar_producer();
	atomic_store_relaxed(&th->th_counter, nt->th_counter);
	atomic_store_relaxed(&th->th_adjustment, nt->th_adjustment);
	atomic_store_relaxed(&th->th_adjtimedelta, nt->th_adjtimedelta);
	atomic_store_relaxed(&th->th_scale, nt->th_scale);
	atomic_store_relaxed(&th->th_offset_count, nt->th_offset_count);
	atomic_store_relaxed(&th->th_offset.sec, nt->th_offset.sec);
	atomic_store_relaxed(&th->th_offset.frac, nt->th_offset.frac);
	atomic_store_relaxed(&th->th_boottime.sec, nt->th_boottime.sec);
	atomic_store_relaxed(&th->th_boottime.frac, nt->th_boottime.frac);
	atomic_store_relaxed(&th->th_microtime.tv_sec,
	    nt->th_microtime.tv_sec);
	atomic_store_relaxed(&th->th_microtime.tv_usec,
	    nt->th_microtime.tv_usec);
	atomic_store_relaxed(&th->th_nanotime.tv_sec, nt->th_nanotime.tv_sec);
	atomic_store_relaxed(&th->th_nanotime.tv_nsec,
	    nt->th_nanotime.tv_nsec);
	if (++gen == 0)
		gen = 1;
	membar_producer();
	atomic_store_relaxed(&th->th_generation, gen);
	atomic_store_release(&timehands, th);
}

/*
 * Make the next timehands current.  new_boottime, if not NULL, steps
 * realtime; new_adjtimedelta, if not NULL, replaces the pending
 * adjtime.  Called with timecounter_lock held: the current timehands
 * change only here, so the writer reads them without atomics.
 */
static void
tc_windup(const struct bintime *new_boottime, const int64_t *new_adjtimedelta)
{
	struct timehands *tho, nt;
	struct timecounter *tc;
	struct bintime bt;
	uint64_t delta, ncount = 0;
	time_t i;

	KASSERT(mutex_owned(&timecounter_lock));

	tho = timehands;
	nt = *tho;

	/* Read the new counter first so that a switch loses no time. */
	tc = timecounter;
	delta = ((*nt.th_counter->tc_get_timecount)(nt.th_counter) -
	    nt.th_offset_count) & nt.th_counter->tc_counter_mask;
	if (nt.th_counter != tc)
		ncount = (*tc->tc_get_timecount)(tc);
	nt.th_offset_count = (nt.th_offset_count + delta) &
	    nt.th_counter->tc_counter_mask;
	bintime_addscaled(&nt.th_offset, nt.th_scale, delta);

	if (new_boottime != NULL)
		nt.th_boottime = *new_boottime;
	if (new_adjtimedelta != NULL)
		nt.th_adjtimedelta = *new_adjtimedelta;

	for (i = nt.th_offset.sec - tho->th_offset.sec; i > 0; i--)
		ntp_update_second(&nt);

	bt = nt.th_offset;
	bintime_add(&bt, &nt.th_boottime);
	bintime2timeval(&bt, &nt.th_microtime);
	bintime2timespec(&bt, &nt.th_nanotime);

	if (nt.th_counter != tc) {
		nt.th_counter = tc;
		nt.th_offset_count = ncount & tc->tc_counter_mask;
		atomic_store_relaxed(&tc_hw_generation, tc_hw_generation + 1);
	}
	/* Dividing in 128 bits is dear: only when the rate changed. */
	if (nt.th_counter != tho->th_counter ||
	    nt.th_adjustment != tho->th_adjustment || tc_scale_stale) {
		nt.th_scale = tc_compute_scale(&nt);
		tc_scale_stale = false;
	}

	tc_hands_publish(tho->th_next, &nt);
	atomic_store_relaxed(&time_second, nt.th_microtime.tv_sec);
	atomic_store_relaxed(&time_uptime, nt.th_offset.sec);
}

void
tc_ticktock(void)
{
	mutex_spin_enter(&timecounter_lock);
	tc_windup(NULL, NULL);
	mutex_spin_exit(&timecounter_lock);
}

/* Would tc be chosen over the current counter? */
static bool
tc_better(const struct timecounter *tc, const struct timecounter *cur)
{
	if (tc->tc_quality < 0)
		return false;
	if (tc->tc_quality != cur->tc_quality)
		return tc->tc_quality > cur->tc_quality;
	return tc->tc_frequency > cur->tc_frequency;
}

void
tc_init(struct timecounter *tc)
{
	KASSERT(tc->tc_frequency > 0);
	KASSERT(tc->tc_counter_mask >= 0xffff);

	mutex_spin_enter(&timecounter_lock);
	tc->tc_next = tc_list;
	tc_list = tc;
	if (tc_better(tc, timecounter)) {
		(void)(*tc->tc_get_timecount)(tc);
		timecounter = tc;
		tc_windup(NULL, NULL);
	}
	mutex_spin_exit(&timecounter_lock);
}

int
tc_detach(struct timecounter *target)
{
	struct timecounter *tc, **tcp, *best;

	mutex_spin_enter(&timecounter_lock);
	for (tcp = &tc_list; *tcp != NULL; tcp = &(*tcp)->tc_next)
		if (*tcp == target)
			break;
	if (*tcp == NULL || target == &dummy_timecounter) {
		mutex_spin_exit(&timecounter_lock);
		return ESRCH;
	}
	*tcp = target->tc_next;
	if (timecounter == target) {
		best = &dummy_timecounter;
		for (tc = tc_list; tc != NULL; tc = tc->tc_next)
			if (tc_better(tc, best))
				best = tc;
		timecounter = best;
		tc_windup(NULL, NULL);
	}
	mutex_spin_exit(&timecounter_lock);
	return 0;
}

void
tc_setclock(const struct timespec *ts)
{
	struct bintime uptime, utc, boot;
	struct timespec before;
	static const int64_t zero = 0;

	mutex_spin_enter(&timecounter_lock);
	nanotime(&before);
	binuptime(&uptime);
	timespec2bintime(ts, &utc);
	boot = utc;
	bintime_sub(&boot, &uptime);
	/* A step makes the pending adjtime meaningless. */
	tc_windup(&boot, &zero);
	atomic_store_relaxed(&tc_nsteps, tc_nsteps + 1);
	mutex_spin_exit(&timecounter_lock);

	if (timestepwarnings)
		log(LOG_INFO, "Time stepped from %lld.%09ld to %lld.%09ld\n",
		    (long long)before.tv_sec, before.tv_nsec,
		    (long long)ts->tv_sec, ts->tv_nsec);
}

int
tc_adjtime(int64_t *old, int64_t *new)
{
	if (new != NULL &&
	    (*new > TC_ADJTIME_MAX_US || *new < -TC_ADJTIME_MAX_US))
		return EINVAL;
	mutex_spin_enter(&timecounter_lock);
	if (old != NULL)
		*old = timehands->th_adjtimedelta;
	if (new != NULL) {
		tc_windup(NULL, new);
		atomic_store_relaxed(&tc_nadjtimes, tc_nadjtimes + 1);
	}
	mutex_spin_exit(&timecounter_lock);
	return 0;
}

int
tc_adjfreq(int64_t *old, int64_t *new)
{
	if (new != NULL &&
	    (*new > TC_ADJFREQ_PPB(TC_ADJFREQ_MAX_PPB) ||
	    *new < -TC_ADJFREQ_PPB(TC_ADJFREQ_MAX_PPB)))
		return EINVAL;
	mutex_spin_enter(&timecounter_lock);
	if (old != NULL)
		*old = tc_freq_adj;
	if (new != NULL) {
		/* Wind up first: the old rate applies up to now. */
		tc_windup(NULL, NULL);
		tc_freq_adj = *new;
		tc_scale_stale = true;
		tc_windup(NULL, NULL);
		atomic_store_relaxed(&tc_nadjfreqs, tc_nadjfreqs + 1);
	}
	mutex_spin_exit(&timecounter_lock);
	return 0;
}

/*
 * adjtime(2) semantics: olddelta gets what is still pending, delta (if
 * any) replaces it.  Needs KAUTH_SYSTEM_TIME; delta must be normalised
 * (0 <= tv_usec < 10^6) and within TC_ADJTIME_MAX_US.
 */
int
adjtime1(const struct timeval *delta, struct timeval *olddelta,
    struct proc *p)
{
	int64_t old, new;
	int error;

	if (delta != NULL) {
		error = kauth_authorize_system(p->p_cred, KAUTH_SYSTEM_TIME,
		    KAUTH_REQ_SYSTEM_TIME_ADJTIME, NULL, NULL, NULL);
		if (error != 0)
			return error;
		if (delta->tv_usec < 0 || delta->tv_usec >= 1000000 ||
		    delta->tv_sec > TC_ADJTIME_MAX_US / 1000000 ||
		    delta->tv_sec < -TC_ADJTIME_MAX_US / 1000000)
			return EINVAL;
		new = (int64_t)delta->tv_sec * 1000000 + delta->tv_usec;
	}
	error = tc_adjtime(&old, delta != NULL ? &new : NULL);
	if (error != 0)
		return error;
	if (olddelta != NULL) {
		olddelta->tv_sec = old / 1000000;
		olddelta->tv_usec = old % 1000000;
		if (olddelta->tv_usec < 0) {
			olddelta->tv_usec += 1000000;
			olddelta->tv_sec--;
		}
	}
	return 0;
}

u_int
tc_hardware_generation(void)
{
	return atomic_load_relaxed(&tc_hw_generation);
}

uint64_t
tc_step_count(void)
{
	return atomic_load_relaxed(&tc_nsteps);
}

uint64_t
tc_adjtime_count(void)
{
	return atomic_load_relaxed(&tc_nadjtimes);
}

uint64_t
tc_adjfreq_count(void)
{
	return atomic_load_relaxed(&tc_nadjfreqs);
}

void
inittimecounter(void)
{
	int i;

	mutex_init(&timecounter_lock, MUTEX_SPIN, IPL_HIGH);
	for (i = 0; i < TC_NHANDS; i++)
		tc_hands[i].th_next = &tc_hands[(i + 1) % TC_NHANDS];
	tc_hands[0].th_counter = &dummy_timecounter;
	tc_hands[0].th_scale = tc_compute_scale(&tc_hands[0]);
	tc_hands[0].th_generation = 1;
	/* Uptime starts at 1 s, so that 0 never means "booted now". */
	tc_hands[0].th_offset.sec = 1;
}

static int
sysctl_kern_timecounter_hardware(SYSCTLFN_ARGS)
{
	struct sysctlnode node;
	struct timecounter *tc;
	char newname[SYSCTL_NAMELEN];
	int error;

	strlcpy(newname, timecounter->tc_name, sizeof(newname));
	node = *rnode;
	node.sysctl_data = newname;
	node.sysctl_size = sizeof(newname);
	error = sysctl_lookup(SYSCTLFN_CALL(&node));
	if (error || newp == NULL)
		return error;
	error = kauth_authorize_system(l->l_cred, KAUTH_SYSTEM_TIME,
	    KAUTH_REQ_SYSTEM_TIME_TIMECOUNTERS, NULL, NULL, NULL);
	if (error)
		return error;

	mutex_spin_enter(&timecounter_lock);
	for (tc = tc_list; tc != NULL; tc = tc->tc_next)
		if (strcmp(newname, tc->tc_name) == 0)
			break;
	if (tc == NULL) {
		mutex_spin_exit(&timecounter_lock);
		return EINVAL;
	}
	if (tc != timecounter) {
		(void)(*tc->tc_get_timecount)(tc);
		timecounter = tc;
		tc_windup(NULL, NULL);
	}
	mutex_spin_exit(&timecounter_lock);
	return 0;
}

static int
sysctl_kern_timecounter_choice(SYSCTLFN_ARGS)
{
	struct sysctlnode node;
	struct timecounter *tc;
	char buf[512];
	size_t off = 0;
	int n;

	buf[0] = '\0';
	mutex_spin_enter(&timecounter_lock);
	for (tc = tc_list; tc != NULL && off < sizeof(buf); tc = tc->tc_next) {
		n = snprintf(buf + off, sizeof(buf) - off,
		    "%s%s(q=%d, f=%llu Hz)", off ? " " : "", tc->tc_name,
		    tc->tc_quality, (unsigned long long)tc->tc_frequency);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	mutex_spin_exit(&timecounter_lock);
	node = *rnode;
	node.sysctl_data = buf;
	node.sysctl_size = sizeof(buf);
	return sysctl_lookup(SYSCTLFN_CALL(&node));
}

static int
sysctl_kern_timecounter_timestepwarnings(SYSCTLFN_ARGS)
{
	struct sysctlnode node;
	int val, error;

	val = timestepwarnings;
	node = *rnode;
	node.sysctl_data = &val;
	error = sysctl_lookup(SYSCTLFN_CALL(&node));
	if (error || newp == NULL)
		return error;
	if (val != 0 && val != 1)
		return EINVAL;
	timestepwarnings = val;
	return 0;
}

/*
 * The adjustment counters, read-only.  They let a harness or an
 * administrator see how often something touched the clock, whoever
 * it was; the counters are only ever written under timecounter_lock.
 */
static int
sysctl_kern_timecounter_count(SYSCTLFN_ARGS)
{
	struct sysctlnode node;
	uint64_t val;

	mutex_spin_enter(&timecounter_lock);
	val = *(const uint64_t *)rnode->sysctl_data;
	mutex_spin_exit(&timecounter_lock);
	node = *rnode;
	node.sysctl_data = &val;
	return sysctl_lookup(SYSCTLFN_CALL(&node));
}

static void
sysctl_timecounter_counters(struct sysctllog **clog,
    const struct sysctlnode *node)
{
	static const struct {
		const char	*name;
		const char	*descr;
		uint64_t	*var;
	} counters[] = {
		{ "steps", "realtime steps (tc_setclock)", &tc_nsteps },
		{ "adjtimes", "adjtime deltas set (tc_adjtime)",
		    &tc_nadjtimes },
		{ "adjfreqs", "frequency corrections set (tc_adjfreq)",
		    &tc_nadjfreqs },
	};
	size_t i;

	for (i = 0; i < __arraycount(counters); i++)
		sysctl_createv(clog, 0, &node, NULL,
		    CTLFLAG_PERMANENT | CTLFLAG_READONLY, CTLTYPE_QUAD,
		    counters[i].name, SYSCTL_DESCR(counters[i].descr),
		    sysctl_kern_timecounter_count, 0, counters[i].var, 0,
		    CTL_CREATE, CTL_EOL);
}

SYSCTL_SETUP(sysctl_timecounter_setup, "sysctl timecounter setup")
{
	const struct sysctlnode *node;

	sysctl_createv(clog, 0, NULL, &node, CTLFLAG_PERMANENT,
	    CTLTYPE_NODE, "kern", NULL, NULL, 0, NULL, 0, CTL_KERN, CTL_EOL);
	sysctl_createv(clog, 0, &node, &node, CTLFLAG_PERMANENT,
	    CTLTYPE_NODE, "timecounter",
	    SYSCTL_DESCR("time counter information"),
	    NULL, 0, NULL, 0, CTL_CREATE, CTL_EOL);
	sysctl_createv(clog, 0, &node, NULL, CTLFLAG_PERMANENT,
	    CTLTYPE_STRING, "choice",
	    SYSCTL_DESCR("available counters"),
	    sysctl_kern_timecounter_choice, 0, NULL, 0, CTL_CREATE, CTL_EOL);
	sysctl_createv(clog, 0, &node, NULL,
	    CTLFLAG_PERMANENT | CTLFLAG_READWRITE, CTLTYPE_STRING, "hardware",
	    SYSCTL_DESCR("currently active time counter"),
	    sysctl_kern_timecounter_hardware, 0, NULL, SYSCTL_NAMELEN,
	    CTL_CREATE, CTL_EOL);
	sysctl_createv(clog, 0, &node, NULL,
	    CTLFLAG_PERMANENT | CTLFLAG_READWRITE, CTLTYPE_INT,
	    "timestepwarnings",
	    SYSCTL_DESCR("log time steps"),
	    sysctl_kern_timecounter_timestepwarnings, 0, NULL, 0,
	    CTL_CREATE, CTL_EOL);
	sysctl_timecounter_counters(clog, node);
}
