ATF_C_TESTS +=	tests/kern/t_tc
t_tc_SRCS :=		tests/kern/h_tc.c
KYUAFILES +=	tests/kern/Kyuafile
