# vmt(4) transport, TCLO loop and attach glue (kernel sources).  The
# machine-dependent backdoor (vmt_backdoor_x86.c) is not built here:
# the simulated host in tools/vmthost supplies the three operations.
KSRCS +=	sys/dev/vmt/vmt_subr.c sys/dev/vmt/vmt_rpc.c \
		sys/dev/vmt/vmt_tclo.c sys/dev/vmt/vmt_cmd.c
