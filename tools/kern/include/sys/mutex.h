/*
 * Userland kernel environment: <sys/mutex.h>.
 * Adaptive and spin mutexes share one implementation on host threads;
 * the type is kept so that mutex_spin_enter() on an adaptive mutex, or
 * the reverse, is caught.
 */
#ifndef _SYS_MUTEX_H_
#define _SYS_MUTEX_H_

#include <sys/types.h>
#include <sys/intr.h>

typedef enum kmutex_type_t {
	MUTEX_SPIN = 0,		/* a spin mutex, at any IPL */
	MUTEX_ADAPTIVE = 1,	/* at IPL_NONE only */
	MUTEX_DEFAULT = 2,	/* adaptive or spin, by IPL */
	MUTEX_DRIVER = 3,	/* as MUTEX_DEFAULT */
	MUTEX_NODEBUG = 4	/* a spin mutex */
} kmutex_type_t;

typedef struct kmutex {
	void		*mtx_host;	/* the host lock, allocated at init */
	volatile uintptr_t mtx_owner;	/* host thread holding it, 0 if none */
	int		mtx_ipl;	/* as passed to mutex_init */
	bool		mtx_spin;	/* initialised as a spin mutex */
} kmutex_t;

void	mutex_init(kmutex_t *, kmutex_type_t, int);
void	mutex_destroy(kmutex_t *);
void	mutex_enter(kmutex_t *);
void	mutex_exit(kmutex_t *);
int	mutex_tryenter(kmutex_t *);
int	mutex_owned(const kmutex_t *);
void	mutex_spin_enter(kmutex_t *);
void	mutex_spin_exit(kmutex_t *);

#endif /* _SYS_MUTEX_H_ */
