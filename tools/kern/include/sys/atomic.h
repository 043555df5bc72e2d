/* Userland kernel environment: <sys/atomic.h>, on the compiler builtins. */
#ifndef _SYS_ATOMIC_H_
#define _SYS_ATOMIC_H_

#include <sys/types.h>

#define atomic_load_relaxed(p)	__atomic_load_n((p), __ATOMIC_RELAXED)
#define atomic_load_acquire(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define atomic_load_consume(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define atomic_store_relaxed(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define atomic_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)

#define membar_producer()	__atomic_thread_fence(__ATOMIC_RELEASE)
#define membar_consumer()	__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define membar_sync()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define membar_release()	__atomic_thread_fence(__ATOMIC_RELEASE)
#define membar_acquire()	__atomic_thread_fence(__ATOMIC_ACQUIRE)

#define atomic_inc_uint(p)	((void)__atomic_add_fetch((p), 1, __ATOMIC_RELAXED))
#define atomic_inc_64(p)	((void)__atomic_add_fetch((p), 1, __ATOMIC_RELAXED))
#define atomic_add_64(p, v)	((void)__atomic_add_fetch((p), (v), __ATOMIC_RELAXED))
#define atomic_swap_uint(p, v)	__atomic_exchange_n((p), (v), __ATOMIC_SEQ_CST)
#define atomic_inc_uint_nv(p)	__atomic_add_fetch((p), 1, __ATOMIC_RELAXED)
#define atomic_inc_64_nv(p)	__atomic_add_fetch((p), 1, __ATOMIC_RELAXED)

#endif /* _SYS_ATOMIC_H_ */
