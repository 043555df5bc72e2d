/*
 * Helpers shared by the kern_tc.c tests: boot the environment with one
 * counter, read the clocks in ns, watch them for backward steps.
 */
#ifndef _H_TC_H_
#define _H_TC_H_

#include <stdint.h>
#include <time.h>

#include "kenv.h"

#define NS		1000000000LL
#define US		1000LL
#define TC_PPB(x)	((int64_t)(x) * ((int64_t)1 << 32))
#define EPOCH		(1700000000LL * NS)	/* a realtime to start at */

int64_t	h_ts_ns(const struct timespec *);
int64_t	h_tv_ns(const struct timeval *);
int64_t	h_now_ns(void);			/* nanotime() */
int64_t	h_up_ns(void);			/* nanouptime() */
/* Boot at hz 100 with one counter "hw" of quality 100; returns its id. */
int	h_boot(uint64_t, unsigned, double);
void	h_set_realtime(int64_t);
/* Run span ns in steps of step ns; fail on any backward reading. */
void	h_check_monotonic(int64_t, int64_t);
/* Realtime's rate against true time over span ns, in ppm. */
double	h_measured_ppm(int64_t);
/* Realtime gained on true time (ns) while true time runs span ns. */
int64_t	h_gain_over(int64_t);

#endif /* _H_TC_H_ */
