# Style of the kernel sources: 80 columns, no trailing whitespace, no //
# comments, <sys/cdefs.h> and __KERNEL_RCSID first.
ATF_SH_TESTS +=		tests/style/t_style
KYUAFILES +=		tests/style/Kyuafile
