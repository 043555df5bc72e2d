/*
 * The simulated host on the userland kernel environment's virtual
 * clock: vmthost_create() (see vmthost.h).
 */

#include <stddef.h>

#include "kenv.h"
#include "vmthost.h"

static int64_t
kenv_ts_now(void *arg)
{
	return kenv_now();
}

static void
kenv_ts_delay(void *arg, int64_t ns)
{
	kenv_delay(ns);
}

static void
kenv_ts_suspend(void *arg, int64_t ns)
{
	kenv_suspend();
	kenv_delay(ns);
	kenv_resume();
}

static const struct vmthost_timesrc kenv_timesrc = {
	.ts_now = kenv_ts_now,
	.ts_delay = kenv_ts_delay,
	.ts_suspend = kenv_ts_suspend,
};

struct vmthost *
vmthost_create(const struct vmthost_config *cfg)
{
	return vmthost_create_timesrc(cfg, &kenv_timesrc);
}
