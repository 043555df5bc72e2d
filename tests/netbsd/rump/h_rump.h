/*
 * Host side of the NetBSD tier's rump test programs: boot the rump
 * kernel, read its clocks against the host's, find sysctl nodes by
 * name, and fail with a message.  NetBSD's ABI (constants, layouts)
 * comes from the kernel component (rumptest.h), never from the host's
 * headers, which describe another system.
 */
#ifndef _H_RUMP_H_
#define _H_RUMP_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rumptest.h"

#define H_US	((int64_t)1000)
#define H_MS	((int64_t)1000000)
#define H_S	((int64_t)1000000000)

extern struct rumptest_abi h_abi;
extern const char *h_prog;

/* Print "prog: what" on stderr and exit 1. */
void	h_fail(const char *, ...)
	    __attribute__((__format__(__printf__, 1, 2), __noreturn__));
/* Print "name: value" on stdout (the figures the tests report). */
void	h_report(const char *, const char *, ...)
	    __attribute__((__format__(__printf__, 2, 3)));

/* rump_init(), the ABI, and (unless kind is 0) a timecounter. */
void	h_boot(int);
/* The kernel's current timecounter name. */
const char *h_tc_current(void);

int64_t	h_host_mono(void);
int64_t	h_host_real(void);
void	h_sleep(int64_t);

/* A kernel clock read bracketed by host monotonic reads. */
struct h_pair {
	int64_t		hp_kern;	/* kernel clock, ns */
	int64_t		hp_host;	/* host monotonic at it, ns */
};
/* clock_gettime(2) of a NetBSD clock id, the best of a few brackets. */
struct h_pair h_pair(int);
int64_t	h_clock(int);
/* Gain of the kernel clock against the host between two pairs, ns. */
int64_t	h_gain(const struct h_pair *, const struct h_pair *);
/* That gain as a rate, ppm (parts per million of the host interval). */
double	h_rate_ppm(const struct h_pair *, const struct h_pair *);

/* adjtime(2), settimeofday(2), clock_settime(2) in NetBSD's ABI; us
 * and ns.  They return 0 or an errno. */
int	h_adjtime(const int64_t *, int64_t *);
int	h_settimeofday(int64_t);
int	h_clock_settime(int, int64_t);

/* Run fn(arg) in the kernel, between rump_schedule()/rump_unschedule(). */
#define H_KERNEL(call) do {						\
	rump_schedule();						\
	call;								\
	rump_unschedule();						\
} while (0)

/* sysctl by name: integer (int, bool or quad), string; 0 or an errno. */
int	h_sysctl_int(const char *, int64_t *);
int	h_sysctl_setint(const char *, int64_t);
int	h_sysctl_str(const char *, char *, size_t);
/* The number of nodes under a node. */
int	h_sysctl_nchildren(const char *, int *);

#endif /* _H_RUMP_H_ */
