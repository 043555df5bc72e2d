/*
 * Userland kernel environment: <lib/libkern/libkern.h>.
 * Assertions and the string and memory routines.  The routines have the
 * C library's semantics and are the C library's at link time.
 */
#ifndef _LIB_LIBKERN_LIBKERN_H_
#define _LIB_LIBKERN_LIBKERN_H_

#include <sys/types.h>

void	kern_assert(const char *, const char *, int, const char *) __dead;

/* The environment always runs with DIAGNOSTIC. */
#define KASSERT(e)							\
	(__predict_true(e) ? (void)0 :					\
	    kern_assert(#e, __FILE__, __LINE__, __func__))
#define KASSERTMSG(e, msg, ...)	KASSERT(e)
#define KDASSERT(e)		KASSERT(e)
#define CTASSERT(x)		__CTASSERT(x)

void	*memcpy(void *, const void *, size_t);
void	*memmove(void *, const void *, size_t);
void	*memset(void *, int, size_t);
int	memcmp(const void *, const void *, size_t);
void	*memchr(const void *, int, size_t);
size_t	strlen(const char *);
size_t	strnlen(const char *, size_t);
int	strcmp(const char *, const char *);
int	strncmp(const char *, const char *, size_t);
char	*strchr(const char *, int);
char	*strrchr(const char *, int);
size_t	strlcpy(char *, const char *, size_t);
size_t	strlcat(char *, const char *, size_t);
long long strtoll(const char *, char **, int);
unsigned long long strtoull(const char *, char **, int);

static __inline int
imin(int a, int b)
{
	return a < b ? a : b;
}

static __inline int
imax(int a, int b)
{
	return a > b ? a : b;
}

static __inline unsigned int
uimin(unsigned int a, unsigned int b)
{
	return a < b ? a : b;
}

static __inline unsigned int
uimax(unsigned int a, unsigned int b)
{
	return a > b ? a : b;
}

#endif /* _LIB_LIBKERN_LIBKERN_H_ */
