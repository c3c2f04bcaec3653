/*
 * src/barriers/tree.c - software combining tree barrier.  Algorithm, cost
 * and ordering contract: include/usync/tree_barrier.h (Yew, Tzeng & Lawrie
 * 1987; MCS'91 section 3.2, Algorithm 8).
 *
 * Layout: the nodes of level 0 (the leaves, thread i at leaf i / fanin)
 * come first, then level 1 (node j's parent is j / fanin of the next
 * level), and so on up to the single root.  The paper's recursion is
 * unrolled: a thread climbs while it is the last arriver at a node,
 * remembering the nodes it won, then releases them from the top down.
 */
#include "barrier_internal.h"

#include <limits.h>

/* Levels of a tree over 2^20 threads with fan-in 2, with room to spare. */
#define TREE_MAX_LEVELS 32

USYNC_STATIC_ASSERT(USYNC_BARRIER_MAX_THREADS <= (1u << (TREE_MAX_LEVELS - 2)),
		    "a thread's won-node path fits its stack array");

int usync_tree_barrier_init_fanin(usync_tree_barrier_t *b, unsigned nthreads,
				  unsigned fanin)
{
	if (b == NULL || nthreads == 0 ||
	    nthreads > USYNC_BARRIER_MAX_THREADS || fanin < 2 ||
	    fanin > (1u << 16))
		return EINVAL;

	/* Count the nodes: ceil(width / fanin) per level until one. */
	uint32_t nnodes = 0;
	uint32_t width = nthreads;
	do {
		width = (width + fanin - 1) / fanin;
		nnodes += width;
	} while (width > 1);

	usync_tree_barrier_node_t *nodes =
		usync_barrier_alloc_lines(nnodes, sizeof(*nodes));
	if (nodes == NULL)
		return ENOMEM;
	usync_tree_barrier_thread_t *threads =
		usync_barrier_alloc_lines(nthreads, sizeof(*threads));
	if (threads == NULL) {
		free(nodes);
		return ENOMEM;
	}

	/* Build level by level: `below` children (threads at level 0,
	 * nodes of the level below above it) grouped by fanin. */
	uint32_t offset = 0;
	uint32_t below = nthreads;
	for (;;) {
		uint32_t level_width = (below + fanin - 1) / fanin;
		uint32_t next_offset = offset + level_width;
		for (uint32_t j = 0; j < level_width; j++) {
			usync_tree_barrier_node_t *node = &nodes[offset + j];
			uint32_t first_child = j * fanin;
			uint32_t children = below - first_child;
			node->expected = children < fanin ? children : fanin;
			node->parent = level_width == 1
					       ? NULL
					       : &nodes[next_offset + j / fanin];
			/* relaxed: not shared yet; publication of the
			 * barrier orders these stores. */
			atomic_store_explicit(&node->count, 0,
					      memory_order_relaxed);
			atomic_store_explicit(&node->sense, 0,
					      memory_order_relaxed);
		}
		if (level_width == 1)
			break;
		below = level_width;
		offset = next_offset;
	}
	for (uint32_t i = 0; i < nthreads; i++) {
		threads[i].leaf = &nodes[i / fanin];
		threads[i].sense = 0; /* the first episode waits for 1 */
	}

	b->nodes = nodes;
	b->threads = threads;
	b->nthreads = nthreads;
	b->fanin = fanin;
	b->nnodes = nnodes;
	b->policy = (uint32_t)USYNC_WAIT_DEFAULT;
	return 0;
}

int usync_tree_barrier_init(usync_tree_barrier_t *b, unsigned nthreads)
{
	return usync_tree_barrier_init_fanin(b, nthreads,
					     USYNC_TREE_BARRIER_DEFAULT_FANIN);
}

void usync_tree_barrier_destroy(usync_tree_barrier_t *b)
{
	if (b == NULL)
		return;
	free(b->nodes);
	free(b->threads);
	b->nodes = NULL;
	b->threads = NULL;
}

int usync_tree_barrier_wait(usync_tree_barrier_t *b, unsigned thread_id)
{
	if (thread_id >= b->nthreads)
		return EINVAL;
	usync_tree_barrier_thread_t *self = &b->threads[thread_id];
	USYNC_BARRIER_DEBUG_ENTER(self);
	usync_wait_policy_t policy = (usync_wait_policy_t)b->policy;
	uint32_t sense = self->sense ^ 1u;
	self->sense = sense;

	usync_tree_barrier_node_t *won[TREE_MAX_LEVELS];
	uint32_t nwon = 0;
	usync_tree_barrier_node_t *node = self->leaf;
	for (;;) {
		/* acq_rel.  Release: publishes our writes, and all we
		 * acquired at the nodes below, to this node's last arriver.
		 * Acquire (for the last arriver): pairs with the release
		 * increments of the node's other children, made in
		 * usync_tree_barrier_wait, through their release sequence. */
		uint32_t arrived = atomic_fetch_add_explicit(
			&node->count, 1, memory_order_acq_rel);
		if (arrived != node->expected - 1) {
			usync_spin_t spin;
			usync_spin_init(&spin, policy);
			/* acquire (in usync_wait_until): pairs with the
			 * release exchange/store of this node's sense by its
			 * last arriver, below.  Under the park policy the
			 * node's waiters sleep on its sense word. */
			usync_wait_until(&node->sense, sense, &spin);
			break;
		}
		won[nwon++] = node;
		if (node->parent == NULL)
			break; /* last arriver at the root: all are here */
		node = node->parent;
	}

	/* Release the nodes we won, top down. */
	while (nwon > 0) {
		node = won[--nwon];
		/* relaxed: the release exchange/store of the node's sense
		 * orders the reset before the next episode's increments of
		 * this node: each comes from a thread below it, released
		 * (directly or through lower nodes) after this point. */
		atomic_store_explicit(&node->count, 0, memory_order_relaxed);
		/* release (an exchange under the park policy, a store
		 * otherwise): pairs with the acquire loads of the node's
		 * waiters above; carries everything acquired on the way up
		 * (or, from a node we waited at, on the way down).  Up to
		 * expected - 1 waiters sleep on this word, all now free to
		 * go: wake them all. */
		usync_wake_store(&node->sense, sense, policy, INT_MAX);
	}
	USYNC_BARRIER_DEBUG_EXIT(self);
	return 0;
}

static int tree_init(union usync_barrier_state *s, unsigned nthreads)
{
	return usync_tree_barrier_init(&s->tree, nthreads);
}

static void tree_destroy(union usync_barrier_state *s)
{
	usync_tree_barrier_destroy(&s->tree);
}

static int tree_wait(union usync_barrier_state *s, unsigned thread_id)
{
	return usync_tree_barrier_wait(&s->tree, thread_id);
}

static int tree_set_policy(union usync_barrier_state *s,
			   usync_wait_policy_t policy)
{
	return usync_tree_barrier_set_policy(&s->tree, policy);
}

const struct usync_barrier_ops usync_barrier_ops_tree = {
	"tree", tree_init, tree_destroy, tree_wait, tree_set_policy,
};
