/*
 * Host side of the NetBSD tier's rump test programs; see h_rump.h.
 */
#include <sys/types.h>

#include <stdint.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "h_rump.h"

struct rumptest_abi h_abi;
const char *h_prog = "h_rump";

void
h_fail(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", h_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

void
h_report(const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

int64_t
h_host_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * H_S + ts.tv_nsec;
}

int64_t
h_host_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * H_S + ts.tv_nsec;
}

void
h_sleep(int64_t ns)
{
	struct timespec ts = { ns / H_S, ns % H_S };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		continue;
}

/* The host's struct timespec must be NetBSD's: it crosses as is. */
static void
h_check_abi(void)
{
	if (h_abi.ra_timespec_size != sizeof(struct timespec) ||
	    h_abi.ra_timespec_off_nsec != offsetof(struct timespec, tv_nsec))
		h_fail("NetBSD's struct timespec (%u bytes, tv_nsec at %u) "
		    "is not the host's", h_abi.ra_timespec_size,
		    h_abi.ra_timespec_off_nsec);
	if (h_abi.ra_timeval_size > 32 || h_abi.ra_timeval_off_usec > 16 ||
	    (h_abi.ra_timeval_usec_size != 4 &&
	    h_abi.ra_timeval_usec_size != 8))
		h_fail("unexpected struct timeval layout");
	if (h_abi.ra_node_off_name + h_abi.ra_node_namelen >
	    h_abi.ra_node_size || h_abi.ra_node_off_num + 4 >
	    h_abi.ra_node_size || h_abi.ra_node_off_flags + 4 >
	    h_abi.ra_node_size)
		h_fail("unexpected struct sysctlnode layout");
}

void
h_boot(int tc)
{
	char name[64];
	int error;

	if ((error = rump_init()) != 0)
		h_fail("rump_init: error %d", error);
	H_KERNEL(rumptest_abi(&h_abi));
	h_check_abi();
	if (tc == 0)
		return;
	H_KERNEL(error = rumptest_tc_use(tc, name, sizeof(name)));
	if (error != 0)
		h_fail("rumptest_tc_use(%d): error %d", tc, error);
	/* The situation the tests rely on: the kernel reads our counter. */
	if (strcmp(h_tc_current(), name) != 0)
		h_fail("tc_init(%s) did not make it the timecounter (%s is)",
		    name, h_tc_current());
}

const char *
h_tc_current(void)
{
	static char name[64];

	H_KERNEL(rumptest_tc_current(name, sizeof(name)));
	return name;
}

int64_t
h_clock(int id)
{
	struct timespec ts;

	memset(&ts, 0, sizeof(ts));
	if (rump_sys_clock_gettime(id, &ts) != 0)
		h_fail("clock_gettime(%d): %s", id, strerror(errno));
	return ts.tv_sec * H_S + ts.tv_nsec;
}

struct h_pair
h_pair(int id)
{
	struct h_pair best = { 0, 0 };
	int64_t h0, h1, k, width = INT64_MAX;
	int i;

	for (i = 0; i < 5; i++) {
		h0 = h_host_mono();
		k = h_clock(id);
		h1 = h_host_mono();
		if (h1 - h0 < width) {
			width = h1 - h0;
			best.hp_kern = k;
			best.hp_host = h0 + (h1 - h0) / 2;
		}
	}
	return best;
}

int64_t
h_gain(const struct h_pair *a, const struct h_pair *b)
{
	return (b->hp_kern - a->hp_kern) - (b->hp_host - a->hp_host);
}

double
h_rate_ppm(const struct h_pair *a, const struct h_pair *b)
{
	return (double)h_gain(a, b) * 1e6 / (double)(b->hp_host - a->hp_host);
}

/* --- struct timeval in NetBSD's layout -------------------------------- */

static void
tv_put(unsigned char *buf, int64_t us)
{
	int64_t sec = us / 1000000, usec = us % 1000000;
	int32_t u32;

	if (usec < 0) {
		sec--;
		usec += 1000000;
	}
	memset(buf, 0, h_abi.ra_timeval_size);
	memcpy(buf, &sec, sizeof(sec));
	if (h_abi.ra_timeval_usec_size == 4) {
		u32 = (int32_t)usec;
		memcpy(buf + h_abi.ra_timeval_off_usec, &u32, 4);
	} else
		memcpy(buf + h_abi.ra_timeval_off_usec, &usec, 8);
}

static int64_t
tv_get(const unsigned char *buf)
{
	int64_t sec, usec;
	int32_t u32;

	memcpy(&sec, buf, sizeof(sec));
	if (h_abi.ra_timeval_usec_size == 4) {
		memcpy(&u32, buf + h_abi.ra_timeval_off_usec, 4);
		usec = u32;
	} else
		memcpy(&usec, buf + h_abi.ra_timeval_off_usec, 8);
	return sec * 1000000 + usec;
}

int
h_adjtime(const int64_t *delta, int64_t *olddelta)
{
	unsigned char d[32], o[32];

	if (delta != NULL)
		tv_put(d, *delta);
	memset(o, 0xa5, sizeof(o));
	if (rump_sys_adjtime(delta != NULL ? (void *)d : NULL,
	    olddelta != NULL ? (void *)o : NULL) != 0)
		return errno;
	if (olddelta != NULL)
		*olddelta = tv_get(o);
	return 0;
}

int
h_settimeofday(int64_t ns)
{
	unsigned char t[32];

	tv_put(t, ns / 1000);
	return rump_sys_settimeofday((void *)t, NULL) != 0 ? errno : 0;
}

int
h_clock_settime(int id, int64_t ns)
{
	struct timespec ts = { ns / H_S, ns % H_S };

	return rump_sys_clock_settime(id, &ts) != 0 ? errno : 0;
}

/* --- sysctl by name, through CTL_QUERY ---------------------------------- */

/*
 * The number of the child named name under mib[0..len) (-1 if none);
 * with name NULL, the number of children.
 */
static int
sysctl_child(int *mib, u_int len, const char *name, uint32_t *type)
{
	unsigned char *buf, *q, *node;
	size_t sz = 0, n, i;
	uint32_t flags;
	int32_t num;
	int found = -1;

	q = calloc(1, h_abi.ra_node_size);
	if (q == NULL)
		h_fail("out of memory");
	flags = h_abi.ra_sysctl_version;
	memcpy(q + h_abi.ra_node_off_flags, &flags, 4);
	mib[len] = h_abi.ra_ctl_query;
	if (rump_sys___sysctl(mib, len + 1, NULL, &sz, q,
	    h_abi.ra_node_size) != 0) {
		free(q);
		return -1;
	}
	/* Room for nodes added meanwhile. */
	sz += 16 * h_abi.ra_node_size;
	if ((buf = malloc(sz)) == NULL)
		h_fail("out of memory");
	if (rump_sys___sysctl(mib, len + 1, buf, &sz, q,
	    h_abi.ra_node_size) != 0)
		h_fail("sysctl CTL_QUERY: %s", strerror(errno));
	n = sz / h_abi.ra_node_size;
	if (name == NULL)
		found = (int)n;
	for (i = 0; name != NULL && i < n; i++) {
		node = buf + i * h_abi.ra_node_size;
		if (strncmp((const char *)node + h_abi.ra_node_off_name, name,
		    h_abi.ra_node_namelen) != 0)
			continue;
		memcpy(&num, node + h_abi.ra_node_off_num, 4);
		memcpy(&flags, node + h_abi.ra_node_off_flags, 4);
		*type = flags & h_abi.ra_ctltype_mask;
		found = num;
		break;
	}
	free(buf);
	free(q);
	return found;
}

/* Resolve a dotted name; returns its depth (0 if unknown) and type. */
static u_int
sysctl_resolve(const char *name, int *mib, uint32_t *type)
{
	char buf[256], *p, *dot;
	u_int len = 0;
	int num;

	snprintf(buf, sizeof(buf), "%s", name);
	for (p = buf; p != NULL && len < 12; p = dot) {
		if ((dot = strchr(p, '.')) != NULL)
			*dot++ = '\0';
		if ((num = sysctl_child(mib, len, p, type)) < 0)
			return 0;
		mib[len++] = num;
	}
	return p == NULL ? len : 0;
}

int
h_sysctl_int(const char *name, int64_t *v)
{
	int mib[16];
	uint32_t type = 0;
	u_int len;
	size_t sz;
	int32_t i32;
	unsigned char b;

	if ((len = sysctl_resolve(name, mib, &type)) == 0)
		return ENOENT;
	if (type == h_abi.ra_ctltype_int) {
		sz = sizeof(i32);
		if (rump_sys___sysctl(mib, len, &i32, &sz, NULL, 0) != 0)
			return errno;
		*v = i32;
	} else if (type == h_abi.ra_ctltype_quad) {
		sz = sizeof(*v);
		if (rump_sys___sysctl(mib, len, v, &sz, NULL, 0) != 0)
			return errno;
	} else if (type == h_abi.ra_ctltype_bool) {
		sz = sizeof(b);
		if (rump_sys___sysctl(mib, len, &b, &sz, NULL, 0) != 0)
			return errno;
		*v = b;
	} else
		return EINVAL;
	return 0;
}

int
h_sysctl_setint(const char *name, int64_t v)
{
	int mib[16];
	uint32_t type = 0;
	u_int len;
	int32_t i32 = (int32_t)v;
	unsigned char b = (unsigned char)v;

	if ((len = sysctl_resolve(name, mib, &type)) == 0)
		return ENOENT;
	if (type == h_abi.ra_ctltype_int)
		return rump_sys___sysctl(mib, len, NULL, NULL, &i32,
		    sizeof(i32)) != 0 ? errno : 0;
	if (type == h_abi.ra_ctltype_quad)
		return rump_sys___sysctl(mib, len, NULL, NULL, &v,
		    sizeof(v)) != 0 ? errno : 0;
	if (type == h_abi.ra_ctltype_bool)
		return rump_sys___sysctl(mib, len, NULL, NULL, &b,
		    sizeof(b)) != 0 ? errno : 0;
	return EINVAL;
}

int
h_sysctl_str(const char *name, char *buf, size_t len)
{
	int mib[16];
	uint32_t type = 0;
	u_int depth;
	size_t sz = len;

	if ((depth = sysctl_resolve(name, mib, &type)) == 0)
		return ENOENT;
	if (type != h_abi.ra_ctltype_string)
		return EINVAL;
	if (rump_sys___sysctl(mib, depth, buf, &sz, NULL, 0) != 0)
		return errno;
	if (len > 0)
		buf[len - 1] = '\0';
	return 0;
}

int
h_sysctl_nchildren(const char *name, int *n)
{
	int mib[16];
	uint32_t type = 0;
	u_int len;

	if ((len = sysctl_resolve(name, mib, &type)) == 0)
		return ENOENT;
	if (type != h_abi.ra_ctltype_node)
		return ENOTDIR;
	if ((*n = sysctl_child(mib, len, NULL, &type)) < 0)
		return EIO;
	return 0;
}
