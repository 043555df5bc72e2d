/*
 * kmem(9), mutex(9), kauth(9), the process, devices, sysmon power
 * switches and ratecheck(9) for the userland kernel environment.
 */

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/atomic.h>
#include <sys/device.h>
#include <sys/kauth.h>
#include <sys/kmem.h>
#include <sys/lwp.h>
#include <sys/mutex.h>
#include <sys/proc.h>
#include <sys/time.h>
#include <dev/sysmon/sysmonvar.h>

#include "kenv.h"
#include "kenv_impl.h"
#include "host/kenv_host.h"

#define KENV_MAX_PSWITCH_TYPES	8
#define KENV_KAUTH_ACTIONS	32

void *
kmem_alloc(size_t size, km_flag_t flags)
{
	void *p;

	KASSERT(size > 0);
	p = kenvh_malloc(size);
	if (p == NULL && (flags & KM_SLEEP))
		panic("kmem_alloc: out of memory for %zu bytes", size);
	return p;
}

void *
kmem_zalloc(size_t size, km_flag_t flags)
{
	void *p;

	if ((p = kmem_alloc(size, flags)) != NULL)
		memset(p, 0, size);
	return p;
}

void
kmem_free(void *p, size_t size)
{
	KASSERT(p != NULL);
	KASSERT(size > 0);
	kenvh_free(p);
}

char *
kmem_strdupsize(const char *s, size_t *lenp, km_flag_t flags)
{
	size_t len = strlen(s) + 1;
	char *p;

	if ((p = kmem_alloc(len, flags)) != NULL)
		memcpy(p, s, len);
	if (lenp != NULL)
		*lenp = len;
	return p;
}

void
kmem_strfree(char *s)
{
	kmem_free(s, strlen(s) + 1);
}

/*
 * Mutexes use host locks only while the harness runs threads of its
 * own.  A harness that runs the kernel on one thread (the simulator's
 * guests) turns that off: a mutex is then an owner word, and every
 * KASSERT about ownership and recursion still holds.
 */
static bool	kenv_threaded = true;

void
kenv_set_threaded(bool on)
{
	kenv_threaded = on;
}

static __inline uintptr_t
kenv_self(void)
{
	return kenv_threaded ? kenvh_thread_id() : 1;
}

void
mutex_init(kmutex_t *mtx, kmutex_type_t type, int ipl)
{
	mtx->mtx_host = kenvh_lock_create();
	mtx->mtx_owner = 0;
	mtx->mtx_ipl = ipl;
	/*
	 * As in NetBSD: MUTEX_DEFAULT and MUTEX_DRIVER are adaptive at
	 * IPL_NONE and the soft interrupt levels, spin mutexes above.
	 */
	switch (type) {
	case MUTEX_DEFAULT:
	case MUTEX_DRIVER:
		mtx->mtx_spin = !(ipl == IPL_NONE || ipl == IPL_SOFTCLOCK ||
		    ipl == IPL_SOFTBIO || ipl == IPL_SOFTNET ||
		    ipl == IPL_SOFTSERIAL);
		break;
	case MUTEX_ADAPTIVE:
		KASSERT(ipl == IPL_NONE);
		mtx->mtx_spin = false;
		break;
	default:
		mtx->mtx_spin = true;
		break;
	}
}

/*
 * mtx_owner is read without the host lock (the recursion check,
 * mutex_owned()): every access is a relaxed atomic one, so that those
 * reads are no data race for ThreadSanitizer.  A thread only ever
 * finds its own id there if it holds the lock.
 */
#define MTX_OWNER(mtx)		atomic_load_relaxed(&(mtx)->mtx_owner)
#define MTX_SET_OWNER(mtx, o)	atomic_store_relaxed(&(mtx)->mtx_owner, (o))

void
mutex_destroy(kmutex_t *mtx)
{
	KASSERT(MTX_OWNER(mtx) == 0);
	kenvh_lock_destroy(mtx->mtx_host);
	mtx->mtx_host = NULL;
}

void
mutex_enter(kmutex_t *mtx)
{
	uintptr_t self = kenv_self();

	KASSERT(MTX_OWNER(mtx) != self);	/* no recursion */
	if (kenv_threaded)
		kenvh_lock(mtx->mtx_host);
	else
		KASSERT(MTX_OWNER(mtx) == 0);
	MTX_SET_OWNER(mtx, self);
}

void
mutex_exit(kmutex_t *mtx)
{
	KASSERT(MTX_OWNER(mtx) == kenv_self());
	MTX_SET_OWNER(mtx, 0);
	if (kenv_threaded)
		kenvh_unlock(mtx->mtx_host);
}

int
mutex_tryenter(kmutex_t *mtx)
{
	if (kenv_threaded ? !kenvh_trylock(mtx->mtx_host) :
	    MTX_OWNER(mtx) != 0)
		return 0;
	MTX_SET_OWNER(mtx, kenv_self());
	return 1;
}

int
mutex_owned(const kmutex_t *mtx)
{
	return MTX_OWNER(mtx) == kenv_self();
}

void
mutex_spin_enter(kmutex_t *mtx)
{
	KASSERT(mtx->mtx_spin);
	mutex_enter(mtx);
}

void
mutex_spin_exit(kmutex_t *mtx)
{
	KASSERT(mtx->mtx_spin);
	mutex_exit(mtx);
}

/* Credentials: one, privileged or not; some actions may be denied. */
struct kauth_cred {
	bool	cr_privileged;
};

static struct kauth_cred kenv_cred = { .cr_privileged = true };
static bool	kenv_kauth_denied[KENV_KAUTH_ACTIONS];
static struct proc kenv_proc = { .p_cred = &kenv_cred };

struct proc *
kenv_curproc(void)
{
	return &kenv_proc;
}

void
kenv_set_privileged(bool on)
{
	kenv_cred.cr_privileged = on;
}

bool
kenv_privileged(void)
{
	return kenv_cred.cr_privileged;
}

/* What harnesses name it by (kenv.h) is <sys/kauth.h>'s. */
CTASSERT(KENV_KAUTH_SYSTEM_TIME == KAUTH_SYSTEM_TIME);

void
kenv_kauth_deny(int action, bool deny)
{
	KASSERT(action >= 0 && action < KENV_KAUTH_ACTIONS);
	kenv_kauth_denied[action] = deny;
}

kauth_cred_t
kauth_cred_get(void)
{
	return &kenv_cred;
}

int
kauth_authorize_system(kauth_cred_t cred, kauth_action_t action,
    enum kauth_system_req req, void *a1, void *a2, void *a3)
{
	(void)req; (void)a1; (void)a2; (void)a3;
	if (action < KENV_KAUTH_ACTIONS && kenv_kauth_denied[action])
		return EPERM;
	return cred != NULL && cred->cr_privileged ? 0 : EPERM;
}

struct device *
kenv_device_create(const char *name, int unit, void *priv)
{
	struct device *dev;

	dev = kmem_zalloc(sizeof(*dev), KM_SLEEP);
	snprintf(dev->dv_xname, sizeof(dev->dv_xname), "%s%d", name, unit);
	dev->dv_unit = unit;
	dev->dv_private = priv;
	kenv_pmf_device_created(dev);
	return dev;
}

void
kenv_device_destroy(struct device *dev)
{
	kenv_pmf_device_destroyed(dev);
	kmem_free(dev, sizeof(*dev));
}

const char *
device_xname(device_t dev)
{
	return dev->dv_xname;
}

int
device_unit(device_t dev)
{
	return dev->dv_unit;
}

void *
device_private(device_t dev)
{
	return dev->dv_private;
}

static unsigned	kenv_pswitch_events[KENV_MAX_PSWITCH_TYPES];

int
sysmon_pswitch_register(struct sysmon_pswitch *smpsw)
{
	if (smpsw->smpsw_type < 0 ||
	    smpsw->smpsw_type >= KENV_MAX_PSWITCH_TYPES)
		return EINVAL;
	return 0;
}

void
sysmon_pswitch_unregister(struct sysmon_pswitch *smpsw)
{
	(void)smpsw;
}

void
sysmon_pswitch_event(struct sysmon_pswitch *smpsw, int event)
{
	if (event == PSWITCH_EVENT_PRESSED)
		kenv_pswitch_events[smpsw->smpsw_type]++;
}

unsigned
kenv_pswitch_count(int type)
{
	if (type < 0 || type >= KENV_MAX_PSWITCH_TYPES)
		return 0;
	return kenv_pswitch_events[type];
}

int
ratecheck(struct timeval *last, const struct timeval *interval)
{
	struct timeval now, delta;

	getmicrouptime(&now);
	delta.tv_sec = now.tv_sec - last->tv_sec;
	delta.tv_usec = now.tv_usec - last->tv_usec;
	if (delta.tv_usec < 0) {
		delta.tv_sec--;
		delta.tv_usec += 1000000;
	}
	if ((last->tv_sec == 0 && last->tv_usec == 0) ||
	    timevalcmp(&delta, interval, >=)) {
		*last = now;
		return 1;
	}
	return 0;
}
