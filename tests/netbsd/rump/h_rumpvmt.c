/*
 * h_rumpvmt: vmt(4) in a NetBSD rump kernel (step e of the NetBSD
 * tier).  The kernel is the one with our kern_tc.c, plus rump's device
 * faction (autoconf) and librumpvmt: our sys/dev/vmt with options
 * VMT_TIMESYNC, attached at rump's mainbus by a test front end.  Behind
 * the backdoor is the simulated VMware host of tools/vmthost, here in
 * the host program, on the host's clocks: its realtime is the host's
 * CLOCK_REALTIME plus an offset the cases choose.
 *
 *	h_rumpvmt case
 *
 *	attach	vmt0 attaches through autoconf, talks to the host,
 *		creates its tree in NetBSD's sysctl, and detaches through
 *		autoconf
 *	behind	the guest 100 ms behind the host when the host's "sync"
 *		box is ticked: within 1 ms by slewing, at most 5000 ppm
 *	ahead	the guest 100 ms ahead: the same, realtime never going
 *		back
 *	far_behind  2 s behind: one step forward, then within 1 ms
 *	discipline  ntp_adjtime1() with STA_PLL (NetBSD's kern_ntptime.c):
 *		vmt stands aside and adjusts nothing while the host
 *		clock is 50 ms off; hold seconds after STA_PLL is cleared
 *		it takes over and brings the offset within 1 ms
 *	discipline_signs  adjtime(2) and clock_settime(2) through
 *		NetBSD's kern_time.c are seen for what they are; the
 *		kernel's own tc_setclock() is not
 *
 * Figures go to stdout as "name: value"; a failure exits 1.
 */
#include <sys/types.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "h_rump.h"
#include "rumpvmt.h"
#include "vmthost/vmthost.h"

#include <dev/vmt/vmt_backdoor.h>

#define REAL	h_abi.ra_clock_realtime

/* --- the host: tools/vmthost on the host's clocks ---------------------- */

static pthread_mutex_t host_lock = PTHREAD_MUTEX_INITIALIZER;
static struct vmthost *host;
static _Atomic int64_t host_offset;	/* VMware host realtime - host's */

static int64_t
ts_now(void *arg)
{
	return h_host_mono();
}

static void
ts_delay(void *arg, int64_t ns)
{
	/* Real time passes by itself. */
}

static int64_t
host_clock(void *arg)
{
	return h_host_real() + atomic_load(&host_offset);
}

void
rumpcomp_vmthost_backdoor(int op, struct vm_backdoor *frame)
{
	pthread_mutex_lock(&host_lock);
	switch (op) {
	case RUMPVMT_BD_CMD:
		vmt_backdoor_cmd(frame);
		break;
	case RUMPVMT_BD_HB_OUT:
		vmt_backdoor_hb_out(frame);
		break;
	case RUMPVMT_BD_HB_IN:
		vmt_backdoor_hb_in(frame);
		break;
	default:
		frame->eax.word = 0xffffffff;
		break;
	}
	pthread_mutex_unlock(&host_lock);
}

static void
host_start(bool synctime)
{
	static const struct vmthost_timesrc ts = {
		.ts_now = ts_now,
		.ts_delay = ts_delay,
	};
	struct vmthost_config cfg;

	vmthost_config_default(&cfg);
	cfg.synctime = synctime;
	cfg.latency_ns = 0;
	cfg.jitter_ns = 0;
	host = vmthost_create_timesrc(&cfg, &ts);
	vmthost_set_clock(host, host_clock, NULL);
}

static size_t
host_replies(const char *cmd)
{
	size_t n;

	pthread_mutex_lock(&host_lock);
	n = vmthost_tclo_replies(host, cmd);
	pthread_mutex_unlock(&host_lock);
	return n;
}

static void
host_push(const char *cmd)
{
	pthread_mutex_lock(&host_lock);
	vmthost_tclo_push(host, cmd);
	pthread_mutex_unlock(&host_lock);
}

/* Wait up to limit ns until cmd has had want replies; false if not. */
static bool
host_wait_total(const char *cmd, size_t want, int64_t limit)
{
	int64_t end = h_host_mono() + limit;

	while (host_replies(cmd) < want) {
		if (h_host_mono() > end)
			return false;
		h_sleep(10 * H_MS);
	}
	return true;
}

/* Wait up to limit ns for n more replies to cmd. */
static bool
host_wait(const char *cmd, size_t n, int64_t limit)
{
	return host_wait_total(cmd, host_replies(cmd) + n, limit);
}

/* --- the guest ----------------------------------------------------------- */

/* Guest realtime minus the VMware host's, bracketed by host reads. */
static int64_t
offset_now(void)
{
	int64_t best = 0, width = INT64_MAX, h0, h1, g;
	int i;

	for (i = 0; i < 5; i++) {
		h0 = host_clock(NULL);
		g = h_clock(REAL);
		h1 = host_clock(NULL);
		if (h1 - h0 < width) {
			width = h1 - h0;
			best = g - (h0 + (h1 - h0) / 2);
		}
	}
	return best;
}

static int64_t
sysctl_int(const char *name)
{
	int64_t v;
	int error;

	if ((error = h_sysctl_int(name, &v)) != 0)
		h_fail("sysctl %s: error %d", name, error);
	return v;
}

/*
 * Boot the kernel with the host answering, register the nanosecond
 * timecounter, and check that vmt0 attached through autoconf and has
 * answered the host's first "reset".
 */
static void
boot(bool synctime)
{
	char xname[16];
	int error;

	host_start(synctime);
	h_boot(RUMPTEST_TC_HOSTMONO);
	H_KERNEL(error = rumpvmt_attached(xname, sizeof(xname)));
	if (error != 0)
		h_fail("no vmt device attached at mainbus (error %d)", error);
	h_report("attached", "%s", xname);
	if (!host_wait_total("reset", 1, 10 * H_S))
		h_fail("vmt0 never answered the host's TCLO reset");
}

static void
case_attach(void)
{
	char mode[32], reply[64];
	int64_t v;
	int error, n;

	boot(true);
	pthread_mutex_lock(&host_lock);
	snprintf(reply, sizeof(reply), "%s",
	    vmthost_tclo_reply(host, "reset") != NULL ?
	    vmthost_tclo_reply(host, "reset") : "(none)");
	pthread_mutex_unlock(&host_lock);
	h_report("reset_reply", "%s", reply);
	if (strcmp(reply, "OK ATR toolbox") != 0)
		h_fail("vmt0 answered reset with \"%s\"", reply);

	/* The tree is in NetBSD's sysctl, readable and writable. */
	if ((error = h_sysctl_str("machdep.vmt0.timesync.mode", mode,
	    sizeof(mode))) != 0)
		h_fail("sysctl machdep.vmt0.timesync.mode: error %d", error);
	h_report("machdep.vmt0.timesync.mode", "%s", mode);
	h_report("machdep.vmt0.rpc.reopens", "%" PRId64,
	    sysctl_int("machdep.vmt0.rpc.reopens"));
	h_report("machdep.vmt0.timesync.period", "%" PRId64,
	    sysctl_int("machdep.vmt0.timesync.period"));
	if ((error = h_sysctl_setint("machdep.vmt0.timesync.period", 7)) != 0)
		h_fail("sysctl -w machdep.vmt0.timesync.period=7: error %d",
		    error);
	if ((v = sysctl_int("machdep.vmt0.timesync.period")) != 7)
		h_fail("machdep.vmt0.timesync.period reads %" PRId64
		    " after writing 7", v);

	/*
	 * vmt(4) shows each of the host's five time.synchronize.tools.*
	 * options under host_options: every node must have been accepted
	 * by NetBSD's sysctl, whose names are letters, digits, - and _.
	 */
	if ((error = h_sysctl_nchildren("machdep.vmt0.timesync.host_options",
	    &n)) != 0)
		h_fail("machdep.vmt0.timesync.host_options: error %d", error);
	h_report("machdep.vmt0.timesync.host_options", "%d nodes", n);
	if (n != 5)
		h_fail("machdep.vmt0.timesync.host_options has %d nodes, not "
		    "one per time.synchronize.tools option (5)", n);

	/* Talk: a TCLO command answered through the whole stack. */
	host_push("ping");
	if (!host_wait("ping", 1, 10 * H_S))
		h_fail("no reply to ping");

	/* Detach through autoconf: the sysctl tree goes with it. */
	H_KERNEL(error = rumpvmt_detach());
	if (error != 0)
		h_fail("config_detach(vmt0): error %d", error);
	H_KERNEL(error = rumpvmt_attached(mode, sizeof(mode)));
	if (error != ENXIO)
		h_fail("vmt0 still attached after config_detach");
	if (h_sysctl_int("machdep.vmt0.timesync.period", &v) != ENOENT)
		h_fail("machdep.vmt0 outlived the device");
	h_report("detached", "vmt0 and machdep.vmt0 gone");
}

/* --- the offset scenarios --------------------------------------------- */

struct watch {
	pthread_t	thr;
	int64_t		worst;		/* most negative step, ns */
	uint64_t	reads;
};

static atomic_bool watch_stop;

static void *
watch_main(void *arg)
{
	struct watch *w = arg;
	int64_t prev, t;

	prev = h_clock(REAL);
	while (!atomic_load(&watch_stop)) {
		t = h_clock(REAL);
		if (t - prev < w->worst)
			w->worst = t - prev;
		prev = t;
		w->reads++;
		h_sleep(200 * H_US);
	}
	return NULL;
}

#define NHIST	5	/* offsets read over the last second */

/*
 * The guest off by off ns (guest - host) when the host's "synchronize
 * time" box is ticked: within 1 ms within limit ns and staying there
 * for 3 s, with nsteps forward steps and no backward one.
 */
static void
offset_case(int64_t off, int nsteps, int64_t limit)
{
	struct watch w;
	int64_t hist_t[NHIST], hist_o[NHIST], d;
	int64_t t0, t, o, e0, maxrate = 0, sync_at = -1;
	int i, j;
	int64_t fsteps, bsteps, freq_ppb;
	char line[64];

	boot(false);
	/* The box is off: vmt (mode host) must leave the clock alone. */
	h_sleep(1500 * H_MS);
	e0 = offset_now();
	atomic_store(&host_offset, e0 - off);
	o = offset_now();
	h_report("initial_offset", "%+.3f ms", (double)o / H_MS);
	if (llabs(o - off) > H_MS / 2)
		h_fail("could not set up the offset (%" PRId64 " ns)", o);

	memset(&w, 0, sizeof(w));
	if (pthread_create(&w.thr, NULL, watch_main, &w) != 0)
		h_fail("pthread_create");
	/*
	 * The user ticks the box: GETGUIOPTIONS says so from now on and
	 * the VMX pushes the option.
	 */
	pthread_mutex_lock(&host_lock);
	vmthost_set_synctime(host, true);
	vmthost_tclo_push(host, "Set_Option synctime 1");
	pthread_mutex_unlock(&host_lock);
	t0 = h_host_mono();
	hist_t[0] = t0;
	hist_o[0] = o;
	for (i = 1;; i++) {
		h_sleep(250 * H_MS);
		t = h_host_mono();
		o = offset_now();
		hist_t[i % NHIST] = t;
		hist_o[i % NHIST] = o;
		/*
		 * The slew rate over the last second (four reads back), as
		 * the clock gained or lost against the host; a step (more
		 * than 50 ms at once) is counted apart.
		 */
		if (i >= NHIST - 1) {
			j = (i - (NHIST - 1)) % NHIST;
			d = o - hist_o[j];
			if (llabs(d) < 50 * H_MS &&
			    llabs(d * 1000000 / (t - hist_t[j])) > maxrate)
				maxrate = llabs(d * 1000000 / (t - hist_t[j]));
		}
		if (llabs(o) < H_MS) {
			if (sync_at < 0)
				sync_at = t;
			if (t - sync_at >= 3 * H_S)
				break;
		} else
			sync_at = -1;
		if (t - t0 > limit)
			break;
	}
	atomic_store(&watch_stop, true);
	pthread_join(w.thr, NULL);
	freq_ppb = sysctl_int("machdep.vmt0.timesync.stats.freq_ppb");
	fsteps = sysctl_int("machdep.vmt0.timesync.stats.steps_forward");
	bsteps = sysctl_int("machdep.vmt0.timesync.stats.steps_backward");
	h_report("final_offset", "%+.3f ms", (double)o / H_MS);
	h_report("vmt_offset_ns", "%" PRId64,
	    sysctl_int("machdep.vmt0.timesync.stats.offset_ns"));
	h_report("steps", "%" PRId64 " forward, %" PRId64 " backward", fsteps,
	    bsteps);
	h_report("samples", "%" PRId64 ", slews %" PRId64 ", host_synctime %"
	    PRId64, sysctl_int("machdep.vmt0.timesync.stats.samples"),
	    sysctl_int("machdep.vmt0.timesync.stats.slews"),
	    sysctl_int("machdep.vmt0.timesync.host_synctime"));
	h_report("max_slew_rate", "%" PRId64 " ppm (frequency correction %"
	    PRId64 " ppb)", maxrate, freq_ppb);
	h_report("realtime_steps_back", "%" PRId64 " ns (%" PRIu64 " reads)",
	    -w.worst, w.reads);
	if (sync_at < 0)
		h_fail("offset %+.3f ms after %.1f s, not within 1 ms",
		    (double)o / H_MS, (double)(t - t0) / H_S);
	snprintf(line, sizeof(line), "%.2f s", (double)(sync_at - t0) / H_S);
	h_report("within_1ms_after", "%s", line);
	if (bsteps != 0 || w.worst < 0)
		h_fail("realtime went back (%" PRId64 " backward steps, %"
		    PRId64 " ns)", bsteps, -w.worst);
	if (fsteps != nsteps)
		h_fail("%" PRId64 " forward steps, not %d", fsteps, nsteps);
	/*
	 * A slew is at most 5000 ppm, within the 2 % the clock tests allow
	 * (measurement, and a kernel that counts its 5000 us per second of
	 * the slewed clock); the frequency correction comes on top.
	 */
	if (maxrate > 5100 + llabs(freq_ppb) / 1000)
		h_fail("slewed at %" PRId64 " ppm", maxrate);
}

/* 100 ms behind, within the host's maxTimeLag (100 ms): slewed. */
static void
case_behind(void)
{
	offset_case(-100 * H_MS, 0, 60 * H_S);
}

/* 100 ms ahead: slewed back, never stepped back. */
static void
case_ahead(void)
{
	offset_case(100 * H_MS, 0, 60 * H_S);
}

/* 2 s behind, past vmt's step threshold (1 s): one step forward. */
static void
case_far_behind(void)
{
	offset_case(-2 * H_S, 1, 15 * H_S);
}

/* --- a time discipline in userland ------------------------------------ */

#define DISC	"machdep.vmt0.timesync.discipline."
#define HOLD_S	4	/* discipline.hold for the test */

/* kern_tc.c's adjustments: steps, tc_adjtime() and tc_adjfreq() calls. */
static int64_t
tc_calls(void)
{
	return sysctl_int("kern.timecounter.steps") +
	    sysctl_int("kern.timecounter.adjtimes") +
	    sysctl_int("kern.timecounter.adjfreqs");
}

static void
disc_seen(char *buf, size_t len)
{
	int error;

	if ((error = h_sysctl_str(DISC "seen", buf, len)) != 0)
		h_fail("sysctl " DISC "seen: error %d", error);
}

/* Wait up to limit ns until discipline.present reads want. */
static int64_t
disc_wait(int64_t want, int64_t limit)
{
	int64_t t0 = h_host_mono();

	while (sysctl_int(DISC "present") != want) {
		if (h_host_mono() - t0 > limit)
			return -1;
		h_sleep(50 * H_MS);
	}
	return h_host_mono() - t0;
}

/*
 * ntpd as the kernel sees it: an update with STA_PLL, the phase offset
 * a microsecond either way (so that the kernel PLL itself moves the
 * clock by next to nothing), or STA_PLL cleared.
 */
static void
ntpd(bool on, int sign)
{
	struct rumptest_timex tx;
	int st;

	memset(&tx, 0, sizeof(tx));
	tx.rt_modes = h_abi.ra_mod_status | (on ? h_abi.ra_mod_offset : 0);
	tx.rt_status = on ? h_abi.ra_sta_pll : 0;
	tx.rt_offset = sign;
	H_KERNEL(st = rumptest_ntp_adjtime(&tx));
	(void)st;
	if (on != ((tx.rt_status & h_abi.ra_sta_pll) != 0))
		h_fail("ntp_adjtime1: STA_PLL %s", on ? "not set" : "not cleared");
}

/* Boot synchronized, with samples every second and a short hold. */
static void
disc_boot(void)
{
	int error, i;

	boot(true);
	if ((error = h_sysctl_setint("machdep.vmt0.timesync.period", 1)) != 0 ||
	    (error = h_sysctl_setint(DISC "hold", HOLD_S)) != 0)
		h_fail("sysctl -w: error %d", error);
	/*
	 * Only the starting point: how fast vmt gets there is other
	 * cases' business, and a sanitizer run is several times slower.
	 */
	for (i = 0; i < 30 && llabs(offset_now()) > H_MS; i++)
		h_sleep(1 * H_S);
	if (llabs(offset_now()) > H_MS)
		h_fail("not synchronized after %d s: %+.3f ms", i,
		    (double)offset_now() / H_MS);
	if (sysctl_int("machdep.vmt0.timesync.stats.enabled") != 1 ||
	    sysctl_int(DISC "present") != 0)
		h_fail("vmt is not synchronizing before the discipline");
}

static void
case_discipline(void)
{
	char seen[96];
	int64_t calls, samples, t, o, vo, took, i;

	disc_boot();
	ntpd(true, 1);
	if ((took = disc_wait(1, 3 * H_S)) < 0)
		h_fail("STA_PLL set, and vmt did not see it in 3 s");
	disc_seen(seen, sizeof(seen));
	h_report("seen_after", "%.2f s", (double)took / H_S);
	h_report("discipline.seen", "%s", seen);
	h_report("discipline.since", "%" PRId64 " (realtime %" PRId64 ")",
	    sysctl_int(DISC "since"), h_clock(REAL) / H_S);
	if (strcmp(seen, "ntp_adjtime:STA_PLL") != 0)
		h_fail("discipline.seen is \"%s\"", seen);
	if (sysctl_int("machdep.vmt0.timesync.stats.enabled") != 0)
		h_fail("vmt still enabled under STA_PLL");

	/*
	 * The host clock moves 50 ms ahead while ntpd disciplines the
	 * clock: vmt measures it and touches nothing.
	 */
	h_sleep(500 * H_MS);
	calls = tc_calls();
	samples = sysctl_int("machdep.vmt0.timesync.stats.samples");
	atomic_fetch_add(&host_offset, 50 * H_MS);
	for (i = 0; i < 20; i++) {
		ntpd(true, i % 2 == 0 ? -1 : 1);
		h_sleep(500 * H_MS);
	}
	o = offset_now();
	vo = sysctl_int("machdep.vmt0.timesync.stats.offset_ns");
	h_report("under_sta_pll", "10 s: %" PRId64 " kern_tc adjustments, %"
	    PRId64 " samples, offset %+.3f ms (vmt measured %+.3f ms)",
	    tc_calls() - calls,
	    sysctl_int("machdep.vmt0.timesync.stats.samples") - samples,
	    (double)o / H_MS, (double)vo / H_MS);
	if (tc_calls() != calls)
		h_fail("vmt adjusted the clock under STA_PLL");
	if (llabs(o + 50 * H_MS) > 2 * H_MS)
		h_fail("the offset moved under STA_PLL: %+.3f ms",
		    (double)o / H_MS);
	if (sysctl_int("machdep.vmt0.timesync.stats.samples") - samples < 5 ||
	    llabs(vo - o) > 2 * H_MS)
		h_fail("vmt did not measure the offset while standing aside");

	/* ntpd stops: hold seconds later vmt takes over. */
	ntpd(false, 0);
	t = h_host_mono();
	if ((took = disc_wait(0, (HOLD_S + 5) * H_S)) < 0)
		h_fail("vmt did not take over %d s after STA_PLL was cleared",
		    HOLD_S + 5);
	h_report("took_over_after", "%.2f s (hold %d s)", (double)took / H_S,
	    HOLD_S);
	if (took < (HOLD_S - 1) * H_S)
		h_fail("took over before the hold was up");
	for (;;) {
		h_sleep(250 * H_MS);
		if (llabs(o = offset_now()) < H_MS)
			break;
		if (h_host_mono() - t > 60 * H_S)
			h_fail("offset %+.3f ms 60 s after STA_PLL was cleared",
			    (double)o / H_MS);
	}
	h_report("within_1ms_after", "%.2f s after STA_PLL was cleared, %"
	    PRId64 " kern_tc adjustments", (double)(h_host_mono() - t) / H_S,
	    tc_calls() - calls);
	if (tc_calls() == calls)
		h_fail("vmt took over without adjusting anything");
}

static void
case_discipline_signs(void)
{
	char seen[96];
	int64_t delta = 20000, old = 0, took, to;
	int error;

	disc_boot();
	/* The kernel sets the clock itself (inittodr): no sign. */
	to = h_clock(REAL) + 2 * H_S;
	H_KERNEL(error = rumptest_settime_kernel(to));
	if (error != 0)
		h_fail("tc_setclock: error %d", error);
	h_sleep(2 * H_S);
	if (sysctl_int(DISC "present") != 0)
		h_fail("the kernel's own step taken for a discipline");
	h_report("kernel_steps", "%" PRId64, sysctl_int(DISC "kernel_steps"));
	if (sysctl_int(DISC "kernel_steps") != 1)
		h_fail("the kernel's step not counted as such");

	/* adjtime(2): 20 ms, through kern_time.c. */
	if ((error = h_adjtime(&delta, &old)) != 0)
		h_fail("adjtime: error %d", error);
	if ((took = disc_wait(1, 3 * H_S)) < 0)
		h_fail("adjtime(2) not seen in 3 s");
	disc_seen(seen, sizeof(seen));
	h_report("adjtime_seen", "after %.2f s: %s", (double)took / H_S, seen);
	if (strcmp(seen, "adjtime") != 0)
		h_fail("discipline.seen is \"%s\"", seen);
	if ((took = disc_wait(0, (HOLD_S + 50) * H_S)) < 0)
		h_fail("vmt did not take over after the adjtime(2) delta");

	/* clock_settime(2): a step through kern_time.c's settime1(). */
	if ((error = h_clock_settime(REAL, h_clock(REAL) + 3 * H_S)) != 0)
		h_fail("clock_settime: error %d", error);
	if ((took = disc_wait(1, 3 * H_S)) < 0)
		h_fail("clock_settime(2) not seen in 3 s");
	disc_seen(seen, sizeof(seen));
	h_report("settime_seen", "after %.2f s: %s", (double)took / H_S, seen);
	if (strcmp(seen, "settime") != 0)
		h_fail("discipline.seen is \"%s\"", seen);
	if (sysctl_int(DISC "kernel_steps") != 1)
		h_fail("clock_settime(2) counted as the kernel's own");
}

static const struct {
	const char	*name;
	void		(*fn)(void);
} cases[] = {
	{ "attach", case_attach },
	{ "behind", case_behind },
	{ "ahead", case_ahead },
	{ "far_behind", case_far_behind },
	{ "discipline", case_discipline },
	{ "discipline_signs", case_discipline_signs },
};

int
main(int argc, char **argv)
{
	size_t i;

	h_prog = "h_rumpvmt";
	if (argc != 2)
		goto usage;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (strcmp(argv[1], cases[i].name) == 0) {
			cases[i].fn();
			return 0;
		}
	}
usage:
	fprintf(stderr, "usage: h_rumpvmt attach | behind | ahead | "
	    "far_behind | discipline | discipline_signs\n");
	return 2;
}
