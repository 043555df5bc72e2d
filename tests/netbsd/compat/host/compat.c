/*
 * The NetBSD tier: the NetBSD libc and libutil functions config(1)
 * needs, written for glibc hosts.  Each does what NetBSD's manual page
 * says; errors end the program as efun(3)'s do.
 */
#include <err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nbtool_config.h"
#include "util.h"
#include "vis.h"

static const char *tier_progname = "config";

const char *
tier_getprogname(void)
{
	return tier_progname;
}

void
tier_setprogname(const char *argv0)
{
	const char *p = strrchr(argv0, '/');

	tier_progname = p != NULL ? p + 1 : argv0;
}

size_t
tier_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

void *
emalloc(size_t n)
{
	void *p = malloc(n == 0 ? 1 : n);

	if (p == NULL)
		err(EXIT_FAILURE, "Cannot allocate %zu bytes", n);
	return p;
}

void *
ecalloc(size_t n, size_t size)
{
	void *p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size);

	if (p == NULL)
		err(EXIT_FAILURE, "Cannot allocate %zu blocks of %zu bytes",
		    n, size);
	return p;
}

void *
erealloc(void *old, size_t n)
{
	void *p = realloc(old, n == 0 ? 1 : n);

	if (p == NULL)
		err(EXIT_FAILURE, "Cannot re-allocate %zu bytes", n);
	return p;
}

char *
estrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		err(EXIT_FAILURE, "Cannot copy string");
	return p;
}

int
easprintf(char **ret, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(ret, fmt, ap);
	va_end(ap);
	if (n < 0)
		err(EXIT_FAILURE, "Cannot format string");
	return n;
}

/*
 * vis(3) without VIS_CSTYLE: printable characters, space and newline
 * as they are (and tab unless VIS_TAB); "\\" doubled; other control
 * characters as \^X, DEL as \^?, bytes above 0x7f as \M- and the
 * encoding of their low seven bits.
 */
int
strvis(char *dst, const char *src, int flags)
{
	char *d = dst;
	unsigned char c;

	for (; (c = (unsigned char)*src) != '\0'; src++) {
		if (c > 0x7f) {
			*d++ = '\\';
			*d++ = 'M';
			*d++ = '-';
			c &= 0x7f;
			if (c >= ' ' && c < 0x7f) {
				*d++ = (char)c;
				continue;
			}
			*d++ = '^';
			*d++ = c == 0x7f ? '?' : (char)(c + '@');
			continue;
		}
		if (c == '\\') {
			*d++ = '\\';
			*d++ = '\\';
		} else if ((c >= ' ' && c < 0x7f) || c == '\n' ||
		    (c == '\t' && (flags & VIS_TAB) == 0))
			*d++ = (char)c;
		else {
			*d++ = '\\';
			*d++ = '^';
			*d++ = c == 0x7f ? '?' : (char)(c + '@');
		}
	}
	*d = '\0';
	return (int)(d - dst);
}

/* The inverse of strvis() above; -1 on an encoding it never produces. */
int
strunvis(char *dst, const char *src)
{
	char *d = dst;
	int meta;

	while (*src != '\0') {
		if (*src != '\\') {
			*d++ = *src++;
			continue;
		}
		src++;
		meta = 0;
		if (src[0] == 'M' && src[1] == '-') {
			meta = 0x80;
			src += 2;
		} else if (src[0] == '\\') {
			*d++ = '\\';
			src++;
			continue;
		}
		if (src[0] == '^' && src[1] != '\0') {
			*d++ = (char)(meta | (src[1] == '?' ? 0x7f :
			    ((unsigned char)src[1] - '@') & 0x7f));
			src += 2;
		} else if (meta && src[0] != '\0')
			*d++ = (char)(meta | (unsigned char)*src++);
		else
			return -1;
	}
	*d = '\0';
	return (int)(d - dst);
}
