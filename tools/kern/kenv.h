/*
 * The userland kernel environment: the interface between a userland
 * program (test, simulator) and the kernel code it hosts.
 *
 * The kernel side of the environment implements the NetBSD primitives
 * (<sys/callout.h>, <sys/sysctl.h>, ...) on a virtual clock.  This
 * header is what the host side sees: it needs no kernel header, so
 * ATF tests and tools include it next to libc's.
 *
 * Time here is "true time": int64_t nanoseconds since the environment
 * booted.  It moves only when the harness moves it; nothing waits on
 * the wall clock.
 *
 * Error numbers: the kernel side uses NetBSD's (<sys/errno.h>: EAGAIN
 * is 35, EOPNOTSUPP 45, EPROTO 96 ...), the host side the C library's.
 * Every kenv_* function below returns the host's, translated at the
 * boundary.  A kernel function called directly (tc_adjtime(),
 * tc_detach(), a driver's) returns the kernel's: pass it through
 * kenv_host_errno() before comparing it with <errno.h>'s names, and
 * pass what a host function returns into kernel code (a --wrap
 * stand-in, a callback) through kenv_kernel_errno().  0 and the
 * kernel-internal negative numbers (EPASSTHROUGH, -4) are the same on
 * both sides.
 */
#ifndef _KENV_H_
#define _KENV_H_

#ifdef _KERNEL
#include <sys/types.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <sys/time.h>
#endif

/* Kernel error number to the host's, and back. */
int	kenv_host_errno(int);
int	kenv_kernel_errno(int);

/* Boot: hz (0 means 100), then the SYSCTL_SETUP functions run. */
void	kenv_boot(int);

/*
 * Hardware counters.  A counter has a nominal frequency (what the
 * kernel is told) and a true rate that differs by ppm, settable at any
 * time; it is 16 to 32 bits wide (NetBSD's u_int counters) and wraps
 * at 2^bits.  Creating one registers it with tc_init().  Returns an
 * id >= 0.  Detaching one calls tc_detach() and frees it at once.
 */
int	kenv_counter_create(const char *, uint64_t, unsigned, int, double);
int	kenv_counter_detach(int);
void	kenv_counter_gonebad(int);	/* tc_gonebad() */
void	kenv_counter_set_ppm(int, double);
double	kenv_counter_ppm(int);
uint64_t kenv_counter_read(int);
uint64_t kenv_counter_raw(int);		/* unmasked, never wraps */

/* Virtual time. */
int64_t	kenv_now(void);
void	kenv_run_until(int64_t);	/* run hardclock and callouts */
void	kenv_run_for(int64_t);
void	kenv_delay(int64_t);		/* time passes inside kernel code */
void	kenv_stall(int64_t);		/* time passes, its ticks are lost */
void	kenv_suspend(void);		/* counters freeze, no ticks */
void	kenv_resume(void);
bool	kenv_suspended(void);
/*
 * Tickless running (the default) skips hardclock ticks nothing can
 * observe; results are identical to running every tick.  Threads that
 * read the clock while another runs it want it off.
 */
void	kenv_set_tickless(bool);
uint64_t kenv_hardclocks(void);
/*
 * Kernel code run from one host thread only needs no host locks;
 * the default (on) is right for harnesses that run threads.
 */
void	kenv_set_threaded(bool);	/* hardclock() calls actually made */
uint64_t kenv_ticks(void);		/* ticks elapsed, run or skipped */

/* sysctl by dotted name; host errno values. */
int	kenv_sysctl(const char *, void *, size_t *, const void *, size_t);
int	kenv_sysctl_getint(const char *, int64_t *);
int	kenv_sysctl_setint(const char *, int64_t);
int	kenv_sysctl_getstr(const char *, char *, size_t);
int	kenv_sysctl_setstr(const char *, const char *);
void	kenv_set_privileged(bool);	/* default true */
/* kpause(9) calls: how often kernel code waited (tc_detach()). */
unsigned kenv_kpauses(void);
/*
 * Deny a kauth(9) system action (KAUTH_SYSTEM_*, NetBSD's numbers) even
 * to the privileged caller.
 */
#define KENV_KAUTH_SYSTEM_TIME	14	/* <sys/kauth.h>'s KAUTH_SYSTEM_TIME */
void	kenv_kauth_deny(int, bool);
/* The process system calls run as (for adjtime1() and the like). */
struct proc *kenv_curproc(void);

/*
 * System calls: adjtime(2), clock_settime(2) (CLOCK_REALTIME) and
 * ntp_adjtime(2), with their privilege checks, on the environment's
 * kern_time.c and kern_ntptime.c.  kenv_adjtime() and kenv_settime()
 * return an errno value, kenv_ntp_adjtime() the clock state (TIME_*)
 * or minus an errno value.  struct kenv_timex has the layout of the
 * kernel's struct timex; the MOD_* and STA_* values are the NTP API's.
 */
struct kenv_timex {
	unsigned int	modes;
	long		offset;
	long		freq;
	long		maxerror;
	long		esterror;
	int		status;
	long		constant;
	long		precision;
	long		tolerance;
	long		ppsfreq;
	long		jitter;
	int		shift;
	long		stabil;
	long		jitcnt;
	long		calcnt;
	long		errcnt;
	long		stbcnt;
};
int	kenv_adjtime(const struct timeval *, struct timeval *);
int	kenv_settime(const struct timespec *);
int	kenv_ntp_adjtime(struct kenv_timex *);
uint64_t kenv_adjtime_count(void);	/* adjtime1() calls with a delta */
uint64_t kenv_ntp_seconds(void);	/* ntp_update_second() calls */
/* hardpps() calls so far, and the last one's arguments. */
uint64_t kenv_hardpps(struct timespec *, long *);

/*
 * A PPS source, as a serial port's DCD line (com(4)): it registers
 * with pps_init(), takes PPS_IOC_* requests, and an edge is captured
 * and recorded (pps_capture(), pps_event()) when the harness says so.
 */
struct kenv_pps;
struct kenv_ppsinfo {
	uint32_t	assert_seq;		/* assert events */
	uint32_t	clear_seq;		/* clear events */
	struct timespec	assert_ts;		/* the last one's time */
	struct timespec	clear_ts;
	int		mode;			/* current mode */
};
struct kenv_pps *kenv_pps_create(int);	/* PPS_CAPTURE* capabilities */
void	kenv_pps_destroy(struct kenv_pps *);
/* The ioctls, through pps_ioctl(); errno values (EPASSTHROUGH, -4). */
int	kenv_pps_getcap(struct kenv_pps *, int *);
int	kenv_pps_setparams(struct kenv_pps *, int, const struct timespec *,
	    const struct timespec *);
int	kenv_pps_getparams(struct kenv_pps *, int *, int *);
int	kenv_pps_fetch(struct kenv_pps *, struct kenv_ppsinfo *);
int	kenv_pps_kcbind(struct kenv_pps *, int);
int	kenv_pps_unknown_ioctl(struct kenv_pps *);
void	kenv_pps_edge(struct kenv_pps *, int);	/* PPS_CAPTURE{ASSERT,CLEAR} */
/* The same with a reference time stamp (pps_ref_event()). */
void	kenv_pps_ref_edge(struct kenv_pps *, int, const struct timespec *,
	    int);

#ifndef _KERNEL
/* The kauth(9) actions harnesses deny, as <sys/kauth.h>. */
#define KAUTH_SYSTEM_TIME	KENV_KAUTH_SYSTEM_TIME

/* RFC 2783 mode bits and pps_ref_event() modes, as <sys/timepps.h>. */
#define PPS_CAPTUREASSERT	0x01
#define PPS_CAPTURECLEAR	0x02
#define PPS_CAPTUREBOTH		0x03
#define PPS_OFFSETASSERT	0x10
#define PPS_OFFSETCLEAR		0x20
#define PPS_TSFMT_TSPEC		0x1000
#define PPS_REFEVNT_CAPTURE	0x01
#define PPS_REFEVNT_CURRENT	0x02
#define PPS_REFEVNT_CAPCUR	0x04
#define PPS_REFEVNT_PPS		0x10
#endif

/*
 * Console and log(9) output.  Lines are kept in a ring for tests to
 * search, echoed to stderr when echo is on, and handed to the hook.
 */
typedef void (*kenv_log_fn)(void *, int, const char *);
void	kenv_log_set_hook(kenv_log_fn, void *);
void	kenv_log_set_echo(bool);
unsigned kenv_log_count(const char *);
unsigned kenv_log_lines(void);
void	kenv_log_clear(void);

/* Power-switch events sent by drivers (sysmon_pswitch_event). */
unsigned kenv_pswitch_count(int);

/* Devices for attach routines. */
struct device;
struct device *kenv_device_create(const char *, int, void *);
void	kenv_device_destroy(struct device *);

#ifndef _KERNEL
/*
 * The kernel routines a harness calls directly.  struct timespec and
 * struct timeval are the C library's; the layouts are the kernel's.
 * Their error numbers are the kernel's (kenv_host_errno()).
 */
struct bintime {
	time_t		sec;
	uint64_t	frac;
};
struct proc;
struct timecounter;
void	binuptime(struct bintime *);
void	bintime(struct bintime *);
void	nanotime(struct timespec *);
void	nanouptime(struct timespec *);
void	microtime(struct timeval *);
void	microuptime(struct timeval *);
void	getnanotime(struct timespec *);
void	getnanouptime(struct timespec *);
void	getbinuptime(struct bintime *);
void	getnanoboottime(struct timespec *);
void	getbinboottime(struct bintime *);
void	getbintime(struct bintime *);
void	getmicrotime(struct timeval *);
void	getmicrouptime(struct timeval *);
void	getmicroboottime(struct timeval *);
void	tc_setclock(const struct timespec *);
int	tc_adjtime(int64_t *, int64_t *);
int	tc_adjfreq(int64_t *, int64_t *);
uint64_t tc_getfrequency(void);
int	tc_detach(struct timecounter *);
unsigned tc_hardware_generation(void);
extern struct timecounter *timecounter;
void	adjtime1(const struct timeval *, struct timeval *, struct proc *);
void	tc_ticktock(void);
extern volatile time_t	time_second;
extern volatile time_t	time_uptime;
#endif

#endif /* _KENV_H_ */
