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

/* Boot: hz (0 means 100), then the SYSCTL_SETUP functions run. */
void	kenv_boot(int);

/*
 * Hardware counters.  A counter has a nominal frequency (what the
 * kernel is told) and a true rate that differs by ppm, settable at any
 * time; it wraps at 2^bits.  Creating one registers it with tc_init().
 * Returns an id >= 0.
 */
int	kenv_counter_create(const char *, uint64_t, unsigned, int, double);
void	kenv_counter_set_ppm(int, double);
double	kenv_counter_ppm(int);
uint64_t kenv_counter_read(int);
uint64_t kenv_counter_raw(int);		/* unmasked, never wraps */

/* Virtual time. */
int64_t	kenv_now(void);
void	kenv_run_until(int64_t);	/* run hardclock and callouts */
void	kenv_run_for(int64_t);
void	kenv_delay(int64_t);		/* time passes inside kernel code */
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

/* sysctl by dotted name, with the kernel's errno values. */
int	kenv_sysctl(const char *, void *, size_t *, const void *, size_t);
int	kenv_sysctl_getint(const char *, int64_t *);
int	kenv_sysctl_setint(const char *, int64_t);
int	kenv_sysctl_getstr(const char *, char *, size_t);
int	kenv_sysctl_setstr(const char *, const char *);
void	kenv_set_privileged(bool);	/* default true */
/* Deny a kauth(9) system action even to the privileged caller. */
void	kenv_kauth_deny(int, bool);
/* The process system calls run as (for adjtime1() and the like). */
struct proc *kenv_curproc(void);

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
 */
struct bintime {
	time_t		sec;
	uint64_t	frac;
};
struct proc;
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
void	tc_setclock(const struct timespec *);
int	tc_adjtime(int64_t *, int64_t *);
int	tc_adjfreq(int64_t *, int64_t *);
int	adjtime1(const struct timeval *, struct timeval *, struct proc *);
void	tc_ticktock(void);
extern volatile time_t	time_second;
extern volatile time_t	time_uptime;
#endif

#endif /* _KENV_H_ */
