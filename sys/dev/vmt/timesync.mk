# options VMT_TIMESYNC: the time-sync module and its policy.
KSRCS_TS +=	sys/dev/vmt/vmt_timesync.c sys/dev/vmt/vmt_timesync_host.c \
		sys/dev/vmt/vmt_timesync_sysctl.c sys/dev/vmt/vmt_tspolicy.c \
		sys/dev/vmt/vmt_tspolicy_filter.c \
		sys/dev/vmt/vmt_tspolicy_noise.c \
		sys/dev/vmt/vmt_timesync_disc.c \
		sys/dev/vmt/vmt_timesync_startup.c \
		sys/dev/vmt/vmt_timesync_pclk.c
