/*
 * vmt(4) message channel: checkpoints at every step are retried
 * silently and deliver each message exactly once; the suspend scenario
 * of the BSD bug reports; broken channels are reopened with backoff;
 * RPCI request/response.
 */
#include <atf-c.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <dev/vmt/vmtreg.h>

#include "kenv.h"
#include "h_vmt.h"

static struct vmthost *
boot_hb(bool hb)
{
	struct vmthost_config cfg;

	vmthost_config_default(&cfg);
	cfg.hb = hb;
	return h_boot(&cfg);
}

/*
 * A checkpoint at one step of an RPCI transfer (the status report of
 * OS_PowerOn): the request reaches the host once, the reply is read,
 * nothing is logged, and the retry is counted.
 */
static void
cpt_rpci(bool hb, enum vmthost_dir dir, enum vmthost_step step)
{
	struct vmthost *h = boot_hb(hb);
	struct vmt_softc *sc = h_attach(h);
	struct h_events ev;

	h_listen(sc, &ev);
	kenv_log_clear();
	vmthost_inject_cpt(h, VMTHOST_RPCI, dir, step, 1);
	ATF_CHECK_STREQ(h_cmd(h, "OS_PowerOn"), "OK ");
	ATF_CHECK_EQ(vmthost_stats(h)->cpt_injected, 1);
	ATF_CHECK_EQ(vmthost_rpci_count(h, "tools.os.statechange.status 1 3"),
	    1);
	ATF_CHECK_EQ(vmthost_rpci_count(h, NULL), 1);
	ATF_CHECK_EQ(h_stat("cpt_retries"), 1);
	ATF_CHECK_EQ(h_stat("errors"), 0);
	ATF_CHECK_EQ(kenv_log_count("failed"), 0);
	ATF_CHECK_EQ(kenv_log_count("not accepted"), 0);
	ATF_CHECK_EQ(kenv_log_lines(), 0);
	if (hb)
		ATF_CHECK(vmthost_stats(h)->hb_in + vmthost_stats(h)->hb_out > 0);
	else
		ATF_CHECK_EQ(vmthost_stats(h)->hb_in + vmthost_stats(h)->hb_out,
		    0);
	/* The host answers the checkpoint with "reset". */
	ATF_REQUIRE(h_wait_replies(h, "reset", 1, 5 * H_S));
	ATF_CHECK_EQ(h_nevents(&ev, VMT_EV_CHECKPOINT), 1);
	ATF_CHECK_EQ(ev.arg[h_first(&ev, VMT_EV_CHECKPOINT)], 1);
	ATF_CHECK(h_first(&ev, VMT_EV_CHECKPOINT) < h_first(&ev, VMT_EV_RESET));
	ATF_CHECK_STREQ(h_cmd(h, "ping"), "OK ");
}

ATF_TC_WITHOUT_HEAD(cpt_send_lb);
ATF_TC_BODY(cpt_send_lb, tc)
{
	cpt_rpci(false, VMTHOST_SEND, VMTHOST_STEP_PAYLOAD_LB);
}

ATF_TC_WITHOUT_HEAD(cpt_send_hb);
ATF_TC_BODY(cpt_send_hb, tc)
{
	cpt_rpci(true, VMTHOST_SEND, VMTHOST_STEP_PAYLOAD_HB);
}

ATF_TC_WITHOUT_HEAD(cpt_recv_lb);
ATF_TC_BODY(cpt_recv_lb, tc)
{
	cpt_rpci(false, VMTHOST_RECV, VMTHOST_STEP_PAYLOAD_LB);
}

ATF_TC_WITHOUT_HEAD(cpt_recv_hb);
ATF_TC_BODY(cpt_recv_hb, tc)
{
	cpt_rpci(true, VMTHOST_RECV, VMTHOST_STEP_PAYLOAD_HB);
}

ATF_TC_WITHOUT_HEAD(cpt_recv_status);
ATF_TC_BODY(cpt_recv_status, tc)
{
	cpt_rpci(true, VMTHOST_RECV, VMTHOST_STEP_STATUS);
}

/*
 * The same on TCLO: a checkpoint while the guest receives a command or
 * sends its reply.  The command is run once and answered once.
 */
static void
cpt_tclo(bool hb, enum vmthost_dir dir, enum vmthost_step step)
{
	struct vmthost *h = boot_hb(hb);

	(void)h_attach(h);
	kenv_log_clear();
	vmthost_inject_cpt(h, VMTHOST_TCLO, dir, step, 1);
	ATF_CHECK_STREQ(h_cmd(h, "OS_Resume"), "OK ");
	kenv_run_for(2 * H_S);
	ATF_CHECK_EQ(vmthost_stats(h)->cpt_injected, 1);
	ATF_CHECK_EQ(vmthost_tclo_replies(h, "OS_Resume"), 1);
	ATF_CHECK_EQ(vmthost_rpci_count(h, "tools.os.statechange.status 1 4"),
	    1);
	ATF_CHECK_EQ(h_stat("cpt_retries"), 1);
	ATF_CHECK_EQ(h_stat("errors"), 0);
	ATF_CHECK_EQ(h_stat("reopens"), 0);
	ATF_CHECK_EQ(kenv_log_lines(), 0);
	ATF_CHECK_EQ(vmthost_tclo_replies(h, "reset"), 2);
}

ATF_TC_WITHOUT_HEAD(cpt_tclo_send_lb);
ATF_TC_BODY(cpt_tclo_send_lb, tc)
{
	cpt_tclo(false, VMTHOST_SEND, VMTHOST_STEP_PAYLOAD_LB);
}

ATF_TC_WITHOUT_HEAD(cpt_tclo_send_hb);
ATF_TC_BODY(cpt_tclo_send_hb, tc)
{
	cpt_tclo(true, VMTHOST_SEND, VMTHOST_STEP_PAYLOAD_HB);
}

ATF_TC_WITHOUT_HEAD(cpt_tclo_recv_lb);
ATF_TC_BODY(cpt_tclo_recv_lb, tc)
{
	cpt_tclo(false, VMTHOST_RECV, VMTHOST_STEP_PAYLOAD_LB);
}

ATF_TC_WITHOUT_HEAD(cpt_tclo_recv_hb);
ATF_TC_BODY(cpt_tclo_recv_hb, tc)
{
	cpt_tclo(true, VMTHOST_RECV, VMTHOST_STEP_PAYLOAD_HB);
}

ATF_TC_WITHOUT_HEAD(cpt_tclo_recv_status);
ATF_TC_BODY(cpt_tclo_recv_status, tc)
{
	cpt_tclo(false, VMTHOST_RECV, VMTHOST_STEP_STATUS);
}

/* More checkpoints in a row than the bound: a failure, logged once. */
ATF_TC_WITHOUT_HEAD(cpt_retry_bound);
ATF_TC_BODY(cpt_retry_bound, tc)
{
	struct vmthost *h = h_boot(NULL);

	(void)h_attach(h);
	kenv_log_clear();
	vmthost_inject_cpt(h, VMTHOST_RPCI, VMTHOST_RECV,
	    VMTHOST_STEP_PAYLOAD_HB, VMT_RPC_CPT_RETRIES + 1);
	ATF_CHECK_STREQ(h_cmd(h, "OS_PowerOn"), "OK ");
	ATF_CHECK_EQ(vmthost_stats(h)->cpt_injected, VMT_RPC_CPT_RETRIES + 1);
	ATF_CHECK_EQ(h_stat("cpt_retries"), VMT_RPC_CPT_RETRIES);
	ATF_CHECK_EQ(h_stat("errors"), 1);
	ATF_CHECK_EQ(kenv_log_count("rpci receive (checkpoint retries) "
	    "failed"), 1);
	ATF_CHECK_EQ(kenv_log_count("not accepted"), 1);
	/* The request was made once; the next one works. */
	ATF_CHECK_EQ(vmthost_rpci_count(h, "tools.os.statechange.status"), 1);
	ATF_CHECK_STREQ(h_cmd(h, "OS_PowerOn"), "OK ");
	ATF_CHECK_EQ(vmthost_rpci_count(h, "tools.os.statechange.status"), 2);
}

/*
 * The reported bug: OS_Suspend, the VM freezes while the guest reads
 * the answer to "tools.os.statechange.status 1 5", and after two hours
 * the high-bandwidth receive returns ebx=0x00100000.  The guest must
 * restart the receive, not log "get data failed" and reset its
 * channels; the status is reported exactly once.
 */
ATF_TC_WITHOUT_HEAD(suspend_during_statechange);
ATF_TC_BODY(suspend_during_statechange, tc)
{
	struct vmthost *h = h_boot(NULL);
	struct vmt_softc *sc = h_attach(h);
	struct h_events ev;
	uint64_t tsc0, tsc1;
	int64_t t0;

	h_listen(sc, &ev);
	kenv_log_clear();
	vmthost_set_cpt_suspend(h, 7200 * H_S);
	vmthost_inject_cpt(h, VMTHOST_RPCI, VMTHOST_RECV,
	    VMTHOST_STEP_PAYLOAD_HB, 1);
	t0 = kenv_now();
	tsc0 = kenv_counter_raw(0);
	ATF_CHECK_STREQ(h_cmd(h, "OS_Suspend"), "OK ");
	tsc1 = kenv_counter_raw(0);
	/* Two hours passed for the host, a few seconds for the guest. */
	ATF_CHECK(kenv_now() - t0 >= 7200 * H_S);
	ATF_CHECK((tsc1 - tsc0) / 2000000000ULL < 10);

	ATF_CHECK_EQ(vmthost_rpci_count(h, "tools.os.statechange.status 1 5"),
	    1);
	ATF_CHECK_EQ(vmthost_rpci_count(h, NULL), 1);
	ATF_CHECK_EQ(kenv_log_count("get data failed"), 0);
	ATF_CHECK_EQ(kenv_log_count("failed"), 0);
	ATF_CHECK_EQ(kenv_log_lines(), 0);
	ATF_CHECK_EQ(h_stat("cpt_retries"), 1);
	ATF_CHECK_EQ(h_stat("errors"), 0);
	ATF_CHECK_EQ(h_stat("reopens"), 0);

	/* The host's "reset" after the checkpoint, then business as usual. */
	ATF_REQUIRE(h_wait_replies(h, "reset", 1, 5 * H_S));
	ATF_CHECK_STREQ(vmthost_tclo_reply(h, "reset"), "OK ATR toolbox");
	ATF_CHECK_STREQ(h_cmd(h, "OS_Resume"), "OK ");
	ATF_CHECK_EQ(vmthost_rpci_count(h, "tools.os.statechange.status 1 4"),
	    1);
	ATF_CHECK_EQ(vmthost_rpci_count(h, "tools.os.statechange.status 1 5"),
	    1);
	ATF_CHECK_EQ(h_nevents(&ev, VMT_EV_CHECKPOINT), 1);
	ATF_CHECK(h_first(&ev, VMT_EV_SUSPEND) < h_first(&ev,
	    VMT_EV_CHECKPOINT));
	ATF_CHECK(h_first(&ev, VMT_EV_CHECKPOINT) < h_first(&ev,
	    VMT_EV_RESET));
	ATF_CHECK(h_first(&ev, VMT_EV_RESET) < h_first(&ev, VMT_EV_RESUME));
	ATF_CHECK_EQ(kenv_log_lines(), 0);
}

/* Reopen attempts after t (TCLO opens); returns their count. */
static size_t
opens_after(struct vmthost *h, int64_t t, int64_t *v, size_t max)
{
	int64_t all[64];
	size_t i, n, k = 0;

	n = vmthost_open_times(h, VMTHOST_TCLO, all, 64);
	/*
	 * One attempt is two OPEN calls when the host refuses cookies:
	 * count calls less than a millisecond apart as one.
	 */
	for (i = 0; i < n && i < 64; i++)
		if (all[i] > t && k < max &&
		    (k == 0 || all[i] - v[k - 1] > H_MS))
			v[k++] = all[i];
	return k;
}

/* |a - b| within one tick (10 ms) plus the calls' latency. */
#define NEAR(a, b)	((a) - (b) < 20 * H_MS && (b) - (a) < 20 * H_MS)

/*
 * The host closes TCLO and refuses five opens: attempts 1 s after the
 * failure, then 2, 4, 8, 15 and 15 s apart; the sixth succeeds and the
 * host's "reset" is answered.  One log line for all of it.
 */
ATF_TC_WITHOUT_HEAD(closed_backoff);
ATF_TC_BODY(closed_backoff, tc)
{
	static const int64_t gap[] = { 2, 4, 8, 15, 15 };
	struct vmthost *h = h_boot(NULL);
	size_t i, n, resets;
	int64_t t[16], t0;

	(void)h_attach(h);
	kenv_log_clear();
	resets = vmthost_tclo_replies(h, "reset");
	t0 = kenv_now();
	/* Five attempts, each with and without cookies. */
	vmthost_refuse_open(h, VMTHOST_TCLO, 10);
	vmthost_close_channel(h, VMTHOST_TCLO);
	kenv_run_for(120 * H_S);

	n = opens_after(h, t0, t, 16);
	ATF_REQUIRE_EQ(n, 6);
	/* The failure is seen at the next poll (<= 1 s), retried 1 s on. */
	ATF_CHECK(t[0] - t0 > 1 * H_S - 20 * H_MS && t[0] - t0 <= 2 * H_S);
	for (i = 0; i < 5; i++)
		ATF_CHECK_MSG(NEAR(t[i + 1] - t[i], gap[i] * H_S),
		    "gap %zu: %jd ns", i, (intmax_t)(t[i + 1] - t[i]));
	ATF_CHECK_EQ(vmthost_stats(h)->opens_refused, 10);
	ATF_CHECK_EQ(h_stat("reopens"), 1);
	ATF_CHECK_EQ(vmthost_tclo_replies(h, "reset"), resets + 1);
	ATF_CHECK_STREQ(vmthost_tclo_reply(h, "reset"), "OK ATR toolbox");
	ATF_CHECK_EQ(kenv_log_count("tclo send length failed, ecx=0x4001e"),
	    1);
	ATF_CHECK_EQ(kenv_log_count("failed"), 1);
	ATF_CHECK_STREQ(h_cmd(h, "ping"), "OK ");
	/* A good exchange resets the backoff: the next failure waits 1 s. */
	t0 = kenv_now();
	vmthost_close_channel(h, VMTHOST_TCLO);
	kenv_run_for(5 * H_S);
	n = opens_after(h, t0, t, 16);
	ATF_REQUIRE_EQ(n, 1);
	ATF_CHECK(t[0] - t0 <= 2 * H_S);
	ATF_CHECK_EQ(h_stat("reopens"), 2);
}

/* TIMEOUT on the size step of a receive: broken, reopened after 1 s. */
ATF_TC_WITHOUT_HEAD(timeout_reopen);
ATF_TC_BODY(timeout_reopen, tc)
{
	struct vmthost *h = h_boot(NULL);
	size_t resets;
	int64_t t[4], t0;

	(void)h_attach(h);
	kenv_log_clear();
	resets = vmthost_tclo_replies(h, "reset");
	vmthost_inject(h, VMTHOST_TCLO, VMTHOST_RECV, VMTHOST_STEP_SIZE,
	    VM_RPC_REPLY_TIMEOUT, 1);
	t0 = kenv_now();
	kenv_run_for(3 * H_S);
	ATF_CHECK_EQ(kenv_log_count("tclo get length failed, ecx=0x40001e"),
	    1);
	ATF_REQUIRE_EQ(opens_after(h, t0, t, 4), 1);
	ATF_CHECK_EQ(h_stat("errors"), 1);
	ATF_CHECK_EQ(h_stat("reopens"), 1);
	ATF_CHECK_EQ(h_stat("cpt_retries"), 0);
	ATF_CHECK_EQ(vmthost_tclo_replies(h, "reset"), resets + 1);
	ATF_CHECK_STREQ(h_cmd(h, "ping"), "OK ");
}

/* Power-off: every call fails; the guest backs off, then recovers. */
ATF_TC_WITHOUT_HEAD(poweroff);
ATF_TC_BODY(poweroff, tc)
{
	struct vmthost *h = h_boot(NULL);
	int64_t t[64], t0;
	size_t n;

	(void)h_attach(h);
	kenv_log_clear();
	t0 = kenv_now();
	vmthost_set_poweroff(h, true);
	kenv_run_for(300 * H_S);
	n = opens_after(h, t0, t, 64);
	/* 1+2+4+8 then every 15 s: about 20 attempts in 300 s, not 300. */
	ATF_CHECK_MSG(n >= 18 && n <= 22, "%zu attempts", n);
	ATF_CHECK(kenv_log_count("failed") <= 6);
	vmthost_set_poweroff(h, false);
	ATF_REQUIRE(h_wait_replies(h, "reset", 1, 20 * H_S));
	ATF_CHECK_STREQ(h_cmd(h, "ping"), "OK ");
}

/* A command lost by the host is not run; the next one is. */
ATF_TC_WITHOUT_HEAD(dropped_command);
ATF_TC_BODY(dropped_command, tc)
{
	struct vmthost *h = h_boot(NULL);
	size_t resets;

	(void)h_attach(h);
	vmthost_drop_tclo(h, 1);
	vmthost_tclo_push(h, "OS_Halt");
	ATF_CHECK_STREQ(h_cmd(h, "ping"), "OK ");
	ATF_CHECK_EQ(vmthost_stats(h)->tclo_dropped, 1);
	ATF_CHECK_EQ(vmthost_tclo_replies(h, "OS_Halt"), 0);
	ATF_CHECK_EQ(kenv_pswitch_count(H_PSWITCH_POWER), 0);
	ATF_CHECK_EQ(vmthost_rpci_count(h, NULL), 0);

	/* The "reset" after a checkpoint lost: the command still runs once. */
	resets = vmthost_tclo_replies(h, "reset");
	vmthost_inject_cpt(h, VMTHOST_TCLO, VMTHOST_RECV,
	    VMTHOST_STEP_PAYLOAD_HB, 1);
	vmthost_tclo_push(h, "OS_Reboot");
	vmthost_drop_tclo(h, 1);
	ATF_REQUIRE(h_wait_replies(h, "OS_Reboot", 1, 5 * H_S));
	ATF_CHECK_STREQ(vmthost_tclo_reply(h, "OS_Reboot"), "OK ");
	kenv_run_for(3 * H_S);
	ATF_CHECK_EQ(vmthost_stats(h)->cpt_injected, 1);
	ATF_CHECK_EQ(vmthost_stats(h)->tclo_dropped, 2);
	ATF_CHECK_EQ(vmthost_tclo_replies(h, "reset"), resets);
	ATF_CHECK_EQ(vmthost_tclo_replies(h, "OS_Reboot"), 1);
	ATF_CHECK_EQ(kenv_pswitch_count(H_PSWITCH_RESET), 1);
}

/* A host that refuses cookies: the guest opens without. */
ATF_TC_WITHOUT_HEAD(no_cookies);
ATF_TC_BODY(no_cookies, tc)
{
	struct vmthost_config cfg;
	struct vmthost *h;

	vmthost_config_default(&cfg);
	cfg.cookies = false;
	h = h_boot(&cfg);
	(void)h_attach(h);
	ATF_CHECK_STREQ(h_cmd(h, "OS_PowerOn"), "OK ");
	ATF_CHECK_EQ(vmthost_rpci_count(h, "tools.os.statechange.status 1 3"),
	    1);
	ATF_CHECK(vmthost_stats(h)->opens_refused >= 2);
	ATF_CHECK_EQ(vmthost_stats(h)->bad_channel, 0);
	ATF_CHECK_EQ(kenv_log_count("failed"), 0);
}

ATF_TC_WITHOUT_HEAD(rpci_call);
ATF_TC_BODY(rpci_call, tc)
{
	struct vmthost *h = h_boot(NULL);
	struct vmt_softc *sc = h_attach(h);
	char reply[64], big[VMT_RPC_MAXLEN + 2];
	uint32_t opt;

	ATF_REQUIRE_EQ(vmt_get_gui_options(&opt), 0);
	ATF_CHECK(opt & VM_GUI_SYNC_TIME);

	/* Like "vmware-toolbox-cmd timesync disable". */
	ATF_CHECK_EQ(vmt_rpci_call(sc, "vmx.set_option synctime 1 0", reply,
	    sizeof(reply)), 0);
	ATF_CHECK_STREQ(reply, "");
	ATF_CHECK(!vmthost_synctime(h));
	ATF_REQUIRE_EQ(vmt_get_gui_options(&opt), 0);
	ATF_CHECK((opt & VM_GUI_SYNC_TIME) == 0);
	/* The host then pushes the option over TCLO. */
	ATF_REQUIRE(h_wait_replies(h, "Set_Option synctime 0", 1, 5 * H_S));
	ATF_CHECK_STREQ(vmthost_tclo_reply(h, "Set_Option synctime 0"),
	    "ERROR Unknown or invalid option");

	/* A stale old value: refused, with the host's reason. */
	ATF_CHECK_EQ(kenv_host_errno(vmt_rpci_call(sc,
	    "vmx.set_option synctime 1 0", reply, sizeof(reply))), EIO);
	ATF_CHECK_STREQ(reply, "Old value mismatch");
	ATF_CHECK_EQ(vmt_rpci_callf(sc, reply, sizeof(reply),
	    "vmx.set_option synctime %d %d", 0, 1), 0);
	ATF_CHECK(vmthost_synctime(h));

	/* Replies that are neither "1 " nor "0 ", and truncation. */
	vmthost_rpci_answer(h, "test.garbage", "yes");
	ATF_CHECK_EQ(kenv_host_errno(vmt_rpci_call(sc, "test.garbage", reply,
	    sizeof(reply))), EPROTO);
	ATF_CHECK_STREQ(reply, "yes");
	vmthost_rpci_answer(h, "test.long", "1 0123456789");
	ATF_CHECK_EQ(vmt_rpci_call(sc, "test.long", reply, 5), 0);
	ATF_CHECK_STREQ(reply, "0123");
	vmthost_rpci_answer(h, "test.bare", "1");
	ATF_CHECK_EQ(vmt_rpci_call(sc, "test.bare", NULL, 0), 0);

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ATF_CHECK_EQ(kenv_host_errno(vmt_rpci_call(sc, big, NULL, 0)),
	    EMSGSIZE);
	/* The host's power is off: cannot be used now. */
	vmthost_set_poweroff(h, true);
	ATF_CHECK_EQ(kenv_host_errno(vmt_rpci_call(sc, "tools.set.version 1",
	    reply, sizeof(reply))), EAGAIN);
	vmthost_set_poweroff(h, false);
	ATF_CHECK_EQ(vmt_rpci_call(sc, "tools.set.version 1", reply,
	    sizeof(reply)), 0);
	ATF_CHECK_EQ(vmthost_rpci_count(h, "tools.set.version 1"), 1);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, cpt_send_lb);
	ATF_TP_ADD_TC(tp, cpt_send_hb);
	ATF_TP_ADD_TC(tp, cpt_recv_lb);
	ATF_TP_ADD_TC(tp, cpt_recv_hb);
	ATF_TP_ADD_TC(tp, cpt_recv_status);
	ATF_TP_ADD_TC(tp, cpt_tclo_send_lb);
	ATF_TP_ADD_TC(tp, cpt_tclo_send_hb);
	ATF_TP_ADD_TC(tp, cpt_tclo_recv_lb);
	ATF_TP_ADD_TC(tp, cpt_tclo_recv_hb);
	ATF_TP_ADD_TC(tp, cpt_tclo_recv_status);
	ATF_TP_ADD_TC(tp, cpt_retry_bound);
	ATF_TP_ADD_TC(tp, suspend_during_statechange);
	ATF_TP_ADD_TC(tp, closed_backoff);
	ATF_TP_ADD_TC(tp, timeout_reopen);
	ATF_TP_ADD_TC(tp, poweroff);
	ATF_TP_ADD_TC(tp, dropped_command);
	ATF_TP_ADD_TC(tp, no_cookies);
	ATF_TP_ADD_TC(tp, rpci_call);
	return atf_no_error();
}
