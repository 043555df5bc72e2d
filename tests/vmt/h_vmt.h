/*
 * Shared harness of the vmt(4) tests: boot the kernel environment, start
 * a simulated host, attach vmt0, and talk TCLO to it.
 */
#ifndef _H_VMT_H_
#define _H_VMT_H_

#include <stdbool.h>
#include <stdint.h>

#include <dev/vmt/vmtvar.h>

#include "vmthost/vmthost.h"
#include "vmthost/vmt_kenv.h"

/* <dev/sysmon/sysmonvar.h> is a kernel header: its two values here. */
#define H_PSWITCH_POWER	0	/* PSWITCH_TYPE_POWER */
#define H_PSWITCH_RESET	3	/* PSWITCH_TYPE_RESET */

#define H_MS		1000000LL
#define H_S		1000000000LL

/* Boot (hz 100, a 2 GHz "tsc") and create the host; cfg NULL: defaults. */
struct vmthost	*h_boot(const struct vmthost_config *);
/* Attach vmt0 and run until it has answered the host's first "reset". */
struct vmt_softc *h_attach(struct vmthost *);
/* Push cmd, run until the guest replied to it (at most 30 s): reply,
 * or "(no reply)". */
const char	*h_cmd(struct vmthost *, const char *);
/* Run until the guest has replied to n more commands named cmd (NULL:
 * any); false if that took more than limit ns of running. */
bool		h_wait_replies(struct vmthost *, const char *, size_t, int64_t);
/* machdep.vmt0.rpc.<name>. */
int64_t		h_stat(const char *);

/* An event listener recording what it gets. */
#define H_MAXEV		256
struct h_events {
	unsigned	n;
	enum vmt_event	ev[H_MAXEV];
	int		arg[H_MAXEV];
};
void		h_listen(struct vmt_softc *, struct h_events *);
/* How many of ev were recorded, and the index of the first (or -1). */
unsigned	h_nevents(const struct h_events *, enum vmt_event);
int		h_first(const struct h_events *, enum vmt_event);

#endif /* _H_VMT_H_ */
