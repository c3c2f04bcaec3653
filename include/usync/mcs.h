/*
 * usync/mcs.h - Mellor-Crummey & Scott list-based queue lock.
 *
 * Algorithm: MCS'91 section 2.4, figure 5 (J. M. Mellor-Crummey and M. L.
 * Scott, ACM TOCS 9(1), 1991).  Each acquisition brings a queue node.  An
 * arriving thread swaps its node into the lock's tail; if there was a
 * predecessor it links itself behind it and spins on a flag in its own node,
 * which only its predecessor writes.  The releaser hands the lock to its
 * successor by clearing that flag, or, with no successor, swings the tail
 * back to NULL with compare_and_swap.  Every waiter spins on a line of its
 * own, and each handoff is one line transfer.
 *
 * Timed acquisition (usync_mcs_timedlock) abandons the queue by unlinking
 * before it returns, after the unqueue of Linux's optimistic spin queue
 * (kernel/locking/osq_lock.c) and in the spirit of Scott and Scherer's
 * MCS-try ("Scalable queue-based spin locks with timeout", PPoPP 2001).
 * Both rely on nodes that outlive the call (per-CPU nodes in osq, which
 * read a predecessor that may have left); here nodes live on the caller's
 * stack, so every access to a neighbour's node is covered by a handshake
 * on the accessor's own `prev` word: a leaver takes its `prev` (exchange
 * with NULL) before it touches its predecessor, and a predecessor that
 * rewrites a taken `prev` (to grant or to relink) waits for the leaver's
 * `ack` before it returns.  A releaser claims its successor with a CAS
 * of its own `next` from it to NULL, which the leaver's same CAS
 * races against: whichever comes first decides whether the waiter gets
 * the lock or leaves.  See src/locks/mcs.c and docs/memory-ordering.md
 * section 12.5.
 *
 * FIFO: yes, in order of the swap on the tail; a waiter that times out
 * leaves its place, and those behind it keep their order.
 * Context: a usync_mcs_node_t per acquisition, owned by the caller; it may
 * live on the caller's stack and must stay valid from lock (or successful
 * trylock or timedlock) until unlock returns, or until timedlock returns
 * ETIMEDOUT.  The library does not touch it afterwards.
 * Ordering: a waiter's acquire load of its `locked` flag reads the
 * predecessor's release store in unlock; an uncontended lock's acquire swap
 * (or trylock's CAS) reads the previous holder's release CAS of the tail.
 * Memory: the lock is one pointer (+ policy); each node is one cache line.
 */
#ifndef USYNC_MCS_H
#define USYNC_MCS_H

#include <usync/spin.h>
#include <errno.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct usync_mcs_node {
	/* next and locked are written once per acquisition by a neighbour
	 * (next by the successor, locked by the predecessor) and polled by
	 * the owner; they share the owner's line as in MCS'91.  prev and ack
	 * serve the unlink of a timed waiter (src/locks/mcs.c): prev is the
	 * predecessor, or NULL while the owner, leaving, works on it, or
	 * the grant mark; ack is set by a leaving successor when it is done
	 * with this node.  Both are set up in the contended paths only.
	 * next carries USYNC_MCS_NEXT_UNTIMED when the successor never
	 * leaves. */
	USYNC_ALIGNED USYNC_ATOMIC(struct usync_mcs_node *) next;
	USYNC_ATOMIC(struct usync_mcs_node *) prev;
	USYNC_ATOMIC(uint32_t) locked; /* 1 while the owner must wait */
	USYNC_ATOMIC(uint32_t) ack;    /* 1: the successor let go of us */
	/* The lock's policy, copied by the owner once it has the tail line
	 * (after its swap), so that the unlock's handoff reads nothing of
	 * the lock: the next arrival's swap may have taken that line. */
	uint32_t policy;
	/* The handoff to a running waiter (usync/spin.h, src/locks/mcs.c).
	 * hint: owner only; nonzero when the owner's own wait spent a spin
	 * budget, so that its unlock passes the CPU hint on.  cpu: the
	 * owner's CPU + 1 when its contended wait began (0: not known).
	 * pred_held: the CPU + 1 of the predecessor once it holds the lock,
	 * written by that predecessor's own predecessor as it grants it. */
	uint32_t hint;
	USYNC_ATOMIC(uint32_t) cpu;
	USYNC_ATOMIC(uint32_t) pred_held;
} usync_mcs_node_t;

USYNC_STATIC_ASSERT(sizeof(usync_mcs_node_t) == USYNC_CACHELINE,
		    "an MCS node fills exactly one cache line");

typedef struct usync_mcs {
	USYNC_ATOMIC(usync_mcs_node_t *) tail; /* NULL when free */
	uint32_t policy;
#if USYNC_DEBUG_CHECKS
	USYNC_ATOMIC(void *) debug_holder; /* see USYNC_DEBUG_NODE_ENTER */
#endif
} usync_mcs_t;

#if USYNC_DEBUG_CHECKS
#define USYNC_MCS_INITIALIZER                                                  \
	{ USYNC_ATOMIC_INIT(NULL), USYNC_DEFAULT_WAIT_POLICY,                  \
	  USYNC_ATOMIC_INIT(NULL) }
#else
#define USYNC_MCS_INITIALIZER                                                  \
	{ USYNC_ATOMIC_INIT(NULL), USYNC_DEFAULT_WAIT_POLICY }
#endif

/* The low bit of a node's `next` (nodes are cache-line aligned): the
 * successor queued with usync_mcs_lock, never leaves, and may be handed
 * the lock with MCS'91's one store, without the claim that guards a timed
 * waiter's unlink (src/locks/mcs.c). */
#define USYNC_MCS_NEXT_UNTIMED ((uintptr_t)1)

static inline usync_mcs_node_t *usync_mcs_untag(usync_mcs_node_t *next)
{
	return (usync_mcs_node_t *)((uintptr_t)next &
				    ~USYNC_MCS_NEXT_UNTIMED);
}

USYNC_API void usync_mcs_lock_slow(usync_mcs_t *lock, usync_mcs_node_t *node,
				   usync_mcs_node_t *pred);
USYNC_API void usync_mcs_unlock_slow(usync_mcs_t *lock,
				     usync_mcs_node_t *node);
USYNC_API int usync_mcs_timedlock_slow(usync_mcs_t *lock,
				       usync_mcs_node_t *node,
				       const struct timespec *abstime);

static inline void usync_mcs_init(usync_mcs_t *lock)
{
	/* relaxed: not shared yet; publication orders it. */
	atomic_store_explicit(&lock->tail, (usync_mcs_node_t *)NULL,
			      memory_order_relaxed);
	lock->policy = USYNC_WAIT_DEFAULT;
#if USYNC_DEBUG_CHECKS
	atomic_store_explicit(&lock->debug_holder, (void *)NULL,
			      memory_order_relaxed);
#endif
}

static inline int usync_mcs_set_policy(usync_mcs_t *lock,
				       usync_wait_policy_t policy)
{
	return usync_wait_policy_set(&lock->policy, policy);
}

static inline void usync_mcs_node_prepare(usync_mcs_node_t *node)
{
	/* relaxed: the node is private until the swap/CAS on the tail, whose
	 * release publishes these stores to the successor that links to it
	 * and to the predecessor that later clears `locked`. */
	atomic_store_explicit(&node->next, (usync_mcs_node_t *)NULL,
			      memory_order_relaxed);
	atomic_store_explicit(&node->locked, 1, memory_order_relaxed);
	node->hint = 0;
	/* relaxed: a hint (src/locks/mcs.c), written only after a successor
	 * has linked in behind this node's successor. */
	atomic_store_explicit(&node->pred_held, 0, memory_order_relaxed);
}

/* true if acquired (the queue was empty).  Never waits. */
static inline bool usync_mcs_trylock(usync_mcs_t *lock, usync_mcs_node_t *node)
{
	usync_mcs_node_t *expected = NULL;
	USYNC_DEBUG_NODE_ENTER(lock, node);
	usync_mcs_node_prepare(node);
	/* acq_rel on success: acquire pairs with the release CAS in
	 * usync_mcs_unlock of the previous holder; release publishes the
	 * node's initialisation to the successor whose swap reads it.
	 * relaxed on failure: nothing acquired, nothing published. */
	bool acquired = usync_compare_and_swap(&lock->tail, &expected, node,
					       memory_order_acq_rel,
					       memory_order_relaxed);
	node->policy = lock->policy;
	if (acquired)
		USYNC_DEBUG_NODE_ACQUIRED(lock, node);
	else
		USYNC_DEBUG_NODE_FAILED(node);
	return acquired;
}

static inline void usync_mcs_lock(usync_mcs_t *lock, usync_mcs_node_t *node)
{
	USYNC_DEBUG_NODE_ENTER(lock, node);
	usync_mcs_node_prepare(node);
	/* acq_rel: release publishes the node's initialisation to our
	 * successor; acquire pairs with the previous holder's release CAS in
	 * unlock when the queue was empty. */
	usync_mcs_node_t *pred = usync_fetch_and_store(&lock->tail, node,
						       memory_order_acq_rel);
	node->policy = lock->policy;
	if (USYNC_UNLIKELY(pred != NULL))
		usync_mcs_lock_slow(lock, node, pred);
	USYNC_DEBUG_NODE_ACQUIRED(lock, node);
}

/*
 * Lock, waiting no later than abstime (absolute CLOCK_MONOTONIC): 0 when
 * acquired, ETIMEDOUT when the deadline passed first, EINVAL for a NULL
 * abstime or a tv_nsec outside [0, 10^9) (node untouched).  A deadline
 * already past makes it a trylock: the node is not enqueued.  A waiter
 * whose deadline passes unlinks itself from the queue before it returns:
 * it may wait for a neighbour that is itself in the middle of an unlock
 * or a leave (a few instructions of lock code), never for the holder's
 * critical section; if its predecessor was handing it the lock at that
 * moment it takes the lock and returns 0.  After ETIMEDOUT the node is
 * the caller's again.  Cost: uncontended, as trylock; a timed waiter's
 * enqueue writes two more words of its own node.
 */
static inline int usync_mcs_timedlock(usync_mcs_t *lock, usync_mcs_node_t *node,
				      const struct timespec *abstime)
{
	if (USYNC_UNLIKELY(!usync_abstime_valid(abstime)))
		return EINVAL;
	usync_mcs_node_t *expected = NULL;
	USYNC_DEBUG_NODE_ENTER(lock, node);
	usync_mcs_node_prepare(node);
	/* acq_rel on success, relaxed on failure: as in usync_mcs_trylock. */
	node->policy = lock->policy;
	if (USYNC_LIKELY(usync_compare_and_swap(&lock->tail, &expected, node,
						memory_order_acq_rel,
						memory_order_relaxed))) {
		USYNC_DEBUG_NODE_ACQUIRED(lock, node);
		return 0;
	}
	int rc = usync_mcs_timedlock_slow(lock, node, abstime);
	if (rc == 0)
		USYNC_DEBUG_NODE_ACQUIRED(lock, node);
	else
		USYNC_DEBUG_NODE_FAILED(node);
	return rc;
}

static inline void usync_mcs_unlock(usync_mcs_t *lock, usync_mcs_node_t *node)
{
	USYNC_DEBUG_NODE_RELEASE(lock, node);
	/* acquire: pairs with an untimed successor's release link in
	 * usync_mcs_lock_slow, so that its node's initialisation (locked = 1)
	 * comes before our store below.  A timed successor is claimed with
	 * an acquire CAS in the slow path; a NULL is confirmed by the CAS
	 * below. */
	usync_mcs_node_t *next =
		atomic_load_explicit(&node->next, memory_order_acquire);
	if (USYNC_LIKELY(next == NULL)) {
		usync_mcs_node_t *expected = node;
		/* release: pairs with the acquire swap/CAS of the next
		 * arrival; publishes the critical section.  acquire: the tail
		 * we find may be the one a timed-out successor swung back to
		 * us as it left (claim_next in src/locks/mcs.c), and its
		 * accesses to our node must happen before we return (the
		 * caller may reuse it).  The same instruction as a release
		 * CAS on x86 and one ordering bit on Armv8 (casal).  relaxed
		 * on failure: a successor is linking in, handled below. */
		if (USYNC_LIKELY(usync_compare_and_swap(
			    &lock->tail, &expected, (usync_mcs_node_t *)NULL,
			    memory_order_acq_rel, memory_order_relaxed)))
			return;
	} else if ((uintptr_t)next & USYNC_MCS_NEXT_UNTIMED
#if USYNC_SPIN_EXTEND_MAX
		   /* After a long wait of our own (oversubscription), the
		    * slow path also hands the CPU hint on. */
		   && USYNC_LIKELY(node->hint == 0)
#endif
	) {
		/* An untimed successor: it never leaves, so its node stays
		 * queued behind ours and nobody else writes our next.
		 * release (in usync_wake_store): pairs with its acquire load
		 * of `locked`; publishes the critical section, wakes it if it
		 * parked.  MCS'91's one store. */
		usync_wake_store(&usync_mcs_untag(next)->locked, 0,
				 (usync_wait_policy_t)node->policy, 1);
		return;
	}
	/* A timed successor, which may be leaving right now, or one still
	 * linking in: claim it and hand it the lock. */
	usync_mcs_unlock_slow(lock, node);
}

#ifdef __cplusplus
}
#endif

#endif /* USYNC_MCS_H */
