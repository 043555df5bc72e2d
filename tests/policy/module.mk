# vmt_tspolicy against the guest clock model (userland build of the
# kernel policy; no kernel library needed), and against the real
# kern_tc.c on the userland kernel environment.
ATF_C_TESTS +=		tests/policy/t_tspolicy tests/policy/t_tspolicy_kern
t_tspolicy_SRCS :=	sys/dev/vmt/vmt_tspolicy.c tests/policy/clockmodel.c
t_tspolicy_KERNEL :=	none
KYUAFILES +=		tests/policy/Kyuafile
