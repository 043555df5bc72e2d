/* Userland kernel environment: <sys/kernel.h>. */
#ifndef _SYS_KERNEL_H_
#define _SYS_KERNEL_H_

#include <sys/param.h>

extern struct timespec	boottime;	/* moved by settime(), as NetBSD 8 */
extern int		tick;		/* microseconds per tick */
extern int		hz;		/* hardclock ticks per second */

void	hardclock(void);

#endif /* _SYS_KERNEL_H_ */
