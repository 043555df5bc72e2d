#!/bin/sh
#
# NetBSD tier, step 3a: compile every kernel source under sys/ against a
# NetBSD source tree's kernel headers, with NetBSD's kernel warning
# flags and -Werror, for amd64 and i386, with and without
# options VMT_TIMESYNC: in each state, the files config(1) would select.
#
#	NETBSDSRCDIR	a NetBSD source tree (sys/, common/ ...), e.g. /usr/src
#	NBOBJ		a scratch directory this script may write into
#	CC		optional; the compiler (default cc)
#
# Our sys/ is searched before NETBSDSRCDIR/sys, as if it had been copied
# over it: sys/sys/timetc.h shadows NetBSD's.  APIs newer than the tree
# come from tests/netbsd/compat (see compat/sys/atomic.h), never sys/.
#
# Which files a state selects comes from sys/dev/vmt/files.vmt (its
# file lines, and the files.x86 lines its header documents); a file that
# replaces one of NetBSD's (sys/kern/kern_tc.c) is selected in both
# states; a file selected in no state is an error.
#
# Also compiles, in every state, what NetBSD-current's x86 identcpu.c
# and lapic.c need of <dev/vmt/vmtreg.h> and <dev/vmt/vmtvar.h>.
#
# Prints one line per file, architecture and option state, a summary
# per architecture and state, and a final count line.  Exit status 0 if
# everything compiled, 1 if anything failed, 2 if it could not run.

set -u

prog=compile.sh
. "$(dirname "$0")/script_lib.sh"
nb_tree sys/sys/param.h sys/arch/amd64/include sys/arch/i386/include \
    sys/arch/x86/include common/include
OBJ=$(cd "$NBOBJ" && pwd)/compile
REPO=$(cd "$(dirname "$0")/../.." && pwd)
COMPAT=$REPO/tests/netbsd/compat
CC=${CC:-cc}
command -v "$CC" >/dev/null 2>&1 || die "CC=$CC: not found"

rm -rf "$OBJ"
mkdir -p "$OBJ" || die "$OBJ: cannot create"

# NetBSD's kernel warning flags (sys/conf/Makefile.kern.inc, WARNS for
# the kernel) and code generation; -O2 as NetBSD builds kernels, which
# also enables the flow-based warnings.
KFLAGS="-std=gnu99 -O2 -D_KERNEL -D_KERNEL_OPT -D__NetBSD__ -U__linux__
 -U__gnu_linux__ -Ulinux -Uunix -nostdinc -ffreestanding -fno-pie
 -fno-strict-aliasing -fno-common -Wall -Wno-main -Wno-format-zero-length
 -Wpointer-arith -Wmissing-prototypes -Wstrict-prototypes
 -Wold-style-definition -Wswitch -Wshadow -Wcast-qual -Wwrite-strings
 -Wno-pointer-sign -Wno-attributes -Wextra -Wno-unused-parameter
 -Wno-sign-compare -Werror"
# gcc 12 takes x86 curlwp/curcpu() (a %gs-relative load from a small
# constant address) for a null pointer dereference under -O2
# -Warray-bounds (GCC bug 105523); NetBSD's own kern_tc.c trips on it
# too.  Tell the compiler that no page is unmapped at 0, if it can.
if echo 'int x;' | $CC --param=min-pagesize=0 -x c -c -o /dev/null - \
    >/dev/null 2>&1; then
	KFLAGS="$KFLAGS --param=min-pagesize=0"
fi
AMD64FLAGS="-m64 -mcmodel=kernel -mno-red-zone -mno-mmx -mno-sse -mno-avx"
I386FLAGS="-m32 -mno-mmx -mno-sse -mno-avx"

# One include directory per architecture, as config(1) and the kernel
# Makefile make them: machine links, and an empty opt_*.h for every
# option header the kernel headers and our sources include.
mkinc() {	# arch
	d=$OBJ/inc/$1
	mkdir -p "$d" || die "$d: cannot create"
	ln -sfn "$NB/sys/arch/$1/include" "$d/machine"
	ln -sfn "$NB/sys/arch/$1/include" "$d/$1"
	ln -sfn "$NB/sys/arch/x86/include" "$d/x86"
	grep -rhoE '#[[:space:]]*include[[:space:]]+"opt_[A-Za-z0-9_]+\.h"' \
	    "$NB/sys/sys" "$NB/sys/arch/x86/include" \
	    "$NB/sys/arch/$1/include" "$NB/sys/uvm" "$NB/sys/lib/libkern" \
	    "$NB/sys/dev/sysmon" "$NB/sys/kern/kern_tc.c" "$REPO/sys" \
	    2>/dev/null | grep -oE 'opt_[A-Za-z0-9_]+\.h' | sort -u |
	while read -r o; do
		[ "$o" = opt_vmt.h ] || : > "$d/$o"
	done
}
mkinc amd64
mkinc i386
mkdir -p "$OBJ/opt/ts" "$OBJ/opt/nots"
printf '#define\tVMT_TIMESYNC\t1\n' > "$OBJ/opt/ts/opt_vmt.h"
printf '/* option `VMT_TIMESYNC'"'"' not defined */\n' > "$OBJ/opt/nots/opt_vmt.h"

# Selection.  The file lines of files.vmt, then the files.x86 lines its
# header documents ("#<tab>file<tab>..."), as "path expression".
FILES=$REPO/sys/dev/vmt/files.vmt
[ -f "$FILES" ] || die "$FILES: missing"
{
	sed -n 's/^file[[:space:]]\{1,\}\([^[:space:]]\{1,\}\)[[:space:]]*\(.*\)$/\1 \2/p' "$FILES"
	sed -n 's/^#[[:space:]]\{1,\}file[[:space:]]\{1,\}\([^[:space:]]\{1,\}\)[[:space:]]*\(.*\)$/\1 \2/p' "$FILES"
} > "$OBJ/filelines"

# Is an expression of config(5) attributes true, with vmt and, in state
# ts, vmt_timesync selected and nothing else?
selected() {	# state expression...
	st=$1
	shift
	echo "$*" | awk -v ts="$st" '
	function val(t) {
		if (t == "vmt") return 1
		if (t == "vmt_timesync") return ts == "ts"
		return 0
	}
	function prim(   v) {
		if (tok[pos] == "!") { pos++; return !prim() }
		if (tok[pos] == "(") { pos++; v = orx(); pos++; return v }
		return val(tok[pos++])
	}
	function andx(   v, w) {
		v = prim()
		while (tok[pos] == "&") { pos++; w = prim(); v = v && w }
		return v
	}
	function orx(   v, w) {
		v = andx()
		while (tok[pos] == "|") { pos++; w = andx(); v = v || w }
		return v
	}
	{
		s = $0
		gsub(/needs-(flag|count)/, "", s)
		gsub(/[()!&|]/, " & ", s)
		n = split(s, tok, /[[:space:]]+/)
		m = 0
		for (i = 1; i <= n; i++) if (tok[i] != "") t2[++m] = tok[i]
		for (i = 1; i <= m; i++) tok[i] = t2[i]
		tok[m + 1] = ""
		pos = 1
		exit (m == 0 || orx()) ? 0 : 1
	}'
}

# Every .c under sys/, with the states that select it.
: > "$OBJ/plan"
nerr=0
for src in $(cd "$REPO" && find sys -name '*.c' | sort); do
	rel=${src#sys/}
	line=$(awk -v p="$rel" '$1 == p { $1 = ""; print; f = 1; exit }
	    END { exit !f }' "$OBJ/filelines") && listed=1 || listed=0
	states=
	for st in ts nots; do
		if [ $listed = 1 ]; then
			selected $st $line && states="$states $st"
		elif [ -f "$NB/sys/$rel" ]; then
			states="$states $st"
		fi
	done
	if [ -z "$states" ]; then
		echo "FAIL  -      -                $src: selected by no configuration"
		nerr=$((nerr + 1))
		continue
	fi
	for st in $states; do
		echo "$src $st" >> "$OBJ/plan"
	done
done

# NetBSD-current's x86 identcpu.c and lapic.c include <dev/vmt/vmtreg.h>
# and <dev/vmt/vmtvar.h> for vmt_hvcall() and its constants, whether or
# not vmt is configured: a drop-in sys/dev/vmt must keep serving them.
mkdir -p "$OBJ/consumers"
cat > "$OBJ/consumers/hvcall_user.c" <<'EOF'
/* What NetBSD-current's x86 identcpu.c and lapic.c use of dev/vmt. */
#include <sys/cdefs.h>
#include <sys/param.h>
#include <sys/systm.h>

#include <dev/vmt/vmtreg.h>
#include <dev/vmt/vmtvar.h>

bool	tier_is_vmware(void);
bool	tier_x2apic_ok(void);

bool
tier_is_vmware(void)
{
	u_int regs[6];

	vmt_hvcall(VM_CMD_GET_VERSION, regs);
	return regs[1] == VM_MAGIC;
}

bool
tier_x2apic_ok(void)
{
	u_int regs[6];

	vmt_hvcall(VM_CMD_GET_VCPU_INFO, regs);
	return !ISSET(regs[0], VCPUINFO_VCPU_RESERVED) &&
	    ISSET(regs[0], VCPUINFO_LEGACY_X2APIC);
}
EOF
for st in ts nots; do
	echo "@hvcall_user $st" >> "$OBJ/plan"
done

ok=0
bad=0
for arch in amd64 i386; do
	case $arch in
	amd64)	aflags=$AMD64FLAGS ;;
	i386)	aflags=$I386FLAGS ;;
	esac
	for st in ts nots; do
		case $st in
		ts)	label="VMT_TIMESYNC" ;;
		nots)	label="no VMT_TIMESYNC" ;;
		esac
		n=0
		nok=0
		nsys=0
		for src in $(awk -v s=$st '$2 == s { print $1 }' "$OBJ/plan"); do
			case $src in
			@*)	c=$OBJ/consumers/${src#@}.c
				o=$OBJ/obj/$arch-$st/${src#@}.o
				src="NetBSD-current identcpu.c/lapic.c: vmt_hvcall()" ;;
			*)	c=$REPO/$src
				o=$OBJ/obj/$arch-$st/${src%.c}.o
				nsys=$((nsys + 1)) ;;
			esac
			mkdir -p "$(dirname "$o")"
			# shellcheck disable=SC2086
			if $CC $KFLAGS $aflags -I"$OBJ/opt/$st" \
			    -I"$OBJ/inc/$arch" -I"$REPO/sys" -I"$COMPAT" \
			    -I"$NB/sys/arch" -I"$NB/sys" -I"$NB/common/include" \
			    -c "$c" -o "$o" > "$o.log" 2>&1; then
				printf 'ok    %-6s %-16s %s\n' $arch "$label" "$src"
				nok=$((nok + 1))
			else
				printf 'FAIL  %-6s %-16s %s\n' $arch "$label" "$src"
				grep -E 'error|warning' "$o.log" | head -n 12 |
				    sed "s|$NB/|\$NETBSDSRCDIR/|g; s|$REPO/||g; s/^/      /"
				echo "      (all of it: $o.log)"
			fi
			n=$((n + 1))
		done
		echo "$arch $label: $n compiled ($nsys sys/ files and" \
		    "$((n - nsys)) use of vmt_hvcall), $nok ok," \
		    "$((n - nok)) failed" >> "$OBJ/summary"
		ok=$((ok + nok))
		bad=$((bad + n - nok))
	done
done
cat "$OBJ/summary"
echo "compile: $((ok + bad)) compiled, $ok ok, $bad failed" \
    "($nerr not selected)"
[ $bad -eq 0 ] && [ $nerr -eq 0 ]
