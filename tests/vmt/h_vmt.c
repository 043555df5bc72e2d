/*
 * Shared harness of the vmt(4) tests; see h_vmt.h.
 */
#include <atf-c.h>
#include <stdio.h>
#include <string.h>

#include "kenv.h"
#include "h_vmt.h"

struct vmthost *
h_boot(const struct vmthost_config *cfg)
{
	struct vmthost *h;

	kenv_boot(100);
	kenv_counter_create("tsc", 2000000000, 32, 1000, 0.0);
	h = vmthost_create(cfg);
	ATF_REQUIRE(h != NULL);
	return h;
}

struct vmt_softc *
h_attach(struct vmthost *h)
{
	struct vmt_softc *sc;

	sc = vmt_kenv_attach(0);
	ATF_REQUIRE(sc != NULL);
	ATF_REQUIRE(h_wait_replies(h, "reset", 1, 5 * H_S));
	ATF_REQUIRE_STREQ(vmthost_tclo_reply(h, "reset"), "OK ATR toolbox");
	return sc;
}

bool
h_wait_replies(struct vmthost *h, const char *cmd, size_t n, int64_t limit)
{
	size_t want = vmthost_tclo_replies(h, cmd) + n;
	int64_t ran;

	/* Count time run, not elapsed: a host may suspend the VM for hours. */
	for (ran = 0; vmthost_tclo_replies(h, cmd) < want; ran += 10 * H_MS) {
		if (ran >= limit)
			return false;
		kenv_run_for(10 * H_MS);
	}
	return true;
}

const char *
h_cmd(struct vmthost *h, const char *cmd)
{
	vmthost_tclo_push(h, cmd);
	if (!h_wait_replies(h, cmd, 1, 30 * H_S))
		return "(no reply)";
	return vmthost_tclo_reply(h, cmd);
}

int64_t
h_stat(const char *name)
{
	char path[128];
	int64_t v;

	snprintf(path, sizeof(path), "machdep.vmt0.rpc.%s", name);
	ATF_REQUIRE_EQ_MSG(kenv_sysctl_getint(path, &v), 0, "%s", path);
	return v;
}

static void
h_event(struct vmt_softc *sc, void *arg, enum vmt_event ev, int evarg)
{
	struct h_events *e = arg;

	/* VMT_EV_POLL is too frequent to be worth keeping. */
	if (ev == VMT_EV_POLL || e->n == H_MAXEV)
		return;
	e->ev[e->n] = ev;
	e->arg[e->n] = evarg;
	e->n++;
}

void
h_listen(struct vmt_softc *sc, struct h_events *e)
{
	memset(e, 0, sizeof(*e));
	vmt_event_listen(sc, h_event, e);
}

unsigned
h_nevents(const struct h_events *e, enum vmt_event ev)
{
	unsigned i, n = 0;

	for (i = 0; i < e->n; i++)
		if (e->ev[i] == ev)
			n++;
	return n;
}

int
h_first(const struct h_events *e, enum vmt_event ev)
{
	unsigned i;

	for (i = 0; i < e->n; i++)
		if (e->ev[i] == ev)
			return (int)i;
	return -1;
}
