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
	tier_load
	[ -x "$SRCDIR/tests/netbsd/compile.sh" ] ||
	    atf_skip "step a is not in this tree (no tests/netbsd/compile.sh)"
	tier_run_script compile.sh
}

atf_init_test_cases()
{
	atf_add_test_case compile
}
