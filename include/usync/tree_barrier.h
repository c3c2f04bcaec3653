/*
 * usync/tree_barrier.h - software combining tree barrier.
 *
 * Algorithm: P.-C. Yew, N.-F. Tzeng and D. H. Lawrie, "Distributing
 * hot-spot addressing in large-scale multiprocessors", IEEE TC 36(4), 1987;
 * MCS'91 section 3.2, Algorithm 8.  The threads are split into groups of
 * `fanin` at the leaves of a tree of counters; each node expects as many
 * arrivals as it has children.  A thread increments its leaf's counter; the
 * last to arrive at a node climbs to the parent and increments that, and so
 * on; the others spin on their node's sense flag.  The last arriver at the
 * root has seen every thread arrive: it walks back down the nodes it won,
 * resetting each node's counter and then flipping its sense, which releases
 * that node's waiters, who do the same for the nodes they won.
 *
 * The counter of a node is reset before its sense is flipped (the count
 * reset race of the centralized barrier, one node at a time).
 *
 * Rounds per episode: ceil(log_fanin N) levels up and down.  Messages per
 * episode: about N * fanin / (fanin - 1) counter increments (N at the
 * leaves, N / fanin at the next level, ...) plus one sense flip per node.
 * Spinning: at most fanin - 1 threads share a node's sense line (not a
 * per-thread flag); the counters spread the hot spot over the nodes.
 * Memory: two lines per node (counter, sense), about N / (fanin - 1)
 * nodes, + one line per thread for its private sense.
 *
 * Park policy (USYNC_WAIT_PARK): a node's waiters sleep on its sense
 * word; the winner publishes the new sense with an exchange and wakes them
 * all (nwake INT_MAX; at most fanin - 1 sleep there, all now free to go).
 *
 * Default fan-in 4 (USYNC_TREE_BARRIER_DEFAULT_FANIN); see docs/barriers.md
 * for the measurement.
 *
 * Ordering contract: everything a thread wrote before entering episode e is
 * visible to every thread after it leaves episode e.  Each increment is
 * acq_rel: release publishes the climber's writes (and all it acquired
 * below) to the node's last arriver, whose increment acquires them; the
 * root's last arriver has acquired everything; each sense flip is a
 * release (a store, or under the park policy an exchange) read by the
 * node's waiters' acquire loads, down the tree.
 *
 * Not guaranteed: a thread may not call wait with a thread_id another
 * thread is using (debug builds abort with "thread_id is already waiting
 * in this barrier" when the two calls overlap); set_policy must not run
 * while threads are in the barrier.
 */
#ifndef USYNC_TREE_BARRIER_H
#define USYNC_TREE_BARRIER_H

#include <usync/spin.h>
#include <errno.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef USYNC_BARRIER_MAX_THREADS
/* Most participants any usync barrier accepts at init. */
#define USYNC_BARRIER_MAX_THREADS (1u << 20)
#endif

#define USYNC_TREE_BARRIER_DEFAULT_FANIN 4u

typedef struct usync_tree_barrier_node {
	/* Arrivals at this node this episode; written by every child. */
	USYNC_ALIGNED USYNC_ATOMIC(uint32_t) count;
	uint32_t expected; /* children of this node; read-only after init */
	struct usync_tree_barrier_node *parent; /* NULL at the root */
	/* Flipped once per episode by the node's winner; its waiters spin
	 * (or sleep) on it.  Values 0 and 1: the top bit is USYNC_PARKED's. */
	USYNC_ALIGNED USYNC_ATOMIC(uint32_t) sense;
} usync_tree_barrier_node_t;

USYNC_STATIC_ASSERT(sizeof(usync_tree_barrier_node_t) == 2 * USYNC_CACHELINE,
		    "a combining-tree node is a counter line and a sense line");

/* Per-thread private state, one line each, indexed by thread_id. */
typedef struct usync_tree_barrier_thread {
	USYNC_ALIGNED usync_tree_barrier_node_t *leaf; /* read-only */
	uint32_t sense; /* written and read by its owner only */
#if USYNC_DEBUG_CHECKS
	/* 1 while a thread is in wait with this thread_id (misuse check);
	 * zeroed at init, fits in the line's padding. */
	USYNC_ATOMIC(uint32_t) debug_inside;
#endif
} usync_tree_barrier_thread_t;

USYNC_STATIC_ASSERT(sizeof(usync_tree_barrier_thread_t) == USYNC_CACHELINE,
		    "one tree-barrier thread record per cache line");

typedef struct usync_tree_barrier {
	/* Everything here is read-only after init. */
	usync_tree_barrier_node_t *nodes;
	usync_tree_barrier_thread_t *threads;
	uint32_t nthreads;
	uint32_t fanin;
	uint32_t nnodes;
	uint32_t policy;
} usync_tree_barrier_t;

/* Initialise for exactly nthreads participants with the default fan-in.
 * 0, EINVAL (NULL b, nthreads 0 or above USYNC_BARRIER_MAX_THREADS) or
 * ENOMEM; nothing is allocated on failure.  Policy USYNC_WAIT_DEFAULT. */
USYNC_API int usync_tree_barrier_init(usync_tree_barrier_t *b,
				      unsigned nthreads);
/* As init, with `fanin` children per node: EINVAL also if fanin < 2 or
 * above 2^16. */
USYNC_API int usync_tree_barrier_init_fanin(usync_tree_barrier_t *b,
					    unsigned nthreads,
					    unsigned fanin);
/* Free the barrier's memory; no thread may be inside it.  NULL: no-op. */
USYNC_API void usync_tree_barrier_destroy(usync_tree_barrier_t *b);
/* Wait for all nthreads participants (see the ordering contract above).
 * thread_id must be distinct per participant, in [0, nthreads).  Returns
 * 0, or EINVAL at once, touching nothing, if thread_id >= nthreads. */
USYNC_API int usync_tree_barrier_wait(usync_tree_barrier_t *b,
				      unsigned thread_id);

/* Set the waiting policy; call while no thread is in the barrier.
 * 0, or EINVAL for an unknown policy. */
static inline int usync_tree_barrier_set_policy(usync_tree_barrier_t *b,
						usync_wait_policy_t policy)
{
	return usync_wait_policy_set(&b->policy, policy);
}

#ifdef __cplusplus
}
#endif

#endif /* USYNC_TREE_BARRIER_H */
