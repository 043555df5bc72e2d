/* Userland kernel environment: <sys/lwp.h>. */
#ifndef _SYS_LWP_H_
#define _SYS_LWP_H_

#include <sys/kauth.h>

struct proc;

struct lwp {
	kauth_cred_t	l_cred;		/* credentials */
	struct proc	*l_proc;	/* owning process */
};

struct lwp	*kenv_curlwp(void);
#define curlwp	(kenv_curlwp())

#endif /* _SYS_LWP_H_ */
