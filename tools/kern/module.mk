# The userland kernel environment: kernel side (built with the kernel
# sources) and the host bridge (userland, in libsim.a).
KSRCS +=	tools/kern/kern_env.c tools/kern/subr_callout.c \
		tools/kern/subr_sysctl.c tools/kern/subr_prf.c \
		tools/kern/subr_misc.c tools/kern/subr_string.c \
		tools/kern/subr_lwp.c tools/kern/kern_time.c \
		tools/kern/kern_ntptime.c tools/kern/dev_pps.c \
		tools/kern/subr_errno.c
USRCS +=	tools/kern/host/kenv_host.c

# Kernel options come from opt_*.h, as in a NetBSD kernel build: the
# environment's own (tools/kern/include/opt_ntp.h) and $(O)/opt-*.
KCFLAGS +=	-D_KERNEL_OPT
