/* Userland kernel environment: <sys/device.h>, autoconf(9) devices. */
#ifndef _SYS_DEVICE_H_
#define _SYS_DEVICE_H_

#include <sys/types.h>
#include <sys/pmf.h>

typedef struct device *device_t;

struct device {
	char		dv_xname[16];	/* external name, e.g. "vmt0" */
	int		dv_unit;	/* unit number */
	void		*dv_private;	/* the driver's softc */
};

const char	*device_xname(device_t);
int		device_unit(device_t);
void		*device_private(device_t);

void	aprint_normal_dev(device_t, const char *, ...) __printflike(2, 3);
void	aprint_verbose_dev(device_t, const char *, ...) __printflike(2, 3);
void	aprint_debug_dev(device_t, const char *, ...) __printflike(2, 3);
void	aprint_error_dev(device_t, const char *, ...) __printflike(2, 3);
void	device_printf(device_t, const char *, ...) __printflike(2, 3);

#endif /* _SYS_DEVICE_H_ */
