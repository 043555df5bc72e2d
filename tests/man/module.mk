# Manual pages: mandoc -Tlint of every page.
ATF_SH_TESTS +=		tests/man/t_manlint
KYUAFILES +=		tests/man/Kyuafile
