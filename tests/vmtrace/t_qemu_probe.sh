#! /usr/bin/env atf-sh
#
# vmtrace(8) against a real backdoor: QEMU's vmport (-machine vmport=on)
# in a throwaway Linux guest whose initramfs runs "vmtrace probe" and
# "vmtrace record" (tests/vmtrace/qemu/mkinitramfs), and hbcheck, which
# drives the high-bandwidth halves of sys/dev/vmt/vmt_backdoor_x86.c.
#
# QEMU's vmport answers GETVERSION, GETRAMSIZE, GETBIOSUUID, GETHZ,
# GET_VCPU_INFO and the vmmouse commands; every other command returns
# EAX = 0xffffffff.  So the time commands must come out "unsupported"
# and vmtrace record must fall back to CLOCK_REALTIME.
#
# GETHZ answers only when QEMU knows both the TSC rate and the APIC bus
# rate.  The bus rate is set by the KVM (and HVF) accelerator code alone,
# so under TCG GETHZ is unsupported whatever -cpu tsc-frequency says
# (EBX = 0xffffffff).  Under KVM it gives the rate KVM runs the guest
# TSC at, which the guest kernel measures for itself ("tsc: Detected
# ... MHz"): the two must agree within 1%.
#
# Inputs: qemu-system-x86_64, a bzImage (VMTRACE_QEMU_KERNEL, else
# build/qemu-kernel/vmlinuz as .ci/deps-vmtrace leaves it, else the
# running kernel's image in /boot), a static busybox (VMTRACE_BUSYBOX,
# else /bin/busybox).  The KVM case runs only when asked for with
# VMTRACE_QEMU_KVM=1 (or kyua -v test_suites.vmt-timesync.qemu_kvm=1):
# nested KVM is often present but unable to boot a guest.

SRCDIR=@SRCDIR@
BINDIR=@BINDIR@

find_inputs()
{
	command -v qemu-system-x86_64 >/dev/null 2>&1 ||
	    atf_skip "qemu-system-x86_64 not found (run .ci/deps-vmtrace)"
	kernel=
	for k in "${VMTRACE_QEMU_KERNEL:-}" \
	    "$SRCDIR/build/qemu-kernel/vmlinuz" \
	    "/boot/vmlinuz-$(uname -r)" /boot/vmlinuz /vmlinuz; do
		if [ -n "$k" ] && [ -r "$k" ]; then
			kernel=$k
			break
		fi
	done
	[ -n "$kernel" ] ||
	    atf_skip "no readable Linux kernel image (run .ci/deps-vmtrace)"
	busybox=${VMTRACE_BUSYBOX:-/bin/busybox}
	[ -x "$busybox" ] && ! ldd "$busybox" >/dev/null 2>&1 ||
	    atf_skip "no static busybox at $busybox (run .ci/deps-vmtrace)"
	case $(uname -m) in
	x86_64|i?86)
		for b in vmtrace-static hbcheck-static; do
			[ -x "$BINDIR/$b" ] || atf_fail "$BINDIR/$b is not built"
		done
		;;
	*)
		atf_skip "the guest binaries are x86; this is $(uname -m)"
		;;
	esac
	echo "kernel: $kernel"
}

# boot accel: build the initramfs, boot, leave the console in
# console.log and each marked section in <name>.out.
boot()
{
	atf_check -s exit:0 -o empty -e empty \
	    "$SRCDIR/tests/vmtrace/qemu/mkinitramfs" "$BINDIR/vmtrace-static" \
	    "$BINDIR/hbcheck-static" "$busybox" initrd.cpio
	start=$(date +%s)
	rc=0
	"$SRCDIR/tests/vmtrace/qemu/run-qemu" "$kernel" initrd.cpio "$1" \
	    console.log 90 || rc=$?
	echo "QEMU ($1) exited $rc after $(($(date +%s) - start)) s"
	cat console.log
	if ! grep -q '^VMTRACE-END dmesg' console.log; then
		[ "$rc" -eq 124 ] &&
		    atf_fail "the guest did not finish within 90 s"
		atf_fail "the guest did not run /init to the end (QEMU status $rc)"
	fi
	for s in probe record hbcheck dmesg; do
		sed -n "/VMTRACE-BEGIN $s\$/,/^VMTRACE-END $s\$/p" \
		    console.log | sed '1d;$d' > "$s.out"
	done
}

check_common()
{
	atf_check -s exit:0 -o ignore -e empty \
	    grep -x 'VMTRACE-STATUS probe 0' probe.out
	atf_check -s exit:0 -o ignore -e empty grep -E \
	    '^GETVERSION\(10\): ok magic=0x564d5868 version=6 vmx_type=2 ' \
	    probe.out
	for c in 'GETTIME(23)' 'GETTIMEFULL(46)' 'GETTIMEFULL_WITH_LAG(55)' \
	    'GETGUIOPTIONS(13)'; do
		atf_check -s exit:0 -o ignore -e empty \
		    grep -F "$c: unsupported (eax 0xffffffff " probe.out
	done
	# No time commands: the recording falls back to the guest's own
	# real-time clock and says why.
	atf_check -s exit:0 -o ignore -e empty \
	    grep -x 'VMTRACE-STATUS record 0' record.out
	atf_check -s exit:0 -o ignore -e empty grep -E \
	    '^meta source realtime.*answers neither GETTIMEFULL_WITH_LAG nor GETTIMEFULL' \
	    record.out
	[ "$(grep -c '^sample [0-9]* [0-9]*$' record.out)" -eq 3 ] ||
	    atf_fail "the guest's recording does not hold 3 samples"
	# The high-bandwidth calls and the register frame, on real x86.
	atf_check -s exit:0 -o ignore -e empty \
	    grep -x 'VMTRACE-STATUS hbcheck 0' hbcheck.out
	atf_check -s exit:0 -o ignore -e empty \
	    grep -x 'hbcheck: 0 failures' hbcheck.out
}

atf_test_case tcg
tcg_head()
{
	atf_set "descr" "vmtrace probe under QEMU TCG with vmport=on"
	atf_set "timeout" "150"
}
tcg_body()
{
	find_inputs
	boot tcg
	check_common
	# See the top of this file: TCG never knows the APIC bus rate.
	atf_check -s exit:0 -o ignore -e empty \
	    grep -F 'GETHZ(45): unsupported (eax ' probe.out
	atf_check -s exit:0 -o ignore -e empty \
	    grep -x 'meta gethz unsupported' record.out
}

atf_test_case kvm
kvm_head()
{
	atf_set "descr" "vmtrace probe under QEMU KVM: GETHZ matches the" \
	    "TSC rate the guest kernel measures"
	atf_set "timeout" "150"
}
kvm_body()
{
	want=${VMTRACE_QEMU_KVM:-$(atf_config_get qemu_kvm 0)}
	[ "$want" = 1 ] || atf_skip "not asked for: set VMTRACE_QEMU_KVM=1" \
	    "(nested KVM often cannot boot a guest)"
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || atf_skip "/dev/kvm is not usable"
	find_inputs
	boot kvm
	check_common
	hz=$(sed -n 's/^GETHZ(45): ok tsc_hz=\([0-9]*\) .*/\1/p' probe.out)
	[ -n "$hz" ] && [ "$hz" -gt 0 ] || atf_fail "GETHZ gave no TSC rate"
	mhz=$(sed -n 's/.*tsc: Refined TSC clocksource calibration: \([0-9.]*\) MHz.*/\1/p' \
	    dmesg.out | tail -n 1)
	[ -n "$mhz" ] || mhz=$(sed -n \
	    's/.*tsc: Detected \([0-9.]*\) MHz processor.*/\1/p' dmesg.out |
	    tail -n 1)
	[ -n "$mhz" ] || atf_fail "the guest kernel printed no TSC rate"
	echo "GETHZ $hz Hz, guest kernel $mhz MHz"
	awk -v hz="$hz" -v mhz="$mhz" 'BEGIN {
		d = hz / (mhz * 1e6) - 1
		exit !(d < 0.01 && d > -0.01)
	}' || atf_fail "GETHZ $hz Hz and the guest's $mhz MHz differ by 1% or more"
}

atf_init_test_cases()
{
	atf_add_test_case tcg
	atf_add_test_case kvm
}
