/* Userland kernel environment: <sys/reboot.h>. */
#ifndef _SYS_REBOOT_H_
#define _SYS_REBOOT_H_

#define RB_AUTOBOOT	0
#define RB_HALT		0x008
#define RB_POWERDOWN	(RB_HALT | 0x800)

#endif /* _SYS_REBOOT_H_ */
