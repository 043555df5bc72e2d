/*
 * The userland kernel environment: virtual time, hardware counters and
 * the hardclock that drives tc_ticktock() and callout(9).
 *
 * True time (vt) is int64_t ns since boot and moves only when the
 * harness calls kenv_run_until() or kernel code calls kenv_delay().
 *
 * Each counter runs at a piecewise-constant true rate: a segment starts
 * at (seg_vt, seg_count) and the value at time t is
 * seg_count + floor((t - seg_vt) * rate).  Changing the rate or freezing
 * starts a new segment, so the value never jumps and never goes back.
 *
 * Counters are at most 32 bits wide, as NetBSD's; each lives in memory
 * of its own, so that a reader still using one after tc_detach() and
 * kenv_counter_detach() freed it is a use after free for the
 * sanitizers.
 *
 * Hardclock runs at hz of true time while the VM is not suspended; a
 * stall (kenv_stall()) loses the ticks it spans.  In tickless mode,
 * ticks nothing can observe are skipped: a windup is exactly additive
 * (kern_tc.c's arithmetic is exact), so windups are only needed at
 * callouts, before the counter could wrap, and at the first tick of
 * each new second of uptime (where kern_tc.c folds its own slew) and
 * of realtime (where it calls ntp_update_second()).  Ticks before the
 * earliest moment either second could begin are skipped outright; from
 * there the clock is read as each tick's windup would see it, without
 * winding up, until the tick that starts the new second.
 */

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/atomic.h>
#include <sys/kmem.h>
#include <sys/time.h>
#include <sys/timetc.h>

#include "kenv.h"
#include "kenv_impl.h"

#define KENV_MAX_COUNTERS	8
#define KENV_NS_PER_S		1000000000LL
/*
 * Bound on how much faster than its true rate kern_tc.c may run a
 * counter, besides the NTP adjustment of the current second (which
 * kern_ntptime.c knows): 5000 ppm of slew, 500 ppm of frequency
 * correction, margin.
 */
#define KENV_MAX_KERNEL_PPM	6000

struct kenv_counter {
	struct timecounter kc_tc;	/* registered with tc_init() */
	char		kc_name[32];	/* tc_name points here */
	u_int		kc_mask;	/* 2^bits - 1 */
	double		kc_ppm;		/* true rate error, parts per 10^6 */
	uint64_t	kc_rate_q56;	/* counts per ns of true time, 2^-56 */
	int64_t		kc_wrap_ns;	/* true time of half a wrap */
	int64_t		kc_seg_vt;	/* start of the current segment */
	uint64_t	kc_seg_count;	/* value at kc_seg_vt (unmasked) */
};

int	hz = 100;
int	tick = 10000;

static struct kenv_counter *kenv_counters[KENV_MAX_COUNTERS]; /* by id */
static int	kenv_ncounters;		/* ids handed out */
static volatile int64_t kenv_vt;	/* true time, ns */
static int64_t	kenv_tick_ns;		/* 1/hz in ns */
static int64_t	kenv_next_tick_vt;	/* true time of the next tick */
static uint64_t	kenv_nticks;		/* ticks elapsed, run or skipped */
static uint64_t	kenv_nhardclocks;	/* hardclock() calls made */
static int64_t	kenv_windup_vt;		/* true time of the last ticktock */
static bool	kenv_frozen;		/* suspended */
static bool	kenv_tickless = true;
static __thread int64_t kenv_probe_vt = -1; /* counters read at this time */
static bool	kenv_booted;

/*
 * The rate is fixed point, counts per ns in units of 2^-56: one 64x64
 * multiply per read, exact for any segment up to 2^63 ns, and monotone
 * in t, which a counter must be.  The quantisation is below 10^-13 of
 * the rate even for a 1 MHz counter.
 */
static uint64_t
kenv_counter_value(const struct kenv_counter *kc, int64_t t)
{
	unsigned __int128 d;

	if (kenv_frozen || t <= kc->kc_seg_vt)
		return kc->kc_seg_count;
	d = (unsigned __int128)(uint64_t)(t - kc->kc_seg_vt) * kc->kc_rate_q56;
	return kc->kc_seg_count + (uint64_t)(d >> 56);
}

static u_int
kenv_get_timecount(struct timecounter *tc)
{
	const struct kenv_counter *kc = tc->tc_priv;
	int64_t t;

	t = kenv_probe_vt >= 0 ? kenv_probe_vt : atomic_load_acquire(&kenv_vt);
	return (u_int)kenv_counter_value(kc, t) & kc->kc_mask;
}

static struct kenv_counter *
kenv_counter(int id)
{
	KASSERT(id >= 0 && id < kenv_ncounters);
	KASSERT(kenv_counters[id] != NULL);	/* not detached */
	return kenv_counters[id];
}

/* Start a new rate segment at the current time. */
static void
kenv_counter_rebase(struct kenv_counter *kc)
{
	kc->kc_seg_count = kenv_counter_value(kc, kenv_vt);
	kc->kc_seg_vt = kenv_vt;
}

static void
kenv_counter_setrate(struct kenv_counter *kc, double ppm)
{
	double rate, wrap_ns;

	/* A double holds the rate to 1e-16: far below the 2^-56 steps. */
	rate = (double)kc->kc_tc.tc_frequency * (1.0 + ppm * 1e-6) /
	    (double)KENV_NS_PER_S;
	KASSERT(rate > 0 && rate < 128);
	KASSERT(rate * 72057594037927936.0 >= 1);
	kc->kc_ppm = ppm;
	kc->kc_rate_q56 = (uint64_t)(rate * 72057594037927936.0);	/* 2^56 */
	/* Windups must come before half of the counter wraps. */
	wrap_ns = (double)kc->kc_mask / 2.0 / rate;
	kc->kc_wrap_ns = wrap_ns >= 1e18 ? INT64_MAX / 2 : (int64_t)wrap_ns;
}

void
kenv_boot(int nhz)
{
	KASSERT(!kenv_booted);
	hz = nhz > 0 ? nhz : 100;
	tick = 1000000 / hz;
	kenv_tick_ns = KENV_NS_PER_S / hz;
	kenv_next_tick_vt = kenv_tick_ns;
	kenv_booted = true;
	inittimecounter();
	kenv_sysctl_run_setups();
}

int
kenv_counter_create(const char *name, uint64_t freq, unsigned bits,
    int quality, double ppm)
{
	struct kenv_counter *kc;
	int id;

	KASSERT(kenv_booted);
	KASSERT(bits >= 16 && bits <= 32);
	KASSERT(freq >= 1);
	/* The id of a detached counter is used again. */
	for (id = 0; id < kenv_ncounters; id++)
		if (kenv_counters[id] == NULL)
			break;
	KASSERT(id < KENV_MAX_COUNTERS);
	kc = kmem_zalloc(sizeof(*kc), KM_SLEEP);
	kenv_counters[id] = kc;
	strlcpy(kc->kc_name, name, sizeof(kc->kc_name));
	kc->kc_mask = bits == 32 ? ~0u : (1u << bits) - 1;
	kc->kc_tc.tc_get_timecount = kenv_get_timecount;
	kc->kc_tc.tc_counter_mask = kc->kc_mask;
	kc->kc_tc.tc_frequency = freq;
	kc->kc_tc.tc_name = kc->kc_name;
	kc->kc_tc.tc_quality = quality;
	kc->kc_tc.tc_priv = kc;
	kc->kc_seg_vt = kenv_vt;
	/* Start at an arbitrary phase so that wraps are not aligned. */
	kc->kc_seg_count = (uint64_t)(id + 1) * 0x9e3779b97f4a7c15ULL;
	kenv_counter_setrate(kc, ppm);
	if (id == kenv_ncounters)
		kenv_ncounters++;
	tc_init(&kc->kc_tc);
	return id;
}

void
kenv_counter_set_ppm(int id, double ppm)
{
	struct kenv_counter *kc;

	KASSERT(id >= 0 && id < kenv_ncounters);
	kc = kenv_counter(id);
	kenv_counter_rebase(kc);
	kenv_counter_setrate(kc, ppm);
}

double
kenv_counter_ppm(int id)
{
	return kenv_counter(id)->kc_ppm;
}

uint64_t
kenv_counter_read(int id)
{
	return kenv_get_timecount(&kenv_counter(id)->kc_tc);
}

/* The counter says it went bad (tc_gonebad()). */
void
kenv_counter_gonebad(int id)
{
	tc_gonebad(&kenv_counter(id)->kc_tc);
}

/*
 * Unregister a counter with tc_detach() and free it at once, as a
 * driver's detach routine would.
 */
int
kenv_counter_detach(int id)
{
	struct kenv_counter *kc = kenv_counter(id);
	int error;

	if ((error = tc_detach(&kc->kc_tc)) != 0)
		return kenv_host_errno(error);
	kenv_counters[id] = NULL;
	kmem_free(kc, sizeof(*kc));
	return 0;
}

/*
 * The counter without the mask: what it would read if it were 64 bits
 * wide.  Harnesses measure rates over intervals longer than a narrow
 * counter's period with it.
 */
uint64_t
kenv_counter_raw(int id)
{
	return kenv_counter_value(kenv_counter(id),
	    atomic_load_acquire(&kenv_vt));
}

int64_t
kenv_now(void)
{
	return atomic_load_acquire(&kenv_vt);
}

void
kenv_delay(int64_t ns)
{
	KASSERT(ns >= 0);
	atomic_store_release(&kenv_vt, kenv_vt + ns);
}

void
kenv_suspend(void)
{
	int i;

	if (kenv_frozen)
		return;
	for (i = 0; i < kenv_ncounters; i++)
		if (kenv_counters[i] != NULL)
			kenv_counter_rebase(kenv_counters[i]);
	kenv_frozen = true;
}

void
kenv_resume(void)
{
	int i;

	if (!kenv_frozen)
		return;
	kenv_frozen = false;
	for (i = 0; i < kenv_ncounters; i++)
		if (kenv_counters[i] != NULL)
			kenv_counters[i]->kc_seg_vt = kenv_vt;
	/* The timer starts again one period after the VM runs again. */
	kenv_next_tick_vt = kenv_vt + kenv_tick_ns;
}

bool
kenv_suspended(void)
{
	return kenv_frozen;
}

void
kenv_set_tickless(bool on)
{
	kenv_tickless = on;
}

uint64_t
kenv_hardclocks(void)
{
	return kenv_nhardclocks;
}

uint64_t
kenv_ticks(void)
{
	return kenv_nticks;
}

int
getticks(void)
{
	return (int)(uint32_t)kenv_nticks;
}

void
hardclock(void)
{
	kenv_nhardclocks++;
	kenv_windup_vt = kenv_vt;
	tc_ticktock();
	kenv_callout_hardclock(kenv_nticks);
}

static struct kenv_counter *
kenv_current_counter(void)
{
	int i;

	for (i = 0; i < kenv_ncounters; i++)
		if (kenv_counters[i] != NULL &&
		    timecounter == &kenv_counters[i]->kc_tc)
			return kenv_counters[i];
	return NULL;
}

/* Nanoseconds from bt to its next whole second. */
static int64_t
kenv_to_next_second(const struct bintime *bt)
{
	return KENV_NS_PER_S -
	    (int64_t)(((uint64_t)1000000000 * (bt->frac >> 32)) >> 32);
}

/* Realtime and uptime as a windup at true time t would see them. */
static void
kenv_probe(int64_t t, struct bintime *up, struct bintime *rt)
{
	struct bintime boot;

	kenv_probe_vt = t;
	binuptime(up);
	kenv_probe_vt = -1;
	getbinboottime(&boot);
	*rt = *up;
	bintime_add(rt, &boot);
}

/*
 * How many ticks, counting the next one as 1, may pass before one must
 * run.  Never 0.
 */
static uint64_t
kenv_ticks_until_needed(void)
{
	struct kenv_counter *kc;
	struct bintime up0, rt0, up, rt;
	uint64_t n, k;
	int64_t remain_ns, margin_ns, first_vt, ppm_max, t;

	kc = kenv_current_counter();
	if (kc == NULL)
		return 1;
	n = kenv_callout_ticks_until_due(kenv_nticks);

	/* A windup before half the counter wrapped since the last one. */
	t = kenv_windup_vt + kc->kc_wrap_ns;
	if (t - kenv_tick_ns >= kenv_next_tick_vt)
		n = MIN(n, (uint64_t)((t - kenv_next_tick_vt) /
		    kenv_tick_ns) + 1);
	else
		n = 1;

	/*
	 * The next second of uptime or realtime cannot begin before
	 * first_vt: the clock runs at most ppm_max faster than true time,
	 * and remain/(1 + x) > remain * (1 - x).  Ticks up to one tick
	 * before first_vt are skipped.
	 */
	getbinuptime(&up0);
	getbintime(&rt0);
	remain_ns = MIN(kenv_to_next_second(&up0), kenv_to_next_second(&rt0));
	ppm_max = KENV_MAX_KERNEL_PPM + kenv_ntp_rate_ppm() +
	    (kc->kc_ppm > 0 ? (int64_t)kc->kc_ppm + 1 : 0);
	margin_ns = remain_ns / 1000000 * ppm_max + ppm_max;
	first_vt = kenv_windup_vt + remain_ns - margin_ns;
	k = 1;
	if (first_vt - kenv_tick_ns > kenv_next_tick_vt)
		k = (uint64_t)((first_vt - kenv_tick_ns - kenv_next_tick_vt) /
		    kenv_tick_ns) + 1;
	if (k >= n)
		return n;

	/*
	 * From there, find the first tick where either second has begun
	 * by reading the clock as that tick's windup would (windups are
	 * exactly additive), without winding up.
	 */
	for (; k < n; k++) {
		t = MAX(kenv_next_tick_vt + (int64_t)(k - 1) * kenv_tick_ns,
		    kenv_vt);
		kenv_probe(t, &up, &rt);
		if (up.sec != up0.sec || rt.sec != rt0.sec)
			return k;
	}
	return n;
}

void
kenv_run_until(int64_t t)
{
	uint64_t n, reach;

	KASSERT(kenv_booted);
	while (!kenv_frozen && kenv_next_tick_vt <= t) {
		n = kenv_tickless ? kenv_ticks_until_needed() : 1;
		reach = (uint64_t)((t - kenv_next_tick_vt) / kenv_tick_ns) + 1;
		if (n > reach) {
			/* Nothing needs a tick before t. */
			kenv_nticks += reach;
			kenv_next_tick_vt += (int64_t)reach * kenv_tick_ns;
			break;
		}
		kenv_nticks += n;
		kenv_next_tick_vt += (int64_t)n * kenv_tick_ns;
		if (kenv_vt < kenv_next_tick_vt - kenv_tick_ns)
			atomic_store_release(&kenv_vt,
			    kenv_next_tick_vt - kenv_tick_ns);
		hardclock();
	}
	if (t > kenv_vt)
		atomic_store_release(&kenv_vt, t);
}

/*
 * Time passes with the counters running but no timer interrupt: the
 * ticks it spans are lost (not counted, callouts fire late), as when a
 * host deschedules a VM without catching up its timer.
 */
void
kenv_stall(int64_t ns)
{
	int64_t lost;

	KASSERT(ns >= 0);
	KASSERT(kenv_booted);
	atomic_store_release(&kenv_vt, kenv_vt + ns);
	if (kenv_next_tick_vt <= kenv_vt) {
		lost = (kenv_vt - kenv_next_tick_vt) / kenv_tick_ns + 1;
		kenv_next_tick_vt += lost * kenv_tick_ns;
	}
}

void
kenv_run_for(int64_t ns)
{
	kenv_run_until(kenv_vt + ns);
}
