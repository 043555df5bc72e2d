# vmt_tspolicy against the guest clock model (userland build of the
# kernel policy; no kernel library needed).
ATF_C_TESTS +=		tests/policy/t_tspolicy
t_tspolicy_SRCS :=	sys/dev/vmt/vmt_tspolicy.c tests/policy/clockmodel.c
t_tspolicy_KERNEL :=	none
KYUAFILES +=		tests/policy/Kyuafile
