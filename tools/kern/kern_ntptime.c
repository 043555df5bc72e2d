/*
 * The NTP kernel interface for the userland kernel environment, in
 * place of NetBSD's kern_ntptime.c and with its semantics, written for
 * the environment:
 *
 *  - ntp_update_second(), which kern_tc.c calls once per second of
 *    realtime: the leap second state machine (a leap moves the second
 *    through *newsec), the phase and frequency of the NTP discipline,
 *    and adjtime(2)'s slew of time_adjtime: 5000 us/s while more than
 *    1 s is pending, 500 us/s while more than 500 us, then the rest;
 *  - ntp_adjtime1(), ntp_gettime(), ntp_timestatus(): the state
 *    ntp_adjtime(2) reads and sets, with the kernel PLL/FLL update of
 *    RFC 1589 (as NetBSD's hardupdate()) on MOD_OFFSET;
 *  - hardpps(), which kern_tc.c's PPS code feeds under PPS_SYNC.  The
 *    environment records the calls for tests; it does not discipline
 *    the clock from PPS (STA_PPSFREQ and STA_PPSTIME have no effect).
 *
 * All state is guarded by timecounter_lock, as in NetBSD.
 */

#ifdef _KERNEL_OPT
#include "opt_ntp.h"
#endif

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kauth.h>
#include <sys/kernel.h>
#include <sys/lwp.h>
#include <sys/mutex.h>
#include <sys/proc.h>
#include <sys/time.h>
#include <sys/timex.h>

#include "kenv.h"
#include "kenv_impl.h"

#define SHIFT_PLL	4		/* PLL loop gain, log2 */
#define SHIFT_FLL	2		/* FLL loop gain, log2 */
#define NS_FRAC(ns)	((int64_t)(ns) * ((int64_t)1 << 32))

CTASSERT(sizeof(struct kenv_timex) == sizeof(struct timex));
CTASSERT(offsetof(struct kenv_timex, stbcnt) ==
    offsetof(struct timex, stbcnt));

int64_t		time_adjtime;		/* adjtime(2) pending, us */

static int	ntp_state = TIME_OK;	/* TIME_*: the leap state */
static int	ntp_status = STA_UNSYNC; /* STA_* */
static long	ntp_tai;		/* TAI - UTC, s */
static long	ntp_constant;		/* PLL time constant, log2 s */
static long	ntp_precision = 1;	/* ns */
static long	ntp_maxerror = MAXPHASE / 1000; /* us */
static long	ntp_esterror = MAXPHASE / 1000; /* us */
static long	ntp_monitor;		/* last offset set, ns */
static time_t	ntp_reftime;		/* time_second at the last update */
static int64_t	ntp_offset;		/* phase left to correct, ns 32.32 */
static int64_t	ntp_freq;		/* frequency correction, ns/s 32.32 */
static int64_t	ntp_adj;		/* this second's adjustment */
static uint64_t	ntp_seconds;		/* ntp_update_second() calls */

static uint64_t	ntp_npps;		/* hardpps() calls */
static struct timespec ntp_pps_ts;	/* and the last one's arguments */
static long	ntp_pps_nsec;

/* v / 2^n, rounded toward zero, as the kernel shifts signed values. */
static int64_t
ntp_shift(int64_t v, int n)
{
	return v < 0 ? -(-v >> n) : v >> n;
}

/* Whole ns of a 32.32 value, toward zero. */
static long
ntp_whole(int64_t v)
{
	return (long)(v < 0 ? -(-v >> 32) : v >> 32);
}

/*
 * a * b + c, saturating at the int64_t range: the frequency an update
 * computes is clamped to MAXFREQ right after, and a clock stepped days
 * away from the last update must not overflow on the way there.
 */
static int64_t
ntp_muladd_sat(int64_t a, int64_t b, int64_t c)
{
	int64_t p;

	if (__builtin_mul_overflow(a, b, &p))
		return (a < 0) != (b < 0) ? INT64_MIN : INT64_MAX;
	if (__builtin_add_overflow(p, c, &p))
		return c < 0 ? INT64_MIN : INT64_MAX;
	return p;
}

/* The leap second state machine, at the start of second *newsec. */
static void
ntp_leap(time_t *newsec)
{
	switch (ntp_state) {
	case TIME_OK:
		if (ntp_status & STA_INS)
			ntp_state = TIME_INS;
		else if (ntp_status & STA_DEL)
			ntp_state = TIME_DEL;
		break;
	case TIME_INS:
		/* 23:59:59 is followed by 23:59:60: repeat the second. */
		if (!(ntp_status & STA_INS))
			ntp_state = TIME_OK;
		else if (*newsec % 86400 == 0) {
			(*newsec)--;
			ntp_state = TIME_OOP;
			ntp_tai++;
		}
		break;
	case TIME_DEL:
		/* 23:59:58 is followed by 00:00:00. */
		if (!(ntp_status & STA_DEL))
			ntp_state = TIME_OK;
		else if ((*newsec + 1) % 86400 == 0) {
			(*newsec)++;
			ntp_state = TIME_WAIT;
			ntp_tai--;
		}
		break;
	case TIME_OOP:
		ntp_state = TIME_WAIT;
		break;
	case TIME_WAIT:
		if (!(ntp_status & (STA_INS | STA_DEL)))
			ntp_state = TIME_OK;
		break;
	}
}

/* adjtime(2)'s share of the next second, us. */
static int64_t
ntp_adjtime_step(void)
{
	int64_t us;

	if (time_adjtime > 1000000)
		us = 5000;
	else if (time_adjtime < -1000000)
		us = -5000;
	else if (time_adjtime > 500)
		us = 500;
	else if (time_adjtime < -500)
		us = -500;
	else
		us = time_adjtime;
	time_adjtime -= us;
	return us;
}

void
ntp_update_second(int64_t *adjustment, time_t *newsec)
{
	int64_t phase;

	KASSERT(mutex_owned(&timecounter_lock));

	ntp_seconds++;
	ntp_maxerror += MAXFREQ / 1000;
	ntp_leap(newsec);

	/* A share of the phase error, and the frequency correction. */
	phase = ntp_shift(ntp_offset, SHIFT_PLL + (int)ntp_constant);
	ntp_offset -= phase;
	ntp_adj = phase + ntp_freq + NS_FRAC(ntp_adjtime_step() * 1000);
	*adjustment = ntp_adj;
}

/*
 * The PLL/FLL update for a measured offset (ns), as RFC 1589: the
 * phase is set to the offset (at most MAXPHASE); the frequency moves
 * by offset * mtemp / 2^(2 (SHIFT_PLL + 2 + constant)) (PLL) and, for
 * updates at least MINSEC apart in FLL mode or more than MAXSEC apart,
 * also by offset / mtemp / 2^SHIFT_FLL (FLL); at most MAXFREQ.
 */
static void
ntp_hardupdate(long offset)
{
	int64_t f;
	long mtemp;

	KASSERT(mutex_owned(&timecounter_lock));

	if (!(ntp_status & STA_PLL))
		return;
	ntp_monitor = MAX(MIN(offset, MAXPHASE), -MAXPHASE);
	ntp_offset = NS_FRAC(ntp_monitor);

	if (ntp_status & STA_FREQHOLD || ntp_reftime == 0)
		ntp_reftime = time_second;
	mtemp = (long)(time_second - ntp_reftime);
	f = ntp_shift(NS_FRAC(ntp_monitor),
	    (SHIFT_PLL + 2 + (int)ntp_constant) << 1);
	ntp_freq = ntp_muladd_sat(f, mtemp, ntp_freq);
	ntp_status &= ~STA_MODE;
	if (mtemp >= MINSEC && (ntp_status & STA_FLL || mtemp > MAXSEC)) {
		f = ntp_shift(NS_FRAC(ntp_monitor * 16 / mtemp),
		    SHIFT_FLL + 4);
		ntp_freq = ntp_muladd_sat(f, 1, ntp_freq);
		ntp_status |= STA_MODE;
	}
	ntp_reftime = time_second;
	ntp_freq = MAX(MIN(ntp_freq, NS_FRAC(MAXFREQ)), -NS_FRAC(MAXFREQ));
}

void
ntp_adjtime1(struct timex *ntv)
{
	long freq;
	u_int modes;

	mutex_spin_enter(&timecounter_lock);
	modes = ntv->modes;
	if (modes & MOD_MAXERROR)
		ntp_maxerror = ntv->maxerror;
	if (modes & MOD_ESTERROR)
		ntp_esterror = ntv->esterror;
	if (modes & MOD_STATUS) {
		/* Leaving PLL mode resets the discipline's state. */
		if (ntp_status & STA_PLL && !(ntv->status & STA_PLL)) {
			ntp_state = TIME_OK;
			ntp_status = STA_UNSYNC;
		}
		ntp_status = (ntp_status & STA_RONLY) |
		    (ntv->status & ~STA_RONLY);
	}
	if (modes & MOD_TIMECONST)
		ntp_constant = MAX(MIN(ntv->constant, MAXTC), 0);
	if (modes & MOD_TAI && ntv->constant > 0)
		ntp_tai = ntv->constant;
	if (modes & MOD_NANO)
		ntp_status |= STA_NANO;
	if (modes & MOD_MICRO)
		ntp_status &= ~STA_NANO;
	if (modes & MOD_CLKB)
		ntp_status |= STA_CLK;
	if (modes & MOD_CLKA)
		ntp_status &= ~STA_CLK;
	if (modes & MOD_FREQUENCY) {
		/*
		 * Scaled ppm (us/s << 16) to ns/s 32.32, at most MAXFREQ;
		 * clamped first so that no value can overflow.
		 */
		freq = MAX(MIN(ntv->freq, 2 * MAXFREQ * 65536 / 1000),
		    -2 * MAXFREQ * 65536 / 1000);
		if (freq * 1000 / 65536 > MAXFREQ ||
		    freq * 1000 / 65536 < -MAXFREQ)
			ntp_freq = NS_FRAC(freq > 0 ? MAXFREQ : -MAXFREQ);
		else
			ntp_freq = (int64_t)freq * 1000 * 65536;
	}
	if (modes & MOD_OFFSET)
		ntp_hardupdate(ntp_status & STA_NANO ? ntv->offset :
		    MAX(MIN(ntv->offset, MAXPHASE), -MAXPHASE) * 1000);

	ntv->offset = ntp_status & STA_NANO ? ntp_whole(ntp_offset) :
	    ntp_whole(ntp_offset) / 1000;
	ntv->freq = ntp_whole(ntp_freq / 1000 * 65536);
	ntv->maxerror = ntp_maxerror;
	ntv->esterror = ntp_esterror;
	ntv->status = ntp_status;
	ntv->constant = ntp_constant;
	ntv->precision = ntp_status & STA_NANO ? ntp_precision :
	    ntp_precision / 1000;
	ntv->tolerance = MAXFREQ * SCALE_PPM;
	ntv->ppsfreq = 0;
	ntv->jitter = 0;
	ntv->shift = 0;
	ntv->stabil = 0;
	ntv->jitcnt = ntv->calcnt = ntv->errcnt = ntv->stbcnt = 0;
	mutex_spin_exit(&timecounter_lock);
}

void
ntp_gettime(struct ntptimeval *ntv)
{
	mutex_spin_enter(&timecounter_lock);
	nanotime(&ntv->time);
	ntv->maxerror = ntp_maxerror;
	ntv->esterror = ntp_esterror;
	ntv->tai = ntp_tai;
	ntv->time_state = ntp_state;
	mutex_spin_exit(&timecounter_lock);
}

int
ntp_timestatus(void)
{
	int rv;

	mutex_spin_enter(&timecounter_lock);
	rv = ntp_status & (STA_UNSYNC | STA_CLOCKERR) ? TIME_ERROR :
	    ntp_state;
	mutex_spin_exit(&timecounter_lock);
	return rv;
}

void
hardpps(struct timespec *tsp, long nsec)
{
	KASSERT(mutex_owned(&timecounter_lock));
	ntp_npps++;
	ntp_pps_ts = *tsp;
	ntp_pps_nsec = nsec;
}

/* --- The harness's side ------------------------------------------- */

int
kenv_ntp_adjtime(struct kenv_timex *tx)
{
	int error;

	if (tx->modes != 0 && (error = kauth_authorize_system(
	    curlwp->l_cred, KAUTH_SYSTEM_TIME,
	    KAUTH_REQ_SYSTEM_TIME_NTPADJTIME, NULL, NULL, NULL)) != 0)
		return -kenv_host_errno(error);
	ntp_adjtime1((struct timex *)tx);
	return ntp_timestatus();
}

uint64_t
kenv_ntp_seconds(void)
{
	uint64_t n;

	mutex_spin_enter(&timecounter_lock);
	n = ntp_seconds;
	mutex_spin_exit(&timecounter_lock);
	return n;
}

uint64_t
kenv_hardpps(struct timespec *ts, long *nsec)
{
	uint64_t n;

	mutex_spin_enter(&timecounter_lock);
	n = ntp_npps;
	if (ts != NULL)
		*ts = ntp_pps_ts;
	if (nsec != NULL)
		*nsec = ntp_pps_nsec;
	mutex_spin_exit(&timecounter_lock);
	return n;
}

/* How far the current second's adjustment moves the clock, ppm. */
int64_t
kenv_ntp_rate_ppm(void)
{
	int64_t adj;

	mutex_spin_enter(&timecounter_lock);
	adj = ntp_adj < 0 ? -ntp_adj : ntp_adj;
	mutex_spin_exit(&timecounter_lock);
	/* ns/s 32.32 to ppm, rounded up. */
	return ((adj >> 32) + 1) / 1000 + 1;
}
