# fuzz: libFuzzer targets, built and run by "make fuzz".
FUZZERS +=		fuzz_trace
fuzz_trace_SRCS :=	fuzz/fuzz_trace.c
fuzz_trace_KERNEL :=	none
