/*
 * h_linkcheck: a rump kernel linked whole (every object of librump and
 * librumpuser), so that an undefined or duplicate symbol fails the link;
 * run, it boots the kernel and reads its clocks once.
 */
#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

int
main(void)
{
	struct timespec ts;
	int error;

	if ((error = rump_init()) != 0) {
		fprintf(stderr, "h_linkcheck: rump_init: error %d\n", error);
		return 1;
	}
	/* CLOCK_REALTIME is 0 in NetBSD as on the host. */
	if (rump_sys_clock_gettime(0, &ts) != 0) {
		perror("h_linkcheck: clock_gettime");
		return 1;
	}
	printf("rump kernel booted; realtime %lld.%09ld\n",
	    (long long)ts.tv_sec, ts.tv_nsec);
	return 0;
}
