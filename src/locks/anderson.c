/*
 * src/locks/anderson.c - Anderson array lock: slot allocation, contended
 * wait and generic adapter.  Algorithm, FIFO promise (arrival order) and
 * ordering contract: see include/usync/anderson.h (Anderson 1990; MCS'91
 * section 2.3).
 */
#include "lock_internal.h"

#include <stdlib.h>
#include <string.h>

int usync_anderson_init(usync_anderson_t *lock, unsigned capacity)
{
	if (lock == NULL || capacity == 0 || capacity > USYNC_LOCK_MAX_THREADS)
		return EINVAL;
	uint32_t slots = 1;
	while (slots < capacity)
		slots <<= 1;
	usync_anderson_slot_t *array = (usync_anderson_slot_t *)aligned_alloc(
		USYNC_CACHELINE, (size_t)slots * sizeof(*array));
	if (array == NULL)
		return ENOMEM;
	for (uint32_t i = 0; i < slots; i++)
		/* relaxed: not shared yet; publication of the lock orders
		 * these.  Slot i first grants ticket i; until then it holds
		 * ticket i - slots (the lap before), which no waiter wants.
		 * Slot 0 therefore starts by granting ticket 0. */
		atomic_store_explicit(&array[i].granted,
				      i == 0 ? 0u
					     : (i - slots) &
						       USYNC_ANDERSON_TICKET_MASK,
				      memory_order_relaxed);
	/* relaxed: as above. */
	atomic_store_explicit(&lock->next_slot, 0, memory_order_relaxed);
	lock->slots = array;
	lock->mask = slots - 1;
	lock->policy = USYNC_WAIT_DEFAULT;
#if USYNC_DEBUG_CHECKS
	lock->debug_capacity = capacity;
	/* relaxed: not shared yet. */
	atomic_store_explicit(&lock->debug_released, 0, memory_order_relaxed);
#endif
	return 0;
}

void usync_anderson_destroy(usync_anderson_t *lock)
{
	if (lock == NULL)
		return;
	free(lock->slots);
	lock->slots = NULL;
}

void usync_anderson_lock_slow(usync_anderson_t *lock, uint32_t slot,
			      uint32_t ticket)
{
	usync_spin_t spin;
	usync_spin_init(&spin, (usync_wait_policy_t)lock->policy);
	/* acquire (inside usync_wait_until): pairs with the release in
	 * usync_anderson_unlock that grants our ticket.  Parks on the slot,
	 * which only this waiter watches. */
	usync_wait_until(&lock->slots[slot].granted, ticket, &spin);
}

static int anderson_init(union usync_lock_state *s, unsigned max_threads)
{
	return usync_anderson_init(&s->anderson, max_threads);
}

static void anderson_destroy(union usync_lock_state *s)
{
	usync_anderson_destroy(&s->anderson);
}

static void anderson_acquire(union usync_lock_state *s, usync_lock_ctx_t *ctx)
{
	usync_anderson_lock(&s->anderson, &ctx->u.slot);
}

static bool anderson_try_acquire(union usync_lock_state *s,
				 usync_lock_ctx_t *ctx)
{
	return usync_anderson_trylock(&s->anderson, &ctx->u.slot);
}

static void anderson_release(union usync_lock_state *s, usync_lock_ctx_t *ctx)
{
	usync_anderson_unlock(&s->anderson, ctx->u.slot);
}

static int anderson_set_policy(union usync_lock_state *s, usync_wait_policy_t p)
{
	return usync_anderson_set_policy(&s->anderson, p);
}

const struct usync_lock_ops usync_lock_ops_anderson = {
	.name = "anderson",
	.init = anderson_init,
	.destroy = anderson_destroy,
	.acquire = anderson_acquire,
	.try_acquire = anderson_try_acquire,
	.release = anderson_release,
	.set_policy = anderson_set_policy,
};
