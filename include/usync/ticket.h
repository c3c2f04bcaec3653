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
 * Memory: one cache line; next_ticket (written by arrivals) and now_serving
 * (written by the holder, polled by waiters) share it, as in ck_spinlock's
 * ticket lock.  On separate lines (this lock's first layout) a handoff
 * between two threads moved two lines instead of one: 1.36-1.50x ck's
 * time per acquisition on a 2-core Xeon, against 0.96x on one line; on 16
 * cores the separate lines had bought nothing measurable up to 16
 * threads (bench/results/intel-xeon-16c: 430 vs ck's 423 ns at 16).  An
 * arrival now costs each polling waiter a miss; the proportional backoff
 * keeps the far waiters' polls rare.
 * Limit: at most 2^32 - 1 threads waiting at once (counters wrap).
 *
 * Parking.  All waiters watch now_serving, so sleeping on it would wake all
 * of them at every release.  Under the park policy a waiter sleeps instead
 * on a word of a process-wide table hashed by (lock, ticket), after Dice &
 * Kogan's TWA (Euro-Par 2019); the releaser that serves ticket t wakes the
 * sleepers of t's word only: normally one thread, more only on a hash
 * collision.
 *
 * Timed acquisition: give back when last, else mark abandoned and be
 * skipped.  usync_ticket_timedlock takes a ticket and waits as lock does.
 * At the deadline a waiter with ticket t leaves:
 *  - nobody behind it (next_ticket == t + 1): it gives the ticket back
 *    with a CAS of next_ticket from t + 1 to t (sound even if now_serving
 *    reached t meanwhile: next == serving, the lock is free);
 *  - else it marks t abandoned in a process-wide table of marks keyed
 *    exactly by (lock, t) (src/locks/ticket.c), and returns ETIMEDOUT.
 * An abandoned ticket is settled, once, by whoever claims its mark (a CAS
 * on a versioned state word): when it is being served, it is skipped (the
 * claimer stores now_serving = t + 1 with release, on the abandoned
 * ticket's behalf); when it is last, it is given back, and the ticket
 * before it is looked at in turn.  Under the spin and yield policies the
 * waiters behind it do this as they poll (unlock stays one release store
 * and looks for nothing); under park the releaser does it after the fence
 * it already makes.  FIFO order of the tickets that stay is unchanged;
 * the lock is never handed to nobody: a served abandoned ticket is either
 * skipped or, if it is last, given back.  After ETIMEDOUT the library
 * keeps nothing of the caller's.  A thread that times out and calls
 * timedlock on the same lock again takes its abandoned ticket back if it
 * is still unserved (its old place in line): a thread retrying a lock
 * stuck held adds at most one mark.
 *
 * Cost: trylock, lock's fast path and unlock are unchanged.  A waiter
 * reads one more word per poll (the table's epoch) and looks in the table
 * only when now_serving or the epoch has moved, after a ticket has ever
 * been abandoned in the process; the park unlock reads one more word.
 *
 * The mark table (USYNC_TICKET_MARKS entries, 4096, probed over 16 from a
 * hashed home) is bounded: a leaver that finds no free entry around its
 * ticket's home cannot leave, and keeps waiting as usync_ticket_lock does,
 * then returns 0 (late).  This needs 16 tickets abandoned and unserved at
 * once hashing near one home: with one mark per thread and lock retried
 * (see above), far beyond any realistic number of waiters.
 *
 * trylock: succeeds when no ticket is outstanding.  An abandoned ticket
 * outlives its leaver's call only while a later ticket exists; the last of
 * them to leave or be served settles those before it within its own call.
 * So once the lock is free and no call on it is in progress, trylock
 * succeeds; while calls are in progress it may fail on a lock whose only
 * tickets are abandoned ones being settled.
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
	USYNC_ATOMIC(uint32_t) now_serving;
	uint32_t policy; /* read-only after init */
} usync_ticket_t;

USYNC_STATIC_ASSERT(sizeof(usync_ticket_t) == USYNC_CACHELINE,
		    "the ticket counters share one line");

#define USYNC_TICKET_INITIALIZER                                               \
	{ USYNC_ATOMIC_INIT(0), USYNC_ATOMIC_INIT(0), USYNC_DEFAULT_WAIT_POLICY }

USYNC_API void usync_ticket_lock_slow(usync_ticket_t *lock, uint32_t ticket);
USYNC_API void usync_ticket_unlock_park(usync_ticket_t *lock,
					uint32_t serving);
USYNC_API int usync_ticket_timedlock_slow(usync_ticket_t *lock,
					  const struct timespec *abstime);

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

/*
 * Lock, waiting no later than abstime (absolute CLOCK_MONOTONIC): 0 when
 * acquired, ETIMEDOUT when the deadline passed first, EINVAL for a NULL
 * abstime or a tv_nsec outside [0, 10^9).  A deadline already past makes it
 * a trylock: no ticket is taken.  Otherwise the call takes a ticket and
 * waits in line as usync_ticket_lock does; at the deadline it leaves (see
 * "Timed acquisition" above): the ticket is given back when nobody is
 * behind it, else marked abandoned, to be skipped.  After ETIMEDOUT the
 * library keeps nothing of the caller's.
 */
static inline int usync_ticket_timedlock(usync_ticket_t *lock,
					 const struct timespec *abstime)
{
	if (USYNC_UNLIKELY(!usync_abstime_valid(abstime)))
		return EINVAL;
	if (USYNC_LIKELY(usync_ticket_trylock(lock)))
		return 0;
	return usync_ticket_timedlock_slow(lock, abstime);
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
