/*
 * Internal interfaces between the kernel-side files of the environment.
 */
#ifndef _KENV_IMPL_H_
#define _KENV_IMPL_H_

#include <sys/types.h>

struct device;

/* subr_callout.c */
void		kenv_callout_hardclock(uint64_t);
uint64_t	kenv_callout_ticks_until_due(uint64_t);

/* subr_sysctl.c */
void		kenv_sysctl_run_setups(void);

/* subr_misc.c */
bool		kenv_privileged(void);

/* kern_ntptime.c */
int64_t		kenv_ntp_rate_ppm(void);

/* subr_pmf.c: every device, from kenv_device_create()/_destroy() */
void		kenv_pmf_device_created(struct device *);
void		kenv_pmf_device_destroyed(struct device *);

/* subr_prf.c */
void		kenv_log_line(int, const char *);

#endif /* _KENV_IMPL_H_ */
