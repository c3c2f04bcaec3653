/*
 * usync/ticket.h - ticket lock with proportional backoff.
 *
 * Algorithm: MCS'91 section 2.2 (after Reed & Kanodia 1979, Lamport's bakery).
 * An arriving thread takes a ticket with fetch_and_increment(next_ticket) and
 * waits until now_serving equals it; the holder releases by advancing
 * now_serving.  A waiter k places ahead of its turn delays for about k times
 * USYNC_TICKET_BACKOFF_STEPS relax steps between polls (proportional backoff),
 * so only the next in line polls hard.
 *
 * FIFO: yes, in order of the fetch_and_increment on next_ticket.
 * Context: none (the ticket is implicit in now_serving).
 * Ordering: lock returns after an acquire load of now_serving that reads the
 * release store of the previous usync_ticket_unlock.  The ticket itself is
 * taken relaxed: holding a ticket grants nothing until now_serving reaches it.
 * Memory: two cache lines; next_ticket (written by arrivals) and now_serving
 * (written by the holder, polled by waiters) never share a line, so arrivals
 * do not steal the line the waiters spin on.
 * Limit: at most 2^32 - 1 threads waiting at once (counters wrap).
 *
 * Parking.  All waiters watch now_serving, so sleeping on it would wake all
 * of them at every release.  Under the park policy a waiter sleeps instead
 * on a word of a process-wide table hashed by (lock, ticket), after Dice &
 * Kogan's TWA (Euro-Par 2019); the releaser that serves ticket t wakes the
 * sleepers of t's word only: normally one thread, more only on a hash
 * collision.
 */
#ifndef USYNC_TICKET_H
#define USYNC_TICKET_H

#include <usync/spin.h>
#include <errno.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Delay per waiter ahead, in relax steps: about one handoff of an empty
 * critical section (a line transfer, ~30-150 ns). */
#define USYNC_TICKET_BACKOFF_STEPS 2

typedef struct usync_ticket {
	USYNC_ALIGNED USYNC_ATOMIC(uint32_t) next_ticket;
	USYNC_ALIGNED USYNC_ATOMIC(uint32_t) now_serving;
	uint32_t policy; /* read-only after init: shares the waiters' line */
} usync_ticket_t;

USYNC_STATIC_ASSERT(sizeof(usync_ticket_t) == 2 * USYNC_CACHELINE,
		    "ticket counters must sit on separate lines");

#define USYNC_TICKET_INITIALIZER                                               \
	{ USYNC_ATOMIC_INIT(0), USYNC_ATOMIC_INIT(0), USYNC_DEFAULT_WAIT_POLICY }

USYNC_API void usync_ticket_lock_slow(usync_ticket_t *lock, uint32_t ticket);
USYNC_API void usync_ticket_unlock_park(usync_ticket_t *lock,
					uint32_t serving);

static inline void usync_ticket_init(usync_ticket_t *lock)
{
	/* relaxed: not shared yet; publication orders these. */
	atomic_store_explicit(&lock->next_ticket, 0, memory_order_relaxed);
	atomic_store_explicit(&lock->now_serving, 0, memory_order_relaxed);
	lock->policy = USYNC_WAIT_DEFAULT;
}

static inline int usync_ticket_set_policy(usync_ticket_t *lock,
					  usync_wait_policy_t policy)
{
	return usync_wait_policy_set(&lock->policy, policy);
}

/* true if acquired: takes a ticket only if it would be served at once. */
static inline bool usync_ticket_trylock(usync_ticket_t *lock)
{
	/* acquire: pairs with the release store in usync_ticket_unlock; if
	 * the CAS below succeeds, ticket `serving` was never handed out, so
	 * now_serving cannot have moved past it and this load was the
	 * handoff to us. */
	uint32_t serving =
		atomic_load_explicit(&lock->now_serving, memory_order_acquire);
	uint32_t expected = serving;
	/* relaxed: next_ticket is never written with release, so an acquire
	 * here would pair with nothing; the handoff was ordered by the load
	 * above, and success only tells us the ticket is ours. */
	return usync_compare_and_swap(&lock->next_ticket, &expected,
				      serving + 1, memory_order_relaxed,
				      memory_order_relaxed);
}

static inline void usync_ticket_lock(usync_ticket_t *lock)
{
	/* relaxed: a ticket is only a place in line; the acquire is the
	 * load of now_serving that admits us. */
	uint32_t ticket = usync_fetch_and_increment(&lock->next_ticket,
						    memory_order_relaxed);
	/* acquire: pairs with the release store in usync_ticket_unlock. */
	if (USYNC_UNLIKELY(atomic_load_explicit(&lock->now_serving,
						memory_order_acquire) !=
			   ticket))
		usync_ticket_lock_slow(lock, ticket);
}

static inline void usync_ticket_unlock(usync_ticket_t *lock)
{
	/* relaxed: only the holder writes now_serving, so it reads its own
	 * (or its acquire-synchronised predecessor's) latest value. */
	uint32_t serving =
		atomic_load_explicit(&lock->now_serving, memory_order_relaxed);
	/* relaxed: a debug check; a held lock has handed out our ticket. */
	USYNC_CHECK(atomic_load_explicit(&lock->next_ticket,
					 memory_order_relaxed) != serving,
		    "unlock of a lock that is not held");
	if (USYNC_UNLIKELY(lock->policy == USYNC_WAIT_PARK)) {
		usync_ticket_unlock_park(lock, serving + 1);
		return;
	}
	/* release: pairs with the acquire load of now_serving in
	 * lock/trylock/lock_slow; publishes the critical section. */
	atomic_store_explicit(&lock->now_serving, serving + 1,
			      memory_order_release);
}

#ifdef __cplusplus
}
#endif

#endif /* USYNC_TICKET_H */
