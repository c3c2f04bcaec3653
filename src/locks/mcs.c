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
	/* acquire: pairs with the predecessor's release store of 0. */
	while (atomic_load_explicit(&node->locked, memory_order_acquire) != 0)
		usync_spin_pause(&spin);
}

void usync_mcs_unlock_slow(usync_mcs_t *lock, usync_mcs_node_t *node)
{
	/* The tail CAS failed: a successor swapped itself in but has not yet
	 * linked into node->next.  Wait for the link (a few instructions on
	 * its side, unless it was preempted in between). */
	usync_spin_t spin;
	usync_mcs_node_t *next;
	usync_spin_init(&spin, (usync_wait_policy_t)lock->policy);
	/* acquire: pairs with the successor's release store of our `next`. */
	while ((next = atomic_load_explicit(&node->next,
					    memory_order_acquire)) == NULL)
		usync_spin_pause(&spin);
	/* release: pairs with the successor's acquire load of `locked`;
	 * publishes the critical section. */
	atomic_store_explicit(&next->locked, 0, memory_order_release);
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

const struct usync_lock_ops usync_lock_ops_mcs = {
	"mcs", mcs_init, NULL, mcs_acquire, mcs_try_acquire, mcs_release,
};
