/*
 * usync/ttas.h - test-and-test-and-set spin lock.
 *
 * Algorithm: Rudolph & Segall, "Dynamic decentralized cache schemes for MIMD
 * parallel processors", ISCA 1984; discussed as "spin on read" in MCS'91
 * section 2.1 and T. E. Anderson, IEEE TPDS 1(1), 1990.  Waiters poll the lock
 * word with plain loads, which hit in their own caches while the lock is
 * held, and attempt the atomic exchange only once they see it free.  A
 * release still triggers a burst of misses and exchanges among all waiters.
 *
 * FIFO: none.
 * Context: none.
 * Ordering: a successful lock or trylock is an acquire (the exchange) that
 * pairs with the release store of usync_ttas_unlock.  The polling loads are
 * relaxed: they only decide when to try; the exchange carries the order.
 * Memory: 8 bytes; not padded.
 */
#ifndef USYNC_TTAS_H
#define USYNC_TTAS_H

#include <usync/spin.h>
#include <errno.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct usync_ttas {
	USYNC_ATOMIC(uint32_t) locked; /* 0 free, 1 held */
	uint32_t policy;          /* usync_wait_policy_t */
} usync_ttas_t;

#define USYNC_TTAS_INITIALIZER { USYNC_ATOMIC_INIT(0), USYNC_DEFAULT_WAIT_POLICY }

USYNC_API void usync_ttas_lock_slow(usync_ttas_t *lock);
USYNC_API int usync_ttas_timedlock_slow(usync_ttas_t *lock,
					const struct timespec *abstime);

static inline void usync_ttas_init(usync_ttas_t *lock)
{
	/* relaxed: not shared yet; publication orders it. */
	atomic_store_explicit(&lock->locked, 0, memory_order_relaxed);
	lock->policy = USYNC_WAIT_DEFAULT;
}

static inline int usync_ttas_set_policy(usync_ttas_t *lock,
					usync_wait_policy_t policy)
{
	return usync_wait_policy_set(&lock->policy, policy);
}

/* true if acquired.  Never waits; does not write the line when the lock is
 * visibly held. */
static inline bool usync_ttas_trylock(usync_ttas_t *lock)
{
	/* relaxed: a hint; the exchange below is the acquire. */
	if (atomic_load_explicit(&lock->locked, memory_order_relaxed) != 0)
		return false;
	/* One exchange (acquire inside, see usync_lockword_tas). */
	return usync_lockword_tas(&lock->locked);
}

static inline void usync_ttas_lock(usync_ttas_t *lock)
{
	/* The first attempt skips the read test: an uncontended lock is
	 * free.  acquire inside usync_lockword_tas. */
	if (USYNC_UNLIKELY(!usync_lockword_tas(&lock->locked)))
		usync_ttas_lock_slow(lock);
}

/* Lock, waiting no later than abstime: as usync_tas_timedlock. */
static inline int usync_ttas_timedlock(usync_ttas_t *lock,
				       const struct timespec *abstime)
{
	if (USYNC_UNLIKELY(!usync_abstime_valid(abstime)))
		return EINVAL;
	/* acquire inside usync_lockword_tas, as in usync_ttas_lock. */
	if (USYNC_LIKELY(usync_lockword_tas(&lock->locked)))
		return 0;
	return usync_ttas_timedlock_slow(lock, abstime);
}

static inline void usync_ttas_unlock(usync_ttas_t *lock)
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

#endif /* USYNC_TTAS_H */
