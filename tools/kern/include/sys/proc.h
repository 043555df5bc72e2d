/* Userland kernel environment: <sys/proc.h>. */
#ifndef _SYS_PROC_H_
#define _SYS_PROC_H_

#include <sys/lwp.h>
#include <sys/mutex.h>

struct proc {
	kauth_cred_t	p_cred;		/* credentials */
};

#define curproc	(curlwp->l_proc)

extern kmutex_t	*proc_lock;		/* guards alllwp */

/*
 * Sleep for timo ticks.  The environment never sleeps on virtual time
 * (the thread that would sleep may be the one that moves it): the host
 * thread yields and EWOULDBLOCK comes back, as for an expired timeout.
 */
int	kpause(const char *, bool, int, kmutex_t *);

#endif /* _SYS_PROC_H_ */
