/*
 * Userland kernel environment: <sys/cdefs.h>.
 * The subset of NetBSD's compiler glue the project's kernel code uses.
 */
#ifndef _SYS_CDEFS_H_
#define _SYS_CDEFS_H_

#define __KERNEL_RCSID(n, s)	/* nothing */
#define __printflike(f, a)	__attribute__((__format__(__printf__, f, a)))
#define __unused		__attribute__((__unused__))
#define __used			__attribute__((__used__))
#define __diagused		__attribute__((__unused__))
#define __dead			__attribute__((__noreturn__))
#define __packed		__attribute__((__packed__))
#define __aligned(x)		__attribute__((__aligned__(x)))
#define __cacheline_aligned	__aligned(64)
#define __predict_true(e)	__builtin_expect(!!(e), 1)
#define __predict_false(e)	__builtin_expect(!!(e), 0)
#define __arraycount(a)		(sizeof(a) / sizeof((a)[0]))
#define __UNCONST(a)		((void *)(unsigned long)(const void *)(a))
#define __UNVOLATILE(a)		((void *)(unsigned long)(volatile void *)(a))
#define __CTASSERT(x)		_Static_assert((x), #x)
#define __BIT(n)		(1ULL << (n))
#define __BITS(m, n)		((__BIT((m) > (n) ? (m) : (n)) << 1) - \
				    __BIT((m) > (n) ? (n) : (m)))
#define __STRING(x)		#x
#define __insn_barrier()	__asm __volatile("" ::: "memory")
#define __BEGIN_DECLS
#define __END_DECLS

#endif /* _SYS_CDEFS_H_ */
