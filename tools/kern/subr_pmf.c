/*
 * pmf(9) for the userland kernel environment: the device side
 * (pmf_device_register1(), pmf_device_deregister()) and the system
 * side the harness drives through kenv_pm.h.
 *
 * NetBSD's rules, from kern_pmf.c: a system suspend or resume is
 * refused while any device has no power handlers registered; suspend
 * walks the devices leaves first (here: last created first), resume
 * root first (creation order) and only resumes what was suspended; a
 * NULL handler succeeds; a device whose suspend handler fails stays
 * active and the suspend goes on.  Shutdown runs the shutdown handler
 * of every registered device.
 */

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/device.h>
#include <sys/pmf.h>

#include "kenv.h"
#include "kenv_impl.h"
#include "kenv_pm.h"

#define KENV_PMF_MAXDEV		32

struct kenv_pmf_dev {
	device_t	kp_dev;		/* NULL: free slot */
	bool		kp_registered;
	bool		kp_suspended;
	bool		(*kp_suspend)(device_t, const pmf_qual_t *);
	bool		(*kp_resume)(device_t, const pmf_qual_t *);
	bool		(*kp_shutdown)(device_t, int);
};

/* In creation order; a destroyed device's slot is closed up. */
static struct kenv_pmf_dev kenv_pmf_devs[KENV_PMF_MAXDEV];
static unsigned		kenv_pmf_ndevs;

static const pmf_qual_t kenv_pmf_q_none = {
	.pq_suspensor = NULL,
	.pq_actlvl = DEVACT_LEVEL_DRIVER,
};
const pmf_qual_t * const PMF_Q_NONE = &kenv_pmf_q_none;

static struct kenv_pmf_dev *
kenv_pmf_lookup(device_t dev)
{
	unsigned i;

	for (i = 0; i < kenv_pmf_ndevs; i++)
		if (kenv_pmf_devs[i].kp_dev == dev)
			return &kenv_pmf_devs[i];
	return NULL;
}

void
kenv_pmf_device_created(device_t dev)
{
	if (kenv_pmf_ndevs == KENV_PMF_MAXDEV)
		panic("kenv: more than %d devices", KENV_PMF_MAXDEV);
	memset(&kenv_pmf_devs[kenv_pmf_ndevs], 0,
	    sizeof(kenv_pmf_devs[kenv_pmf_ndevs]));
	kenv_pmf_devs[kenv_pmf_ndevs++].kp_dev = dev;
}

/*
 * The slot is removed, not left empty: a harness that attaches and
 * detaches a driver again and again (a fuzzer) never runs out.
 */
void
kenv_pmf_device_destroyed(device_t dev)
{
	struct kenv_pmf_dev *kp = kenv_pmf_lookup(dev);
	unsigned i;

	if (kp == NULL)
		return;
	i = (unsigned)(kp - kenv_pmf_devs);
	memmove(kp, kp + 1, (kenv_pmf_ndevs - i - 1) * sizeof(*kp));
	kenv_pmf_ndevs--;
	memset(&kenv_pmf_devs[kenv_pmf_ndevs], 0, sizeof(*kp));
}

bool
pmf_device_register1(device_t dev,
    bool (*suspend)(device_t, const pmf_qual_t *),
    bool (*resume)(device_t, const pmf_qual_t *),
    bool (*shutdown)(device_t, int))
{
	struct kenv_pmf_dev *kp = kenv_pmf_lookup(dev);

	KASSERT(kp != NULL);
	kp->kp_suspend = suspend;
	kp->kp_resume = resume;
	kp->kp_shutdown = shutdown;
	kp->kp_registered = true;
	return true;
}

void
pmf_device_deregister(device_t dev)
{
	struct kenv_pmf_dev *kp = kenv_pmf_lookup(dev);

	KASSERT(kp != NULL);
	kp->kp_suspend = NULL;
	kp->kp_resume = NULL;
	kp->kp_shutdown = NULL;
	kp->kp_registered = false;
}

/* NetBSD's pmf_check_system_drivers(). */
static bool
kenv_pmf_all_registered(void)
{
	bool ok = true;
	unsigned i;

	for (i = 0; i < kenv_pmf_ndevs; i++) {
		if (kenv_pmf_devs[i].kp_dev == NULL ||
		    kenv_pmf_devs[i].kp_registered)
			continue;
		if (ok)
			printf("Devices without power management support:");
		printf(" %s", device_xname(kenv_pmf_devs[i].kp_dev));
		ok = false;
	}
	if (!ok)
		printf("\n");
	return ok;
}

bool
pmf_system_suspend(const pmf_qual_t *qual)
{
	struct kenv_pmf_dev *kp;
	unsigned i;

	if (!kenv_pmf_all_registered())
		return false;
	for (i = kenv_pmf_ndevs; i-- > 0;) {
		kp = &kenv_pmf_devs[i];
		if (kp->kp_dev == NULL || kp->kp_suspended)
			continue;
		if (kp->kp_suspend == NULL || (*kp->kp_suspend)(kp->kp_dev, qual))
			kp->kp_suspended = true;
	}
	return true;
}

bool
pmf_system_resume(const pmf_qual_t *qual)
{
	struct kenv_pmf_dev *kp;
	unsigned i;
	bool rv = true;

	if (!kenv_pmf_all_registered())
		return false;
	for (i = 0; i < kenv_pmf_ndevs; i++) {
		kp = &kenv_pmf_devs[i];
		if (kp->kp_dev == NULL || !kp->kp_suspended)
			continue;
		if (kp->kp_resume == NULL || (*kp->kp_resume)(kp->kp_dev, qual))
			kp->kp_suspended = false;
		else
			rv = false;
	}
	return rv;
}

void
pmf_system_shutdown(int how)
{
	struct kenv_pmf_dev *kp;
	unsigned i;

	for (i = kenv_pmf_ndevs; i-- > 0;) {
		kp = &kenv_pmf_devs[i];
		if (kp->kp_dev != NULL && kp->kp_registered &&
		    kp->kp_shutdown != NULL)
			(void)(*kp->kp_shutdown)(kp->kp_dev, how);
	}
}

bool
kenv_pmf_suspend(void)
{
	return pmf_system_suspend(PMF_Q_NONE);
}

bool
kenv_pmf_resume(void)
{
	return pmf_system_resume(PMF_Q_NONE);
}

void
kenv_pmf_shutdown(int how)
{
	pmf_system_shutdown(how);
}

static struct kenv_pmf_dev *
kenv_pmf_byname(const char *xname)
{
	unsigned i;

	for (i = 0; i < kenv_pmf_ndevs; i++)
		if (kenv_pmf_devs[i].kp_dev != NULL &&
		    strcmp(device_xname(kenv_pmf_devs[i].kp_dev), xname) == 0)
			return &kenv_pmf_devs[i];
	return NULL;
}

bool
kenv_pmf_registered(const char *xname)
{
	struct kenv_pmf_dev *kp = kenv_pmf_byname(xname);

	return kp != NULL && kp->kp_registered;
}

bool
kenv_pmf_suspended(const char *xname)
{
	struct kenv_pmf_dev *kp = kenv_pmf_byname(xname);

	return kp != NULL && kp->kp_suspended;
}
