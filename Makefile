# vmt timesync: top-level GNU makefile.
#
#	make			build the programs and kernel libraries into $(O);
#				needs only a C compiler and make
#	make tests		also build the ATF test programs (libatf-dev)
#	make test		install what the suite needs (tools/ci/test-deps),
#				build the tests, run the ATF suite with kyua
#	make test SANITIZE=1	the same under ASan + UBSan (separate $(O))
#	make bench-netbsd	kern_tc.c's readers in a NetBSD rump kernel
#	make tsan		kern_tc's readers under ThreadSanitizer (clang)
#	make fuzz		libFuzzer targets (clang), FUZZ_SECONDS each
#	make bench		replay every bundled trace, print and write the
#				README's results
#	make run		the main job: a bundled trace, side by side
#
# Each directory adds to the variables below in its own *.mk fragment:
#   KSRCS	kernel sources (sys/ and the kernel side of tools/kern);
#		built with -D_KERNEL against the kernel headers only, twice:
#		into libkern-ts.a (options VMT_TIMESYNC) and libkern-nots.a
#   KSRCS_TS	kernel sources that only "options VMT_TIMESYNC" compiles in
#   USRCS	userland library sources, into libsim.a
#   PROGS	programs; for each P: P_SRCS, P_KERNEL (ts, nots or none)
#   ATF_C_TESTS	tests/<dir>/<name> built from <name>.c (+ <name>_SRCS,
#		<name>_KERNEL as for PROGS, default ts; <name>_LDFLAGS,
#		e.g. -Wl,--wrap=sym for a test that stands in for a
#		kernel function)
#   ATF_SH_TESTS tests/<dir>/<name> from <name>.sh; @BINDIR@, @SRCDIR@
#		and @TESTDIR@ are substituted
#   FUZZERS	libFuzzer targets, like PROGS (+ <name>_LDFLAGS), built by
#		"make fuzz" only

.DEFAULT_GOAL :=	all
SHELL :=		/bin/bash

SANITIZE ?=		0
ifeq ($(SANITIZE),1)
O ?=			build/san
SANFLAGS ?=		-fsanitize=address,undefined -fno-sanitize-recover=all \
			-fno-omit-frame-pointer
else
O ?=			build/obj
SANFLAGS ?=
endif

OPT ?=			-O2 -g
WARNS :=		-Wall -Wextra -Werror -Wno-unused-parameter \
			-Wmissing-prototypes -Wstrict-prototypes -Wshadow
CSTD :=			-std=gnu11
COMMON_CFLAGS =		$(CSTD) $(OPT) $(WARNS) $(SANFLAGS) -MMD -MP

# Kernel code sees the project's kernel headers and the environment's,
# never libc's: -nostdinc, and everything comes from -I below.
KCFLAGS =		$(COMMON_CFLAGS) -D_KERNEL -nostdinc -ffreestanding \
			-fno-strict-aliasing -Isys -Itools/kern/include
UCFLAGS =		$(COMMON_CFLAGS) -D_GNU_SOURCE -Itools -Itools/kern -Isys \
			$(EXTRA_UCFLAGS)
LDLIBS :=		-lm -lpthread
ATF_LIBS :=		-latf-c

KSRCS :=
KSRCS_TS :=
USRCS :=
PROGS :=
ATF_C_TESTS :=
ATF_SH_TESTS :=
FUZZERS :=
KYUAFILES :=

include $(sort $(wildcard sys/*.mk sys/*/*.mk sys/*/*/*.mk tools/*/*.mk \
	tests/*.mk tests/*/*.mk fuzz/*.mk))

# --- objects ---------------------------------------------------------------
KOBJS_TS :=		$(KSRCS:%.c=$(O)/kts/%.o) $(KSRCS_TS:%.c=$(O)/kts/%.o)
KOBJS_NOTS :=		$(KSRCS:%.c=$(O)/knots/%.o)
UOBJS :=		$(USRCS:%.c=$(O)/u/%.o)

LIBKERN_TS :=		$(O)/libkern-ts.a
LIBKERN_NOTS :=		$(O)/libkern-nots.a
LIBSIM :=		$(O)/libsim.a

$(O)/opt-ts/opt_vmt.h:
	@mkdir -p $(@D)
	printf '#define VMT_TIMESYNC 1\n' > $@
$(O)/opt-nots/opt_vmt.h:
	@mkdir -p $(@D)
	printf '/* options VMT_TIMESYNC not set */\n' > $@

$(O)/kts/%.o: %.c $(O)/opt-ts/opt_vmt.h
	@mkdir -p $(@D)
	$(CC) $(KCFLAGS) -I$(O)/opt-ts -c -o $@ $<
$(O)/knots/%.o: %.c $(O)/opt-nots/opt_vmt.h
	@mkdir -p $(@D)
	$(CC) $(KCFLAGS) -I$(O)/opt-nots -c -o $@ $<
$(O)/u/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(UCFLAGS) -c -o $@ $<

$(LIBKERN_TS): $(KOBJS_TS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^
$(LIBKERN_NOTS): $(KOBJS_NOTS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^
$(LIBSIM): $(UOBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

# kernel_libs(flavour): the archives a program of that flavour links.
kernel_libs =		$(LIBSIM) $(if $(filter none,$(1)),,\
			$(if $(filter nots,$(1)),$(LIBKERN_NOTS),$(LIBKERN_TS)))

# --- programs --------------------------------------------------------------
define prog_template
$(O)/bin/$(1): $$($(1)_SRCS:%.c=$(O)/u/%.o) \
    $$(call kernel_libs,$$(or $$($(1)_KERNEL),ts))
	@mkdir -p $$(@D)
	$$(CC) $$(SANFLAGS) -o $$@ $$($(1)_SRCS:%.c=$(O)/u/%.o) \
	    -Wl,--start-group $$(call kernel_libs,$$(or $$($(1)_KERNEL),ts)) \
	    -Wl,--end-group $$($(1)_LDLIBS) $$(LDLIBS)
endef
$(foreach p,$(PROGS),$(eval $(call prog_template,$(p))))

define atf_c_template
$(O)/$(1): $(O)/u/$(1).o $$($(notdir $(1))_SRCS:%.c=$(O)/u/%.o) \
    $$(call kernel_libs,$$(or $$($(notdir $(1))_KERNEL),ts))
	@mkdir -p $$(@D)
	$$(CC) $$(SANFLAGS) -o $$@ $$(filter %.o,$$^) \
	    -Wl,--start-group $$(call kernel_libs,$$(or $$($(notdir $(1))_KERNEL),ts)) \
	    -Wl,--end-group $$($(notdir $(1))_LDFLAGS) $$(ATF_LIBS) $$(LDLIBS)
endef
$(foreach t,$(ATF_C_TESTS),$(eval $(call atf_c_template,$(t))))

define atf_sh_template
$(O)/$(1): $(1).sh
	@mkdir -p $$(@D)
	sed -e 's|@BINDIR@|$$(abspath $(O)/bin)|g' \
	    -e 's|@SRCDIR@|$$(CURDIR)|g' \
	    -e 's|@TESTDIR@|$$(abspath $(O)/$(dir $(1)))|g' $$< > $$@.tmp
	chmod +x $$@.tmp && mv $$@.tmp $$@
endef
$(foreach t,$(ATF_SH_TESTS),$(eval $(call atf_sh_template,$(t))))

$(O)/%/Kyuafile: %/Kyuafile
	@mkdir -p $(@D)
	cp $< $@

BIN_PROGS :=		$(PROGS:%=$(O)/bin/%)
TEST_PROGS :=		$(ATF_C_TESTS:%=$(O)/%) $(ATF_SH_TESTS:%=$(O)/%)
TEST_KYUAFILES :=	$(KYUAFILES:%=$(O)/%)

# The main job needs nothing from the test suite: "all" builds the
# programs only, so that a machine with a C compiler and make runs it.
all: $(BIN_PROGS) $(LIBKERN_TS) $(LIBKERN_NOTS)

tests: all $(TEST_PROGS) $(TEST_KYUAFILES)

# --- test ------------------------------------------------------------------
# The set-up comes first and alone: with a package missing, nothing is
# compiled and one line says what to install.
test:
	tools/ci/test-deps
	$(MAKE) tests
	$(MAKE) netbsd-tier
	tools/ci/run-kyua $(O)

# The kernel core's lock-free readers under ThreadSanitizer (clang).
TSAN_O :=		build/tsan
tsan:
	$(MAKE) CC=clang O=$(TSAN_O) SANITIZE=0 SANFLAGS=-fsanitize=thread \
	    $(addprefix $(TSAN_O)/,$(filter tests/kern/%,$(ATF_C_TESTS)))
	TSAN_OPTIONS="halt_on_error=1 $${TSAN_OPTIONS:-}" \
	    tools/ci/run-kyua $(TSAN_O) tests/kern/Kyuafile

# --- fuzz ------------------------------------------------------------------
FUZZ_SECONDS ?=		60
FUZZ_O :=		build/fuzz
FUZZ_SAN :=		-fsanitize=fuzzer-no-link,address,undefined \
			-fno-sanitize-recover=all -fno-omit-frame-pointer

define fuzz_template
$(O)/fuzz/$(1): $$($(1)_SRCS:%.c=$(O)/u/%.o) \
    $$(call kernel_libs,$$(or $$($(1)_KERNEL),ts))
	@mkdir -p $$(@D)
	$$(CC) $$(SANFLAGS) -fsanitize=fuzzer -o $$@ \
	    $$($(1)_SRCS:%.c=$(O)/u/%.o) -Wl,--start-group \
	    $$(call kernel_libs,$$(or $$($(1)_KERNEL),ts)) -Wl,--end-group \
	    $$($(1)_LDFLAGS) $$(LDLIBS)
endef
$(foreach f,$(FUZZERS),$(eval $(call fuzz_template,$(f))))

fuzz-build: $(FUZZERS:%=$(O)/fuzz/%)

fuzz:
	$(MAKE) CC=clang O=$(FUZZ_O) SANITIZE=1 SANFLAGS="$(FUZZ_SAN)" fuzz-build
	tools/ci/run-fuzz $(FUZZ_O) $(FUZZ_SECONDS) $(FUZZERS)

# --- the main job and the benchmark ----------------------------------------
run: all
	$(O)/bin/vmtsim tools/vmtsim/traces/steady.trace

bench: all
	tools/vmtsim/bench.sh --readme README.md $(O)/bin/vmtsim \
	    tools/vmtsim/traces

clean:
	rm -rf build

.PHONY: all tests test tsan fuzz fuzz-build run bench clean

-include $(KOBJS_TS:.o=.d) $(KOBJS_NOTS:.o=.d) $(UOBJS:.o=.d) \
	$(wildcard $(O)/u/tests/*/*.d $(O)/u/tools/*/*.d)
