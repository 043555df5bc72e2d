/*
 * Issue 12: never act on a host time that cannot be confirmed, and
 * survive the extremes.  Each case first checks that the situation it
 * is about happened (the host really answered the bad time, the guest
 * really got the message, ...), then what the module did about it.
 *
 * Everything runs on the real kern_tc.c, vmt(4) and vmt_timesync.c
 * against the simulated host (h_timesync.h); the host's lies come from
 * its clock callback or from the test's backdoor hook.
 */

#include <atf-c.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include <dev/vmt/vmtreg.h>

#include "h_timesync.h"

#define DAY_NS		(86400LL * NS)
/* The largest pending adjtime kern_tc accepts, us (TC_ADJTIME_MAX_US). */
#define ADJTIME_MAX_US	((int64_t)1000000 * 86400 * 365)

/* --- a host that lies: from the first read after lie_arm() ---------- */

static bool	lie_armed;
static int64_t	lie_from = -1;	/* kenv_now() of the first lying read */
static int64_t	lie_len;	/* how long it lies, ns */
static int64_t	lie_ns;		/* by how much */
static int64_t	lie_abs = -1;	/* or: answer this time (+ elapsed) */

/* The absolute lie now: lie_abs plus the time since, saturated. */
static int64_t
lie_now(void)
{
	int64_t el = kenv_now() - lie_from;

	return el > INT64_MAX - lie_abs ? INT64_MAX : lie_abs + el;
}

static int64_t
host_lying(void *arg)
{
	int64_t now = kenv_now();

	(void)arg;
	if (lie_armed && lie_from < 0)
		lie_from = now;
	if (lie_from >= 0 && now - lie_from < lie_len) {
		if (lie_abs >= 0)
			return lie_now();
		return host_true(NULL) + lie_ns;
	}
	return host_true(NULL);
}

static void
lie_arm(int64_t by, int64_t len)
{
	lie_armed = true;
	lie_from = -1;
	lie_len = len;
	lie_ns = by;
	lie_abs = -1;
	vmthost_set_clock(W.w_host, host_lying, NULL);
}

/* Host time answers seen by the guest, from the backdoor hook. */
static uint64_t seen_reads;
static int64_t	seen_min_s = INT64_MAX, seen_max_s = INT64_MIN;
static int64_t	hook_maxlag_us = -1;	/* >= 0: answer this maxTimeLag */

static void
hook_time(struct vm_backdoor *f, uint16_t cmd)
{
	int64_t s;

	if (cmd != VM_CMD_GET_TIME_FULL && cmd != VM_CMD_GET_TIME_FULL_LAG)
		return;
	if (f->eax.word != VM_MAGIC)
		return;
	if (hook_maxlag_us >= 0)
		f->ecx.word = (uint32_t)hook_maxlag_us;
	s = (int64_t)(((uint64_t)f->esi.word << 32) | f->edx.word);
	seen_reads++;
	if (s < seen_min_s)
		seen_min_s = s;
	if (s > seen_max_s)
		seen_max_s = s;
}

static void
seen_reset(void)
{
	seen_reads = 0;
	seen_min_s = INT64_MAX;
	seen_max_s = INT64_MIN;
	h_backdoor_hook(hook_time);
}

/* Boot, attach and run until synchronised. */
static void
boot_synced(void)
{
	struct setup s;

	setup_default(&s);
	world_boot(&s);
	run_measure(600, 0, &(struct stats){ 0, 0, 0, 0 });
	REQUIRE_SYNCED();
	watch_start();
}

/* A lie of by ns for len ns, with Time_Synchronize 0 inside it. */
static void
liar_with_ts0(int64_t by, int64_t len)
{
	int64_t steps0, fwd0;

	boot_synced();
	steps0 = sysctl_i("kern.timecounter.steps");
	fwd0 = ts_stat("steps_forward");
	seen_reset();
	lie_arm(by, len);
	vmthost_tclo_push(W.w_host, "Time_Synchronize 0");
	while (vmthost_tclo_replies(W.w_host, "Time_Synchronize 0") == 0) {
		ATF_REQUIRE(lie_from < 0 || kenv_now() - lie_from < len);
		kenv_run_for(10 * MS);
	}
	/* The situation: the guest got the message while the host lied. */
	ATF_REQUIRE_MSG(lie_from >= 0 && kenv_now() - lie_from < len,
	    "Time_Synchronize 0 was not answered inside the lie");
	ATF_REQUIRE(seen_max_s >= host_true(NULL) / NS + by / NS - 2);
	run_watch(600 * NS, NS);
	printf("lie %+lld s for %lld ms: %llu reads, steps %lld, "
	    "offset %lld ns\n", (long long)(by / NS), (long long)(len / MS),
	    (unsigned long long)seen_reads,
	    (long long)(sysctl_i("kern.timecounter.steps") - steps0),
	    (long long)offset_ns());
	ATF_REQUIRE_EQ(sysctl_i("kern.timecounter.steps"), steps0);
	ATF_REQUIRE_EQ(ts_stat("steps_forward"), fwd0);
	REQUIRE_SYNCED();
}

ATF_TC(liar_10y_ts0);
ATF_TC_HEAD(liar_10y_ts0, tc)
{
	atf_tc_set_md_var(tc, "descr", "a host 10 years fast for 2 s, with "
	    "a Time_Synchronize 0 in that window: the guest is not moved");
}
ATF_TC_BODY(liar_10y_ts0, tc)
{
	liar_with_ts0(10 * YEAR_NS, 2 * NS);
}

ATF_TC(liar_1d_glitch);
ATF_TC_HEAD(liar_1d_glitch, tc)
{
	atf_tc_set_md_var(tc, "descr", "a host one day fast for 0.3 s (a "
	    "plausible suspend gap, but not confirmed by reads spread over "
	    "time), with a Time_Synchronize 0 in it: the guest is not moved");
}
ATF_TC_BODY(liar_1d_glitch, tc)
{
	liar_with_ts0(DAY_NS, 300 * MS);
}

/* A suspend of gap ns; resume messages or not.  Synced within 2 s. */
static void
long_suspend(int64_t gap, bool messages, bool periodic)
{
	int64_t fwd0, resumed, took;

	boot_synced();
	if (!periodic)
		ATF_REQUIRE_EQ(kenv_sysctl_setint(
		    "machdep.vmt0.clock_sync.period", 0), 0);
	fwd0 = ts_stat("steps_forward");
	suspend_for(gap);
	resumed = kenv_now();
	/* The situation: the guest is behind by the whole gap. */
	ATF_REQUIRE(offset_ns() < -gap + NS);
	if (messages) {
		vmthost_tclo_push(W.w_host, "reset");
		vmthost_tclo_push(W.w_host, "OS_Resume");
	}
	took = time_to_sync(10 * NS);
	printf("suspend %lld s: synced after %lld ms\n", (long long)(gap / NS),
	    (long long)((kenv_now() - resumed) / MS));
	ATF_REQUIRE_MSG(took >= 0 && took <= 2 * NS, "took %lld ms",
	    (long long)(took / MS));
	ATF_REQUIRE_EQ(ts_stat("steps_forward") - fwd0, 1);
	ATF_REQUIRE_EQ(ts_stat("steps_backward"), 0);
	run_watch(60 * NS, NS);
	REQUIRE_SYNCED();
}

ATF_TC(suspend_30d);
ATF_TC_HEAD(suspend_30d, tc)
{
	atf_tc_set_md_var(tc, "descr", "a host that is right after a 30 day "
	    "suspend steps the guest at once: within 1 ms 2 s after resume, "
	    "with or without resume messages, with or without periodic "
	    "samples (clock_sync.period 0)");
}
ATF_TC_BODY(suspend_30d, tc)
{
	pid_t pid;
	int status;

	if ((pid = fork()) == 0) {
		long_suspend(30 * DAY_NS, false, true);
		fflush(stdout);
		_exit(0);
	}
	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	ATF_REQUIRE_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "silent resume failed");
	if ((pid = fork()) == 0) {
		/* Confirming is part of the event, periodic samples or not. */
		long_suspend(30 * DAY_NS, true, false);
		fflush(stdout);
		_exit(0);
	}
	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	ATF_REQUIRE_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "resume with clock_sync.period 0 failed");
	long_suspend(30 * DAY_NS, true, true);
}

/*
 * The host answers a far future time from some moment on, for good.
 * Nothing moves for the first minutes; whatever step is made lands on
 * the host's time, never on a clamped piece of the way.
 */
static void
insane_future(int64_t when_ns)
{
	int64_t steps0, steps, i, first_step = -1, off;

	boot_synced();
	steps0 = sysctl_i("kern.timecounter.steps");
	seen_reset();
	lie_armed = true;
	lie_from = -1;
	lie_len = INT64_MAX;
	lie_abs = when_ns;
	vmthost_set_clock(W.w_host, host_lying, NULL);
	vmthost_tclo_push(W.w_host, "Time_Synchronize 0");
	for (i = 0; i < 1800; i++) {
		kenv_run_for(NS);
		(void)watch_check();
		steps = sysctl_i("kern.timecounter.steps");
		if (steps == steps0)
			continue;
		if (first_step < 0)
			first_step = i;
		/* Every step lands on what the host said. */
		off = guest_sec() - lie_now() / NS;
		ATF_REQUIRE_MSG(llabs(off) <= 1, "stepped to %lld s, %lld s "
		    "off the host's time", (long long)guest_sec(),
		    (long long)off);
		steps0 = steps;
	}
	/* The situation: the host did answer that time. */
	ATF_REQUIRE(seen_max_s >= when_ns / NS);
	printf("host at %lld s: first step after %lld s, rejected %lld\n",
	    (long long)(when_ns / NS), (long long)first_step,
	    (long long)ts_stat("rejected"));
	ATF_REQUIRE_MSG(first_step < 0 || first_step >= 540,
	    "stepped after %lld s", (long long)first_step);
	ATF_REQUIRE(ts_stat("rejected") > 0);
	ATF_REQUIRE(kenv_log_count("host time") >= 1);
}

ATF_TC(host_2100_2200);
ATF_TC_HEAD(host_2100_2200, tc)
{
	atf_tc_set_md_var(tc, "descr", "a host answering 2100 or 2200: no "
	    "step for 9 minutes, and no step ever lands anywhere but on the "
	    "host's time (no clamped pieces)");
	atf_tc_set_md_var(tc, "timeout", "120");
}
ATF_TC_BODY(host_2100_2200, tc)
{
	pid_t pid;
	int status;

	if ((pid = fork()) == 0) {
		insane_future(4102444800LL * NS);	/* 2100-01-01 */
		fflush(stdout);
		_exit(0);
	}
	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	ATF_REQUIRE_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "2100 failed");
	insane_future(7258118400LL * NS);		/* 2200-01-01 */
}

ATF_TC(host_near_2262);
ATF_TC_HEAD(host_near_2262, tc)
{
	atf_tc_set_md_var(tc, "descr", "a host answering the last second "
	    "before 2262-04-11T23:47:16Z: no overflow anywhere (UBSan), "
	    "nothing acted on in clamped pieces");
	atf_tc_set_md_var(tc, "timeout", "120");
}
ATF_TC_BODY(host_near_2262, tc)
{
	insane_future((INT64_MAX / NS - 2) * NS);
}

/*
 * An administrator sets the guest past 2262-04-11T23:47:16Z, where its
 * realtime no longer fits in int64_t nanoseconds.  The guest is ahead:
 * no step without permission, a slew the kernel accepts, and with
 * Time_Synchronize 1 exactly one backward step onto the host's time.
 */
ATF_TC(guest_past_2262);
ATF_TC_HEAD(guest_past_2262, tc)
{
	atf_tc_set_md_var(tc, "descr", "guest clock set past 2262: no "
	    "overflow (UBSan), no step until Time_Synchronize 1, then one "
	    "backward step onto the host's time");
}
ATF_TC_BODY(guest_past_2262, tc)
{
	struct setup s;
	struct timespec ts = { INT64_MAX / NS + 100, 0 };
	int64_t steps0;

	setup_default(&s);
	s.attach = false;
	world_boot(&s);
	tc_setclock(&ts);
	/* The situation: realtime in ns does not fit in 64 bits. */
	ATF_REQUIRE(guest_sec() > INT64_MAX / NS);
	steps0 = sysctl_i("kern.timecounter.steps");
	W.w_sc = vmt_kenv_attach(0);
	ATF_REQUIRE(W.w_sc != NULL);
	watch_start();
	run_watch(120 * NS, NS);
	ATF_REQUIRE_EQ(sysctl_i("kern.timecounter.steps"), steps0);
	ATF_REQUIRE(guest_sec() > INT64_MAX / NS);
	/* Slewed back as fast as the kernel allows. */
	ATF_REQUIRE_MSG(pending_us() < -ADJTIME_MAX_US / 2,
	    "pending adjtime %lld us", (long long)pending_us());
	tclo_send("Time_Synchronize 1");
	kenv_run_for(3 * NS);
	(void)watch_check();
	ATF_REQUIRE_EQ(sysctl_i("kern.timecounter.steps"), steps0 + 1);
	ATF_REQUIRE_EQ(ts_stat("steps_backward"), 1);
	REQUIRE_SYNCED();
}

ATF_TC(guest_ahead_400d);
ATF_TC_HEAD(guest_ahead_400d, tc)
{
	atf_tc_set_md_var(tc, "descr", "guest 400 days ahead (more than one "
	    "adjtime may hold): the slew is split so that the kernel takes "
	    "it, announced with its duration, and runs at 5000 ppm");
}
ATF_TC_BODY(guest_ahead_400d, tc)
{
	struct setup s;
	int64_t off0, off1;

	setup_default(&s);
	s.offset_ns = 400 * DAY_NS;
	world_boot(&s);
	watch_start();
	/* The situation: the guest really is that far ahead. */
	off0 = offset_ns();
	ATF_REQUIRE(off0 > 399 * DAY_NS);
	run_watch(10 * NS, NS);
	ATF_REQUIRE_MSG(pending_us() <= -ADJTIME_MAX_US + 20 * 5000 &&
	    pending_us() >= -ADJTIME_MAX_US, "pending adjtime %lld us",
	    (long long)pending_us());
	ATF_REQUIRE_EQ(ts_stat("refused"), 0);
	ATF_REQUIRE_EQ(kenv_log_count("slewing"), 1);
	ATF_REQUIRE(kenv_log_count("days") >= 1);
	run_watch(3600 * NS, NS);
	off1 = offset_ns();
	printf("400 d ahead: %lld ms slewed in 3610 s\n",
	    (long long)((off0 - off1) / MS));
	/* 5000 ppm over 3610 s, less the 100 ppm oscillator: 17.7 s. */
	ATF_REQUIRE(off0 - off1 > 17 * NS && off0 - off1 < 18200 * MS);
	ATF_REQUIRE_EQ(ts_stat("steps_backward"), 0);
	ATF_REQUIRE_EQ(sysctl_i("kern.timecounter.steps"), 1);	/* boot */
}

ATF_TC(host_wrong_1h);
ATF_TC_HEAD(host_wrong_1h, tc)
{
	atf_tc_set_md_var(tc, "descr", "a host one hour fast for an hour: "
	    "followed (it was confirmed), then the guest an hour ahead is "
	    "slewed back, never stepped, and the log says for how long");
	atf_tc_set_md_var(tc, "timeout", "120");
}
ATF_TC_BODY(host_wrong_1h, tc)
{
	boot_synced();
	kenv_log_clear();
	lie_arm(3600 * NS, 3600 * NS);
	run_watch((3600 + 120) * NS, NS);
	/* The situation: followed the host, which then came back. */
	ATF_REQUIRE_EQ(ts_stat("steps_forward"), 1);
	ATF_REQUIRE(offset_ns() > 3500 * NS);
	ATF_REQUIRE_EQ(ts_stat("steps_backward"), 0);
	ATF_REQUIRE(pending_us() < -3500 * 1000000LL);
	/* 3600 s at 5000 ppm: 720000 s, 8.3 days. */
	ATF_REQUIRE_EQ(kenv_log_count("slewing"), 1);
	ATF_REQUIRE_EQ(kenv_log_count("8 days"), 1);
}

ATF_TC(refused_adjustment);
ATF_TC_HEAD(refused_adjustment, tc)
{
	atf_tc_set_md_var(tc, "descr", "a kernel refusing tc_adjtime() and "
	    "tc_adjfreq(): each refusal counted, logged at most once a "
	    "minute, the kernel's pending slew left alone; synced again "
	    "once the kernel takes them");
	atf_tc_set_md_var(tc, "timeout", "120");
}
ATF_TC_BODY(refused_adjustment, tc)
{
	int64_t p0;
	unsigned lines;

	boot_synced();
	kenv_log_clear();
	/* Something to correct: the host steps 50 ms. */
	W.w_host_off += 50 * MS;
	h_refuse_adjtime(true);
	h_refuse_adjfreq(true);
	p0 = pending_us();
	run_watch(600 * NS, NS);
	/* The situation: the module asked, and the kernel said no. */
	ATF_REQUIRE(h_adjtime_refused > 0);
	ATF_REQUIRE(llabs(pending_us()) <= llabs(p0));
	ATF_REQUIRE_EQ(ts_stat("refused"),
	    (int64_t)(h_adjtime_refused + h_adjfreq_refused));
	lines = kenv_log_count("refused");
	printf("refused %llu + %llu, %u log lines\n",
	    (unsigned long long)h_adjtime_refused,
	    (unsigned long long)h_adjfreq_refused, lines);
	ATF_REQUIRE(lines >= 1 && lines <= 11);
	h_refuse_adjtime(false);
	h_refuse_adjfreq(false);
	ATF_REQUIRE(time_to_sync(300 * NS) >= 0);
	ATF_REQUIRE_EQ(ts_stat("steps_backward"), 0);
}

ATF_TC(no_time_command);
ATF_TC_HEAD(no_time_command, tc)
{
	atf_tc_set_md_var(tc, "descr", "a host answering neither "
	    "GETTIMEFULL_WITH_LAG nor GETTIMEFULL: logged once, shown in "
	    "stats.time_command and counted; syncing starts when it does");
}
ATF_TC_BODY(no_time_command, tc)
{
	struct setup s;
	char buf[32];
	int64_t a0;

	h_backdoor_unsupported(VM_CMD_GET_TIME_FULL, true);
	h_backdoor_unsupported(VM_CMD_GET_TIME_FULL_LAG, true);
	seen_reset();
	setup_default(&s);
	world_boot(&s);
	a0 = adjustments();
	kenv_run_for(300 * NS);
	/* The situation: the guest asked, and no time came back. */
	ATF_REQUIRE(vmthost_stats(W.w_host)->calls[VM_CMD_GET_TIME_FULL] > 0);
	ATF_REQUIRE_EQ(seen_reads, 0);
	ATF_REQUIRE_EQ(adjustments(), a0);
	ATF_REQUIRE_EQ(kenv_log_count("no time command"), 1);
	ATF_REQUIRE_EQ(kenv_sysctl_getstr(
	    "machdep.vmt0.timesync.stats.time_command", buf, sizeof(buf)), 0);
	ATF_REQUIRE_STREQ(buf, "none");
	ATF_REQUIRE(ts_stat("no_time") >= 250);
	h_backdoor_unsupported(VM_CMD_GET_TIME_FULL, false);
	ATF_REQUIRE(time_to_sync(120 * NS) >= 0);
	ATF_REQUIRE_EQ(kenv_sysctl_getstr(
	    "machdep.vmt0.timesync.stats.time_command", buf, sizeof(buf)), 0);
	ATF_REQUIRE_STREQ(buf, "gettimefull");
	ATF_REQUIRE_EQ(kenv_log_count("no time command"), 1);
}

/*
 * step_threshold 1 ms, the host's maxTimeLag 100 ms: a guest 80 ms
 * behind is slewed forward (the lag allows it).  Then maxTimeLag drops
 * to 0 and, for a few seconds, the host's answers put the guest just
 * behind_us behind it while the forward slew is still in flight: a
 * forward step of (lag - in flight) would be a backward one.  Swept
 * over the moment and the lag.
 */
static int64_t	calib_until = -1;	/* recalibrate host answers until */
static int64_t	calib_behind;		/* guest this far behind, ns */

static void
hook_calibrate(struct vm_backdoor *f, uint16_t cmd)
{
	struct timespec g;
	int64_t h;

	hook_time(f, cmd);
	if ((cmd != VM_CMD_GET_TIME_FULL && cmd != VM_CMD_GET_TIME_FULL_LAG) ||
	    f->eax.word != VM_MAGIC || kenv_now() >= calib_until)
		return;
	nanotime(&g);
	h = (int64_t)g.tv_sec * NS + g.tv_nsec + calib_behind;
	W.w_host_off = h - VMTHOST_EPOCH_2026 - kenv_now();
	f->esi.word = (uint32_t)((uint64_t)(h / NS) >> 32);
	f->edx.word = (uint32_t)(h / NS);
	f->ebx.word = (uint32_t)(h % NS / 1000);
}

static int
inflight_trial(int64_t at_ms, int64_t behind_us, int64_t *sawp)
{
	struct setup s;
	int64_t i, saw = 0, n0, x;

	setup_default(&s);
	s.offset_ns = -80 * MS;
	s.maxlag_us = 100000;
	world_boot(&s);
	ATF_REQUIRE_EQ(kenv_sysctl_setint(
	    "machdep.vmt0.timesync.step_threshold", 1), 0);
	watch_start();
	kenv_run_for(at_ms * MS);
	if (offset_ns() > -10 * MS)
		return -1;		/* the slew is over already */
	hook_maxlag_us = 0;
	calib_behind = behind_us * US;
	calib_until = kenv_now() + 3 * NS;
	h_backdoor_hook(hook_calibrate);
	n0 = ts_stat("samples");
	for (i = 0; i < 1000; i++) {
		kenv_run_for(10 * MS);
		if (ts_stat("samples") != n0) {
			n0 = ts_stat("samples");
			x = ts_stat("offset_ns");
			if (kenv_now() < calib_until + 20 * MS &&
			    x < -1 * MS && x > -2500 * US)
				saw++;
		}
		(void)watch_check();
	}
	*sawp = saw;
	(void)watch_check();
	return (int)h_steps_back;
}

ATF_TC(forward_not_backward);
ATF_TC_HEAD(forward_not_backward, tc)
{
	atf_tc_set_md_var(tc, "descr", "allow_backward 0, a forward slew in "
	    "flight larger than the remaining lag: never a backward step");
}
ATF_TC_BODY(forward_not_backward, tc)
{
	int64_t at, saw;
	int status, back = 0, situations = 0, r;
	int fd[2];
	pid_t pid;

	for (at = 1500; at <= 14000; at += 730) {
		ATF_REQUIRE(pipe(fd) == 0);
		if ((pid = fork()) == 0) {
			close(fd[0]);
			saw = 0;
			r = inflight_trial(at, 1200 + at % 1000, &saw);
			if (write(fd[1], &saw, sizeof(saw)) != sizeof(saw))
				_exit(3);
			_exit(r < 0 ? 2 : r > 0 ? 1 : 0);
		}
		close(fd[1]);
		saw = 0;
		if (read(fd[0], &saw, sizeof(saw)) != sizeof(saw))
			saw = 0;
		close(fd[0]);
		ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
		ATF_REQUIRE_MSG(WIFEXITED(status), "trial at %lld ms crashed",
		    (long long)at);
		if (WEXITSTATUS(status) == 1)
			back++;
		if (saw > 0)
			situations++;
	}
	printf("%d trials saw a small lag with a slew in flight, %d went "
	    "back\n", situations, back);
	ATF_REQUIRE(situations > 0);
	ATF_REQUIRE_EQ(back, 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, liar_10y_ts0);
	ATF_TP_ADD_TC(tp, liar_1d_glitch);
	ATF_TP_ADD_TC(tp, suspend_30d);
	ATF_TP_ADD_TC(tp, host_2100_2200);
	ATF_TP_ADD_TC(tp, host_near_2262);
	ATF_TP_ADD_TC(tp, guest_past_2262);
	ATF_TP_ADD_TC(tp, guest_ahead_400d);
	ATF_TP_ADD_TC(tp, host_wrong_1h);
	ATF_TP_ADD_TC(tp, refused_adjustment);
	ATF_TP_ADD_TC(tp, no_time_command);
	ATF_TP_ADD_TC(tp, forward_not_backward);
	return atf_no_error();
}
