/*
 * usync/clh.h - Craig / Landin-Hagersten queue lock, with trylock.
 *
 * Algorithm: T. S. Craig, "Building FIFO and priority-queuing spin locks from
 * atomic swap", TR 93-02-02, U. Washington, 1993; P. Magnusson, A. Landin and
 * E. Hagersten, "Queue locks on cache coherent multiprocessors", IPPS 1994.
 * An arriving thread marks its node WAITING, swaps it into the tail, and spins
 * on its predecessor's node until that turns GRANTED.  Unlock is one store
 * (GRANTED to the releaser's own node); the releaser then takes over its
 * predecessor's node for its next acquisition (node recycling), because its
 * own node is still read by its successor.
 *
 * Trylock (which the classic algorithm lacks).  trylock enqueues only when
 * the tail node reads GRANTED, with compare_and_swap on the tail.  Between
 * that read and the CAS the tail node can be dequeued, recycled and enqueued
 * again by another thread (ABA), in which case the CAS succeeds behind a
 * node that is WAITING.  The trylock then abandons its node in the style of
 * Scott & Scherer's CLH-try (PPoPP 2001): it stores into its node the index
 * of the node to wait on instead, takes a fresh node from the lock's pool,
 * and fails.  The successor follows the redirection and returns the abandoned
 * node to the pool.  Nodes are allocated per lock at init and freed only at
 * destroy, so reading a stale tail's state is always a read of live memory.
 *
 * Timed acquisition (usync_clh_timedlock) leaves the queue the same way
 * when the deadline passes: the waiter redirects its node to the one it
 * waited on and continues with a fresh node; see src/locks/clh.c for the
 * node count, and what a leaver does when the pool is empty.
 *
 * FIFO: yes for lock and timedlock, in order of the swap on the tail;
 * leavers drop out and the others keep their order.
 * Context: usync_clh_ctx_t, the node a thread enqueues next plus, while the
 * lock is held, the predecessor node it inherits.  Obtain one per thread with
 * usync_clh_ctx_init and keep it across acquisitions.
 * Ordering: a waiter's acquire load of its predecessor's state reads the
 * release store of GRANTED in usync_clh_unlock.  The swap is acq_rel: release
 * publishes our WAITING to the successor, acquire makes the predecessor's
 * WAITING visible before we poll it.
 * Memory: two lines for the lock plus (2 * max_threads + 1) nodes of one line.
 */
#ifndef USYNC_CLH_H
#define USYNC_CLH_H

#include <usync/spin.h>
#include <errno.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Node states.  A value USYNC_CLH_REDIRECT + i marks an abandoned node
 * whose successor must wait on the lock's node i instead.  The top bit
 * (USYNC_PARKED) is set by a successor sleeping on the node. */
#define USYNC_CLH_GRANTED 0u
#define USYNC_CLH_WAITING 1u
#define USYNC_CLH_REDIRECT 2u

typedef struct usync_clh_node {
	USYNC_ALIGNED USYNC_ATOMIC(uint32_t) state;
	USYNC_ATOMIC(uint32_t) next_free; /* pool link while in the pool */
	/* Where the thread that enqueued this node in a slow path runs, and
	 * the node it waits behind: a hint for its successor
	 * (usync_spin_extend; src/locks/clh.c). */
	USYNC_ATOMIC(uint32_t) cpu;
} usync_clh_node_t;

USYNC_STATIC_ASSERT(sizeof(usync_clh_node_t) == USYNC_CACHELINE,
		    "a CLH node fills exactly one cache line");

typedef struct usync_clh {
	USYNC_ALIGNED USYNC_ATOMIC(usync_clh_node_t *) tail;
	/* Pool of free nodes: a stack of indices, (tag << 32) | (index + 1),
	 * the tag bumped by every push and pop against ABA. */
	USYNC_ALIGNED USYNC_ATOMIC(uint64_t) pool;
	usync_clh_node_t *nodes;
	uint32_t nnodes;
	uint32_t policy;
	/* Contexts from usync_clh_ctx_init not yet destroyed, at most
	 * (nnodes - 1) / 2 = max_threads: the rest of the pool is the
	 * reserve that abandoning trylocks draw on. */
	USYNC_ATOMIC(uint32_t) live_contexts;
#if USYNC_DEBUG_CHECKS
	USYNC_ATOMIC(usync_clh_node_t *) debug_holder; /* holder's own node */
#endif
} usync_clh_t;

typedef struct usync_clh_ctx {
	usync_clh_node_t *node; /* enqueued by the next lock/trylock */
	usync_clh_node_t *pred; /* while held: the node acquired behind */
} usync_clh_ctx_t;

/* Debug builds: check a context entering an acquisition.  relaxed (all
 * debug state): diagnostics, ordered by the lock itself. */
static inline void usync_clh_debug_enter(usync_clh_t *lock,
					 const usync_clh_ctx_t *ctx)
{
#if USYNC_DEBUG_CHECKS
	USYNC_CHECK(ctx->node != NULL,
		    "context not initialised (usync_clh_ctx_init)");
	USYNC_CHECK(atomic_load_explicit(&lock->debug_holder,
					 memory_order_relaxed) != ctx->node,
		    "context already holds this lock");
#else
	(void)lock;
	(void)ctx;
#endif
}

/* Initialise for up to max_threads threads holding a context at once; 0,
 * EINVAL (NULL lock, max_threads 0 or above USYNC_LOCK_MAX_THREADS)
 * or ENOMEM. */
USYNC_API int usync_clh_init(usync_clh_t *lock, unsigned max_threads);
/* Free every node.  The lock must be free; contexts die with it. */
USYNC_API void usync_clh_destroy(usync_clh_t *lock);
/* Give the calling thread a node of this lock; 0, EINVAL (NULL argument),
 * or EAGAIN when max_threads contexts are already live (ctx untouched). */
USYNC_API int usync_clh_ctx_init(usync_clh_t *lock, usync_clh_ctx_t *ctx);
/* Return the context's node to the lock (the lock must not be held with
 * this context). */
USYNC_API void usync_clh_ctx_destroy(usync_clh_t *lock, usync_clh_ctx_t *ctx);

USYNC_API void usync_clh_lock_slow(usync_clh_t *lock, usync_clh_ctx_t *ctx,
				   usync_clh_node_t *pred);
USYNC_API bool usync_clh_trylock_slow(usync_clh_t *lock,
				      usync_clh_ctx_t *ctx);
USYNC_API bool usync_clh_trylock_queued(usync_clh_t *lock,
					usync_clh_ctx_t *ctx,
					usync_clh_node_t *pred);
USYNC_API int usync_clh_timedlock_slow(usync_clh_t *lock,
				       usync_clh_ctx_t *ctx,
				       usync_clh_node_t *pred,
				       const struct timespec *abstime);

static inline int usync_clh_set_policy(usync_clh_t *lock,
				       usync_wait_policy_t policy)
{
	return usync_wait_policy_set(&lock->policy, policy);
}

static inline void usync_clh_lock(usync_clh_t *lock, usync_clh_ctx_t *ctx)
{
	usync_clh_debug_enter(lock, ctx);
	usync_clh_node_t *node = ctx->node;
	/* relaxed: published by the release half of the swap below. */
	atomic_store_explicit(&node->state, USYNC_CLH_WAITING,
			      memory_order_relaxed);
	/* acq_rel: release publishes WAITING to the successor whose swap
	 * returns our node; acquire pairs with the predecessor's swap so
	 * that its WAITING, not an older GRANTED, is what we poll. */
	usync_clh_node_t *pred = usync_fetch_and_store(&lock->tail, node,
						       memory_order_acq_rel);
	/* acquire: pairs with the release of GRANTED in unlock.  GRANTED
	 * never carries USYNC_PARKED (it is written by an exchange). */
	if (USYNC_LIKELY(atomic_load_explicit(&pred->state,
					      memory_order_acquire) ==
			 USYNC_CLH_GRANTED)) {
		ctx->pred = pred;
	} else {
		usync_clh_lock_slow(lock, ctx, pred);
	}
#if USYNC_DEBUG_CHECKS
	atomic_store_explicit(&lock->debug_holder, node, memory_order_relaxed);
#endif
}

/* true if acquired.  Does not wait for the holder: when the lock is held it
 * fails, and a trylock that lost the tail race abandons its node and
 * continues with a spare one from the pool.  The pool has one as long as at
 * most max_threads contexts exist (usync_clh_ctx_init refuses more) and
 * timed waiters' abandoned nodes are passed in time; in the schedules where
 * they are not, the trylock keeps its place until a node comes back (see
 * the node count in src/locks/clh.c). */
static inline bool usync_clh_trylock(usync_clh_t *lock, usync_clh_ctx_t *ctx)
{
	usync_clh_debug_enter(lock, ctx);
	/* relaxed (both loads): a guess at whether the lock is free; the CAS
	 * validates the tail and the acquire load after it decides.  Nodes
	 * are never freed while the lock lives, so the read is safe. */
	usync_clh_node_t *tail =
		atomic_load_explicit(&lock->tail, memory_order_relaxed);
	if (atomic_load_explicit(&tail->state, memory_order_relaxed) !=
	    USYNC_CLH_GRANTED)
		return usync_clh_trylock_slow(lock, ctx);
	usync_clh_node_t *node = ctx->node;
	/* relaxed: published by the release half of the CAS. */
	atomic_store_explicit(&node->state, USYNC_CLH_WAITING,
			      memory_order_relaxed);
	/* acq_rel on success, as the swap in usync_clh_lock; relaxed on
	 * failure: we did not enqueue and acquired nothing. */
	if (!usync_compare_and_swap(&lock->tail, &tail, node,
				    memory_order_acq_rel,
				    memory_order_relaxed))
		return false;
	/* acquire: pairs with the release store of GRANTED in unlock. */
	if (USYNC_LIKELY(atomic_load_explicit(&tail->state,
					      memory_order_acquire) ==
			 USYNC_CLH_GRANTED)) {
		ctx->pred = tail;
#if USYNC_DEBUG_CHECKS
		atomic_store_explicit(&lock->debug_holder, node,
				      memory_order_relaxed);
#endif
		return true;
	}
	return usync_clh_trylock_queued(lock, ctx, tail);
}

/*
 * Acquire before abstime (absolute, CLOCK_MONOTONIC): 0 when acquired,
 * ETIMEDOUT when not, EINVAL for a NULL or malformed abstime.  Enqueues as
 * usync_clh_lock does; a waiter whose deadline passes leaves the queue
 * (CLH-try): it redirects its node to the node it was waiting on, so that its
 * successor, or the next arrival, waits there instead, and takes a fresh node
 * from the pool.  ctx is then ready for the next acquisition, and the others
 * keep their order.  A deadline already past still acquires a free lock.
 * Costs one clock read per USYNC_DEADLINE_POLLS failed polls; a timeout
 * costs a pool pop, and the successor a pool push.
 */
static inline int usync_clh_timedlock(usync_clh_t *lock, usync_clh_ctx_t *ctx,
				      const struct timespec *abstime)
{
	if (USYNC_UNLIKELY(!usync_abstime_valid(abstime)))
		return EINVAL;
	usync_clh_debug_enter(lock, ctx);
	usync_clh_node_t *node = ctx->node;
	/* relaxed: published by the release half of the swap below. */
	atomic_store_explicit(&node->state, USYNC_CLH_WAITING,
			      memory_order_relaxed);
	/* acq_rel: as the swap in usync_clh_lock. */
	usync_clh_node_t *pred = usync_fetch_and_store(&lock->tail, node,
						       memory_order_acq_rel);
	/* acquire: pairs with the release of GRANTED in unlock. */
	if (USYNC_LIKELY(atomic_load_explicit(&pred->state,
					      memory_order_acquire) ==
			 USYNC_CLH_GRANTED)) {
		ctx->pred = pred;
#if USYNC_DEBUG_CHECKS
		atomic_store_explicit(&lock->debug_holder, node,
				      memory_order_relaxed);
#endif
		return 0;
	}
	return usync_clh_timedlock_slow(lock, ctx, pred, abstime);
}

static inline void usync_clh_unlock(usync_clh_t *lock, usync_clh_ctx_t *ctx)
{
	usync_clh_node_t *node = ctx->node;
#if USYNC_DEBUG_CHECKS
	USYNC_CHECK(atomic_load_explicit(&lock->debug_holder,
					 memory_order_relaxed) == node,
		    "unlock with a context that does not hold the lock");
	atomic_store_explicit(&lock->debug_holder, (usync_clh_node_t *)NULL,
			      memory_order_relaxed);
#endif
	/* Recycle: the predecessor's node is ours now; our own node belongs
	 * to our successor (or to the next arrival). */
	ctx->node = ctx->pred;
	/* release: pairs with the successor's acquire load of our state;
	 * publishes the critical section and wakes the successor if it
	 * parked.  Nothing touches ctx after it. */
	usync_wake_store(&node->state, USYNC_CLH_GRANTED,
			 (usync_wait_policy_t)lock->policy, 1);
}

#ifdef __cplusplus
}
#endif

#endif /* USYNC_CLH_H */
