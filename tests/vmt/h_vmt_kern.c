/*
 * Kernel side of the vmt(4) test harness: what autoconf(9) does around
 * a front end whose attach fails (the softc stays, detach comes later),
 * and a way to make attach fail.  Built with the kernel sources.
 */

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/device.h>
#include <sys/kmem.h>
#include <sys/sysctl.h>

#include <dev/vmt/vmtvar.h>

#include "../../tools/kern/kenv.h"
#include "h_vmt_kern.h"

static struct sysctllog *h_squat_log;

struct vmt_softc *
h_vmt_attach_raw(int unit, int *errorp)
{
	struct vmt_softc *sc;

	sc = kmem_zalloc(sizeof(*sc), KM_SLEEP);
	sc->sc_dev = kenv_device_create("vmt", unit, sc);
	*errorp = kenv_host_errno(vmt_common_attach(sc));
	return sc;
}

int
h_vmt_detach_raw(struct vmt_softc *sc)
{
	int error;

	if ((error = vmt_common_detach(sc)) != 0)
		return kenv_host_errno(error);
	kenv_device_destroy(sc->sc_dev);
	kmem_free(sc, sizeof(*sc));
	return 0;
}

unsigned
h_vmt_attached(const struct vmt_softc *sc)
{
	return sc->sc_attached;
}

/* Never called: it only makes the squatter differ from vmt's node. */
static int
h_sysctl_squatter(SYSCTLFN_ARGS)
{
	return EPERM;
}

/*
 * A leaf with a handler of its own: NetBSD, like the environment,
 * refuses to create a node over it (EEXIST).
 */
int
h_sysctl_squat(const char *name)
{
	const struct sysctlnode *machdep;
	int error;

	error = sysctl_createv(&h_squat_log, 0, NULL, &machdep, 0,
	    CTLTYPE_NODE, "machdep", NULL, NULL, 0, NULL, 0, CTL_MACHDEP,
	    CTL_EOL);
	if (error == 0)
		error = sysctl_createv(&h_squat_log, 0, &machdep, NULL,
		    CTLFLAG_IMMEDIATE, CTLTYPE_INT, name, NULL,
		    h_sysctl_squatter, 1, NULL, 0, CTL_CREATE, CTL_EOL);
	return kenv_host_errno(error);
}

void
h_sysctl_unsquat(void)
{
	sysctl_teardown(&h_squat_log);
}
