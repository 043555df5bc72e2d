/*
 * Userland kernel environment: <sys/pmf.h>, the device side of pmf(9):
 * drivers register suspend, resume and shutdown handlers; subr_pmf.c
 * calls them when the harness suspends, resumes or shuts the system
 * down (kenv_pm.h).  <sys/device.h> includes it, as in NetBSD.
 */
#ifndef _SYS_PMF_H_
#define _SYS_PMF_H_

#include <sys/types.h>

struct device;

typedef enum devact_level {
	DEVACT_LEVEL_CLASS	= 0,
	DEVACT_LEVEL_DRIVER	= 1,
	DEVACT_LEVEL_BUS	= 2
} devact_level_t;

typedef struct device_suspensor {
	const struct device_suspensor	*ds_delegator;
	char				ds_name[32];
} device_suspensor_t;

typedef struct pmf_qual {
	const device_suspensor_t	*pq_suspensor;
	devact_level_t			pq_actlvl;
} pmf_qual_t;

extern const pmf_qual_t * const PMF_Q_NONE;

bool	pmf_device_register1(struct device *,
	    bool (*)(struct device *, const pmf_qual_t *),
	    bool (*)(struct device *, const pmf_qual_t *),
	    bool (*)(struct device *, int));
#define pmf_device_register(d, s, r)	pmf_device_register1((d), (s), (r), NULL)
void	pmf_device_deregister(struct device *);

bool	pmf_system_suspend(const pmf_qual_t *);
bool	pmf_system_resume(const pmf_qual_t *);
void	pmf_system_shutdown(int);

#endif /* _SYS_PMF_H_ */
