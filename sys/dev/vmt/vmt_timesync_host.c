/*	$NetBSD$	*/

/*
 * Copyright (c) 2026 The vmt timesync project.
 * All rights reserved.
 *
 * Redistribution and use in source and binary forms, with or without
 * modification, are permitted provided that the following conditions
 * are met:
 * 1. Redistributions of source code must retain the above copyright
 *    notice, this list of conditions and the following disclaimer.
 * 2. Redistributions in binary form must reproduce the above copyright
 *    notice, this list of conditions and the following disclaimer in the
 *    documentation and/or other materials provided with the distribution.
 *
 * THIS SOFTWARE IS PROVIDED BY THE AUTHOR AND CONTRIBUTORS ``AS IS'' AND
 * ANY EXPRESS OR IMPLIED WARRANTIES ARE DISCLAIMED.
 */

/*
 * vmt(4) time synchronisation: reading the host's time, and deciding
 * whether to believe it.
 *
 * Every host time the module uses, on every path (TCLO poll, regular
 * sample, one-shot, resume), goes through vmt_ts_vet(): the one bound
 * on host time against uptime.  Host time moves with uptime, give or
 * take VMT_TS_RATE_PPM (the guest's oscillator and the corrections the
 * kernel applies to uptime).  A read that keeps to that against the
 * last believed read, the anchor, is believed.  One that does not is
 * held until reads spread over VMT_TS_CONFIRM_NS agree with it.  That
 * is what tells a suspend from a host that is wrong for a moment: a
 * suspend freezes the guest's counter while host time runs on, so the
 * host's new time against uptime holds from the first read after the
 * resume on; a glitch does not hold.  A jump beyond VMT_TS_INSANE_NS
 * (two years) must hold for VMT_TS_INSANE_HOLD_NS before it is
 * believed.
 *
 * A forward jump (host time ahead of uptime, as a stop of the VM makes
 * it) that something besides the host's clock vouches for needs only
 * reads spread over VMT_TS_CONFIRM_FAST_NS: a message that the VM was
 * stopped (OS_Suspend just before, OS_Resume, a TCLO reset or a
 * checkpoint seen on the wire, within VMT_TS_STOP_NEAR_NS of uptime of
 * the jump; vmt_ts_stopped()), or an interrupt lag of about the jump
 * reported with it (a stun the VMM is catching up).  Those come from
 * the VMX's own bookkeeping of the stop, not from its clock: a clock
 * that is wrong for a moment does not bring them along, and a message
 * that comes without a jump moves nothing.  Time_Synchronize does not
 * vouch for anything: the host sends it whenever it likes.  So a resume
 * is caught a few hundredths of a second after the first read that
 * sees it when the host said so, about half a second after it when it
 * did not, and a host that is years off for a few seconds moves
 * nothing.
 *
 * Time arithmetic never overflows: realtime may be anywhere a time_t
 * can say, so offsets are formed from second and nanosecond parts and
 * rejected when they do not fit, never clamped and acted on.
 *
 * Everything here runs with ts_lock held.
 */

#include <sys/cdefs.h>
__KERNEL_RCSID(0, "$NetBSD$");

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/device.h>
#include <sys/mutex.h>
#include <sys/syslog.h>
#include <sys/time.h>
#include <sys/timetc.h>

#include <dev/vmt/vmtvar.h>
#include <dev/vmt/vmt_tspolicy.h>
#include <dev/vmt/vmt_timesyncvar.h>

/* Host times before 2000-01-01 are not believed. */
#define VMT_TS_EPOCH_MIN_S	946684800LL
/* Nor any whose nanoseconds do not fit in 64 bits (2262-04-11). */
#define VMT_TS_EPOCH_MAX_S	(INT64_MAX / VMT_NS_PER_S - 1)
/* Host against uptime: jumps above this need confirmation. */
#define VMT_TS_JUMP_NS		VMT_NS_PER_S
/* ... give or take this rate over the uptime between the reads. */
#define VMT_TS_RATE_PPM		10000
/* Reads agreeing with each other within this are one host time. */
#define VMT_TS_AGREE_NS		(50 * VMT_NS_PER_MS)
/* Confirmation: this many reads spread over at least this long. */
#define VMT_TS_CONFIRM_READS	3
#define VMT_TS_CONFIRM_NS	(500 * VMT_NS_PER_MS)
/* ... or this long, for a forward jump the VMX vouches for. */
#define VMT_TS_CONFIRM_FAST_NS	(20 * VMT_NS_PER_MS)
#define VMT_TS_TICK_SLACK_NS	(5 * VMT_NS_PER_MS)
/* A stop message vouches for a jump this close to it in uptime. */
#define VMT_TS_STOP_NEAR_NS	(10 * VMT_NS_PER_S)
/* An interrupt lag this close to the jump (or 1/8 of it) vouches too. */
#define VMT_TS_LAG_MATCH_NS	(50 * VMT_NS_PER_MS)
/* Beyond this a jump must hold for VMT_TS_INSANE_HOLD_NS. */
#define VMT_TS_INSANE_NS	(2LL * 366 * 86400 * VMT_NS_PER_S)
#define VMT_TS_INSANE_HOLD_NS	(600 * VMT_NS_PER_S)
/* Host reads per sample; the tightest bracket wins. */
#define VMT_TS_TRIES		4

CTASSERT(sizeof(time_t) == sizeof(int64_t));

const char *const vmt_ts_tcmd_names[VMT_TS_NTCMDS] = {
	"gettimefull_with_lag", "gettimefull", "none"
};

/*
 * a - b in nanoseconds, if that fits in an int64_t with a second to
 * spare; false otherwise.  Realtime may be set anywhere.
 */
bool
vmt_ts_diff_ns(const struct timespec *a, const struct timespec *b,
    int64_t *ns)
{
	int64_t s;

	if ((b->tv_sec < 0 && a->tv_sec > INT64_MAX + b->tv_sec) ||
	    (b->tv_sec > 0 && a->tv_sec < INT64_MIN + b->tv_sec))
		return false;
	s = a->tv_sec - b->tv_sec;
	if (s > INT64_MAX / VMT_NS_PER_S - 1 ||
	    s < INT64_MIN / VMT_NS_PER_S + 1)
		return false;
	*ns = s * VMT_NS_PER_S + (a->tv_nsec - b->tv_nsec);
	return true;
}

/* ts + ns, if the seconds fit in a time_t. */
bool
vmt_ts_add_ns(const struct timespec *ts, int64_t ns, struct timespec *out)
{
	int64_t s = ns / VMT_NS_PER_S, n = ts->tv_nsec + ns % VMT_NS_PER_S;

	if (n < 0) {
		n += VMT_NS_PER_S;
		s--;
	} else if (n >= VMT_NS_PER_S) {
		n -= VMT_NS_PER_S;
		s++;
	}
	if ((s > 0 && ts->tv_sec > INT64_MAX - s) ||
	    (s < 0 && ts->tv_sec < INT64_MIN - s))
		return false;
	out->tv_sec = ts->tv_sec + s;
	out->tv_nsec = (long)n;
	return true;
}

/* Uptime in nanoseconds: 292 years of it fit. */
int64_t
vmt_ts_uptime_ns(void)
{
	static const struct timespec zero = { 0, 0 };
	struct timespec up;
	int64_t ns;

	nanouptime(&up);
	if (!vmt_ts_diff_ns(&up, &zero, &ns))
		return INT64_MAX;
	return ns;
}

/* Log a rejected host time, at most once a minute; count it. */
void
vmt_ts_log_rejected(struct vmt_timesync *ts, const char *why, int64_t ns)
{
	static const struct timeval interval = { VMT_LOG_INTERVAL_S, 0 };
	int64_t a = vmt_tsp_abs(ns);

	ts->ts_st.st_rejected++;
	if (ratecheck(&ts->ts_log_last, &interval))
		log(LOG_WARNING, "%s: timesync: host time rejected: %s "
		    "%s%lld.%03lld s (%llu rejected so far)\n",
		    device_xname(ts->ts_sc->sc_dev), why, ns < 0 ? "-" : "",
		    (long long)(a / VMT_NS_PER_S),
		    (long long)(a % VMT_NS_PER_S / VMT_NS_PER_MS),
		    (unsigned long long)ts->ts_st.st_rejected);
}

/*
 * Read host time once with GETTIMEFULL(_WITH_LAG).  Returns 0,
 * EOPNOTSUPP (the host answers neither) or EINVAL (a time that cannot
 * be right).
 */
static int
vmt_ts_gtf_read(struct vmt_timesync *ts, struct vmt_ts_read *rd)
{
	struct vmt_hosttime ht;
	int error;

	KASSERT(mutex_owned(&ts->ts_lock));
	error = vmt_get_time_full(&ht, ts->ts_tcmd == VMT_TS_TCMD_LAG);
	if (error == EOPNOTSUPP && ts->ts_tcmd == VMT_TS_TCMD_LAG) {
		/* Older hosts lack the lag variant: fall back for good. */
		ts->ts_tcmd = VMT_TS_TCMD_FULL;
		error = vmt_get_time_full(&ht, false);
	}
	if (error == EOPNOTSUPP) {
		ts->ts_st.st_no_time++;
		if (ts->ts_tcmd != VMT_TS_TCMD_NONE && !vmt_ts_pclk_in_use(ts))
			log(LOG_WARNING, "%s: timesync: host answers no time "
			    "command (GETTIMEFULL_WITH_LAG, GETTIMEFULL): "
			    "cannot synchronise\n",
			    device_xname(ts->ts_sc->sc_dev));
		ts->ts_tcmd = VMT_TS_TCMD_NONE;
		return error;
	}
	if (ts->ts_tcmd == VMT_TS_TCMD_NONE) {
		log(LOG_NOTICE, "%s: timesync: host answers GETTIMEFULL "
		    "again\n", device_xname(ts->ts_sc->sc_dev));
		ts->ts_tcmd = VMT_TS_TCMD_FULL;
	}
	if (error != 0 || ht.ht_sec < VMT_TS_EPOCH_MIN_S ||
	    ht.ht_sec > VMT_TS_EPOCH_MAX_S) {
		vmt_ts_log_rejected(ts, "out of range, seconds",
		    error != 0 ? 0 : ht.ht_sec);
		return EINVAL;
	}
	/* The host truncates to the us: the middle of it is unbiased. */
	rd->rd_host_ns = ht.ht_sec * VMT_NS_PER_S +
	    (int64_t)ht.ht_usec * VMT_NS_PER_US + VMT_NS_PER_US / 2;
	rd->rd_maxlag_us = ts->ts_pclk_maxlag_us = ht.ht_maxlag_us;
	rd->rd_ilag_us = ht.ht_lag_us;
	rd->rd_up_ns = vmt_ts_uptime_ns();
	return 0;
}

/*

 * Read host time once, with the precision clock where the host answers
 * it (vmt_timesync_pclk.c), else with GETTIMEFULL(_WITH_LAG).  Returns
 * 0, EOPNOTSUPP (the host answers no time command) or EINVAL (a time
 * that cannot be right).
 */
int
vmt_ts_host_read(struct vmt_timesync *ts, struct vmt_ts_read *rd)
{
	enum vmt_ts_pclk state = ts->ts_pclk;
	time_t probe = ts->ts_pclk_probe_up;
	int error;

	KASSERT(mutex_owned(&ts->ts_lock));
	error = vmt_ts_pclk_read(ts, rd);
	rd->rd_probed = state != VMT_TS_PCLK_ON || ts->ts_pclk != state ||
	    ts->ts_pclk_probe_up != probe;
	if (rd->rd_probed && state == VMT_TS_PCLK_OFF && ts->ts_pclk == state &&
	    ts->ts_pclk_probe_up == probe)
		rd->rd_probed = false;	/* not due: no call was made */
	if (error == 0) {
		if (rd->rd_host_ns / VMT_NS_PER_S < VMT_TS_EPOCH_MIN_S ||
		    rd->rd_host_ns / VMT_NS_PER_S > VMT_TS_EPOCH_MAX_S) {
			vmt_ts_log_rejected(ts, "out of range, seconds",
			    rd->rd_host_ns / VMT_NS_PER_S);
			return EINVAL;
		}
		/* The precision clock reports no interrupt lag. */
		rd->rd_ilag_us = 0;
		rd->rd_up_ns = vmt_ts_uptime_ns();
		return 0;
	}
	return vmt_ts_gtf_read(ts, rd);
}

/*
 * Take the tightest of tries (VMT_TS_TRIES if 0) host reads, each
 * bracketed by guest realtime reads, and express it as a policy
 * sample, with the kernel's pending adjtime at the time; *rd gets the
 * read it rests on, with the uptime of its midpoint.
 */
int
vmt_ts_take_sample(struct vmt_timesync *ts, struct vmt_tsp_sample *sp,
    struct vmt_ts_read *rd, int tries)
{
	struct timespec g0, g1, mid, host;
	struct vmt_ts_read r;
	int64_t width, off, best = -1, bad = 0, pend;
	uint32_t pclk_lag = 0;
	bool reread = false;
	int i, error = 0;

	KASSERT(mutex_owned(&ts->ts_lock));
	if (tries <= 0)
		tries = VMT_TS_TRIES;
	/*
	 * The precision clock says no maxTimeLag nor interrupt lag: ask
	 * GETTIMEFULL once a full sample.
	 */
	if (tries > 1 && vmt_ts_pclk_in_use(ts) &&
	    ts->ts_tcmd != VMT_TS_TCMD_NONE && vmt_ts_gtf_read(ts, &r) == 0)
		pclk_lag = r.rd_ilag_us;
	for (i = 0; i < tries; i++) {
		nanotime(&g0);
		error = vmt_ts_host_read(ts, &r);
		nanotime(&g1);
		if (error != 0)
			break;
		/*
		 * Somebody stepped the clock between the reads, or the
		 * bracket holds a PRECISIONCLOCK probe besides the read
		 * (which is then read again, once): useless.
		 */
		if (r.rd_probed && !reread) {
			reread = true;
			tries++;
			continue;
		}
		if (!vmt_ts_diff_ns(&g1, &g0, &width) || width < 0 ||
		    r.rd_probed)
			continue;
		if (best >= 0 && width >= best)
			continue;
		host.tv_sec = r.rd_host_ns / VMT_NS_PER_S;
		host.tv_nsec = (long)(r.rd_host_ns % VMT_NS_PER_S);
		if (!vmt_ts_add_ns(&g0, width / 2, &mid) ||
		    !vmt_ts_diff_ns(&mid, &host, &off) ||
		    vmt_tsp_abs(off) > VMT_TSP_OFFSET_MAX) {
			/* The guest's clock is beyond 292 years of the host. */
			bad = g0.tv_sec - host.tv_sec;
			continue;
		}
		best = width;
		sp->ts_width_ns = width;
		sp->ts_offset_ns = off;
		r.rd_up_ns -= MIN(width / 2, r.rd_up_ns);
		sp->ts_uptime_ns = r.rd_up_ns;
		sp->ts_lag_us = r.rd_maxlag_us;
		sp->ts_ilag_us = vmt_ts_pclk_in_use(ts) ? pclk_lag :
		    r.rd_ilag_us;
		*rd = r;
	}
	if (best >= 0) {
		if (tc_adjtime(&pend, NULL) == 0) {
			sp->ts_pending_valid = true;
			sp->ts_pending_us = pend;
		}
		return 0;
	}
	if (error == 0 && bad != 0) {
		vmt_ts_log_rejected(ts, "guest clock too far from it, seconds",
		    bad);
		error = EINVAL;
	}
	return error != 0 ? error : EAGAIN;
}

/* The anchor moves to this read. */
static void
vmt_ts_anchor(struct vmt_timesync *ts, int64_t epoch, int64_t up)
{
	ts->ts_anchor_valid = true;
	ts->ts_anchor_epoch = epoch;
	ts->ts_anchor_up = up;
	ts->ts_cand_valid = false;
}

/* How far host time may move against uptime over d ns of uptime. */
static int64_t
vmt_ts_slack(int64_t base, int64_t d)
{
	return vmt_tsp_add(base, d > 0 ? d / (1000000 / VMT_TS_RATE_PPM) : 0);
}

/* A candidate the host did not keep to: say so, at most once a minute. */
static void
vmt_ts_cand_dropped(struct vmt_timesync *ts, int64_t up)
{
	static const struct timeval interval = { VMT_LOG_INTERVAL_S, 0 };
	int64_t a = vmt_tsp_abs(ts->ts_cand_jump_ns);

	if (ratecheck(&ts->ts_log_last, &interval))
		log(LOG_WARNING, "%s: timesync: host time was %s%lld.%03lld s "
		    "off for %lld ms and did not hold: ignored\n",
		    device_xname(ts->ts_sc->sc_dev),
		    ts->ts_cand_jump_ns < 0 ? "-" : "",
		    (long long)(a / VMT_NS_PER_S),
		    (long long)(a % VMT_NS_PER_S / VMT_NS_PER_MS),
		    (long long)((up - ts->ts_cand_first_up) / VMT_NS_PER_MS));
	ts->ts_cand_valid = false;
}

/* A message says that the VM stopped, or is about to. */
void
vmt_ts_stopped(struct vmt_timesync *ts)
{
	KASSERT(mutex_owned(&ts->ts_lock));
	ts->ts_stop_valid = true;
	ts->ts_stop_up = vmt_ts_uptime_ns();
}

/* Does something besides the host's clock vouch for the candidate? */
static bool
vmt_ts_vouched(const struct vmt_timesync *ts)
{
	int64_t j = ts->ts_cand_jump_ns, tol;

	if (ts->ts_cand_insane || j <= 0)
		return false;
	if (ts->ts_stop_valid &&
	    ts->ts_stop_up >= ts->ts_cand_first_up - VMT_TS_STOP_NEAR_NS &&
	    ts->ts_stop_up <= ts->ts_cand_last_up + VMT_TS_STOP_NEAR_NS)
		return true;
	tol = MAX(VMT_TS_LAG_MATCH_NS, j / 8);
	return vmt_tsp_abs(vmt_tsp_add(ts->ts_cand_lag_ns, -j)) <= tol;
}

/*
 * The one bound on host time against uptime; see the top of the file.
 * rd is a host read, with the uptime it was made at.
 */
enum vmt_ts_vet
vmt_ts_vet(struct vmt_timesync *ts, const struct vmt_ts_read *rd)
{
	int64_t host_ns = rd->rd_host_ns, up_ns = rd->rd_up_ns;
	int64_t epoch, jump = 0, d, need;
	bool had;

	KASSERT(mutex_owned(&ts->ts_lock));
	/* host_ns is in [2000, 2262], up_ns >= 0: no overflow. */
	epoch = host_ns - up_ns;
	if (ts->ts_anchor_valid) {
		jump = vmt_tsp_add(epoch, -ts->ts_anchor_epoch);
		d = up_ns - ts->ts_anchor_up;
		if (vmt_tsp_abs(jump) <= vmt_ts_slack(VMT_TS_JUMP_NS, d)) {
			if (ts->ts_cand_valid)
				vmt_ts_cand_dropped(ts, up_ns);
			vmt_ts_anchor(ts, epoch, up_ns);
			return VMT_TS_VET_OK;
		}
	}

	/* Not what the host said before: does it agree with itself? */
	if (ts->ts_cand_valid && up_ns >= ts->ts_cand_last_up &&
	    vmt_tsp_abs(vmt_tsp_add(epoch, -ts->ts_cand_epoch)) <=
	    vmt_ts_slack(VMT_TS_AGREE_NS, up_ns - ts->ts_cand_last_up)) {
		ts->ts_cand_reads++;
		ts->ts_cand_epoch = epoch;
		ts->ts_cand_last_up = up_ns;
	} else {
		if (ts->ts_cand_valid)
			vmt_ts_cand_dropped(ts, up_ns);
		ts->ts_cand_valid = true;
		ts->ts_cand_epoch = epoch;
		ts->ts_cand_jump_ns = jump;
		ts->ts_cand_first_up = ts->ts_cand_last_up = up_ns;
		ts->ts_cand_reads = 1;
		ts->ts_cand_insane = ts->ts_anchor_valid &&
		    vmt_tsp_abs(jump) > VMT_TS_INSANE_NS;
	}
	ts->ts_cand_lag_ns = (int64_t)rd->rd_ilag_us * VMT_NS_PER_US;
	ts->ts_cand_fast = vmt_ts_vouched(ts);
	need = ts->ts_cand_insane ? VMT_TS_INSANE_HOLD_NS :
	    ts->ts_cand_fast ? VMT_TS_CONFIRM_FAST_NS : VMT_TS_CONFIRM_NS;
	/* The reads come at ticks: give a few ms of the spread. */
	if (ts->ts_cand_reads >= VMT_TS_CONFIRM_READS &&
	    up_ns - ts->ts_cand_first_up >= need - VMT_TS_TICK_SLACK_NS) {
		had = ts->ts_anchor_valid;
		if (ts->ts_cand_insane)
			log(LOG_WARNING, "%s: timesync: host time held %lld s "
			    "off its earlier time for %lld s: following it\n",
			    device_xname(ts->ts_sc->sc_dev),
			    (long long)(ts->ts_cand_jump_ns / VMT_NS_PER_S),
			    (long long)((up_ns - ts->ts_cand_first_up) /
			    VMT_NS_PER_S));
		vmt_ts_anchor(ts, epoch, up_ns);
		/* The message has vouched: it does not vouch again. */
		ts->ts_stop_valid = false;
		return had ? VMT_TS_VET_JUMP : VMT_TS_VET_OK;
	}
	if (ts->ts_cand_insane) {
		vmt_ts_log_rejected(ts, "off its earlier time by", jump);
		return VMT_TS_VET_REJECT;
	}
	ts->ts_st.st_unconfirmed++;
	return VMT_TS_VET_CONFIRM;
}
