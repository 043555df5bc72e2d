/*
 * The error numbers the kernel side and the host side of the
 * environment both have, by name: KENV_ERRNOS(X) expands X(name) for
 * each.  The kernel side (NetBSD's numbers, <sys/errno.h> of
 * tools/kern/include) and the host bridge (the C library's) each build
 * a table from it, in the same order, and kenv_host_errno() and
 * kenv_kernel_errno() translate through the index.  Every positive
 * number of the environment's <sys/errno.h> is here.
 */
#ifndef _KENV_ERRNOS_H_
#define _KENV_ERRNOS_H_

#define KENV_ERRNOS(X)							\
	X(EPERM) X(ENOENT) X(ESRCH) X(EINTR) X(EIO) X(ENXIO) X(E2BIG)	\
	X(ENOEXEC) X(EBADF) X(ECHILD) X(EDEADLK) X(ENOMEM) X(EACCES)	\
	X(EFAULT) X(ENOTBLK) X(EBUSY) X(EEXIST) X(EXDEV) X(ENODEV)	\
	X(ENOTDIR) X(EISDIR) X(EINVAL) X(ENFILE) X(EMFILE) X(ENOTTY)	\
	X(ETXTBSY) X(EFBIG) X(ENOSPC) X(ESPIPE) X(EROFS) X(EMLINK)	\
	X(EPIPE) X(EDOM) X(ERANGE) X(EAGAIN) X(EINPROGRESS) X(EALREADY) \
	X(ENOTSOCK) X(EDESTADDRREQ) X(EMSGSIZE) X(EPROTOTYPE)		\
	X(ENOPROTOOPT) X(EPROTONOSUPPORT) X(ESOCKTNOSUPPORT)		\
	X(EOPNOTSUPP) X(EPFNOSUPPORT) X(EAFNOSUPPORT) X(EADDRINUSE)	\
	X(EADDRNOTAVAIL) X(ENETDOWN) X(ENETUNREACH) X(ENETRESET)	\
	X(ECONNABORTED) X(ECONNRESET) X(ENOBUFS) X(EISCONN) X(ENOTCONN) \
	X(ESHUTDOWN) X(ETOOMANYREFS) X(ETIMEDOUT) X(ECONNREFUSED)	\
	X(ELOOP) X(ENAMETOOLONG) X(EHOSTDOWN) X(EHOSTUNREACH)		\
	X(ENOTEMPTY) X(EUSERS) X(EDQUOT) X(ESTALE) X(EREMOTE) X(ENOLCK)	\
	X(ENOSYS) X(EIDRM) X(ENOMSG) X(EOVERFLOW) X(EILSEQ) X(ENOTSUP)	\
	X(ECANCELED) X(EBADMSG) X(ENODATA) X(ENOSR) X(ENOSTR) X(ETIME)	\
	X(EMULTIHOP) X(ENOLINK) X(EPROTO)

#endif /* _KENV_ERRNOS_H_ */
