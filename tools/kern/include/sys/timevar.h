/*
 * Userland kernel environment: <sys/timevar.h>.
 * The clock readers and setters kern_tc.c provides, with NetBSD's
 * prototypes.
 */
#ifndef _SYS_TIMEVAR_H_
#define _SYS_TIMEVAR_H_

#include <sys/types.h>

struct bintime;
struct timespec;
struct timeval;
struct proc;

/* Precise readers: read the hardware counter. */
void	binuptime(struct bintime *);
void	nanouptime(struct timespec *);
void	microuptime(struct timeval *);
void	bintime(struct bintime *);
void	nanotime(struct timespec *);
void	microtime(struct timeval *);

/* Fast readers: the time of the last windup. */
void	getbinuptime(struct bintime *);
void	getnanouptime(struct timespec *);
void	getmicrouptime(struct timeval *);
void	getbintime(struct bintime *);
void	getnanotime(struct timespec *);
void	getmicrotime(struct timeval *);

void	getbinboottime(struct bintime *);
void	getnanoboottime(struct timespec *);

/* Whole seconds of realtime and of uptime, updated at each windup. */
extern volatile time_t	time_second;
extern volatile time_t	time_uptime;

int	adjtime1(const struct timeval *, struct timeval *, struct proc *);
int	settime(struct proc *, struct timespec *);

#endif /* _SYS_TIMEVAR_H_ */
