/*
 * vmt(4) probe, attach and detach; the sysctl subtree; the single
 * backdoor commands against the simulated host.
 */
#include <atf-c.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <dev/vmt/vmt_backdoor.h>
#include <dev/vmt/vmtreg.h>

#include "kenv.h"
#include "kenv_pm.h"
#include "h_vmt.h"
#include "h_vmt_kern.h"

ATF_TC_WITHOUT_HEAD(probe_no_vmware);
ATF_TC_BODY(probe_no_vmware, tc)
{
	kenv_boot(100);
	ATF_CHECK(!vmt_probe());
	ATF_CHECK(vmt_kenv_attach(0) == NULL);
	ATF_CHECK_EQ(kenv_sysctl_getint("machdep.vmt0.rpc.errors", NULL),
	    ENOENT);
}

ATF_TC_WITHOUT_HEAD(attach);
ATF_TC_BODY(attach, tc)
{
	struct vmthost *h = h_boot(NULL);
	uint64_t calls;
	int64_t v;

	ATF_CHECK(vmt_probe());
	(void)h_attach(h);
	ATF_CHECK_EQ(kenv_log_count(
	    "vmt0: VMware Tools, backdoor version 6, VMX type 2"), 1);
	ATF_CHECK_EQ(vmthost_stats(h)->opens[VMTHOST_TCLO], 1);
	/* The counters exist, start at zero and are read-only. */
	ATF_CHECK_EQ(h_stat("cpt_retries"), 0);
	ATF_CHECK_EQ(h_stat("errors"), 0);
	ATF_CHECK_EQ(h_stat("reopens"), 0);
	ATF_CHECK_EQ(h_stat("tclo_commands"), 1);
	ATF_CHECK_EQ(h_stat("rpci_calls"), 0);
	ATF_CHECK_EQ(kenv_sysctl_setint("machdep.vmt0.rpc.errors", 5), EPERM);
	ATF_CHECK_EQ(kenv_sysctl_getint("machdep.vmt0.rpc", &v), EISDIR);
	/*
	 * Idle, the loop polls once a second, two calls a poll: an empty
	 * send (its size step only) and the receive's size step.
	 */
	calls = vmthost_stats(h)->calls[VM_CMD_RPC];
	kenv_run_for(10 * H_S);
	calls = vmthost_stats(h)->calls[VM_CMD_RPC] - calls;
	ATF_CHECK_MSG(calls >= 18 && calls <= 22, "%ju calls",
	    (uintmax_t)calls);
}

ATF_TC_WITHOUT_HEAD(detach);
ATF_TC_BODY(detach, tc)
{
	struct vmthost *h = h_boot(NULL);
	struct vmt_softc *sc = h_attach(h);
	struct h_events ev;
	uint64_t calls;
	int64_t v;

	h_listen(sc, &ev);
	ATF_REQUIRE_EQ(kenv_sysctl_getint("machdep.vmt0.rpc.cpt_retries", &v),
	    0);
	ATF_REQUIRE_EQ(vmt_kenv_detach(sc), 0);
	ATF_CHECK_EQ(kenv_sysctl_getint("machdep.vmt0.rpc.cpt_retries", &v),
	    ENOENT);
	ATF_CHECK_EQ(kenv_sysctl_getint("machdep.vmt0.rpc", &v), ENOENT);
	ATF_CHECK_EQ(kenv_sysctl_getint("machdep.vmt0", &v), ENOENT);
	/* The channel was closed and the loop no longer runs. */
	ATF_CHECK_EQ(vmthost_stats(h)->closes, 1);
	calls = vmthost_stats(h)->calls[VM_CMD_RPC];
	vmthost_tclo_push(h, "ping");
	kenv_run_for(30 * H_S);
	ATF_CHECK_EQ(vmthost_stats(h)->calls[VM_CMD_RPC], calls);
	ATF_CHECK_EQ(ev.n, 0);

	/* Attach again: a fresh vmt0. */
	sc = vmt_kenv_attach(0);
	ATF_REQUIRE(sc != NULL);
	ATF_CHECK(h_wait_replies(h, "ping", 1, 5 * H_S));
	ATF_CHECK_EQ(h_stat("tclo_commands"), 2);	/* reset, ping */
	ATF_CHECK_EQ(vmt_kenv_detach(sc), 0);
}

ATF_TC_WITHOUT_HEAD(get_hz);
ATF_TC_BODY(get_hz, tc)
{
	struct vmthost_config cfg;
	uint64_t tsc;
	uint32_t bus;

	vmthost_config_default(&cfg);
	cfg.tsc_hz = 0x123456789ULL;
	cfg.bus_hz = 100000000;
	(void)h_boot(&cfg);
	ATF_REQUIRE_EQ(vmt_get_hz(&tsc, &bus), 0);
	ATF_CHECK_EQ(tsc, 0x123456789ULL);
	ATF_CHECK_EQ(bus, 100000000);
}

ATF_TC_WITHOUT_HEAD(get_hz_unsupported);
ATF_TC_BODY(get_hz_unsupported, tc)
{
	struct vmthost_config cfg;
	uint64_t tsc;

	vmthost_config_default(&cfg);
	cfg.tsc_hz = 0;
	(void)h_boot(&cfg);
	ATF_CHECK_EQ(kenv_host_errno(vmt_get_hz(&tsc, NULL)), EOPNOTSUPP);
}

/*
 * GETTIMEFULL: the host's clock, read somewhere inside the call, to the
 * microsecond; bracketed by the host clock before and after.
 */
ATF_TC_WITHOUT_HEAD(get_time_full);
ATF_TC_BODY(get_time_full, tc)
{
	struct vmthost_config cfg;
	struct vmthost *h;
	struct vmt_hosttime ht;
	int64_t before, after, t;
	int i;

	vmthost_config_default(&cfg);
	cfg.latency_ns = 50000;
	cfg.jitter_ns = 20000;
	cfg.max_time_lag_us = 250000;
	cfg.interrupt_lag_us = 1234;
	h = h_boot(&cfg);
	kenv_run_for(1500 * H_MS);
	for (i = 0; i < 20; i++) {
		before = vmthost_now(h);
		ATF_REQUIRE_EQ(vmt_get_time_full(&ht, i & 1), 0);
		after = vmthost_now(h);
		t = ht.ht_sec * H_S + (int64_t)ht.ht_usec * 1000;
		ATF_CHECK(t > before - 1000 && t <= after);
		ATF_CHECK(after - before >= 50000 && after - before < 70000);
		/* Without the lag variant, maxTimeLag includes the lag. */
		ATF_CHECK_EQ(ht.ht_maxlag_us, (i & 1) ? 250000 : 251234);
		ATF_CHECK_EQ(ht.ht_lag_us, (i & 1) ? 1234 : 0);
	}
	ATF_CHECK_EQ(ht.ht_sec, VMTHOST_EPOCH_2026 / H_S + 1);
}

static int64_t
fixed_clock(void *arg)
{
	return *(int64_t *)arg;
}

ATF_TC_WITHOUT_HEAD(host_clock_callback);
ATF_TC_BODY(host_clock_callback, tc)
{
	struct vmthost *h = h_boot(NULL);
	struct vmt_hosttime ht;
	int64_t t = 4102444800LL * H_S + 987654321;	/* 2100-01-01 */

	vmthost_set_clock(h, fixed_clock, &t);
	ATF_REQUIRE_EQ(vmt_get_time_full(&ht, false), 0);
	ATF_CHECK_EQ(ht.ht_sec, 4102444800LL);
	ATF_CHECK_EQ(ht.ht_usec, 987654);
}

ATF_TC_WITHOUT_HEAD(gui_options);
ATF_TC_BODY(gui_options, tc)
{
	struct vmthost_config cfg;
	struct vmthost *h = h_boot(NULL);
	uint32_t opt;

	ATF_REQUIRE_EQ(vmt_get_gui_options(&opt), 0);
	ATF_CHECK_EQ(opt & VM_GUI_SYNC_TIME, VM_GUI_SYNC_TIME);
	vmthost_set_synctime(h, false);
	ATF_REQUIRE_EQ(vmt_get_gui_options(&opt), 0);
	ATF_CHECK_EQ(opt & VM_GUI_SYNC_TIME, 0);
	vmthost_destroy(h);

	vmthost_config_default(&cfg);
	cfg.gui_options = false;
	h = vmthost_create(&cfg);
	ATF_CHECK_EQ(kenv_host_errno(vmt_get_gui_options(&opt)), EOPNOTSUPP);
}

ATF_TC_WITHOUT_HEAD(stop_catchup_and_unknown);
ATF_TC_BODY(stop_catchup_and_unknown, tc)
{
	struct vmthost *h = h_boot(NULL);
	struct vm_backdoor f;

	vmt_stop_catchup();
	vmt_stop_catchup();
	ATF_CHECK_EQ(vmthost_stats(h)->stopcatchup, 2);
	ATF_CHECK_EQ(vmthost_stats(h)->calls[VM_CMD_STOP_CATCHUP], 2);

	memset(&f, 0, sizeof(f));
	f.eax.word = VM_MAGIC;
	f.ecx.part.low = VM_CMD_PRECISIONCLOCK;
	f.edx.part.low = VM_PORT_CMD;
	vmt_backdoor_cmd(&f);
	ATF_CHECK_EQ(f.eax.word, VM_BACKDOOR_FAIL);
	/* Each call costs virtual time. */
	ATF_CHECK(kenv_now() >= 3 * 2000);
}

/*
 * An attach that fails half-way (machdep.vmt0 is taken, so the sysctl
 * subtree cannot be created) undoes what it did; the device stays, as
 * autoconf(9) keeps it, and a later detach must not touch the lock,
 * the callout or anything else attach did not leave behind.
 */
ATF_TC_WITHOUT_HEAD(detach_after_failed_attach);
ATF_TC_BODY(detach_after_failed_attach, tc)
{
	struct vmthost *h = h_boot(NULL);
	struct vmt_softc *sc;
	int error = 0;

	ATF_REQUIRE_EQ(h_sysctl_squat("vmt0"), 0);
	sc = h_vmt_attach_raw(0, &error);
	ATF_REQUIRE_EQ(error, EEXIST);
	ATF_CHECK_EQ(kenv_log_count(
	    "vmt0: unable to create sysctl nodes, error 17"), 1);
	/* Only the do-nothing power handlers are left. */
	ATF_CHECK_EQ(h_vmt_attached(sc), 0x0010 /* VMT_ATT_PMF */);
	ATF_CHECK(kenv_pmf_registered("vmt0"));
	ATF_CHECK(kenv_pmf_suspend());
	ATF_CHECK(kenv_pmf_resume());
	/* No loop: the host never sees a channel. */
	vmthost_tclo_push(h, "OS_Halt");
	kenv_run_for(30 * H_S);
	ATF_CHECK_EQ(vmthost_stats(h)->opens[VMTHOST_TCLO], 0);
	ATF_CHECK_EQ(vmthost_stats(h)->calls[VM_CMD_RPC], 0);
	ATF_CHECK_EQ(kenv_pswitch_count(H_PSWITCH_POWER), 0);

	ATF_REQUIRE_EQ(h_vmt_detach_raw(sc), 0);
	ATF_CHECK(!kenv_pmf_registered("vmt0"));
	h_sysctl_unsquat();

	/* The unit attaches for real afterwards, and gets the halt. */
	sc = h_attach(h);
	kenv_run_for(1 * H_S);
	ATF_CHECK_EQ(h_stat("errors"), 0);
	ATF_CHECK_STREQ(vmthost_tclo_reply(h, "OS_Halt"), "OK ");
	ATF_CHECK_EQ(kenv_pswitch_count(H_PSWITCH_POWER), 1);
	ATF_CHECK_EQ(vmt_kenv_detach(sc), 0);
}

/* The backdoor gone between probe and attach: nothing to undo. */
ATF_TC_WITHOUT_HEAD(detach_after_no_backdoor);
ATF_TC_BODY(detach_after_no_backdoor, tc)
{
	struct vmthost *h = h_boot(NULL);
	struct vmt_softc *sc;
	int error = 0;

	ATF_REQUIRE(vmt_probe());
	vmthost_destroy(h);
	sc = h_vmt_attach_raw(0, &error);
	ATF_CHECK_EQ(error, ENXIO);
	ATF_CHECK_EQ(kenv_log_count("vmt0: backdoor not found"), 1);
	ATF_CHECK_EQ(h_vmt_attached(sc), 0x0010 /* VMT_ATT_PMF */);
	kenv_run_for(10 * H_S);
	ATF_CHECK_EQ(kenv_sysctl_getint("machdep.vmt0", NULL), ENOENT);
	ATF_CHECK_EQ(h_vmt_detach_raw(sc), 0);
	ATF_CHECK(!kenv_pmf_registered("vmt0"));
}

/*
 * Without options VMT_TIMESYNC the driver never sets the clock; NetBSD's
 * machdep.vmt0.clock_sync.period is there, reads 0 (off), accepts 0
 * and refuses to turn on what this kernel does not have.
 */
ATF_TC_WITHOUT_HEAD(clock_sync_period_notimesync);
ATF_TC_BODY(clock_sync_period_notimesync, tc)
{
	struct vmthost *h = h_boot(NULL);
	int64_t v = -1;

	(void)h_attach(h);
	ATF_REQUIRE_EQ(kenv_sysctl_getint("machdep.vmt0.clock_sync.period",
	    &v), 0);
	ATF_CHECK_EQ(v, 0);
	ATF_CHECK_EQ(kenv_sysctl_setint("machdep.vmt0.clock_sync.period", 0),
	    0);
	ATF_CHECK_EQ(kenv_sysctl_setint("machdep.vmt0.clock_sync.period", 60),
	    EOPNOTSUPP);
	ATF_CHECK_EQ(kenv_sysctl_setint("machdep.vmt0.clock_sync.period", -1),
	    EINVAL);
	ATF_REQUIRE_EQ(kenv_sysctl_getint("machdep.vmt0.clock_sync.period",
	    &v), 0);
	ATF_CHECK_EQ(v, 0);
	ATF_CHECK_EQ(kenv_sysctl_getint("machdep.vmt0.timesync.period", &v),
	    ENOENT);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, probe_no_vmware);
	ATF_TP_ADD_TC(tp, attach);
	ATF_TP_ADD_TC(tp, detach);
	ATF_TP_ADD_TC(tp, get_hz);
	ATF_TP_ADD_TC(tp, get_hz_unsupported);
	ATF_TP_ADD_TC(tp, get_time_full);
	ATF_TP_ADD_TC(tp, host_clock_callback);
	ATF_TP_ADD_TC(tp, gui_options);
	ATF_TP_ADD_TC(tp, stop_catchup_and_unknown);
	ATF_TP_ADD_TC(tp, detach_after_failed_attach);
	ATF_TP_ADD_TC(tp, detach_after_no_backdoor);
	ATF_TP_ADD_TC(tp, clock_sync_period_notimesync);
	return atf_no_error();
}
