/*
 * tc_detach() against lock-free readers: threads read the clock
 * (nanotime(), binuptime()) while the main thread registers a counter
 * in memory of its own, makes it current, detaches it and frees it at
 * once, over and over.  tc_detach() must not return while a reader can
 * still use the counter: a reader that did would read freed memory,
 * which AddressSanitizer (make test SANITIZE=1) and ThreadSanitizer
 * (make tsan) report.  The clock must stay monotonic for every reader
 * throughout.
 */

#include <sys/time.h>

#include <atf-c.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "h_tc.h"

#define NREADERS	3
#define ROUNDS		300

static atomic_bool	stop;
static atomic_llong	reads, bad;

static void *
reader(void *arg)
{
	struct timespec a, b;
	struct bintime ua, ub;

	(void)arg;
	nanotime(&a);
	binuptime(&ua);
	while (!atomic_load(&stop)) {
		nanotime(&b);
		binuptime(&ub);
		if (h_ts_ns(&b) < h_ts_ns(&a) || ub.sec < ua.sec ||
		    (ub.sec == ua.sec && ub.frac < ua.frac))
			atomic_fetch_add(&bad, 1);
		a = b;
		ua = ub;
		atomic_fetch_add(&reads, 1);
	}
	return NULL;
}

/* Let the readers read at least n more times. */
static void
await_reads(long long n)
{
	long long want = atomic_load(&reads) + n;

	while (atomic_load(&reads) < want)
		sched_yield();
}

ATF_TC(detach_race);
ATF_TC_HEAD(detach_race, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "counters detached and freed while threads read the clock: "
	    "no use after free, no backward reading");
	atf_tc_set_md_var(tc, "timeout", "600");
}
ATF_TC_BODY(detach_race, tc)
{
	pthread_t t[NREADERS];
	char name[64];
	int i, id, base;

	base = h_boot(1193182, 32, 0.0);
	kenv_set_tickless(false);
	h_set_realtime(EPOCH);
	for (i = 0; i < NREADERS; i++)
		ATF_REQUIRE(pthread_create(&t[i], NULL, reader, NULL) == 0);
	await_reads(1000);

	for (i = 0; i < ROUNDS; i++) {
		id = kenv_counter_create("heap", 2000000000 + i, 32, 1000,
		    (double)(i % 7));
		ATF_REQUIRE(id != base);
		ATF_REQUIRE_EQ(kenv_sysctl_getstr("kern.timecounter.hardware",
		    name, sizeof(name)), 0);
		ATF_REQUIRE_STREQ(name, "heap");
		/* The readers are on it, and the clock moves on. */
		await_reads(50);
		kenv_run_for(NS / 1000);
		await_reads(50);
		ATF_REQUIRE_EQ(kenv_counter_detach(id), 0);
		ATF_REQUIRE_EQ(kenv_sysctl_getstr("kern.timecounter.hardware",
		    name, sizeof(name)), 0);
		ATF_REQUIRE_STREQ(name, "hw");
		kenv_run_for(NS / 1000);
	}
	atomic_store(&stop, true);
	for (i = 0; i < NREADERS; i++)
		ATF_REQUIRE(pthread_join(t[i], NULL) == 0);
	ATF_REQUIRE_EQ(atomic_load(&bad), 0);
	ATF_REQUIRE(atomic_load(&reads) >= ROUNDS * 100);
	/* tc_detach() did find readers inside binuptime() and waited. */
	ATF_REQUIRE_MSG(kenv_kpauses() > 0, "no detach ever had to wait");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, detach_race);
	return atf_no_error();
}
