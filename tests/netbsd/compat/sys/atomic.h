/*
 * The NetBSD tier's compat <sys/atomic.h>: NetBSD's own, plus the
 * relaxed/acquire/release loads and stores that NetBSD 9.99 added
 * (atomic_loadstore(9)), for source trees that predate them.  Only
 * the compile step of the tier sees this file; sys/ never does.
 *
 * As in NetBSD, an object wider than the machine's atomic load/store
 * (8 bytes on _LP64, 4 otherwise) fails to compile: 64-bit loads on
 * i386 are not atomic_load_relaxed()'s to make.
 */
#include_next <sys/atomic.h>

#if defined(_KERNEL) && !defined(atomic_load_relaxed)
#define _TIER_COMPAT_ATOMIC_LOADSTORE	1

#ifdef _LP64
#define __HAVE_ATOMIC64_LOADSTORE	1
#define __ATOMIC_SIZE_MAX		8
#else
#define __ATOMIC_SIZE_MAX		4
#endif

/* Reject what NetBSD rejects: too wide, or misaligned. */
#define __tier_atomic_check(p) do {					\
	_Static_assert(sizeof(*(p)) <= __ATOMIC_SIZE_MAX,		\
	    "atomic load/store wider than __ATOMIC_SIZE_MAX");		\
	KASSERT(((uintptr_t)(p) & (sizeof(*(p)) - 1)) == 0);		\
} while (/*CONSTCOND*/0)

#define __tier_atomic_load(p, order) ({					\
	const volatile __typeof__(*(p)) *__tal_p = (p);			\
	__tier_atomic_check(__tal_p);					\
	__atomic_load_n(__tal_p, (order));				\
})
#define __tier_atomic_store(p, v, order) do {				\
	volatile __typeof__(*(p)) *__tas_p = (p);			\
	__typeof__(*(p)) __tas_v = (v);					\
	__tier_atomic_check(__tas_p);					\
	__atomic_store_n(__tas_p, __tas_v, (order));			\
} while (/*CONSTCOND*/0)

#define atomic_load_relaxed(p)	__tier_atomic_load((p), __ATOMIC_RELAXED)
#define atomic_load_consume(p)	__tier_atomic_load((p), __ATOMIC_CONSUME)
#define atomic_load_acquire(p)	__tier_atomic_load((p), __ATOMIC_ACQUIRE)
#define atomic_store_relaxed(p, v) \
	__tier_atomic_store((p), (v), __ATOMIC_RELAXED)
#define atomic_store_release(p, v) \
	__tier_atomic_store((p), (v), __ATOMIC_RELEASE)

#endif /* _KERNEL && !atomic_load_relaxed */
