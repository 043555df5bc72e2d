# Kernel sources: built with -D_KERNEL against the kernel headers.
KSRCS +=	sys/kern/kern_tc.c
