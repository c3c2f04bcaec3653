/*
 * usync/mcs_tp.h - time-published MCS lock: a queue lock that passes over
 * waiters that are not running.
 *
 * Idea: B. He, W. N. Scherer III and M. L. Scott, "Preemption adaptivity in
 * time-published queue-based spin locks", HiPC 2005.  The queue is the MCS'91
 * list (section 2.4, figure 5): an arriving thread swaps its node into the
 * tail and links behind its predecessor.  While it waits it publishes, in
 * its node, the time it last ran (`stamp`), and 0 just before it gives its
 * core away (sched_yield or futex sleep).  The releaser claims its
 * successor, reads the clock (again after any wait for a link) and walks
 * the queue from there: a node whose stamp is 0 or older
 * than USYNC_MCS_TP_STALE_NS belongs to a thread that is not running, so the
 * releaser unlinks it and marks it REMOVED; the first node that is running
 * gets the lock.  If every waiter was passed over, the lock becomes free.  A
 * removed thread, when it next runs, sees REMOVED and enqueues again at the
 * tail.  A handoff thus goes to a thread that can use the lock now, instead
 * of leaving it idle until a descheduled successor gets a core back, which
 * is what a strict FIFO queue lock does under oversubscription.
 *
 * Departures from the paper: only the releaser changes a node's state, so
 * a node needs no CAS on its state and can live on the waiter's stack (the
 * paper's timed-out waiter marks its node and leaves it for others to
 * reclaim; here a timed waiter unlinks itself before it returns, see
 * below); a waiter that sleeps
 * (park policy) is never passed over but woken and granted, since waking it
 * to re-enqueue costs the same system call and loses its place; and the
 * holder does not publish its own time.
 *
 * States of a node (`state`, written by the releaser; USYNC_PARKED may be
 * or-ed in by its sleeping owner):
 *   WAITING -> GRANTED   the releaser handed over the lock
 *   WAITING -> REMOVED   the releaser passed over it; the owner re-enqueues
 *                        (or, timed and past its deadline, returns
 *                        ETIMEDOUT)
 *
 * Timed acquisition (usync_mcs_tp_timedlock): a waiter whose deadline
 * passes while it is linked unlinks itself before it returns, with the
 * discipline of the MCS lock's leave (include/usync/mcs.h, after Linux's
 * osq_lock.c and Scott and Scherer's MCS-try, PPoPP 2001): the edge to the
 * predecessor is decided by a CAS of the predecessor's `next` (claim or
 * detach), and a node touches a neighbour's node only after taking its
 * own `prev` with an exchange, which whoever rewrites it (the releaser: to
 * grant, or to pass over; a leaving predecessor: to relink) answers by
 * waiting for the toucher's `ack`.  The releaser's walk claims each node
 * it reaches, and lets go of a passed-over node (REMOVED) only once the
 * next one can no longer touch it.  A leaver that finds it has been
 * passed over simply waits for REMOVED (a few instructions away) and
 * returns ETIMEDOUT.  See src/locks/mcs_tp.c and docs/memory-ordering.md
 * section 12.6.
 *
 * FIFO: among waiters that keep running, yes (arrival order at the tail).
 * A waiter found descheduled at a release loses its place and re-enqueues,
 * so a thread that is rarely on a core can be overtaken any number of times
 * (as with pthread_mutex, and unlike the strict queue locks).
 * Context: a usync_mcs_tp_node_t per acquisition, owned by the caller, valid
 * from lock (or successful trylock or timedlock) until unlock returns, or
 * until timedlock returns ETIMEDOUT, as for MCS.
 * Ordering: a granted waiter's acquire load of `state` reads the releaser's
 * release store of GRANTED; an arrival that finds the queue empty reads,
 * with its acquire swap (or trylock's CAS), the release CAS of the tail by
 * which the last holder emptied it.  See docs/memory-ordering.md.
 * Memory: the lock is one pointer (+ policy); each node is one cache line.
 */
#ifndef USYNC_MCS_TP_H
#define USYNC_MCS_TP_H

#include <usync/spin.h>
#include <errno.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A waiter whose published time is older than this is taken to be
 * descheduled.  A running waiter republishes every few polls (well under a
 * microsecond); a preempted one is off its core for a scheduler slice
 * (milliseconds).  2 us sits between the two with room for an interrupt. */
#ifndef USYNC_MCS_TP_STALE_NS
#define USYNC_MCS_TP_STALE_NS 2000
#endif

/* The stamp of a waiter that has linked in and not yet read the clock; it
 * counts as running.  No CLOCK_MONOTONIC reading comes near it.  (A waiter
 * preempted in those few instructions is granted as in plain MCS.) */
#define USYNC_MCS_TP_ARRIVING UINT64_MAX

#define USYNC_MCS_TP_GRANTED 0u
#define USYNC_MCS_TP_WAITING 1u
#define USYNC_MCS_TP_REMOVED 2u

typedef struct usync_mcs_tp_node {
	/* next: written once per enqueue by the successor.  state: written
	 * by the releaser.  stamp: written by the owner while it waits.  All
	 * read by the releaser in one pass, so they share one line.  prev and
	 * ack serve the unlink of a timed waiter and the releaser's claim
	 * (src/locks/mcs_tp.c): prev is the predecessor, NULL while the
	 * owner, leaving, works on it, or the releaser's decision; ack is set
	 * by a successor when it no longer touches this node. */
	USYNC_ALIGNED USYNC_ATOMIC(struct usync_mcs_tp_node *) next;
	USYNC_ATOMIC(struct usync_mcs_tp_node *) prev;
	USYNC_ATOMIC(uint32_t) state;
	USYNC_ATOMIC(uint32_t) ack;
	/* CLOCK_MONOTONIC ns when the owner last ran; 0 while it yields or
	 * sleeps. */
	USYNC_ATOMIC(uint64_t) stamp;
} usync_mcs_tp_node_t;

USYNC_STATIC_ASSERT(sizeof(usync_mcs_tp_node_t) == USYNC_CACHELINE,
		    "a time-published MCS node fills exactly one cache line");

typedef struct usync_mcs_tp {
	USYNC_ATOMIC(usync_mcs_tp_node_t *) tail; /* NULL when free */
	uint32_t policy;
#if USYNC_DEBUG_CHECKS
	USYNC_ATOMIC(void *) debug_holder; /* see USYNC_DEBUG_NODE_ENTER */
#endif
} usync_mcs_tp_t;

#if USYNC_DEBUG_CHECKS
#define USYNC_MCS_TP_INITIALIZER                                               \
	{ USYNC_ATOMIC_INIT(NULL), USYNC_DEFAULT_WAIT_POLICY,                  \
	  USYNC_ATOMIC_INIT(NULL) }
#else
#define USYNC_MCS_TP_INITIALIZER                                               \
	{ USYNC_ATOMIC_INIT(NULL), USYNC_DEFAULT_WAIT_POLICY }
#endif

USYNC_API void usync_mcs_tp_lock_slow(usync_mcs_tp_t *lock,
				      usync_mcs_tp_node_t *node,
				      usync_mcs_tp_node_t *pred);
USYNC_API void usync_mcs_tp_unlock_slow(usync_mcs_tp_t *lock,
					usync_mcs_tp_node_t *node);
USYNC_API int usync_mcs_tp_timedlock_slow(usync_mcs_tp_t *lock,
					  usync_mcs_tp_node_t *node,
					  const struct timespec *abstime);

static inline void usync_mcs_tp_init(usync_mcs_tp_t *lock)
{
	/* relaxed: not shared yet; publication orders it. */
	atomic_store_explicit(&lock->tail, (usync_mcs_tp_node_t *)NULL,
			      memory_order_relaxed);
	lock->policy = USYNC_WAIT_DEFAULT;
#if USYNC_DEBUG_CHECKS
	atomic_store_explicit(&lock->debug_holder, (void *)NULL,
			      memory_order_relaxed);
#endif
}

static inline int usync_mcs_tp_set_policy(usync_mcs_tp_t *lock,
					  usync_wait_policy_t policy)
{
	return usync_wait_policy_set(&lock->policy, policy);
}

static inline void usync_mcs_tp_node_prepare(usync_mcs_tp_node_t *node)
{
	/* relaxed: the node is private until the swap/CAS on the tail (and,
	 * for the releaser, the release store that links it behind its
	 * predecessor), which publish these stores.  A removed node is
	 * prepared again only after the owner's acquire load of REMOVED,
	 * which follows the releaser's last access to it. */
	atomic_store_explicit(&node->next, (usync_mcs_tp_node_t *)NULL,
			      memory_order_relaxed);
	atomic_store_explicit(&node->state, USYNC_MCS_TP_WAITING,
			      memory_order_relaxed);
}

/* true if acquired (the queue was empty).  Never waits. */
static inline bool usync_mcs_tp_trylock(usync_mcs_tp_t *lock,
					usync_mcs_tp_node_t *node)
{
	usync_mcs_tp_node_t *expected = NULL;
	USYNC_DEBUG_NODE_ENTER(lock, node);
	usync_mcs_tp_node_prepare(node);
	/* acq_rel on success: acquire pairs with the release CAS that
	 * emptied the queue (usync_mcs_tp_unlock or its slow path); release
	 * publishes the node's initialisation to the next arrival.  relaxed
	 * on failure: nothing acquired, nothing published. */
	bool acquired = usync_compare_and_swap(&lock->tail, &expected, node,
					       memory_order_acq_rel,
					       memory_order_relaxed);
	if (acquired)
		USYNC_DEBUG_NODE_ACQUIRED(lock, node);
	else
		USYNC_DEBUG_NODE_FAILED(node);
	return acquired;
}

static inline void usync_mcs_tp_lock(usync_mcs_tp_t *lock,
				     usync_mcs_tp_node_t *node)
{
	USYNC_DEBUG_NODE_ENTER(lock, node);
	usync_mcs_tp_node_prepare(node);
	/* acq_rel: release publishes the node's initialisation to our
	 * successor; acquire pairs with the release CAS that emptied the
	 * queue when we find it empty. */
	usync_mcs_tp_node_t *pred = usync_fetch_and_store(
		&lock->tail, node, memory_order_acq_rel);
	if (USYNC_UNLIKELY(pred != NULL))
		usync_mcs_tp_lock_slow(lock, node, pred);
	USYNC_DEBUG_NODE_ACQUIRED(lock, node);
}

/*
 * Lock, waiting no later than abstime (absolute CLOCK_MONOTONIC): 0 when
 * acquired, ETIMEDOUT when the deadline passed first, EINVAL for a NULL
 * abstime or a tv_nsec outside [0, 10^9) (node untouched).  A deadline
 * already past makes it a trylock: the node is not enqueued.  A waiter
 * whose deadline passes unlinks itself before it returns, waiting at
 * most for a neighbour in the middle of an unlock or a leave, never for
 * the holder's critical section; if the releaser was handing it the lock
 * at that moment it takes it and returns 0.  A timed waiter that is
 * passed over re-enqueues while its deadline has not passed.  After
 * ETIMEDOUT the node is the caller's again.
 */
static inline int usync_mcs_tp_timedlock(usync_mcs_tp_t *lock,
					 usync_mcs_tp_node_t *node,
					 const struct timespec *abstime)
{
	if (USYNC_UNLIKELY(!usync_abstime_valid(abstime)))
		return EINVAL;
	usync_mcs_tp_node_t *expected = NULL;
	USYNC_DEBUG_NODE_ENTER(lock, node);
	usync_mcs_tp_node_prepare(node);
	/* acq_rel on success, relaxed on failure: as in usync_mcs_tp_trylock. */
	if (USYNC_LIKELY(usync_compare_and_swap(&lock->tail, &expected, node,
						memory_order_acq_rel,
						memory_order_relaxed))) {
		USYNC_DEBUG_NODE_ACQUIRED(lock, node);
		return 0;
	}
	int rc = usync_mcs_tp_timedlock_slow(lock, node, abstime);
	if (rc == 0)
		USYNC_DEBUG_NODE_ACQUIRED(lock, node);
	else
		USYNC_DEBUG_NODE_FAILED(node);
	return rc;
}

static inline void usync_mcs_tp_unlock(usync_mcs_tp_t *lock,
				       usync_mcs_tp_node_t *node)
{
	USYNC_DEBUG_NODE_RELEASE(lock, node);
	/* relaxed: only a hint which path to take; the slow path claims
	 * the successor with an acquire CAS before it uses it. */
	if (USYNC_LIKELY(atomic_load_explicit(&node->next,
					      memory_order_relaxed) == NULL)) {
		usync_mcs_tp_node_t *expected = node;
		/* release: pairs with the acquire swap/CAS of the next
		 * arrival, publishing the critical section.  acquire: the
		 * tail may be one a timed-out successor swung back to us as
		 * it left (src/locks/mcs_tp.c), whose accesses to our node
		 * must happen before we return; the same instruction as a
		 * release CAS on x86.  relaxed on failure: a successor is
		 * linking in; the slow path waits for it. */
		if (USYNC_LIKELY(usync_compare_and_swap(
			    &lock->tail, &expected,
			    (usync_mcs_tp_node_t *)NULL, memory_order_acq_rel,
			    memory_order_relaxed)))
			return;
	}
	usync_mcs_tp_unlock_slow(lock, node);
}

#ifdef __cplusplus
}
#endif

#endif /* USYNC_MCS_TP_H */
