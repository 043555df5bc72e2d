/*
 * Userland kernel environment: <sys/timex.h>, the NTP kernel interface
 * (RFC 1589 / NTP API 4): struct timex, the mode and status bits, and
 * the kernel entry points of the environment's kern_ntptime.c, with
 * NetBSD's names, values and prototypes.
 */
#ifndef _SYS_TIMEX_H_
#define _SYS_TIMEX_H_

#include <sys/types.h>
#include <sys/time.h>

#define NTP_API		4

#define MAXPHASE	500000000L	/* max phase error, ns */
#define MAXFREQ		500000L		/* max frequency error, ns/s */
#define MINSEC		256		/* min FLL update interval, s */
#define MAXSEC		2048		/* max PLL update interval, s */
#define NANOSECOND	1000000000L
#define SCALE_PPM	(65536 / 1000)	/* ns/s to scaled ppm, crudely */
#define MAXTC		10		/* max time constant */

/* struct timex modes: what ntp_adjtime() sets. */
#define MOD_OFFSET	0x0001
#define MOD_FREQUENCY	0x0002
#define MOD_MAXERROR	0x0004
#define MOD_ESTERROR	0x0008
#define MOD_STATUS	0x0010
#define MOD_TIMECONST	0x0020
#define MOD_PPSMAX	0x0040
#define MOD_TAI		0x0080
#define MOD_MICRO	0x1000
#define MOD_NANO	0x2000
#define MOD_CLKB	0x4000
#define MOD_CLKA	0x8000

/* Status bits. */
#define STA_PLL		0x0001	/* PLL updates enabled */
#define STA_PPSFREQ	0x0002	/* PPS frequency discipline */
#define STA_PPSTIME	0x0004	/* PPS time discipline */
#define STA_FLL		0x0008	/* FLL mode */
#define STA_INS		0x0010	/* insert a leap second */
#define STA_DEL		0x0020	/* delete a leap second */
#define STA_UNSYNC	0x0040	/* clock unsynchronised */
#define STA_FREQHOLD	0x0080	/* hold the frequency */
#define STA_PPSSIGNAL	0x0100	/* (ro) PPS signal present */
#define STA_PPSJITTER	0x0200	/* (ro) PPS jitter exceeded */
#define STA_PPSWANDER	0x0400	/* (ro) PPS wander exceeded */
#define STA_PPSERROR	0x0800	/* (ro) PPS calibration error */
#define STA_CLOCKERR	0x1000	/* (ro) clock hardware fault */
#define STA_NANO	0x2000	/* (ro) resolution: 1 ns, 0 us */
#define STA_MODE	0x4000	/* (ro) mode: 1 FLL, 0 PLL */
#define STA_CLK		0x8000	/* (ro) clock source: 1 B, 0 A */
#define STA_RONLY	(STA_PPSSIGNAL | STA_PPSJITTER | STA_PPSWANDER | \
	STA_PPSERROR | STA_CLOCKERR | STA_NANO | STA_MODE | STA_CLK)

/* Clock states, returned by ntp_adjtime(). */
#define TIME_OK		0
#define TIME_INS	1
#define TIME_DEL	2
#define TIME_OOP	3
#define TIME_WAIT	4
#define TIME_ERROR	5

struct ntptimeval {
	struct timespec	time;		/* now */
	long		maxerror;	/* us */
	long		esterror;	/* us */
	long		tai;		/* TAI - UTC, s */
	int		time_state;	/* TIME_* */
};

struct timex {
	unsigned int	modes;		/* MOD_* to set */
	long		offset;		/* ns or us */
	long		freq;		/* scaled ppm (ppm << 16) */
	long		maxerror;	/* us */
	long		esterror;	/* us */
	int		status;		/* STA_* */
	long		constant;	/* PLL time constant (log2 s) */
	long		precision;	/* ns or us */
	long		tolerance;	/* scaled ppm */
	long		ppsfreq;	/* scaled ppm */
	long		jitter;		/* ns or us */
	int		shift;		/* PPS interval, log2 s */
	long		stabil;		/* scaled ppm */
	long		jitcnt;
	long		calcnt;
	long		errcnt;
	long		stbcnt;
};

#ifdef _KERNEL
#include <sys/mutex.h>

void	ntp_update_second(int64_t *, time_t *);
void	ntp_adjtime1(struct timex *);
void	ntp_gettime(struct ntptimeval *);
int	ntp_timestatus(void);

extern kmutex_t timecounter_lock;
#endif

#endif /* _SYS_TIMEX_H_ */
