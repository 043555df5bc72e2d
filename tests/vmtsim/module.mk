# tests/vmtsim: trace parser, clock model and trace generator.
ATF_C_TESTS +=		tests/vmtsim/t_trace
t_trace_KERNEL :=	none
KYUAFILES :=		$(sort $(KYUAFILES) tests/Kyuafile \
			tests/vmtsim/Kyuafile)

# The tests read the bundled traces from the source tree, wherever kyua
# runs them.
$(O)/u/tests/vmtsim/t_trace.o: EXTRA_UCFLAGS += -DSRCDIR='"$(CURDIR)"'

# vmtsim(1) end to end: outputs, errors, and the vmt policy's targets.
ATF_SH_TESTS +=		tests/vmtsim/t_vmtsim
$(O)/tests/vmtsim/t_vmtsim: $(O)/bin/vmtsim $(O)/bin/vmtsim-guest \
    $(O)/bin/vmtsim-guest-nots

# The simulated host's noise model and the oracle.
ATF_C_TESTS +=		tests/vmtsim/t_noise
