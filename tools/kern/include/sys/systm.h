/*
 * Userland kernel environment: <sys/systm.h>.
 * Console output, logging and panic.  printf(9) and log(9) carry other
 * link names so that they never collide with the C library's printf(3)
 * and log(3) in the same program; the call sites stay NetBSD's.
 */
#ifndef _SYS_SYSTM_H_
#define _SYS_SYSTM_H_

#include <sys/types.h>
#include <sys/stdarg.h>
#include <sys/stdint.h>
#include <lib/libkern/libkern.h>

void	printf(const char *, ...) __asm__("kern_printf") __printflike(1, 2);
void	vprintf(const char *, va_list) __asm__("kern_vprintf")
	    __printflike(1, 0);
void	log(int, const char *, ...) __asm__("kern_log") __printflike(2, 3);
void	vlog(int, const char *, va_list) __asm__("kern_vlog")
	    __printflike(2, 0);
int	snprintf(char *, size_t, const char *, ...) __printflike(3, 4);
int	vsnprintf(char *, size_t, const char *, va_list) __printflike(3, 0);
void	panic(const char *, ...) __dead __printflike(1, 2);

void	aprint_normal(const char *, ...) __printflike(1, 2);
void	aprint_naive(const char *, ...) __printflike(1, 2);
void	aprint_verbose(const char *, ...) __printflike(1, 2);
void	aprint_debug(const char *, ...) __printflike(1, 2);
void	aprint_error(const char *, ...) __printflike(1, 2);

/* The hardclock tick count; wraps, compare differences only. */
int	getticks(void);

int	nullop(void *);

#ifdef PPS_SYNC
struct timespec;
void	hardpps(struct timespec *, long);
#endif

#endif /* _SYS_SYSTM_H_ */
