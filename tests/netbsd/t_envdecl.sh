#! /usr/bin/env atf-sh
#
# Issue 10 item 4, in the NetBSD tier: tests/netbsd/envdecl.sh compares
# what the userland kernel environment declares of everything sys/ uses
# with the declarations of the tree the tier uses.  It prints one line
# per name and a count line.

SRCDIR="@SRCDIR@"
. "$SRCDIR/tests/netbsd/tier_lib.sh"

atf_test_case envdecl
envdecl_head()
{
	atf_set descr "tools/kern/include declares everything sys/ uses as NETBSDSRCDIR's kernel headers do"
	atf_set timeout 900
}
envdecl_body()
{
	local script=$SRCDIR/tests/netbsd/envdecl.sh rc msg
	tier_load
	NETBSDSRCDIR=$NB_TREE NBOBJ=$NBBUILD/nbobj "$script" >out 2>err
	rc=$?
	cat out
	cat err >&2
	[ $rc -eq 0 ] && return
	# The count line, and the first checks that failed.
	msg="$(tail -n 1 out): $(grep -E '^FAIL' out | head -n 3 |
	    tr -s ' \t' ' ' | paste -sd ';' -)"
	[ $rc -ne 2 ] || msg="$(tail -n 1 err)"
	atf_fail "envdecl.sh: $msg"
}

atf_init_test_cases()
{
	atf_add_test_case envdecl
}
