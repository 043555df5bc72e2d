# tests/vmt: vmt(4) transport, TCLO loop and attach glue against the
# simulated host.  Built without options VMT_TIMESYNC, except t_period
# (machdep.vmt0.clock_sync.period with the time-sync module).
ATF_C_TESTS +=		tests/vmt/t_tclo tests/vmt/t_rpc tests/vmt/t_attach \
			tests/vmt/t_power tests/vmt/t_period
t_tclo_SRCS :=		tests/vmt/h_vmt.c
t_tclo_KERNEL :=	nots
t_rpc_SRCS :=		tests/vmt/h_vmt.c
t_rpc_KERNEL :=		nots
t_attach_SRCS :=	tests/vmt/h_vmt.c
t_attach_KERNEL :=	nots
t_power_SRCS :=		tests/vmt/h_vmt.c
t_power_KERNEL :=	nots
t_period_SRCS :=	tests/vmt/h_vmt.c
t_period_KERNEL :=	ts
# Kernel side of the harness (h_vmt_kern.h).
KSRCS +=		tests/vmt/h_vmt_kern.c
KYUAFILES :=		$(sort $(KYUAFILES) tests/Kyuafile tests/vmt/Kyuafile)
