/*
 * Kernel side of the vmt(4) test harness (h_vmt_kern.c); callable from
 * the userland tests, which see struct vmt_softc as opaque.  Error
 * numbers are the host's (kenv_host_errno()).
 */
#ifndef _H_VMT_KERN_H_
#define _H_VMT_KERN_H_

struct vmt_softc;

/*
 * Create vmt<unit> and call vmt_common_attach() without probing; the
 * softc is returned even when attach fails (*errorp), as autoconf keeps
 * a device whose attach failed.
 */
struct vmt_softc *h_vmt_attach_raw(int, int *);
/* vmt_common_detach(); on success the device and softc are freed. */
int	h_vmt_detach_raw(struct vmt_softc *);
/* The softc's VMT_ATT_* bits. */
unsigned h_vmt_attached(const struct vmt_softc *);
/* Take machdep.<name>, so that attaching that device's sysctl fails. */
int	h_sysctl_squat(const char *);
void	h_sysctl_unsquat(void);

#endif /* _H_VMT_KERN_H_ */
