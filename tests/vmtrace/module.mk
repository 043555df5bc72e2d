# vmtrace(8) tests: the command line and recording format on the build
# machine (t_vmtrace), and the real backdoor under QEMU (t_qemu_probe).

ATF_SH_TESTS +=		tests/vmtrace/t_vmtrace tests/vmtrace/t_qemu_probe
# vmtrace's probe and record against the simulated host, the machine
# access (I/O privilege, CPUID, DMI) stood in for through --wrap.
ATF_C_TESTS +=		tests/vmtrace/t_vmtrace_sim
t_vmtrace_sim_SRCS :=	tools/vmtrace/vt_probe.c tools/vmtrace/vt_record.c \
			tools/vmtrace/vt_backdoor.c
t_vmtrace_sim_KERNEL :=	nots
t_vmtrace_sim_LDFLAGS := -Wl,--wrap=vt_backdoor_open \
			-Wl,--wrap=vt_hypervisor -Wl,--wrap=vt_dmi_vmware
KYUAFILES +=		tests/vmtrace/Kyuafile

# The QEMU test boots an initramfs around static x86 binaries; with a
# compiler for anything else it has nothing to boot and skips.
ifneq ($(filter x86_64-% i386-% i486-% i586-% i686-%,\
    $(shell $(CC) -dumpmachine 2>/dev/null)),)
$(O)/tests/vmtrace/t_qemu_probe: $(O)/bin/vmtrace-static

# hbcheck: the high-bandwidth halves of the backdoor, exercised in the
# same guest (QEMU has no 0x5659 device, which is all the check needs).
HBCHECK_SRCS :=		tests/vmtrace/qemu/hbcheck.c \
			sys/dev/vmt/vmt_backdoor_x86.c
HBCHECK_OBJS :=		$(HBCHECK_SRCS:%.c=$(O)/static/%.o)

$(O)/bin/hbcheck-static: $(HBCHECK_OBJS)
	@mkdir -p $(@D)
	$(CC) -static -o $@ $^

$(O)/tests/vmtrace/t_qemu_probe: $(O)/bin/hbcheck-static
-include $(HBCHECK_OBJS:.o=.d)
endif
