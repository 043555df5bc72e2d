# The userland kernel environment's power management: pmf(9) and the
# sysmon task queue (kernel side, built with the kernel sources).
KSRCS +=	tools/kern/subr_pmf.c tools/kern/subr_sysmon.c
