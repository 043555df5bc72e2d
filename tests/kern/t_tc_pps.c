/*
 * kern_tc.c's RFC 2783 PPS API, driven as com(4) drives it: the
 * ioctls, event time stamps and sequence numbers, offsets, reference
 * events, and the PPS_SYNC feed of hardpps().
 */

#include <sys/time.h>

#include <atf-c.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "h_tc.h"

#define EPASSTHROUGH	(-4)		/* the kernel's */
#define PPS_CANWAIT	0x100
#define PPS_ECHOASSERT	0x40

ATF_TC(pps_ioctl_api);
ATF_TC_HEAD(pps_ioctl_api, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "PPS_IOC_GETCAP/SETPARAMS/GETPARAMS/KCBIND: capabilities with "
	    "the offsets pps_init() adds, EINVAL for modes the source "
	    "lacks, EPASSTHROUGH for other ioctls");
}
ATF_TC_BODY(pps_ioctl_api, tc)
{
	struct kenv_pps *both, *one;
	struct timespec off = { 0, 1000000 };
	int caps, mode, api;

	h_boot(2000000000, 32, 0.0);
	both = kenv_pps_create(PPS_CAPTUREBOTH);
	ATF_REQUIRE_EQ(kenv_pps_getcap(both, &caps), 0);
	ATF_REQUIRE_EQ(caps, PPS_CAPTUREBOTH | PPS_OFFSETASSERT |
	    PPS_OFFSETCLEAR | PPS_TSFMT_TSPEC);
	one = kenv_pps_create(PPS_CAPTUREASSERT);
	ATF_REQUIRE_EQ(kenv_pps_getcap(one, &caps), 0);
	ATF_REQUIRE_EQ(caps, PPS_CAPTUREASSERT | PPS_OFFSETASSERT |
	    PPS_TSFMT_TSPEC);

	ATF_REQUIRE_EQ(kenv_pps_setparams(both, PPS_CAPTUREASSERT |
	    PPS_OFFSETASSERT | PPS_TSFMT_TSPEC, &off, NULL), 0);
	ATF_REQUIRE_EQ(kenv_pps_getparams(both, &mode, &api), 0);
	ATF_REQUIRE_EQ(mode, PPS_CAPTUREASSERT | PPS_OFFSETASSERT |
	    PPS_TSFMT_TSPEC);
	ATF_REQUIRE_EQ(api, 1);
	ATF_REQUIRE_EQ(kenv_pps_setparams(both, PPS_CAPTUREASSERT |
	    PPS_CANWAIT, NULL, NULL), EINVAL);
	ATF_REQUIRE_EQ(kenv_pps_setparams(one, PPS_CAPTURECLEAR, NULL, NULL),
	    EINVAL);
	ATF_REQUIRE_EQ(kenv_pps_getparams(both, &mode, &api), 0);
	ATF_REQUIRE_EQ(mode, PPS_CAPTUREASSERT | PPS_OFFSETASSERT |
	    PPS_TSFMT_TSPEC);			/* unchanged */

	ATF_REQUIRE_EQ(kenv_pps_kcbind(both, PPS_CAPTUREASSERT), 0);
	ATF_REQUIRE_EQ(kenv_pps_kcbind(both, PPS_ECHOASSERT), EINVAL);
	ATF_REQUIRE_EQ(kenv_pps_unknown_ioctl(both), EPASSTHROUGH);
	kenv_pps_destroy(one);
	kenv_pps_destroy(both);
}

ATF_TC(pps_events);
ATF_TC_HEAD(pps_events, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "assert and clear edges are stamped with the clock at the "
	    "capture (plus the assert offset) and numbered; the first "
	    "event only learns the counter");
}
ATF_TC_BODY(pps_events, tc)
{
	struct kenv_ppsinfo pi;
	struct kenv_pps *pps;
	struct timespec off = { 0, 1000000 };
	int64_t now;
	int i;

	h_boot(2000000000, 32, 20.0);
	h_set_realtime(EPOCH);
	pps = kenv_pps_create(PPS_CAPTUREBOTH);
	ATF_REQUIRE_EQ(kenv_pps_setparams(pps, PPS_CAPTUREBOTH |
	    PPS_OFFSETASSERT | PPS_TSFMT_TSPEC, &off, NULL), 0);
	kenv_run_for(NS / 3);
	kenv_pps_edge(pps, PPS_CAPTUREASSERT);
	ATF_REQUIRE_EQ(kenv_pps_fetch(pps, &pi), 0);
	ATF_REQUIRE_EQ(pi.assert_seq, 0);	/* learnt the counter */

	for (i = 1; i <= 20; i++) {
		kenv_run_for(NS - 1234567 * (i % 3));
		now = h_now_ns();
		kenv_pps_edge(pps, PPS_CAPTUREASSERT);
		ATF_REQUIRE_EQ(kenv_pps_fetch(pps, &pi), 0);
		ATF_REQUIRE_EQ(pi.assert_seq, (uint32_t)i);
		ATF_REQUIRE_MSG(llabs(h_ts_ns(&pi.assert_ts) - now - 1000000)
		    <= 1, "assert at %lld, clock %lld",
		    (long long)h_ts_ns(&pi.assert_ts), (long long)now);
		ATF_REQUIRE_EQ(pi.mode, PPS_CAPTUREBOTH | PPS_OFFSETASSERT |
		    PPS_TSFMT_TSPEC);

		kenv_run_for(NS / 5);
		now = h_now_ns();
		kenv_pps_edge(pps, PPS_CAPTURECLEAR);
		ATF_REQUIRE_EQ(kenv_pps_fetch(pps, &pi), 0);
		ATF_REQUIRE_EQ(pi.clear_seq, (uint32_t)i);
		ATF_REQUIRE(llabs(h_ts_ns(&pi.clear_ts) - now) <= 1);
	}
	kenv_pps_destroy(pps);
}

ATF_TC(pps_ref_events);
ATF_TC_HEAD(pps_ref_events, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "pps_ref_event() with a reference time stamp records the "
	    "nearest second plus the clock's error against the reference, "
	    "for the capture, the current and the averaged count");
}
ATF_TC_BODY(pps_ref_events, tc)
{
	static const int modes[] = {
		PPS_REFEVNT_CAPTURE, PPS_REFEVNT_CURRENT, PPS_REFEVNT_CAPCUR,
	};
	struct kenv_ppsinfo pi;
	struct kenv_pps *pps;
	struct timespec ref;
	int64_t now, want;
	int i, m;

	h_boot(2000000000, 32, 0.0);
	h_set_realtime(EPOCH);
	pps = kenv_pps_create(PPS_CAPTUREASSERT);
	kenv_run_for(NS / 3);
	for (m = 0; m < 3; m++) {
		for (i = 0; i < 4; i++) {
			kenv_run_for(NS + 2345678);
			now = h_now_ns();
			/* The reference says it is 3 ms earlier. */
			ref.tv_sec = (now - 3000000) / NS;
			ref.tv_nsec = (now - 3000000) % NS;
			kenv_pps_ref_edge(pps, PPS_CAPTUREASSERT, &ref,
			    modes[m]);
		}
		ATF_REQUIRE_EQ(kenv_pps_fetch(pps, &pi), 0);
		want = (now + NS / 2) / NS * NS + 3000000;
		ATF_REQUIRE_MSG(llabs(h_ts_ns(&pi.assert_ts) - want) <= 1,
		    "mode %#x: %lld, want %lld", modes[m],
		    (long long)h_ts_ns(&pi.assert_ts), (long long)want);
	}
	/* The first event learnt the counter; the other eleven count. */
	ATF_REQUIRE_EQ(pi.assert_seq, 11);
	kenv_pps_destroy(pps);
}

ATF_TC(pps_hardpps);
ATF_TC_HEAD(pps_hardpps, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "bound to the kernel (PPS_IOC_KCBIND, PPS_SYNC), each event "
	    "after the first two feeds hardpps() the event time and the "
	    "counter's frequency error in ns per second");
}
ATF_TC_BODY(pps_hardpps, tc)
{
	struct kenv_ppsinfo pi;
	struct kenv_pps *pps;
	struct timespec ts;
	long nsec;
	uint64_t n;
	int i;

	h_boot(2000000000, 32, 20.0);
	h_set_realtime(EPOCH);
	pps = kenv_pps_create(PPS_CAPTUREASSERT);
	ATF_REQUIRE_EQ(kenv_pps_kcbind(pps, PPS_CAPTUREASSERT), 0);
	kenv_run_for(NS / 3);
	for (i = 0; i < 10; i++) {
		kenv_pps_edge(pps, PPS_CAPTUREASSERT);
		kenv_run_for(NS);
	}
	n = kenv_hardpps(&ts, &nsec);
	ATF_REQUIRE_EQ(n, 8);
	ATF_REQUIRE_EQ(kenv_pps_fetch(pps, &pi), 0);
	ATF_REQUIRE_EQ(h_ts_ns(&ts), h_ts_ns(&pi.assert_ts));
	/* 20 ppm fast: 20 us of counter per second of reference. */
	ATF_REQUIRE_MSG(labs(nsec - 20000) <= 2, "%ld ns", nsec);

	/* Unbound: no more feeding. */
	ATF_REQUIRE_EQ(kenv_pps_kcbind(pps, 0), 0);
	kenv_pps_edge(pps, PPS_CAPTUREASSERT);
	ATF_REQUIRE_EQ(kenv_hardpps(NULL, NULL), n);
	kenv_pps_destroy(pps);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, pps_ioctl_api);
	ATF_TP_ADD_TC(tp, pps_events);
	ATF_TP_ADD_TC(tp, pps_ref_events);
	ATF_TP_ADD_TC(tp, pps_hardpps);
	return atf_no_error();
}
