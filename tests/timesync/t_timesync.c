/*
 * End-to-end tests of the time-sync module (issues 4 and 7): the real
 * kern_tc.c, vmt(4) transport and vmt_timesync.c on the userland
 * kernel environment, against the simulated VMware host (h_timesync.h).
 */

#include <atf-c.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "h_timesync.h"

ATF_TC(steady_24h);
ATF_TC_HEAD(steady_24h, tc)
{
	atf_tc_set_md_var(tc, "descr", "100 ppm, 0.1 s off, wander 1e-9/s, "
	    "5 us jitter, 24 h: synced within 600 s, then RMS <= 20 us and "
	    "max <= 100 us, no backward step");
}
ATF_TC_BODY(steady_24h, tc)
{
	struct setup s;
	struct stats st = { -1, 0, 0, 0 };
	double rms;

	setup_default(&s);
	s.wander = 1e-9;
	world_boot(&s);
	run_measure(86400, 600, &st);
	rms = sqrt(st.sumsq / (double)st.n);
	printf("steady: last over 1 ms at %llds, rms %.2f us, max %.2f us, "
	    "slews %lld\n", (long long)st.last_bad, rms / 1e3, st.max / 1e3,
	    (long long)sysctl_i("machdep.vmt0.timesync.stats.slews"));
	ATF_REQUIRE_MSG(st.last_bad < 600, "last over 1 ms at %lld s",
	    (long long)st.last_bad);
	ATF_REQUIRE_MSG(rms <= 20e3, "rms %.0f ns", rms);
	ATF_REQUIRE_MSG(st.max <= 100 * US, "max %lld ns", (long long)st.max);
	ATF_REQUIRE_EQ(sysctl_i("machdep.vmt0.timesync.stats.steps_backward"),
	    0);
	ATF_REQUIRE_EQ(kenv_log_count("stepped clock back"), 0);
}

/* Run to a locked state, then suspend for 2 h. */
static void
suspend_scenario(bool messages, bool cpt)
{
	struct setup s;
	int64_t fwd0, took, resumed;

	setup_default(&s);
	world_boot(&s);
	run_measure(1800, 0, &(struct stats){ 0, 0, 0, 0 });
	REQUIRE_SYNCED();
	fwd0 = sysctl_i("machdep.vmt0.timesync.stats.steps_forward");
	kenv_log_clear();
	resumed = kenv_now();

	if (cpt) {
		/* The VM freezes inside the transfer of the suspend reply. */
		vmthost_set_cpt_suspend(W.w_host, 7200 * NS);
		vmthost_inject_cpt(W.w_host, VMTHOST_RPCI, VMTHOST_SEND,
		    VMTHOST_STEP_PAYLOAD_LB, 1);
		vmthost_inject_cpt(W.w_host, VMTHOST_RPCI, VMTHOST_SEND,
		    VMTHOST_STEP_PAYLOAD_HB, 1);
	}
	vmthost_tclo_push(W.w_host, "OS_Suspend");
	if (cpt) {
		/*
		 * Run until the checkpoint has frozen and thawed the VM
		 * inside the transfer, dropping every host message about
		 * it (the "reset" the host queues after a checkpoint).
		 * The VM resumed 2 h after some moment of the last 10 ms.
		 */
		vmthost_drop_tclo(W.w_host, 16);
		do {
			ATF_REQUIRE_MSG(kenv_now() < resumed + 60 * NS,
			    "no checkpoint: %zu statechange RPCIs, %zu pending",
			    vmthost_rpci_count(W.w_host, "tools.os.statechange"),
			    vmthost_tclo_pending(W.w_host));
			resumed = kenv_now() + 7200 * NS;
			kenv_run_for(10 * MS);
		} while (vmthost_stats(W.w_host)->cpt_injected == 0);
		ATF_REQUIRE(kenv_now() >= resumed);
	} else {
		kenv_run_for(2 * NS);
		ATF_REQUIRE_EQ(vmthost_rpci_count(W.w_host,
		    "tools.os.statechange.status 1 5"), 1);
		suspend_for(7200 * NS);
		if (messages) {
			vmthost_tclo_push(W.w_host, "reset");
			vmthost_tclo_push(W.w_host, "OS_Resume");
		}
	}
	if (!cpt) {
		ATF_REQUIRE(offset_ns() < -7000 * NS);
		resumed = kenv_now();
	}
	/* From the resume to the first |offset| < 1 ms. */
	if (time_to_sync(10 * NS) >= 0)
		took = kenv_now() - resumed;
	else
		took = -1;
	printf("resume: synced %lld ms after resume, forward steps %lld\n",
	    (long long)(took / MS),
	    (long long)(sysctl_i("machdep.vmt0.timesync.stats.steps_forward") -
	    fwd0));
	ATF_REQUIRE_MSG(took >= 0 && took <= 2 * NS, "took %lld ms",
	    (long long)(took / MS));
	ATF_REQUIRE_EQ(sysctl_i("machdep.vmt0.timesync.stats.steps_forward") -
	    fwd0, 1);
	ATF_REQUIRE_EQ(sysctl_i("machdep.vmt0.timesync.stats.steps_backward"),
	    0);
	kenv_run_for(60 * NS);
	REQUIRE_SYNCED();
	ATF_REQUIRE_EQ(kenv_log_count("failed"), 0);
	ATF_REQUIRE_EQ(kenv_log_count("unable to"), 0);
	if (cpt) {
		ATF_REQUIRE(sysctl_i("machdep.vmt0.rpc.cpt_retries") >= 1);
		ATF_REQUIRE_EQ(vmthost_rpci_count(W.w_host,
		    "tools.os.statechange.status 1 5"), 1);
	}
}

ATF_TC(suspend_resume);
ATF_TC_HEAD(suspend_resume, tc)
{
	atf_tc_set_md_var(tc, "descr", "2 h suspend with OS_Resume: within "
	    "1 ms 2 s after resume, one forward step");
}
ATF_TC_BODY(suspend_resume, tc)
{
	suspend_scenario(true, false);
}

ATF_TC(suspend_silent);
ATF_TC_HEAD(suspend_silent, tc)
{
	atf_tc_set_md_var(tc, "descr", "2 h suspend with every resume "
	    "message lost: caught by polling within 2 s");
}
ATF_TC_BODY(suspend_silent, tc)
{
	suspend_scenario(false, false);
	ATF_REQUIRE_EQ(
	    sysctl_i("machdep.vmt0.timesync.stats.resumes_discontinuity"), 1);
}

ATF_TC(suspend_cpt);
ATF_TC_HEAD(suspend_cpt, tc)
{
	atf_tc_set_md_var(tc, "descr", "a checkpoint cuts the OS_Suspend "
	    "reply and the host's resume messages are lost: same 2 s bound, "
	    "no RPC error, the state change reported once");
}
ATF_TC_BODY(suspend_cpt, tc)
{
	suspend_scenario(false, true);
}

ATF_TC(host_disabled);
ATF_TC_HEAD(host_disabled, tc)
{
	atf_tc_set_md_var(tc, "descr", "synctime 0 for 2 h: no adjustment "
	    "in that window; syncing resumes on synctime 1");
}
ATF_TC_BODY(host_disabled, tc)
{
	struct setup s;
	int64_t a0, took;

	setup_default(&s);
	world_boot(&s);
	run_measure(3600, 0, &(struct stats){ 0, 0, 0, 0 });
	vmthost_set_synctime(W.w_host, false);
	vmthost_tclo_push(W.w_host, "Set_Option synctime 0");
	kenv_run_for(2 * NS);
	ATF_REQUIRE_EQ(sysctl_i("machdep.vmt0.timesync.stats.enabled"), 0);
	a0 = adjustments();
	run_measure(7200, 0, &(struct stats){ 0, 0, 0, 0 });
	ATF_REQUIRE_EQ(adjustments(), a0);
	/* It still measures: 100 ppm for 2 h is 720 ms. */
	ATF_REQUIRE(sysctl_i("machdep.vmt0.timesync.stats.offset_ns") >
	    600 * MS);
	vmthost_set_synctime(W.w_host, true);
	vmthost_tclo_push(W.w_host, "Set_Option synctime 1");
	kenv_run_for(2 * NS);
	ATF_REQUIRE(adjustments() > a0);
	took = time_to_sync(400 * NS);
	printf("re-enabled: within 1 ms after %lld s\n",
	    (long long)(took / NS));
	ATF_REQUIRE(took >= 0);
}

ATF_TC(guest_ahead);
ATF_TC_HEAD(guest_ahead, tc)
{
	atf_tc_set_md_var(tc, "descr", "guest 5 s ahead: slewed, never "
	    "stepped back, within 1 ms by 1120 s; with Time_Synchronize 1, "
	    "one backward step and within 1 ms in 2 s");
}
ATF_TC_BODY(guest_ahead, tc)
{
	struct setup s;
	struct stats st = { -1, 0, 0, 0 };
	int64_t took;
	pid_t pid;
	int status;

	setup_default(&s);
	s.offset_ns = 5 * NS;
	if ((pid = fork()) == 0) {
		world_boot(&s);
		took = time_to_sync(30 * NS);
		if (took < 0 || took > 2 * NS)
			_exit(1);
		_exit(0);
	}
	/* The child above has no Time_Synchronize: see below. */
	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	ATF_REQUIRE_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 1,
	    "a guest ahead must not be stepped back at attach");

	if ((pid = fork()) == 0) {
		world_boot(&s);
		kenv_run_for(5 * NS);
		vmthost_tclo_push(W.w_host, "Time_Synchronize 1");
		took = time_to_sync(10 * NS);
		printf("Time_Synchronize 1: synced after %lld ms, back %lld\n",
		    (long long)(took / MS), (long long)sysctl_i(
		    "machdep.vmt0.timesync.stats.steps_backward"));
		fflush(stdout);
		_exit(took >= 0 && took <= 2 * NS && sysctl_i(
		    "machdep.vmt0.timesync.stats.steps_backward") == 1 ? 0 : 1);
	}
	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	ATF_REQUIRE_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "Time_Synchronize 1 did not give one backward step within 2 s");

	world_boot(&s);
	run_measure(1500, 0, &st);
	printf("guest ahead: last over 1 ms at %lld s\n",
	    (long long)st.last_bad);
	ATF_REQUIRE_MSG(st.last_bad < 1120, "last over 1 ms at %lld s",
	    (long long)st.last_bad);
	ATF_REQUIRE_EQ(sysctl_i("machdep.vmt0.timesync.stats.steps_backward"),
	    0);
	ATF_REQUIRE_EQ(sysctl_i("kern.timecounter.steps"), 1);	/* boot */
}

static void
host_step_scenario(int64_t step)
{
	struct setup s;
	struct stats st = { -1, 0, 0, 0 };
	int64_t steps0;

	setup_default(&s);
	world_boot(&s);
	run_measure(1800, 0, &st);
	steps0 = sysctl_i("kern.timecounter.steps");
	W.w_host_off += step;
	st.last_bad = -1;
	run_measure(600, 0, &st);
	printf("host step %+lld ms: last over 1 ms at %lld s after\n",
	    (long long)(step / MS), (long long)(st.last_bad - 1800));
	ATF_REQUIRE_MSG(st.last_bad - 1800 <= 180, "recovered %lld s after",
	    (long long)(st.last_bad - 1800));
	ATF_REQUIRE_EQ(sysctl_i("kern.timecounter.steps"), steps0);
}

ATF_TC(host_step);
ATF_TC_HEAD(host_step, tc)
{
	atf_tc_set_md_var(tc, "descr", "host clock steps +-0.3 s: slewed "
	    "within 180 s, no step");
}
ATF_TC_BODY(host_step, tc)
{
	pid_t pid;
	int status;

	if ((pid = fork()) == 0) {
		host_step_scenario(300 * MS);
		fflush(stdout);
		_exit(0);
	}
	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	ATF_REQUIRE_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "+0.3 s failed");
	host_step_scenario(-300 * MS);
}

/* Writing bad to name fails with EINVAL and leaves it as it was. */
static void
check_bad_int(const char *name, int64_t bad)
{
	int64_t before = sysctl_i(name);

	ATF_REQUIRE_EQ_MSG(kenv_sysctl_setint(name, bad), EINVAL, "%s=%lld",
	    name, (long long)bad);
	ATF_REQUIRE_EQ(sysctl_i(name), before);
}

ATF_TC(sysctl_validation);
ATF_TC_HEAD(sysctl_validation, tc)
{
	atf_tc_set_md_var(tc, "descr", "every writable node rejects bad "
	    "values with EINVAL and changes nothing; writes need "
	    "KAUTH_SYSTEM_TIME; read-only nodes refuse writes");
}
ATF_TC_BODY(sysctl_validation, tc)
{
	static const char *const stats[] = {
		"samples", "rejected", "slews", "steps_forward",
		"steps_backward", "resumes_message", "resumes_checkpoint",
		"resumes_discontinuity", "offset_ns", "last_sync", "host_flag",
		"guioptions", "enabled", "locked", "freq_ppb", "unconfirmed",
		"refused", "no_time", "noise_ns", "interval_ms",
	};
	struct setup s;
	char buf[32], name[96];
	size_t i;

	setup_default(&s);
	world_boot(&s);
	kenv_run_for(10 * NS);
	check_bad_int("machdep.vmt0.timesync.period", 0);
	check_bad_int("machdep.vmt0.timesync.period", 3601);
	check_bad_int("machdep.vmt0.timesync.period", -5);
	check_bad_int("machdep.vmt0.clock_sync.period", -1);
	check_bad_int("machdep.vmt0.clock_sync.period", 3601);
	check_bad_int("machdep.vmt0.timesync.step_threshold", 0);
	check_bad_int("machdep.vmt0.timesync.step_threshold", 86400001);
	check_bad_int("machdep.vmt0.timesync.allow_backward", 2);
	check_bad_int("machdep.vmt0.timesync.allow_backward", -1);
	check_bad_int("machdep.vmt0.timesync.host_synctime", 2);
	ATF_REQUIRE_EQ(kenv_sysctl_setstr("machdep.vmt0.timesync.mode",
	    "sometimes"), EINVAL);
	ATF_REQUIRE_EQ(kenv_sysctl_getstr("machdep.vmt0.timesync.mode", buf,
	    sizeof(buf)), 0);
	ATF_REQUIRE_STREQ(buf, "host");
	ATF_REQUIRE_EQ(kenv_sysctl_setstr("machdep.vmt0.timesync.mode",
	    "ohne-ende-lang"), EINVAL);

	/* Good values stick; the alias is the same variable. */
	ATF_REQUIRE_EQ(kenv_sysctl_setint("machdep.vmt0.timesync.period", 30),
	    0);
	ATF_REQUIRE_EQ(sysctl_i("machdep.vmt0.clock_sync.period"), 30);
	ATF_REQUIRE_EQ(kenv_sysctl_setint("machdep.vmt0.clock_sync.period",
	    45), 0);
	ATF_REQUIRE_EQ(sysctl_i("machdep.vmt0.timesync.period"), 45);
	ATF_REQUIRE_EQ(kenv_sysctl_setstr("machdep.vmt0.timesync.mode", "off"),
	    0);
	ATF_REQUIRE_EQ(sysctl_i("machdep.vmt0.timesync.stats.enabled"), 0);

	for (i = 0; i < sizeof(stats) / sizeof(stats[0]); i++) {
		snprintf(name, sizeof(name), "machdep.vmt0.timesync.stats.%s",
		    stats[i]);
		(void)sysctl_i(name);
		ATF_REQUIRE_EQ_MSG(kenv_sysctl_setint(name, 1), EPERM, "%s",
		    name);
	}
	ATF_REQUIRE_EQ(kenv_sysctl_getstr(
	    "machdep.vmt0.timesync.stats.flag_source", buf, sizeof(buf)), 0);
	ATF_REQUIRE_STREQ(buf, "read");

	/*
	 * Every host option has a node, under a name NetBSD's sysctl
	 * accepts (no dots): the environment refuses what NetBSD does.
	 */
	{
		static const char *const opts[] = { "slewCorrection",
		    "percentCorrection", "startup", "startup_backward",
		    "enable" };
		int64_t v;

		for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
			snprintf(name, sizeof(name),
			    "machdep.vmt0.timesync.host_options.%s", opts[i]);
			ATF_REQUIRE_EQ_MSG(kenv_sysctl_getint(name, &v), 0,
			    "%s", name);
		}
	}

	/* Privilege: the same rule as setting the time. */
	kenv_kauth_deny(KAUTH_SYSTEM_TIME, true);
	ATF_REQUIRE_EQ(kenv_sysctl_setint("machdep.vmt0.timesync.period", 20),
	    EPERM);
	ATF_REQUIRE_EQ(kenv_sysctl_setstr("machdep.vmt0.timesync.mode", "on"),
	    EPERM);
	ATF_REQUIRE_EQ(kenv_sysctl_setint(
	    "machdep.vmt0.timesync.host_synctime", 0), EPERM);
	ATF_REQUIRE_EQ(sysctl_i("machdep.vmt0.timesync.period"), 45);
	kenv_kauth_deny(KAUTH_SYSTEM_TIME, false);
	kenv_set_privileged(false);
	ATF_REQUIRE_EQ(kenv_sysctl_setint(
	    "machdep.vmt0.timesync.allow_backward", 1), EPERM);
	ATF_REQUIRE_EQ(sysctl_i("machdep.vmt0.timesync.allow_backward"), 0);
}

/* --- issue 7: the host's flag, read and written --------------------- */

ATF_TC(flag_read_at_attach);
ATF_TC_HEAD(flag_read_at_attach, tc)
{
	atf_tc_set_md_var(tc, "descr", "flag set, no TCLO traffic at all: "
	    "syncing starts within one period, decided by GETGUIOPTIONS");
}
ATF_TC_BODY(flag_read_at_attach, tc)
{
	struct setup s;
	char buf[16];
	int64_t took;

	setup_default(&s);
	s.offset_ns = 50 * MS;
	world_boot(&s);
	ATF_REQUIRE_EQ(vmthost_tclo_pending(W.w_host), 0);
	took = time_to_sync(60 * NS);
	ATF_REQUIRE_MSG(took >= 0, "not synced within one period");
	ATF_REQUIRE_EQ(sysctl_i("machdep.vmt0.timesync.host_synctime"), 1);
	ATF_REQUIRE_EQ(kenv_sysctl_getstr(
	    "machdep.vmt0.timesync.stats.flag_source", buf, sizeof(buf)), 0);
	ATF_REQUIRE_STREQ(buf, "read");
}

ATF_TC(flag_push_lost);
ATF_TC_HEAD(flag_push_lost, tc)
{
	atf_tc_set_md_var(tc, "descr", "the host clears its flag and the "
	    "Set_Option push is lost: no adjustment after the next sample; "
	    "set again: syncing resumes");
}
ATF_TC_BODY(flag_push_lost, tc)
{
	struct setup s;
	int64_t a0, period;

	setup_default(&s);
	world_boot(&s);
	run_measure(1200, 0, &(struct stats){ 0, 0, 0, 0 });
	period = sysctl_i("machdep.vmt0.timesync.period");
	vmthost_set_synctime(W.w_host, false);		/* no push */
	kenv_run_for((period + 2) * NS);
	ATF_REQUIRE_EQ(sysctl_i("machdep.vmt0.timesync.host_synctime"), 0);
	ATF_REQUIRE_EQ(sysctl_i("machdep.vmt0.timesync.stats.enabled"), 0);
	a0 = adjustments();
	kenv_run_for(3600 * NS);
	ATF_REQUIRE_EQ(adjustments(), a0);
	vmthost_set_synctime(W.w_host, true);		/* no push either */
	kenv_run_for((period + 2) * NS);
	ATF_REQUIRE(adjustments() > a0);
	ATF_REQUIRE(time_to_sync(400 * NS) >= 0);
}

ATF_TC(flag_write);
ATF_TC_HEAD(flag_write, tc)
{
	atf_tc_set_md_var(tc, "descr", "writing host_synctime toggles the "
	    "host's flag and the echo arrives; a stale old value fails with "
	    "EIO and changes nothing");
}
ATF_TC_BODY(flag_write, tc)
{
	struct setup s;
	char buf[16];

	setup_default(&s);
	s.gui_options = false;		/* the module cannot re-read it */
	world_boot(&s);
	vmthost_tclo_push(W.w_host, "Set_Option synctime 1");
	kenv_run_for(3 * NS);
	ATF_REQUIRE_EQ(sysctl_i("machdep.vmt0.timesync.host_synctime"), 1);

	ATF_REQUIRE_EQ(kenv_sysctl_setint(
	    "machdep.vmt0.timesync.host_synctime", 0), 0);
	ATF_REQUIRE(!vmthost_synctime(W.w_host));
	ATF_REQUIRE_EQ(vmthost_rpci_count(W.w_host,
	    "vmx.set_option synctime 1 0"), 1);
	ATF_REQUIRE_EQ(kenv_sysctl_getstr(
	    "machdep.vmt0.timesync.stats.flag_source", buf, sizeof(buf)), 0);
	ATF_REQUIRE_STREQ(buf, "write");
	kenv_run_for(3 * NS);		/* the host's echo */
	ATF_REQUIRE_STREQ(vmthost_tclo_reply(W.w_host,
	    "Set_Option synctime 0"), "OK ");
	ATF_REQUIRE_STREQ(kenv_sysctl_getstr(
	    "machdep.vmt0.timesync.stats.flag_source", buf, sizeof(buf)) == 0 ?
	    buf : "", "push");
	ATF_REQUIRE_EQ(sysctl_i("machdep.vmt0.timesync.stats.enabled"), 0);

	/* The host changes behind our back; our <old> is stale. */
	vmthost_set_synctime(W.w_host, true);
	ATF_REQUIRE_EQ(kenv_sysctl_setint(
	    "machdep.vmt0.timesync.host_synctime", 1), EIO);
	ATF_REQUIRE_EQ(sysctl_i("machdep.vmt0.timesync.host_synctime"), 0);
	ATF_REQUIRE(kenv_log_count("host refused") == 1);
	ATF_REQUIRE(vmthost_synctime(W.w_host));
}

ATF_TC(flag_no_guioptions);
ATF_TC_HEAD(flag_no_guioptions, tc)
{
	atf_tc_set_md_var(tc, "descr", "a host without GETGUIOPTIONS: only "
	    "pushes decide, and the statistics say so");
}
ATF_TC_BODY(flag_no_guioptions, tc)
{
	struct setup s;
	int64_t a0;

	setup_default(&s);
	s.gui_options = false;
	world_boot(&s);
	a0 = adjustments();
	kenv_run_for(300 * NS);
	ATF_REQUIRE_EQ(sysctl_i("machdep.vmt0.timesync.stats.guioptions"), 0);
	ATF_REQUIRE_EQ(sysctl_i("machdep.vmt0.timesync.host_synctime"), -1);
	ATF_REQUIRE_EQ(adjustments(), a0);
	vmthost_tclo_push(W.w_host, "Set_Option synctime 1");
	ATF_REQUIRE(time_to_sync(120 * NS) >= 0);
	ATF_REQUIRE(adjustments() > a0);
}

static int64_t
host_1990(void *arg)
{
	(void)arg;
	return 631152000LL * NS + kenv_now();
}

ATF_TC(insane_host);
ATF_TC_HEAD(insane_host, tc)
{
	atf_tc_set_md_var(tc, "descr", "a host time before 2000 is rejected, "
	    "counted, logged at most once a minute, and never applied");
}
ATF_TC_BODY(insane_host, tc)
{
	struct setup s;
	int64_t a0;

	setup_default(&s);
	world_boot(&s);
	run_measure(300, 0, &(struct stats){ 0, 0, 0, 0 });
	a0 = sysctl_i("kern.timecounter.steps");
	kenv_log_clear();
	vmthost_set_clock(W.w_host, host_1990, NULL);
	vmthost_tclo_push(W.w_host, "Time_Synchronize 1");
	kenv_run_for(600 * NS);
	ATF_REQUIRE(sysctl_i("machdep.vmt0.timesync.stats.rejected") >= 10);
	ATF_REQUIRE_EQ(sysctl_i("kern.timecounter.steps"), a0);
	ATF_REQUIRE(kenv_log_count("host time rejected") >= 1);
	ATF_REQUIRE(kenv_log_count("host time rejected") <= 11);
	vmthost_set_clock(W.w_host, host_true, NULL);
	kenv_run_for(120 * NS);
	REQUIRE_SYNCED();
}

ATF_TC(tc_switch);
ATF_TC_HEAD(tc_switch, tc)
{
	atf_tc_set_md_var(tc, "descr", "switching kern.timecounter.hardware "
	    "to a counter with another error: the frequency estimate is "
	    "dropped and learnt again; the clock stays within 1 ms");
}
ATF_TC_BODY(tc_switch, tc)
{
	struct setup s;
	struct stats st = { -1, 0, 0, 0 };
	int64_t f0, f1;

	setup_default(&s);
	world_boot(&s);
	run_measure(1800, 0, &st);
	f0 = sysctl_i("machdep.vmt0.timesync.stats.freq_ppb");
	ATF_REQUIRE_MSG(llabs(f0 + 100000) < 1000, "freq %lld ppb",
	    (long long)f0);
	(void)kenv_counter_create("hpet", 14318180, 32, 500, -40.0);
	ATF_REQUIRE_EQ(kenv_sysctl_setstr("kern.timecounter.hardware",
	    "hpet"), 0);
	st.last_bad = -1;
	run_measure(3600, 0, &st);
	f1 = sysctl_i("machdep.vmt0.timesync.stats.freq_ppb");
	printf("tc switch: freq %lld -> %lld ppb, last over 1 ms at %lld\n",
	    (long long)f0, (long long)f1, (long long)st.last_bad);
	ATF_REQUIRE_MSG(llabs(f1 - 40000) < 1000, "freq %lld ppb",
	    (long long)f1);
	ATF_REQUIRE_MSG(st.last_bad < 1800, "over 1 ms at %lld s",
	    (long long)st.last_bad);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, steady_24h);
	ATF_TP_ADD_TC(tp, suspend_resume);
	ATF_TP_ADD_TC(tp, suspend_silent);
	ATF_TP_ADD_TC(tp, suspend_cpt);
	ATF_TP_ADD_TC(tp, host_disabled);
	ATF_TP_ADD_TC(tp, guest_ahead);
	ATF_TP_ADD_TC(tp, host_step);
	ATF_TP_ADD_TC(tp, sysctl_validation);
	ATF_TP_ADD_TC(tp, flag_read_at_attach);
	ATF_TP_ADD_TC(tp, flag_push_lost);
	ATF_TP_ADD_TC(tp, flag_write);
	ATF_TP_ADD_TC(tp, flag_no_guioptions);
	ATF_TP_ADD_TC(tp, insane_host);
	ATF_TP_ADD_TC(tp, tc_switch);
	return atf_no_error();
}
