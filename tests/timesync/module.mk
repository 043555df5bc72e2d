# End-to-end tests of the time-sync module.  The programs sharing
# h_timesync.c stand in for tc_adjtime(), tc_adjfreq() and the host's
# backdoor answers through the linker's --wrap (see h_timesync.h).
H_TIMESYNC_WRAP :=	-Wl,--wrap=tc_adjtime -Wl,--wrap=tc_adjfreq \
			-Wl,--wrap=vmt_backdoor_cmd
ATF_C_TESTS +=		tests/timesync/t_timesync tests/timesync/t_robust \
			tests/timesync/t_privilege tests/timesync/t_detach \
			tests/timesync/t_notimesync tests/timesync/t_sync \
			tests/timesync/t_discipline tests/timesync/t_startup \
			tests/timesync/t_pclk
t_timesync_SRCS :=	tests/timesync/h_timesync.c
t_timesync_LDFLAGS :=	$(H_TIMESYNC_WRAP)
t_robust_SRCS :=	tests/timesync/h_timesync.c
t_robust_LDFLAGS :=	$(H_TIMESYNC_WRAP)
t_privilege_SRCS :=	tests/timesync/h_timesync.c
t_privilege_LDFLAGS :=	$(H_TIMESYNC_WRAP)
t_detach_SRCS :=	tests/timesync/h_timesync.c
t_detach_LDFLAGS :=	$(H_TIMESYNC_WRAP)
t_notimesync_KERNEL :=	nots
t_sync_SRCS :=		tests/timesync/h_timesync.c
t_sync_LDFLAGS :=	$(H_TIMESYNC_WRAP)
t_discipline_SRCS :=	tests/timesync/h_timesync.c
t_discipline_LDFLAGS :=	$(H_TIMESYNC_WRAP)
t_startup_SRCS :=	tests/timesync/h_timesync.c
t_startup_LDFLAGS :=	$(H_TIMESYNC_WRAP)
t_pclk_SRCS :=		tests/timesync/h_timesync.c
t_pclk_LDFLAGS :=	$(H_TIMESYNC_WRAP)
KYUAFILES +=		tests/timesync/Kyuafile
