/*
 * The kern_time.c routines the project and its tools use, for the
 * userland kernel environment, with NetBSD's prototypes and semantics:
 *
 *  - adjtime1() reads and replaces kern_ntptime.c's time_adjtime (us),
 *    which ntp_update_second() slews; it checks nothing, the system
 *    call does (kenv_adjtime() here);
 *  - settime(), clock_settime1() and settimeofday1() step realtime
 *    with tc_setclock() and move boottime by the same amount, as
 *    NetBSD 8 keeps it.
 */

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kauth.h>
#include <sys/kernel.h>
#include <sys/lwp.h>
#include <sys/mutex.h>
#include <sys/proc.h>
#include <sys/syslog.h>
#include <sys/time.h>
#include <sys/timetc.h>
#include <sys/timex.h>

#include "kenv.h"
#include "kenv_impl.h"

extern int64_t	time_adjtime;		/* kern_ntptime.c */

struct timespec	boottime;		/* realtime at boot, plus steps */
int		time_adjusted;		/* adjtime or ntp_adjtime was used */
static uint64_t	kenv_nadjtimes;		/* [timecounter_lock] adjtime1()
					 * calls that set a delta */

void
adjtime1(const struct timeval *delta, struct timeval *olddelta,
    struct proc *p)
{
	(void)p;
	if (olddelta != NULL) {
		mutex_spin_enter(&timecounter_lock);
		olddelta->tv_sec = time_adjtime / 1000000;
		olddelta->tv_usec = time_adjtime % 1000000;
		if (olddelta->tv_usec < 0) {
			olddelta->tv_usec += 1000000;
			olddelta->tv_sec--;
		}
		mutex_spin_exit(&timecounter_lock);
	}
	if (delta != NULL) {
		mutex_spin_enter(&timecounter_lock);
		time_adjtime = (int64_t)delta->tv_sec * 1000000 +
		    delta->tv_usec;
		if (time_adjtime != 0)
			time_adjusted |= 1;
		kenv_nadjtimes++;
		mutex_spin_exit(&timecounter_lock);
	}
}

static int
settime1(struct proc *p, const struct timespec *ts, bool check_kauth)
{
	struct timespec now, delta;

	(void)p;
	nanotime(&now);
	timespecsub(ts, &now, &delta);
	if (check_kauth && kauth_authorize_system(kauth_cred_get(),
	    KAUTH_SYSTEM_TIME, KAUTH_REQ_SYSTEM_TIME_SYSTEM, __UNCONST(ts),
	    &delta, NULL) != 0)
		return EPERM;
	tc_setclock(ts);
	timespecadd(&boottime, &delta, &boottime);
	return 0;
}

int
settime(struct proc *p, struct timespec *ts)
{
	return settime1(p, ts, true);
}

int
clock_settime1(struct proc *p, clockid_t clock_id, const struct timespec *tp,
    bool check_kauth)
{
	if (clock_id != CLOCK_REALTIME)
		return EINVAL;		/* the others cannot be set */
	return settime1(p, tp, check_kauth);
}

int
settimeofday1(const struct timeval *utv, bool userspace, const void *utzp,
    struct lwp *l, bool check_kauth)
{
	struct timespec ts;

	(void)userspace;	/* no address spaces: user pointers are ours */
	if (utzp != NULL)
		log(LOG_WARNING, "attempt to set the (obsolete) kernel time "
		    "zone\n");
	if (utv == NULL)
		return 0;
	TIMEVAL_TO_TIMESPEC(utv, &ts);
	return settime1(l->l_proc, &ts, check_kauth);
}

/* --- The harness's side: the system calls ------------------------- */

int
kenv_adjtime(const struct timeval *delta, struct timeval *olddelta)
{
	int error;

	/* As sys___adjtime50: the right to adjust, even to read. */
	if ((error = kauth_authorize_system(curlwp->l_cred,
	    KAUTH_SYSTEM_TIME, KAUTH_REQ_SYSTEM_TIME_ADJTIME, NULL, NULL,
	    NULL)) != 0)
		return kenv_host_errno(error);
	adjtime1(delta, olddelta, curproc);
	return 0;
}

int
kenv_settime(const struct timespec *ts)
{
	return kenv_host_errno(clock_settime1(curproc, CLOCK_REALTIME, ts,
	    true));
}

uint64_t
kenv_adjtime_count(void)
{
	uint64_t n;

	mutex_spin_enter(&timecounter_lock);
	n = kenv_nadjtimes;
	mutex_spin_exit(&timecounter_lock);
	return n;
}
