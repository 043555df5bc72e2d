# vmtrace(8): probe the VMware backdoor, record clock pairs as a trace.
#
# The real backdoor (sys/dev/vmt/vmt_backdoor_x86.c) is linked here and
# only here: the simulator supplies its own.  On a compiler that does not
# target x86 vmtrace is built without it and records CLOCK_REALTIME.

VMTRACE_X86 :=		$(filter x86_64-% i386-% i486-% i586-% i686-%,\
			$(shell $(CC) -dumpmachine 2>/dev/null))

PROGS +=		vmtrace
vmtrace_SRCS :=		tools/vmtrace/vmtrace.c tools/vmtrace/vt_backdoor.c \
			tools/vmtrace/vt_probe.c tools/vmtrace/vt_record.c \
			$(if $(VMTRACE_X86),sys/dev/vmt/vmt_backdoor_x86.c)
vmtrace_KERNEL :=	none
vmtrace_LDLIBS :=
ifeq ($(shell uname -s),NetBSD)
vmtrace_LDLIBS +=	$(if $(filter x86_64-%,$(VMTRACE_X86)),-lx86_64,-li386)
endif
ifeq ($(shell uname -s),OpenBSD)
vmtrace_LDLIBS +=	$(if $(filter x86_64-% amd64-%,$(VMTRACE_X86)),-lamd64,-li386)
endif

# A static vmtrace for the initramfs of the QEMU test.  Its objects are
# built apart, without sanitizers, so that SANITIZE=1 builds link too.
VMTRACE_STATIC_CFLAGS =	$(CSTD) $(OPT) $(WARNS) -D_GNU_SOURCE -Itools \
			-Itools/kern -Isys
VMTRACE_STATIC_OBJS :=	$(vmtrace_SRCS:%.c=$(O)/static/%.o)

$(O)/static/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(VMTRACE_STATIC_CFLAGS) -MMD -MP -c -o $@ $<

$(O)/bin/vmtrace-static: $(VMTRACE_STATIC_OBJS)
	@mkdir -p $(@D)
	$(CC) -static -o $@ $^ $(vmtrace_LDLIBS) -lm

-include $(VMTRACE_STATIC_OBJS:.o=.d)
