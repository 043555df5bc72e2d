/*
 * Shared harness of the time-sync tests; see h_timesync.h.
 */

#include <atf-c.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dev/vmt/vmtreg.h>

#include "h_timesync.h"

struct world W;

uint64_t h_adjtime_refused, h_adjfreq_refused;

static bool h_no_adjtime, h_no_adjfreq;
static h_backdoor_fn h_hook;
#define H_NCMD	128
static bool h_unsupported[H_NCMD];

static uint64_t
rng_next(void)
{
	uint64_t z = (W.w_rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double
rng_normal(void)
{
	double u1 = ((double)(rng_next() >> 11) + 1) / 9007199254740993.0;
	double u2 = (double)(rng_next() >> 11) / 9007199254740992.0;

	return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

int64_t
host_true(void *arg)
{
	(void)arg;
	return VMTHOST_EPOCH_2026 + kenv_now() + W.w_host_off;
}

int64_t
offset_ns(void)
{
	struct timespec ts;
	int64_t h = host_true(NULL), d;

	nanotime(&ts);
	/* In seconds first: the guest may be anywhere. */
	d = (int64_t)ts.tv_sec - h / NS;
	if (d > INT64_MAX / NS - 1)
		return INT64_MAX;
	if (d < INT64_MIN / NS + 1)
		return INT64_MIN;
	return d * NS + ts.tv_nsec - h % NS;
}

int64_t
guest_sec(void)
{
	struct timespec ts;

	nanotime(&ts);
	return (int64_t)ts.tv_sec;
}

int64_t
sysctl_i(const char *name)
{
	int64_t v = -12345;

	ATF_REQUIRE_EQ_MSG(kenv_sysctl_getint(name, &v), 0, "%s", name);
	return v;
}

int64_t
ts_stat(const char *name)
{
	char buf[128];

	snprintf(buf, sizeof(buf), "machdep.vmt0.timesync.stats.%s", name);
	return sysctl_i(buf);
}

int64_t
adjustments(void)
{
	return sysctl_i("kern.timecounter.steps") +
	    sysctl_i("kern.timecounter.adjtimes") +
	    sysctl_i("kern.timecounter.adjfreqs");
}

int64_t
pending_us(void)
{
	int64_t old = 0;

	ATF_REQUIRE_EQ(__real_tc_adjtime(&old, NULL), 0);
	return old;
}

void
setup_default(struct setup *s)
{
	memset(s, 0, sizeof(*s));
	s->ppm = 100;
	s->offset_ns = 100 * MS;
	s->jitter_ns = 10 * US;
	s->maxlag_us = 1000000;
	s->synctime = true;
	s->gui_options = true;
	s->attach = true;
}

/* kern_tc's timestepwarnings line: count the steps that went back. */
uint64_t h_steps_back, h_steps_fwd;

static void
h_log_hook(void *arg, int pri, const char *line)
{
	long long s0, s1;
	long n0, n1;

	(void)arg;
	(void)pri;
	if (sscanf(line, "Time stepped from %lld.%ld to %lld.%ld", &s0, &n0,
	    &s1, &n1) != 4)
		return;
	if (s1 < s0 || (s1 == s0 && n1 < n0))
		h_steps_back++;
	else
		h_steps_fwd++;
}

void
world_boot(const struct setup *s)
{
	struct vmthost_config hc;
	struct timespec ts;
	int64_t t;

	memset(&W, 0, sizeof(W));
	W.w_rng = 42;
	W.w_ppm = s->ppm;
	W.w_wander = s->wander;
	kenv_boot(100);
	kenv_log_set_hook(h_log_hook, NULL);
	W.w_tc = kenv_counter_create("tsc", 2000000000, 32, 1000, s->ppm);
	ATF_REQUIRE_EQ(kenv_sysctl_setint("kern.timecounter.timestepwarnings",
	    1), 0);
	t = VMTHOST_EPOCH_2026 + s->offset_ns;
	ts.tv_sec = t / NS;
	ts.tv_nsec = t % NS;
	/*
	 * As a system boots: the clock set and boottime with it (NetBSD's
	 * main() sets boottime once the clock is set), before vmt attaches.
	 */
	ATF_REQUIRE_EQ(kenv_settime(&ts), 0);

	vmthost_config_default(&hc);
	hc.seed = 7;
	hc.latency_ns = 1 * US;
	hc.jitter_ns = s->jitter_ns;
	hc.tsc_hz = 2000000000;
	hc.max_time_lag_us = s->maxlag_us;
	hc.synctime = s->synctime;
	hc.gui_options = s->gui_options;
	hc.precision_clock = s->precision_clock;
	W.w_host = vmthost_create(&hc);
	ATF_REQUIRE(W.w_host != NULL);
	vmthost_set_clock(W.w_host, host_true, NULL);
	if (s->attach) {
		W.w_sc = vmt_kenv_attach(0);
		ATF_REQUIRE(W.w_sc != NULL);
	}
}

void
run_second(void)
{
	if (W.w_wander > 0) {
		W.w_walk += W.w_wander * rng_normal();
		kenv_counter_set_ppm(W.w_tc, W.w_ppm + W.w_walk * 1e6);
	}
	kenv_run_for(NS);
}

void
run_measure(int64_t seconds, int64_t from_s, struct stats *st)
{
	int64_t i, o, t;

	for (i = 0; i < seconds; i++) {
		run_second();
		o = offset_ns();
		t = kenv_now() / NS;
		if (llabs(o) > LIMIT_NS)
			st->last_bad = t;
		if (t >= from_s) {
			st->sumsq += (double)o * (double)o;
			st->max = llabs(o) > st->max ? llabs(o) : st->max;
			st->n++;
		}
	}
}

int64_t
time_to_sync(int64_t max_ns)
{
	int64_t t;

	for (t = 0; t <= max_ns; t += 100 * MS) {
		if (llabs(offset_ns()) < LIMIT_NS)
			return t;
		kenv_run_for(100 * MS);
	}
	return -1;
}

void
suspend_for(int64_t ns)
{
	kenv_suspend();
	kenv_run_for(ns);
	kenv_resume();
}

void
tclo_send(const char *cmd)
{
	size_t n = vmthost_tclo_replies(W.w_host, cmd);
	int i;

	vmthost_tclo_push(W.w_host, cmd);
	for (i = 0; i < 3000 && vmthost_tclo_replies(W.w_host, cmd) == n; i++)
		kenv_run_for(10 * MS);
	ATF_REQUIRE_MSG(vmthost_tclo_replies(W.w_host, cmd) > n,
	    "\"%s\" not answered", cmd);
}

/* --- realtime watch ------------------------------------------------- */

static struct timespec watch_last;
static int64_t watch_steps;
static int watch_back;

void
watch_start(void)
{
	nanotime(&watch_last);
	watch_steps = sysctl_i("kern.timecounter.steps");
	watch_back = 0;
}

int
watch_check(void)
{
	struct timespec now;
	int64_t steps;
	bool back;

	nanotime(&now);
	steps = sysctl_i("kern.timecounter.steps");
	back = now.tv_sec < watch_last.tv_sec ||
	    (now.tv_sec == watch_last.tv_sec &&
	    now.tv_nsec < watch_last.tv_nsec);
	if (back) {
		ATF_REQUIRE_MSG(steps != watch_steps, "realtime went back "
		    "from %lld.%09ld to %lld.%09ld without a step",
		    (long long)watch_last.tv_sec, watch_last.tv_nsec,
		    (long long)now.tv_sec, now.tv_nsec);
		watch_back++;
	}
	watch_last = now;
	watch_steps = steps;
	return watch_back;
}

void
run_watch(int64_t ns, int64_t step_ns)
{
	int64_t t;

	for (t = 0; t < ns; t += step_ns) {
		kenv_run_for(step_ns);
		(void)watch_check();
	}
}

/* --- standing in for the kernel and the host ------------------------ */

void
h_refuse_adjtime(bool on)
{
	h_no_adjtime = on;
}

void
h_refuse_adjfreq(bool on)
{
	h_no_adjfreq = on;
}

int
__wrap_tc_adjtime(int64_t *old, int64_t *new)
{
	if (new != NULL && h_no_adjtime) {
		h_adjtime_refused++;
		return kenv_kernel_errno(EINVAL);
	}
	return __real_tc_adjtime(old, new);
}

int
__wrap_tc_adjfreq(int64_t *old, int64_t *new)
{
	if (new != NULL && h_no_adjfreq) {
		h_adjfreq_refused++;
		return kenv_kernel_errno(EINVAL);
	}
	return __real_tc_adjfreq(old, new);
}

void
h_backdoor_hook(h_backdoor_fn fn)
{
	h_hook = fn;
}

void
h_backdoor_unsupported(uint16_t cmd, bool on)
{
	ATF_REQUIRE(cmd < H_NCMD);
	h_unsupported[cmd] = on;
}

void
__wrap_vmt_backdoor_cmd(struct vm_backdoor *f)
{
	uint16_t cmd = f->ecx.part.low;

	__real_vmt_backdoor_cmd(f);
	if (cmd < H_NCMD && h_unsupported[cmd])
		f->eax.word = VM_BACKDOOR_FAIL;
	if (h_hook != NULL)
		(*h_hook)(f, cmd);
}
