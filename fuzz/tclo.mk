# fuzz_tclo: arbitrary bytes as a TCLO command, through the simulated
# host, so vmt(4)'s whole receive, parse and dispatch path runs.
FUZZERS +=		fuzz_tclo
fuzz_tclo_SRCS :=	fuzz/fuzz_tclo.c
fuzz_tclo_KERNEL :=	nots
