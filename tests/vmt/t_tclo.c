/*
 * vmt(4) TCLO commands: every command's exact reply and the RPCIs and
 * events it causes; the Set_Option registry; strict parsing.
 */
#include <atf-c.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kenv.h"
#include "h_vmt.h"

ATF_TC_WITHOUT_HEAD(reset);
ATF_TC_BODY(reset, tc)
{
	struct vmthost *h = h_boot(NULL);
	struct vmt_softc *sc = h_attach(h);
	struct h_events ev;

	h_listen(sc, &ev);
	ATF_CHECK_STREQ(h_cmd(h, "reset"), "OK ATR toolbox");
	ATF_CHECK_EQ(h_nevents(&ev, VMT_EV_RESET), 1);
	ATF_CHECK_EQ(vmthost_tclo_replies(h, "reset"), 2);
	ATF_CHECK_EQ(vmthost_rpci_count(h, NULL), 0);
}

ATF_TC_WITHOUT_HEAD(ping);
ATF_TC_BODY(ping, tc)
{
	struct vmthost *h = h_boot(NULL);

	(void)h_attach(h);
	ATF_CHECK_STREQ(h_cmd(h, "ping"), "OK ");
	ATF_CHECK_STREQ(h_cmd(h, "ping"), "OK ");
	ATF_CHECK_EQ(vmthost_tclo_replies(h, "ping"), 2);
	ATF_CHECK_EQ(h_stat("tclo_commands"), 3);
	ATF_CHECK_EQ(vmthost_rpci_count(h, NULL), 0);
}

ATF_TC_WITHOUT_HEAD(capabilities_register);
ATF_TC_BODY(capabilities_register, tc)
{
	struct vmthost *h = h_boot(NULL);

	(void)h_attach(h);
	ATF_CHECK_STREQ(h_cmd(h, "Capabilities_Register"), "OK ");
	ATF_REQUIRE_EQ(vmthost_rpci_count(h, NULL), 3);
	ATF_CHECK_STREQ(vmthost_rpci_at(h, 0),
	    "tools.capability.statechange ");
	ATF_CHECK_STREQ(vmthost_rpci_at(h, 1),
	    "vmx.capability.unified_loop toolbox");
	ATF_CHECK_STREQ(vmthost_rpci_at(h, 2),
	    "tools.set.version 2147483647");
	ATF_CHECK_EQ(h_stat("rpci_calls"), 3);
}

/* One OS_* command: "OK ", one status RPCI with the right id. */
static void
check_state(struct vmthost *h, const char *cmd, const char *status)
{
	size_t before = vmthost_rpci_count(h, "tools.os.statechange.status");

	ATF_CHECK_STREQ_MSG(h_cmd(h, cmd), "OK ", "%s", cmd);
	ATF_CHECK_EQ_MSG(vmthost_rpci_count(h, "tools.os.statechange.status"),
	    before + 1, "%s", cmd);
	ATF_CHECK_STREQ_MSG(vmthost_rpci_find(h,
	    "tools.os.statechange.status"), status, "%s", cmd);
}

ATF_TC_WITHOUT_HEAD(os_state_changes);
ATF_TC_BODY(os_state_changes, tc)
{
	struct vmthost *h = h_boot(NULL);
	struct vmt_softc *sc = h_attach(h);
	struct h_events ev;

	h_listen(sc, &ev);
	check_state(h, "OS_PowerOn", "tools.os.statechange.status 1 3");
	ATF_CHECK_EQ(kenv_pswitch_count(H_PSWITCH_POWER), 0);

	check_state(h, "OS_Suspend", "tools.os.statechange.status 1 5");
	ATF_CHECK_EQ(h_nevents(&ev, VMT_EV_SUSPEND), 1);
	check_state(h, "OS_Resume", "tools.os.statechange.status 1 4");
	ATF_CHECK_EQ(h_nevents(&ev, VMT_EV_RESUME), 1);
	ATF_CHECK(h_first(&ev, VMT_EV_SUSPEND) < h_first(&ev, VMT_EV_RESUME));

	check_state(h, "OS_Halt", "tools.os.statechange.status 1 1");
	ATF_CHECK_EQ(kenv_pswitch_count(H_PSWITCH_POWER), 1);
	ATF_CHECK_EQ(kenv_pswitch_count(H_PSWITCH_RESET), 0);

	check_state(h, "OS_Reboot", "tools.os.statechange.status 1 2");
	ATF_CHECK_EQ(kenv_pswitch_count(H_PSWITCH_POWER), 1);
	ATF_CHECK_EQ(kenv_pswitch_count(H_PSWITCH_RESET), 1);
	ATF_CHECK_EQ(vmthost_rpci_count(h, NULL), 5);
}

/* A synctime option handler that accepts 0 and 1. */
struct opt_seen {
	unsigned	calls;
	char		name[64];
	char		value[64];
};

static int
opt_synctime(struct vmt_softc *sc, void *arg, const char *name,
    const char *value)
{
	struct opt_seen *s = arg;

	s->calls++;
	snprintf(s->name, sizeof(s->name), "%s", name);
	snprintf(s->value, sizeof(s->value), "%s", value);
	return strcmp(value, "0") == 0 || strcmp(value, "1") == 0 ? 0 :
	    kenv_kernel_errno(EINVAL);
}

ATF_TC_WITHOUT_HEAD(set_option);
ATF_TC_BODY(set_option, tc)
{
	struct vmthost *h = h_boot(NULL);
	struct vmt_softc *sc = h_attach(h);
	struct opt_seen seen;

	memset(&seen, 0, sizeof(seen));
	/* Nothing registered: every option is unknown. */
	ATF_CHECK_STREQ(h_cmd(h, "Set_Option synctime 1"),
	    "ERROR Unknown or invalid option");

	ATF_REQUIRE_EQ(vmt_option_register(sc, "synctime", opt_synctime,
	    &seen), 0);
	ATF_CHECK_EQ(kenv_host_errno(vmt_option_register(sc, "synctime",
	    opt_synctime, &seen)), EEXIST);
	ATF_CHECK_EQ(kenv_host_errno(vmt_option_register(sc, "",
	    opt_synctime, &seen)), EINVAL);
	ATF_CHECK_EQ(kenv_host_errno(vmt_option_register(sc, "two words",
	    opt_synctime, &seen)), EINVAL);
	ATF_CHECK_EQ(kenv_host_errno(vmt_option_register(sc, "x", NULL,
	    &seen)), EINVAL);

	ATF_CHECK_STREQ(h_cmd(h, "Set_Option synctime 1"), "OK ");
	ATF_CHECK_EQ(seen.calls, 1);
	ATF_CHECK_STREQ(seen.name, "synctime");
	ATF_CHECK_STREQ(seen.value, "1");
	ATF_CHECK_STREQ(h_cmd(h, "Set_Option synctime 0"), "OK ");
	ATF_CHECK_STREQ(seen.value, "0");
	/* The handler refuses: the host hears an error. */
	ATF_CHECK_STREQ(h_cmd(h, "Set_Option synctime 7"),
	    "ERROR Unknown or invalid option");
	ATF_CHECK_EQ(seen.calls, 3);
	/* Other options stay unknown. */
	ATF_CHECK_STREQ(h_cmd(h, "Set_Option synctime.period 60"),
	    "ERROR Unknown or invalid option");
	ATF_CHECK_EQ(seen.calls, 3);
	/* Truncated: no value; the handler is not called. */
	ATF_CHECK_STREQ(h_cmd(h, "Set_Option synctime"),
	    "ERROR Unknown or invalid option");
	ATF_CHECK_STREQ(h_cmd(h, "Set_Option synctime "),
	    "ERROR Unknown or invalid option");
	ATF_CHECK_STREQ(h_cmd(h, "Set_Option"),
	    "ERROR Unknown or invalid option");
	ATF_CHECK_EQ(seen.calls, 3);

	vmt_option_unregister(sc, "synctime");
	ATF_CHECK_STREQ(h_cmd(h, "Set_Option synctime 1"),
	    "ERROR Unknown or invalid option");
	ATF_CHECK_EQ(seen.calls, 3);
	/* The registry has room again. */
	ATF_CHECK_EQ(vmt_option_register(sc, "synctime", opt_synctime,
	    &seen), 0);
}

ATF_TC_WITHOUT_HEAD(option_registry_full);
ATF_TC_BODY(option_registry_full, tc)
{
	struct vmthost *h = h_boot(NULL);
	struct vmt_softc *sc = h_attach(h);
	struct opt_seen seen;
	char name[32];
	int i;

	memset(&seen, 0, sizeof(seen));
	for (i = 0; i < VMT_OPTION_MAX; i++) {
		snprintf(name, sizeof(name), "opt%d", i);
		ATF_REQUIRE_EQ(vmt_option_register(sc, name, opt_synctime,
		    &seen), 0);
	}
	ATF_CHECK_EQ(kenv_host_errno(vmt_option_register(sc, "one.more",
	    opt_synctime, &seen)), ENOSPC);
	ATF_CHECK_STREQ(h_cmd(h, "Set_Option opt15 1"), "OK ");
	ATF_CHECK_STREQ(seen.name, "opt15");
}

ATF_TC_WITHOUT_HEAD(time_synchronize);
ATF_TC_BODY(time_synchronize, tc)
{
	static const char *const bad[] = {
		"Time_Synchronize 2", "Time_Synchronize x",
		"Time_Synchronize 10", "Time_Synchronize -1",
		"Time_Synchronize 1 ", "Time_Synchronize",
		"Time_Synchronize ",
	};
	struct vmthost *h = h_boot(NULL);
	struct vmt_softc *sc = h_attach(h);
	struct h_events ev;
	size_t i;
	int k;

	h_listen(sc, &ev);
	ATF_CHECK_STREQ(h_cmd(h, "Time_Synchronize 0"), "OK ");
	ATF_CHECK_STREQ(h_cmd(h, "Time_Synchronize 1"), "OK ");
	ATF_REQUIRE_EQ(h_nevents(&ev, VMT_EV_TIMESYNC), 2);
	k = h_first(&ev, VMT_EV_TIMESYNC);
	ATF_CHECK_EQ(ev.arg[k], 0);
	for (k++; ev.ev[k] != VMT_EV_TIMESYNC; k++)
		continue;
	ATF_CHECK_EQ(ev.arg[k], 1);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ATF_CHECK_STREQ_MSG(h_cmd(h, bad[i]),
		    "ERROR Invalid arguments", "%s", bad[i]);
	ATF_CHECK_EQ(h_nevents(&ev, VMT_EV_TIMESYNC), 2);
	ATF_CHECK_EQ(vmthost_rpci_count(h, NULL), 0);
}

ATF_TC_WITHOUT_HEAD(unknown_command);
ATF_TC_BODY(unknown_command, tc)
{
	static const char *const unknown[] = {
		"foo", "pingx", "PING", "Reset", "OS_Hal",
		"Time_Synchronizer 1", "vmx.set_option synctime 0 1",
	};
	struct vmthost *h = h_boot(NULL);
	size_t i;

	(void)h_attach(h);
	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		ATF_CHECK_STREQ_MSG(h_cmd(h, unknown[i]),
		    "ERROR Unknown command", "%s", unknown[i]);
	/* An empty message is no command either. */
	vmthost_tclo_push_bytes(h, "", 0);
	ATF_REQUIRE(h_wait_replies(h, "", 1, 5 * H_S));
	ATF_CHECK_STREQ(vmthost_tclo_reply(h, ""), "ERROR Unknown command");
	/* A known command with arguments it does not take. */
	ATF_CHECK_STREQ(h_cmd(h, "ping now"), "ERROR Invalid arguments");
	ATF_CHECK_STREQ(h_cmd(h, "ping "), "ERROR Invalid arguments");
	ATF_CHECK_EQ(kenv_pswitch_count(H_PSWITCH_POWER), 0);
	ATF_CHECK_EQ(vmthost_rpci_count(h, NULL), 0);
}

ATF_TC_WITHOUT_HEAD(strict_parsing);
ATF_TC_BODY(strict_parsing, tc)
{
	static const char nul[] = "ping\0OS_Halt";
	static const char ctl[] = "ping\n";
	static const char high[] = "ping\xff";
	struct vmthost *h = h_boot(NULL);
	char *longmsg;

	(void)h_attach(h);
	kenv_log_clear();

	/* Embedded NUL: not "ping", not "OS_Halt". */
	vmthost_tclo_push_bytes(h, nul, sizeof(nul) - 1);
	ATF_REQUIRE(h_wait_replies(h, NULL, 1, 5 * H_S));
	ATF_CHECK_STREQ(vmthost_tclo_reply_at(h,
	    vmthost_tclo_replies(h, NULL) - 1), "ERROR Invalid message");
	ATF_CHECK_EQ(kenv_pswitch_count(H_PSWITCH_POWER), 0);
	ATF_CHECK_EQ(kenv_log_count("malformed TCLO command: embedded NUL"),
	    1);

	/* Control and non-ASCII bytes. */
	ATF_CHECK_STREQ(h_cmd(h, ctl), "ERROR Invalid message");
	ATF_CHECK_STREQ(h_cmd(h, high), "ERROR Invalid message");

	/* Over-long but drainable: answered, the channel survives. */
	longmsg = malloc(VMT_RPC_MAXLEN + 2);
	memset(longmsg, 'a', VMT_RPC_MAXLEN + 1);
	longmsg[VMT_RPC_MAXLEN + 1] = '\0';
	ATF_CHECK_STREQ(h_cmd(h, longmsg), "ERROR Message too long");
	ATF_CHECK_STREQ(h_cmd(h, "ping"), "OK ");
	ATF_CHECK_EQ(h_stat("reopens"), 0);
	ATF_CHECK_EQ(h_stat("errors"), 0);
	free(longmsg);

	/* Exactly VMT_RPC_MAXLEN is fine (and unknown). */
	longmsg = malloc(VMT_RPC_MAXLEN + 1);
	memset(longmsg, 'b', VMT_RPC_MAXLEN);
	longmsg[VMT_RPC_MAXLEN] = '\0';
	ATF_CHECK_STREQ(h_cmd(h, longmsg), "ERROR Unknown command");
	free(longmsg);

	/* Five malformed commands inside a minute: one log line. */
	ATF_CHECK_EQ(kenv_log_count("malformed TCLO command"), 1);
	ATF_CHECK_STREQ(h_cmd(h, "Time_Synchronize x"),
	    "ERROR Invalid arguments");
	ATF_CHECK_EQ(kenv_log_count("malformed TCLO command"), 1);
	kenv_run_for(61 * H_S);
	ATF_CHECK_STREQ(h_cmd(h, "Time_Synchronize x"),
	    "ERROR Invalid arguments");
	ATF_CHECK_EQ(kenv_log_count("malformed TCLO command"), 2);
	ATF_CHECK_EQ(kenv_log_count("failed"), 0);
}

ATF_TC_WITHOUT_HEAD(too_long_to_drain);
ATF_TC_BODY(too_long_to_drain, tc)
{
	struct vmthost *h = h_boot(NULL);
	size_t resets, len = VMT_RPC_DRAINMAX + 1;
	char *huge;

	(void)h_attach(h);
	resets = vmthost_tclo_replies(h, "reset");
	huge = malloc(len);
	memset(huge, 'z', len);
	vmthost_tclo_push_bytes(h, huge, len);
	free(huge);
	/* The channel is given up, reopened, and greeted again. */
	ATF_REQUIRE(h_wait_replies(h, "reset", 1, 10 * H_S));
	ATF_CHECK_EQ(vmthost_tclo_replies(h, "reset"), resets + 1);
	ATF_CHECK_EQ(h_stat("reopens"), 1);
	ATF_CHECK_EQ(h_stat("errors"), 1);
	ATF_CHECK_EQ(vmthost_stats(h)->tclo_dropped, 1);
	ATF_CHECK_EQ(kenv_log_count("message too long"), 1);
	ATF_CHECK_STREQ(h_cmd(h, "ping"), "OK ");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, reset);
	ATF_TP_ADD_TC(tp, ping);
	ATF_TP_ADD_TC(tp, capabilities_register);
	ATF_TP_ADD_TC(tp, os_state_changes);
	ATF_TP_ADD_TC(tp, set_option);
	ATF_TP_ADD_TC(tp, option_registry_full);
	ATF_TP_ADD_TC(tp, time_synchronize);
	ATF_TP_ADD_TC(tp, unknown_command);
	ATF_TP_ADD_TC(tp, strict_parsing);
	ATF_TP_ADD_TC(tp, too_long_to_drain);
	return atf_no_error();
}
