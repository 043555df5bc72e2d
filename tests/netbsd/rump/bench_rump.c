/*
 * bench_rump: the cost of the timecounter readers of the rump kernel it
 * is linked with (step f of the NetBSD tier).  tests/netbsd/bench.sh
 * runs it against the kernel with NetBSD's own kern_tc.c and the one
 * with ours, and prints the ratio.
 *
 *	bench_rump [-n calls] [-r rounds] [-t tsc|hostmono]
 *
 * The kernel reads a timecounter registered here: by default the x86
 * TSC (what a NetBSD guest on VMware uses), so that the figure is the
 * cost of kern_tc.c's readers and not of the host's clock_gettime().
 * Prints, per reader, the best of the rounds in ns per call.
 */
#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rump/rump.h>

#include "h_rump.h"

static double
best(int what, uint64_t n, int rounds)
{
	double b = 1e30, v;
	int64_t ns;
	int i;

	for (i = 0; i < rounds; i++) {
		H_KERNEL(ns = rumptest_bench(what, n));
		if (ns < 0)
			h_fail("rumptest_bench(%d) failed", what);
		v = (double)ns / (double)n;
		if (v < b)
			b = v;
	}
	return b;
}

int
main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int what;
	} readers[] = {
		{ "binuptime", RUMPTEST_BENCH_BINUPTIME },
		{ "nanouptime", RUMPTEST_BENCH_NANOUPTIME },
		{ "microuptime", RUMPTEST_BENCH_MICROUPTIME },
		{ "bintime", RUMPTEST_BENCH_BINTIME },
		{ "nanotime", RUMPTEST_BENCH_NANOTIME },
		{ "microtime", RUMPTEST_BENCH_MICROTIME },
		{ "getbinuptime", RUMPTEST_BENCH_GETBINUPTIME },
		{ "getnanouptime", RUMPTEST_BENCH_GETNANOUPTIME },
		{ "getmicrouptime", RUMPTEST_BENCH_GETMICROUPTIME },
		{ "getbintime", RUMPTEST_BENCH_GETBINTIME },
		{ "getnanotime", RUMPTEST_BENCH_GETNANOTIME },
		{ "getmicrotime", RUMPTEST_BENCH_GETMICROTIME },
	};
	uint64_t n = 2000000;
	int rounds = 7, tc = RUMPTEST_TC_TSC, c;
	size_t i;

	h_prog = "bench_rump";
	while ((c = getopt(argc, argv, "n:r:t:")) != -1) {
		switch (c) {
		case 'n':
			n = strtoull(optarg, NULL, 10);
			break;
		case 'r':
			rounds = atoi(optarg);
			break;
		case 't':
			if (strcmp(optarg, "tsc") == 0)
				tc = RUMPTEST_TC_TSC;
			else if (strcmp(optarg, "hostmono") == 0)
				tc = RUMPTEST_TC_HOSTMONO;
			else
				h_fail("-t: tsc or hostmono, not %s", optarg);
			break;
		default:
			fprintf(stderr, "usage: bench_rump [-n calls] "
			    "[-r rounds] [-t tsc|hostmono]\n");
			return 2;
		}
	}
	if (n == 0 || rounds < 1)
		h_fail("-n and -r must be positive");
	h_boot(tc);
	printf("timecounter %s, %llu calls x %d rounds\n", h_tc_current(),
	    (unsigned long long)n, rounds);
	/* Warm up caches and the CPU's clock before measuring. */
	(void)best(RUMPTEST_BENCH_NANOTIME, n, 1);
	for (i = 0; i < sizeof(readers) / sizeof(readers[0]); i++)
		printf("%s %.2f ns/call\n", readers[i].name,
		    best(readers[i].what, n, rounds));
	return 0;
}
