/*
 * usync/rw_counter.h - centralized reader-writer lock with writer preference.
 *
 * Algorithm: the centralized reader-writer lock of the textbooks (Courtois,
 * Heymans & Parnas, CACM 1971, "problem 2", writers preferred), in the one-
 * word form of MCS'91's centralized locks and of Concurrency Kit's
 * ck_rwlock.  One 32-bit word holds the writer bit, a count of writers
 * waiting and a count of readers inside:
 *
 *   bit 0        WRITER   a writer holds the lock
 *   bits 1..15   waiting  writers that have announced themselves
 *   bits 16..31  readers  readers inside
 *
 * A reader enters with one compare_and_swap that adds a reader, only while
 * no writer holds or waits.  A writer takes the free word in one CAS; under
 * contention it first announces itself (waiting + 1), which shuts out new
 * readers, then waits for the readers inside to leave and trades its
 * announcement for the writer bit.  Every waiter polls the one word.
 *
 * Fairness: writer preference.  A writer waits only for the readers already
 * inside and for other writers; readers that arrive while a writer waits
 * queue behind it.  Readers can starve under a continuous stream of
 * writers, and writers are served in no particular order among themselves.
 * Context: none.
 * Ordering: read_lock and write_lock return after an acquire CAS that reads
 * the word as left by the last release (write_unlock's release RMW, or every
 * prior reader's release RMW in read_unlock); so a writer's critical
 * section happens-before every later reader's and writer's, and every
 * reader's happens-before the next writer's.  Nothing orders two readers.
 * Memory: one cache line (the word, the policy, the sleeper count).
 * Limits: at most 65535 readers inside and 32767 writers waiting at once.
 * No upgrade (read to write) or downgrade: a reader that wants to write
 * releases and takes the write lock.
 *
 * Parking: every bit of the word is used, so the lock keeps a count of
 * sleepers instead of USYNC_PARKED: a waiter that has spent its spin budget
 * counts itself and futex-waits on the word for the value that made it
 * wait; a releaser under the park policy wakes every sleeper of the word
 * when the count is nonzero (usync_rw_sleep / usync_rw_wake in
 * src/rwlocks/rwlock_internal.h).
 */
#ifndef USYNC_RW_COUNTER_H
#define USYNC_RW_COUNTER_H

#include <usync/spin.h>
#include <errno.h>

#ifdef __cplusplus
extern "C" {
#endif

#define USYNC_RW_COUNTER_WRITER 0x1u
#define USYNC_RW_COUNTER_WAITING 0x2u /* one announced writer */
#define USYNC_RW_COUNTER_WAITING_MASK 0xfffeu
#define USYNC_RW_COUNTER_READER 0x10000u /* one reader inside */
#define USYNC_RW_COUNTER_READER_MASK 0xffff0000u
#define USYNC_RW_COUNTER_MAX_THREADS 32767u

typedef struct usync_rw_counter {
	USYNC_ALIGNED USYNC_ATOMIC(uint32_t) word;
	uint32_t policy;
	USYNC_ATOMIC(uint32_t) sleepers; /* threads futex-waiting on word */
} usync_rw_counter_t;

USYNC_STATIC_ASSERT(sizeof(usync_rw_counter_t) == USYNC_CACHELINE,
		    "rw_counter is one cache line");

#define USYNC_RW_COUNTER_INITIALIZER                                           \
	{ USYNC_ATOMIC_INIT(0), USYNC_DEFAULT_WAIT_POLICY, USYNC_ATOMIC_INIT(0) }

USYNC_API void usync_rw_counter_read_lock_slow(usync_rw_counter_t *lock);
USYNC_API void usync_rw_counter_write_lock_slow(usync_rw_counter_t *lock);
USYNC_API void usync_rw_counter_wake(usync_rw_counter_t *lock);

static inline void usync_rw_counter_init(usync_rw_counter_t *lock)
{
	/* relaxed: not shared yet; publication orders these. */
	atomic_store_explicit(&lock->word, 0, memory_order_relaxed);
	atomic_store_explicit(&lock->sleepers, 0, memory_order_relaxed);
	lock->policy = USYNC_WAIT_DEFAULT;
}

static inline int usync_rw_counter_set_policy(usync_rw_counter_t *lock,
					      usync_wait_policy_t policy)
{
	return usync_wait_policy_set(&lock->policy, policy);
}

/* The lock must be free (debug builds check).  Nothing to free. */
static inline void usync_rw_counter_destroy(usync_rw_counter_t *lock)
{
	/* relaxed: a debug check of a lock no thread may use any more. */
	USYNC_CHECK(atomic_load_explicit(&lock->word, memory_order_relaxed) ==
			    0,
		    "destroy of a lock that is held or waited for");
	(void)lock;
}

/* true if entered for reading: no writer held or waited.  Never waits (the
 * CAS is retried only while other readers change the count). */
static inline bool usync_rw_counter_read_trylock(usync_rw_counter_t *lock)
{
	/* relaxed: only a guess for the CAS, which re-reads the word. */
	uint32_t v = atomic_load_explicit(&lock->word, memory_order_relaxed);
	while ((v & (USYNC_RW_COUNTER_WRITER |
		     USYNC_RW_COUNTER_WAITING_MASK)) == 0) {
		/* acquire: pairs with the release RMW of the last
		 * usync_rw_counter_write_unlock.  relaxed on failure: we
		 * retry with the value read. */
		if (usync_compare_and_swap(&lock->word, &v,
					   v + USYNC_RW_COUNTER_READER,
					   memory_order_acquire,
					   memory_order_relaxed))
			return true;
	}
	return false;
}

static inline void usync_rw_counter_read_lock(usync_rw_counter_t *lock)
{
	/* relaxed: a guess for the CAS. */
	uint32_t v = atomic_load_explicit(&lock->word, memory_order_relaxed);
	/* acquire: as in read_trylock. */
	if (USYNC_LIKELY((v & (USYNC_RW_COUNTER_WRITER |
			       USYNC_RW_COUNTER_WAITING_MASK)) == 0 &&
			 usync_compare_and_swap(&lock->word, &v,
						v + USYNC_RW_COUNTER_READER,
						memory_order_acquire,
						memory_order_relaxed)))
		return;
	usync_rw_counter_read_lock_slow(lock);
}

static inline void usync_rw_counter_read_unlock(usync_rw_counter_t *lock)
{
	/* relaxed: a debug check; a reader inside keeps the count >= 1. */
	USYNC_CHECK((atomic_load_explicit(&lock->word, memory_order_relaxed) &
		     USYNC_RW_COUNTER_READER_MASK) != 0,
		    "read_unlock of a lock not held for reading");
	/* release: pairs with the acquire CAS of the writer that finds the
	 * reader count zero (usync_rw_counter_write_lock_slow), so our reads
	 * happen-before its writes. */
	atomic_fetch_sub_explicit(&lock->word, USYNC_RW_COUNTER_READER,
				  memory_order_release);
	if (USYNC_UNLIKELY(lock->policy == USYNC_WAIT_PARK))
		usync_rw_counter_wake(lock);
}

/* true if acquired for writing: the word was 0.  Never waits. */
static inline bool usync_rw_counter_write_trylock(usync_rw_counter_t *lock)
{
	uint32_t expected = 0;
	/* acquire: pairs with the release RMWs of read_unlock and
	 * write_unlock that left the word 0.  relaxed on failure. */
	return usync_compare_and_swap(&lock->word, &expected,
				      USYNC_RW_COUNTER_WRITER,
				      memory_order_acquire,
				      memory_order_relaxed);
}

static inline void usync_rw_counter_write_lock(usync_rw_counter_t *lock)
{
	if (USYNC_LIKELY(usync_rw_counter_write_trylock(lock)))
		return;
	usync_rw_counter_write_lock_slow(lock);
}

static inline void usync_rw_counter_write_unlock(usync_rw_counter_t *lock)
{
	/* relaxed: a debug check; only the writer sets or clears the bit. */
	USYNC_CHECK(atomic_load_explicit(&lock->word, memory_order_relaxed) &
			    USYNC_RW_COUNTER_WRITER,
		    "write_unlock of a lock not held for writing");
	/* release: pairs with the acquire CAS of the next reader or writer
	 * (read_lock, write_lock and their slow paths). */
	atomic_fetch_sub_explicit(&lock->word, USYNC_RW_COUNTER_WRITER,
				  memory_order_release);
	if (USYNC_UNLIKELY(lock->policy == USYNC_WAIT_PARK))
		usync_rw_counter_wake(lock);
}

#ifdef __cplusplus
}
#endif

#endif /* USYNC_RW_COUNTER_H */
