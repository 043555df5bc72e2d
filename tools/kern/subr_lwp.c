/*
 * LWPs, cross calls, kpause(9) and nullop for the userland kernel
 * environment.
 *
 * Every host thread that enters kernel code gets an LWP of its own the
 * first time it asks for curlwp; all share one process and one
 * credential (subr_misc.c).  An LWP sits on alllwp, under proc_lock,
 * from then until its thread exits, so that tc_detach() can see which
 * threads are inside binuptime().
 */

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/atomic.h>
#include <sys/kauth.h>
#include <sys/kmem.h>
#include <sys/lwp.h>
#include <sys/mutex.h>
#include <sys/proc.h>
#include <sys/queue.h>
#include <sys/xcall.h>

#include "kenv.h"
#include "kenv_impl.h"
#include "host/kenv_host.h"

struct lwplist	alllwp = LIST_HEAD_INITIALIZER(alllwp);
kmutex_t	*proc_lock;

static kmutex_t	kenv_proc_lock;
static volatile u_int kenv_nkpause;		/* kpause() calls */
static __thread struct lwp *kenv_tls_lwp;	/* this thread's LWP */

static void
kenv_lwp_exit(void *arg)
{
	struct lwp *l = arg;

	mutex_enter(proc_lock);
	LIST_REMOVE(l, l_list);
	mutex_exit(proc_lock);
	kenv_tls_lwp = NULL;
	kmem_free(l, sizeof(*l));
}

/* Set up proc_lock; the first LWP to exist does it, before threads. */
static void
kenv_lwp_init(void)
{
	if (proc_lock != NULL)
		return;
	mutex_init(&kenv_proc_lock, MUTEX_DEFAULT, IPL_NONE);
	proc_lock = &kenv_proc_lock;
}

static struct lwp *
kenv_lwp_create(void)
{
	struct lwp *l;

	kenv_lwp_init();
	l = kmem_zalloc(sizeof(*l), KM_SLEEP);
	l->l_cred = kauth_cred_get();
	l->l_proc = kenv_curproc();
	mutex_enter(proc_lock);
	LIST_INSERT_HEAD(&alllwp, l, l_list);
	mutex_exit(proc_lock);
	kenv_tls_lwp = l;
	kenvh_thread_exit_hook(kenv_lwp_exit, l);
	return l;
}

struct lwp *
kenv_curlwp(void)
{
	struct lwp *l = kenv_tls_lwp;

	if (__predict_true(l != NULL))
		return l;
	return kenv_lwp_create();
}

uint64_t
xc_broadcast(u_int flags, xcfunc_t func, void *arg1, void *arg2)
{
	(void)flags;
	kenvh_membarrier();
	(*func)(arg1, arg2);
	return 0;
}

void
xc_wait(uint64_t where)
{
	(void)where;
}

int
kpause(const char *wmesg, bool intr, int timo, kmutex_t *mtx)
{
	(void)wmesg; (void)intr; (void)timo;
	atomic_inc_uint(&kenv_nkpause);
	if (mtx != NULL)
		mutex_exit(mtx);
	kenvh_yield();
	if (mtx != NULL)
		mutex_enter(mtx);
	return EWOULDBLOCK;
}

unsigned
kenv_kpauses(void)
{
	return atomic_load_relaxed(&kenv_nkpause);
}

int
nullop(void *arg)
{
	(void)arg;
	return 0;
}
