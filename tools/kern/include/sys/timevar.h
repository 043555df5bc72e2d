/*
 * Userland kernel environment: <sys/timevar.h>.
 * NetBSD's declarations of the clock readers (kern_tc.c) and of the
 * kern_time.c routines the project's code and tools use (the
 * environment's kern_time.c implements them).
 */
#ifndef _SYS_TIMEVAR_H_
#define _SYS_TIMEVAR_H_

#include <sys/types.h>

struct bintime;
struct timespec;
struct timeval;
struct proc;
struct lwp;

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

void	adjtime1(const struct timeval *, struct timeval *, struct proc *);
int	clock_settime1(struct proc *, clockid_t, const struct timespec *,
	    bool);
void	inittimecounter(void);
int	ratecheck(struct timeval *, const struct timeval *);
int	settime(struct proc *, struct timespec *);
int	settimeofday1(const struct timeval *, bool, const void *,
	    struct lwp *, bool);

/* Whole seconds of realtime and of uptime, updated at each windup. */
extern volatile time_t	time_second;
extern volatile time_t	time_uptime;

#endif /* _SYS_TIMEVAR_H_ */
