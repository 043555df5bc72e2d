/*
 * The NetBSD tier: the error-checking allocators of NetBSD's libutil
 * (efun(3)) that config(1) uses, for hosts that are not NetBSD.
 */
#ifndef _TIER_UTIL_H_
#define _TIER_UTIL_H_

#include <stddef.h>

void	*emalloc(size_t);
void	*ecalloc(size_t, size_t);
void	*erealloc(void *, size_t);
char	*estrdup(const char *);
int	easprintf(char **, const char *, ...)
	    __attribute__((__format__(__printf__, 2, 3)));

#endif /* _TIER_UTIL_H_ */
