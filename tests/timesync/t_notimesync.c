/*
 * Without options VMT_TIMESYNC, vmt(4) is a transport only: it answers
 * the host, and it never touches the clock, whatever the host says.
 */

#include <atf-c.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "kenv.h"
#include "vmthost/vmthost.h"
#include "vmthost/vmt_kenv.h"

#define NS	1000000000LL

static int64_t
sysctl_i(const char *name)
{
	int64_t v = -1;

	ATF_REQUIRE_EQ_MSG(kenv_sysctl_getint(name, &v), 0, "%s", name);
	return v;
}

ATF_TC(hands_off);
ATF_TC_HEAD(hands_off, tc)
{
	atf_tc_set_md_var(tc, "descr", "no time module: the host's sync "
	    "requests are answered, the clock is never adjusted");
}
ATF_TC_BODY(hands_off, tc)
{
	struct vmthost_config hc;
	struct vmthost *h;
	struct timespec ts = { 1767225600 + 5, 0 };	/* 5 s ahead */
	int64_t v;

	kenv_boot(100);
	kenv_counter_create("tsc", 2000000000, 32, 1000, 100.0);
	tc_setclock(&ts);
	vmthost_config_default(&hc);
	h = vmthost_create(&hc);
	ATF_REQUIRE(vmt_kenv_attach(0) != NULL);
	vmthost_tclo_push(h, "Set_Option synctime 1");
	vmthost_tclo_push(h, "Time_Synchronize 1");
	vmthost_tclo_push(h, "OS_Resume");
	kenv_run_for(3600 * NS);

	ATF_REQUIRE_STREQ(vmthost_tclo_reply(h, "Time_Synchronize 1"), "OK ");
	ATF_REQUIRE_STREQ(vmthost_tclo_reply(h, "Set_Option synctime 1"),
	    "ERROR Unknown or invalid option");
	ATF_REQUIRE_EQ(sysctl_i("kern.timecounter.steps"), 1);	/* ours */
	ATF_REQUIRE_EQ(sysctl_i("kern.timecounter.adjtimes"), 0);
	ATF_REQUIRE_EQ(sysctl_i("kern.timecounter.adjfreqs"), 0);
	ATF_REQUIRE_EQ(vmthost_stats(h)->stopcatchup, 0);
	ATF_REQUIRE_EQ(kenv_sysctl_getint("machdep.vmt0.timesync.period", &v),
	    ENOENT);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, hands_off);
	return atf_no_error();
}
