/*
 * src/cond/cond.c - the condition variable (usync/cond.h): one wait
 * function for every lock, and signal and broadcast.
 *
 * Each waiter brings a node on its stack; the condition variable keeps
 * the nodes in a FIFO, doubly linked so that a waiter that times out can
 * leave from the middle, under the guard (a test-and-set lock inside the
 * condition variable).  The node's state word is the waiter's futex word
 * and the one place where a waker and a timing-out waiter settle who got
 * there first:
 *
 *   0            waiting, on the list
 *   TAKEN        a signal or broadcast took it off the list (under the
 *                guard, fetch_or) and will store WOKEN
 *   TIMED_OUT    the waiter gave up first (fetch_or); it stays on the list
 *                until its owner takes it off, and wakers pass it over
 *   WOKEN        the waker is done with the node (exchange, release); the
 *                last store any other thread makes to it
 *   USYNC_PARKED set by the waiter before it sleeps (spin.h's protocol):
 *                the WOKEN exchange reads it and wakes the sleeper
 *
 * TAKEN and TIMED_OUT are set by RMWs on the one word, so the word's
 * modification order decides: whichever bit is set first wins, the other
 * side sees it in the old value.  A waiter whose node was TAKEN waits,
 * without deadline, for WOKEN (the waker may still hold a pointer to its
 * stack) and returns 0: the signal is never lost to a timeout.
 *
 * broadcast takes every waiting node off the list at once and links the
 * nodes through chain_next, oldest first; it wakes the first, and every
 * woken waiter wakes its chain_next once it holds the caller's lock again.
 * It visits each node under the guard (to settle each one's TAKEN against
 * a timeout), so the guard is held for O(waiters) steps, but makes one
 * wake-up; the rest are spread over the waiters, one per re-acquisition.
 * A node taken by a broadcast waits for WOKEN like any taken node, so a
 * deadline that passes while a waiter is in the chain does not break it.
 *
 * Ordering (docs/memory-ordering.md, "Condition variable"): the list is
 * ordered by the guard; the node's fields written by a waker (its removal
 * from the list, chain_next) are published by the WOKEN exchange's
 * release to the waiter's acquire load, which also makes the node's stack
 * memory the waiter's alone again.  The TAKEN and TIMED_OUT RMWs and the
 * PARKED CAS are relaxed: they decide, they publish nothing (the guard
 * or the WOKEN exchange does).
 */
#include "../locks/lock_internal.h"

#include <time.h>

enum {
	COND_TAKEN = 1u,
	COND_TIMED_OUT = 2u,
	COND_WOKEN = 4u,
};

struct usync_cond_waiter {
	USYNC_ATOMIC(uint32_t) state; /* the futex word, see above */
	/* The list links, under the guard while on the list. */
	struct usync_cond_waiter *prev;
	struct usync_cond_waiter *next;
	/* broadcast: the waiter this one wakes after relocking; NULL for
	 * none.  Written under the guard by broadcast, read by the owner
	 * after its acquire of WOKEN. */
	struct usync_cond_waiter *chain_next;
};

int usync_cond_init(usync_cond_t *cond)
{
	if (cond == NULL)
		return EINVAL;
	usync_tas_init(&cond->guard);
	/* The guard is held for a few pointer writes: yield to a preempted
	 * holder, never sleep for it. */
	cond->guard.policy = USYNC_WAIT_YIELD;
	/* relaxed: not shared yet; publishing the cond orders it. */
	atomic_store_explicit(&cond->head, (struct usync_cond_waiter *)NULL,
			      memory_order_relaxed);
	cond->tail = NULL;
	return 0;
}

void usync_cond_destroy(usync_cond_t *cond)
{
	if (cond == NULL)
		return;
	/* relaxed: a debug check; the caller must have ordered the waiters'
	 * exits (their guard sections) before the destroy anyway. */
	USYNC_CHECK(atomic_load_explicit(&cond->head, memory_order_relaxed) ==
			    NULL,
		    "destroy of a condition variable with waiters");
}

/* ------------------------------------------- the list, under the guard */

static void list_append(usync_cond_t *cond, struct usync_cond_waiter *w)
{
	w->next = NULL;
	w->prev = cond->tail;
	if (cond->tail != NULL)
		cond->tail->next = w;
	else
		/* relaxed: ordered by the guard for readers under it; the
		 * peek in usync_cond_signal/broadcast needs no more (see
		 * there). */
		atomic_store_explicit(&cond->head, w, memory_order_relaxed);
	cond->tail = w;
}

static void list_remove(usync_cond_t *cond, struct usync_cond_waiter *w)
{
	if (w->prev != NULL)
		w->prev->next = w->next;
	else
		/* relaxed: as in list_append. */
		atomic_store_explicit(&cond->head, w->next,
				      memory_order_relaxed);
	if (w->next != NULL)
		w->next->prev = w->prev;
	else
		cond->tail = w->prev;
}

/* Take w for a wake-up unless its waiter timed out first; under the
 * guard.  true if taken (and removed from the list). */
static bool take(usync_cond_t *cond, struct usync_cond_waiter *w)
{
	/* relaxed: decides against the waiter's fetch_or of TIMED_OUT in
	 * cond_wait by the word's modification order; the data the waiter
	 * needs is published by waiter_wake's release. */
	uint32_t old = atomic_fetch_or_explicit(&w->state, COND_TAKEN,
						memory_order_relaxed);
	if (old & COND_TIMED_OUT)
		return false; /* its owner removes it */
	list_remove(cond, w);
	return true;
}

/* ------------------------------------------------- sleeping and waking */

/* The waker's last store to a taken node; after it the node's owner may
 * return and its stack be reused. */
static void waiter_wake(struct usync_cond_waiter *w)
{
	/* release: pairs with the acquire load in waiter_sleep; publishes
	 * the node's removal and its chain_next (and, along a broadcast
	 * chain, every earlier link's writes).  The exchange reads the
	 * PARKED bit that the waiter's CAS may have set. */
	uint32_t old = atomic_exchange_explicit(&w->state, COND_WOKEN,
						memory_order_release);
	/* The address only names the futex: if the owner has already
	 * returned, the wake is at worst spurious for whatever sleeps
	 * there now, and every usync wait tolerates that. */
	if (old & USYNC_PARKED)
		usync_futex_wake(&w->state, 1);
}

/*
 * Sleep until WOKEN: 0.  With a deadline d, ETIMEDOUT once it has passed,
 * unless the node is already TAKEN (then the wake-up is coming and is
 * waited for).  The park protocol of usync/spin.h, without the spinning.
 */
static int waiter_sleep(struct usync_cond_waiter *w, usync_deadline_t *d)
{
	for (;;) {
		/* acquire: pairs with the release exchange in waiter_wake. */
		uint32_t v = atomic_load_explicit(&w->state,
						  memory_order_acquire);
		if (v & COND_WOKEN)
			return 0;
		if (!(v & USYNC_PARKED)) {
			/* relaxed: the bit only asks the waker for a
			 * futex_wake (as in usync_park); a failed CAS (a
			 * TAKEN or WOKEN in between) re-reads. */
			if (!atomic_compare_exchange_strong_explicit(
				    &w->state, &v, v | USYNC_PARKED,
				    memory_order_relaxed, memory_order_relaxed))
				continue;
			v |= USYNC_PARKED;
		}
		if (d != NULL && !(v & COND_TAKEN)) {
			/* The clock is read too, so a futex that returns at
			 * once (EINTR, or no FUTEX_WAIT_BITSET under an
			 * emulator) still ends the wait on time. */
			if (usync_futex_wait_until(&w->state, v, d->abstime) ==
				    ETIMEDOUT ||
			    usync_deadline_passed(d))
				return ETIMEDOUT;
		} else {
			usync_futex_wait(&w->state, v);
		}
	}
}

/* ---------------------------------------------------------- the waits */

typedef void (*cond_lock_fn)(void *lock, void *ctx);

/*
 * The one wait: every public wait calls this with its lock's unlock and
 * relock.  abstime NULL for no deadline.
 */
static int cond_wait(usync_cond_t *cond, cond_lock_fn unlock,
		     cond_lock_fn relock, void *lock, void *ctx,
		     const struct timespec *abstime)
{
	/* The deadline helper of usync/spin.h, as every timed wait uses. */
	usync_deadline_t deadline, *d = NULL;
	if (abstime != NULL) {
		usync_deadline_init(&deadline, abstime);
		d = &deadline;
		if (usync_deadline_passed(d))
			return ETIMEDOUT; /* as if released and re-acquired */
	}
	struct usync_cond_waiter w;
	/* relaxed: w is private until the guard's release publishes it. */
	atomic_store_explicit(&w.state, 0, memory_order_relaxed);
	w.chain_next = NULL;
	usync_tas_lock(&cond->guard);
	list_append(cond, &w);
	usync_tas_unlock(&cond->guard);
	/* On the list before the lock is released: a signal ordered after
	 * this release by the lock finds w. */
	unlock(lock, ctx);
	int rc = waiter_sleep(&w, d);
	if (rc == ETIMEDOUT) {
		/* relaxed: decides against take()'s fetch_or of TAKEN by
		 * the word's modification order. */
		uint32_t old = atomic_fetch_or_explicit(
			&w.state, COND_TIMED_OUT, memory_order_relaxed);
		if (old & (COND_TAKEN | COND_WOKEN)) {
			/* Signalled first: wait for the waker to let go of
			 * w, and report the signal. */
			waiter_sleep(&w, NULL);
			rc = 0;
		} else {
			/* Ours to remove: wakers pass a TIMED_OUT node. */
			usync_tas_lock(&cond->guard);
			list_remove(cond, &w);
			usync_tas_unlock(&cond->guard);
		}
	}
	relock(lock, ctx);
	/* A broadcast chain goes on once we hold the lock, so the next
	 * waiter queues for it behind us rather than with everyone. */
	if (w.chain_next != NULL)
		waiter_wake(w.chain_next);
	return rc;
}

void usync_cond_signal_slow(usync_cond_t *cond)
{
	usync_tas_lock(&cond->guard);
	/* relaxed: under the guard, which orders the list. */
	struct usync_cond_waiter *w =
		atomic_load_explicit(&cond->head, memory_order_relaxed);
	while (w != NULL && !take(cond, w))
		w = w->next;
	usync_tas_unlock(&cond->guard);
	if (w != NULL)
		waiter_wake(w);
}

void usync_cond_broadcast_slow(usync_cond_t *cond)
{
	struct usync_cond_waiter *first = NULL, *last = NULL;
	usync_tas_lock(&cond->guard);
	/* relaxed: under the guard. */
	struct usync_cond_waiter *w =
		atomic_load_explicit(&cond->head, memory_order_relaxed);
	while (w != NULL) {
		struct usync_cond_waiter *next = w->next;
		if (take(cond, w)) {
			if (last != NULL)
				last->chain_next = w;
			else
				first = w;
			last = w;
		}
		w = next;
	}
	usync_tas_unlock(&cond->guard);
	if (first != NULL)
		waiter_wake(first);
}

/* ------------------------------------------------------- the generic API */

static void generic_unlock(void *lock, void *ctx)
{
	usync_lock_release((usync_lock_t *)lock, (usync_lock_ctx_t *)ctx);
}

static void generic_relock(void *lock, void *ctx)
{
	usync_lock_acquire((usync_lock_t *)lock, (usync_lock_ctx_t *)ctx);
}

int usync_cond_wait(usync_cond_t *cond, usync_lock_t *lock,
		    usync_lock_ctx_t *ctx)
{
	USYNC_CHECK(usync_lock_held_debug(lock, ctx),
		    "wait with a lock that is not held");
	return cond_wait(cond, generic_unlock, generic_relock, lock, ctx, NULL);
}

int usync_cond_timedwait(usync_cond_t *cond, usync_lock_t *lock,
			 usync_lock_ctx_t *ctx, const struct timespec *abstime)
{
	if (!usync_abstime_valid(abstime))
		return EINVAL;
	USYNC_CHECK(usync_lock_held_debug(lock, ctx),
		    "wait with a lock that is not held");
	return cond_wait(cond, generic_unlock, generic_relock, lock, ctx,
			 abstime);
}

/* --------------------------------------------------- per-algorithm API */

/*
 * What each lock can tell about its holder, for the debug check (relaxed
 * loads: debug state, see usync_lock_held_debug).  The test-and-set
 * family and the ticket lock know only that someone holds the lock.
 */
#if USYNC_DEBUG_CHECKS
static bool word_held(USYNC_ATOMIC(uint32_t) *word)
{
	return atomic_load_explicit(word, memory_order_relaxed) != 0;
}
static bool ticket_held(usync_ticket_t *lock)
{
	return atomic_load_explicit(&lock->next_ticket, memory_order_relaxed) !=
	       atomic_load_explicit(&lock->now_serving, memory_order_relaxed);
}
static bool anderson_held(usync_anderson_t *lock, const unsigned *slot)
{
	uint32_t released = atomic_load_explicit(&lock->debug_released,
						  memory_order_relaxed);
	return atomic_load_explicit(&lock->next_slot, memory_order_relaxed) !=
		       released &&
	       *slot == (released & lock->mask);
}
#endif

/* A lock whose verbs take no context: tas, ttas, backoff, ticket. */
#define COND_FOR_PLAIN_LOCK(NAME, HELD)                                        \
	static void NAME##_unlock_cb(void *lock, void *ctx)                    \
	{                                                                      \
		(void)ctx;                                                     \
		usync_##NAME##_unlock((usync_##NAME##_t *)lock);               \
	}                                                                      \
	static void NAME##_relock_cb(void *lock, void *ctx)                    \
	{                                                                      \
		(void)ctx;                                                     \
		usync_##NAME##_lock((usync_##NAME##_t *)lock);                 \
	}                                                                      \
	int usync_cond_wait_##NAME(usync_cond_t *cond, usync_##NAME##_t *lock) \
	{                                                                      \
		USYNC_CHECK(HELD, "wait with a lock that is not held");        \
		return cond_wait(cond, NAME##_unlock_cb, NAME##_relock_cb,     \
				 lock, NULL, NULL);                            \
	}                                                                      \
	int usync_cond_timedwait_##NAME(usync_cond_t *cond,                    \
					usync_##NAME##_t *lock,                \
					const struct timespec *abstime)        \
	{                                                                      \
		if (!usync_abstime_valid(abstime))                                   \
			return EINVAL;                                         \
		USYNC_CHECK(HELD, "wait with a lock that is not held");        \
		return cond_wait(cond, NAME##_unlock_cb, NAME##_relock_cb,     \
				 lock, NULL, abstime);                         \
	}

/* A lock whose verbs take a context: anderson, mcs, clh, mcs_tp. */
#define COND_FOR_CTX_LOCK(NAME, CTX_T, HELD)                                   \
	static void NAME##_unlock_cb(void *lock, void *ctx)                    \
	{                                                                      \
		usync_##NAME##_unlock((usync_##NAME##_t *)lock,                \
				      COND_CTX_ARG_##NAME((CTX_T *)ctx));      \
	}                                                                      \
	static void NAME##_relock_cb(void *lock, void *ctx)                    \
	{                                                                      \
		usync_##NAME##_lock((usync_##NAME##_t *)lock, (CTX_T *)ctx);   \
	}                                                                      \
	int usync_cond_wait_##NAME(usync_cond_t *cond, usync_##NAME##_t *lock, \
				   CTX_T *ctx)                                 \
	{                                                                      \
		USYNC_CHECK(HELD, "wait with a lock that is not held");        \
		return cond_wait(cond, NAME##_unlock_cb, NAME##_relock_cb,     \
				 lock, ctx, NULL);                             \
	}                                                                      \
	int usync_cond_timedwait_##NAME(usync_cond_t *cond,                    \
					usync_##NAME##_t *lock, CTX_T *ctx,    \
					const struct timespec *abstime)        \
	{                                                                      \
		if (!usync_abstime_valid(abstime))                                   \
			return EINVAL;                                         \
		USYNC_CHECK(HELD, "wait with a lock that is not held");        \
		return cond_wait(cond, NAME##_unlock_cb, NAME##_relock_cb,     \
				 lock, ctx, abstime);                          \
	}

/* How each unlock takes its context: anderson's by value. */
#define COND_CTX_ARG_anderson(ctx) (*(ctx))
#define COND_CTX_ARG_mcs(ctx) (ctx)
#define COND_CTX_ARG_clh(ctx) (ctx)
#define COND_CTX_ARG_mcs_tp(ctx) (ctx)

COND_FOR_PLAIN_LOCK(tas, word_held(&lock->locked))
COND_FOR_PLAIN_LOCK(ttas, word_held(&lock->locked))
COND_FOR_PLAIN_LOCK(backoff, word_held(&lock->locked))
COND_FOR_PLAIN_LOCK(ticket, ticket_held(lock))
COND_FOR_CTX_LOCK(anderson, unsigned, anderson_held(lock, ctx))
COND_FOR_CTX_LOCK(mcs, usync_mcs_node_t,
		  atomic_load_explicit(&lock->debug_holder,
				       memory_order_relaxed) == (void *)ctx)
COND_FOR_CTX_LOCK(clh, usync_clh_ctx_t,
		  atomic_load_explicit(&lock->debug_holder,
				       memory_order_relaxed) == ctx->node)
COND_FOR_CTX_LOCK(mcs_tp, usync_mcs_tp_node_t,
		  atomic_load_explicit(&lock->debug_holder,
				       memory_order_relaxed) == (void *)ctx)
