#! /usr/bin/env atf-sh
#
# Step a of the NetBSD tier: tests/netbsd/compile.sh, run against the
# tree the tier uses.  It prints one line per check and a count line.

SRCDIR="@SRCDIR@"
. "$SRCDIR/tests/netbsd/tier_lib.sh"

atf_test_case compile
compile_head()
{
	atf_set descr "every sys/ file compiles against NETBSDSRCDIR's kernel headers with NetBSD's kernel flags and -Werror, amd64 and i386, with and without options VMT_TIMESYNC"
	atf_set timeout 900
}
compile_body()
{
	local script=$SRCDIR/tests/netbsd/compile.sh rc msg
	tier_load
	[ -x "$script" ] ||
	    atf_skip "step a is not in this tree (no tests/netbsd/compile.sh)"
	NETBSDSRCDIR=$NB_TREE NBOBJ=$NBBUILD/nbobj "$script" >out 2>err
	rc=$?
	cat out
	cat err >&2
	[ $rc -eq 0 ] && return
	# The count line, and the first checks that failed.
	msg="$(tail -n 1 out): $(grep -E '^FAIL' out | head -n 3 |
	    tr -s ' \t' ' ' | paste -sd ';' -)"
	[ $rc -ne 2 ] || msg="$(tail -n 1 err)"
	atf_fail "compile.sh: $msg"
}

atf_init_test_cases()
{
	atf_add_test_case compile
}
