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

int usync_lock_acquire_until(usync_lock_t *lock, usync_lock_ctx_t *ctx,
			     const struct timespec *abstime)
{
	if (!usync_abstime_valid(abstime))
		return EINVAL;
	return lock->ops->acquire_until(&lock->state, ctx, abstime);
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

#if USYNC_DEBUG_CHECKS
/*
 * What each algorithm can tell about its holder (all loads relaxed: debug
 * state, read by the thread that should be the holder, whose own writes
 * of it, or the acquire that made it the holder, order them).  The
 * test-and-set family and the ticket lock only know that someone holds
 * the lock; anderson, mcs, mcs_tp and clh know through which context.
 */
bool usync_lock_held_debug(const usync_lock_t *lock,
			   const usync_lock_ctx_t *ctx)
{
	const struct usync_lock_ops *ops = lock->ops;
	const union usync_lock_state *s = &lock->state;
	if (ops == &usync_lock_ops_tas)
		return atomic_load_explicit(&s->tas.locked,
					    memory_order_relaxed) != 0;
	if (ops == &usync_lock_ops_ttas)
		return atomic_load_explicit(&s->ttas.locked,
					    memory_order_relaxed) != 0;
	if (ops == &usync_lock_ops_backoff)
		return atomic_load_explicit(&s->backoff.locked,
					    memory_order_relaxed) != 0;
	if (ops == &usync_lock_ops_ticket)
		return atomic_load_explicit(&s->ticket.next_ticket,
					    memory_order_relaxed) !=
		       atomic_load_explicit(&s->ticket.now_serving,
					    memory_order_relaxed);
	if (ops == &usync_lock_ops_anderson) {
		uint32_t released = atomic_load_explicit(
			&s->anderson.debug_released, memory_order_relaxed);
		return atomic_load_explicit(&s->anderson.next_slot,
					    memory_order_relaxed) != released &&
		       ctx->u.slot == (released & s->anderson.mask);
	}
	if (ops == &usync_lock_ops_mcs)
		return atomic_load_explicit(&s->mcs.debug_holder,
					    memory_order_relaxed) ==
		       (const void *)&ctx->u.mcs;
	if (ops == &usync_lock_ops_mcs_tp)
		return atomic_load_explicit(&s->mcs_tp.debug_holder,
					    memory_order_relaxed) ==
		       (const void *)&ctx->u.mcs_tp;
	if (ops == &usync_lock_ops_clh)
		return atomic_load_explicit(&s->clh.debug_holder,
					    memory_order_relaxed) ==
		       ctx->u.clh.node;
	return true;
}
#endif
