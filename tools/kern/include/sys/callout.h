/*
 * Userland kernel environment: <sys/callout.h>.
 * callout(9) driven by the environment's hardclock on virtual time.
 */
#ifndef _SYS_CALLOUT_H_
#define _SYS_CALLOUT_H_

#include <sys/types.h>

typedef struct callout {
	void		(*c_func)(void *);	/* handler */
	void		*c_arg;			/* its argument */
	struct callout	*c_next;		/* on the pending list */
	uint64_t	c_due;			/* absolute tick when due */
	uint64_t	c_seq;			/* FIFO order among equals */
	u_int		c_flags;		/* CALLOUT_* */
	uint32_t	c_magic;		/* CALLOUT_MAGIC once initialised */
} callout_t;

#define CALLOUT_MPSAFE		0x0100	/* handler takes its own locks */
#define CALLOUT_PENDING		0x0002	/* on the pending list */
#define CALLOUT_FIRED		0x0004	/* has fired since last schedule */
#define CALLOUT_INVOKING	0x0008	/* handler is running */
#define CALLOUT_MAGIC		0x11deeba1U

void	callout_init(callout_t *, u_int);
void	callout_destroy(callout_t *);
void	callout_setfunc(callout_t *, void (*)(void *), void *);
void	callout_reset(callout_t *, int, void (*)(void *), void *);
void	callout_schedule(callout_t *, int);
bool	callout_stop(callout_t *);
bool	callout_halt(callout_t *, void *);	/* a kmutex_t * */
bool	callout_pending(callout_t *);
bool	callout_expired(callout_t *);
bool	callout_active(callout_t *);
bool	callout_invoking(callout_t *);
void	callout_ack(callout_t *);

#endif /* _SYS_CALLOUT_H_ */
