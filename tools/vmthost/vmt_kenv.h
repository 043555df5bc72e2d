/*
 * The harness's autoconf(9) for vmt(4): what the x86 bus front end does
 * in a kernel (probe, allocate the softc, name the device, call
 * vmt_common_attach()), for userland programs hosting the driver.
 * The module interface itself is in <dev/vmt/vmtvar.h>, which userland
 * may include.
 */
#ifndef _VMT_KENV_H_
#define _VMT_KENV_H_

struct vmt_softc;

/* Probe and attach vmt<unit>; NULL if the probe or attach fails. */
struct vmt_softc *vmt_kenv_attach(int);
/* Detach and free; returns vmt_common_detach()'s error. */
int	vmt_kenv_detach(struct vmt_softc *);

#endif /* _VMT_KENV_H_ */
