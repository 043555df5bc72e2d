/*
 * The NetBSD tier's stand-in for nbtool_config.h: what config(1) from
 * NETBSDSRCDIR/usr.bin/config needs from a NetBSD host that a glibc
 * host lacks.  Built with -DHAVE_NBTOOL_CONFIG_H=1 -DMAKE_BOOTSTRAP,
 * as NetBSD's own tools/config does; only on hosts that are not NetBSD.
 */
#ifndef _TIER_NBTOOL_CONFIG_H_
#define _TIER_NBTOOL_CONFIG_H_

#include <sys/types.h>
#include <sys/param.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifndef __RCSID
#define __RCSID(s)		struct __tier_rcsid_unused
#endif
#ifndef __COPYRIGHT
#define __COPYRIGHT(s)		struct __tier_copyright_unused
#endif
#ifndef __UNCONST
#define __UNCONST(p)		((void *)(uintptr_t)(const void *)(p))
#endif
#ifndef __arraycount
#define __arraycount(a)		(sizeof(a) / sizeof((a)[0]))
#endif
#ifndef __dead
#define __dead			__attribute__((__noreturn__))
#endif
#ifndef __printflike
#define __printflike(f, a)	__attribute__((__format__(__printf__, f, a)))
#endif
#ifndef __unused
#define __unused		__attribute__((__unused__))
#endif
#ifndef _PATH_DEVNULL
#define _PATH_DEVNULL		"/dev/null"
#endif

/* glibc before 2.38 has no strlcpy; ours is tier_strlcpy. */
size_t	tier_strlcpy(char *, const char *, size_t);
#define strlcpy			tier_strlcpy

const char *tier_getprogname(void);
void	tier_setprogname(const char *);
#define getprogname		tier_getprogname
#define setprogname		tier_setprogname

#endif /* _TIER_NBTOOL_CONFIG_H_ */
