#! /usr/bin/env atf-sh
#
# Step d of the NetBSD tier: what NetBSD promises about its clocks,
# through rump_sys_*() calls (tests/netbsd/rump/h_rumpclock.c), against
# the rump kernel with NetBSD's own kern_tc.c ("stock") and the one with
# ours ("vmt").  Stock NetBSD has no tc_adjtime(): that case is ours only.

SRCDIR="@SRCDIR@"
. "$SRCDIR/tests/netbsd/tier_lib.sh"

CASES="monotonic adjtime_slow adjtime_fast settimeofday clock_settime
ntp_freq ntp_offset tc_adjtime"

descr_monotonic="CLOCK_MONOTONIC never goes back while realtime is stepped and slewed and the timecounter changes"
descr_adjtime_slow="adjtime(2) of at most 1 s slews at 500 us/s either way and reports what is left"
descr_adjtime_fast="adjtime(2) of more than 1 s slews at 5000 us/s either way and reports what is left"
descr_settimeofday="settimeofday(2) steps realtime both ways and leaves monotonic alone"
descr_clock_settime="clock_settime(2) steps realtime both ways, leaves monotonic alone, refuses CLOCK_MONOTONIC"
descr_ntp_freq="ntp_adjtime(2)'s frequency reaches the clock"
descr_ntp_offset="ntp_adjtime(2)'s offset reaches the clock through the kernel PLL"
descr_tc_adjtime="tc_adjtime() slews at most 5000 ppm on top of a pending adjtime(2), which it leaves alone"

clock_case()
{
	local fl=$1 c=$2
	tier_need kern-$fl
	tier_need helpers-$fl
	if [ "$fl" = stock ] && [ "$c" = tc_adjtime ]; then
		atf_skip "NetBSD's own kern_tc.c has no tc_adjtime()"
	fi
	run_helper 120 "$NBBUILD/bin/h_rumpclock-$fl" "$c"
}

for fl in stock vmt; do
	for c in $CASES; do
		eval "atf_test_case ${c}_$fl
${c}_${fl}_head() {
	atf_set descr \"$fl kernel: \$descr_$c\"
	atf_set timeout 180
}
${c}_${fl}_body() { clock_case $fl $c; }"
	done
done

atf_init_test_cases()
{
	for fl in stock vmt; do
		for c in $CASES; do
			atf_add_test_case ${c}_$fl
		done
	done
}
