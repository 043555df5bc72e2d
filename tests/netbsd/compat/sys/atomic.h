/*
 * Compatibility for building the project's sys/ against an older
 * NetBSD tree: <sys/atomic.h> plus the load/store primitives NetBSD
 * gained in 2019 (atomic_load_relaxed() and friends), when the tree has
 * none.  Put this directory ahead of the tree's sys/ on the include
 * path; it includes the tree's own header first.
 *
 * As in NetBSD, an atomic load or store of an object wider than the
 * machine does natively (64 bits on i386) does not compile.
 */
#ifndef _NBCOMPAT_SYS_ATOMIC_H_
#define _NBCOMPAT_SYS_ATOMIC_H_

#include_next <sys/atomic.h>

#ifndef atomic_load_relaxed

#if defined(__HAVE_ATOMIC64_LOADSTORE) || defined(__x86_64__) || \
    defined(_LP64)
#define __NBCOMPAT_ATOMIC_SIZE_MAX	8
#else
#define __NBCOMPAT_ATOMIC_SIZE_MAX	4
#endif

/* Fails to compile if *p is too wide for one atomic access. */
#define __NBCOMPAT_ATOMIC_CHECK(p)					\
	((void)sizeof(char[sizeof(*(p)) <= __NBCOMPAT_ATOMIC_SIZE_MAX ?	\
	    1 : -1]))

#define atomic_load_relaxed(p)						\
	(__NBCOMPAT_ATOMIC_CHECK(p),					\
	    __atomic_load_n((p), __ATOMIC_RELAXED))
#define atomic_load_acquire(p)						\
	(__NBCOMPAT_ATOMIC_CHECK(p),					\
	    __atomic_load_n((p), __ATOMIC_ACQUIRE))
/* Dependent loads are ordered on every port this tree runs on. */
#define atomic_load_consume(p)						\
	(__NBCOMPAT_ATOMIC_CHECK(p),					\
	    __atomic_load_n((p), __ATOMIC_CONSUME))
#define atomic_store_relaxed(p, v)					\
	(__NBCOMPAT_ATOMIC_CHECK(p),					\
	    __atomic_store_n((p), (v), __ATOMIC_RELAXED))
#define atomic_store_release(p, v)					\
	(__NBCOMPAT_ATOMIC_CHECK(p),					\
	    __atomic_store_n((p), (v), __ATOMIC_RELEASE))

#endif /* !atomic_load_relaxed */

#endif /* _NBCOMPAT_SYS_ATOMIC_H_ */
