/*
 * machdep.vmt0.clock_sync.period with options VMT_TIMESYNC: NetBSD's
 * name for the sampling period, where 0 turns periodic synchronisation
 * off and leaves the one-shots (attach, resume, the host's requests).
 * Also the guest's own suspend and resume (pmf(9)) reaching the
 * time-sync module.
 */
#include <atf-c.h>
#include <errno.h>
#include <stdint.h>
#include <time.h>

#include "kenv.h"
#include "kenv_pm.h"
#include "h_vmt.h"

#define PERIOD	"machdep.vmt0.clock_sync.period"
#define TSPER	"machdep.vmt0.timesync.period"
#define SAMPLES	"machdep.vmt0.timesync.stats.samples"

static int64_t
get(const char *name)
{
	int64_t v = -1;

	ATF_REQUIRE_EQ_MSG(kenv_sysctl_getint(name, &v), 0, "%s", name);
	return v;
}

/* Guest realtime minus host realtime, ns. */
static int64_t
offset_ns(struct vmthost *h)
{
	struct timespec ts;

	nanotime(&ts);
	return (int64_t)ts.tv_sec * H_S + ts.tv_nsec - vmthost_now(h);
}

static int64_t
abs64(int64_t v)
{
	return v < 0 ? -v : v;
}

/* Step the guest's clock by d ns behind the driver's back. */
static void
guest_step(int64_t d)
{
	struct timespec ts;
	int64_t t;

	nanotime(&ts);
	t = (int64_t)ts.tv_sec * H_S + ts.tv_nsec + d;
	ts.tv_sec = t / H_S;
	ts.tv_nsec = t % H_S;
	tc_setclock(&ts);
}

ATF_TC_WITHOUT_HEAD(period_zero_is_off);
ATF_TC_BODY(period_zero_is_off, tc)
{
	struct vmthost *h = h_boot(NULL);
	int64_t s;

	(void)h_attach(h);
	kenv_run_for(600 * H_S);
	ATF_REQUIRE(abs64(offset_ns(h)) < 1 * H_MS);
	ATF_CHECK_EQ(get(PERIOD), 60);
	ATF_CHECK_EQ(get(TSPER), 60);

	/* Periodic samples while on. */
	s = get(SAMPLES);
	kenv_run_for(600 * H_S);
	ATF_CHECK(get(SAMPLES) >= s + 9);

	/* Off: no samples, and an offset made now stays. */
	ATF_REQUIRE_EQ(kenv_sysctl_setint(PERIOD, 0), 0);
	ATF_CHECK_EQ(get(PERIOD), 0);
	ATF_CHECK_EQ(get(TSPER), 60);
	guest_step(-5 * H_S);
	s = get(SAMPLES);
	kenv_run_for(3600 * H_S);
	ATF_CHECK_EQ(get(SAMPLES), s);
	ATF_CHECK_MSG(abs64(offset_ns(h) + 5 * H_S) < 10 * H_MS, "offset %lld ns",
	    (long long)offset_ns(h));

	/* The one-shots still run: OS_Resume steps the clock forward. */
	ATF_CHECK_STREQ(h_cmd(h, "OS_Resume"), "OK ");
	ATF_CHECK(get(SAMPLES) > s);
	ATF_CHECK_MSG(abs64(offset_ns(h)) < 10 * H_MS, "offset %lld ns",
	    (long long)offset_ns(h));
	s = get(SAMPLES);
	kenv_run_for(3600 * H_S);
	ATF_CHECK_EQ(get(SAMPLES), s);

	/* On again with a period of its own: sampled at once, then every
	 * 30 s or faster. */
	ATF_REQUIRE_EQ(kenv_sysctl_setint(PERIOD, 30), 0);
	ATF_CHECK_EQ(get(PERIOD), 30);
	ATF_CHECK_EQ(get(TSPER), 30);
	ATF_CHECK(get(SAMPLES) > s);
	s = get(SAMPLES);
	kenv_run_for(600 * H_S);
	ATF_CHECK(get(SAMPLES) >= s + 19);
}

ATF_TC_WITHOUT_HEAD(period_validation);
ATF_TC_BODY(period_validation, tc)
{
	struct vmthost *h = h_boot(NULL);

	(void)h_attach(h);
	ATF_CHECK_EQ(kenv_sysctl_setint(PERIOD, -1), EINVAL);
	ATF_CHECK_EQ(kenv_sysctl_setint(PERIOD, 3601), EINVAL);
	ATF_CHECK_EQ(get(PERIOD), 60);
	/* timesync.period never takes 0: off is clock_sync's business. */
	ATF_CHECK_EQ(kenv_sysctl_setint(TSPER, 0), EINVAL);
	kenv_kauth_deny(KAUTH_SYSTEM_TIME, true);
	ATF_CHECK_EQ(kenv_sysctl_setint(PERIOD, 0), EPERM);
	kenv_kauth_deny(KAUTH_SYSTEM_TIME, false);
	ATF_CHECK_EQ(get(PERIOD), 60);
	/* Setting timesync.period while off keeps it off. */
	ATF_REQUIRE_EQ(kenv_sysctl_setint(PERIOD, 0), 0);
	ATF_REQUIRE_EQ(kenv_sysctl_setint(TSPER, 120), 0);
	ATF_CHECK_EQ(get(PERIOD), 0);
	ATF_REQUIRE_EQ(kenv_sysctl_setint(PERIOD, 120), 0);
	ATF_CHECK_EQ(get(PERIOD), 120);
}

/*
 * The guest sleeps (pmf suspend; its counters stop) for an hour: on
 * resume the driver reports it, and the clock is right within 2 s
 * (issue 12: a jump of host time is believed once reads spread over
 * half a second agree), without waiting for the host to notice.
 */
ATF_TC_WITHOUT_HEAD(pmf_resume_syncs);
ATF_TC_BODY(pmf_resume_syncs, tc)
{
	struct vmthost *h = h_boot(NULL);
	int64_t msg, disc;

	(void)h_attach(h);
	kenv_run_for(600 * H_S);
	ATF_REQUIRE(abs64(offset_ns(h)) < 1 * H_MS);
	msg = get("machdep.vmt0.timesync.stats.resumes_message");
	disc = get("machdep.vmt0.timesync.stats.resumes_discontinuity");

	ATF_REQUIRE(kenv_pmf_suspend());
	kenv_suspend();
	kenv_run_for(3600 * H_S);
	kenv_resume();
	ATF_CHECK(offset_ns(h) < -3599 * H_S);
	ATF_REQUIRE(kenv_pmf_resume());
	kenv_run_for(2 * H_S);
	ATF_CHECK_MSG(abs64(offset_ns(h)) < 1 * H_MS, "offset %lld ns",
	    (long long)offset_ns(h));
	ATF_CHECK_EQ(get("machdep.vmt0.timesync.stats.resumes_message"),
	    msg + 1);
	ATF_CHECK_EQ(get("machdep.vmt0.timesync.stats.resumes_discontinuity"),
	    disc);
	ATF_CHECK_EQ(get("machdep.vmt0.timesync.stats.steps_backward"), 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, period_zero_is_off);
	ATF_TP_ADD_TC(tp, period_validation);
	ATF_TP_ADD_TC(tp, pmf_resume_syncs);
	return atf_no_error();
}
