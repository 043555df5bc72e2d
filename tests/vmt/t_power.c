/*
 * vmt(4) and power: the host's halt and reboot requests reach powerd(8)
 * through the sysmon task queue, never from the TCLO callout; the
 * driver registers with pmf(9) and stops, resumes and shuts down with
 * the system.
 */
#include <atf-c.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <dev/vmt/vmtreg.h>

#include "kenv.h"
#include "kenv_pm.h"
#include "h_vmt.h"

#define STATUS	"tools.os.statechange.status"

/*
 * Run in steps of one tick (hz 100) until the host has n more state
 * change reports; false after limit ns.
 */
static bool
run_until_status(struct vmthost *h, size_t n, int64_t limit)
{
	size_t want = vmthost_rpci_count(h, STATUS) + n;
	int64_t ran;

	for (ran = 0; vmthost_rpci_count(h, STATUS) < want; ran += 10 * H_MS) {
		if (ran >= limit)
			return false;
		kenv_run_for(10 * H_MS);
	}
	return true;
}

static void
check_deferred(struct vmthost *h, const char *cmd, int type,
    const char *status)
{
	unsigned presses = kenv_pswitch_count(type);
	unsigned long ran = kenv_taskq_ran();

	vmthost_tclo_push(h, cmd);
	ATF_REQUIRE_MSG(run_until_status(h, 1, 5 * H_S), "%s", cmd);
	ATF_CHECK_STREQ(vmthost_rpci_find(h, STATUS), status);
	/* The command has run: the press is queued, not yet made. */
	ATF_CHECK_EQ_MSG(kenv_pswitch_count(type), presses, "%s", cmd);
	ATF_CHECK_EQ_MSG(kenv_taskq_pending(), 1, "%s", cmd);
	/* The sysmon thread makes it. */
	kenv_run_for(10 * H_MS);
	ATF_CHECK_EQ_MSG(kenv_pswitch_count(type), presses + 1, "%s", cmd);
	ATF_CHECK_EQ(kenv_taskq_pending(), 0);
	ATF_CHECK_EQ(kenv_taskq_ran(), ran + 1);
	kenv_run_for(1 * H_S);
	ATF_CHECK_EQ(vmthost_tclo_replies(h, cmd), 1);
	ATF_CHECK_STREQ(vmthost_tclo_reply(h, cmd), "OK ");
}

ATF_TC_WITHOUT_HEAD(pswitch_through_taskq);
ATF_TC_BODY(pswitch_through_taskq, tc)
{
	struct vmthost *h = h_boot(NULL);

	(void)h_attach(h);
	check_deferred(h, "OS_Halt", H_PSWITCH_POWER, STATUS " 1 1");
	check_deferred(h, "OS_Reboot", H_PSWITCH_RESET, STATUS " 1 2");
	ATF_CHECK_EQ(kenv_pswitch_count(H_PSWITCH_POWER), 1);
	ATF_CHECK_EQ(kenv_pswitch_count(H_PSWITCH_RESET), 1);
}

/*
 * A queued press points to the softc: detach refuses (EBUSY) until it
 * has been made, and the driver carries on meanwhile.
 */
ATF_TC_WITHOUT_HEAD(detach_waits_for_press);
ATF_TC_BODY(detach_waits_for_press, tc)
{
	struct vmthost *h = h_boot(NULL);
	struct vmt_softc *sc = h_attach(h);
	uint64_t closes;

	vmthost_tclo_push(h, "OS_Halt");
	ATF_REQUIRE(run_until_status(h, 1, 5 * H_S));
	ATF_REQUIRE_EQ(kenv_taskq_pending(), 1);
	closes = vmthost_stats(h)->closes;
	ATF_CHECK_EQ(kenv_host_errno(vmt_kenv_detach(sc)), EBUSY);
	ATF_CHECK_EQ(vmthost_stats(h)->closes, closes);
	ATF_CHECK_EQ(h_stat("tclo_commands"), 2);	/* reset, OS_Halt */
	/* Still attached and polling. */
	ATF_CHECK_STREQ(h_cmd(h, "ping"), "OK ");
	ATF_CHECK_EQ(kenv_pswitch_count(H_PSWITCH_POWER), 1);
	ATF_CHECK_EQ(kenv_taskq_pending(), 0);
	closes = vmthost_stats(h)->closes;
	ATF_CHECK_EQ(vmt_kenv_detach(sc), 0);
	ATF_CHECK_EQ(vmthost_stats(h)->closes, closes + 1);
}

/*
 * pmf(9): without handlers vmt0 would keep the whole system from
 * suspending.  Suspended, the driver is silent and its channel closed;
 * resumed, it is back within a tick and tells its listener.
 */
ATF_TC_WITHOUT_HEAD(pmf_suspend_resume);
ATF_TC_BODY(pmf_suspend_resume, tc)
{
	struct vmthost *h = h_boot(NULL);
	struct vmt_softc *sc = h_attach(h);
	struct h_events ev;
	uint64_t calls, opens, closes;
	size_t resets;

	h_listen(sc, &ev);
	ATF_REQUIRE(kenv_pmf_registered("vmt0"));
	closes = vmthost_stats(h)->closes;
	ATF_REQUIRE(kenv_pmf_suspend());
	ATF_CHECK(kenv_pmf_suspended("vmt0"));
	ATF_CHECK_EQ(vmthost_stats(h)->closes, closes + 1);
	calls = vmthost_stats(h)->calls[VM_CMD_RPC];
	opens = vmthost_stats(h)->opens[VMTHOST_TCLO];
	vmthost_tclo_push(h, "ping");
	kenv_run_for(60 * H_S);
	ATF_CHECK_EQ(vmthost_stats(h)->calls[VM_CMD_RPC], calls);
	ATF_CHECK_EQ(vmthost_tclo_replies(h, "ping"), 0);
	ATF_CHECK_EQ(h_nevents(&ev, VMT_EV_RESUME), 0);

	resets = vmthost_tclo_replies(h, "reset");
	ATF_REQUIRE(kenv_pmf_resume());
	ATF_CHECK(!kenv_pmf_suspended("vmt0"));
	kenv_run_for(10 * H_MS);
	ATF_CHECK_EQ(vmthost_stats(h)->opens[VMTHOST_TCLO], opens + 1);
	ATF_CHECK_EQ(h_nevents(&ev, VMT_EV_RESUME), 1);
	ATF_CHECK_EQ(ev.arg[h_first(&ev, VMT_EV_RESUME)], 1);
	ATF_CHECK(h_wait_replies(h, "ping", 1, 5 * H_S));
	ATF_CHECK(vmthost_tclo_replies(h, "reset") > resets);
	/* OS_Resume from the host is reported with 0. */
	ATF_CHECK_STREQ(h_cmd(h, "OS_Resume"), "OK ");
	ATF_CHECK_EQ(h_nevents(&ev, VMT_EV_RESUME), 2);
	ATF_CHECK_EQ(ev.arg[ev.n - 1], 0);
	ATF_CHECK_EQ(h_stat("errors"), 0);
}

/* Shutdown: the channel is closed and the loop stops for good. */
ATF_TC_WITHOUT_HEAD(pmf_shutdown);
ATF_TC_BODY(pmf_shutdown, tc)
{
	struct vmthost *h = h_boot(NULL);
	struct vmt_softc *sc = h_attach(h);
	uint64_t calls, closes;

	closes = vmthost_stats(h)->closes;
	kenv_pmf_shutdown(0);
	ATF_CHECK_EQ(vmthost_stats(h)->closes, closes + 1);
	calls = vmthost_stats(h)->calls[VM_CMD_RPC];
	kenv_run_for(60 * H_S);
	ATF_CHECK_EQ(vmthost_stats(h)->calls[VM_CMD_RPC], calls);
	ATF_CHECK_EQ(vmt_kenv_detach(sc), 0);
	ATF_CHECK(!kenv_pmf_registered("vmt0"));
}

/* Detach deregisters; the next attach registers again. */
ATF_TC_WITHOUT_HEAD(pmf_detach);
ATF_TC_BODY(pmf_detach, tc)
{
	struct vmthost *h = h_boot(NULL);
	struct vmt_softc *sc = h_attach(h);

	ATF_REQUIRE(kenv_pmf_registered("vmt0"));
	ATF_REQUIRE_EQ(vmt_kenv_detach(sc), 0);
	ATF_CHECK(!kenv_pmf_registered("vmt0"));
	sc = h_attach(h);
	ATF_CHECK(kenv_pmf_registered("vmt0"));
	ATF_CHECK(kenv_pmf_suspend());
	ATF_CHECK(kenv_pmf_resume());
	ATF_CHECK_STREQ(h_cmd(h, "ping"), "OK ");
	ATF_CHECK_EQ(vmt_kenv_detach(sc), 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, pswitch_through_taskq);
	ATF_TP_ADD_TC(tp, detach_waits_for_press);
	ATF_TP_ADD_TC(tp, pmf_suspend_resume);
	ATF_TP_ADD_TC(tp, pmf_shutdown);
	ATF_TP_ADD_TC(tp, pmf_detach);
	return atf_no_error();
}
