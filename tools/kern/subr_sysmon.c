/*
 * sysmon_taskq(9) for the userland kernel environment.
 *
 * In NetBSD, sysmon_task_queue_sched() puts a task on a queue that the
 * "sysmon" kernel thread runs: later, in thread context, never inside
 * the caller.  Here the queue is run by a callout one hardclock tick
 * after a task is queued, so a task always runs after its caller has
 * returned and before anything scheduled later.  The order is
 * NetBSD's: higher priority first, first come first served within a
 * priority.  Until sysmon_task_queue_init() has been called there is
 * no thread, and tasks wait.
 *
 * Like callout(9) in this environment, the queue is fed and run on the
 * harness's thread only.
 */

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/callout.h>
#include <sys/kmem.h>
#include <dev/sysmon/sysmon_taskq.h>

#include "kenv.h"
#include "kenv_pm.h"

struct kenv_task {
	struct kenv_task	*kt_next;
	void			(*kt_func)(void *);
	void			*kt_arg;
	u_int			kt_pri;
};

static struct kenv_task	*kenv_taskq_head;	/* highest priority first */
static unsigned		kenv_taskq_queued;	/* tasks on the queue */
static unsigned long	kenv_taskq_done;	/* tasks run */
static unsigned		kenv_taskq_inits;	/* init calls, less fini */
static callout_t	kenv_taskq_callout;	/* the "thread" */
static bool		kenv_taskq_callout_ok;

static void
kenv_taskq_run(void *arg)
{
	struct kenv_task *kt;

	/* Like the thread, run everything, including what tasks queue. */
	while ((kt = kenv_taskq_head) != NULL) {
		kenv_taskq_head = kt->kt_next;
		kenv_taskq_queued--;
		(*kt->kt_func)(kt->kt_arg);
		kenv_taskq_done++;
		kmem_free(kt, sizeof(*kt));
	}
}

static void
kenv_taskq_wakeup(void)
{
	if (kenv_taskq_inits == 0 || kenv_taskq_head == NULL)
		return;
	if (!kenv_taskq_callout_ok) {
		callout_init(&kenv_taskq_callout, CALLOUT_MPSAFE);
		callout_setfunc(&kenv_taskq_callout, kenv_taskq_run, NULL);
		kenv_taskq_callout_ok = true;
	}
	if (!callout_pending(&kenv_taskq_callout))
		callout_schedule(&kenv_taskq_callout, 1);
}

void
sysmon_task_queue_init(void)
{
	kenv_taskq_inits++;
	kenv_taskq_wakeup();
}

int
sysmon_task_queue_fini(void)
{
	if (kenv_taskq_inits > 1)
		return EBUSY;
	/* The thread runs what is queued before it exits. */
	kenv_taskq_run(NULL);
	if (kenv_taskq_callout_ok)
		callout_stop(&kenv_taskq_callout);
	kenv_taskq_inits = 0;
	return 0;
}

int
sysmon_task_queue_sched(u_int pri, void (*func)(void *), void *arg)
{
	struct kenv_task *kt, **ktp;

	if (func == NULL)
		return EINVAL;
	kt = kmem_alloc(sizeof(*kt), KM_NOSLEEP);
	if (kt == NULL)
		return ENOMEM;
	kt->kt_func = func;
	kt->kt_arg = arg;
	kt->kt_pri = pri;
	for (ktp = &kenv_taskq_head; *ktp != NULL; ktp = &(*ktp)->kt_next)
		if (pri > (*ktp)->kt_pri)
			break;
	kt->kt_next = *ktp;
	*ktp = kt;
	kenv_taskq_queued++;
	kenv_taskq_wakeup();
	return 0;
}

unsigned
kenv_taskq_pending(void)
{
	return kenv_taskq_queued;
}

unsigned long
kenv_taskq_ran(void)
{
	return kenv_taskq_done;
}
