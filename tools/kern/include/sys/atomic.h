/*
 * Userland kernel environment: <sys/atomic.h>, on the compiler
 * builtins.  The operations NetBSD declares as functions are
 * functions here too (inline), with NetBSD's prototypes; the loads and
 * stores of atomic_loadstore(9) are macros, as in NetBSD.
 */
#ifndef _SYS_ATOMIC_H_
#define _SYS_ATOMIC_H_

#include <sys/types.h>

#define atomic_load_relaxed(p)	__atomic_load_n((p), __ATOMIC_RELAXED)
#define atomic_load_acquire(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define atomic_load_consume(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define atomic_store_relaxed(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define atomic_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)

/*
 * The increments imply no ordering, as atomic_ops(3) says: what needs
 * one uses membar_*().  The swap is sequentially consistent, as x86's
 * xchg is.
 */
static __inline void
atomic_inc_uint(volatile unsigned int *p)
{
	(void)__atomic_add_fetch(p, 1, __ATOMIC_RELAXED);
}

static __inline unsigned int
atomic_inc_uint_nv(volatile unsigned int *p)
{
	return __atomic_add_fetch(p, 1, __ATOMIC_RELAXED);
}

static __inline void
atomic_inc_64(volatile uint64_t *p)
{
	(void)__atomic_add_fetch(p, 1, __ATOMIC_RELAXED);
}

static __inline uint64_t
atomic_inc_64_nv(volatile uint64_t *p)
{
	return __atomic_add_fetch(p, 1, __ATOMIC_RELAXED);
}

static __inline void
atomic_add_64(volatile uint64_t *p, int64_t v)
{
	(void)__atomic_add_fetch(p, (uint64_t)v, __ATOMIC_RELAXED);
}

static __inline unsigned int
atomic_swap_uint(volatile unsigned int *p, unsigned int v)
{
	return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST);
}

static __inline void
membar_enter(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static __inline void
membar_exit(void)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static __inline void
membar_producer(void)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static __inline void
membar_consumer(void)
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
}

static __inline void
membar_sync(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

#endif /* _SYS_ATOMIC_H_ */
