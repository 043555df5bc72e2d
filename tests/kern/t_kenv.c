/*
 * The userland kernel environment's boundary with its host: kernel
 * code sees NetBSD's error numbers, the host the C library's, and
 * every number crosses both ways unchanged in meaning.
 */

#include <atf-c.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "kenv.h"

ATF_TC(errno_netbsd);
ATF_TC_HEAD(errno_netbsd, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "the kernel side's error numbers are NetBSD's, not the host's");
}
ATF_TC_BODY(errno_netbsd, tc)
{
	/* NetBSD's <sys/errno.h>. */
	ATF_CHECK_EQ(kenv_kernel_errno(EPERM), 1);
	ATF_CHECK_EQ(kenv_kernel_errno(EINVAL), 22);
	ATF_CHECK_EQ(kenv_kernel_errno(EDEADLK), 11);
	ATF_CHECK_EQ(kenv_kernel_errno(EAGAIN), 35);
	ATF_CHECK_EQ(kenv_kernel_errno(EWOULDBLOCK), 35);
	ATF_CHECK_EQ(kenv_kernel_errno(EMSGSIZE), 40);
	ATF_CHECK_EQ(kenv_kernel_errno(EOPNOTSUPP), 45);
	ATF_CHECK_EQ(kenv_kernel_errno(ETIMEDOUT), 60);
	ATF_CHECK_EQ(kenv_kernel_errno(ENAMETOOLONG), 63);
	ATF_CHECK_EQ(kenv_kernel_errno(ENOSYS), 78);
	ATF_CHECK_EQ(kenv_kernel_errno(EPROTO), 96);
	/* And back. */
	ATF_CHECK_EQ(kenv_host_errno(35), EAGAIN);
	ATF_CHECK_EQ(kenv_host_errno(11), EDEADLK);
	ATF_CHECK_EQ(kenv_host_errno(96), EPROTO);
	ATF_CHECK_EQ(kenv_host_errno(86), ENOTSUP);
}

ATF_TC(errno_round_trip);
ATF_TC_HEAD(errno_round_trip, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "every host error number the kernel has comes back the same "
	    "(strerror(3) agrees); 0 and the kernel-internal negative "
	    "numbers pass unchanged");
}
ATF_TC_BODY(errno_round_trip, tc)
{
	static const int host[] = {
		EPERM, ENOENT, ESRCH, EINTR, EIO, ENXIO, E2BIG, ENOEXEC,
		EBADF, ECHILD, EDEADLK, ENOMEM, EACCES, EFAULT, EBUSY,
		EEXIST, ENODEV, ENOTDIR, EISDIR, EINVAL, ENOSPC, EPIPE,
		ERANGE, EAGAIN, EINPROGRESS, EMSGSIZE, EOPNOTSUPP,
		ECONNRESET, ETIMEDOUT, ENAMETOOLONG, ENOTEMPTY, ENOSYS,
		EOVERFLOW, ECANCELED, ENODATA, ETIME, EPROTO,
	};
	size_t i;
	int k;

	for (i = 0; i < sizeof(host) / sizeof(host[0]); i++) {
		k = kenv_kernel_errno(host[i]);
		ATF_CHECK_MSG(k > 0, "%s: kernel %d", strerror(host[i]), k);
		ATF_CHECK_EQ_MSG(kenv_host_errno(k), host[i], "%s",
		    strerror(host[i]));
	}
	ATF_CHECK_EQ(kenv_host_errno(0), 0);
	ATF_CHECK_EQ(kenv_kernel_errno(0), 0);
	ATF_CHECK_EQ(kenv_host_errno(-4), -4);	/* EPASSTHROUGH */
	ATF_CHECK_EQ(kenv_kernel_errno(-3), -3);	/* ERESTART */
}

ATF_TC(errno_through_calls);
ATF_TC_HEAD(errno_through_calls, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "kenv_* calls return the host's numbers; kernel routines called "
	    "directly return the kernel's");
}
ATF_TC_BODY(errno_through_calls, tc)
{
	int64_t v, big;

	kenv_boot(100);
	ATF_CHECK_EQ(kenv_sysctl_getint("kern.timecounter.nosuch", &v),
	    ENOENT);
	ATF_CHECK_EQ(kenv_sysctl_getint("kern.timecounter", &v), EISDIR);
	ATF_CHECK_EQ(kenv_counter_detach(kenv_counter_create("x", 1000000,
	    32, -1, 0)), 0);
	big = INT64_MAX;		/* beyond TC_ADJTIME_MAX_US */
	ATF_CHECK_EQ(kenv_host_errno(tc_adjtime(NULL, &big)), EINVAL);
	kenv_set_privileged(false);
	ATF_CHECK_EQ(kenv_sysctl_setint("kern.timecounter.timestepwarnings",
	    1), EPERM);
	kenv_set_privileged(true);
	kenv_kauth_deny(KAUTH_SYSTEM_TIME, true);
	ATF_CHECK_EQ(kenv_sysctl_setint("kern.timecounter.timestepwarnings",
	    1), EPERM);
	kenv_kauth_deny(KAUTH_SYSTEM_TIME, false);
	ATF_CHECK_EQ(kenv_sysctl_setint("kern.timecounter.timestepwarnings",
	    1), 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, errno_netbsd);
	ATF_TP_ADD_TC(tp, errno_round_trip);
	ATF_TP_ADD_TC(tp, errno_through_calls);
	return atf_no_error();
}
