/*
 * The host bridge: the few C library services the kernel side of the
 * environment needs, behind names and types that clash with nothing.
 * Only host/kenv_host.c includes libc headers.
 */
#ifndef _KENV_HOST_H_
#define _KENV_HOST_H_

void		*kenvh_malloc(unsigned long);
void		kenvh_free(void *);
void		kenvh_stderr(const char *, unsigned long);
void		kenvh_abort(void) __attribute__((__noreturn__));
void		*kenvh_lock_create(void);
void		kenvh_lock_destroy(void *);
void		kenvh_lock(void *);
void		kenvh_unlock(void *);
int		kenvh_trylock(void *);
unsigned long	kenvh_thread_id(void);
/* Call fn(arg) when the calling thread exits (once per thread). */
void		kenvh_thread_exit_hook(void (*)(void *), void *);
/* A barrier on every thread of the process, as a cross call is. */
void		kenvh_membarrier(void);
void		kenvh_yield(void);
/*
 * Error numbers by their index in KENV_ERRNOS (kenv_errnos.h): the C
 * library's number of entry i, and the index of a C library number
 * (-1 if it has none).
 */
unsigned	kenvh_errno_count(void);
int		kenvh_errno(unsigned);
int		kenvh_errno_index(int);

#endif /* _KENV_HOST_H_ */
