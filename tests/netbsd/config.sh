#!/bin/sh
#
# NetBSD tier, step 3b: build config(1) from a NetBSD source tree and run
# it over a small kernel configuration that includes the tree's
# sys/conf/files, our sys/dev/vmt/files.vmt and an x86 fragment with the
# vmt lines files.vmt documents; check which of our files it selects,
# for amd64 and i386, with and without options VMT_TIMESYNC, and what it
# writes to opt_vmt.h.
#
#	NETBSDSRCDIR	a NetBSD source tree (sys/, usr.bin/, common/ ...)
#	NBOBJ		a scratch directory this script may write into
#	CC		optional; the host compiler (default cc)
#	LEX		optional; lex(1) (default: lex, else flex)
#
# config(1) is built from NETBSDSRCDIR/usr.bin/config with the host
# compiler and NetBSD's yacc, itself built from
# NETBSDSRCDIR/external/bsd/byacc (config's grammar needs byacc's
# layout; bison's will not do).  On a host other than NetBSD, the few
# NetBSD libc and libutil functions they need come from
# tests/netbsd/compat/host.  The tree is never written to: config runs
# over a tree of symbolic links in NBOBJ where our sys/ files stand in
# for NetBSD's, as if copied over them, and the machine's conf files
# are ours (the minimum config needs; a source subset may have none).
#
# Prints one line per check and a final count line.  Exit status 0 if
# every check passed, 1 if any failed, 2 if it could not run.

set -u

prog=config.sh
. "$(dirname "$0")/script_lib.sh"
nb_tree sys/conf/files usr.bin/config/main.c usr.bin/cksum/crc.c
OBJ=$(cd "$NBOBJ" && pwd)/config
REPO=$(cd "$(dirname "$0")/../.." && pwd)
HOSTCOMPAT=$REPO/tests/netbsd/compat/host
CC=${CC:-cc}
command -v "$CC" >/dev/null 2>&1 || die "CC=$CC: not found"
if [ -z "${LEX:-}" ]; then
	if command -v lex >/dev/null 2>&1; then
		LEX=lex
	elif command -v flex >/dev/null 2>&1; then
		LEX=flex
	else
		die "no lex(1) found: install flex (Debian: apt-get install flex)"
	fi
fi

rm -rf "$OBJ"
mkdir -p "$OBJ" || die "$OBJ: cannot create"

# The values of a make(1) variable (VAR= and VAR+= lines, with their
# continuation lines) in a NetBSD Makefile.
mkvar() {	# makefile var
	awk -v v="$2" '
	{
		line = $0
		while (line ~ /\\$/ && (getline nxt) > 0)
			line = substr(line, 1, length(line) - 1) " " nxt
		if (match(line, "^" v "[ \t]*\\+?=")) {
			print substr(line, RLENGTH + 1)
		}
	}' "$1" | tr -s ' \t' '\n\n' | grep -v '^$'
}

# --- build yacc and config ---------------------------------------------
BIN=$OBJ/bin
mkdir -p "$BIN" "$OBJ/yacc" "$OBJ/cfgsrc"
if [ "$(uname -s)" = NetBSD ]; then
	HOSTFLAGS=""
	HOSTLIBS="-lutil"
	COMPATSRC=""
else
	HOSTFLAGS="-DHAVE_NBTOOL_CONFIG_H=1 -D_GNU_SOURCE -I$HOSTCOMPAT
	    -include $HOSTCOMPAT/nbtool_config.h"
	HOSTLIBS=""
	COMPATSRC=$HOSTCOMPAT/compat.c
fi

build_log=$OBJ/build.log
: > "$build_log"
hostcc() {	# args...
	# shellcheck disable=SC2086
	$CC -O -fcommon -w $HOSTFLAGS "$@" >> "$build_log" 2>&1
}

BY=$NB/external/bsd/byacc
if [ -d "$BY/dist" ]; then
	objs=
	for s in $(mkvar "$BY/bin/Makefile" SRCS) $COMPATSRC; do
		case $s in /*) f=$s ;; *) f=$BY/dist/$s ;; esac
		o=$OBJ/yacc/$(basename "$s" .c).o
		hostcc -DHAVE_CONFIG_H -DMAXTABLE=INT_MAX -DGCC_NORETURN=__dead \
		    -I"$BY/include" -I"$BY/dist" -c "$f" -o "$o" ||
		    die "building yacc from $BY failed; see $build_log"
		objs="$objs $o"
	done
	# shellcheck disable=SC2086
	hostcc -o "$BIN/yacc" $objs $HOSTLIBS ||
	    die "linking yacc failed; see $build_log"
	YACC=$BIN/yacc
elif command -v yacc >/dev/null 2>&1; then
	YACC=yacc
else
	die "no $BY and no yacc(1)"
fi

CS=$NB/usr.bin/config
(cd "$OBJ/cfgsrc" && "$YACC" -d -o gram.c "$CS/gram.y" &&
    "$LEX" -o scan.c "$CS/scan.l") >> "$build_log" 2>&1 ||
    die "yacc or lex on $CS failed; see $build_log"
objs=
for s in $(mkvar "$CS/Makefile" SRCS) $COMPATSRC; do
	case $s in
	/*)	f=$s ;;
	gram.y|scan.l) f=$OBJ/cfgsrc/${s%.?}.c ;;
	crc.c)	f=$NB/usr.bin/cksum/crc.c ;;
	*)	f=$CS/$s ;;
	esac
	o=$OBJ/cfgsrc/$(basename "$f" .c).o
	hostcc -DMAKE_BOOTSTRAP -I"$CS" -I"$OBJ/cfgsrc" -I"$NB/usr.bin/cksum" \
	    -c "$f" -o "$o" || die "building config from $CS failed; see $build_log"
	objs="$objs $o"
done
# shellcheck disable=SC2086
hostcc -o "$BIN/config" $objs $HOSTLIBS ||
    die "linking config failed; see $build_log"
echo "built config(1) from $CS"

# --- the source tree config reads --------------------------------------
# $SRC mirrors $NB/sys with symbolic links; a directory is made real,
# one level at a time, where something of ours must go in.
SRC=$OBJ/src/sys
mkdir -p "$SRC"
for e in "$NB"/sys/*; do
	ln -s "$e" "$SRC/$(basename "$e")"
done
materialize() {	# directory relative to $SRC
	[ "$(dirname "$1")" = . ] || materialize "$(dirname "$1")"
	p=$SRC/$1
	if [ -L "$p" ]; then
		t=$(readlink "$p")
		rm "$p"
		mkdir "$p"
		for c in "$t"/* "$t"/.[!.]*; do
			[ -e "$c" ] || [ -L "$c" ] || continue
			ln -s "$c" "$p/$(basename "$c")"
		done
	elif [ ! -d "$p" ]; then
		mkdir "$p"
	fi
}
SRCP=$(cd "$SRC" && pwd -P)
# Make the directory of a path real and make sure it is ours: nothing
# may ever be written into NETBSDSRCDIR through a link.
ourdir() {	# path relative to $SRC
	materialize "$(dirname "$1")"
	case $(cd "$SRC/$(dirname "$1")" && pwd -P) in
	"$SRCP"|"$SRCP"/*) ;;
	*)	die "internal error: $SRC/$(dirname "$1") leads out of $SRC" ;;
	esac
	rm -f "$SRC/$1"
}
put() {	# path relative to $SRC, stdin: contents
	ourdir "$1"
	cat > "$SRC/$1"
}
# Ours stand in for NetBSD's.
for f in $(cd "$REPO/sys" && find . -type f | sed 's|^\./||'); do
	ourdir "$f"
	ln -s "$REPO/sys/$f" "$SRC/$f"
done
# Includes of conf/files that a source subset lacks.
for f in $(sed -n 's/^include[[:space:]]\{1,\}"\([^"]*\)".*/\1/p' \
    "$NB/sys/conf/files"); do
	if [ ! -e "$SRC/$f" ]; then
		: | put "$f"
		echo "note: $f is not in NETBSDSRCDIR; an empty one stands in"
	fi
done

# The x86 fragment: what config needs of files.x86 to attach a cpu
# with its cpufeaturebus, and the vmt lines files.vmt documents.
X86LINES=$(sed -n 's/^#[[:space:]]\{1,\}\(attach[[:space:]].*\)$/\1/p;
    s/^#[[:space:]]\{1,\}\(file[[:space:]].*\)$/\1/p' \
    "$REPO/sys/dev/vmt/files.vmt")
[ -n "$X86LINES" ] || die "files.vmt documents no files.x86 lines"
if grep -q '^include[[:space:]]*"dev/vmt/files.vmt"' "$NB/sys/conf/files"
then
	VMTINCLUDE="# conf/files includes dev/vmt/files.vmt"
else
	VMTINCLUDE='include "dev/vmt/files.vmt"'
fi
put arch/x86/conf/files.x86 <<EOF
# Written by tests/netbsd/config.sh: the minimum of files.x86.
define	cpubus { [apid = -1] }
define	cpufeaturebus {}
device	cpu: cpufeaturebus
attach	cpu at cpubus
file	arch/x86/x86/cpu.c		cpu

$VMTINCLUDE
$X86LINES
EOF
for m in amd64 i386; do
	put arch/$m/conf/files.$m <<EOF
# Written by tests/netbsd/config.sh: the minimum of files.$m.
maxpartitions 16
maxusers 2 16 128
device	mainbus: cpubus
attach	mainbus at root
file	arch/$m/$m/mainbus.c		mainbus
device-major	mem		char 2
EOF
	printf '%%CFILES\n%%SFILES\n%%OBJS\n' | put arch/$m/conf/Makefile.$m
done

# --- the checks ----------------------------------------------------------
nok=0
nbad=0
check() {	# ok|FAIL arch label what
	printf '%-5s %-6s %-16s %s\n' "$1" "$2" "$3" "$4"
	if [ "$1" = ok ]; then nok=$((nok + 1)); else nbad=$((nbad + 1)); fi
}

# What must be selected: every .c of ours in both states, but for the
# time-sync module, which only options VMT_TIMESYNC brings in.
TSONLY="dev/vmt/vmt_timesync.c dev/vmt/vmt_timesync_host.c
 dev/vmt/vmt_timesync_sysctl.c dev/vmt/vmt_tspolicy.c
 dev/vmt/vmt_tspolicy_filter.c dev/vmt/vmt_tspolicy_noise.c
 dev/vmt/vmt_timesync_disc.c dev/vmt/vmt_timesync_startup.c
 dev/vmt/vmt_timesync_pclk.c"
OURS=$(cd "$REPO/sys" && find . -name '*.c' | sed 's|^\./||' | sort)
expected() {	# state
	for f in $OURS; do
		case " $(echo $TSONLY) " in
		*" $f "*) [ "$1" = ts ] && echo "$f" ;;
		*)	echo "$f" ;;
		esac
	done
}

for arch in amd64 i386; do
	for st in ts nots; do
		case $st in
		ts)	label="VMT_TIMESYNC"
			opts="options	VMT_TIMESYNC
options	VMT_TIMESYNC_PERIOD=30" ;;
		nots)	label="no VMT_TIMESYNC"
			opts="" ;;
		esac
		d=$OBJ/$arch-$st
		mkdir -p "$d"
		cat > "$d/CONF" <<EOF
# Written by tests/netbsd/config.sh.
machine	$arch x86
include	"conf/std"
maxusers	8
$opts
config	netbsd	root on ? type ?
mainbus0	at root
cpu0		at mainbus?
vmt0		at cpu0
EOF
		if ! (cd "$d" && "$BIN/config" -s "$SRC" -b "$d/build" CONF) \
		    > "$d/config.out" 2>&1; then
			check FAIL $arch "$label" "config(1) refused the configuration:"
			sed 's/^/      /' "$d/config.out"
			continue
		fi
		if grep -qi 'warning' "$d/config.out"; then
			check FAIL $arch "$label" "config(1) warned:"
			grep -i warning "$d/config.out" | sed 's/^/      /'
		else
			check ok $arch "$label" "config(1) accepts files.vmt"
		fi

		# Our files among those config selected.
		grep -oE '[A-Za-z0-9_./$-]+\.c' "$d/build/Makefile" |
		    sed 's|^\$S/||' | sort -u > "$d/all"
		for f in $OURS; do
			grep -qx "$f" "$d/all" && echo "$f"
		done > "$d/selected"
		expected $st > "$d/expected"
		n=$(grep -c . "$d/selected")
		if cmp -s "$d/selected" "$d/expected"; then
			check ok $arch "$label" "selects $n of our files, as it must:"
			{ tr '\n' ' ' < "$d/selected"; echo; } |
			    fold -s -w 68 | sed 's/^/      /; s/ *$//'
		else
			check FAIL $arch "$label" "selects the wrong files:"
			comm -13 "$d/selected" "$d/expected" |
			    sed 's/^/      missing: /'
			comm -23 "$d/selected" "$d/expected" |
			    sed 's/^/      extra:   /'
		fi

		# opt_vmt.h.
		h=$d/build/opt_vmt.h
		case $st in
		ts)	want='^#define[[:space:]]+VMT_TIMESYNC[[:space:]]+1$
^#define[[:space:]]+VMT_TIMESYNC_PERIOD[[:space:]]+30$
VMT_TIMESYNC_STEP_MS. not defined
VMT_TIMESYNC_ALLOW_BACKWARD. not defined'
			what="VMT_TIMESYNC 1, VMT_TIMESYNC_PERIOD 30" ;;
		nots)	want='VMT_TIMESYNC. not defined
VMT_TIMESYNC_PERIOD. not defined'
			what="no VMT_TIMESYNC" ;;
		esac
		bad=
		echo "$want" | while read -r re; do
			grep -Eq "$re" "$h" 2>/dev/null || echo "$re"
		done > "$d/optmiss"
		if [ "$st" = nots ] && grep -Eq '^#define[[:space:]]+VMT_' "$h"
		then
			echo "a VMT_ option is defined" >> "$d/optmiss"
		fi
		if [ -s "$d/optmiss" ]; then
			check FAIL $arch "$label" "opt_vmt.h is wrong:"
			sed 's/^/      lacks: /' "$d/optmiss"
		else
			check ok $arch "$label" "opt_vmt.h: $what"
		fi

		# The attachment: vmt at cpu, in ioconf.c.
		if grep -q '"vmt"' "$d/build/ioconf.c" &&
		    grep -q 'cpufeaturebus' "$d/build/ioconf.c"; then
			check ok $arch "$label" "ioconf.c: vmt0 at cpu0 (cpufeaturebus)"
		else
			check FAIL $arch "$label" "ioconf.c lacks vmt at cpufeaturebus"
		fi
	done
done
echo "config: $((nok + nbad)) checks, $nok ok, $nbad failed"
[ $nbad -eq 0 ]
