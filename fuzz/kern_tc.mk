# fuzz_kern_tc: sys/kern/kern_tc.c under fuzzer-chosen call sequences
# (tc_adjtime, tc_adjfreq, tc_setclock, windups, counter switches,
# readers): realtime goes back only through tc_setclock().
FUZZERS +=		fuzz_kern_tc
fuzz_kern_tc_SRCS :=	fuzz/fuzz_kern_tc.c
fuzz_kern_tc_KERNEL :=	nots
