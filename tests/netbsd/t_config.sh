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
	tier_load
	[ -x "$SRCDIR/tests/netbsd/config.sh" ] ||
	    atf_skip "step b is not in this tree (no tests/netbsd/config.sh)"
	tier_run_script config.sh
}

atf_init_test_cases()
{
	atf_add_test_case config
}
