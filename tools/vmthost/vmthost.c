/*
 * A simulated VMware host; see vmthost.h.
 *
 * Channel model.  A channel is a slot with an id (EDX[31:16]) and two
 * random cookies.  Guest-to-host: SET_LENGTH starts a message, SET_DATA
 * or one HB out transfer fills it; when complete the host processes it
 * (RPCI: record and answer; TCLO: record as the reply to the command
 * the guest last acknowledged).  Host-to-guest: GET_LENGTH announces the
 * pending message (RPCI reply, or the TCLO queue head) with a data id,
 * GET_DATA or one HB in transfer reads it, GET_END consumes it.  A
 * message is consumed only by a successful GET_END, so a guest that
 * restarts after a checkpoint receives it again, and exactly once.
 */

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dev/vmt/vmt_backdoor.h>
#include <dev/vmt/vmtreg.h>

#include "vmthost.h"

#define NCHAN		8	/* channel slots */
#define NANSWER		8	/* RPCI answer overrides */
/* Tail index of the Pareto parts of the noise model, and their cap. */
#define PARETO_ALPHA	1.5
#define OUTLIER_CAP	1000

/* Stream selectors of the noise model, xored into the seed. */
#define CALL_STREAM	0x63616c6c2d6a6974ULL	/* "call-jit" */
#define READ_STREAM	0x726561642d657272ULL	/* "read-err" */
#define OUTL_STREAM	0x6f75746c6965722dULL	/* "outlier-" */
#define STALL_STREAM	0x7374616c6c2d2d2dULL	/* "stall---" */
#define MSG_MAX		65536	/* longest message the host accepts */

struct hmsg {
	char		*data;	/* NUL-terminated copy */
	size_t		len;	/* without the NUL */
};

struct hchan {
	bool		open;
	bool		closed;		/* closed by the host: CLOSED */
	enum vmthost_chan kind;
	uint32_t	c1, c2;		/* cookies, 0 without */
	/* Guest to host. */
	bool		in_active;
	char		*in;
	size_t		in_len, in_pos;
	/* Host to guest. */
	bool		receiving;	/* GET_LENGTH announced a message */
	size_t		out_pos;
	uint16_t	out_id;
	struct hmsg	reply;		/* RPCI answer, data NULL if none */
};

struct fault {
	enum vmthost_chan chan;
	enum vmthost_dir dir;
	enum vmthost_step step;
	uint16_t	status;
	unsigned	count;
};

struct record {
	struct hmsg	cmd;		/* TCLO: the command */
	struct hmsg	msg;		/* what the guest sent */
};

struct opentime {
	int64_t		t;
	enum vmthost_chan kind;
};

struct vmthost {
	struct vmthost_config cfg;
	struct vmthost_timesrc ts;	/* the guest's time base */
	uint64_t	rng;
	uint64_t	rs_call, rs_read, rs_outl, rs_stall; /* noise streams */
	double		read_spare;	/* rs_read's second normal deviate */
	bool		read_have_spare;
	vmthost_clock_fn clock;
	void		*clock_arg;
	struct vmthost_hooks hooks;
	struct vmthost_noise_stats nst;
	struct hchan	chans[NCHAN];
	uint16_t	next_id;	/* data ids */
	/* TCLO: a queue of tq_n messages from tq[tq_head]. */
	struct hmsg	*tq;
	size_t		tq_head, tq_n, tq_cap;
	struct hmsg	outstanding;	/* last command acknowledged */
	bool		has_outstanding;
	unsigned	drop_tclo;
	/* Faults. */
	struct fault	*faults;
	size_t		nfaults, faultcap;
	unsigned	refuse[2];
	bool		poweroff;
	int64_t		cpt_suspend_ns;
	int64_t		cpt_wake_at;	/* 0: none */
	/* RPCI answers. */
	char		*ans_prefix[NANSWER];
	char		*ans_reply[NANSWER];
	/* Records. */
	struct record	*rpci;
	size_t		rpci_n, rpci_cap;
	struct record	*tclo;
	size_t		tclo_n, tclo_cap;
	struct opentime	*opens;
	size_t		opens_n, opens_cap;
	struct vmthost_stats st;
};

static struct vmthost *vmthost_cur;

/* The guest's time base, and letting ns of it pass (vmthost.h). */
static int64_t
ts_now(struct vmthost *h)
{
	return (*h->ts.ts_now)(h->ts.ts_arg);
}

static void
ts_delay(struct vmthost *h, int64_t ns)
{
	(*h->ts.ts_delay)(h->ts.ts_arg, ns);
}

/* splitmix64: small, seedable, good enough for latencies and cookies. */
static uint64_t
sm_next(uint64_t *st)
{
	uint64_t z = (*st += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t
rng_next(struct vmthost *h)
{
	return sm_next(&h->rng);
}

static int64_t
rng_below(struct vmthost *h, int64_t n)
{
	return n <= 0 ? 0 : (int64_t)(rng_next(h) % (uint64_t)n);
}

/* Uniform in (0, 1]: never 0, so that logs and powers stay finite. */
static double
sm_uniform(uint64_t *st)
{
	return (double)((sm_next(st) >> 11) + 1) * 0x1.0p-53;
}

/* Box-Muller; the second deviate of each pair is kept for the next. */
static double
sm_normal(uint64_t *st, double *spare, bool *have)
{
	double u1, u2, m, s, c;

	if (*have) {
		*have = false;
		return *spare;
	}
	u1 = sm_uniform(st);
	u2 = sm_uniform(st);
	m = sqrt(-2.0 * log(u1));
	sincos(2.0 * M_PI * u2, &s, &c);
	*spare = m * s;
	*have = true;
	return m * c;
}

/* Round to the nearest integer, halves away from 0 (llround, cheaper). */
static inline int64_t
rnd(double x)
{
	return (int64_t)(x >= 0 ? x + 0.5 : x - 0.5);
}

/* scale * U^(-1/alpha): at least scale, at most cap. */
static int64_t
sm_pareto(uint64_t *st, int64_t scale, int64_t cap)
{
	double x = (double)scale * pow(sm_uniform(st), -1.0 / PARETO_ALPHA);

	return x >= (double)cap ? cap : rnd(x);
}

static void *
xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n)) == NULL)
		abort();
	return p;
}

static struct hmsg
hmsg_make(const void *data, size_t len)
{
	struct hmsg m;

	m.data = xrealloc(NULL, len + 1);
	if (len > 0)
		memcpy(m.data, data, len);
	m.data[len] = '\0';
	m.len = len;
	return m;
}

static void
hmsg_free(struct hmsg *m)
{
	free(m->data);
	m->data = NULL;
	m->len = 0;
}

void
vmthost_config_default(struct vmthost_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->seed = 1;
	cfg->epoch_ns = VMTHOST_EPOCH_2026;
	cfg->latency_ns = 2000;
	cfg->jitter_ns = 1000;
	cfg->version = 6;
	cfg->vmx_type = 2;
	cfg->tsc_hz = 2000000000ULL;
	cfg->bus_hz = 66000000;
	cfg->max_time_lag_us = 100000;
	cfg->interrupt_lag_us = 0;
	cfg->synctime = true;
	cfg->gui_options = true;
	cfg->hb = true;
	cfg->cookies = true;
	cfg->reset_on_open = true;
	cfg->read_at = -1;
}

struct vmthost *
vmthost_create_timesrc(const struct vmthost_config *cfg,
    const struct vmthost_timesrc *ts)
{
	struct vmthost *h;

	assert(vmthost_cur == NULL);
	assert(ts->ts_now != NULL && ts->ts_delay != NULL);
	h = xrealloc(NULL, sizeof(*h));
	memset(h, 0, sizeof(*h));
	h->ts = *ts;
	if (cfg != NULL)
		h->cfg = *cfg;
	else
		vmthost_config_default(&h->cfg);
	h->rng = h->cfg.seed;
	h->rs_call = h->cfg.seed ^ CALL_STREAM;
	h->rs_read = h->cfg.seed ^ READ_STREAM;
	h->rs_outl = h->cfg.seed ^ OUTL_STREAM;
	h->rs_stall = h->cfg.seed ^ STALL_STREAM;
	h->next_id = 1;
	vmthost_cur = h;
	return h;
}

void
vmthost_destroy(struct vmthost *h)
{
	size_t i;

	vmthost_clear_records(h);
	for (i = 0; i < NCHAN; i++) {
		free(h->chans[i].in);
		hmsg_free(&h->chans[i].reply);
	}
	for (i = 0; i < h->tq_n; i++)
		hmsg_free(&h->tq[h->tq_head + i]);
	free(h->tq);
	free(h->faults);
	hmsg_free(&h->outstanding);
	for (i = 0; i < NANSWER; i++) {
		free(h->ans_prefix[i]);
		free(h->ans_reply[i]);
	}
	free(h->rpci);
	free(h->tclo);
	free(h->opens);
	if (vmthost_cur == h)
		vmthost_cur = NULL;
	free(h);
}

void
vmthost_set_clock(struct vmthost *h, vmthost_clock_fn fn, void *arg)
{
	h->clock = fn;
	h->clock_arg = arg;
}

int64_t
vmthost_now(struct vmthost *h)
{
	if (h->clock != NULL)
		return (*h->clock)(h->clock_arg);
	return h->cfg.epoch_ns + ts_now(h);
}

void
vmthost_set_hooks(struct vmthost *h, const struct vmthost_hooks *hk)
{
	if (hk != NULL)
		h->hooks = *hk;
	else
		memset(&h->hooks, 0, sizeof(h->hooks));
}

const struct vmthost_noise_stats *
vmthost_noise_stats(const struct vmthost *h)
{
	return &h->nst;
}

void
vmthost_set_synctime(struct vmthost *h, bool on)
{
	h->cfg.synctime = on;
}

bool
vmthost_synctime(const struct vmthost *h)
{
	return h->cfg.synctime;
}

void
vmthost_set_hb(struct vmthost *h, bool on)
{
	h->cfg.hb = on;
}

void
vmthost_set_precision_clock(struct vmthost *h, bool on)
{
	h->cfg.precision_clock = on;
}

/* --- TCLO queue ----------------------------------------------------- */

static void
tq_insert(struct vmthost *h, size_t at, const void *data, size_t len)
{
	if (h->drop_tclo > 0) {
		/* Lost on its way: never queued, never delivered. */
		h->drop_tclo--;
		h->st.tclo_dropped++;
		return;
	}
	if (at == 0 && h->tq_head > 0) {
		/* In front of the head: room is there. */
		h->tq[--h->tq_head] = hmsg_make(data, len);
		h->tq_n++;
		return;
	}
	if (h->tq_head + h->tq_n == h->tq_cap) {
		if (h->tq_head > 0) {
			memmove(&h->tq[0], &h->tq[h->tq_head],
			    h->tq_n * sizeof(*h->tq));
			h->tq_head = 0;
		} else {
			h->tq_cap = h->tq_cap ? 2 * h->tq_cap : 16;
			h->tq = xrealloc(h->tq, h->tq_cap * sizeof(*h->tq));
		}
	}
	at += h->tq_head;
	memmove(&h->tq[at + 1], &h->tq[at],
	    (h->tq_head + h->tq_n - at) * sizeof(*h->tq));
	h->tq[at] = hmsg_make(data, len);
	h->tq_n++;
}

/* The queue's head; only when it is not empty. */
static struct hmsg *
tq_first(struct vmthost *h)
{
	return &h->tq[h->tq_head];
}

static void
tq_pop(struct vmthost *h, struct hmsg *out)
{
	assert(h->tq_n > 0);
	if (out != NULL)
		*out = *tq_first(h);
	else
		hmsg_free(tq_first(h));
	h->tq_head++;
	if (--h->tq_n == 0)
		h->tq_head = 0;
}

void
vmthost_tclo_push_bytes(struct vmthost *h, const void *data, size_t len)
{
	tq_insert(h, h->tq_n, data, len);
}

void
vmthost_tclo_push(struct vmthost *h, const char *cmd)
{
	vmthost_tclo_push_bytes(h, cmd, strlen(cmd));
}

size_t
vmthost_tclo_pending(const struct vmthost *h)
{
	return h->tq_n;
}

/* The VMX greets a (re)started guest with "reset", first in line. */
static void
tq_push_reset(struct vmthost *h)
{
	if (h->tq_n > 0 && strcmp(tq_first(h)->data, VM_TCLO_RESET) == 0)
		return;
	tq_insert(h, 0, VM_TCLO_RESET, strlen(VM_TCLO_RESET));
}

/* --- faults ----------------------------------------------------------- */

void
vmthost_inject(struct vmthost *h, enum vmthost_chan chan,
    enum vmthost_dir dir, enum vmthost_step step, uint16_t status,
    unsigned count)
{
	size_t i;

	assert((status & VM_RPC_REPLY_SUCCESS) == 0);
	assert(!(dir == VMTHOST_SEND && step == VMTHOST_STEP_STATUS));
	if (count == 0)
		return;
	for (i = 0; i < h->nfaults && h->faults[i].count != 0; i++)
		continue;
	if (i == h->nfaults) {
		if (h->nfaults == h->faultcap) {
			h->faultcap = h->faultcap ? 2 * h->faultcap : 16;
			h->faults = xrealloc(h->faults,
			    h->faultcap * sizeof(*h->faults));
		}
		h->nfaults++;
	}
	h->faults[i] = (struct fault){ chan, dir, step, status, count };
}

void
vmthost_inject_cpt(struct vmthost *h, enum vmthost_chan chan,
    enum vmthost_dir dir, enum vmthost_step step, unsigned count)
{
	/* OPEN and the size steps are never restarted after a checkpoint. */
	assert(step != VMTHOST_STEP_SIZE);
	vmthost_inject(h, chan, dir, step, VM_RPC_REPLY_CPT, count);
}

void
vmthost_set_cpt_suspend(struct vmthost *h, int64_t ns)
{
	h->cpt_suspend_ns = ns;
}

void
vmthost_set_cpt_wake(struct vmthost *h, int64_t at)
{
	h->cpt_wake_at = at;
}

void
vmthost_close_channel(struct vmthost *h, enum vmthost_chan kind)
{
	size_t i;

	for (i = 0; i < NCHAN; i++)
		if (h->chans[i].open && h->chans[i].kind == kind)
			h->chans[i].closed = true;
}

void
vmthost_refuse_open(struct vmthost *h, enum vmthost_chan kind, unsigned n)
{
	h->refuse[kind] = n;
}

void
vmthost_drop_tclo(struct vmthost *h, unsigned n)
{
	h->drop_tclo = n;
}

static void
chan_free(struct hchan *c)
{
	free(c->in);
	hmsg_free(&c->reply);
	memset(c, 0, sizeof(*c));
}

void
vmthost_set_poweroff(struct vmthost *h, bool on)
{
	size_t i;

	h->poweroff = on;
	if (on)
		for (i = 0; i < NCHAN; i++)
			chan_free(&h->chans[i]);
}

/* The injected status for this step, or 0. */
static uint16_t
fault_check(struct vmthost *h, const struct hchan *c, enum vmthost_dir dir,
    enum vmthost_step step)
{
	struct fault *f;
	size_t i;

	int64_t sleep;

	for (i = 0; i < h->nfaults; i++) {
		f = &h->faults[i];
		if (f->count == 0 || f->chan != c->kind || f->dir != dir ||
		    f->step != step)
			continue;
		f->count--;
		if (f->status & VM_RPC_REPLY_CPT) {
			h->st.cpt_injected++;
			tq_push_reset(h);
			sleep = h->cpt_suspend_ns;
			if (h->cpt_wake_at > ts_now(h))
				sleep = h->cpt_wake_at - ts_now(h);
			h->cpt_suspend_ns = h->cpt_wake_at = 0;
			if (sleep > 0 && h->ts.ts_suspend != NULL) {
				/* The VM sleeps inside this very call, once. */
				(*h->ts.ts_suspend)(h->ts.ts_arg, sleep);
			}
		} else
			h->st.faults_injected++;
		return f->status;
	}
	return 0;
}

/* --- records ---------------------------------------------------------- */

static void
record_add(struct record **v, size_t *n, size_t *cap, const struct hmsg *cmd,
    const void *data, size_t len)
{
	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 32;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	(*v)[*n].cmd = cmd != NULL ? hmsg_make(cmd->data, cmd->len) :
	    hmsg_make("", 0);
	(*v)[*n].msg = hmsg_make(data, len);
	(*n)++;
}

void
vmthost_clear_records(struct vmthost *h)
{
	size_t i;

	for (i = 0; i < h->rpci_n; i++) {
		hmsg_free(&h->rpci[i].cmd);
		hmsg_free(&h->rpci[i].msg);
	}
	for (i = 0; i < h->tclo_n; i++) {
		hmsg_free(&h->tclo[i].cmd);
		hmsg_free(&h->tclo[i].msg);
	}
	h->rpci_n = h->tclo_n = h->opens_n = 0;
}

const struct vmthost_stats *
vmthost_stats(const struct vmthost *h)
{
	return &h->st;
}

static bool
has_prefix(const struct hmsg *m, const char *prefix)
{
	size_t n;

	if (prefix == NULL)
		return true;
	n = strlen(prefix);
	return m->len >= n && memcmp(m->data, prefix, n) == 0;
}

size_t
vmthost_rpci_count(const struct vmthost *h, const char *prefix)
{
	size_t i, n = 0;

	for (i = 0; i < h->rpci_n; i++)
		if (has_prefix(&h->rpci[i].msg, prefix))
			n++;
	return n;
}

const char *
vmthost_rpci_find(const struct vmthost *h, const char *prefix)
{
	size_t i;

	for (i = h->rpci_n; i-- > 0;)
		if (has_prefix(&h->rpci[i].msg, prefix))
			return h->rpci[i].msg.data;
	return NULL;
}

const char *
vmthost_rpci_at(const struct vmthost *h, size_t i)
{
	return i < h->rpci_n ? h->rpci[i].msg.data : NULL;
}

static bool
is_cmd(const struct record *r, const char *cmd)
{
	return cmd == NULL ||
	    (r->cmd.len == strlen(cmd) && memcmp(r->cmd.data, cmd,
	    r->cmd.len) == 0);
}

const char *
vmthost_tclo_reply(const struct vmthost *h, const char *cmd)
{
	size_t i;

	for (i = h->tclo_n; i-- > 0;)
		if (is_cmd(&h->tclo[i], cmd))
			return h->tclo[i].msg.data;
	return NULL;
}

size_t
vmthost_tclo_replies(const struct vmthost *h, const char *cmd)
{
	size_t i, n = 0;

	for (i = 0; i < h->tclo_n; i++)
		if (is_cmd(&h->tclo[i], cmd))
			n++;
	return n;
}

const char *
vmthost_tclo_reply_at(const struct vmthost *h, size_t i)
{
	return i < h->tclo_n ? h->tclo[i].msg.data : NULL;
}

size_t
vmthost_open_times(const struct vmthost *h, enum vmthost_chan kind,
    int64_t *t, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < h->opens_n; i++) {
		if (h->opens[i].kind != kind)
			continue;
		if (n < max)
			t[n] = h->opens[i].t;
		n++;
	}
	return n;
}

void
vmthost_rpci_answer(struct vmthost *h, const char *prefix, const char *reply)
{
	size_t i;

	for (i = 0; i < NANSWER; i++) {
		if (h->ans_prefix[i] == NULL ||
		    strcmp(h->ans_prefix[i], prefix) == 0) {
			free(h->ans_prefix[i]);
			free(h->ans_reply[i]);
			h->ans_prefix[i] = strdup(prefix);
			h->ans_reply[i] = strdup(reply);
			return;
		}
	}
	abort();
}

/* --- message processing ----------------------------------------------- */

/* "vmx.set_option synctime <old> <new>", as the VMX handles it. */
static const char *
rpci_set_option(struct vmthost *h, const char *msg)
{
	static const char pfx[] = VM_RPCI_SET_OPTION " synctime ";
	char push[64];
	const char *a;

	a = msg + strlen(pfx);
	if ((a[0] != '0' && a[0] != '1') || a[1] != ' ' ||
	    (a[2] != '0' && a[2] != '1') || a[3] != '\0')
		return VM_RPCI_FAIL "Invalid arguments";
	if ((a[0] == '1') != h->cfg.synctime)
		return VM_RPCI_FAIL "Old value mismatch";
	h->cfg.synctime = a[2] == '1';
	snprintf(push, sizeof(push), "%s synctime %c", VM_TCLO_SET_OPTION,
	    a[2]);
	vmthost_tclo_push(h, push);
	return VM_RPCI_OK;
}

static void
rpci_process(struct vmthost *h, struct hchan *c)
{
	static const char setopt[] = VM_RPCI_SET_OPTION " synctime ";
	const char *reply = VM_RPCI_OK;
	size_t i, n;

	record_add(&h->rpci, &h->rpci_n, &h->rpci_cap, NULL, c->in,
	    c->in_len);
	for (i = 0; i < NANSWER && h->ans_prefix[i] != NULL; i++) {
		n = strlen(h->ans_prefix[i]);
		if (c->in_len >= n && memcmp(c->in, h->ans_prefix[i], n) == 0) {
			reply = h->ans_reply[i];
			goto out;
		}
	}
	if (c->in_len >= sizeof(setopt) - 1 &&
	    memcmp(c->in, setopt, sizeof(setopt) - 1) == 0 &&
	    memchr(c->in, '\0', c->in_len) == NULL) {
		/* c->in has room for a NUL: see in_begin(). */
		c->in[c->in_len] = '\0';
		reply = rpci_set_option(h, c->in);
	}
out:
	hmsg_free(&c->reply);
	c->reply = hmsg_make(reply, strlen(reply));
}

static void
tclo_process(struct vmthost *h, struct hchan *c)
{
	if (h->has_outstanding) {
		record_add(&h->tclo, &h->tclo_n, &h->tclo_cap,
		    &h->outstanding, c->in, c->in_len);
		hmsg_free(&h->outstanding);
		h->has_outstanding = false;
	}
}

static void
in_complete(struct vmthost *h, struct hchan *c)
{
	c->in_active = false;
	if (c->kind == VMTHOST_RPCI)
		rpci_process(h, c);
	else
		tclo_process(h, c);
}

/* The message the guest may receive on c, or NULL. */
static struct hmsg *
out_msg(struct vmthost *h, struct hchan *c)
{
	if (c->kind == VMTHOST_RPCI)
		return c->reply.data != NULL ? &c->reply : NULL;
	return h->tq_n > 0 ? tq_first(h) : NULL;
}

/* --- the backdoor ----------------------------------------------------- */

/*
 * Charge one call's cost (see vmthost.h); returns the host time read
 * within it.
 */
static int64_t
charge(struct vmthost *h)
{
	const struct vmthost_config *c = &h->cfg;
	int64_t total, at, t, stall = 0;
	bool before = false;

	total = c->latency_ns + rng_below(h, c->jitter_ns);
	if (c->call_jitter_ns > 0)
		total += rnd(-(double)c->call_jitter_ns *
		    log(sm_uniform(&h->rs_call)));
	if (c->read_at < 0)
		at = rng_below(h, total + 1);
	else
		at = rnd(c->read_at * (double)total);
	if (c->stall_prob > 0 && sm_uniform(&h->rs_stall) <= c->stall_prob) {
		before = (sm_next(&h->rs_stall) & 1) != 0;
		stall = sm_pareto(&h->rs_stall, c->stall_ns,
		    c->stall_max_ns > c->stall_ns ? c->stall_max_ns :
		    c->stall_ns);
		h->nst.stalls++;
		h->nst.stall_total_ns += stall;
		if (stall > h->nst.stall_max_ns)
			h->nst.stall_max_ns = stall;
	}
	if (before)
		ts_delay(h, stall);
	ts_delay(h, at);
	t = vmthost_now(h);
	ts_delay(h, total - at);
	if (!before)
		ts_delay(h, stall);
	return t;
}

/* The error of one host time read: normal, plus a rare heavy tail. */
static int64_t
read_error(struct vmthost *h)
{
	const struct vmthost_config *c = &h->cfg;
	int64_t e = 0, o;

	h->nst.reads++;
	if (c->read_error_ns > 0)
		e = rnd(sm_normal(&h->rs_read, &h->read_spare,
		    &h->read_have_spare) * (double)c->read_error_ns);
	if (c->outlier_prob > 0 && c->outlier_ns > 0 &&
	    sm_uniform(&h->rs_outl) <= c->outlier_prob) {
		o = sm_pareto(&h->rs_outl, c->outlier_ns,
		    c->outlier_ns * OUTLIER_CAP);
		e += (sm_next(&h->rs_outl) & 1) != 0 ? o : -o;
		h->nst.outliers++;
	}
	return e;
}

static uint32_t
sat_u32(int64_t v)
{
	return v < 0 ? 0 : v > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static struct hchan *
chan_lookup(struct vmthost *h, uint16_t id, uint32_t c1, uint32_t c2)
{
	struct hchan *c;

	if (id >= NCHAN || !h->chans[id].open) {
		h->st.bad_channel++;
		return NULL;
	}
	c = &h->chans[id];
	if (c->c1 != c1 || c->c2 != c2) {
		h->st.bad_channel++;
		return NULL;
	}
	return c;
}

static void
rpc_open(struct vmthost *h, struct vm_backdoor *f)
{
	uint32_t proto = f->ebx.word & ~VM_RPC_FLAG_COOKIE;
	bool cookies = (f->ebx.word & VM_RPC_FLAG_COOKIE) != 0;
	enum vmthost_chan kind;
	struct hchan *c;
	size_t i;

	f->ecx.part.high = 0;
	if (proto == VM_RPC_OPEN_RPCI)
		kind = VMTHOST_RPCI;
	else if (proto == VM_RPC_OPEN_TCLO)
		kind = VMTHOST_TCLO;
	else
		return;
	if (h->opens_n == h->opens_cap) {
		h->opens_cap = h->opens_cap ? 2 * h->opens_cap : 32;
		h->opens = xrealloc(h->opens, h->opens_cap * sizeof(*h->opens));
	}
	h->opens[h->opens_n++] = (struct opentime){ ts_now(h), kind };
	if (h->poweroff || (cookies && !h->cfg.cookies)) {
		h->st.opens_refused++;
		return;
	}
	if (h->refuse[kind] > 0) {
		h->refuse[kind]--;
		h->st.opens_refused++;
		return;
	}
	for (i = 0; i < NCHAN && h->chans[i].open; i++)
		continue;
	if (i == NCHAN) {
		h->st.opens_refused++;
		return;
	}
	c = &h->chans[i];
	chan_free(c);
	c->open = true;
	c->kind = kind;
	if (cookies) {
		c->c1 = (uint32_t)rng_next(h);
		c->c2 = (uint32_t)rng_next(h);
	}
	h->st.opens[kind]++;
	if (kind == VMTHOST_TCLO) {
		hmsg_free(&h->outstanding);
		h->has_outstanding = false;
		if (h->cfg.reset_on_open)
			tq_push_reset(h);
	}
	f->edx.part.high = (uint16_t)i;
	f->esi.word = c->c1;
	f->edi.word = c->c2;
	f->ecx.part.high = VM_RPC_REPLY_SUCCESS;
}

static void
in_begin(struct hchan *c, size_t len)
{
	free(c->in);
	c->in = xrealloc(NULL, len + 1);
	c->in_len = len;
	c->in_pos = 0;
	c->in_active = true;
}

/* One low-bandwidth message subcommand; the status goes to ECX[31:16]. */
static void
rpc_cmd(struct vmthost *h, struct vm_backdoor *f)
{
	uint16_t sub = f->ecx.part.high, st;
	struct hchan *c;
	struct hmsg *m;
	size_t n;

	if (sub == VM_RPC_OPEN) {
		rpc_open(h, f);
		return;
	}
	f->ecx.part.high = 0;
	if (h->poweroff) {
		f->ecx.part.high = VM_RPC_REPLY_POWEROFF |
		    VM_RPC_REPLY_CLOSED;
		return;
	}
	if ((c = chan_lookup(h, f->edx.part.high, f->esi.word,
	    f->edi.word)) == NULL)
		return;
	if (sub == VM_RPC_CLOSE) {
		h->st.closes++;
		/*
		 * A guest that closes TCLO in the middle of a receive gave
		 * up on that command (too long to read): it is dropped, or
		 * it would break every new channel the same way.
		 */
		if (c->kind == VMTHOST_TCLO && c->receiving && h->tq_n > 0) {
			h->st.tclo_dropped++;
			tq_pop(h, NULL);
		}
		chan_free(c);
		f->ecx.part.high = VM_RPC_REPLY_SUCCESS;
		return;
	}
	if (c->closed) {
		f->ecx.part.high = VM_RPC_REPLY_CLOSED;
		return;
	}

	switch (sub) {
	case VM_RPC_SET_LENGTH:
		if ((st = fault_check(h, c, VMTHOST_SEND,
		    VMTHOST_STEP_SIZE)) != 0) {
			c->in_active = false;
			f->ecx.part.high = st;
			return;
		}
		if (f->ebx.word > MSG_MAX) {
			c->in_active = false;
			return;
		}
		in_begin(c, f->ebx.word);
		f->ecx.part.high = VM_RPC_REPLY_SUCCESS |
		    (h->cfg.hb ? VM_RPC_REPLY_HB : 0);
		if (c->in_len == 0)
			in_complete(h, c);
		return;
	case VM_RPC_SET_DATA:
		if (!c->in_active || c->in_pos >= c->in_len)
			return;
		if ((st = fault_check(h, c, VMTHOST_SEND,
		    VMTHOST_STEP_PAYLOAD_LB)) != 0) {
			/* The partial message is lost; the guest restarts. */
			c->in_active = false;
			f->ecx.part.high = st;
			return;
		}
		n = c->in_len - c->in_pos < 4 ? c->in_len - c->in_pos : 4;
		memcpy(c->in + c->in_pos, &f->ebx.word, n);
		c->in_pos += n;
		f->ecx.part.high = VM_RPC_REPLY_SUCCESS;
		if (c->in_pos == c->in_len)
			in_complete(h, c);
		return;
	case VM_RPC_GET_LENGTH:
		c->receiving = false;
		if ((st = fault_check(h, c, VMTHOST_RECV,
		    VMTHOST_STEP_SIZE)) != 0) {
			f->ecx.part.high = st;
			return;
		}
		f->ebx.word = 0;
		f->ecx.part.high = VM_RPC_REPLY_SUCCESS;
		if ((m = out_msg(h, c)) == NULL)
			return;
		c->receiving = true;
		c->out_pos = 0;
		c->out_id = h->next_id++;
		f->ebx.word = (uint32_t)m->len;
		f->edx.part.high = c->out_id;
		f->ecx.part.high |= VM_RPC_REPLY_DORECV |
		    (h->cfg.hb ? VM_RPC_REPLY_HB : 0);
		return;
	case VM_RPC_GET_DATA:
		if (!c->receiving || f->ebx.word != c->out_id ||
		    (m = out_msg(h, c)) == NULL || c->out_pos >= m->len)
			return;
		if ((st = fault_check(h, c, VMTHOST_RECV,
		    VMTHOST_STEP_PAYLOAD_LB)) != 0) {
			c->receiving = false;
			f->ecx.part.high = st;
			return;
		}
		n = m->len - c->out_pos < 4 ? m->len - c->out_pos : 4;
		f->ebx.word = 0;
		memcpy(&f->ebx.word, m->data + c->out_pos, n);
		c->out_pos += n;
		f->ecx.part.high = VM_RPC_REPLY_SUCCESS;
		return;
	case VM_RPC_GET_END:
		if (!c->receiving || f->ebx.word != c->out_id ||
		    out_msg(h, c) == NULL)
			return;
		if ((st = fault_check(h, c, VMTHOST_RECV,
		    VMTHOST_STEP_STATUS)) != 0) {
			c->receiving = false;
			f->ecx.part.high = st;
			return;
		}
		c->receiving = false;
		if (c->kind == VMTHOST_RPCI)
			hmsg_free(&c->reply);
		else {
			hmsg_free(&h->outstanding);
			tq_pop(h, &h->outstanding);
			h->has_outstanding = true;
		}
		f->ecx.part.high = VM_RPC_REPLY_SUCCESS;
		return;
	default:
		return;
	}
}

/* A PRECISIONCLOCK call the precision clock device answers. */
static bool
pclk_ok(const struct vmthost *h, const struct vm_backdoor *f)
{
	return h->cfg.precision_clock &&
	    f->ecx.part.high == VM_PCLK_GETTIME && f->ebx.word == 0 &&
	    f->edx.part.high == 0;
}

void
vmt_backdoor_cmd(struct vm_backdoor *f)
{
	struct vmthost *h = vmthost_cur;
	uint16_t cmd = f->ecx.part.low;
	struct vmthost_timeread rd;
	uint64_t sec;
	int64_t t, lag;
	bool timecmd;

	if (h == NULL || f->eax.word != VM_MAGIC ||
	    f->edx.part.low != VM_PORT_CMD) {
		/* No VMware here: the port reads as all ones. */
		f->eax.word = VM_BACKDOOR_FAIL;
		return;
	}
	timecmd = cmd == VM_CMD_GET_TIME_FULL ||
	    cmd == VM_CMD_GET_TIME_FULL_LAG ||
	    (cmd == VM_CMD_PRECISIONCLOCK && pclk_ok(h, f));
	if (timecmd && h->hooks.time_enter != NULL)
		(*h->hooks.time_enter)(h->hooks.arg);
	t = charge(h);
	if (cmd < VMTHOST_NCMD)
		h->st.calls[cmd]++;
	else
		h->st.calls_other++;

	switch (cmd) {
	case VM_CMD_GET_VERSION:
		f->eax.word = h->cfg.version;
		f->ebx.word = VM_MAGIC;
		f->ecx.word = h->cfg.vmx_type;
		return;
	case VM_CMD_GET_HZ:
		if (h->cfg.tsc_hz == 0) {
			f->eax.word = VM_BACKDOOR_FAIL;
			return;
		}
		f->eax.word = (uint32_t)h->cfg.tsc_hz;
		f->ebx.word = (uint32_t)(h->cfg.tsc_hz >> 32);
		f->ecx.word = h->cfg.bus_hz;
		return;
	case VM_CMD_GET_TIME_FULL:
	case VM_CMD_GET_TIME_FULL_LAG:
		t += read_error(h);
		if (t < 0)
			t = 0;
		lag = h->hooks.lag_ns != NULL ? (*h->hooks.lag_ns)(h->hooks.arg) :
		    (int64_t)h->cfg.interrupt_lag_us * 1000;
		sec = (uint64_t)(t / 1000000000);
		f->eax.word = VM_MAGIC;
		f->esi.word = (uint32_t)(sec >> 32);
		f->edx.word = (uint32_t)sec;
		f->ebx.word = (uint32_t)(t % 1000000000 / 1000);
		/* Without the lag variant, ECX carries the lag as well. */
		if (cmd == VM_CMD_GET_TIME_FULL_LAG) {
			f->ecx.word = h->cfg.max_time_lag_us;
			f->edi.word = sat_u32(lag / 1000);
		} else
			f->ecx.word = sat_u32((int64_t)h->cfg.max_time_lag_us +
			    lag / 1000);
		if (h->hooks.time_read != NULL) {
			memset(&rd, 0, sizeof(rd));
			rd.with_lag = cmd == VM_CMD_GET_TIME_FULL_LAG;
			rd.host_ns = (int64_t)sec * 1000000000 +
			    (int64_t)f->ebx.word * 1000;
			rd.max_lag_us = f->ecx.word;
			rd.lag_us = rd.with_lag ? f->edi.word : 0;
			(*h->hooks.time_read)(h->hooks.arg, &rd);
		}
		return;
	case VM_CMD_PRECISIONCLOCK:
		if (!timecmd) {
			h->st.pclk_refused++;
			f->eax.word = VM_BACKDOOR_FAIL;
			return;
		}
		t += read_error(h);
		if (t < 0)
			t = 0;
		h->st.pclk_answered++;
		f->eax.word = VM_PCLK_OK;
		f->ebx.word = (uint32_t)((uint64_t)t >> 32);
		f->ecx.word = (uint32_t)t;
		if (h->hooks.time_read != NULL) {
			memset(&rd, 0, sizeof(rd));
			rd.precision = true;
			rd.host_ns = t;
			(*h->hooks.time_read)(h->hooks.arg, &rd);
		}
		return;
	case VM_CMD_GET_GUI_OPTIONS:
		if (!h->cfg.gui_options) {
			f->eax.word = VM_BACKDOOR_FAIL;
			return;
		}
		f->eax.word = h->cfg.synctime ? VM_GUI_SYNC_TIME : 0;
		return;
	case VM_CMD_STOP_CATCHUP:
		h->st.stopcatchup++;
		if (h->hooks.stop_catchup != NULL)
			(*h->hooks.stop_catchup)(h->hooks.arg);
		return;
	case VM_CMD_RPC:
		rpc_cmd(h, f);
		return;
	default:
		f->eax.word = VM_BACKDOOR_FAIL;
		return;
	}
}

/* High-bandwidth transfers: the status comes back in EBX[31:16]. */

/*
 * What both directions do first: check the frame, charge the call,
 * count it, and find the open channel the cookies name.  NULL means the
 * call is answered already (EAX or the status in EBX[31:16] says how).
 */
static struct hchan *
hb_enter(struct vmthost *h, struct vm_backdoor *f, uint32_t cookie1,
    uint32_t cookie2, uint64_t *counter)
{
	struct hchan *c;

	if (h == NULL || f->eax.word != VM_MAGIC ||
	    f->edx.part.low != VM_PORT_RPC) {
		f->eax.word = VM_BACKDOOR_FAIL;
		return NULL;
	}
	(void)charge(h);
	(*counter)++;
	f->ebx.word = 0;
	if (h->poweroff) {
		f->ebx.part.high = VM_RPC_REPLY_POWEROFF | VM_RPC_REPLY_CLOSED;
		return NULL;
	}
	if ((c = chan_lookup(h, f->edx.part.high, cookie1, cookie2)) == NULL)
		return NULL;
	if (c->closed) {
		f->ebx.part.high = VM_RPC_REPLY_CLOSED;
		return NULL;
	}
	return c;
}
void
vmt_backdoor_hb_out(struct vm_backdoor *f)
{
	struct vmthost *h = vmthost_cur;
	struct hchan *c;
	uint16_t st;

	/* Sending: cookie 1 in EBP, cookie 2 in EDI, buffer in RSI. */
	if ((c = hb_enter(h, f, f->ebp.word, f->edi.word,
	    h != NULL ? &h->st.hb_out : NULL)) == NULL)
		return;
	if (!c->in_active || c->in_pos != 0 || f->ecx.word != c->in_len ||
	    !h->cfg.hb)
		return;
	if ((st = fault_check(h, c, VMTHOST_SEND,
	    VMTHOST_STEP_PAYLOAD_HB)) != 0) {
		c->in_active = false;
		f->ebx.part.high = st;
		return;
	}
	memcpy(c->in, (const void *)(uintptr_t)f->esi.quad, c->in_len);
	c->in_pos = c->in_len;
	f->ebx.part.high = VM_RPC_REPLY_SUCCESS;
	f->ecx.word = 0;
	in_complete(h, c);
}

void
vmt_backdoor_hb_in(struct vm_backdoor *f)
{
	struct vmthost *h = vmthost_cur;
	struct hchan *c;
	struct hmsg *m;
	uint16_t st;

	/* Receiving: cookie 1 in ESI, cookie 2 in EBP, buffer in RDI. */
	if ((c = hb_enter(h, f, f->esi.word, f->ebp.word,
	    h != NULL ? &h->st.hb_in : NULL)) == NULL)
		return;
	if (!c->receiving || (m = out_msg(h, c)) == NULL || !h->cfg.hb ||
	    f->ecx.word > m->len - c->out_pos)
		return;
	if ((st = fault_check(h, c, VMTHOST_RECV,
	    VMTHOST_STEP_PAYLOAD_HB)) != 0) {
		c->receiving = false;
		f->ebx.part.high = st;
		return;
	}
	memcpy((void *)(uintptr_t)f->edi.quad, m->data + c->out_pos,
	    f->ecx.word);
	c->out_pos += f->ecx.word;
	f->ebx.part.high = VM_RPC_REPLY_SUCCESS;
	f->ecx.word = 0;
}
