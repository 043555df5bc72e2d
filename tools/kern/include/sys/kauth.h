/*
 * Userland kernel environment: <sys/kauth.h>.
 * One credential is privileged or not; the harness decides which one
 * the next sysctl(3)-like call runs with.
 */
#ifndef _SYS_KAUTH_H_
#define _SYS_KAUTH_H_

#include <sys/types.h>

typedef struct kauth_cred *kauth_cred_t;
typedef int kauth_action_t;

#define KAUTH_SYSTEM_TIME		12
enum kauth_system_req {
	KAUTH_REQ_SYSTEM_TIME_ADJTIME = 1,
	KAUTH_REQ_SYSTEM_TIME_NTPADJTIME,
	KAUTH_REQ_SYSTEM_TIME_RTCOFFSET,
	KAUTH_REQ_SYSTEM_TIME_SYSTEM,
	KAUTH_REQ_SYSTEM_TIME_TIMECOUNTERS
};

kauth_cred_t	kauth_cred_get(void);
int		kauth_authorize_system(kauth_cred_t, kauth_action_t,
		    enum kauth_system_req, void *, void *, void *);

#endif /* _SYS_KAUTH_H_ */
