/*
 * Userland kernel environment: the kernel options of NetBSD's opt_ntp.h.
 * The environment's kern_ntptime.c always has the NTP discipline and
 * takes PPS events (hardpps), so kern_tc.c is built with PPS_SYNC.
 */
#define NTP		1
#define PPS_SYNC	1
