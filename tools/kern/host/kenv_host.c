/*
 * The host bridge of the userland kernel environment: libc and
 * pthreads behind the interface of kenv_host.h.
 */
#include <linux/membarrier.h>
#include <sys/syscall.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kenv_errnos.h"
#include "kenv_host.h"

void *
kenvh_malloc(unsigned long size)
{
	return malloc(size == 0 ? 1 : size);
}

void
kenvh_free(void *p)
{
	free(p);
}

void
kenvh_stderr(const char *s, unsigned long len)
{
	fwrite(s, 1, len, stderr);
}

void
kenvh_abort(void)
{
	fflush(stderr);
	abort();
}

void *
kenvh_lock_create(void)
{
	pthread_mutex_t *m;

	if ((m = malloc(sizeof(*m))) == NULL)
		kenvh_abort();
	pthread_mutex_init(m, NULL);
	return m;
}

void
kenvh_lock_destroy(void *m)
{
	pthread_mutex_destroy(m);
	free(m);
}

void
kenvh_lock(void *m)
{
	pthread_mutex_lock(m);
}

void
kenvh_unlock(void *m)
{
	pthread_mutex_unlock(m);
}

int
kenvh_trylock(void *m)
{
	return pthread_mutex_trylock(m) == 0;
}

unsigned long
kenvh_thread_id(void)
{
	/* Never 0, which marks an unowned mutex. */
	return (unsigned long)pthread_self() | 1;
}

/*
 * Thread exit hooks: one pthread key whose destructor calls the hook
 * the thread registered.
 */
struct kenvh_exit_hook {
	void	(*fn)(void *);
	void	*arg;
};

static pthread_key_t	kenvh_exit_key;
static pthread_once_t	kenvh_exit_once = PTHREAD_ONCE_INIT;

static void
kenvh_exit_run(void *p)
{
	struct kenvh_exit_hook *h = p;

	(*h->fn)(h->arg);
	free(h);
}

static void
kenvh_exit_key_create(void)
{
	if (pthread_key_create(&kenvh_exit_key, kenvh_exit_run) != 0)
		kenvh_abort();
}

void
kenvh_thread_exit_hook(void (*fn)(void *), void *arg)
{
	struct kenvh_exit_hook *h;

	pthread_once(&kenvh_exit_once, kenvh_exit_key_create);
	if ((h = malloc(sizeof(*h))) == NULL)
		kenvh_abort();
	h->fn = fn;
	h->arg = arg;
	if (pthread_setspecific(kenvh_exit_key, h) != 0)
		kenvh_abort();
}

/*
 * membarrier(2): the expedited private command interrupts every CPU
 * running a thread of this process, as NetBSD's cross call does; it
 * needs registering once.  Kernels without it get the global command,
 * which waits for every CPU to pass through the scheduler.
 */
static int	kenvh_mb_cmd;
static pthread_once_t	kenvh_mb_once = PTHREAD_ONCE_INIT;

static void
kenvh_membarrier_init(void)
{
	long cmds;

	cmds = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
	if (cmds > 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
	    syscall(SYS_membarrier,
	    MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0)
		kenvh_mb_cmd = MEMBARRIER_CMD_PRIVATE_EXPEDITED;
	else if (cmds > 0 && (cmds & MEMBARRIER_CMD_GLOBAL))
		kenvh_mb_cmd = MEMBARRIER_CMD_GLOBAL;
	else {
		fprintf(stderr, "kenv: membarrier(2) is not available "
		    "(%s): cross calls cannot be made\n",
		    cmds < 0 ? strerror(errno) : "no suitable command");
		kenvh_abort();
	}
}

void
kenvh_membarrier(void)
{
	pthread_once(&kenvh_mb_once, kenvh_membarrier_init);
	if (syscall(SYS_membarrier, kenvh_mb_cmd, 0, 0) != 0) {
		fprintf(stderr, "kenv: membarrier(2): %s\n", strerror(errno));
		kenvh_abort();
	}
}

void
kenvh_yield(void)
{
	sched_yield();
}

/* The C library's numbers, in the order of KENV_ERRNOS. */
#define KENVH_ERRNO(e)	e,
static const int kenvh_errnos[] = { KENV_ERRNOS(KENVH_ERRNO) };
#undef KENVH_ERRNO

unsigned
kenvh_errno_count(void)
{
	return sizeof(kenvh_errnos) / sizeof(kenvh_errnos[0]);
}

int
kenvh_errno(unsigned i)
{
	if (i >= kenvh_errno_count())
		kenvh_abort();
	return kenvh_errnos[i];
}

/* The first entry wins: Linux's ENOTSUP is its EOPNOTSUPP. */
int
kenvh_errno_index(int e)
{
	unsigned i;

	for (i = 0; i < kenvh_errno_count(); i++)
		if (kenvh_errnos[i] == e)
			return (int)i;
	return -1;
}
