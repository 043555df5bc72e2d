/*
 * The userland kernel environment's power management, harness side:
 * pmf(9) system suspend, resume and shutdown (subr_pmf.c), and the
 * sysmon task queue (subr_sysmon.c).  Needs no kernel header.
 */
#ifndef _KENV_PM_H_
#define _KENV_PM_H_

#ifdef _KERNEL
#include <sys/types.h>
#else
#include <stdbool.h>
#endif

/*
 * pmf_system_suspend(), pmf_system_resume() and pmf_system_shutdown()
 * over the environment's devices, with NetBSD's rules: suspend and
 * resume are refused (false) while any device has not registered with
 * pmf(9); devices are suspended last-created first and resumed in
 * creation order; shutdown runs every registered device's handler.
 */
bool	kenv_pmf_suspend(void);
bool	kenv_pmf_resume(void);
void	kenv_pmf_shutdown(int);
/* Is the device named xname registered with pmf(9)?  Suspended? */
bool	kenv_pmf_registered(const char *);
bool	kenv_pmf_suspended(const char *);

/*
 * The sysmon task queue runs, like NetBSD's sysmon thread, after the
 * code that queued the task has returned: at the next hardclock tick
 * once sysmon_task_queue_init() has been called.  Tasks queued and not
 * yet run; tasks run so far.
 */
unsigned	kenv_taskq_pending(void);
unsigned long	kenv_taskq_ran(void);

#endif /* _KENV_PM_H_ */
