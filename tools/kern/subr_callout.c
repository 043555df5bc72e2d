/*
 * callout(9) for the userland kernel environment.
 *
 * Pending callouts sit on one list sorted by (due tick, schedule
 * order), so equal deadlines fire first-scheduled first and every run
 * is deterministic.  Handlers run from hardclock() on the harness's
 * thread; "MPSAFE" only records that the handler locks for itself.
 */

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/callout.h>
#include <sys/mutex.h>

#include "kenv.h"
#include "kenv_impl.h"

static callout_t	*callout_pending_list;	/* sorted by c_due, c_seq */
static uint64_t		callout_seq;		/* next schedule order */

static void
callout_unlink(callout_t *c)
{
	callout_t **pp;

	for (pp = &callout_pending_list; *pp != NULL; pp = &(*pp)->c_next) {
		if (*pp == c) {
			*pp = c->c_next;
			break;
		}
	}
	c->c_next = NULL;
	c->c_flags &= ~CALLOUT_PENDING;
}

static void
callout_link(callout_t *c)
{
	callout_t **pp;

	for (pp = &callout_pending_list; *pp != NULL; pp = &(*pp)->c_next) {
		if ((*pp)->c_due > c->c_due)
			break;
	}
	c->c_next = *pp;
	*pp = c;
	c->c_flags |= CALLOUT_PENDING;
}

void
callout_init(callout_t *c, u_int flags)
{
	memset(c, 0, sizeof(*c));
	c->c_flags = flags & CALLOUT_MPSAFE;
	c->c_magic = CALLOUT_MAGIC;
}

void
callout_destroy(callout_t *c)
{
	KASSERT(c->c_magic == CALLOUT_MAGIC);
	KASSERT((c->c_flags & CALLOUT_PENDING) == 0);
	KASSERT((c->c_flags & CALLOUT_INVOKING) == 0);
	c->c_magic = 0;
}

void
callout_setfunc(callout_t *c, void (*func)(void *), void *arg)
{
	KASSERT(c->c_magic == CALLOUT_MAGIC);
	c->c_func = func;
	c->c_arg = arg;
}

void
callout_schedule(callout_t *c, int ticks)
{
	KASSERT(c->c_magic == CALLOUT_MAGIC);
	KASSERT(c->c_func != NULL);
	if (c->c_flags & CALLOUT_PENDING)
		callout_unlink(c);
	c->c_due = kenv_ticks() + (uint64_t)(ticks <= 0 ? 1 : ticks);
	c->c_seq = callout_seq++;
	c->c_flags &= ~CALLOUT_FIRED;
	callout_link(c);
}

void
callout_reset(callout_t *c, int ticks, void (*func)(void *), void *arg)
{
	callout_setfunc(c, func, arg);
	callout_schedule(c, ticks);
}

bool
callout_stop(callout_t *c)
{
	bool expired;

	KASSERT(c->c_magic == CALLOUT_MAGIC);
	expired = (c->c_flags & CALLOUT_FIRED) != 0;
	if (c->c_flags & CALLOUT_PENDING)
		callout_unlink(c);
	c->c_flags &= ~CALLOUT_FIRED;
	return expired;
}

bool
callout_halt(callout_t *c, void *interlock)
{
	/*
	 * Handlers run to completion on the harness's thread, so a halt
	 * from anywhere else never finds one running.  A handler halting
	 * itself is allowed, as in NetBSD.
	 */
	(void)interlock;
	return callout_stop(c);
}

bool
callout_pending(callout_t *c)
{
	return (c->c_flags & CALLOUT_PENDING) != 0;
}

bool
callout_expired(callout_t *c)
{
	return (c->c_flags & CALLOUT_FIRED) != 0;
}

bool
callout_active(callout_t *c)
{
	return (c->c_flags & (CALLOUT_PENDING | CALLOUT_FIRED)) != 0;
}

bool
callout_invoking(callout_t *c)
{
	return (c->c_flags & CALLOUT_INVOKING) != 0;
}

void
callout_ack(callout_t *c)
{
	c->c_flags &= ~CALLOUT_INVOKING;
}

/* Run every callout due at or before tick now. */
void
kenv_callout_hardclock(uint64_t now)
{
	callout_t *c;

	while ((c = callout_pending_list) != NULL && c->c_due <= now) {
		callout_unlink(c);
		c->c_flags |= CALLOUT_FIRED | CALLOUT_INVOKING;
		(*c->c_func)(c->c_arg);
		/* The handler may have rescheduled or destroyed it. */
		if (c->c_magic == CALLOUT_MAGIC)
			c->c_flags &= ~CALLOUT_INVOKING;
	}
}

/* Ticks from now until the first pending callout is due; at least 1. */
uint64_t
kenv_callout_ticks_until_due(uint64_t now)
{
	if (callout_pending_list == NULL)
		return UINT64_MAX;
	if (callout_pending_list->c_due <= now + 1)
		return 1;
	return callout_pending_list->c_due - now;
}
