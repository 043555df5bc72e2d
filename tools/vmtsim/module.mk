# tools/vmtsim: trace format, clock/scenario model and trace generator,
# and the simulator: the front end and the two guest programs.
USRCS +=	tools/vmtsim/rng.c tools/vmtsim/trace.c \
		tools/vmtsim/scenario.c tools/vmtsim/gen.c \
		tools/vmtsim/oracle.c

# The drivers the simulator compares vmt(4) with, and the kernel side
# of the guests: kernel code, in both kernel libraries.
KSRCS +=	tools/vmtsim/baseline_netbsd.c tools/vmtsim/baseline_ovt.c \
		tools/vmtsim/vmtsim_kern.c

PROGS +=		vmtsim vmtsim-guest vmtsim-guest-nots
vmtsim_SRCS :=		tools/vmtsim/vmtsim.c tools/vmtsim/metrics.c \
			tools/vmtsim/report.c
vmtsim_KERNEL :=	none
vmtsim-guest_SRCS :=	tools/vmtsim/guest_main.c tools/vmtsim/guest.c
vmtsim-guest_KERNEL :=	ts
vmtsim-guest-nots_SRCS := tools/vmtsim/guest_main.c tools/vmtsim/guest.c
vmtsim-guest-nots_KERNEL := nots
