ATF_C_TESTS +=	tests/kern/t_tc tests/kern/t_tc_ntp tests/kern/t_tc_pps \
		tests/kern/t_tc_detach tests/kern/t_kenv
t_tc_SRCS :=		tests/kern/h_tc.c
t_tc_ntp_SRCS :=	tests/kern/h_tc.c
t_tc_pps_SRCS :=	tests/kern/h_tc.c
t_tc_detach_SRCS :=	tests/kern/h_tc.c
KYUAFILES +=	tests/kern/Kyuafile
