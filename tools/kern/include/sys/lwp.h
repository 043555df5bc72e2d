/*
 * Userland kernel environment: <sys/lwp.h>.
 * Every host thread that enters kernel code gets an LWP of its own on
 * first use (curlwp), kept on alllwp under proc_lock until the thread
 * exits, as NetBSD keeps its LWPs; tc_detach() scans them.
 */
#ifndef _SYS_LWP_H_
#define _SYS_LWP_H_

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/kauth.h>

struct proc;

struct lwp {
	LIST_ENTRY(lwp)	l_list;		/* on alllwp, under proc_lock */
	kauth_cred_t	l_cred;		/* credentials */
	struct proc	*l_proc;	/* owning process */
	int		l_tcgen;	/* timecounter removal generation */
};

LIST_HEAD(lwplist, lwp);
extern struct lwplist	alllwp;		/* all LWPs, under proc_lock */

struct lwp	*kenv_curlwp(void);
#define curlwp	(kenv_curlwp())

#endif /* _SYS_LWP_H_ */
