/*
 * The harness's autoconf(9) for vmt(4); see vmt_kenv.h.  Kernel side:
 * built with the kernel sources, so it sees the real softc.
 */

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/device.h>
#include <sys/kmem.h>

#include <dev/vmt/vmtvar.h>

#include "../kern/kenv.h"
#include "vmt_kenv.h"

struct vmt_softc *
vmt_kenv_attach(int unit)
{
	struct vmt_softc *sc;

	if (!vmt_probe())
		return NULL;
	sc = kmem_zalloc(sizeof(*sc), KM_SLEEP);
	sc->sc_dev = kenv_device_create("vmt", unit, sc);
	if (vmt_common_attach(sc) != 0) {
		kenv_device_destroy(sc->sc_dev);
		kmem_free(sc, sizeof(*sc));
		return NULL;
	}
	return sc;
}

int
vmt_kenv_detach(struct vmt_softc *sc)
{
	int error;

	if ((error = vmt_common_detach(sc)) != 0)
		return error;
	kenv_device_destroy(sc->sc_dev);
	kmem_free(sc, sizeof(*sc));
	return 0;
}
