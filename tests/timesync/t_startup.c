/*
 * The host's startup options (issue 14, part 2), as open-vm-tools'
 * timeSync plugin handles them: the first
 * time.synchronize.tools.startup after boot decides; 1 makes one
 * one-shot synchronization, which may step the clock back only if
 * time.synchronize.tools.startup.backward was 1 before it.
 */

#include <atf-c.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h_timesync.h"

#define OPT		"Set_Option time.synchronize.tools."
#define HOSTOPT		"machdep.vmt0.timesync.host_options."

/* Boot with the guest ahead by ahead_s, let it settle for 10 s. */
static void
boot_ahead(int64_t ahead_s, bool synctime)
{
	struct setup s;

	setup_default(&s);
	s.offset_ns = ahead_s * NS;
	s.synctime = synctime;
	world_boot(&s);
	kenv_run_for(10 * NS);
	/* The attach one-shot may not step back: still ahead. */
	ATF_REQUIRE_MSG(offset_ns() > (ahead_s - 1) * NS, "offset %lld ns",
	    (long long)offset_ns());
	ATF_REQUIRE_EQ(ts_stat("steps_backward"), 0);
	ATF_REQUIRE_EQ(sysctl_i(HOSTOPT "startup"), 0);
	ATF_REQUIRE_EQ(sysctl_i(HOSTOPT "startup_backward"), 0);
}

static const char *
reply(const char *cmd)
{
	const char *r = vmthost_tclo_reply(W.w_host, cmd);

	ATF_REQUIRE(r != NULL);
	return r;
}

ATF_TC(backward);
ATF_TC_HEAD(backward, tc)
{
	atf_tc_set_md_var(tc, "descr", "guest 30 s ahead at boot; the host "
	    "pushes startup.backward 1 then startup 1: one backward step, "
	    "within 1 ms in 2 s; a second startup 1 does nothing");
}
ATF_TC_BODY(backward, tc)
{
	int64_t t;

	boot_ahead(30, true);
	tclo_send(OPT "startup.backward 1");
	ATF_REQUIRE_STREQ(reply(OPT "startup.backward 1"), "OK ");
	ATF_REQUIRE_EQ(ts_stat("steps_backward"), 0);
	tclo_send(OPT "startup 1");
	ATF_REQUIRE_STREQ(reply(OPT "startup 1"), "OK ");
	t = time_to_sync(2 * NS);
	printf("backward: within 1 ms %lld ms after startup 1, offset now "
	    "%lld us\n", (long long)(t / MS), (long long)(offset_ns() / US));
	ATF_REQUIRE_MSG(t >= 0, "still %lld ns off 2 s later",
	    (long long)offset_ns());
	ATF_REQUIRE_EQ(ts_stat("steps_backward"), 1);
	ATF_REQUIRE_EQ(h_steps_back, 1);
	ATF_REQUIRE_EQ(ts_stat("startup_syncs"), 1);
	ATF_REQUIRE_EQ(sysctl_i(HOSTOPT "startup"), 1);
	ATF_REQUIRE_EQ(sysctl_i(HOSTOPT "startup_backward"), 1);
	ATF_REQUIRE_EQ(kenv_log_count("stepping back if ahead"), 1);

	/* The host reconnects and pushes its options again: once a boot. */
	kenv_run_for(600 * NS);
	tc_setclock(&(struct timespec){ guest_sec() + 20, 0 });
	tclo_send(OPT "startup.backward 1");
	tclo_send(OPT "startup 1");
	kenv_run_for(10 * NS);
	ATF_REQUIRE_EQ(ts_stat("startup_syncs"), 1);
	ATF_REQUIRE_EQ(ts_stat("steps_backward"), 1);
	ATF_REQUIRE(offset_ns() > 19 * NS);
}

ATF_TC(no_backward);
ATF_TC_HEAD(no_backward, tc)
{
	atf_tc_set_md_var(tc, "descr", "guest 30 s ahead; startup 1 without "
	    "startup.backward: a one-shot that does not step back");
}
ATF_TC_BODY(no_backward, tc)
{
	boot_ahead(30, true);
	tclo_send(OPT "startup 1");
	kenv_run_for(10 * NS);
	ATF_REQUIRE_EQ(ts_stat("startup_syncs"), 1);
	ATF_REQUIRE_EQ(ts_stat("steps_backward"), 0);
	ATF_REQUIRE(offset_ns() > 29 * NS);
	ATF_REQUIRE_EQ(kenv_log_count("the host asks for a synchronization"),
	    1);
	ATF_REQUIRE_EQ(kenv_log_count("stepping back if ahead"), 0);
}

ATF_TC(backward_too_late);
ATF_TC_HEAD(backward_too_late, tc)
{
	atf_tc_set_md_var(tc, "descr", "startup 1 first, startup.backward 1 "
	    "after it: no backward step (it must come before)");
}
ATF_TC_BODY(backward_too_late, tc)
{
	boot_ahead(30, true);
	tclo_send(OPT "startup 1");
	tclo_send(OPT "startup.backward 1");
	kenv_run_for(10 * NS);
	ATF_REQUIRE_EQ(ts_stat("startup_syncs"), 1);
	ATF_REQUIRE_EQ(ts_stat("steps_backward"), 0);
	ATF_REQUIRE_EQ(sysctl_i(HOSTOPT "startup_backward"), 1);
	ATF_REQUIRE(offset_ns() > 29 * NS);
}

ATF_TC(zero_first);
ATF_TC_HEAD(zero_first, tc)
{
	atf_tc_set_md_var(tc, "descr", "startup 0 first: the startup sync is "
	    "declined for this boot; a later startup 1 does nothing");
}
ATF_TC_BODY(zero_first, tc)
{
	boot_ahead(30, true);
	tclo_send(OPT "startup.backward 1");
	tclo_send(OPT "startup 0");
	ATF_REQUIRE_STREQ(reply(OPT "startup 0"), "OK ");
	tclo_send(OPT "startup 1");
	kenv_run_for(10 * NS);
	ATF_REQUIRE_EQ(ts_stat("startup_syncs"), 0);
	ATF_REQUIRE_EQ(ts_stat("steps_backward"), 0);
	ATF_REQUIRE_EQ(sysctl_i(HOSTOPT "startup"), 1);
	ATF_REQUIRE(offset_ns() > 29 * NS);
}

ATF_TC(behind);
ATF_TC_HEAD(behind, tc)
{
	atf_tc_set_md_var(tc, "descr", "guest 20 s behind when startup 1 "
	    "comes: stepped forward at once");
}
ATF_TC_BODY(behind, tc)
{
	struct setup s;
	int64_t fwd;

	setup_default(&s);
	world_boot(&s);
	kenv_run_for(10 * NS);
	/* Something set the clock back 20 s (the RTC, say). */
	tc_setclock(&(struct timespec){ guest_sec() - 20, 0 });
	ATF_REQUIRE(offset_ns() < -19 * NS);
	fwd = ts_stat("steps_forward");
	tclo_send(OPT "startup 1");
	ATF_REQUIRE_MSG(time_to_sync(2 * NS) >= 0, "offset %lld ns",
	    (long long)offset_ns());
	ATF_REQUIRE_EQ(ts_stat("steps_forward"), fwd + 1);
	ATF_REQUIRE_EQ(ts_stat("startup_syncs"), 1);
}

ATF_TC(flag_clear);
ATF_TC_HEAD(flag_clear, tc)
{
	atf_tc_set_md_var(tc, "descr", "mode host with the host's checkbox "
	    "clear: the startup sync, like every one-shot, leaves the clock "
	    "alone");
}
ATF_TC_BODY(flag_clear, tc)
{
	int64_t calls;

	boot_ahead(30, false);
	calls = adjustments();
	tclo_send(OPT "startup.backward 1");
	tclo_send(OPT "startup 1");
	kenv_run_for(10 * NS);
	ATF_REQUIRE_EQ(ts_stat("startup_syncs"), 1);
	ATF_REQUIRE_EQ(adjustments(), calls);
	ATF_REQUIRE(offset_ns() > 29 * NS);
}

ATF_TC(mode_on);
ATF_TC_HEAD(mode_on, tc)
{
	atf_tc_set_md_var(tc, "descr", "mode on with the host's checkbox "
	    "clear: the startup sync steps back as permitted");
}
ATF_TC_BODY(mode_on, tc)
{
	boot_ahead(30, false);
	ATF_REQUIRE_EQ(kenv_sysctl_setstr("machdep.vmt0.timesync.mode", "on"),
	    0);
	kenv_run_for(10 * NS);
	ATF_REQUIRE(offset_ns() > 29 * NS);
	tclo_send(OPT "startup.backward 1");
	tclo_send(OPT "startup 1");
	ATF_REQUIRE_MSG(time_to_sync(2 * NS) >= 0, "offset %lld ns",
	    (long long)offset_ns());
	ATF_REQUIRE_EQ(ts_stat("steps_backward"), 1);
}

ATF_TC(bad_values);
ATF_TC_HEAD(bad_values, tc)
{
	atf_tc_set_md_var(tc, "descr", "startup and startup.backward take 0 "
	    "or 1: anything else is an error, stored nowhere, and does not "
	    "use up the startup sync");
}
ATF_TC_BODY(bad_values, tc)
{
	static const char *const bad[] = {
		OPT "startup 2", OPT "startup -1", OPT "startup ", OPT "startup x",
		OPT "startup.backward 2", OPT "startup 01x",
	};
	size_t i;

	boot_ahead(30, true);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tclo_send(bad[i]);
		ATF_REQUIRE_MSG(strncmp(reply(bad[i]), "ERROR ", 6) == 0,
		    "%s: %s", bad[i], reply(bad[i]));
	}
	ATF_REQUIRE_EQ(sysctl_i(HOSTOPT "startup"), 0);
	ATF_REQUIRE_EQ(sysctl_i(HOSTOPT "startup_backward"), 0);
	ATF_REQUIRE_EQ(ts_stat("startup_syncs"), 0);
	tclo_send(OPT "startup.backward 1");
	tclo_send(OPT "startup 1");
	ATF_REQUIRE_MSG(time_to_sync(2 * NS) >= 0, "offset %lld ns",
	    (long long)offset_ns());
	ATF_REQUIRE_EQ(ts_stat("steps_backward"), 1);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, backward);
	ATF_TP_ADD_TC(tp, no_backward);
	ATF_TP_ADD_TC(tp, backward_too_late);
	ATF_TP_ADD_TC(tp, zero_first);
	ATF_TP_ADD_TC(tp, behind);
	ATF_TP_ADD_TC(tp, flag_clear);
	ATF_TP_ADD_TC(tp, mode_on);
	ATF_TP_ADD_TC(tp, bad_values);
	return atf_no_error();
}
