ATF_C_TESTS +=	tests/kern/t_tc
KYUAFILES +=	tests/kern/Kyuafile
