/*
 * Userland kernel environment: <sys/errno.h>.
 * NetBSD's names with the host C library's numbers, so that an errno a
 * kernel routine returns means the same thing to the userland harness
 * and to strerror(3).
 */
#ifndef _SYS_ERRNO_H_
#define _SYS_ERRNO_H_

#define EPERM		1
#define ENOENT		2
#define ESRCH		3
#define EINTR		4
#define EIO		5
#define ENXIO		6
#define E2BIG		7
#define ENOMEM		12
#define EACCES		13
#define EFAULT		14
#define EBUSY		16
#define EEXIST		17
#define ENODEV		19
#define ENOTDIR		20
#define EISDIR		21
#define EINVAL		22
#define ENOSPC		28
#define ERANGE		34
#define EAGAIN		11
#define EWOULDBLOCK	EAGAIN
#define ENAMETOOLONG	36
#define ENOSYS		38
#define ENOTEMPTY	39
#define EMSGSIZE	90
#define EPROTO		71
#define EOPNOTSUPP	95
#define ETIMEDOUT	110
#define ECONNRESET	104

/* Kernel-internal, as NetBSD. */
#define EJUSTRETURN	-2		/* return without touching registers */
#define ERESTART	-3		/* restart the system call */
#define EPASSTHROUGH	-4		/* ioctl not handled by this layer */

#endif /* _SYS_ERRNO_H_ */
