# fuzz_scenario, fuzz_scenario_nots: arbitrary bytes as a trace, and
# the whole scenario replayed through vmtsim's guest engine (the host
# and its noise, the policy's drivers, the oracle, the metrics and the
# outputs), bounded per input; vmt on a kernel with options
# VMT_TIMESYNC, today's drivers on one without.
FUZZERS +=		fuzz_scenario fuzz_scenario_nots
fuzz_scenario_SRCS :=	fuzz/fuzz_scenario.c tools/vmtsim/guest.c \
			tools/vmtsim/metrics.c tools/vmtsim/report.c
fuzz_scenario_KERNEL :=	ts
fuzz_scenario_nots_SRCS := $(fuzz_scenario_SRCS)
fuzz_scenario_nots_KERNEL := nots
