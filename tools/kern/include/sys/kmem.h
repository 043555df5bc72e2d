/* Userland kernel environment: <sys/kmem.h>. */
#ifndef _SYS_KMEM_H_
#define _SYS_KMEM_H_

#include <sys/types.h>

typedef unsigned int km_flag_t;
#define KM_SLEEP	0x01	/* may sleep: never fails */
#define KM_NOSLEEP	0x02	/* may fail */

void	*kmem_alloc(size_t, km_flag_t);
void	*kmem_zalloc(size_t, km_flag_t);
void	kmem_free(void *, size_t);
char	*kmem_strdupsize(const char *, size_t *, km_flag_t);
void	kmem_strfree(char *);

#endif /* _SYS_KMEM_H_ */
