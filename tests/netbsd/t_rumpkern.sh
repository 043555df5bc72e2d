#! /usr/bin/env atf-sh
#
# Step c of the NetBSD tier: rump kernels built from NETBSDSRCDIR with
# options NTP, one with NetBSD's own kern_tc.c ("stock"), one with our
# kern_tc.c and sys/timetc.h in their place ("vmt"), both linking
# NetBSD's own kern_time.c, kern_ntptime.c, kern_clock.c, kern_timeout.c
# and subr_time.c.  tests/netbsd/tier.sh builds them once.

SRCDIR="@SRCDIR@"
. "$SRCDIR/tests/netbsd/tier_lib.sh"

# The objects of a flavour and the sources each was compiled from.
objdir()
{
	echo "$NB_RUMP/kern-$1/rumpkern"
}

# The first dependency of obj (its source), resolved.
source_of()
{
	sed -e 's/\\$//' -e 's/^[^:]*://' "$(objdir "$1")/$2.d" |
	    tr ' ' '\n' | grep -v '^$' | head -n 1 | xargs realpath -m
}

# Whether obj's dependencies name path (resolved).
uses()
{
	sed -e 's/\\$//' -e 's/^[^:]*://' "$(objdir "$1")/$2.d" |
	    tr ' ' '\n' | grep -v '^$' | xargs realpath -m |
	    grep -x "$(realpath -m "$3")" >/dev/null
}

build_body()
{
	tier_need kern-$1
	ls -l "$(objdir "$1")/librump.a"
}

link_body()
{
	tier_need kern-$1
	tier_need helpers-$1
	# linkcheck-* holds every object of librump and librumpuser: it
	# linked, so no symbol is undefined or defined twice; it must also
	# boot (rump_init() reads the clock before inittimecounter()).
	run_helper 60 "$NBBUILD/bin/linkcheck-$1"
	grep -q '^rump kernel booted' out || atf_fail "the kernel did not boot"
}

sources_body()
{
	local fl=$1 f ours timetc
	tier_need_rump
	[ -f "$(objdir "$fl")/kern_tc.d" ] ||
	    atf_fail "the $fl kernel was not configured (no kern_tc.d)"
	if [ "$fl" = vmt ]; then
		ours=$SRCDIR/sys/kern/kern_tc.c
		timetc=$SRCDIR/sys/sys/timetc.h
	else
		ours=$NB_TREE/sys/kern/kern_tc.c
		timetc=$NB_TREE/sys/sys/timetc.h
	fi
	f=$(source_of "$fl" kern_tc)
	echo "kern_tc.o from $f"
	[ "$f" = "$(realpath -m "$ours")" ] ||
	    atf_fail "kern_tc.o was compiled from $f, not $ours"
	for f in kern_time kern_ntptime kern_clock kern_timeout subr_time; do
		src=$(source_of "$fl" $f)
		echo "$f.o from $src"
		[ "$src" = "$(realpath -m "$NB_TREE/sys/kern/$f.c")" ] ||
		    atf_fail "$f.o was compiled from $src, not NetBSD's"
	done
	# Every object that includes a sys/timetc.h gets the flavour's;
	# NetBSD's kern_tc.c, kern_time.c and kern_clock.c all include it.
	grep -l 'timetc\.h' "$(objdir "$fl")"/*.d > timetc_users
	for f in kern_tc kern_time kern_clock; do
		grep -q "/$f\.d\$" timetc_users ||
		    atf_fail "$f.o includes no sys/timetc.h"
	done
	while read -r d; do
		f=$(basename "$d" .d)
		uses "$fl" "$f" "$timetc" ||
		    atf_fail "$f.o does not include $timetc"
	done < timetc_users
	echo "$(wc -l < timetc_users) objects include $timetc"
}

ntp_body()
{
	tier_need kern-$1
	nm "$(objdir "$1")/kern_ntptime.o" > syms
	grep -E ' T rumpns_ntp_adjtime1$' syms ||
	    atf_fail "kern_ntptime.o has no ntp_adjtime1: built without options NTP"
	grep -E ' T rumpns_ntp_update_second$' syms ||
	    atf_fail "kern_ntptime.o has no ntp_update_second"
}

atf_test_case untouched
untouched_head()
{
	atf_set descr "The build writes nothing into the NetBSD source tree"
}
untouched_body()
{
	tier_need_rump
	if [ "$NB_TREE" != "$NBBUILD/src" ] || [ ! -f "$NBBUILD/.stamp-src" ]
	then
		atf_skip "NETBSDSRCDIR=$NB_TREE is the user's tree; its files' times are not ours to judge"
	fi
	find "$NB_TREE" -newer "$NBBUILD/.stamp-src" \( -type f -o -type l \) \
	    > newer
	[ ! -s newer ] || atf_fail "written into $NB_TREE: $(head -n 3 newer)"
}

for fl in stock vmt; do
	for c in build link sources ntp; do
		eval "atf_test_case ${c}_$fl
${c}_${fl}_head() { atf_set descr \"$c: the $fl rump kernel\"; atf_set timeout 120; }
${c}_${fl}_body() { ${c}_body $fl; }"
	done
done

atf_init_test_cases()
{
	for fl in stock vmt; do
		for c in build link sources ntp; do
			atf_add_test_case ${c}_$fl
		done
	done
	atf_add_test_case untouched
}
