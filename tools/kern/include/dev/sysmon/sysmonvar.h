/*
 * Userland kernel environment: <dev/sysmon/sysmonvar.h>.
 * Power switch events, the hook through which vmt(4) asks powerd(8)
 * to halt or reboot.  The environment records them.
 */
#ifndef _DEV_SYSMON_SYSMONVAR_H_
#define _DEV_SYSMON_SYSMONVAR_H_

#include <sys/types.h>

#define PSWITCH_TYPE_POWER	0	/* power button */
#define PSWITCH_TYPE_SLEEP	1	/* sleep button */
#define PSWITCH_TYPE_LID	2	/* lid switch */
#define PSWITCH_TYPE_RESET	3	/* reset button */
#define PSWITCH_TYPE_ACADAPTER	4	/* AC adapter presence */
#define PSWITCH_TYPE_HOTKEY	5	/* hot key */

#define PSWITCH_EVENT_PRESSED	0
#define PSWITCH_EVENT_RELEASED	1

struct sysmon_pswitch {
	const char	*smpsw_name;	/* name for the event */
	int		smpsw_type;	/* PSWITCH_TYPE_* */
};

int	sysmon_pswitch_register(struct sysmon_pswitch *);
void	sysmon_pswitch_unregister(struct sysmon_pswitch *);
void	sysmon_pswitch_event(struct sysmon_pswitch *, int);

#endif /* _DEV_SYSMON_SYSMONVAR_H_ */
