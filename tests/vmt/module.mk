# tests/vmt: vmt(4) transport, TCLO loop and attach glue against the
# simulated host.  Built without options VMT_TIMESYNC.
ATF_C_TESTS +=		tests/vmt/t_tclo tests/vmt/t_rpc tests/vmt/t_attach
t_tclo_SRCS :=		tests/vmt/h_vmt.c
t_tclo_KERNEL :=	nots
t_rpc_SRCS :=		tests/vmt/h_vmt.c
t_rpc_KERNEL :=		nots
t_attach_SRCS :=	tests/vmt/h_vmt.c
t_attach_KERNEL :=	nots
KYUAFILES :=		$(sort $(KYUAFILES) tests/Kyuafile tests/vmt/Kyuafile)
