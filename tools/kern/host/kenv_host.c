/*
 * The host bridge of the userland kernel environment: libc and
 * pthreads behind the interface of kenv_host.h.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

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
