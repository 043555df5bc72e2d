/*
 * A PPS source for the userland kernel environment, driven the way
 * com(4) drives kern_tc.c's RFC 2783 code from a serial port's DCD
 * line: the state is set up with pps_init(), requests go through
 * pps_ioctl(), and an edge is captured and recorded with pps_capture()
 * and pps_event() (or pps_ref_event() for a reference time stamp), all
 * under timecounter_lock.
 */

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kmem.h>
#include <sys/mutex.h>
#include <sys/time.h>
#include <sys/timepps.h>

#include "kenv.h"
#include "kenv_impl.h"

struct kenv_pps {
	struct pps_state	kp_state;	/* [timecounter_lock] */
};

struct kenv_pps *
kenv_pps_create(int caps)
{
	struct kenv_pps *kp;

	kp = kmem_zalloc(sizeof(*kp), KM_SLEEP);
	mutex_spin_enter(&timecounter_lock);
	kp->kp_state.ppscap = caps;
	pps_init(&kp->kp_state);
	mutex_spin_exit(&timecounter_lock);
	return kp;
}

void
kenv_pps_destroy(struct kenv_pps *kp)
{
	kmem_free(kp, sizeof(*kp));
}

static int
kenv_pps_ioctl(struct kenv_pps *kp, unsigned long cmd, void *data)
{
	int error;

	mutex_spin_enter(&timecounter_lock);
	error = pps_ioctl(cmd, data, &kp->kp_state);
	mutex_spin_exit(&timecounter_lock);
	return kenv_host_errno(error);
}

int
kenv_pps_getcap(struct kenv_pps *kp, int *caps)
{
	return kenv_pps_ioctl(kp, PPS_IOC_GETCAP, caps);
}

int
kenv_pps_setparams(struct kenv_pps *kp, int mode,
    const struct timespec *assert_off, const struct timespec *clear_off)
{
	pps_params_t pp;

	memset(&pp, 0, sizeof(pp));
	pp.api_version = PPS_API_VERS_1;
	pp.mode = mode;
	if (assert_off != NULL)
		pp.assert_offset = *assert_off;
	if (clear_off != NULL)
		pp.clear_offset = *clear_off;
	return kenv_pps_ioctl(kp, PPS_IOC_SETPARAMS, &pp);
}

int
kenv_pps_getparams(struct kenv_pps *kp, int *mode, int *api_version)
{
	pps_params_t pp;
	int error;

	if ((error = kenv_pps_ioctl(kp, PPS_IOC_GETPARAMS, &pp)) != 0)
		return error;
	*mode = pp.mode;
	*api_version = pp.api_version;
	return 0;
}

int
kenv_pps_fetch(struct kenv_pps *kp, struct kenv_ppsinfo *ki)
{
	pps_info_t pi;
	int error;

	if ((error = kenv_pps_ioctl(kp, PPS_IOC_FETCH, &pi)) != 0)
		return error;
	ki->assert_seq = pi.assert_sequence;
	ki->clear_seq = pi.clear_sequence;
	ki->assert_ts = pi.assert_timestamp;
	ki->clear_ts = pi.clear_timestamp;
	ki->mode = pi.current_mode;
	return 0;
}

int
kenv_pps_kcbind(struct kenv_pps *kp, int edge)
{
	return kenv_pps_ioctl(kp, PPS_IOC_KCBIND, &edge);
}

int
kenv_pps_unknown_ioctl(struct kenv_pps *kp)
{
	int x = 0;

	return kenv_pps_ioctl(kp, _IOR('1', 99, int), &x);
}

void
kenv_pps_edge(struct kenv_pps *kp, int event)
{
	mutex_spin_enter(&timecounter_lock);
	pps_capture(&kp->kp_state);
	pps_event(&kp->kp_state, event);
	mutex_spin_exit(&timecounter_lock);
}

void
kenv_pps_ref_edge(struct kenv_pps *kp, int event, const struct timespec *ref,
    int refmode)
{
	struct bintime bt;

	timespec2bintime(ref, &bt);
	mutex_spin_enter(&timecounter_lock);
	pps_capture(&kp->kp_state);
	pps_ref_event(&kp->kp_state, event, &bt, refmode);
	mutex_spin_exit(&timecounter_lock);
}
