/*
 * src/barriers/mcs.c - MCS'91 tree barrier (4-ary arrival, binary wakeup).
 * Algorithm, cost and ordering contract: include/usync/mcs_barrier.h
 * (MCS'91 section 3.5, Algorithm 11).
 *
 * Node i's state across one episode (child_not_ready, parent_sense):
 *   have_child, s'    -> children clear their bytes -> 0, s'
 *   0, s'             -> re-arm, clear our byte above -> have_child, s'
 *   have_child, s'    -> wakeup parent writes sense s -> have_child, s
 * where s is the episode's sense and s' the previous one.
 *
 * Park policy: a parent sleeps on its child_not_ready word; each child's
 * fetch_and also clears USYNC_PARKED (parent_mask lacks the bit) and wakes
 * the parent if the old value had it.  The flags are 1 per byte, so the
 * top bit is never a flag.  A parent woken while other children are still
 * missing sees a nonzero word and parks again; that costs at most one
 * futex_wake per child (up to 4 per parent per episode), against the
 * alternative of keeping the bit until the last clear, which the park
 * protocol of usync/spin.h does not allow.  A child sleeps on its
 * parent_sense word, which only its wakeup parent writes.
 */
#include "barrier_internal.h"

int usync_mcs_barrier_init(usync_mcs_barrier_t *b, unsigned nthreads)
{
	if (b == NULL || nthreads == 0 || nthreads > USYNC_BARRIER_MAX_THREADS)
		return EINVAL;
	usync_mcs_barrier_node_t *nodes =
		usync_barrier_alloc_lines(nthreads, sizeof(*nodes));
	if (nodes == NULL)
		return ENOMEM;
	for (uint32_t i = 0; i < nthreads; i++) {
		usync_mcs_barrier_node_t *node = &nodes[i];
		uint32_t have_child = 0;
		for (uint32_t j = 0; j < 4; j++)
			if (4 * i + j + 1 < nthreads)
				have_child |= 1u << (8 * j);
		node->have_child = have_child;
		if (i == 0) {
			node->parent_word = NULL;
			node->parent_mask = 0;
		} else {
			node->parent_word = &nodes[(i - 1) / 4].child_not_ready;
			/* clears our byte, and USYNC_PARKED (park
			 * protocol: the waker's RMW leaves it clear) */
			node->parent_mask = ~(0xffu << (8 * ((i - 1) % 4))) &
					    ~USYNC_PARKED;
		}
		node->child_sense[0] = 2 * i + 1 < nthreads
					       ? &nodes[2 * i + 1].parent_sense
					       : NULL;
		node->child_sense[1] = 2 * i + 2 < nthreads
					       ? &nodes[2 * i + 2].parent_sense
					       : NULL;
		node->sense = 1; /* the paper's: sense true, parentsense false */
		/* relaxed: not shared yet; publication of the barrier
		 * orders these stores. */
		atomic_store_explicit(&node->child_not_ready, have_child,
				      memory_order_relaxed);
		atomic_store_explicit(&node->parent_sense, 0,
				      memory_order_relaxed);
	}
	b->nodes = nodes;
	b->nthreads = nthreads;
	b->policy = (uint32_t)USYNC_WAIT_DEFAULT;
	return 0;
}

void usync_mcs_barrier_destroy(usync_mcs_barrier_t *b)
{
	if (b == NULL)
		return;
	free(b->nodes);
	b->nodes = NULL;
}

int usync_mcs_barrier_wait(usync_mcs_barrier_t *b, unsigned thread_id)
{
	if (thread_id >= b->nthreads)
		return EINVAL;
	usync_mcs_barrier_node_t *node = &b->nodes[thread_id];
	USYNC_BARRIER_DEBUG_ENTER(node);
	usync_wait_policy_t policy = (usync_wait_policy_t)b->policy;
	uint32_t sense = node->sense;
	usync_spin_t spin;

	/* Arrival: wait for our 4-ary children, i.e. until child_not_ready
	 * is 0 (usync_wait_until ignores the USYNC_PARKED bit we may have
	 * set in it).  acquire (in usync_wait_until): pairs with the
	 * children's release fetch_and on this word below; the final 0 is
	 * in the release sequence of each child's clear (our own park CAS
	 * being an RMW too), so we acquire all of them. */
	usync_spin_init(&spin, policy);
	usync_wait_until(&node->child_not_ready, 0, &spin);
	/* Re-arm for the next episode.  relaxed: the children clear their
	 * bytes again only after this episode's wakeup reaches them, which
	 * the release operations below (our clear, or as the root our
	 * wakeup exchanges/stores) order after this store.  The word is
	 * exactly 0 here: the last child's fetch_and cleared USYNC_PARKED
	 * and only we set it. */
	atomic_store_explicit(&node->child_not_ready, node->have_child,
			      memory_order_relaxed);

	if (node->parent_word != NULL) {
		/* release: pairs with the parent's acquire poll of its
		 * child_not_ready above; publishes our writes and our
		 * subtree's.  The mask also clears USYNC_PARKED, so the
		 * parent is woken (once, it alone sleeps there) if it had
		 * parked. */
		uint32_t old = atomic_fetch_and_explicit(node->parent_word,
							 node->parent_mask,
							 memory_order_release);
		usync_wake_after_rmw(node->parent_word, old, 1);
		usync_spin_init(&spin, policy);
		/* acquire (in usync_wait_until): pairs with the wakeup
		 * parent's release exchange/store of our parent_sense
		 * below.  Under the park policy we sleep on it. */
		usync_wait_until(&node->parent_sense, sense, &spin);
	}

	/* Wakeup: release our binary-tree children.  release (an exchange
	 * under the park policy, a store otherwise): pairs with their
	 * acquire polls of parent_sense above; carries everything the root
	 * acquired on arrival.  One waiter per word. */
	if (node->child_sense[0] != NULL)
		usync_wake_store(node->child_sense[0], sense, policy, 1);
	if (node->child_sense[1] != NULL)
		usync_wake_store(node->child_sense[1], sense, policy, 1);
	node->sense = sense ^ 1u;
	USYNC_BARRIER_DEBUG_EXIT(node);
	return 0;
}

static int mcs_init(union usync_barrier_state *s, unsigned nthreads)
{
	return usync_mcs_barrier_init(&s->mcs, nthreads);
}

static void mcs_destroy(union usync_barrier_state *s)
{
	usync_mcs_barrier_destroy(&s->mcs);
}

static int mcs_wait(union usync_barrier_state *s, unsigned thread_id)
{
	return usync_mcs_barrier_wait(&s->mcs, thread_id);
}

static int mcs_set_policy(union usync_barrier_state *s,
			  usync_wait_policy_t policy)
{
	return usync_mcs_barrier_set_policy(&s->mcs, policy);
}

const struct usync_barrier_ops usync_barrier_ops_mcs = {
	"mcs", mcs_init, mcs_destroy, mcs_wait, mcs_set_policy,
};
