/* Userland kernel environment: <sys/param.h>. */
#ifndef _SYS_PARAM_H_
#define _SYS_PARAM_H_

#include <sys/types.h>
#include <sys/stdint.h>
#include <sys/errno.h>
#include <sys/time.h>

#define MAXHOSTNAMELEN	256
#define NBBY		8
#ifndef MIN
#define MIN(a, b)	((a) < (b) ? (a) : (b))
#endif
#ifndef MAX
#define MAX(a, b)	((a) > (b) ? (a) : (b))
#endif
#define howmany(x, y)	(((x) + ((y) - 1)) / (y))
#define roundup(x, y)	((((x) + ((y) - 1)) / (y)) * (y))

/*
 * Milliseconds to ticks and back, as NetBSD/amd64's <machine/param.h>
 * (rounding down).  hz comes from <sys/kernel.h>, which the caller
 * must include, as in NetBSD.
 */
#define mstohz(ms)	((ms + 0UL) * hz / 1000)
#define hztoms(t)	((t + 0UL) * 1000 / hz)

#endif /* _SYS_PARAM_H_ */
