/*
 * Every privilege check on the time-sync path, with the privilege
 * denied.  Two ways to be refused: an unprivileged caller is stopped by
 * sysctl(9) itself before any handler runs; a privileged caller whose
 * KAUTH_SYSTEM_TIME is denied (by a secmodel, say) reaches the handler,
 * and only the handler's own kauth(9) check stops it.  Each case tries
 * both, so removing a handler's check fails it; then it writes the same
 * value with the privilege granted and sees it taken, so the refusal
 * came from the check and not from the value.
 */

#include <atf-c.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "h_timesync.h"


static void
boot(void)
{
	struct setup s;

	setup_default(&s);
	world_boot(&s);
	kenv_run_for(10 * NS);
}

/* name is an int node: refused with the privilege denied, then taken. */
static void
check_int(const char *name, int64_t want)
{
	int64_t before = sysctl_i(name);

	ATF_REQUIRE_MSG(before != want, "%s is %lld already", name,
	    (long long)want);
	kenv_set_privileged(false);
	ATF_CHECK_EQ_MSG(kenv_sysctl_setint(name, want), EPERM,
	    "%s unprivileged", name);
	kenv_set_privileged(true);
	kenv_kauth_deny(KAUTH_SYSTEM_TIME, true);
	ATF_CHECK_EQ_MSG(kenv_sysctl_setint(name, want), EPERM,
	    "%s with KAUTH_SYSTEM_TIME denied", name);
	ATF_CHECK_EQ_MSG(sysctl_i(name), before, "%s changed", name);
	kenv_kauth_deny(KAUTH_SYSTEM_TIME, false);
	ATF_CHECK_EQ_MSG(kenv_sysctl_setint(name, want), 0, "%s allowed",
	    name);
	ATF_CHECK_EQ_MSG(sysctl_i(name), want, "%s not taken", name);
}

static void
check_str(const char *name, const char *want)
{
	char before[64], now[64];

	ATF_REQUIRE_EQ(kenv_sysctl_getstr(name, before, sizeof(before)), 0);
	ATF_REQUIRE_MSG(strcmp(before, want) != 0, "%s is %s already", name,
	    want);
	kenv_set_privileged(false);
	ATF_CHECK_EQ_MSG(kenv_sysctl_setstr(name, want), EPERM,
	    "%s unprivileged", name);
	kenv_set_privileged(true);
	kenv_kauth_deny(KAUTH_SYSTEM_TIME, true);
	ATF_CHECK_EQ_MSG(kenv_sysctl_setstr(name, want), EPERM,
	    "%s with KAUTH_SYSTEM_TIME denied", name);
	ATF_REQUIRE_EQ(kenv_sysctl_getstr(name, now, sizeof(now)), 0);
	ATF_CHECK_STREQ_MSG(now, before, "%s changed", name);
	kenv_kauth_deny(KAUTH_SYSTEM_TIME, false);
	ATF_CHECK_EQ_MSG(kenv_sysctl_setstr(name, want), 0, "%s allowed",
	    name);
	ATF_REQUIRE_EQ(kenv_sysctl_getstr(name, now, sizeof(now)), 0);
	ATF_CHECK_STREQ_MSG(now, want, "%s not taken", name);
}

ATF_TC(timecounter_hardware);
ATF_TC_HEAD(timecounter_hardware, tc)
{
	atf_tc_set_md_var(tc, "descr", "kern.timecounter.hardware: the "
	    "handler's own KAUTH_SYSTEM_TIME check");
}
ATF_TC_BODY(timecounter_hardware, tc)
{
	boot();
	(void)kenv_counter_create("hpet", 14318180, 32, 500, 0.0);
	check_str("kern.timecounter.hardware", "hpet");
	/* And back: the switch is real. */
	check_str("kern.timecounter.hardware", "tsc");
}

ATF_TC(timestepwarnings);
ATF_TC_HEAD(timestepwarnings, tc)
{
	atf_tc_set_md_var(tc, "descr", "kern.timecounter.timestepwarnings: "
	    "the handler's own KAUTH_SYSTEM_TIME check");
}
ATF_TC_BODY(timestepwarnings, tc)
{
	boot();
	check_int("kern.timecounter.timestepwarnings", 0);
	check_int("kern.timecounter.timestepwarnings", 1);
}

ATF_TC(adjtime);
ATF_TC_HEAD(adjtime, tc)
{
	atf_tc_set_md_var(tc, "descr", "adjtime(2): KAUTH_SYSTEM_TIME "
	    "denied, EPERM and nothing pending; as NetBSD's, even reading "
	    "needs the privilege");
}
ATF_TC_BODY(adjtime, tc)
{
	struct timeval d = { 0, 300000 }, old;

	boot();
	ATF_REQUIRE_EQ(kenv_sysctl_setstr("machdep.vmt0.timesync.mode",
	    "off"), 0);
	kenv_run_for(NS);
	ATF_REQUIRE_EQ(pending_us(), 0);
	kenv_kauth_deny(KAUTH_SYSTEM_TIME, true);
	ATF_CHECK_EQ(kenv_adjtime(&d, NULL), EPERM);
	ATF_CHECK_EQ(kenv_adjtime_count(), 0);
	ATF_CHECK_EQ(kenv_adjtime(NULL, &old), EPERM);
	kenv_kauth_deny(KAUTH_SYSTEM_TIME, false);
	ATF_CHECK_EQ(kenv_adjtime(&d, NULL), 0);
	ATF_CHECK_EQ(kenv_adjtime_count(), 1);
	ATF_CHECK_EQ(kenv_adjtime(NULL, &old), 0);
	ATF_CHECK(old.tv_sec == 0 && old.tv_usec > 200000);
}

ATF_TC(timesync_knobs);
ATF_TC_HEAD(timesync_knobs, tc)
{
	atf_tc_set_md_var(tc, "descr", "every writable machdep.vmt0.timesync "
	    "node (and the clock_sync.period alias): the handler's own "
	    "KAUTH_SYSTEM_TIME check");
}
ATF_TC_BODY(timesync_knobs, tc)
{
	boot();
	check_int("machdep.vmt0.timesync.period", 30);
	check_int("machdep.vmt0.clock_sync.period", 45);
	check_int("machdep.vmt0.timesync.step_threshold", 250);
	check_int("machdep.vmt0.timesync.allow_backward", 1);
	check_str("machdep.vmt0.timesync.mode", "on");
	check_int("machdep.vmt0.timesync.host_synctime", 0);
	ATF_CHECK(!vmthost_synctime(W.w_host));
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, timecounter_hardware);
	ATF_TP_ADD_TC(tp, timestepwarnings);
	ATF_TP_ADD_TC(tp, adjtime);
	ATF_TP_ADD_TC(tp, timesync_knobs);
	return atf_no_error();
}
