/*
 * usync/mcs_tp.h - time-published MCS lock: a queue lock that passes over
 * waiters that are not running.
 *
 * Idea: B. He, W. N. Scherer III and M. L. Scott, "Preemption adaptivity in
 * time-published queue-based spin locks", HiPC 2005.  The queue is the MCS'91
 * list (section 2.4, figure 5): an arriving thread swaps its node into the
 * tail and links behind its predecessor.  While it waits it publishes, in
 * its node, the time it last ran (`stamp`), and 0 just before it gives its
 * core away (sched_yield or futex sleep).  The releaser reads the clock once
 * and walks the queue from its successor: a node whose stamp is 0 or older
 * than USYNC_MCS_TP_STALE_NS belongs to a thread that is not running, so the
 * releaser unlinks it and marks it REMOVED; the first node that is running
 * gets the lock.  If every waiter was passed over, the lock becomes free.  A
 * removed thread, when it next runs, sees REMOVED and enqueues again at the
 * tail.  A handoff thus goes to a thread that can use the lock now, instead
 * of leaving it idle until a descheduled successor gets a core back, which
 * is what a strict FIFO queue lock does under oversubscription.
 *
 * Departures from the paper: only the releaser changes a node's state (the
 * paper also lets a waiter time out and leave by itself), so a node needs no
 * CAS on its state and can live on the waiter's stack; a waiter that sleeps
 * (park policy) is never passed over but woken and granted, since waking it
 * to re-enqueue costs the same system call and loses its place; and the
 * holder does not publish its own time.
 *
 * States of a node (`state`, written by the releaser; USYNC_PARKED may be
 * or-ed in by its sleeping owner):
 *   WAITING -> GRANTED   the releaser handed over the lock
 *   WAITING -> REMOVED   the releaser passed over it; the owner re-enqueues
 *
 * FIFO: among waiters that keep running, yes (arrival order at the tail).
 * A waiter found descheduled at a release loses its place and re-enqueues,
 * so a thread that is rarely on a core can be overtaken any number of times
 * (as with pthread_mutex, and unlike the strict queue locks).
 * Context: a usync_mcs_tp_node_t per acquisition, owned by the caller, valid
 * from lock (or successful trylock) until unlock returns, as for MCS.
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
	 * read by the releaser in one pass, so they share one line. */
	USYNC_ALIGNED USYNC_ATOMIC(struct usync_mcs_tp_node *) next;
	USYNC_ATOMIC(uint32_t) state;
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

static inline void usync_mcs_tp_unlock(usync_mcs_tp_t *lock,
				       usync_mcs_tp_node_t *node)
{
	USYNC_DEBUG_NODE_RELEASE(lock, node);
	/* relaxed: only a hint which path to take; the slow path reads
	 * `next` again with acquire before it uses the successor. */
	if (USYNC_LIKELY(atomic_load_explicit(&node->next,
					      memory_order_relaxed) == NULL)) {
		usync_mcs_tp_node_t *expected = node;
		/* release: pairs with the acquire swap/CAS of the next
		 * arrival, publishing the critical section.  relaxed on
		 * failure: a successor is linking in; the slow path waits
		 * for it. */
		if (USYNC_LIKELY(usync_compare_and_swap(
			    &lock->tail, &expected,
			    (usync_mcs_tp_node_t *)NULL, memory_order_release,
			    memory_order_relaxed)))
			return;
	}
	usync_mcs_tp_unlock_slow(lock, node);
}

#ifdef __cplusplus
}
#endif

#endif /* USYNC_MCS_TP_H */
