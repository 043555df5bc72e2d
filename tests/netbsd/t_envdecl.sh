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
	tier_load
	tier_run_script envdecl.sh
}

atf_init_test_cases()
{
	atf_add_test_case envdecl
}
