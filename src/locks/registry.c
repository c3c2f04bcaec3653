/*
 * src/locks/registry.c - the one name -> algorithm table of the generic lock
 * API, and the API's functions (dispatch through struct usync_lock_ops).
 */
#include "lock_internal.h"

#include <stdlib.h>
#include <string.h>

#define OPS_ENTRY(name) &usync_lock_ops_##name,
#define NAME_ENTRY(name) #name,

static const struct usync_lock_ops *const registry[] = {
	USYNC_LOCK_REGISTRY(OPS_ENTRY)
};

#define NALGORITHMS (sizeof(registry) / sizeof(registry[0]))

static const char *const names[NALGORITHMS + 1] = {
	USYNC_LOCK_REGISTRY(NAME_ENTRY) NULL,
};

const char *const *usync_lock_algorithms(void)
{
	return names;
}

int usync_lock_create(usync_lock_t **out, const char *algorithm,
		      unsigned max_threads)
{
	if (out == NULL || algorithm == NULL || max_threads == 0 ||
	    max_threads > USYNC_LOCK_MAX_THREADS)
		return EINVAL;
	const struct usync_lock_ops *ops = NULL;
	for (size_t i = 0; i < NALGORITHMS; i++)
		if (strcmp(registry[i]->name, algorithm) == 0)
			ops = registry[i];
	if (ops == NULL)
		return EINVAL;
	size_t size = (sizeof(usync_lock_t) + USYNC_CACHELINE - 1) /
		      USYNC_CACHELINE * USYNC_CACHELINE;
	usync_lock_t *lock = (usync_lock_t *)aligned_alloc(USYNC_CACHELINE,
							   size);
	if (lock == NULL)
		return ENOMEM;
	lock->ops = ops;
	int err = ops->init(&lock->state, max_threads);
	if (err != 0) {
		free(lock);
		return err;
	}
	*out = lock;
	return 0;
}

void usync_lock_destroy(usync_lock_t *lock)
{
	if (lock == NULL)
		return;
	if (lock->ops->destroy != NULL)
		lock->ops->destroy(&lock->state);
	free(lock);
}

void usync_lock_acquire(usync_lock_t *lock, usync_lock_ctx_t *ctx)
{
	lock->ops->acquire(&lock->state, ctx);
}

bool usync_lock_try_acquire(usync_lock_t *lock, usync_lock_ctx_t *ctx)
{
	return lock->ops->try_acquire(&lock->state, ctx);
}

void usync_lock_release(usync_lock_t *lock, usync_lock_ctx_t *ctx)
{
	lock->ops->release(&lock->state, ctx);
}

int usync_lock_set_policy(usync_lock_t *lock, usync_wait_policy_t policy)
{
	if (lock == NULL)
		return EINVAL;
	return lock->ops->set_policy(&lock->state, policy);
}

const char *usync_lock_name(const usync_lock_t *lock)
{
	return lock->ops->name;
}
