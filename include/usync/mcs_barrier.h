/*
 * usync/mcs_barrier.h - Mellor-Crummey & Scott tree barrier.
 *
 * Algorithm: MCS'91 section 3.5, Algorithm 11 (the new tree-based
 * barrier).  Each thread owns one tree node.  Arrival runs up a 4-ary
 * tree: thread i's children are 4i+1 .. 4i+4; a node's `child_not_ready`
 * is one 32-bit word whose four bytes are its children's flags (the
 * paper's packed word), so the parent spins on one word, and each child
 * clears its own byte with fetch_and.  When its word reads zero a thread
 * re-arms it for the next episode and clears its byte in its parent's
 * word.  Wakeup runs down a binary tree: thread i wakes 2i+1 and 2i+2 by
 * writing their `parent_sense`.  Every spin location is statically
 * assigned and written only by the threads the tree names, so a thread
 * spins only on words in its own node.
 *
 * Departure from the paper: the bytes are cleared with an atomic
 * fetch_and on the whole word instead of a plain byte store (C11 has no
 * mixed-size atomics); the root and leaves skip the paper's `dummy`
 * pointers with a NULL test.
 *
 * Rounds per episode: about log4(3N) levels of arrival (the depth of the
 * 4-ary tree) + floor(log2 N) levels of wakeup.  Messages per episode: exactly 2(N - 1): N - 1 byte
 * clears and N - 1 wakeup writes, the theoretical minimum.  Spinning: on
 * the thread's own node only (local on a DSM machine with the node in the
 * thread's memory, and on one line per flag here).
 * Memory: two lines per thread: O(N).
 *
 * Park policy (USYNC_WAIT_PARK): a thread sleeps on the word it polls.  On
 * arrival that is its child_not_ready: each child's fetch_and also clears
 * USYNC_PARKED (the flags are 1 per byte, so the top bit is never a flag)
 * and wakes the parent (nwake 1) if it had parked; a parent woken before
 * its last child arrived parks again.  On wakeup it is its parent_sense,
 * which the wakeup parent writes with an exchange and a wake of its one
 * sleeper (nwake 1).
 *
 * Ordering contract: everything a thread wrote before entering episode e is
 * visible to every thread after it leaves episode e.  The byte clears are
 * release fetch_ands read by the parent's acquire polls of child_not_ready,
 * so the root has acquired every thread's writes; the wakeup writes are
 * releases (stores, or under the park policy exchanges) read by the
 * children's acquire polls of parent_sense, down the tree.
 *
 * Not guaranteed: a thread may not call wait with a thread_id another
 * thread is using (debug builds abort with "thread_id is already waiting
 * in this barrier" when the two calls overlap); set_policy must not run
 * while threads are in the barrier.
 */
#ifndef USYNC_MCS_BARRIER_H
#define USYNC_MCS_BARRIER_H

#include <usync/spin.h>
#include <errno.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef USYNC_BARRIER_MAX_THREADS
/* Most participants any usync barrier accepts at init. */
#define USYNC_BARRIER_MAX_THREADS (1u << 20)
#endif

typedef struct usync_mcs_barrier_node {
	/* Byte j is nonzero while arrival child 4i+1+j has not arrived this
	 * episode; written by those children, polled by the owner. */
	USYNC_ALIGNED USYNC_ATOMIC(uint32_t) child_not_ready;
	uint32_t have_child;  /* the mask child_not_ready is re-armed to */
	uint32_t parent_mask; /* ~(our byte | USYNC_PARKED), parent's word */
	USYNC_ATOMIC(uint32_t) *parent_word; /* NULL at the root */
	/* Written by the wakeup parent (i - 1) / 2, polled by the owner. */
	USYNC_ALIGNED USYNC_ATOMIC(uint32_t) parent_sense;
	uint32_t sense; /* the owner's private sense; only it touches this */
	/* The wakeup children's parent_sense words, NULL where absent. */
	USYNC_ATOMIC(uint32_t) *child_sense[2];
#if USYNC_DEBUG_CHECKS
	/* 1 while a thread is in wait with this thread_id (misuse check);
	 * zeroed at init, fits in the line's padding. */
	USYNC_ATOMIC(uint32_t) debug_inside;
#endif
} usync_mcs_barrier_node_t;

USYNC_STATIC_ASSERT(sizeof(usync_mcs_barrier_node_t) == 2 * USYNC_CACHELINE,
		    "an MCS barrier node is an arrival line and a wakeup line");

typedef struct usync_mcs_barrier {
	/* Read-only after init. */
	usync_mcs_barrier_node_t *nodes; /* one per thread */
	uint32_t nthreads;
	uint32_t policy;
} usync_mcs_barrier_t;

/* Initialise for exactly nthreads participants.  0, EINVAL (NULL b,
 * nthreads 0 or above USYNC_BARRIER_MAX_THREADS) or ENOMEM; nothing is
 * allocated on failure.  The policy is USYNC_WAIT_DEFAULT. */
USYNC_API int usync_mcs_barrier_init(usync_mcs_barrier_t *b,
				     unsigned nthreads);
/* Free the barrier's memory; no thread may be inside it.  NULL: no-op. */
USYNC_API void usync_mcs_barrier_destroy(usync_mcs_barrier_t *b);
/* Wait for all nthreads participants (see the ordering contract above).
 * thread_id must be distinct per participant, in [0, nthreads).  Returns
 * 0, or EINVAL at once, touching nothing, if thread_id >= nthreads. */
USYNC_API int usync_mcs_barrier_wait(usync_mcs_barrier_t *b,
				     unsigned thread_id);

/* Set the waiting policy; call while no thread is in the barrier.
 * 0, or EINVAL for an unknown policy. */
static inline int usync_mcs_barrier_set_policy(usync_mcs_barrier_t *b,
					       usync_wait_policy_t policy)
{
	return usync_wait_policy_set(&b->policy, policy);
}

#ifdef __cplusplus
}
#endif

#endif /* USYNC_MCS_BARRIER_H */
