/*
 * Userland kernel environment: <sys/kauth.h>.
 * One credential is privileged or not; the harness decides which one
 * the next sysctl(3)-like call runs with.  The actions and requests
 * the kernel code here asks about, with NetBSD's numbers.
 */
#ifndef _SYS_KAUTH_H_
#define _SYS_KAUTH_H_

#include <sys/types.h>

typedef struct kauth_cred *kauth_cred_t;
typedef uint32_t kauth_action_t;

/* System scope: actions. */
enum {
	KAUTH_SYSTEM_TIME = 14
};

/* System scope: requests. */
enum kauth_system_req {
	KAUTH_REQ_SYSTEM_TIME_ADJTIME = 17,
	KAUTH_REQ_SYSTEM_TIME_NTPADJTIME = 18,
	KAUTH_REQ_SYSTEM_TIME_RTCOFFSET = 19,
	KAUTH_REQ_SYSTEM_TIME_SYSTEM = 20,
	KAUTH_REQ_SYSTEM_TIME_TIMECOUNTERS = 21
};

kauth_cred_t	kauth_cred_get(void);
int		kauth_authorize_system(kauth_cred_t, kauth_action_t,
		    enum kauth_system_req, void *, void *, void *);

#endif /* _SYS_KAUTH_H_ */
