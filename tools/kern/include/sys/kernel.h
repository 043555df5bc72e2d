/* Userland kernel environment: <sys/kernel.h>. */
#ifndef _SYS_KERNEL_H_
#define _SYS_KERNEL_H_

#include <sys/types.h>

extern int		hz;		/* hardclock ticks per second */
extern int		tick;		/* microseconds per tick */

void	hardclock(void);

#endif /* _SYS_KERNEL_H_ */
