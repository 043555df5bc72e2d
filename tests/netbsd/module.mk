# tests/netbsd: the NetBSD tier.  tests/netbsd/tier.sh prep (run by
# "make test" before kyua) finds the NetBSD source tree (NETBSDSRCDIR,
# else the tarball in NETBSD_SHARED) and builds once, into build/netbsd,
# the rump kernels and helper programs the tests below use; without a
# tree it says so in one line and the tests skip.
NETBSD_SHARED ?=	$(CURDIR)/../shared/netbsd

ATF_SH_TESTS +=		tests/netbsd/t_compile tests/netbsd/t_config \
			tests/netbsd/t_rumpkern tests/netbsd/t_rumpclock \
			tests/netbsd/t_rumpvmt tests/netbsd/t_envdecl
KYUAFILES +=		tests/netbsd/Kyuafile

netbsd-tier:
	NETBSDSRCDIR="$(NETBSDSRCDIR)" NETBSD_SHARED="$(NETBSD_SHARED)" \
	    tests/netbsd/tier.sh prep

# Step f: nanotime() and binuptime() with our kern_tc.c against NetBSD's.
bench-netbsd: netbsd-tier
	tests/netbsd/bench.sh

.PHONY: netbsd-tier bench-netbsd
