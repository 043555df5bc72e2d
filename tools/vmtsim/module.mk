# tools/vmtsim: trace format, clock/scenario model and trace generator.
USRCS +=	tools/vmtsim/rng.c tools/vmtsim/trace.c \
		tools/vmtsim/scenario.c tools/vmtsim/gen.c
