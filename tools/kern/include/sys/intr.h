/*
 * Userland kernel environment: <sys/intr.h>, interrupt priority levels
 * with NetBSD's x86 numbers (machine/intrdefs.h).
 */
#ifndef _SYS_INTR_H_
#define _SYS_INTR_H_

#define IPL_NONE	0x0	/* nothing */
#define IPL_PREEMPT	0x1	/* fake, to prevent recursive preemptions */
#define IPL_SOFTCLOCK	0x2	/* timeouts */
#define IPL_SOFTBIO	0x3	/* block I/O passdown */
#define IPL_SOFTNET	0x4	/* protocol stacks */
#define IPL_SOFTSERIAL	0x5	/* serial passdown */
#define IPL_VM		0x6	/* low I/O, memory allocation */
#define IPL_SCHED	0x7	/* medium I/O, scheduler, clock */
#define IPL_HIGH	0x8	/* high I/O, statclock, IPIs */
#define NIPL		9

#define IPL_CLOCK	IPL_SCHED

#endif /* _SYS_INTR_H_ */
