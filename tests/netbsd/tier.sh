#!/bin/bash
# tier.sh: set up the NetBSD tier of the test suite (tests/netbsd).
#
#	tier.sh prep	find the NetBSD source tree, and build once, into
#			build/netbsd (NBBUILD), what the tier's tests use:
#			buildrump.sh's tools, two rump kernels (NetBSD's own
#			kern_tc.c and ours), vmt(4) as a rump component, the
#			test components and helper programs
#	tier.sh env	print the tier's state (NBBUILD/tier.env)
#
# Environment:
#	NETBSDSRCDIR	a NetBSD source tree (e.g. /usr/src); default: the
#			tarball in NETBSD_SHARED, unpacked once into NBBUILD
#	NETBSD_SHARED	where netbsd-*-src.tar.xz and buildrump.sh.tar.xz
#			are; default ../shared/netbsd next to the repository
#	BUILDRUMPSH	a buildrump.sh checkout (default: the tarball)
#	NBJOBS		make -j for the NetBSD builds; default 2
#
# Every build is stamped with a key made of its inputs and is redone
# (incrementally: NetBSD's make has the dependencies) only when the key
# changes or a file of NETBSDSRCDIR it reads is newer than the stamp.
# Nothing in NETBSDSRCDIR is ever written.  prep prints one line per
# step, or one line saying the tier is skipped and why.  It does not
# fail when a kernel does not build or NETBSDSRCDIR is wrong: that is
# recorded for the tests (NBBUILD/tier.env, NBBUILD/status/), which fail
# on it, while the rest of the suite runs.
set -uo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
NBBUILD=$REPO/build/netbsd
mkdir -p "$NBBUILD"
NETBSD_SHARED=${NETBSD_SHARED:-$REPO/../shared/netbsd}
NBJOBS=${NBJOBS:-2}
LOGS=$NBBUILD/logs
STATUS=$NBBUILD/status
RUMP=$NBBUILD/rump
prog=tier.sh

say() { echo "netbsd: $*"; }

# --- stamps -----------------------------------------------------------

# key_of words... files...: a hash of the words and of each file's bytes.
key_of() {
	local a
	for a in "$@"; do
		if [ -f "$a" ]; then
			printf '%s ' "$a"; sha256sum < "$a"
		else
			printf '%s\n' "$a"
		fi
	done | sha256sum | cut -c1-32
}

# fresh name key [dir...]: the stamp of name holds key and no file
# under the dirs is newer than it.
fresh() {
	local st=$NBBUILD/.stamp-$1 key=$2
	shift 2
	[ -f "$st" ] && [ "$(cat "$st")" = "$key" ] || return 1
	[ $# -eq 0 ] && return 0
	[ -z "$(find "$@" -newer "$st" -type f -print -quit 2>/dev/null)" ]
}

stamp() { printf '%s\n' "$2" > "$NBBUILD/.stamp-$1"; }

# status step ok|fail|skip [reason]: what the tests will read.
status() {
	mkdir -p "$STATUS"
	printf '%s\n%s\n' "$2" "${3:-}" > "$STATUS/$1"
}

# run step log command...: run it, output to the log; on failure show
# the errors in the log.
run() {
	local step=$1 log=$LOGS/$2.log
	shift 2
	mkdir -p "$LOGS"
	if "$@" > "$log" 2>&1; then
		return 0
	fi
	echo "$prog: $step failed; last lines of $log:" >&2
	grep -E 'error:|undefined reference|multiple definition|\*\*\* ' \
	    "$log" | tail -n 15 | cut -c1-300 >&2
	return 1
}

# --- the tree ---------------------------------------------------------

find_tree() {
	local tarball reason
	NB_SKIP=
	NB_TREE=
	NB_TREE_KEY=
	if [ -n "${NETBSDSRCDIR:-}" ]; then
		if [ ! -f "$NETBSDSRCDIR/sys/kern/kern_tc.c" ] ||
		    [ ! -f "$NETBSDSRCDIR/sys/sys/timetc.h" ]; then
			NB_FAIL="NETBSDSRCDIR=$NETBSDSRCDIR is not a NetBSD source tree (no sys/kern/kern_tc.c)"
			return 1
		fi
		NB_TREE=$(cd "$NETBSDSRCDIR" && pwd)
		NB_TREE_KEY=$NB_TREE
		return 0
	fi
	tarball=$(ls "$NETBSD_SHARED"/netbsd-*-src.tar.xz 2>/dev/null |
	    tail -n 1)
	if [ -z "$tarball" ]; then
		NB_SKIP="no NetBSD source tree: NETBSDSRCDIR is not set and $NETBSD_SHARED has no netbsd-*-src.tar.xz (set NETBSDSRCDIR=/usr/src or NETBSD_SHARED)"
		return 0
	fi
	NB_TREE=$NBBUILD/src
	NB_TREE_KEY=$(key_of "$tarball")
	if ! fresh src "$NB_TREE_KEY"; then
		rm -rf "$NB_TREE" "$NBBUILD/.stamp-"*
		if ! tar -C "$NBBUILD" -xJf "$tarball"; then
			NB_FAIL="cannot unpack $tarball into $NBBUILD"
			return 1
		fi
		[ -d "$NB_TREE/sys/kern" ] || {
			NB_FAIL="$tarball did not unpack to src/"
			return 1
		}
		stamp src "$NB_TREE_KEY"
		say "unpacked $(basename "$tarball") into $NB_TREE"
	fi
	return 0
}

find_buildrump() {
	local tarball=$NETBSD_SHARED/buildrump.sh.tar.xz key
	NB_RUMP_SKIP=
	if [ -n "${BUILDRUMPSH:-}" ]; then
		BRDIR=$(cd "$BUILDRUMPSH" 2>/dev/null && pwd) || BRDIR=
		[ -n "$BRDIR" ] && [ -x "$BRDIR/buildrump.sh" ] || {
			NB_RUMP_SKIP="BUILDRUMPSH=$BUILDRUMPSH has no buildrump.sh"
			return 0
		}
		BR_KEY=$BRDIR
		return 0
	fi
	if [ ! -f "$tarball" ]; then
		NB_RUMP_SKIP="no buildrump.sh: set BUILDRUMPSH to a checkout, or NETBSD_SHARED to a directory with buildrump.sh.tar.xz"
		return 0
	fi
	BRDIR=$NBBUILD/buildrump.sh
	key=$(key_of "$tarball")
	BR_KEY=$key
	if ! fresh buildrump "$key"; then
		rm -rf "$BRDIR"
		tar -C "$NBBUILD" -xJf "$tarball" || {
			NB_RUMP_SKIP="cannot unpack $tarball"
			return 0
		}
		stamp buildrump "$key"
	fi
}

# --- rump kernels -----------------------------------------------------

TOOLS=$RUMP/tools
BRMAKE=$TOOLS/bin/brrumpmake

build_tools() {
	local key start=$SECONDS
	key=$(key_of tools-1 "$NB_TREE_KEY" "$BR_KEY")
	fresh tools "$key" && return 0
	rm -rf "$RUMP"
	mkdir -p "$RUMP"
	run tools tools env HOST_CFLAGS="-O -fcommon" \
	    "$BRDIR/buildrump.sh" -s "$NB_TREE" -o "$RUMP/obj" \
	    -d "$RUMP/dest" -T "$TOOLS" -j "$NBJOBS" \
	    -V NOGCCERROR=yes -V MKSTATICLIB=yes \
	    -F CFLAGS="-fcommon -Wno-error -Wno-address-of-packed-member" \
	    -F CPPFLAGS=--sysroot=/ tools || return 1
	# This tree's share/mk asks for crti.o/crtn.o in the stage
	# directory unless told there are none.
	printf '_GCC_CRTI=\n_GCC_CRTN=\n' >> "$TOOLS/mk.conf"
	# The rump headers and the hypercall library, as buildrump.sh's
	# build step makes them.
	for d in sys/rump/include lib/librumpuser; do
		for t in obj includes dependall install; do
			run tools tools-${d##*/}-$t sh -c \
			    "cd '$NB_TREE/$d' && '$BRMAKE' -j$NBJOBS $t" ||
			    return 1
		done
	done
	stamp tools "$key"
	say "buildrump.sh tools, rump headers and librumpuser built in $((SECONDS - start)) s"
}

# bmake dir makefile vars...: depend and all, objects in dir.
bmake() {
	local dir=$1 mf=$2
	shift 2
	mkdir -p "$dir"
	(cd "$dir" && "$BRMAKE" -j"$NBJOBS" -f "$mf" MKPIC=no \
	    NETBSDSRCDIR="$NB_TREE" "$@" depend &&
	    "$BRMAKE" -j"$NBJOBS" -f "$mf" MKPIC=no \
	    NETBSDSRCDIR="$NB_TREE" "$@" all)
}

# make_overlay dir: dir/sys holds our timetc.h and the tier's compat
# headers (tests/netbsd/compat/sys), each a link to the repository's.
make_overlay() {
	local h
	rm -rf "$1"
	mkdir -p "$1/sys"
	ln -s "$REPO/sys/sys/timetc.h" "$1/sys/timetc.h"
	for h in "$REPO"/tests/netbsd/compat/sys/*.h; do
		[ -f "$h" ] && ln -s "$h" "$1/sys/${h##*/}"
	done
}

# kernel flavour: librump (and for vmt librumpdev) of one flavour.
#   stock	NetBSD's own kern_tc.c and sys/timetc.h
#   vmt		ours (sys/kern/kern_tc.c, sys/sys/timetc.h)
build_kernel() {
	local fl=$1 key vars=() start=$SECONDS libs=rumpkern
	local dir=$RUMP/kern-$fl
	if [ "$fl" = vmt ]; then
		make_overlay "$dir/overlay"
		vars=(VMT_SYS="$REPO/sys" VMT_OVERLAY="$dir/overlay")
		libs="rumpkern rumpdev"
	fi
	key=$(key_of kern-1 "$fl" "$(cat "$NBBUILD/.stamp-tools")" \
	    "$REPO/tests/netbsd/rump/Makefile.kern" \
	    ${vars[@]:+"$REPO/sys/kern/kern_tc.c" "$REPO/sys/sys/timetc.h" \
	    "$REPO"/tests/netbsd/compat/sys/*.h})
	if fresh kern-$fl "$key" "$NB_TREE/sys/kern" "$NB_TREE/sys/sys" \
	    "$NB_TREE/sys/rump/librump"; then
		status kern-$fl ok
		return 0
	fi
	rm -f "$NBBUILD/.stamp-kern-$fl"
	for lib in $libs; do
		if ! run "$fl kernel ($lib)" kern-$fl-$lib bmake "$dir/$lib" \
		    "$REPO/tests/netbsd/rump/Makefile.kern" RUMPLIB=$lib \
		    "${vars[@]}"; then
			status kern-$fl fail "the $fl rump kernel ($lib) did not build: see $LOGS/kern-$fl-$lib.log"
			return 1
		fi
	done
	stamp kern-$fl "$key"
	status kern-$fl ok
	say "$fl rump kernel ($libs) built in $((SECONDS - start)) s"
}

# --- components and helper programs -----------------------------------

HCC=${HCC:-cc}
HCFLAGS="-std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter \
    -Wmissing-prototypes -Wstrict-prototypes -D_GNU_SOURCE"
TDIR=$REPO/tests/netbsd/rump
BIN=$NBBUILD/bin

# hlink out archives... -- sources...: a host program linked with every
# object of the archives (a rump kernel and its components): an
# undefined or duplicate symbol anywhere in them fails the link.
hlink() {
	local out=$1 archives=() srcs=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		archives+=("$1")
		shift
	done
	shift
	srcs=("$@")
	mkdir -p "$BIN"
	$HCC $HCFLAGS -I"$RUMP/obj/dest.stage/usr/include" -I"$TDIR" \
	    -I"$REPO/sys" -I"$REPO/tools" -o "$out.tmp" "${srcs[@]}" \
	    -Wl,--whole-archive "${archives[@]}" \
	    "$RUMP/obj/dest.stage/usr/lib/librumpuser.a" \
	    -Wl,--no-whole-archive -lpthread -ldl -lrt -lm &&
	    mv "$out.tmp" "$out"
}

# helpers flavour: the test component and the programs of steps c, d, f.
build_helpers() {
	local fl=$1 vars=() key kern start=$SECONDS
	local dir=$RUMP/kern-$fl
	[ "$(head -n 1 "$STATUS/kern-$fl" 2>/dev/null)" = ok ] || return 0
	[ "$fl" = vmt ] && vars=(VMT_OVERLAY="$dir/overlay")
	key=$(key_of helpers-1 "$fl" "$(cat "$NBBUILD/.stamp-kern-$fl")" \
	    "$TDIR"/*.[ch] "$TDIR"/Makefile.*)
	if fresh helpers-$fl "$key"; then
		status helpers-$fl ok
		return 0
	fi
	rm -f "$BIN"/linkcheck-"$fl" "$BIN"/h_rumpclock-"$fl" \
	    "$BIN"/bench-"$fl"
	if ! run "$fl test component" comp-$fl bmake "$dir/rumptest" \
	    "$TDIR/Makefile.rumptest" "${vars[@]}"; then
		status helpers-$fl fail "the test component did not build against the $fl kernel: see $LOGS/comp-$fl.log"
		return 1
	fi
	kern=("$dir/rumptest/librumptest.a" "$dir/rumpkern/librump.a")
	# The kernel alone first: its own symbols must all resolve.
	if ! run "$fl link check" link-$fl hlink "$BIN/linkcheck-$fl" \
	    "$dir/rumpkern/librump.a" -- "$TDIR/h_linkcheck.c"; then
		status helpers-$fl fail "the $fl rump kernel does not link: see $LOGS/link-$fl.log"
		return 1
	fi
	if ! run "$fl helpers" helpers-$fl hlink "$BIN/h_rumpclock-$fl" \
	    "${kern[@]}" -- "$TDIR/h_rumpclock.c" "$TDIR/h_rump.c" ||
	    ! run "$fl helpers" bench-$fl hlink "$BIN/bench-$fl" \
	    "${kern[@]}" -- "$TDIR/bench_rump.c" "$TDIR/h_rump.c"; then
		status helpers-$fl fail "the $fl test programs did not build: see $LOGS/helpers-$fl.log"
		return 1
	fi
	stamp helpers-$fl "$key"
	status helpers-$fl ok
	say "$fl test component and programs built in $((SECONDS - start)) s"
}

# vmt(4) as a rump driver component, and its test program (step e).
build_vmt() {
	local dir=$RUMP/kern-vmt key start=$SECONDS
	[ "$(head -n 1 "$STATUS/helpers-vmt" 2>/dev/null)" = ok ] || return 0
	key=$(key_of vmt-1 "$(cat "$NBBUILD/.stamp-helpers-vmt")" \
	    "$REPO"/sys/dev/vmt/* "$REPO"/tools/vmthost/vmthost.[ch])
	if fresh vmt "$key" "$NB_TREE/sys/dev/sysmon"; then
		status vmt ok
		return 0
	fi
	rm -f "$BIN/h_rumpvmt"
	if ! run "vmt(4) component" comp-vmt4 bmake "$dir/rumpvmt" \
	    "$TDIR/Makefile.rumpvmt" VMT_SYS="$REPO/sys" \
	    VMT_OVERLAY="$dir/overlay"; then
		status vmt fail "vmt(4) did not build as a rump component: see $LOGS/comp-vmt4.log"
		return 1
	fi
	if ! run "vmt(4) test program" h_rumpvmt hlink "$BIN/h_rumpvmt" \
	    "$dir/rumpvmt/librumpvmt.a" "$dir/rumptest/librumptest.a" \
	    "$dir/rumpdev/librumpdev.a" "$dir/rumpkern/librump.a" -- \
	    "$TDIR/h_rumpvmt.c" "$TDIR/h_rump.c" \
	    "$REPO/tools/vmthost/vmthost.c"; then
		status vmt fail "the vmt(4) test program did not link: see $LOGS/h_rumpvmt.log"
		return 1
	fi
	stamp vmt "$key"
	status vmt ok
	say "vmt(4) rump component and test program built in $((SECONDS - start)) s"
}

# --- main ---------------------------------------------------------------

write_env() {
	{
		printf 'NB_TREE=%q\n' "$NB_TREE"
		printf 'NB_SKIP=%q\n' "$NB_SKIP"
		printf 'NB_FAIL=%q\n' "${NB_FAIL:-}"
		printf 'NB_RUMP_SKIP=%q\n' "${NB_RUMP_SKIP:-}"
		printf 'NB_REPO=%q\n' "$REPO"
		printf 'NBBUILD=%q\n' "$NBBUILD"
		printf 'NB_RUMP=%q\n' "$RUMP"
	} > "$NBBUILD/tier.env.tmp" && mv "$NBBUILD/tier.env.tmp" \
	    "$NBBUILD/tier.env"
}

prep() {
	NB_FAIL=
	NB_SKIP=
	NB_TREE=
	NB_RUMP_SKIP=
	rm -rf "$STATUS"
	if ! find_tree; then
		# The tests fail on it; everything else runs.
		write_env
		say "NetBSD tier cannot run: $NB_FAIL"
		return 0
	fi
	if [ -n "$NB_SKIP" ]; then
		write_env
		say "NetBSD tier skipped: $NB_SKIP"
		return 0
	fi
	find_buildrump
	if [ -n "$NB_RUMP_SKIP" ]; then
		write_env
		say "tree $NB_TREE; rump kernel steps skipped: $NB_RUMP_SKIP"
		return 0
	fi
	if ! build_tools; then
		NB_RUMP_SKIP=
		status kern-stock fail "buildrump.sh tools did not build: see $LOGS"
		status kern-vmt fail "buildrump.sh tools did not build: see $LOGS"
		write_env
		return 0
	fi
	build_kernel stock
	build_kernel vmt
	build_helpers stock
	build_helpers vmt
	build_vmt
	write_env
	return 0
}

case "${1:-}" in
prep)
	exec 9> "$NBBUILD/.lock"
	flock 9
	prep
	;;
env)
	cat "$NBBUILD/tier.env"
	;;
*)
	echo "usage: $prog prep | env" >&2
	exit 2
	;;
esac
