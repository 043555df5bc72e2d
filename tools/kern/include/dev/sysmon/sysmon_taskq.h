/*
 * Userland kernel environment: <dev/sysmon/sysmon_taskq.h>.
 * sysmon_taskq(9): work deferred to the sysmon thread; subr_sysmon.c.
 */
#ifndef _DEV_SYSMON_SYSMON_TASKQ_H_
#define _DEV_SYSMON_SYSMON_TASKQ_H_

#include <sys/types.h>

void	sysmon_task_queue_init(void);
int	sysmon_task_queue_fini(void);
int	sysmon_task_queue_sched(u_int, void (*)(void *), void *);

#endif /* _DEV_SYSMON_SYSMON_TASKQ_H_ */
