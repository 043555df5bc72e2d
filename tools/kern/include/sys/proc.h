/* Userland kernel environment: <sys/proc.h>. */
#ifndef _SYS_PROC_H_
#define _SYS_PROC_H_

#include <sys/lwp.h>

struct proc {
	kauth_cred_t	p_cred;		/* credentials */
};

#define curproc	(curlwp->l_proc)

#endif /* _SYS_PROC_H_ */
