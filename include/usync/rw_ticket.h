/*
 * usync/rw_ticket.h - task-fair centralized reader-writer lock.
 *
 * Algorithm: J. M. Mellor-Crummey and M. L. Scott, "Scalable reader-writer
 * synchronization for shared-memory multiprocessors", PPoPP 1991, the
 * centralized fair lock (a ticket lock for two classes; Concurrency Kit's
 * ck_tflock is a version of it).  Two counters, each holding writers in
 * its low 16 bits and readers in its high 16 bits: `requests` counts
 * arrivals, `completions` departures.  An arrival takes a ticket with one
 * fetch_and_add on requests (1 for a writer, 1 << 16 for a reader).  A
 * writer enters when completions equals its ticket: everyone before it
 * has left.  A reader enters when the writer half of completions equals
 * that of its ticket: every writer before it has left (readers before it
 * may still be inside, and share).
 *
 * Fairness: FIFO across readers and writers, in the order of the
 * fetch_and_add on requests; consecutive readers run together.  Neither
 * class can starve.
 * Context: none.
 * Ordering: an entrant's acquire load of completions reads the release
 * store (writer) or release fetch_and_add (reader) of the departures it
 * waited for; the reader increments continue the release sequence, so a
 * writer synchronises with every reader before it.  The ticket itself is
 * taken relaxed: a place in line grants nothing.
 * Wrap-around: the counters wrap freely.  Writers compare whole words:
 * nothing after a writer can leave before it, so completions equals its
 * ticket exactly when nothing before it is outstanding (fewer than 2^16 of
 * each class).  Readers compare only the writer halves, which reader
 * increments never touch (a writer half's carry goes into the reader half).
 * Memory: two cache lines; arrivals write one, departures the other, which
 * is the one waiters poll.
 * Limits: fewer than 65536 readers and 65536 writers outstanding at once.
 * No upgrade or downgrade.
 *
 * Parking: all waiters poll completions, whose bits are all used: a
 * sleeper count, as in rw_counter (usync/rw_counter.h).
 */
#ifndef USYNC_RW_TICKET_H
#define USYNC_RW_TICKET_H

#include <usync/spin.h>
#include <errno.h>

#ifdef __cplusplus
extern "C" {
#endif

#define USYNC_RW_TICKET_WRITER 0x1u      /* a writer's increment */
#define USYNC_RW_TICKET_WRITER_MASK 0xffffu
#define USYNC_RW_TICKET_READER 0x10000u  /* a reader's increment */
#define USYNC_RW_TICKET_MAX_THREADS 65535u

typedef struct usync_rw_ticket {
	USYNC_ALIGNED USYNC_ATOMIC(uint32_t) requests;
	USYNC_ALIGNED USYNC_ATOMIC(uint32_t) completions;
	uint32_t policy; /* read-only after init: shares the waiters' line */
	USYNC_ATOMIC(uint32_t) sleepers;
} usync_rw_ticket_t;

USYNC_STATIC_ASSERT(sizeof(usync_rw_ticket_t) == 2 * USYNC_CACHELINE,
		    "rw_ticket counters must sit on separate lines");

#define USYNC_RW_TICKET_INITIALIZER                                            \
	{ USYNC_ATOMIC_INIT(0), USYNC_ATOMIC_INIT(0), USYNC_DEFAULT_WAIT_POLICY, \
	  USYNC_ATOMIC_INIT(0) }

USYNC_API void usync_rw_ticket_wait_slow(usync_rw_ticket_t *lock,
					 uint32_t ticket, bool writer);
USYNC_API void usync_rw_ticket_wake(usync_rw_ticket_t *lock);

static inline void usync_rw_ticket_init(usync_rw_ticket_t *lock)
{
	/* relaxed: not shared yet; publication orders these. */
	atomic_store_explicit(&lock->requests, 0, memory_order_relaxed);
	atomic_store_explicit(&lock->completions, 0, memory_order_relaxed);
	atomic_store_explicit(&lock->sleepers, 0, memory_order_relaxed);
	lock->policy = USYNC_WAIT_DEFAULT;
}

static inline int usync_rw_ticket_set_policy(usync_rw_ticket_t *lock,
					     usync_wait_policy_t policy)
{
	return usync_wait_policy_set(&lock->policy, policy);
}

/* Outstanding (requested, not yet departed) writers and readers: at least
 * those that were outstanding when it was called.  completions first:
 * whatever departed had requested before, so the later read of requests
 * counts it (reading them the other way round could count a departure
 * without its request).  relaxed: diagnostics only (debug checks, tests). */
static inline uint32_t usync_rw_ticket_outstanding_(usync_rw_ticket_t *lock)
{
	uint32_t done = atomic_load_explicit(&lock->completions,
					     memory_order_relaxed);
	return atomic_load_explicit(&lock->requests, memory_order_relaxed) -
	       done;
}

/* The lock must be free (debug builds check).  Nothing to free. */
static inline void usync_rw_ticket_destroy(usync_rw_ticket_t *lock)
{
	USYNC_CHECK(usync_rw_ticket_outstanding_(lock) == 0,
		    "destroy of a lock that is held or waited for");
	(void)lock;
}

/* true if entered for reading: no writer outstanding.  Never waits (the
 * CAS is retried only while other readers take tickets). */
static inline bool usync_rw_ticket_read_trylock(usync_rw_ticket_t *lock)
{
	/* relaxed: a guess for the CAS, which checks it. */
	uint32_t req = atomic_load_explicit(&lock->requests,
					    memory_order_relaxed);
	for (;;) {
		/* acquire: pairs with the release store of the last
		 * usync_rw_ticket_write_unlock (or a later reader's release
		 * RMW, which continues its release sequence). */
		uint32_t done = atomic_load_explicit(&lock->completions,
						     memory_order_acquire);
		if (((req ^ done) & USYNC_RW_TICKET_WRITER_MASK) != 0)
			return false;
		/* relaxed: success says requests still held `req`, so every
		 * writer before us has left (the load above); the order
		 * came from that load. */
		if (usync_compare_and_swap(&lock->requests, &req,
					   req + USYNC_RW_TICKET_READER,
					   memory_order_relaxed,
					   memory_order_relaxed))
			return true;
	}
}

static inline void usync_rw_ticket_read_lock(usync_rw_ticket_t *lock)
{
	/* relaxed: a place in line; the acquire is the load below. */
	uint32_t ticket = atomic_fetch_add_explicit(
		&lock->requests, USYNC_RW_TICKET_READER, memory_order_relaxed);
	/* acquire: as in read_trylock. */
	uint32_t done = atomic_load_explicit(&lock->completions,
					     memory_order_acquire);
	if (USYNC_UNLIKELY(((ticket ^ done) & USYNC_RW_TICKET_WRITER_MASK) !=
			   0))
		usync_rw_ticket_wait_slow(lock, ticket, false);
}

static inline void usync_rw_ticket_read_unlock(usync_rw_ticket_t *lock)
{
	USYNC_CHECK((usync_rw_ticket_outstanding_(lock) >> 16) != 0,
		    "read_unlock of a lock not held for reading");
	/* release: pairs with the acquire load of completions of the next
	 * writer (usync_rw_ticket_write_lock / wait_slow), which waits for
	 * this increment. */
	atomic_fetch_add_explicit(&lock->completions, USYNC_RW_TICKET_READER,
				  memory_order_release);
	if (USYNC_UNLIKELY(lock->policy == USYNC_WAIT_PARK))
		usync_rw_ticket_wake(lock);
}

/* true if entered for writing: nothing outstanding.  Never waits. */
static inline bool usync_rw_ticket_write_trylock(usync_rw_ticket_t *lock)
{
	/* acquire: pairs with the release of the last departure (store of
	 * write_unlock, or RMW of read_unlock).  If the CAS succeeds,
	 * requests equalled this value, so nothing is outstanding and this
	 * was the last departure. */
	uint32_t done = atomic_load_explicit(&lock->completions,
					     memory_order_acquire);
	uint32_t expected = done;
	/* relaxed: the order came from the load above. */
	return usync_compare_and_swap(&lock->requests, &expected,
				      done + USYNC_RW_TICKET_WRITER,
				      memory_order_relaxed,
				      memory_order_relaxed);
}

static inline void usync_rw_ticket_write_lock(usync_rw_ticket_t *lock)
{
	/* relaxed: a place in line. */
	uint32_t ticket = atomic_fetch_add_explicit(
		&lock->requests, USYNC_RW_TICKET_WRITER, memory_order_relaxed);
	/* acquire: pairs with the release of the last departure before us. */
	if (USYNC_UNLIKELY(atomic_load_explicit(&lock->completions,
						memory_order_acquire) != ticket))
		usync_rw_ticket_wait_slow(lock, ticket, true);
}

static inline void usync_rw_ticket_write_unlock(usync_rw_ticket_t *lock)
{
	USYNC_CHECK((usync_rw_ticket_outstanding_(lock) &
		     USYNC_RW_TICKET_WRITER_MASK) != 0,
		    "write_unlock of a lock not held for writing");
	/* relaxed: while a writer is inside nobody else departs (those
	 * before it have left, those after it have not entered), so it
	 * reads the latest value. */
	uint32_t done = atomic_load_explicit(&lock->completions,
					     memory_order_relaxed);
	/* release: pairs with the acquire load of completions of every
	 * reader and writer that waits for us. */
	atomic_store_explicit(&lock->completions,
			      done + USYNC_RW_TICKET_WRITER,
			      memory_order_release);
	if (USYNC_UNLIKELY(lock->policy == USYNC_WAIT_PARK))
		usync_rw_ticket_wake(lock);
}

#ifdef __cplusplus
}
#endif

#endif /* USYNC_RW_TICKET_H */
