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
 * The timecounter core: a drop-in for NetBSD's kern_tc.c with an
 * in-kernel slew added on top.
 *
 * The best registered counter is turned into uptime by a ring of
 * timehands.  tc_windup(), called from hardclock() through
 * tc_ticktock() and whenever something changes, fills the next
 * timehands from the current one and publishes it.  Readers never
 * lock: they copy what they need out of the timehands they found and
 * retry if its generation changed under them (0 means "being
 * rewritten") or, those that read the counter, if it stopped being
 * the current one.  The get*() readers copy only what the windup
 * computed for them (th_microtime, th_nanotime, ...).  The ring is
 * static and its first timehands valid (generation 1, the dummy
 * counter) before inittimecounter(), so early printf can read uptime.
 *
 * Realtime is uptime plus boottime.  Once per second of realtime the
 * windup calls kern_ntptime.c's ntp_update_second(), as NetBSD does:
 * that is how adjtime(2), ntp_adjtime(2), the NTP PLL/FLL and leap
 * seconds reach the clock, through th_adjustment folded into the
 * scale.  A long gap between windups runs it at most twice
 * (LARGE_STEP), so catching up takes bounded time.
 *
 * On top of that, after OpenBSD, the kernel's own slew: tc_adjtime()
 * sets a pending adjustment; once per second of uptime at most
 * TC_ADJTIME_MAX_SLEW_US of it, A, is folded into a slew window that
 * runs at A per second of the clock until the next fold.  The window is
 * part of what readers evaluate: uptime at a counter delta d is
 *
 *	offset + base * d +- min(rate * min(d, counts), left)
 *
 * with left at most A + A/8, so however late the next windup comes (no
 * ticks for a year), a window delivers at most 9/8 of its second's
 * share.  At the next fold the difference between what it delivered
 * and A goes back to (or comes out of) the pending adjustment: nothing
 * is dropped and nothing is applied twice, and an adjustment completes
 * exactly.  The common case (d within the window and small enough not
 * to overflow) is one multiplication, as in NetBSD.  Windups are
 * exactly additive (no rounding depends on when they happen), so a
 * tickless caller gets the very same clock.
 *
 * tc_setclock() steps realtime by moving boottime; uptime is never
 * stepped and never runs backwards.
 *
 * tc_detach() waits, as NetBSD's does, until no reader can still be
 * using the detached counter: binuptime() records the removal count
 * in its LWP's l_tcgen while it runs; the detacher issues a cross call
 * (which orders every CPU's stores) and scans all LWPs.
 *
 * Locking:
 *	[L]	timecounter_lock, a spin mutex at IPL_HIGH
 *	[G]	written under [L] while th_generation is 0, a word at a time
 *		with relaxed atomic stores; readers load the words with
 *		acquire loads, lock-free, and retry if the generation
 *		changed
 *	[I]	immutable
 */

#include <sys/cdefs.h>
__KERNEL_RCSID(0, "$NetBSD$");

#ifdef _KERNEL_OPT
#include "opt_ntp.h"
#endif

#include <sys/param.h>
#include <sys/atomic.h>
#include <sys/kauth.h>
#include <sys/kernel.h>
#include <sys/lwp.h>
#include <sys/mutex.h>
#include <sys/proc.h>
#include <sys/sysctl.h>
#include <sys/syslog.h>
#include <sys/systm.h>
#include <sys/time.h>
#include <sys/timepps.h>
#include <sys/timetc.h>
#include <sys/timex.h>
#include <sys/xcall.h>

/*
 * A windup that finds more seconds of realtime passed than this calls
 * ntp_update_second() only twice (twice to catch a leap second).
 */
#define LARGE_STEP	200

#define TC_NHANDS	10

/* 2^64 / 10^6: a microsecond in 2^-64 s, rounded down, as NetBSD's. */
#define TC_US_FRAC	((uint64_t)18446744073709ULL)
#define TC_MAX_SLEW_FRAC ((uint64_t)TC_ADJTIME_MAX_SLEW_US * TC_US_FRAC)
#define TC_U64_MAX	(~(uint64_t)0)

/*
 * ntp_update_second()'s adjustment plus tc_adjfreq()'s correction is
 * clamped to +-1/8 s per second before it goes into the scale, far
 * beyond anything kern_ntptime.c produces (MAXPHASE and MAXFREQ bound
 * it to a few percent), so that no combination can overflow the scale.
 */
#define TC_ADJ_LIMIT	(((int64_t)1000000000 / 8) << 32)

/*
 * What binuptime() needs, copied out of the timehands a word at a time
 * (tc_load_words()).  A counter delta d up to tk_fast converts as
 * tk_offset + tk_scale * d; beyond it, see tc_slew.
 */
struct tc_clock {
	u_int		tk_offset_count;	/* counter at tk_offset */
	u_int		tk_fast;		/* largest delta for tk_scale */
	uint64_t	tk_scale;		/* 2^-64 s per count, all in */
	struct bintime	tk_offset;		/* uptime at tk_offset_count */
};

/* The slew window, which only the slow conversion reads. */
struct tc_slew {
	uint64_t	ts_base;	/* 2^-64 s per count, without slew */
	uint64_t	ts_rate;	/* |slew| per count, 2^-64 s */
	uint64_t	ts_left;	/* |slew| it may still deliver */
	uint64_t	ts_counts;	/* counts until ts_left is delivered */
	u_long		ts_neg;		/* 1: slewing back */
};

/* A window may deliver 1/TC_SLEW_MARGIN more than its share. */
#define TC_SLEW_MARGIN	8

/*
 * What the readers load comes first, on the first cache line or two.
 * The alignment is also what tc_hands_load() tells the compiler.
 */
#define TC_HANDS_ALIGN	64

struct timehands {
	volatile u_int		th_generation;	/* [G] 0 while rewritten */
	struct timecounter	*th_counter;	/* [G] release/acquire */
	struct tc_clock		th_clock;	/* [G] */
	struct bintime		th_boottime;	/* [G] realtime - uptime */
	struct bintime		th_bintime;	/* [G] realtime at windup */
	struct timeval		th_microtime;	/* [G] realtime at windup */
	struct timespec		th_nanotime;	/* [G] realtime at windup */
	struct tc_slew		th_slew;	/* [G] */
	struct timehands	*th_next;	/* [I] the ring */
} __aligned(TC_HANDS_ALIGN);

/* Words are copied with atomic loads and stores: sizes must fit. */
CTASSERT(sizeof(struct tc_clock) % sizeof(u_long) == 0);
CTASSERT(sizeof(struct tc_slew) % sizeof(u_long) == 0);
CTASSERT(sizeof(struct bintime) % sizeof(u_long) == 0);
CTASSERT(sizeof(struct timeval) % sizeof(u_long) == 0);
CTASSERT(sizeof(struct timespec) % sizeof(u_long) == 0);

static u_int	dummy_get_timecount(struct timecounter *);

static struct timecounter dummy_timecounter = {
	.tc_get_timecount = dummy_get_timecount,
	.tc_counter_mask = ~0u,
	.tc_frequency = 1000000,
	.tc_name = "dummy",
	.tc_quality = -1000000,
};

/* The dummy's scale, 2^64 / 10^6, and the largest delta it takes. */
#define TC_DUMMY_SCALE	(TC_U64_MAX / 1000000)
#define TC_DUMMY_FAST	((u_int)(TC_U64_MAX / TC_DUMMY_SCALE))

#define TC_HANDS_NEXT(i)	{ .th_next = &tc_hands[((i) + 1) % TC_NHANDS] }

static struct timehands tc_hands[TC_NHANDS] = {
	[0] = {
		.th_counter = &dummy_timecounter,
		.th_clock = {
			.tk_fast = TC_DUMMY_FAST,
			.tk_scale = TC_DUMMY_SCALE,
			/* Uptime starts at 1 s: 0 never means "now". */
			.tk_offset = { .sec = 1, .frac = 0 },
		},
		.th_slew = { .ts_base = TC_DUMMY_SCALE },
		.th_bintime = { .sec = 1, .frac = 0 },
		.th_microtime = { .tv_sec = 1 },
		.th_nanotime = { .tv_sec = 1 },
		.th_generation = 1,
		.th_next = &tc_hands[1],
	},
	[1] = TC_HANDS_NEXT(1), [2] = TC_HANDS_NEXT(2),
	[3] = TC_HANDS_NEXT(3), [4] = TC_HANDS_NEXT(4),
	[5] = TC_HANDS_NEXT(5), [6] = TC_HANDS_NEXT(6),
	[7] = TC_HANDS_NEXT(7), [8] = TC_HANDS_NEXT(8),
	[9] = TC_HANDS_NEXT(9),
};
CTASSERT(TC_NHANDS == 10);

/* Written under [L], read lock-free (tc_hands_load()). */
static struct timehands *volatile timehands = &tc_hands[0];

struct timecounter *timecounter = &dummy_timecounter;	/* [L] chosen */
static struct timecounter *timecounters = &dummy_timecounter; /* [L] */

volatile time_t	time_second __cacheline_aligned = 1;	/* [L] */
volatile time_t	time_uptime __cacheline_aligned = 1;	/* [L] */

kmutex_t	timecounter_lock;
static u_int	timecounter_mods;	/* [L] list changes, for choice */
static volatile int timecounter_removals = 1; /* [L] detaches begun */
static volatile u_int timecounter_bad;	/* atomic: tc_gonebad() calls */
static int	tc_tick;		/* [I] hardclocks per windup */
static int	timestepwarnings;	/* [L] log steps */

static struct bintime tc_boottime;	/* [L] realtime - uptime */
static int64_t	tc_ntp_adjustment;	/* [L] ntp_update_second()'s */
static int64_t	tc_freq_adj;		/* [L] tc_adjfreq(), ns/s 32.32 */
static bool	tc_rescale;		/* [L] tc_freq_adj changed */
static struct bintime tc_adjpending;	/* [L] tc_adjtime() not folded yet,
					 * signed (sec < 0: negative) */
static uint64_t	tc_slew_margin;		/* [L] the current window's
					 * ts_left beyond its share */
static bool	tc_slew_cancel;		/* [L] a step: drop the window */
static u_int	tc_hw_generation;	/* [L] bumped on counter change */
static uint64_t	tc_nsteps;		/* [L] tc_setclock() calls */
static uint64_t	tc_nadjtimes;		/* [L] tc_adjtime() that set one */
static uint64_t	tc_nadjfreqs;		/* [L] tc_adjfreq() that set one */

void	dtrace_getnanotime(struct timespec *);

static u_int
dummy_get_timecount(struct timecounter *tc)
{
	static volatile u_int now;

	/* Before any real counter: a microsecond per call, as NetBSD. */
	return atomic_inc_uint_nv(&now);
}

/* --- Arithmetic ------------------------------------------------------ */

/* bt -= x 2^-64 s. */
static __inline void
tc_subx(struct bintime *bt, uint64_t x)
{
	uint64_t u;

	u = bt->frac;
	bt->frac -= x;
	if (bt->frac > u)
		bt->sec--;
}

/*
 * bt += scale * delta exactly, in 96 bits from two 32x32 products:
 * any delta the counter's width allows, however long the gap.
 */
static __inline void
tc_addscaled(struct bintime *bt, uint64_t scale, u_int delta)
{
	uint64_t lo, hi;

	lo = (uint64_t)(uint32_t)scale * delta;
	hi = (uint64_t)(uint32_t)(scale >> 32) * delta;
	bt->sec += (time_t)(hi >> 32);
	bintime_addx(bt, hi << 32);
	bintime_addx(bt, lo);
}

/* The slew a window delivers over delta counts. */
static __inline uint64_t
tc_slewed(const struct tc_slew *sl, u_int delta)
{
	uint64_t n, s;

	n = MIN((uint64_t)delta, sl->ts_counts);
	s = sl->ts_rate * n;
	return MIN(s, sl->ts_left);
}

/* Uptime delta counts after ck's offset. */
static __inline void
tc_uptime_at(const struct tc_clock *ck, const struct tc_slew *sl,
    u_int delta, struct bintime *bt)
{

	*bt = ck->tk_offset;
	if (__predict_true(delta <= ck->tk_fast)) {
		bintime_addx(bt, ck->tk_scale * delta);
		return;
	}
	tc_addscaled(bt, sl->ts_base, delta);
	if (sl->ts_neg)
		tc_subx(bt, tc_slewed(sl, delta));
	else
		bintime_addx(bt, tc_slewed(sl, delta));
}

/*
 * floor(a * b / (d * 2^32)), for a result that fits in 64 bits,
 * without a 128-bit type: the product in 32-bit limbs, then long
 * division by d.
 */
static uint64_t
tc_muldiv(uint64_t a, uint64_t b, uint32_t d)
{
	uint64_t p0, p1, p2, p3, mid, hi, n, r, q1, q0;

	p0 = (uint64_t)(uint32_t)a * (uint32_t)b;
	p1 = (uint64_t)(uint32_t)a * (uint32_t)(b >> 32);
	p2 = (uint64_t)(uint32_t)(a >> 32) * (uint32_t)b;
	p3 = (uint64_t)(uint32_t)(a >> 32) * (uint32_t)(b >> 32);
	mid = (p0 >> 32) + (uint32_t)p1 + (uint32_t)p2;
	hi = p3 + (p1 >> 32) + (p2 >> 32) + (mid >> 32);
	/* a * b >> 32 is hi:(uint32_t)mid; divide it by d. */
	r = (hi >> 32) % d;
	n = (r << 32) | (uint32_t)hi;
	q1 = n / d;
	r = n % d;
	n = (r << 32) | (uint32_t)mid;
	q0 = n / d;
	return (q1 << 32) + q0;
}

/*
 * 2^-64 s per count of a freq Hz counter whose rate is corrected by
 * adj ns/s (32.32): 2^64 / freq * (1 + adj / 10^9).  Exact to two
 * units (NetBSD's approximation of the 10^9 is 10 ppm of adj off).
 */
static uint64_t
tc_base_scale(uint64_t freq, int64_t adj)
{
	uint64_t q, corr;

	if (freq < 2)
		q = TC_U64_MAX;
	else {
		q = TC_U64_MAX / freq;
		if (TC_U64_MAX % freq == freq - 1)
			q++;
	}
	adj = MAX(MIN(adj, TC_ADJ_LIMIT), -TC_ADJ_LIMIT);
	if (adj >= 0) {
		corr = tc_muldiv(q, (uint64_t)adj, 1000000000);
		return q + MIN(corr, TC_U64_MAX - q);
	}
	corr = tc_muldiv(q, (uint64_t)-adj, 1000000000);
	return q - MIN(corr, q - 1);
}

/*
 * The reader's full scale and fast path limit, from the window.  A
 * spent window keeps its sign: it still has to be settled.
 */
static void
tc_derive(struct tc_clock *ck, const struct tc_slew *sl)
{
	uint64_t lim;

	if (sl->ts_left == 0)
		ck->tk_scale = sl->ts_base;
	else if (sl->ts_neg)
		ck->tk_scale = sl->ts_base - sl->ts_rate;
	else
		ck->tk_scale = sl->ts_base + sl->ts_rate;
	if (ck->tk_scale == 0)
		ck->tk_scale = 1;
	lim = TC_U64_MAX / ck->tk_scale;
	if (sl->ts_left != 0)
		lim = MIN(lim, sl->ts_left / sl->ts_rate);
	ck->tk_fast = (u_int)MIN(lim, (uint64_t)~0u);
}

/* Pending adjustment +-= mag. */
static void
tc_pending_add(uint64_t mag, bool neg)
{
	struct bintime x = { .sec = 0, .frac = mag };

	if (neg)
		bintime_sub(&tc_adjpending, &x);
	else
		bintime_add(&tc_adjpending, &x);
}

/* Take at most TC_MAX_SLEW_FRAC of the pending adjustment. */
static uint64_t
tc_pending_take(bool *negp)
{
	struct bintime mag = tc_adjpending;
	uint64_t take;

	*negp = tc_adjpending.sec < 0;
	if (*negp) {
		mag.sec = -mag.sec;
		if (mag.frac != 0) {
			mag.sec--;
			mag.frac = 0 - mag.frac;
		}
	}
	take = mag.sec > 0 ? TC_MAX_SLEW_FRAC :
	    MIN(mag.frac, TC_MAX_SLEW_FRAC);
	tc_pending_add(take, !*negp);
	return take;
}

/* The pending adjustment in us, rounded to the nearest. */
static int64_t
tc_pending_us(void)
{
	uint64_t us;

	us = (uint64_t)((tc_adjpending.frac >> 32) * 1000000 +
	    (((tc_adjpending.frac & 0xffffffff) * 1000000) >> 32) +
	    ((uint64_t)1 << 31)) >> 32;
	return (int64_t)tc_adjpending.sec * 1000000 + (int64_t)us;
}

/*
 * Start a window delivering mag (2^-64 s, at most TC_MAX_SLEW_FRAC)
 * per second of the slewed clock: mag over w counts with
 * base * w +- mag = 1 s, the rate rounded up.  It may deliver up to
 * mag / TC_SLEW_MARGIN more if the next fold is late.
 */
static void
tc_slew_start(struct tc_slew *sl, uint64_t mag, bool neg)
{
	uint64_t w;

	tc_slew_margin = mag / TC_SLEW_MARGIN;
	sl->ts_left = mag + tc_slew_margin;
	sl->ts_neg = neg;
	sl->ts_rate = 0;
	sl->ts_counts = 0;
	if (mag == 0)
		return;
	if (!neg)
		w = (0 - mag) / sl->ts_base;		/* (2^64 - mag) */
	else
		w = TC_U64_MAX / sl->ts_base + mag / sl->ts_base;
	if (w == 0)
		w = 1;
	sl->ts_rate = mag / w + (mag % w != 0);
	sl->ts_counts = sl->ts_left / sl->ts_rate +
	    (sl->ts_left % sl->ts_rate != 0);
}

/*
 * End the window: what it delivered short of its share goes back to
 * the pending adjustment, what it delivered beyond comes out of it.
 */
static void
tc_slew_end(struct tc_slew *sl)
{

	if (sl->ts_left >= tc_slew_margin)
		tc_pending_add(sl->ts_left - tc_slew_margin, sl->ts_neg);
	else
		tc_pending_add(tc_slew_margin - sl->ts_left, !sl->ts_neg);
	sl->ts_left = 0;
	tc_slew_margin = 0;
}

/* --- Readers --------------------------------------------------------- */

/*
 * Copy len bytes (whole words) of timehands into a snapshot with
 * atomic loads: a copy racing a windup is a stale copy that the
 * generation check discards, never a data race.  Words, not wider
 * loads, because 32-bit platforms have no 64-bit atomic loads.
 *
 * The loads are acquire loads: each comes before the generation is
 * loaded again (tc_hands_valid()), so a word the windup stored after
 * it zeroed the generation is seen with that zero.  That is the
 * ordering a membar_consumer() before the check would give, at no
 * cost where loads are ordered anyway (x86: plain moves, where
 * membar_consumer() is a locked instruction).
 */
static __inline void
tc_load_words(void *dst, const void *src, size_t len)
{
	u_long *d = dst;
	const u_long *s = src;
	size_t i;

	for (i = 0; i < len / sizeof(u_long); i++)
		d[i] = atomic_load_acquire(&s[i]);
}

/*
 * The same for a struct tc_clock, field by field: short copies the
 * compiler unrolls and keeps in registers.
 */
static __inline void
tc_load_clock(struct tc_clock *ck, const struct tc_clock *src)
{

	ck->tk_offset_count = atomic_load_acquire(&src->tk_offset_count);
	ck->tk_fast = atomic_load_acquire(&src->tk_fast);
	tc_load_words(&ck->tk_scale, &src->tk_scale, sizeof(ck->tk_scale));
	tc_load_words(&ck->tk_offset, &src->tk_offset, sizeof(ck->tk_offset));
}

static __inline void
tc_store_words(void *dst, const void *src, size_t len)
{
	u_long *d = dst;
	const u_long *s = src;
	size_t i;

	for (i = 0; i < len / sizeof(u_long); i++)
		atomic_store_relaxed(&d[i], s[i]);
}

/*
 * The current timehands, for a lock-free reader.  The mask changes
 * nothing (they are TC_HANDS_ALIGN-aligned) but tells the compiler
 * that every word the reader loads is aligned, so that the alignment
 * checks of atomic_load_*() (DIAGNOSTIC kernels) go at compile time.
 */
static __inline struct timehands *
tc_hands_load(void)
{

	return (struct timehands *)((uintptr_t)atomic_load_consume(&timehands) &
	    ~(uintptr_t)(TC_HANDS_ALIGN - 1));
}

/* The current timehands, and their generation. */
static __inline struct timehands *
tc_hands_begin(u_int *genp)
{
	struct timehands *th;

	th = tc_hands_load();
	*genp = atomic_load_acquire(&th->th_generation);
	return th;
}

/* The same, once they are not being rewritten. */
static __inline struct timehands *
tc_hands_enter(u_int *genp)
{
	struct timehands *th;

	do {
		th = tc_hands_begin(genp);
	} while (__predict_false(*genp == 0));
	return th;
}

/*
 * A copy of precomputed fields (the get*() readers, which begin
 * without waiting for a rewrite to end) is good if the timehands were
 * not being rewritten and were not rewritten under it: it is then
 * what they held when the reader found them current, a time the read
 * may take as its own, as the next read finds these or later
 * timehands.
 */
static __inline bool
tc_hands_unchanged(const struct timehands *th, u_int gen)
{

	return __predict_true(gen != 0) &&
	    atomic_load_relaxed(&th->th_generation) == gen;
}

/*
 * A read of the counter is good if, besides, the timehands are still
 * the current ones.  A reader that found them before a windup and read
 * the counter after it would extrapolate with the old scale past the
 * point where the new one took over, and, if the scale went down,
 * return a time later than the next reader's.
 */
static __inline bool
tc_hands_valid(const struct timehands *th, u_int gen)
{

	return tc_hands_unchanged(th, gen) &&
	    atomic_load_relaxed(&timehands) == th;
}

/*
 * Uptime now, and boottime with it if boot is not NULL.  The only
 * reader that touches the counter, so the only one tc_detach() must
 * wait for: l_tcgen says which removals this LWP may still be using
 * counters of.  An interrupt borrows the LWP and keeps the older
 * value.  No barrier here: tc_detach()'s cross call orders the store.
 */
static __inline void
tc_read(struct bintime *bt, struct bintime *boot)
{
	struct timehands *th;
	struct timecounter *tc;
	struct tc_clock ck;
	struct tc_slew sl;
	lwp_t *l;
	u_int gen, count, delta;
	int lgen;

	l = curlwp;
	lgen = l->l_tcgen;
	if (__predict_true(lgen == 0))
		atomic_store_release(&l->l_tcgen,
		    atomic_load_relaxed(&timecounter_removals));
	__insn_barrier();

	do {
		th = tc_hands_enter(&gen);
		tc = atomic_load_acquire(&th->th_counter);
		/* Nothing else needs to live across the call. */
		count = (*tc->tc_get_timecount)(tc);
		tc_load_clock(&ck, &th->th_clock);
		delta = (count - ck.tk_offset_count) & tc->tc_counter_mask;
		if (__predict_false(delta > ck.tk_fast))
			tc_load_words(&sl, &th->th_slew, sizeof(sl));
		if (boot != NULL)
			tc_load_words(boot, &th->th_boottime, sizeof(*boot));
	} while (!tc_hands_valid(th, gen));

	__insn_barrier();
	atomic_store_release(&l->l_tcgen, lgen);

	tc_uptime_at(&ck, &sl, delta, bt);
}

void
binuptime(struct bintime *bt)
{

	tc_read(bt, NULL);
}

void
nanouptime(struct timespec *ts)
{
	struct bintime bt;

	tc_read(&bt, NULL);
	bintime2timespec(&bt, ts);
}

void
microuptime(struct timeval *tv)
{
	struct bintime bt;

	tc_read(&bt, NULL);
	bintime2timeval(&bt, tv);
}

void
bintime(struct bintime *bt)
{
	struct bintime boot;

	tc_read(bt, &boot);
	bintime_add(bt, &boot);
}

void
nanotime(struct timespec *ts)
{
	struct bintime bt, boot;

	tc_read(&bt, &boot);
	bintime_add(&bt, &boot);
	bintime2timespec(&bt, ts);
}

void
microtime(struct timeval *tv)
{
	struct bintime bt, boot;

	tc_read(&bt, &boot);
	bintime_add(&bt, &boot);
	bintime2timeval(&bt, tv);
}

/*
 * The fast readers: what the last windup computed, no counter read.
 * Each copies its own precomputed field; the conversions are inlined,
 * not a call of another reader.
 */
static __inline void
tc_getbinuptime(struct bintime *bt)
{
	struct timehands *th;
	u_int gen;

	do {
		th = tc_hands_begin(&gen);
		tc_load_words(bt, &th->th_clock.tk_offset, sizeof(*bt));
	} while (!tc_hands_unchanged(th, gen));
}

void
getbinuptime(struct bintime *bt)
{

	tc_getbinuptime(bt);
}

void
getnanouptime(struct timespec *ts)
{
	struct bintime bt;

	tc_getbinuptime(&bt);
	bintime2timespec(&bt, ts);
}

void
getmicrouptime(struct timeval *tv)
{
	struct bintime bt;

	tc_getbinuptime(&bt);
	bintime2timeval(&bt, tv);
}

void
getbintime(struct bintime *bt)
{
	struct timehands *th;
	u_int gen;

	do {
		th = tc_hands_begin(&gen);
		tc_load_words(bt, &th->th_bintime, sizeof(*bt));
	} while (!tc_hands_unchanged(th, gen));
}

void
getnanotime(struct timespec *ts)
{
	struct timehands *th;
	u_int gen;

	do {
		th = tc_hands_begin(&gen);
		tc_load_words(ts, &th->th_nanotime, sizeof(*ts));
	} while (!tc_hands_unchanged(th, gen));
}

void
dtrace_getnanotime(struct timespec *ts)
{

	getnanotime(ts);
}

void
getmicrotime(struct timeval *tv)
{
	struct timehands *th;
	u_int gen;

	do {
		th = tc_hands_begin(&gen);
		tc_load_words(tv, &th->th_microtime, sizeof(*tv));
	} while (!tc_hands_unchanged(th, gen));
}

static __inline void
tc_getbinboottime(struct bintime *bt)
{
	struct timehands *th;
	u_int gen;

	do {
		th = tc_hands_begin(&gen);
		tc_load_words(bt, &th->th_boottime, sizeof(*bt));
	} while (!tc_hands_unchanged(th, gen));
}

void
getbinboottime(struct bintime *bt)
{

	tc_getbinboottime(bt);
}

void
getnanoboottime(struct timespec *ts)
{
	struct bintime bt;

	tc_getbinboottime(&bt);
	bintime2timespec(&bt, ts);
}

void
getmicroboottime(struct timeval *tv)
{
	struct bintime bt;

	tc_getbinboottime(&bt);
	bintime2timeval(&bt, tv);
}

/* --- The windup ------------------------------------------------------ */

/*
 * Publish a new state in th: th_generation is 0 meanwhile and every
 * word goes in with a relaxed atomic store, matching the readers'
 * loads; then th becomes the current timehands.
 */
static void
tc_publish(struct timehands *th, struct timecounter *tc,
    const struct tc_clock *ck, const struct tc_slew *sl,
    const struct timeval *tv, const struct timespec *ts)
{
	struct bintime bt;
	u_int gen;

	bt = ck->tk_offset;
	bintime_add(&bt, &tc_boottime);
	gen = th->th_generation;
	atomic_store_relaxed(&th->th_generation, 0);
	membar_producer();
	atomic_store_release(&th->th_counter, tc);
	tc_store_words(&th->th_clock, ck, sizeof(*ck));
	tc_store_words(&th->th_slew, sl, sizeof(*sl));
	tc_store_words(&th->th_boottime, &tc_boottime, sizeof(tc_boottime));
	tc_store_words(&th->th_bintime, &bt, sizeof(bt));
	tc_store_words(&th->th_microtime, tv, sizeof(*tv));
	tc_store_words(&th->th_nanotime, ts, sizeof(*ts));
	if (++gen == 0)
		gen = 1;
	membar_producer();
	atomic_store_relaxed(&th->th_generation, gen);
	time_second = tv->tv_sec;
	time_uptime = ck->tk_offset.sec;
	atomic_store_release(&timehands, th);
}

/* Advance ck to delta counts later; the window delivers its part. */
static void
tc_advance(struct tc_clock *ck, struct tc_slew *sl, u_int delta)
{
	struct bintime bt;
	uint64_t s;

	tc_uptime_at(ck, sl, delta, &bt);
	ck->tk_offset = bt;
	ck->tk_offset_count += delta;
	s = tc_slewed(sl, delta);
	sl->ts_left -= s;
	sl->ts_counts -= MIN((uint64_t)delta, sl->ts_counts);
}

/*
 * Make the next timehands current, with what changed since the last
 * windup: time passed, the counter, boottime (tc_setclock() and leap
 * seconds), the NTP adjustment, the frequency correction and the slew.
 */
static void
tc_windup(void)
{
	struct timehands *tho;
	struct timecounter *tc, *ntc;
	struct tc_clock ck;
	struct tc_slew sl;
	struct bintime bt;
	struct timeval tv;
	struct timespec ts;
	uint64_t mag;
	int64_t adj;
	u_int delta, ncount;
	time_t i, t;
	bool rescale, neg;

	KASSERT(mutex_owned(&timecounter_lock));

	tho = timehands;
	tc = tho->th_counter;
	ck = tho->th_clock;
	sl = tho->th_slew;
	rescale = tc_rescale;
	tc_rescale = false;

	/* Read the new counter right after the old: a switch loses no time. */
	ntc = timecounter;
	delta = ((*tc->tc_get_timecount)(tc) - ck.tk_offset_count) &
	    tc->tc_counter_mask;
	ncount = ntc != tc ? (*ntc->tc_get_timecount)(ntc) : 0;
	tc_advance(&ck, &sl, delta);

	/* Counters that latch PPS in hardware are polled here. */
	if (tc->tc_poll_pps != NULL)
		(*tc->tc_poll_pps)(tc);

	/*
	 * NTP's second processing, once per second of realtime; a leap
	 * second comes back in bt.sec and moves boottime.
	 */
	bt = ck.tk_offset;
	bintime_add(&bt, &tc_boottime);
	i = bt.sec - tho->th_microtime.tv_sec;
	if (i > LARGE_STEP)
		i = 2;
	adj = tc_ntp_adjustment;
	for (; i > 0; i--) {
		t = bt.sec;
		ntp_update_second(&tc_ntp_adjustment, &bt.sec);
		if (bt.sec != t)
			tc_boottime.sec += bt.sec - t;
	}
	/* Dividing is dear: the scale changes only if the rate does. */
	if (tc_ntp_adjustment != adj)
		rescale = true;
	bintime2timeval(&bt, &tv);
	bintime2timespec(&bt, &ts);

	if (ntc != tc) {
		tc = ntc;
		ck.tk_offset_count = ncount;
		rescale = true;
		tc_hw_generation++;
	}
	if (rescale)
		sl.ts_base = tc_base_scale(tc->tc_frequency,
		    tc_ntp_adjustment + tc_freq_adj);

	/*
	 * Our slew, once per second of uptime: the last window is
	 * settled against the pending adjustment and at most
	 * TC_ADJTIME_MAX_SLEW_US of that forms the next one.  A counter
	 * change folds too, so that the rate is in the new counter's
	 * units.  A step drops both.
	 */
	if (tc_slew_cancel) {
		tc_slew_cancel = false;
		sl.ts_left = 0;
		tc_slew_margin = 0;
	} else if (ck.tk_offset.sec != tho->th_clock.tk_offset.sec ||
	    tc != tho->th_counter) {
		tc_slew_end(&sl);
		mag = tc_pending_take(&neg);
		tc_slew_start(&sl, mag, neg);
	}
	tc_derive(&ck, &sl);

	tc_publish(tho->th_next, tc, &ck, &sl, &tv, &ts);
}

/* --- Counters: register, choose, detach ------------------------------ */

/*
 * Register a counter and use it if it is better than the current one.
 * As NetBSD, a counter that would wrap between two windups is only
 * used when asked for; one without a frequency or bits is refused.
 */
void
tc_init(struct timecounter *tc)
{
	u_int u;

	if (tc->tc_frequency == 0 || tc->tc_counter_mask == 0) {
		aprint_error("timecounter: \"%s\" has no frequency or no "
		    "bits, not registered\n", tc->tc_name);
		return;
	}
	u = (u_int)MIN(tc->tc_frequency / tc->tc_counter_mask * 11 / 10,
	    (uint64_t)~0u);
	if (u > (u_int)hz && tc->tc_quality >= 0) {
		tc->tc_quality = -2000;
		aprint_verbose("timecounter: Timecounter \"%s\" frequency "
		    "%ju Hz -- Insufficient hz, needs at least %u\n",
		    tc->tc_name, (uintmax_t)tc->tc_frequency, u);
	} else if (tc->tc_quality >= 0)
		aprint_verbose("timecounter: Timecounter \"%s\" frequency "
		    "%ju Hz quality %d\n", tc->tc_name,
		    (uintmax_t)tc->tc_frequency, tc->tc_quality);

	mutex_spin_enter(&timecounter_lock);
	tc->tc_next = timecounters;
	timecounters = tc;
	timecounter_mods++;
	/* Never switch by itself to a counter of negative quality. */
	if (tc->tc_quality >= 0 && (tc->tc_quality > timecounter->tc_quality ||
	    (tc->tc_quality == timecounter->tc_quality &&
	    tc->tc_frequency > timecounter->tc_frequency))) {
		(void)(*tc->tc_get_timecount)(tc);
		(void)(*tc->tc_get_timecount)(tc);
		timecounter = tc;
		tc_windup();
	}
	mutex_spin_exit(&timecounter_lock);
}

/* The best registered counter, whatever its quality. */
static void
tc_pick(void)
{
	struct timecounter *best, *tc;

	KASSERT(mutex_owned(&timecounter_lock));

	for (best = tc = timecounters; tc != NULL; tc = tc->tc_next) {
		if (tc->tc_quality > best->tc_quality ||
		    (tc->tc_quality == best->tc_quality &&
		    tc->tc_frequency > best->tc_frequency))
			best = tc;
	}
	(void)(*best->tc_get_timecount)(best);
	(void)(*best->tc_get_timecount)(best);
	timecounter = best;
}

/* A counter went bad: the next tick picks another. */
void
tc_gonebad(struct timecounter *tc)
{

	tc->tc_quality = -100;
	membar_producer();
	atomic_inc_uint(&timecounter_bad);
}

static void
tc_xc_nop(void *arg1, void *arg2)
{
}

/*
 * Stop using a counter and forget it; when this returns no reader can
 * still be using it, and the caller may free it.  The dummy counter
 * stays.
 */
int
tc_detach(struct timecounter *target)
{
	struct timecounter **tcp;
	uint64_t where;
	lwp_t *l;
	int removals, gen;

	mutex_spin_enter(&timecounter_lock);
	for (tcp = &timecounters; *tcp != NULL; tcp = &(*tcp)->tc_next)
		if (*tcp == target)
			break;
	if (*tcp == NULL || target == &dummy_timecounter) {
		mutex_spin_exit(&timecounter_lock);
		return ESRCH;
	}
	*tcp = target->tc_next;
	if (timecounter == target) {
		tc_pick();
		tc_windup();
	}
	timecounter_mods++;
	removals = timecounter_removals;
	atomic_store_relaxed(&timecounter_removals, removals + 1);
	mutex_spin_exit(&timecounter_lock);

	/*
	 * A reader that started before the removal has l_tcgen set to at
	 * most `removals'.  The cross call makes every CPU's l_tcgen
	 * store visible; then one clean scan, where every LWP is either
	 * outside binuptime() or started after the removal, is enough.
	 * One that read the old count but had not yet stored it when we
	 * scanned has not touched the timehands either.
	 */
	for (;;) {
		where = xc_broadcast(0, tc_xc_nop, NULL, NULL);
		xc_wait(where);

		mutex_enter(proc_lock);
		LIST_FOREACH(l, &alllwp, l_list) {
			gen = atomic_load_acquire(&l->l_tcgen);
			if (gen != 0 && gen <= removals)
				break;
		}
		mutex_exit(proc_lock);
		if (l == NULL)
			return 0;
		(void)kpause("tcdetach", false, mstohz(10), NULL);
	}
}

u_int64_t
tc_getfrequency(void)
{
	u_int64_t freq;

	mutex_spin_enter(&timecounter_lock);
	freq = timehands->th_counter->tc_frequency;
	mutex_spin_exit(&timecounter_lock);
	return freq;
}

/* --- Setting the clock ----------------------------------------------- */

/*
 * Step realtime by moving boottime.  The pending slew and the window
 * in flight are dropped: after a jump they mean nothing.
 */
void
tc_setclock(const struct timespec *ts)
{
	struct bintime up, bt, before;
	struct timespec ts2;

	mutex_spin_enter(&timecounter_lock);
	binuptime(&up);
	before = up;
	bintime_add(&before, &tc_boottime);
	timespec2bintime(ts, &bt);
	bintime_sub(&bt, &up);
	tc_boottime = bt;
	tc_adjpending.sec = 0;
	tc_adjpending.frac = 0;
	tc_slew_cancel = true;
	tc_windup();
	tc_nsteps++;
	mutex_spin_exit(&timecounter_lock);

	if (timestepwarnings) {
		bintime2timespec(&before, &ts2);
		log(LOG_INFO, "Time stepped from %lld.%09ld to %lld.%09ld\n",
		    (long long)ts2.tv_sec, ts2.tv_nsec,
		    (long long)ts->tv_sec, ts->tv_nsec);
	}
}

int
tc_adjtime(int64_t *old, int64_t *new)
{
	int64_t v;

	if (new != NULL &&
	    (*new > TC_ADJTIME_MAX_US || *new < -TC_ADJTIME_MAX_US))
		return EINVAL;
	mutex_spin_enter(&timecounter_lock);
	if (old != NULL)
		*old = tc_pending_us();
	if (new != NULL) {
		v = *new;
		tc_adjpending.sec = (time_t)(v / 1000000);
		v %= 1000000;
		if (v < 0) {
			tc_adjpending.sec--;
			v += 1000000;
		}
		tc_adjpending.frac = (uint64_t)v * TC_US_FRAC;
		tc_nadjtimes++;
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
		/* The old rate applies up to now, the new one from now. */
		tc_windup();
		tc_freq_adj = *new;
		tc_rescale = true;
		tc_windup();
		tc_nadjfreqs++;
	}
	mutex_spin_exit(&timecounter_lock);
	return 0;
}

u_int
tc_hardware_generation(void)
{
	u_int gen;

	mutex_spin_enter(&timecounter_lock);
	gen = tc_hw_generation;
	mutex_spin_exit(&timecounter_lock);
	return gen;
}

static uint64_t
tc_count(const uint64_t *cnt)
{
	uint64_t v;

	mutex_spin_enter(&timecounter_lock);
	v = *cnt;
	mutex_spin_exit(&timecounter_lock);
	return v;
}

uint64_t
tc_step_count(void)
{

	return tc_count(&tc_nsteps);
}

uint64_t
tc_adjtime_count(void)
{

	return tc_count(&tc_nadjtimes);
}

uint64_t
tc_adjfreq_count(void)
{

	return tc_count(&tc_nadjfreqs);
}

/* --- RFC 2783 PPS API ------------------------------------------------ */

/* Counter value now, on th's counter, not masked (as NetBSD). */
static u_int64_t
tc_count_now(const struct timehands *th)
{
	struct timecounter *tc = th->th_counter;
	u_int delta;

	delta = ((*tc->tc_get_timecount)(tc) - th->th_clock.tk_offset_count) &
	    tc->tc_counter_mask;
	return (u_int64_t)delta + th->th_clock.tk_offset_count;
}

int
pps_ioctl(u_long cmd, void *data, struct pps_state *pps)
{
	pps_params_t *app;
	int *epi;

	KASSERT(mutex_owned(&timecounter_lock));
	KASSERT(pps != NULL);

	switch (cmd) {
	case PPS_IOC_CREATE:
	case PPS_IOC_DESTROY:
		return 0;
	case PPS_IOC_SETPARAMS:
		app = data;
		if (app->mode & ~pps->ppscap)
			return EINVAL;
		pps->ppsparam = *app;
		return 0;
	case PPS_IOC_GETPARAMS:
		app = data;
		*app = pps->ppsparam;
		app->api_version = PPS_API_VERS_1;
		return 0;
	case PPS_IOC_GETCAP:
		*(int *)data = pps->ppscap;
		return 0;
	case PPS_IOC_FETCH:
		pps->ppsinfo.current_mode = pps->ppsparam.mode;
		*(pps_info_t *)data = pps->ppsinfo;
		return 0;
	case PPS_IOC_KCBIND:
		epi = data;
#ifdef PPS_SYNC
		if (*epi & ~pps->ppscap)
			return EINVAL;
		pps->kcmode = *epi;
		return 0;
#else
		(void)epi;
		return EOPNOTSUPP;
#endif
	default:
		return EPASSTHROUGH;
	}
}

void
pps_init(struct pps_state *pps)
{

	KASSERT(mutex_owned(&timecounter_lock));

	pps->ppscap |= PPS_TSFMT_TSPEC;
	if (pps->ppscap & PPS_CAPTUREASSERT)
		pps->ppscap |= PPS_OFFSETASSERT;
	if (pps->ppscap & PPS_CAPTURECLEAR)
		pps->ppscap |= PPS_OFFSETCLEAR;
}

/* Take the counter value now, for the pps_event() to come. */
void
pps_capture(struct pps_state *pps)
{
	struct timehands *th;

	KASSERT(mutex_owned(&timecounter_lock));
	KASSERT(pps != NULL);

	th = timehands;
	pps->capgen = th->th_generation;
	pps->capth = th;
	pps->capcount = tc_count_now(th);
	if (pps->capgen != th->th_generation)
		pps->capgen = 0;
}

void
pps_event(struct pps_state *pps, int event)
{

	pps_ref_event(pps, event, NULL, PPS_REFEVNT_PPS | PPS_REFEVNT_CAPTURE);
}

#ifdef PPS_SYNC
/*
 * Hand the kernel PLL/FLL (hardpps()) the event time and how far the
 * counter's second ran from the reference's, in ns modulo a second:
 * the counts since the last event scaled by the counts the nominal
 * frequency gives over the reference interval, which must be 0.5 to
 * 2 s.
 */
static void
pps_hardpps(struct pps_state *pps, struct timespec *tsp,
    const struct bintime *ref)
{
	struct bintime el, ratio;
	struct timespec fts;
	uint64_t count, expect;

	count = (pps->capcount - pps->ppscount[2]) &
	    pps->capth->th_counter->tc_counter_mask;
	pps->ppscount[2] = pps->capcount;
	el = *ref;
	bintime_sub(&el, &pps->ref_time);
	pps->ref_time = *ref;
	if (el.sec < 0 || el.sec > 1 ||
	    (el.sec == 0 && el.frac < (uint64_t)1 << 63))
		return;

	/* Counts expected over el, from a 30-bit fraction of el. */
	expect = ((uint64_t)el.sec << 30 | el.frac >> 34) *
	    pps->capth->th_counter->tc_frequency >> 30;
	if (expect == 0)
		return;
	ratio.sec = 0;
	ratio.frac = 0;
	bintime_addx(&ratio, ((uint64_t)1 << 63) / expect * 2 * count);
	bintime2timespec(&ratio, &fts);
	hardpps(tsp, fts.tv_nsec);
}
#endif

/*
 * Record a PPS event (or a reference time stamp that stands for one)
 * at the counter value refmode selects: the capture, the counter now,
 * or half-way between.  With PPS_REFEVNT_PPS the event is on the
 * nearest second; otherwise ref_ts says which time it was, and the
 * event is recorded as that second plus the clock's error.  An event
 * across a windup or a counter change is dropped.
 */
void
pps_ref_event(struct pps_state *pps, int event, struct bintime *ref_ts,
    int refmode)
{
	struct timehands *cth, *th;
	struct bintime bt, btd, ref;
	struct timespec ts, *tsp, *osp;
	u_int64_t tcount, acount, *pcount;
	pps_seq_t *pseq;
	u_int gen;
	int foff;
#ifdef PPS_SYNC
	int fhard;
#endif

	KASSERT(mutex_owned(&timecounter_lock));
	KASSERT(pps != NULL);

	tcount = 0;
	if (refmode & (PPS_REFEVNT_CURRENT | PPS_REFEVNT_CAPCUR)) {
		th = timehands;
		gen = th->th_generation;
		tcount = tc_count_now(th);
		if (gen != th->th_generation)
			gen = 0;
		/* A windup between capture and now: drop the event. */
		if (pps->capgen == 0 ||
		    pps->capgen != pps->capth->th_generation ||
		    gen == 0 || gen != pps->capgen)
			return;
	}

	if (event == PPS_CAPTUREASSERT) {
		tsp = &pps->ppsinfo.assert_timestamp;
		osp = &pps->ppsparam.assert_offset;
		foff = pps->ppsparam.mode & PPS_OFFSETASSERT;
#ifdef PPS_SYNC
		fhard = pps->kcmode & PPS_CAPTUREASSERT;
#endif
		pcount = &pps->ppscount[0];
		pseq = &pps->ppsinfo.assert_sequence;
	} else {
		tsp = &pps->ppsinfo.clear_timestamp;
		osp = &pps->ppsparam.clear_offset;
		foff = pps->ppsparam.mode & PPS_OFFSETCLEAR;
#ifdef PPS_SYNC
		fhard = pps->kcmode & PPS_CAPTURECLEAR;
#endif
		pcount = &pps->ppscount[1];
		pseq = &pps->ppsinfo.clear_sequence;
	}

	switch (refmode & PPS_REFEVNT_RMASK) {
	case PPS_REFEVNT_CAPTURE:
		acount = pps->capcount;
		break;
	case PPS_REFEVNT_CURRENT:
		acount = tcount;
		break;
	case PPS_REFEVNT_CAPCUR:
		acount = pps->capcount + (tcount - pps->capcount) / 2;
		break;
	default:
		return;
	}

	/* Counts of another counter cannot be compared: start again. */
	cth = pps->capth;
	if (pps->ppstc != cth->th_counter) {
		pps->ppstc = cth->th_counter;
		pps->capcount = acount;
		*pcount = acount;
		pps->ppscount[2] = acount;
		return;
	}
	pps->capcount = acount;

	/* The clock at that count, on the timehands of the capture. */
	tc_uptime_at(&cth->th_clock, &cth->th_slew,
	    (u_int)(acount - cth->th_clock.tk_offset_count), &bt);
	bintime_add(&bt, &cth->th_boottime);

	if ((refmode & PPS_REFEVNT_PPS) == 0) {
		if (ref_ts == NULL)
			return;
		ref = *ref_ts;
		btd = bt;
		bintime_sub(&btd, &ref);
		/* The nearest second of the clock, plus its error. */
		if (bt.frac >= (uint64_t)1 << 63)
			bt.sec++;
		bt.frac = 0;
		bintime_add(&bt, &btd);
	} else {
		ref = bt;
		if (ref.frac >= (uint64_t)1 << 63)
			ref.sec++;
		ref.frac = 0;
	}
	bintime2timespec(&bt, &ts);

	if (pps->capgen != cth->th_generation)
		return;

	*pcount = pps->capcount;
	(*pseq)++;
	*tsp = ts;
	if (foff) {
		timespecadd(tsp, osp, tsp);
		if (tsp->tv_nsec < 0) {
			tsp->tv_nsec += 1000000000;
			tsp->tv_sec -= 1;
		}
	}
#ifdef PPS_SYNC
	if (fhard)
		pps_hardpps(pps, tsp, &ref);
#endif
}

/* --- Ticks and initialisation ---------------------------------------- */

/*
 * From hardclock(): a windup every tc_tick ticks, and a new counter
 * first if the current one went bad.
 */
void
tc_ticktock(void)
{
	static int count;

	if (++count < tc_tick)
		return;
	count = 0;
	mutex_spin_enter(&timecounter_lock);
	if (atomic_load_relaxed(&timecounter_bad) != 0) {
		(void)atomic_swap_uint(&timecounter_bad, 0);
		if (timecounter->tc_quality < 0)
			tc_pick();
	}
	tc_windup();
	mutex_spin_exit(&timecounter_lock);
}

void
inittimecounter(void)
{
	u_int p;

	mutex_init(&timecounter_lock, MUTEX_DEFAULT, IPL_HIGH);

	/* A windup about every millisecond, at most every tick. */
	tc_tick = hz > 1000 ? (hz + 500) / 1000 : 1;
	p = (u_int)(tc_tick * 1000000) / (u_int)hz;
	aprint_verbose("timecounter: Timecounters tick every %u.%03u msec\n",
	    p / 1000, p % 1000);

	(void)(*timecounter->tc_get_timecount)(timecounter);
	(void)(*timecounter->tc_get_timecount)(timecounter);
}

/* --- sysctl ---------------------------------------------------------- */

static int
sysctl_kern_timecounter_hardware(SYSCTLFN_ARGS)
{
	struct sysctlnode node;
	struct timecounter *tc;
	char newname[MAX_TCNAMELEN];
	int error;

	mutex_spin_enter(&timecounter_lock);
	strlcpy(newname, timecounter->tc_name, sizeof(newname));
	mutex_spin_exit(&timecounter_lock);
	node = *rnode;
	node.sysctl_data = newname;
	node.sysctl_size = sizeof(newname);
	error = sysctl_lookup(SYSCTLFN_CALL(&node));
	if (error || newp == NULL)
		return error;
	if (l != NULL && (error = kauth_authorize_system(l->l_cred,
	    KAUTH_SYSTEM_TIME, KAUTH_REQ_SYSTEM_TIME_TIMECOUNTERS, newname,
	    NULL, NULL)) != 0)
		return error;

	mutex_spin_enter(&timecounter_lock);
	for (tc = timecounters; tc != NULL; tc = tc->tc_next)
		if (strcmp(newname, tc->tc_name) == 0)
			break;
	if (tc == NULL) {
		mutex_spin_exit(&timecounter_lock);
		return EINVAL;
	}
	if (tc != timecounter) {
		(void)(*tc->tc_get_timecount)(tc);
		(void)(*tc->tc_get_timecount)(tc);
		timecounter = tc;
		tc_windup();
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
	size_t off;
	int n;

	if (newp != NULL)
		return EPERM;
	off = 0;
	buf[0] = '\0';
	mutex_spin_enter(&timecounter_lock);
	for (tc = timecounters; tc != NULL; tc = tc->tc_next) {
		n = snprintf(buf + off, sizeof(buf) - off,
		    "%s%s(q=%d, f=%ju Hz)", off ? " " : "", tc->tc_name,
		    tc->tc_quality, (uintmax_t)tc->tc_frequency);
		if (n < 0 || (size_t)n >= sizeof(buf) - off) {
			/* Whole entries only. */
			buf[off] = '\0';
			break;
		}
		off += (size_t)n;
	}
	mutex_spin_exit(&timecounter_lock);
	node = *rnode;
	node.sysctl_data = buf;
	node.sysctl_size = off + 1;
	return sysctl_lookup(SYSCTLFN_CALL(&node));
}

/* Turning step logging off hides steps: it takes the right to set time. */
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
	if (l != NULL && (error = kauth_authorize_system(l->l_cred,
	    KAUTH_SYSTEM_TIME, KAUTH_REQ_SYSTEM_TIME_TIMECOUNTERS, NULL,
	    NULL, NULL)) != 0)
		return error;
	if (val != 0 && val != 1)
		return EINVAL;
	mutex_spin_enter(&timecounter_lock);
	timestepwarnings = val;
	mutex_spin_exit(&timecounter_lock);
	return 0;
}

/*
 * How often something touched the clock, whoever it was: read-only,
 * for a harness or an administrator.
 */
static int
sysctl_kern_timecounter_count(SYSCTLFN_ARGS)
{
	struct sysctlnode node;
	uint64_t val;

	val = tc_count(rnode->sysctl_data);
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

	node = NULL;
	sysctl_createv(clog, 0, NULL, &node, CTLFLAG_PERMANENT,
	    CTLTYPE_NODE, "timecounter",
	    SYSCTL_DESCR("time counter information"),
	    NULL, 0, NULL, 0, CTL_KERN, CTL_CREATE, CTL_EOL);
	if (node == NULL)
		return;
	sysctl_createv(clog, 0, &node, NULL, CTLFLAG_PERMANENT,
	    CTLTYPE_STRING, "choice",
	    SYSCTL_DESCR("available counters"),
	    sysctl_kern_timecounter_choice, 0, NULL, 0, CTL_CREATE, CTL_EOL);
	sysctl_createv(clog, 0, &node, NULL,
	    CTLFLAG_PERMANENT | CTLFLAG_READWRITE, CTLTYPE_STRING, "hardware",
	    SYSCTL_DESCR("currently active time counter"),
	    sysctl_kern_timecounter_hardware, 0, NULL, MAX_TCNAMELEN,
	    CTL_CREATE, CTL_EOL);
	sysctl_createv(clog, 0, &node, NULL,
	    CTLFLAG_PERMANENT | CTLFLAG_READWRITE, CTLTYPE_INT,
	    "timestepwarnings",
	    SYSCTL_DESCR("log time steps"),
	    sysctl_kern_timecounter_timestepwarnings, 0, NULL, 0,
	    CTL_CREATE, CTL_EOL);
	sysctl_timecounter_counters(clog, node);
}
