/*
 * Helpers shared by the kern_tc.c tests.
 */
#include <sys/time.h>

#include <atf-c.h>
#include <stdint.h>
#include <time.h>

#include "h_tc.h"

int64_t
h_ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * NS + ts->tv_nsec;
}

int64_t
h_tv_ns(const struct timeval *tv)
{
	return (int64_t)tv->tv_sec * NS + tv->tv_usec * US;
}

int64_t
h_now_ns(void)
{
	struct timespec ts;

	nanotime(&ts);
	return h_ts_ns(&ts);
}

int64_t
h_up_ns(void)
{
	struct timespec ts;

	nanouptime(&ts);
	return h_ts_ns(&ts);
}

int
h_boot(uint64_t freq, unsigned bits, double ppm)
{
	kenv_boot(100);
	return kenv_counter_create("hw", freq, bits, 100, ppm);
}

void
h_set_realtime(int64_t ns)
{
	struct timespec ts = { ns / NS, ns % NS };

	tc_setclock(&ts);
}

void
h_check_monotonic(int64_t span, int64_t step)
{
	int64_t t, r, u, lastr, lastu;

	lastr = h_now_ns();
	lastu = h_up_ns();
	for (t = 0; t < span; t += step) {
		kenv_run_for(step);
		r = h_now_ns();
		u = h_up_ns();
		ATF_REQUIRE_MSG(r >= lastr, "realtime back by %lld ns at %lld",
		    (long long)(lastr - r), (long long)t);
		ATF_REQUIRE_MSG(u >= lastu, "uptime back by %lld ns at %lld",
		    (long long)(lastu - u), (long long)t);
		lastr = r;
		lastu = u;
	}
}

double
h_measured_ppm(int64_t span)
{
	int64_t r0, t0;

	r0 = h_now_ns();
	t0 = kenv_now();
	kenv_run_for(span);
	return ((double)(h_now_ns() - r0) / (double)(kenv_now() - t0) - 1.0) *
	    1e6;
}

int64_t
h_gain_over(int64_t span)
{
	int64_t r0, t0;

	r0 = h_now_ns();
	t0 = kenv_now();
	kenv_run_for(span);
	return (h_now_ns() - r0) - (kenv_now() - t0);
}
