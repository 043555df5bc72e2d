/*
 * printf(9), log(9), aprint(9) and panic(9) for the userland kernel
 * environment.  Output is cut into lines; each complete line goes to a
 * ring that tests search, to stderr when echo is on, and to the hook.
 */

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/device.h>
#include <sys/stdarg.h>
#include <sys/syslog.h>

#include "kenv.h"
#include "kenv_impl.h"
#include "host/kenv_host.h"

#define LOG_RING_LINES	1024
#define LOG_LINE_MAX	256

static char	log_ring[LOG_RING_LINES][LOG_LINE_MAX];
static unsigned	log_nlines;		/* lines since the last clear */
static char	log_partial[LOG_LINE_MAX];	/* printf without newline */
static size_t	log_partial_len;
static bool	log_echo;
static kenv_log_fn log_hook;
static void	*log_hook_arg;

void
kenv_log_line(int pri, const char *line)
{
	strlcpy(log_ring[log_nlines % LOG_RING_LINES], line, LOG_LINE_MAX);
	log_nlines++;
	if (log_echo) {
		kenvh_stderr(line, strlen(line));
		kenvh_stderr("\n", 1);
	}
	if (log_hook != NULL)
		(*log_hook)(log_hook_arg, pri, line);
}

static void
kenv_emit(int pri, const char *fmt, va_list ap)
{
	char buf[1024];
	const char *p, *nl;
	size_t n;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	for (p = buf; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		n = MIN(n, sizeof(log_partial) - 1 - log_partial_len);
		memcpy(log_partial + log_partial_len, p, n);
		log_partial_len += n;
		log_partial[log_partial_len] = '\0';
		if (nl == NULL)
			break;
		kenv_log_line(pri, log_partial);
		log_partial_len = 0;
		log_partial[0] = '\0';
	}
}

void
vprintf(const char *fmt, va_list ap)
{
	kenv_emit(LOG_INFO, fmt, ap);
}

void
printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kenv_emit(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
vlog(int pri, const char *fmt, va_list ap)
{
	kenv_emit(pri, fmt, ap);
}

void
log(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kenv_emit(pri, fmt, ap);
	va_end(ap);
}

#define APRINT(name, pri)						\
void									\
name(const char *fmt, ...)						\
{									\
	va_list ap;							\
									\
	va_start(ap, fmt);						\
	kenv_emit(pri, fmt, ap);					\
	va_end(ap);							\
}
APRINT(aprint_normal, LOG_INFO)
APRINT(aprint_naive, LOG_DEBUG)
APRINT(aprint_verbose, LOG_INFO)
APRINT(aprint_debug, LOG_DEBUG)
APRINT(aprint_error, LOG_ERR)

static void
kenv_emit_dev(int pri, device_t dev, const char *fmt, va_list ap)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "%s: %s", device_xname(dev), fmt);
	kenv_emit(pri, buf, ap);
}

#define APRINT_DEV(name, pri)						\
void									\
name(device_t dev, const char *fmt, ...)				\
{									\
	va_list ap;							\
									\
	va_start(ap, fmt);						\
	kenv_emit_dev(pri, dev, fmt, ap);				\
	va_end(ap);							\
}
APRINT_DEV(aprint_normal_dev, LOG_INFO)
APRINT_DEV(aprint_verbose_dev, LOG_INFO)
APRINT_DEV(aprint_debug_dev, LOG_DEBUG)
APRINT_DEV(aprint_error_dev, LOG_ERR)
APRINT_DEV(device_printf, LOG_INFO)

void
panic(const char *fmt, ...)
{
	va_list ap;

	log_echo = true;
	va_start(ap, fmt);
	kenv_emit(LOG_EMERG, "panic: ", ap);
	kenv_emit(LOG_EMERG, fmt, ap);
	va_end(ap);
	kenvh_stderr("\n", 1);
	kenvh_abort();
}

void
kern_assert(const char *expr, const char *file, int line, const char *func)
{
	panic("kernel diagnostic assertion \"%s\" failed: file \"%s\", "
	    "line %d, function \"%s\"", expr, file, line, func);
}

void
kenv_log_set_hook(kenv_log_fn fn, void *arg)
{
	log_hook = fn;
	log_hook_arg = arg;
}

void
kenv_log_set_echo(bool on)
{
	log_echo = on;
}

unsigned
kenv_log_count(const char *substr)
{
	unsigned i, n, first, count = 0;
	size_t len = strlen(substr);
	const char *line;

	n = MIN(log_nlines, LOG_RING_LINES);
	first = log_nlines - n;
	for (i = first; i < log_nlines; i++) {
		line = log_ring[i % LOG_RING_LINES];
		for (; *line != '\0'; line++) {
			if (strncmp(line, substr, len) == 0) {
				count++;
				break;
			}
		}
	}
	return count;
}

unsigned
kenv_log_lines(void)
{
	return log_nlines;
}

void
kenv_log_clear(void)
{
	log_nlines = 0;
}
