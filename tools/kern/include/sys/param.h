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

extern int	hz;

/* Milliseconds to ticks, rounding up so a timeout never fires early. */
static __inline int
mstohz(int ms)
{
	int64_t t;

	t = ((int64_t)ms * hz + 999) / 1000;
	return t > INT32_MAX ? INT32_MAX : (int)t;
}

#define hztoms(t)	((int)(((int64_t)(t) * 1000) / hz))

#endif /* _SYS_PARAM_H_ */
