/*
 * usync/backoff.h - test-and-set lock with capped exponential backoff.
 *
 * Algorithm: T. E. Anderson, "The performance of spin lock alternatives for
 * shared-memory multiprocessors", IEEE TPDS 1(1), 1990, and MCS'91 section
 * 2.1 ("test_and_set with exponential backoff").  After each failed
 * test_and_set the waiter delays for a random time whose ceiling doubles,
 * from `base` up to `cap` relax steps, so that the number of exchanges on the
 * lock's line stays small however many threads wait.  Delays spent are
 * counted by the spin-wait helper, so the yield policy still applies.
 *
 * FIFO: none; backoff favours the last releaser, so it is the least fair
 * lock here and often the fastest at low thread counts.
 * Context: none.
 * Ordering: as usync_tas (acquire exchange, release store).
 * Memory: 12 bytes (the lock word and the policy and delay bounds); not
 * padded.
 */
#ifndef USYNC_BACKOFF_H
#define USYNC_BACKOFF_H

#include <usync/spin.h>
#include <errno.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Default delay bounds in relax steps: base ~ one line transfer, cap a
 * few microseconds (measured with bench/usync-bench, lock workloads). */
#define USYNC_BACKOFF_BASE 2
#define USYNC_BACKOFF_CAP 128

typedef struct usync_backoff {
	USYNC_ATOMIC(uint32_t) locked; /* 0 free, 1 held */
	uint8_t policy;           /* usync_wait_policy_t */
	uint8_t reserved;
	uint16_t cap;  /* ceiling of the delay, relax steps */
	uint16_t base; /* first delay, relax steps */
} usync_backoff_t;

#define USYNC_BACKOFF_INITIALIZER                                        \
	{ USYNC_ATOMIC_INIT(0), USYNC_DEFAULT_WAIT_POLICY, 0,            \
	  USYNC_BACKOFF_CAP,                                               \
	  USYNC_BACKOFF_BASE }

USYNC_API void usync_backoff_lock_slow(usync_backoff_t *lock);
USYNC_API int usync_backoff_timedlock_slow(usync_backoff_t *lock,
					   const struct timespec *abstime);

static inline void usync_backoff_init(usync_backoff_t *lock)
{
	/* relaxed: not shared yet; publication orders it. */
	atomic_store_explicit(&lock->locked, 0, memory_order_relaxed);
	lock->policy = (uint8_t)USYNC_WAIT_DEFAULT;
	lock->reserved = 0;
	lock->cap = USYNC_BACKOFF_CAP;
	lock->base = USYNC_BACKOFF_BASE;
}

/* Set the delay bounds; 0, or EINVAL if base is 0 or cap < base.  Call
 * while no thread waits on the lock. */
static inline int usync_backoff_tune(usync_backoff_t *lock, uint16_t base,
				     uint16_t cap)
{
	if (base == 0 || cap < base)
		return EINVAL;
	lock->base = base;
	lock->cap = cap;
	return 0;
}

static inline int usync_backoff_set_policy(usync_backoff_t *lock,
					   usync_wait_policy_t policy)
{
	if (!usync_wait_policy_valid(policy))
		return EINVAL;
	lock->policy = (uint8_t)policy;
	return 0;
}

static inline bool usync_backoff_trylock(usync_backoff_t *lock)
{
	/* One exchange (acquire inside, see usync_lockword_tas). */
	return usync_lockword_tas(&lock->locked);
}

static inline void usync_backoff_lock(usync_backoff_t *lock)
{
	if (USYNC_UNLIKELY(!usync_backoff_trylock(lock)))
		usync_backoff_lock_slow(lock);
}

/* Lock, waiting no later than abstime: as usync_tas_timedlock.  The clock
 * is read before every delay. */
static inline int usync_backoff_timedlock(usync_backoff_t *lock,
					  const struct timespec *abstime)
{
	if (USYNC_UNLIKELY(!usync_abstime_valid(abstime)))
		return EINVAL;
	if (USYNC_LIKELY(usync_backoff_trylock(lock)))
		return 0;
	return usync_backoff_timedlock_slow(lock, abstime);
}

static inline void usync_backoff_unlock(usync_backoff_t *lock)
{
	/* relaxed: a debug check of our own lock word. */
	USYNC_CHECK(atomic_load_explicit(&lock->locked, memory_order_relaxed) !=
			    0,
		    "unlock of a lock that is not held");
	/* release: pairs with the acquire RMW of the next lock/trylock;
	 * publishes the critical section.  Under the park policy an
	 * exchange that also wakes a sleeper (usync_wake_store). */
	usync_wake_store(&lock->locked, 0, (usync_wait_policy_t)lock->policy,
			 1);
}

#ifdef __cplusplus
}
#endif

#endif /* USYNC_BACKOFF_H */
