/*
 * usync/tas.h - test-and-set spin lock.
 *
 * Algorithm: the plain test_and_set lock of MCS'91 section 2.1 (J. M.
 * Mellor-Crummey and M. L. Scott, "Algorithms for Scalable Synchronization on
 * Shared-Memory Multiprocessors", ACM TOCS 9(1), 1991).  A waiter retries the
 * atomic exchange itself, so every poll is a read-for-ownership of the lock's
 * line: the baseline every other lock improves on.
 *
 * FIFO: none; any waiter may win, a waiter may starve.
 * Context: none.
 * Ordering: a successful lock or trylock is an acquire that pairs with the
 * release store of the previous usync_tas_unlock; everything the previous
 * holder wrote in its critical section is visible to the next.
 * Memory: 8 bytes; not padded (embed it where its line is not shared with
 * unrelated hot data, or wrap it in a USYNC_ALIGNED struct).
 */
#ifndef USYNC_TAS_H
#define USYNC_TAS_H

#include <usync/spin.h>
#include <errno.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct usync_tas {
	USYNC_ATOMIC(uint32_t) locked; /* 0 free, 1 held */
	uint32_t policy;          /* usync_wait_policy_t, read by waiters */
} usync_tas_t;

#define USYNC_TAS_INITIALIZER { USYNC_ATOMIC_INIT(0), USYNC_DEFAULT_WAIT_POLICY }

USYNC_API void usync_tas_lock_slow(usync_tas_t *lock);
USYNC_API int usync_tas_timedlock_slow(usync_tas_t *lock,
				       const struct timespec *abstime);

static inline void usync_tas_init(usync_tas_t *lock)
{
	/* relaxed: the lock is not shared yet; publishing it to other threads
	 * (thread creation, a release store) orders this store. */
	atomic_store_explicit(&lock->locked, 0, memory_order_relaxed);
	lock->policy = USYNC_WAIT_DEFAULT;
}

/* Choose the waiting policy; 0, or EINVAL for an unknown policy.  Call
 * while no thread waits on the lock. */
static inline int usync_tas_set_policy(usync_tas_t *lock,
				       usync_wait_policy_t policy)
{
	return usync_wait_policy_set(&lock->policy, policy);
}

/* true if acquired.  Never waits. */
static inline bool usync_tas_trylock(usync_tas_t *lock)
{
	/* One exchange (acquire inside, see usync_lockword_tas). */
	return usync_lockword_tas(&lock->locked);
}

static inline void usync_tas_lock(usync_tas_t *lock)
{
	if (USYNC_UNLIKELY(!usync_tas_trylock(lock)))
		usync_tas_lock_slow(lock);
}

/* Lock, waiting no later than abstime (absolute CLOCK_MONOTONIC): 0 when
 * acquired, ETIMEDOUT when the deadline passed first, EINVAL for a NULL
 * abstime or a tv_nsec outside [0, 10^9).  A deadline already past makes it
 * a trylock.  Nothing to abandon: a waiter that gives up just stops
 * retrying (under the park policy it may leave the sleepers' mark behind,
 * which costs the next unlock one futex_wake). */
static inline int usync_tas_timedlock(usync_tas_t *lock,
				      const struct timespec *abstime)
{
	if (USYNC_UNLIKELY(!usync_abstime_valid(abstime)))
		return EINVAL;
	if (USYNC_LIKELY(usync_tas_trylock(lock)))
		return 0;
	return usync_tas_timedlock_slow(lock, abstime);
}

static inline void usync_tas_unlock(usync_tas_t *lock)
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

#endif /* USYNC_TAS_H */
