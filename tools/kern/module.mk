# The userland kernel environment: kernel side (built with the kernel
# sources) and the host bridge (userland, in libsim.a).
KSRCS +=	tools/kern/kern_env.c tools/kern/subr_callout.c \
		tools/kern/subr_sysctl.c tools/kern/subr_prf.c \
		tools/kern/subr_misc.c tools/kern/subr_string.c
USRCS +=	tools/kern/host/kenv_host.c
