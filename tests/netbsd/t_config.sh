#! /usr/bin/env atf-sh
#
# Step b of the NetBSD tier: tests/netbsd/config.sh, run against the
# tree the tier uses.  It prints one line per check and a count line.

SRCDIR="@SRCDIR@"
. "$SRCDIR/tests/netbsd/tier_lib.sh"

atf_test_case config
config_head()
{
	atf_set descr "NetBSD's config(1), built from NETBSDSRCDIR, accepts files.vmt and selects the right files in both option states"
	atf_set timeout 900
}
config_body()
{
	local script=$SRCDIR/tests/netbsd/config.sh rc msg
	tier_load
	[ -x "$script" ] ||
	    atf_skip "step b is not in this tree (no tests/netbsd/config.sh)"
	NETBSDSRCDIR=$NB_TREE NBOBJ=$NBBUILD/nbobj "$script" >out 2>err
	rc=$?
	cat out
	cat err >&2
	[ $rc -eq 0 ] && return
	# The count line, and the first checks that failed.
	msg="$(tail -n 1 out): $(grep -E '^FAIL' out | head -n 3 |
	    tr -s ' \t' ' ' | paste -sd ';' -)"
	[ $rc -ne 2 ] || msg="$(tail -n 1 err)"
	atf_fail "config.sh: $msg"
}

atf_init_test_cases()
{
	atf_add_test_case config
}
