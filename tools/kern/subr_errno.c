/*
 * Error numbers across the environment's boundary.  Kernel code here
 * uses NetBSD's numbers (<sys/errno.h> of tools/kern/include), the
 * host side the C library's; the two tables are built from the same
 * list (host/kenv_errnos.h), so entry i of one is entry i of the
 * other.  0 and the kernel-internal negative numbers (EPASSTHROUGH
 * ...) pass unchanged.  A number with no counterpart is a bug of the
 * environment, not something a caller could handle: it panics.
 */

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/errno.h>

#include "kenv.h"
#include "host/kenv_errnos.h"
#include "host/kenv_host.h"

#define KENV_ERRNO(e)	e,
static const int kenv_errnos[] = { KENV_ERRNOS(KENV_ERRNO) };
#undef KENV_ERRNO

static void
kenv_errno_check(void)
{
	if (kenvh_errno_count() != __arraycount(kenv_errnos))
		panic("kenv: %u host error numbers, %zu kernel ones",
		    kenvh_errno_count(), __arraycount(kenv_errnos));
}

int
kenv_host_errno(int error)
{
	size_t i;

	if (error <= 0)
		return error;
	kenv_errno_check();
	for (i = 0; i < __arraycount(kenv_errnos); i++)
		if (kenv_errnos[i] == error)
			return kenvh_errno((unsigned)i);
	panic("kenv: kernel error %d has no host error number", error);
}

int
kenv_kernel_errno(int error)
{
	int i;

	if (error <= 0)
		return error;
	kenv_errno_check();
	if ((i = kenvh_errno_index(error)) < 0)
		panic("kenv: host error %d has no kernel error number", error);
	return kenv_errnos[i];
}
