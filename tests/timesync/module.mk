ATF_C_TESTS +=	tests/timesync/t_timesync tests/timesync/t_notimesync
t_notimesync_KERNEL := nots
KYUAFILES +=	tests/timesync/Kyuafile
