/*
 * Userland kernel environment: <sys/timepps.h>, the RFC 2783 PPS API
 * with NetBSD's kernel interface (struct pps_state, pps_capture() and
 * friends, implemented by kern_tc.c).  Types, constants and ioctls are
 * NetBSD's.
 */
#ifndef _SYS_TIMEPPS_H_
#define _SYS_TIMEPPS_H_

#include <sys/types.h>
#include <sys/time.h>
#include <sys/ioccom.h>

#define PPS_API_VERS_1	1

typedef int32_t pps_handle_t;		/* a PPS source */
typedef uint32_t pps_seq_t;		/* event sequence number */

typedef union pps_timeu {
	struct timespec	tspec;
	struct {				/* NTP long fixed point */
		unsigned int	integral;
		unsigned int	fractional;
	} ntplfp;
	unsigned long	longpair[2];
} pps_timeu_t;

typedef struct {
	pps_seq_t	assert_sequence;	/* assert event number */
	pps_seq_t	clear_sequence;		/* clear event number */
	pps_timeu_t	assert_tu;
	pps_timeu_t	clear_tu;
	int		current_mode;		/* PPS_* mode bits */
} pps_info_t;
#define assert_timestamp	assert_tu.tspec
#define clear_timestamp		clear_tu.tspec

typedef struct {
	int		api_version;		/* PPS_API_VERS_1 */
	int		mode;			/* PPS_* mode bits */
	pps_timeu_t	assert_off_tu;
	pps_timeu_t	clear_off_tu;
} pps_params_t;
#define assert_offset		assert_off_tu.tspec
#define clear_offset		clear_off_tu.tspec

/* Mode bits. */
#define PPS_CAPTUREASSERT	0x01
#define PPS_CAPTURECLEAR	0x02
#define PPS_CAPTUREBOTH		0x03
#define PPS_OFFSETASSERT	0x10
#define PPS_OFFSETCLEAR		0x20
#define PPS_CANWAIT		0x100
#define PPS_CANPOLL		0x200
#define PPS_ECHOASSERT		0x40
#define PPS_ECHOCLEAR		0x80
#define PPS_TSFMT_TSPEC		0x1000
#define PPS_TSFMT_NTPLFP	0x2000

/* Kernel consumers for PPS_IOC_KCBIND. */
#define PPS_KC_HARDPPS		0
#define PPS_KC_HARDPPS_PLL	1
#define PPS_KC_HARDPPS_FLL	2

#define PPS_IOC_CREATE		_IO('1', 1)
#define PPS_IOC_DESTROY		_IO('1', 2)
#define PPS_IOC_SETPARAMS	_IOW('1', 3, pps_params_t)
#define PPS_IOC_GETPARAMS	_IOR('1', 4, pps_params_t)
#define PPS_IOC_GETCAP		_IOR('1', 5, int)
#define PPS_IOC_FETCH		_IOWR('1', 6, pps_info_t)
#define PPS_IOC_KCBIND		_IOW('1', 7, int)

#ifdef _KERNEL
#include <sys/mutex.h>

/* pps_ref_event(): which counter value stands for the event. */
#define PPS_REFEVNT_CAPTURE	0x01	/* the pps_capture() one */
#define PPS_REFEVNT_CURRENT	0x02	/* the one now */
#define PPS_REFEVNT_CAPCUR	0x04	/* half-way between */
#define PPS_REFEVNT_RMASK	0x0F
#define PPS_REFEVNT_PPS		0x10	/* the event is on the second */

extern kmutex_t timecounter_lock;

struct timehands;
struct timecounter;

struct pps_state {
	/* The capture. */
	struct timehands *capth;
	unsigned	capgen;
	u_int64_t	capcount;
	struct bintime	ref_time;

	/* State. */
	pps_params_t	ppsparam;
	pps_info_t	ppsinfo;
	int		kcmode;
	int		ppscap;
	struct timecounter *ppstc;
	u_int64_t	ppscount[3];
};

void	pps_capture(struct pps_state *);
void	pps_event(struct pps_state *, int);
void	pps_ref_event(struct pps_state *, int, struct bintime *, int);
void	pps_init(struct pps_state *);
int	pps_ioctl(unsigned long, void *, struct pps_state *);
#endif /* _KERNEL */

#endif /* _SYS_TIMEPPS_H_ */
