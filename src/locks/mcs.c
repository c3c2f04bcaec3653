/*
 * src/locks/mcs.c - MCS queue lock: contended acquire and release, generic
 * adapter.  Algorithm, FIFO promise (arrival order), context and ordering
 * contract: see include/usync/mcs.h (MCS'91 section 2.4, figure 5).
 */
#include "lock_internal.h"

void usync_mcs_lock_slow(usync_mcs_t *lock, usync_mcs_node_t *node,
			 usync_mcs_node_t *pred)
{
	usync_spin_t spin;
	/* release: pairs with the acquire load of `next` in the
	 * predecessor's usync_mcs_unlock, which then sees our node's
	 * initialisation (locked = 1) before it clears `locked`. */
	atomic_store_explicit(&pred->next, node, memory_order_release);
	usync_spin_init(&spin, (usync_wait_policy_t)lock->policy);
	/* acquire (inside usync_wait_while): pairs with the predecessor's
	 * release of 0 in usync_mcs_unlock; parks on our own node. */
	usync_wait_while(&node->locked, 1, &spin);
}

void usync_mcs_unlock_slow(usync_mcs_t *lock, usync_mcs_node_t *node)
{
	/* The tail CAS failed: a successor swapped itself in but has not yet
	 * linked into node->next.  Wait for the link (a few instructions on
	 * its side, unless it was preempted in between).  There is no word
	 * to park on here: under the park policy this wait yields. */
	usync_spin_t spin;
	usync_mcs_node_t *next;
	usync_spin_init(&spin, (usync_wait_policy_t)lock->policy);
	/* acquire: pairs with the successor's release store of our `next`. */
	while ((next = atomic_load_explicit(&node->next,
					    memory_order_acquire)) == NULL)
		usync_spin_pause(&spin);
	/* release: pairs with the successor's acquire load of `locked`;
	 * publishes the critical section, wakes the successor if parked. */
	usync_wake_store(&next->locked, 0, (usync_wait_policy_t)lock->policy,
			 1);
}

static int mcs_init(union usync_lock_state *s, unsigned max_threads)
{
	(void)max_threads;
	usync_mcs_init(&s->mcs);
	return 0;
}

static void mcs_acquire(union usync_lock_state *s, usync_lock_ctx_t *ctx)
{
	usync_mcs_lock(&s->mcs, &ctx->u.mcs);
}

static bool mcs_try_acquire(union usync_lock_state *s, usync_lock_ctx_t *ctx)
{
	return usync_mcs_trylock(&s->mcs, &ctx->u.mcs);
}

static void mcs_release(union usync_lock_state *s, usync_lock_ctx_t *ctx)
{
	usync_mcs_unlock(&s->mcs, &ctx->u.mcs);
}

static int mcs_set_policy(union usync_lock_state *s, usync_wait_policy_t p)
{
	return usync_mcs_set_policy(&s->mcs, p);
}

const struct usync_lock_ops usync_lock_ops_mcs = {
	.name = "mcs",
	.init = mcs_init,
	.destroy = NULL,
	.acquire = mcs_acquire,
	.try_acquire = mcs_try_acquire,
	.release = mcs_release,
	.set_policy = mcs_set_policy,
};
