#! /usr/bin/env atf-sh
#
# Step e of the NetBSD tier: vmt(4) with options VMT_TIMESYNC as a rump
# kernel driver component, attached through NetBSD's autoconf at rump's
# mainbus by a test front end, with the simulated VMware host of
# tools/vmthost behind the backdoor, in the rump kernel with our
# kern_tc.c (tests/netbsd/rump/h_rumpvmt.c).

SRCDIR="@SRCDIR@"
. "$SRCDIR/tests/netbsd/tier_lib.sh"

vmt_case()
{
	tier_need kern-vmt
	tier_need helpers-vmt
	tier_need vmt
	run_helper "$2" "$NBBUILD/bin/h_rumpvmt" "$1"
}

atf_test_case attach
attach_head()
{
	atf_set descr "vmt0 attaches through autoconf, answers the host, builds its tree in NetBSD's sysctl and detaches through autoconf"
	atf_set timeout 120
}
attach_body()
{
	vmt_case attach 60
}

atf_test_case behind
behind_head()
{
	atf_set descr "A guest 100 ms behind is brought within 1 ms by slewing at most 5000 ppm once the host's box is ticked"
	atf_set timeout 180
}
behind_body()
{
	vmt_case behind 120
}

atf_test_case ahead
ahead_head()
{
	atf_set descr "A guest 100 ms ahead is brought within 1 ms by slewing, realtime never going back"
	atf_set timeout 180
}
ahead_body()
{
	vmt_case ahead 120
}

atf_test_case far_behind
far_behind_head()
{
	atf_set descr "A guest 2 s behind is stepped forward once, then within 1 ms"
	atf_set timeout 120
}
far_behind_body()
{
	vmt_case far_behind 60
}

atf_test_case discipline
discipline_head()
{
	atf_set descr "ntp_adjtime1() with STA_PLL (NetBSD's kern_ntptime.c): vmt adjusts nothing while the host clock is 50 ms off, and takes over hold seconds after STA_PLL is cleared"
	atf_set timeout 180
}
discipline_body()
{
	vmt_case discipline 120
}

atf_test_case discipline_signs
discipline_signs_head()
{
	atf_set descr "adjtime(2) and clock_settime(2) through NetBSD's kern_time.c are signs of a discipline; the kernel's own tc_setclock() is not"
	atf_set timeout 180
}
discipline_signs_body()
{
	vmt_case discipline_signs 120
}

atf_init_test_cases()
{
	atf_add_test_case attach
	atf_add_test_case behind
	atf_add_test_case ahead
	atf_add_test_case far_behind
	atf_add_test_case discipline
	atf_add_test_case discipline_signs
}
