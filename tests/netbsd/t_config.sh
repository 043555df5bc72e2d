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
	msg=$(grep -iE 'fail|error' out err | tail -n 1)
	atf_fail "${msg:-config.sh exited $rc}"
}

atf_init_test_cases()
{
	atf_add_test_case config
}
