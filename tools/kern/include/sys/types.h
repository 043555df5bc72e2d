/*
 * Userland kernel environment: <sys/types.h>.
 * Built from the compiler's predefined types, so no libc header is needed.
 */
#ifndef _SYS_TYPES_H_
#define _SYS_TYPES_H_

#include <sys/cdefs.h>

typedef __INT8_TYPE__		int8_t;
typedef __INT16_TYPE__		int16_t;
typedef __INT32_TYPE__		int32_t;
typedef __INT64_TYPE__		int64_t;
typedef __UINT8_TYPE__		uint8_t;
typedef __UINT16_TYPE__		uint16_t;
typedef __UINT32_TYPE__		uint32_t;
typedef __UINT64_TYPE__		uint64_t;
typedef __INTPTR_TYPE__		intptr_t;
typedef __UINTPTR_TYPE__	uintptr_t;
typedef __INTMAX_TYPE__		intmax_t;
typedef __UINTMAX_TYPE__	uintmax_t;
typedef uint8_t			u_int8_t;
typedef uint16_t		u_int16_t;
typedef uint32_t		u_int32_t;
typedef uint64_t		u_int64_t;
typedef unsigned char		u_char;
typedef unsigned short		u_short;
typedef unsigned int		u_int;
typedef unsigned long		u_long;
typedef int64_t			quad_t;
typedef uint64_t		u_quad_t;

typedef __SIZE_TYPE__		size_t;
typedef __PTRDIFF_TYPE__	ssize_t;
typedef int64_t			time_t;
typedef int			suseconds_t;
typedef int			clockid_t;
typedef int64_t			off_t;
typedef int32_t			pid_t;
typedef uint32_t		uid_t;
typedef uint32_t		gid_t;
typedef long			register_t;
typedef unsigned long		vaddr_t;
typedef unsigned long		paddr_t;
typedef unsigned long		vsize_t;

typedef struct lwp		lwp_t;

#ifndef __cplusplus
typedef _Bool			bool;
#define true			1
#define false			0
#endif

#ifndef NULL
#define NULL			((void *)0)
#endif

#define offsetof(t, m)		__builtin_offsetof(t, m)

/* As NetBSD's <sys/types.h> does for the kernel. */
#include <sys/stdint.h>

#endif /* _SYS_TYPES_H_ */
