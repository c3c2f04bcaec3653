/*
 * usync/rw_phasefair.h - phase-fair ticket reader-writer lock (PF-T).
 *
 * Algorithm: B. B. Brandenburg and J. H. Anderson, "Spin-based
 * reader-writer synchronization for multiprocessor real-time systems",
 * Real-Time Systems 46(1), 2010 (first at ECRTS 2009), the ticket-based
 * phase-fair lock PF-T; Concurrency Kit's ck_pflock is one.  Readers count
 * themselves in and out on two counters, rin and rout, in steps of 0x100;
 * the low byte of rin holds the writer bits (PRES: a writer is present,
 * PHID: the parity of its write phase).  Writers take tickets (win, wout) as in
 * a ticket lock.  The writer whose turn it is adds its bits to rin, which
 * both shuts out new readers and returns the count of readers already in,
 * then waits for rout to reach that count.  A reader that sees writer bits
 * waits only until they change: when that writer leaves, or when the next
 * writer's bits (the other parity) replace them.
 *
 * Departure from PF-T: the phase parity is not the ticket's low bit but a
 * bit the writers flip at each write phase (`phase`, touched only by the
 * ticket holder).  A write trylock that wins a ticket but finds readers
 * inside hands its turn on without a phase; with the ticket's parity the
 * next writer would then repeat the previous phase's bits, and a reader
 * still waiting on those bits (counted in by the new writer) would wait
 * for a writer that waits for it.
 *
 * Fairness: phase-fair.  Reader and writer phases alternate when both wait;
 * a reader waits for at most one writer phase, a writer for at most one
 * reader phase plus the writers ahead of it, served FIFO by ticket.
 * Context: none.
 * Ordering: a reader enters on its acquire fetch_add of rin (no writer
 * bits) or its acquire load of rin (bits changed), which reads the last
 * writer's release fetch_and of rin or a later RMW in its release sequence.
 * A writer enters on an acquire load of wout (the previous writer's release
 * store) and an acquire load of rout (the departing readers' release
 * fetch_adds, one release sequence).
 * Memory: four cache lines: rin (arriving readers, polled by waiting
 * readers), rout (departing readers, polled by a writer), win (arriving
 * writers), wout (polled by waiting writers).
 * Limits: fewer than 2^24 readers outstanding; counters wrap freely.
 * No upgrade or downgrade.
 *
 * Parking: rin and rout use all their bits: a sleeper count, as in
 * rw_counter (usync/rw_counter.h).
 */
#ifndef USYNC_RW_PHASEFAIR_H
#define USYNC_RW_PHASEFAIR_H

#include <usync/spin.h>
#include <errno.h>

#ifdef __cplusplus
extern "C" {
#endif

#define USYNC_RW_PHASEFAIR_PHID 0x1u /* parity of the present writer */
#define USYNC_RW_PHASEFAIR_PRES 0x2u /* a writer is present */
#define USYNC_RW_PHASEFAIR_WBITS 0x3u
#define USYNC_RW_PHASEFAIR_READER 0x100u /* a reader's step on rin/rout */
#define USYNC_RW_PHASEFAIR_MAX_THREADS 65535u

typedef struct usync_rw_phasefair {
	USYNC_ALIGNED USYNC_ATOMIC(uint32_t) rin;
	uint32_t policy; /* read-only after init: shares the readers' line */
	USYNC_ALIGNED USYNC_ATOMIC(uint32_t) rout;
	USYNC_ALIGNED USYNC_ATOMIC(uint32_t) win;
	USYNC_ALIGNED USYNC_ATOMIC(uint32_t) wout;
	uint32_t phase; /* PHID of the next write phase; the ticket holder's */
	USYNC_ATOMIC(uint32_t) sleepers;
} usync_rw_phasefair_t;

USYNC_STATIC_ASSERT(sizeof(usync_rw_phasefair_t) == 4 * USYNC_CACHELINE,
		    "rw_phasefair counters must sit on separate lines");

#define USYNC_RW_PHASEFAIR_INITIALIZER                                         \
	{ USYNC_ATOMIC_INIT(0), USYNC_DEFAULT_WAIT_POLICY, USYNC_ATOMIC_INIT(0), \
	  USYNC_ATOMIC_INIT(0), USYNC_ATOMIC_INIT(0), 0, USYNC_ATOMIC_INIT(0) }

USYNC_API void usync_rw_phasefair_read_wait(usync_rw_phasefair_t *lock,
					    uint32_t wbits);
USYNC_API void usync_rw_phasefair_write_lock_slow(usync_rw_phasefair_t *lock,
						  uint32_t ticket);
USYNC_API bool usync_rw_phasefair_write_trylock(usync_rw_phasefair_t *lock);
USYNC_API void usync_rw_phasefair_write_unlock_park(usync_rw_phasefair_t *lock,
						    uint32_t next);
USYNC_API void usync_rw_phasefair_wake(usync_rw_phasefair_t *lock,
				       USYNC_ATOMIC(uint32_t) *word);

static inline void usync_rw_phasefair_init(usync_rw_phasefair_t *lock)
{
	/* relaxed: not shared yet; publication orders these. */
	atomic_store_explicit(&lock->rin, 0, memory_order_relaxed);
	atomic_store_explicit(&lock->rout, 0, memory_order_relaxed);
	atomic_store_explicit(&lock->win, 0, memory_order_relaxed);
	atomic_store_explicit(&lock->wout, 0, memory_order_relaxed);
	atomic_store_explicit(&lock->sleepers, 0, memory_order_relaxed);
	lock->phase = 0;
	lock->policy = USYNC_WAIT_DEFAULT;
}

static inline int usync_rw_phasefair_set_policy(usync_rw_phasefair_t *lock,
						usync_wait_policy_t policy)
{
	return usync_wait_policy_set(&lock->policy, policy);
}

/* Diagnostics (debug checks, tests): readers counted in and not out, and
 * writers with a ticket that have not left; at least those outstanding at
 * the call.  The "out" counter is read first: whoever left had come in
 * before, so the later read of the "in" counter counts it.  relaxed:
 * observation only. */
static inline uint32_t
usync_rw_phasefair_readers_(usync_rw_phasefair_t *lock)
{
	uint32_t out = atomic_load_explicit(&lock->rout, memory_order_relaxed);
	return ((atomic_load_explicit(&lock->rin, memory_order_relaxed) &
		 ~0xffu) -
		out) /
	       USYNC_RW_PHASEFAIR_READER;
}
static inline uint32_t
usync_rw_phasefair_writers_(usync_rw_phasefair_t *lock)
{
	uint32_t out = atomic_load_explicit(&lock->wout, memory_order_relaxed);
	return atomic_load_explicit(&lock->win, memory_order_relaxed) - out;
}

/* The lock must be free (debug builds check).  Nothing to free. */
static inline void usync_rw_phasefair_destroy(usync_rw_phasefair_t *lock)
{
	USYNC_CHECK(usync_rw_phasefair_readers_(lock) == 0 &&
			    usync_rw_phasefair_writers_(lock) == 0,
		    "destroy of a lock that is held or waited for");
	(void)lock;
}

/* true if entered for reading: no writer present.  Never waits (the CAS is
 * retried only while other readers move rin). */
static inline bool usync_rw_phasefair_read_trylock(usync_rw_phasefair_t *lock)
{
	/* relaxed: a guess for the CAS. */
	uint32_t v = atomic_load_explicit(&lock->rin, memory_order_relaxed);
	while ((v & USYNC_RW_PHASEFAIR_WBITS) == 0) {
		/* acquire: pairs with the release fetch_and of rin in the
		 * last usync_rw_phasefair_write_unlock (or a later RMW of
		 * its release sequence).  relaxed on failure: retry. */
		if (usync_compare_and_swap(&lock->rin, &v,
					   v + USYNC_RW_PHASEFAIR_READER,
					   memory_order_acquire,
					   memory_order_relaxed))
			return true;
	}
	return false;
}

static inline void usync_rw_phasefair_read_lock(usync_rw_phasefair_t *lock)
{
	/* acquire: as in read_trylock; the RMW also tells us, in the one
	 * modification order of rin, whether a writer came first. */
	uint32_t wbits = atomic_fetch_add_explicit(&lock->rin,
						   USYNC_RW_PHASEFAIR_READER,
						   memory_order_acquire) &
			 USYNC_RW_PHASEFAIR_WBITS;
	if (USYNC_UNLIKELY(wbits != 0))
		usync_rw_phasefair_read_wait(lock, wbits);
}

static inline void usync_rw_phasefair_read_unlock(usync_rw_phasefair_t *lock)
{
	USYNC_CHECK(usync_rw_phasefair_readers_(lock) != 0,
		    "read_unlock of a lock not held for reading");
	/* release: pairs with the waiting writer's acquire load of rout
	 * (usync_rw_phasefair_write_lock_slow). */
	atomic_fetch_add_explicit(&lock->rout, USYNC_RW_PHASEFAIR_READER,
				  memory_order_release);
	if (USYNC_UNLIKELY(lock->policy == USYNC_WAIT_PARK))
		usync_rw_phasefair_wake(lock, &lock->rout);
}

static inline void usync_rw_phasefair_write_lock(usync_rw_phasefair_t *lock)
{
	/* relaxed: a place in line; the acquire is the load of wout. */
	uint32_t ticket = atomic_fetch_add_explicit(&lock->win, 1,
						    memory_order_relaxed);
	usync_rw_phasefair_write_lock_slow(lock, ticket);
}

static inline void usync_rw_phasefair_write_unlock(usync_rw_phasefair_t *lock)
{
	/* relaxed: a debug check; only the writer sets PRES. */
	USYNC_CHECK(atomic_load_explicit(&lock->rin, memory_order_relaxed) &
			    USYNC_RW_PHASEFAIR_PRES,
		    "write_unlock of a lock not held for writing");
	/* relaxed: only the holder writes wout. */
	uint32_t next = atomic_load_explicit(&lock->wout,
					     memory_order_relaxed) + 1;
	/* Plain: the next ticket holder reads it after its acquire load of
	 * wout, which reads our release store below. */
	lock->phase ^= USYNC_RW_PHASEFAIR_PHID;
	if (USYNC_UNLIKELY(lock->policy == USYNC_WAIT_PARK)) {
		usync_rw_phasefair_write_unlock_park(lock, next);
		return;
	}
	/* release: pairs with the acquire loads of rin of the readers
	 * waiting for our bits to go, and with the acquire RMWs of later
	 * readers; ends our write phase. */
	atomic_fetch_and_explicit(&lock->rin, ~USYNC_RW_PHASEFAIR_WBITS,
				  memory_order_release);
	/* release: pairs with the next writer's acquire load of wout. */
	atomic_store_explicit(&lock->wout, next, memory_order_release);
}

#ifdef __cplusplus
}
#endif

#endif /* USYNC_RW_PHASEFAIR_H */
