# tests/vmtsim: trace parser, clock model and trace generator.
ATF_C_TESTS +=		tests/vmtsim/t_trace
t_trace_KERNEL :=	none
KYUAFILES :=		$(sort $(KYUAFILES) tests/Kyuafile \
			tests/vmtsim/Kyuafile)

# The tests read the bundled traces from the source tree, wherever kyua
# runs them.
$(O)/u/tests/vmtsim/t_trace.o: EXTRA_UCFLAGS += -DSRCDIR='"$(CURDIR)"'
