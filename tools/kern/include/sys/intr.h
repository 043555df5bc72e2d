/* Userland kernel environment: <sys/intr.h>, interrupt priority levels. */
#ifndef _SYS_INTR_H_
#define _SYS_INTR_H_

#define IPL_NONE	0
#define IPL_SOFTCLOCK	1
#define IPL_SOFTNET	2
#define IPL_VM		3
#define IPL_SCHED	4
#define IPL_CLOCK	4
#define IPL_HIGH	5

#endif /* _SYS_INTR_H_ */
