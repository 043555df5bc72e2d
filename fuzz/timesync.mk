# fuzz_timesync: vmt(4) with options VMT_TIMESYNC against a host whose
# register answers the input chooses, while the input also drives TCLO,
# sysctl writes, suspends and detach.  The backdoor and tc_adjtime()/
# tc_adjfreq() are stood in for through the linker's --wrap.
FUZZERS +=		fuzz_timesync
fuzz_timesync_SRCS :=	fuzz/fuzz_timesync.c
fuzz_timesync_KERNEL :=	ts
fuzz_timesync_LDFLAGS := -Wl,--wrap=vmt_backdoor_cmd \
			-Wl,--wrap=vmt_backdoor_hb_in \
			-Wl,--wrap=vmt_backdoor_hb_out \
			-Wl,--wrap=tc_adjtime -Wl,--wrap=tc_adjfreq
