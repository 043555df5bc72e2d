/*
 * Userland kernel environment: <sys/sysctl.h>.
 * The sysctl(9) interface the project's kernel code uses: nodes created
 * with sysctl_createv(), handlers in SYSCTLFN_ARGS shape that call
 * sysctl_lookup(), logs torn down with sysctl_teardown().  Userland
 * code reaches the tree by dotted name through kenv_sysctl().
 */
#ifndef _SYS_SYSCTL_H_
#define _SYS_SYSCTL_H_

#include <sys/types.h>

struct lwp;
struct sysctlnode;
struct sysctllog;

#define SYSCTL_NAMELEN		32

/* Top-level identifiers. */
#define CTL_EOL			(-1)	/* end of a path */
#define CTL_CREATE		(-2)	/* pick a free number */
#define CTL_KERN		1
#define CTL_HW			6
#define CTL_MACHDEP		7

/* Node types, in the low bits of sysctl_flags. */
#define CTLTYPE_NODE		1
#define CTLTYPE_INT		2
#define CTLTYPE_STRING		3
#define CTLTYPE_QUAD		4
#define CTLTYPE_STRUCT		5
#define CTLTYPE_BOOL		6
#define CTLTYPE_MASK		0x0000000f
#define SYSCTL_TYPE(f)		((f) & CTLTYPE_MASK)

/* Flags. */
#define CTLFLAG_READONLY	0x00000000
#define CTLFLAG_READWRITE	0x00000070
#define CTLFLAG_ANYWRITE	0x00000080
#define CTLFLAG_PRIVATE		0x00000100
#define CTLFLAG_PERMANENT	0x00000200
#define CTLFLAG_OWNDATA		0x00000400
#define CTLFLAG_IMMEDIATE	0x00000800
#define CTLFLAG_HEX		0x00001000
#define CTLFLAG_OWNDESC		0x00004000
#define CTLFLAG_MPSAFE		0x00200000

#define SYSCTL_DESCR(s)		s

#define SYSCTLFN_PROTO	const int *, u_int, void *, size_t *,		\
			const void *, size_t, const int *, struct lwp *, \
			const struct sysctlnode *
#define SYSCTLFN_ARGS	const int *name, u_int namelen, void *oldp,	\
			size_t *oldlenp, const void *newp, size_t newlen, \
			const int *oldname, struct lwp *l,		\
			const struct sysctlnode *rnode
#define SYSCTLFN_CALL(node) name, namelen, oldp, oldlenp, newp, newlen, \
			oldname, l, node

typedef int (*sysctlfn)(SYSCTLFN_PROTO);

struct sysctlnode {
	uint32_t	sysctl_flags;		/* CTLTYPE_* | CTLFLAG_* */
	int32_t		sysctl_num;		/* number in the parent */
	char		sysctl_name[SYSCTL_NAMELEN];
	size_t		sysctl_size;		/* size of the data */
	union {
		void		*scu_data;	/* pointer to the datum */
		int32_t		scu_idata;	/* immediate int */
		u_quad_t	scu_qdata;	/* immediate quad */
		bool		scu_bdata;	/* immediate bool */
	} sysctl_un;
	sysctlfn	sysctl_func;		/* handler, or NULL */
	struct sysctlnode *sysctl_parent;	/* parent node */
	const char	*sysctl_desc;		/* description */
	/* The environment's own links; kernel code leaves them alone. */
	struct sysctlnode *sysctl_child;	/* first child (nodes) */
	struct sysctlnode *sysctl_sibling;	/* next in the parent */
};
#define sysctl_data	sysctl_un.scu_data
#define sysctl_idata	sysctl_un.scu_idata
#define sysctl_qdata	sysctl_un.scu_qdata
#define sysctl_bdata	sysctl_un.scu_bdata

int	sysctl_createv(struct sysctllog **, int,
	    const struct sysctlnode **, const struct sysctlnode **,
	    int, int, const char *, const char *,
	    sysctlfn, u_quad_t, void *, size_t, ...);
int	sysctl_lookup(SYSCTLFN_PROTO);
void	sysctl_teardown(struct sysctllog **);

/*
 * SYSCTL_SETUP: a function run once when the environment boots, the way
 * NetBSD runs the sysctl_funcs link set.
 */
typedef void (*kenv_sysctl_setup_t)(struct sysctllog **);
void	kenv_sysctl_setup_register(kenv_sysctl_setup_t);

#define SYSCTL_SETUP(name, desc)					\
	static void name(struct sysctllog **);				\
	static void __attribute__((__constructor__))			\
	name##_register(void)						\
	{								\
		kenv_sysctl_setup_register(name);			\
	}								\
	static void name(struct sysctllog **clog)

#endif /* _SYS_SYSCTL_H_ */
