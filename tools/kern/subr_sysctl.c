/*
 * sysctl(9) for the userland kernel environment.
 *
 * A tree of struct sysctlnode under a static root.  Kernel code builds
 * it with sysctl_createv() and tears it down by log; the harness reads
 * and writes leaves by dotted name through kenv_sysctl(), which checks
 * privilege the way sysctl(2) does (writing needs root unless the node
 * is CTLFLAG_ANYWRITE) and then calls the node's handler or
 * sysctl_lookup().  Errors are the kernel's: ENOENT for a missing name,
 * EISDIR for reading a node, EPERM for a read-only node or missing
 * privilege, EINVAL for a value of the wrong size, ENOMEM for a short
 * buffer.
 */

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kmem.h>
#include <sys/lwp.h>
#include <sys/sysctl.h>
#include <sys/stdarg.h>

#include "kenv.h"
#include "kenv_impl.h"

#define SYSCTL_CREATE_BASE	1024	/* first number CTL_CREATE hands out */
#define SYSCTL_MAX_SETUPS	32
#define SYSCTL_MAX_DEPTH	16

struct sysctllog_entry {
	struct sysctlnode	*le_node;	/* created under this log */
	struct sysctllog_entry	*le_next;	/* newer first */
};

struct sysctllog {
	struct sysctllog_entry	*log_head;
};

static struct sysctlnode sysctl_root = {
	.sysctl_flags = CTLTYPE_NODE,
	.sysctl_name = "",
};
static kenv_sysctl_setup_t sysctl_setups[SYSCTL_MAX_SETUPS];
static int		sysctl_nsetups;
static struct sysctllog	*sysctl_boot_log;

void
kenv_sysctl_setup_register(kenv_sysctl_setup_t fn)
{
	KASSERT(sysctl_nsetups < SYSCTL_MAX_SETUPS);
	sysctl_setups[sysctl_nsetups++] = fn;
}

void
kenv_sysctl_run_setups(void)
{
	static const struct {
		const char	*name;
		int		num;
	} top[] = {
		{ "kern", CTL_KERN }, { "hw", CTL_HW },
		{ "machdep", CTL_MACHDEP },
	};
	size_t t;
	int i;

	/* The top-level nodes exist before any module adds to them. */
	for (t = 0; t < __arraycount(top); t++)
		(void)sysctl_createv(&sysctl_boot_log, 0, NULL, NULL,
		    CTLFLAG_PERMANENT, CTLTYPE_NODE, top[t].name, NULL,
		    NULL, 0, NULL, 0, top[t].num, CTL_EOL);
	for (i = 0; i < sysctl_nsetups; i++)
		(*sysctl_setups[i])(&sysctl_boot_log);
}

static struct sysctlnode *
sysctl_child_bynum(struct sysctlnode *parent, int num)
{
	struct sysctlnode *n;

	for (n = parent->sysctl_child; n != NULL; n = n->sysctl_sibling)
		if (n->sysctl_num == num)
			return n;
	return NULL;
}

static struct sysctlnode *
sysctl_child_byname(struct sysctlnode *parent, const char *name, size_t len)
{
	struct sysctlnode *n;

	for (n = parent->sysctl_child; n != NULL; n = n->sysctl_sibling)
		if (strlen(n->sysctl_name) == len &&
		    strncmp(n->sysctl_name, name, len) == 0)
			return n;
	return NULL;
}

static int
sysctl_free_num(struct sysctlnode *parent)
{
	int num;

	for (num = SYSCTL_CREATE_BASE; sysctl_child_bynum(parent, num); num++)
		continue;
	return num;
}

static void
sysctl_append(struct sysctlnode *parent, struct sysctlnode *node)
{
	struct sysctlnode **pp;

	for (pp = &parent->sysctl_child; *pp != NULL;
	    pp = &(*pp)->sysctl_sibling)
		continue;
	*pp = node;
	node->sysctl_parent = parent;
}

static size_t
sysctl_type_size(int type, size_t newlen)
{
	switch (type) {
	case CTLTYPE_INT:
		return sizeof(int);
	case CTLTYPE_QUAD:
		return sizeof(u_quad_t);
	case CTLTYPE_BOOL:
		return sizeof(bool);
	default:
		return newlen;
	}
}

static int
sysctl_log_add(struct sysctllog **logp, struct sysctlnode *node)
{
	struct sysctllog_entry *e;

	if (logp == NULL)
		return 0;
	if (*logp == NULL)
		*logp = kmem_zalloc(sizeof(**logp), KM_SLEEP);
	e = kmem_alloc(sizeof(*e), KM_SLEEP);
	e->le_node = node;
	e->le_next = (*logp)->log_head;
	(*logp)->log_head = e;
	return 0;
}

/* Walk path[0..n-1] from parent; every step must be a node. */
static int
sysctl_walk(struct sysctlnode **parentp, const int *path, int n)
{
	struct sysctlnode *p = *parentp;
	int i;

	for (i = 0; i < n; i++) {
		if ((p = sysctl_child_bynum(p, path[i])) == NULL)
			return ENOENT;
		if (SYSCTL_TYPE(p->sysctl_flags) != CTLTYPE_NODE)
			return ENOTDIR;
	}
	*parentp = p;
	return 0;
}

/*
 * NetBSD's rule for a new node's name (kern_sysctl.c sysctl_create()):
 * letters, digits, '-' and '_', not starting with a digit, shorter
 * than SYSCTL_NAMELEN.  A dot in particular is refused.
 */
static bool
sysctl_name_ok(const char *name)
{
	size_t i;

	if (name == NULL || name[0] == '\0' || strlen(name) >= SYSCTL_NAMELEN)
		return false;
	if (name[0] >= '0' && name[0] <= '9')
		return false;
	for (i = 0; name[i] != '\0'; i++) {
		if ((name[i] >= '0' && name[i] <= '9') ||
		    (name[i] >= 'A' && name[i] <= 'Z') ||
		    (name[i] >= 'a' && name[i] <= 'z') ||
		    name[i] == '-' || name[i] == '_')
			continue;
		return false;
	}
	return true;
}

int
sysctl_createv(struct sysctllog **logp, int cflags,
    const struct sysctlnode **rnode, const struct sysctlnode **cnode,
    int flags, int type, const char *namep, const char *desc,
    sysctlfn func, u_quad_t qv, void *newp, size_t newlen, ...)
{
	struct sysctlnode *parent, *node;
	int path[SYSCTL_MAX_DEPTH], n, v, error;
	va_list ap;

	(void)cflags;
	n = 0;
	va_start(ap, newlen);
	while ((v = va_arg(ap, int)) != CTL_EOL) {
		if (n == SYSCTL_MAX_DEPTH) {
			va_end(ap);
			return EINVAL;
		}
		path[n++] = v;
	}
	va_end(ap);
	if (n == 0 || !sysctl_name_ok(namep))
		return EINVAL;

	parent = (rnode != NULL && *rnode != NULL) ?
	    __UNCONST(*rnode) : &sysctl_root;
	if ((error = sysctl_walk(&parent, path, n - 1)) != 0)
		return error;

	node = sysctl_child_byname(parent, namep, strlen(namep));
	if (node != NULL) {
		/* Re-creating a node that is there already is fine. */
		if (type != CTLTYPE_NODE ||
		    SYSCTL_TYPE(node->sysctl_flags) != CTLTYPE_NODE ||
		    (path[n - 1] != CTL_CREATE &&
		    path[n - 1] != node->sysctl_num))
			return EEXIST;
		if (cnode != NULL)
			*cnode = node;
		return 0;
	}
	if (path[n - 1] != CTL_CREATE &&
	    sysctl_child_bynum(parent, path[n - 1]) != NULL)
		return EEXIST;

	node = kmem_zalloc(sizeof(*node), KM_SLEEP);
	node->sysctl_flags = (uint32_t)(type | flags);
	node->sysctl_num = path[n - 1] == CTL_CREATE ?
	    sysctl_free_num(parent) : path[n - 1];
	strlcpy(node->sysctl_name, namep, sizeof(node->sysctl_name));
	node->sysctl_size = sysctl_type_size(type, newlen);
	if (flags & CTLFLAG_IMMEDIATE) {
		if (type == CTLTYPE_INT)
			node->sysctl_idata = (int32_t)qv;
		else if (type == CTLTYPE_BOOL)
			node->sysctl_bdata = qv != 0;
		else
			node->sysctl_qdata = qv;
	} else
		node->sysctl_data = newp;
	node->sysctl_func = func;
	node->sysctl_desc = desc;
	sysctl_append(parent, node);
	sysctl_log_add(logp, node);
	if (cnode != NULL)
		*cnode = node;
	return 0;
}

static void
sysctl_unlink(struct sysctlnode *node)
{
	struct sysctlnode **pp;

	for (pp = &node->sysctl_parent->sysctl_child; *pp != NULL;
	    pp = &(*pp)->sysctl_sibling) {
		if (*pp == node) {
			*pp = node->sysctl_sibling;
			break;
		}
	}
}

void
sysctl_teardown(struct sysctllog **logp)
{
	struct sysctllog_entry *e;

	if (logp == NULL || *logp == NULL)
		return;
	while ((e = (*logp)->log_head) != NULL) {
		(*logp)->log_head = e->le_next;
		sysctl_unlink(e->le_node);
		kmem_free(e->le_node, sizeof(*e->le_node));
		kmem_free(e, sizeof(*e));
	}
	kmem_free(*logp, sizeof(**logp));
	*logp = NULL;
}

static void *
sysctl_datum(const struct sysctlnode *node)
{
	if (node->sysctl_flags & CTLFLAG_IMMEDIATE)
		return __UNCONST(&node->sysctl_un);
	return node->sysctl_data;
}

int
sysctl_lookup(SYSCTLFN_ARGS)
{
	int type = SYSCTL_TYPE(rnode->sysctl_flags);
	void *d = sysctl_datum(rnode);
	size_t sz;

	(void)name; (void)namelen; (void)oldname; (void)l;
	if (d == NULL)
		return EINVAL;
	sz = type == CTLTYPE_STRING ? strlen(d) + 1 : rnode->sysctl_size;
	if (oldlenp != NULL) {
		if (oldp != NULL) {
			if (*oldlenp < sz)
				return ENOMEM;
			memcpy(oldp, d, sz);
		}
		*oldlenp = sz;
	}
	if (newp == NULL)
		return 0;
	if ((rnode->sysctl_flags & CTLFLAG_READWRITE) == 0)
		return EPERM;
	if (type == CTLTYPE_STRING) {
		if (newlen == 0 || newlen > rnode->sysctl_size ||
		    memchr(newp, '\0', newlen) == NULL)
			return EINVAL;
		memcpy(d, newp, newlen);
		return 0;
	}
	if (newlen != rnode->sysctl_size)
		return EINVAL;
	memcpy(d, newp, newlen);
	return 0;
}

/* Resolve a dotted name to a node and its number path. */
static int
sysctl_resolve(const char *dotted, struct sysctlnode **nodep, int *path,
    u_int *depthp)
{
	struct sysctlnode *node = &sysctl_root;
	const char *p = dotted, *dot;
	u_int depth = 0;
	size_t len;

	for (;;) {
		dot = strchr(p, '.');
		len = dot != NULL ? (size_t)(dot - p) : strlen(p);
		if (len == 0 || depth == SYSCTL_MAX_DEPTH)
			return ENOENT;
		if (SYSCTL_TYPE(node->sysctl_flags) != CTLTYPE_NODE)
			return ENOTDIR;
		if ((node = sysctl_child_byname(node, p, len)) == NULL)
			return ENOENT;
		path[depth++] = node->sysctl_num;
		if (dot == NULL)
			break;
		p = dot + 1;
	}
	*nodep = node;
	*depthp = depth;
	return 0;
}

/*
 * The harness's sysctl(3): the kernel's error numbers here, the host's
 * from the kenv_sysctl*() entry points below.
 */
static int
sysctl_dotted(const char *dotted, void *oldp, size_t *oldlenp,
    const void *newp, size_t newlen)
{
	struct sysctlnode *node;
	struct lwp *l = curlwp;
	int path[SYSCTL_MAX_DEPTH], error;
	u_int depth;

	if ((error = sysctl_resolve(dotted, &node, path, &depth)) != 0)
		return error;
	if (SYSCTL_TYPE(node->sysctl_flags) == CTLTYPE_NODE)
		return EISDIR;
	if (newp != NULL && (node->sysctl_flags & CTLFLAG_ANYWRITE) == 0 &&
	    !kenv_privileged())
		return EPERM;
	if (node->sysctl_func != NULL)
		return (*node->sysctl_func)(path, depth, oldp, oldlenp, newp,
		    newlen, path, l, node);
	return sysctl_lookup(path, depth, oldp, oldlenp, newp, newlen, path,
	    l, node);
}

static int
sysctl_leaf_type(const char *dotted, int *typep)
{
	struct sysctlnode *node;
	int path[SYSCTL_MAX_DEPTH], error;
	u_int depth;

	if ((error = sysctl_resolve(dotted, &node, path, &depth)) != 0)
		return error;
	*typep = SYSCTL_TYPE(node->sysctl_flags);
	return 0;
}

int
kenv_sysctl(const char *dotted, void *oldp, size_t *oldlenp,
    const void *newp, size_t newlen)
{
	return kenv_host_errno(sysctl_dotted(dotted, oldp, oldlenp, newp,
	    newlen));
}

static int
sysctl_getint(const char *dotted, int64_t *v)
{
	union { int i; u_quad_t q; bool b; } u;
	size_t len = sizeof(u);
	int type, error;

	if ((error = sysctl_leaf_type(dotted, &type)) != 0)
		return error;
	memset(&u, 0, sizeof(u));
	if ((error = sysctl_dotted(dotted, &u, &len, NULL, 0)) != 0)
		return error;
	switch (type) {
	case CTLTYPE_INT:
		*v = u.i;
		return 0;
	case CTLTYPE_QUAD:
		*v = (int64_t)u.q;
		return 0;
	case CTLTYPE_BOOL:
		*v = u.b;
		return 0;
	default:
		return EINVAL;
	}
}

int
kenv_sysctl_getint(const char *dotted, int64_t *v)
{
	return kenv_host_errno(sysctl_getint(dotted, v));
}

static int
sysctl_setint(const char *dotted, int64_t v)
{
	int type, error, i;
	u_quad_t q;
	bool b;

	if ((error = sysctl_leaf_type(dotted, &type)) != 0)
		return error;
	switch (type) {
	case CTLTYPE_INT:
		if (v < INT32_MIN || v > INT32_MAX)
			return EINVAL;
		i = (int)v;
		return sysctl_dotted(dotted, NULL, NULL, &i, sizeof(i));
	case CTLTYPE_QUAD:
		q = (u_quad_t)v;
		return sysctl_dotted(dotted, NULL, NULL, &q, sizeof(q));
	case CTLTYPE_BOOL:
		if (v != 0 && v != 1)
			return EINVAL;
		b = v != 0;
		return sysctl_dotted(dotted, NULL, NULL, &b, sizeof(b));
	default:
		return EINVAL;
	}
}

int
kenv_sysctl_setint(const char *dotted, int64_t v)
{
	return kenv_host_errno(sysctl_setint(dotted, v));
}

int
kenv_sysctl_getstr(const char *dotted, char *buf, size_t len)
{
	return kenv_host_errno(sysctl_dotted(dotted, buf, &len, NULL, 0));
}

int
kenv_sysctl_setstr(const char *dotted, const char *s)
{
	return kenv_host_errno(sysctl_dotted(dotted, NULL, NULL, s,
	    strlen(s) + 1));
}
