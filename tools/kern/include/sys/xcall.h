/*
 * Userland kernel environment: <sys/xcall.h>, cross calls.
 * The environment has one CPU as far as cross calls go: the function
 * runs once, on the calling thread, after a process-wide memory
 * barrier (membarrier(2)) that, like NetBSD's IPIs, makes every other
 * thread's earlier stores visible and orders its later loads.
 */
#ifndef _SYS_XCALL_H_
#define _SYS_XCALL_H_

#include <sys/types.h>

typedef void (*xcfunc_t)(void *, void *);

uint64_t	xc_broadcast(u_int, xcfunc_t, void *, void *);
void		xc_wait(uint64_t);

#endif /* _SYS_XCALL_H_ */
