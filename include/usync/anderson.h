/*
 * usync/anderson.h - Anderson's array-based queue lock.
 *
 * Algorithm: T. E. Anderson, "The performance of spin lock alternatives for
 * shared-memory multiprocessors", IEEE TPDS 1(1), 1990; MCS'91 section 2.3.
 * An array of `capacity` slots, each on its own cache line.  An arriving
 * thread takes a ticket with fetch_and_increment(next_slot), uses slot
 * ticket mod capacity, and spins on that slot alone; the releaser grants the
 * following slot.  Each handoff costs one line transfer to exactly one
 * waiter.
 *
 * Departure from the paper: a slot holds the number of the ticket it last
 * granted (mod 2^31), not a has-lock / must-wait flag.  A waiter with ticket
 * t waits for its slot to read t.  A flag would have to be re-armed by each
 * holder, and on a weakly ordered machine nothing makes that re-arm visible
 * to the thread that takes the same slot one lap later (its fetch_and_
 * increment need not synchronise with the re-arming holder), so it could read
 * the previous lap's grant and enter.  A stale ticket number can never equal
 * the current one.
 *
 * Timed acquisition (usync_anderson_timedlock).  A waiter whose deadline
 * passes cannot take back its ticket, and the releaser's grant is one plain
 * store that reads nothing, so the releaser is not asked to skip it.
 * Instead the leaver writes a mark into its successor's slot: "your
 * predecessor left; its grant is yours".  A waiter that finds the mark in
 * its slot waits for the grant of the ticket before it instead, following
 * further marks back over adjacent leavers, and holds the lock when that
 * grant arrives.  The grant is never lost: it lands in the leaver's slot
 * whether it comes before or after the mark, and whoever follows the marks
 * finds it there; a leaver that sees it before leaving keeps the lock.  The
 * untimed lock and unlock paths are unchanged.
 *
 * FIFO: yes, in order of the fetch_and_increment on next_slot (or the timed
 * path's CAS on it); leavers drop out and the others keep their order.
 * Context: the slot index, written by lock/trylock, passed back to unlock.
 * Ordering: a waiter's acquire load of its slot reads the previous holder's
 * release store of the waiter's ticket into it; the ticket itself is taken
 * relaxed (a place in line grants nothing).
 * Memory: one line for next_slot, one for the read-only fields, one line
 * per slot; capacity + 1 is rounded up to a power of two (the slot after
 * the last waiter's is where a leaver's mark goes), and a power of two
 * keeps slot = ticket & mask right when the 32-bit ticket counter wraps.
 * Capacity: at most `capacity` threads should contend (hold, wait, trylock
 * or timedlock) at once.  More stay correct (two waiters sharing a slot each
 * wait for their own ticket number; a grant wakes every sleeper of the slot)
 * but they poll one line together, which is what the array exists to avoid,
 * so debug builds abort when more than `capacity` threads are inside lock or
 * hold the lock.  A leaver's ticket stays in the array until the grant
 * passes it, so a thread that times out again and again could otherwise
 * fill the array by itself: the timed path takes a ticket only while the
 * array has a slot to spare for it and for its mark (see
 * src/locks/anderson.c), and otherwise waits for one until its deadline.
 */
#ifndef USYNC_ANDERSON_H
#define USYNC_ANDERSON_H

#include <usync/spin.h>
#include <errno.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Tickets as stored in slots: 30 bits.  USYNC_ANDERSON_LEFT | t in slot
 * t & mask: the holder of ticket t - 1 left (timed out), so ticket t
 * inherits that ticket's grant.  The top bit is USYNC_PARKED. */
#define USYNC_ANDERSON_TICKET_MASK 0x3fffffffu
#define USYNC_ANDERSON_LEFT 0x40000000u

typedef struct usync_anderson_slot {
	/* The last ticket granted this slot, mod 2^31. */
	USYNC_ALIGNED USYNC_ATOMIC(uint32_t) granted;
	/* The CPU of the waiter that last took this slot in a slow path,
	 * tagged with its ticket's low 16 bits: a hint for the waiter
	 * behind it (usync_spin_extend; src/locks/anderson.c). */
	USYNC_ATOMIC(uint32_t) cpu;
} usync_anderson_slot_t;

USYNC_STATIC_ASSERT(sizeof(usync_anderson_slot_t) == USYNC_CACHELINE,
		    "one Anderson slot per cache line");

typedef struct usync_anderson {
	USYNC_ALIGNED USYNC_ATOMIC(uint32_t) next_slot;
	/* Read-only after init, on a line of their own so that arrivals'
	 * writes to next_slot do not evict them from waiters' caches. */
	USYNC_ALIGNED usync_anderson_slot_t *slots;
	uint32_t mask; /* capacity - 1, capacity a power of two */
	uint32_t policy;
#if USYNC_DEBUG_CHECKS
	uint32_t debug_capacity;          /* as given to init */
	/* The holder's ticket; after an unlock, the next ticket to grant. */
	USYNC_ATOMIC(uint32_t) debug_released;
	/* Threads inside lock or holding the lock. */
	USYNC_ATOMIC(uint32_t) debug_contenders;
#endif
} usync_anderson_t;

/* Initialise for up to `capacity` contending threads; 0, EINVAL (NULL lock,
 * capacity 0 or above USYNC_LOCK_MAX_THREADS), or ENOMEM.  Nothing is
 * allocated on failure. */
USYNC_API int usync_anderson_init(usync_anderson_t *lock, unsigned capacity);
/* Free the slots.  The lock must be free and no thread may wait on it. */
USYNC_API void usync_anderson_destroy(usync_anderson_t *lock);
USYNC_API void usync_anderson_lock_slow(usync_anderson_t *lock, uint32_t slot,
					uint32_t ticket);
USYNC_API bool usync_anderson_trylock_slow(usync_anderson_t *lock,
					   unsigned *slot_out, uint32_t ticket);
USYNC_API int usync_anderson_timedlock_slow(usync_anderson_t *lock,
					    unsigned *slot_out,
					    const struct timespec *abstime);

/* Debug builds: count a thread entering lock or taking the lock. relaxed:
 * one counter, exact in its own modification order; ordered by nothing
 * else. */
static inline void usync_anderson_debug_enter(usync_anderson_t *lock)
{
#if USYNC_DEBUG_CHECKS
	USYNC_CHECK(atomic_fetch_add_explicit(&lock->debug_contenders, 1,
					      memory_order_relaxed) <
			    lock->debug_capacity,
		    "more threads contend than the capacity given to init");
#else
	(void)lock;
#endif
}

static inline int usync_anderson_set_policy(usync_anderson_t *lock,
					    usync_wait_policy_t policy)
{
	return usync_wait_policy_set(&lock->policy, policy);
}

static inline void usync_anderson_lock(usync_anderson_t *lock,
				       unsigned *slot_out)
{
	usync_anderson_debug_enter(lock);
	/* relaxed: a ticket is only a place in line; the acquire is the load
	 * of the slot below. */
	uint32_t ticket = usync_fetch_and_increment(&lock->next_slot,
						    memory_order_relaxed);
	uint32_t slot = ticket & lock->mask;
	*slot_out = slot;
	ticket &= USYNC_ANDERSON_TICKET_MASK;
	/* acquire: pairs with the release store of our ticket in the
	 * previous holder's usync_anderson_unlock. */
	if (USYNC_UNLIKELY(atomic_load_explicit(&lock->slots[slot].granted,
						memory_order_acquire) !=
			   ticket))
		usync_anderson_lock_slow(lock, slot, ticket);
}

/* true if acquired: takes a ticket only if its slot already grants it. */
static inline bool usync_anderson_trylock(usync_anderson_t *lock,
					  unsigned *slot_out)
{
	/* relaxed: a guess at the next ticket, validated by the CAS. */
	uint32_t ticket =
		atomic_load_explicit(&lock->next_slot, memory_order_relaxed);
	uint32_t slot = ticket & lock->mask;
	/* acquire: pairs with the release store of this ticket in
	 * usync_anderson_unlock.  Only the unlock of ticket - 1 writes this
	 * value (earlier laps wrote other tickets), so reading it means the
	 * lock was handed to ticket `ticket`. */
	uint32_t seen = atomic_load_explicit(&lock->slots[slot].granted,
					     memory_order_acquire);
	if (seen != (ticket & USYNC_ANDERSON_TICKET_MASK)) {
		/* A leaver's mark for this ticket: the grant may be waiting
		 * in a slot further back. */
		if (USYNC_UNLIKELY((seen & ~USYNC_PARKED) ==
				   (USYNC_ANDERSON_LEFT |
				    (ticket & USYNC_ANDERSON_TICKET_MASK))))
			return usync_anderson_trylock_slow(lock, slot_out,
							   ticket);
		return false;
	}
	/* relaxed: success means the granted ticket was never handed out,
	 * so it is ours; the load above already ordered the handoff.
	 * Failure: someone took it, nothing acquired. */
	if (!usync_compare_and_swap(&lock->next_slot, &ticket, ticket + 1,
				    memory_order_relaxed,
				    memory_order_relaxed))
		return false;
	usync_anderson_debug_enter(lock);
	*slot_out = slot;
	return true;
}

/*
 * Acquire before abstime (absolute, CLOCK_MONOTONIC): 0 when acquired (the
 * slot in *slot_out, for unlock), ETIMEDOUT when not, EINVAL for a NULL or
 * malformed abstime; *slot_out is untouched unless 0.  A free lock is taken
 * as trylock takes it, even with a deadline already past.  Otherwise takes a
 * ticket (with a CAS, and only while the array has room: see the header
 * comment) and waits on its slot; a waiter whose deadline passes marks its
 * successor's slot and returns, and its ticket is passed over without the
 * releaser's help.  Costs one clock read per USYNC_DEADLINE_POLLS failed
 * polls, a scan of at most capacity slots to take a ticket, and a store
 * to leave.
 */
static inline int usync_anderson_timedlock(usync_anderson_t *lock,
					   unsigned *slot_out,
					   const struct timespec *abstime)
{
	if (USYNC_UNLIKELY(!usync_abstime_valid(abstime)))
		return EINVAL;
	if (USYNC_LIKELY(usync_anderson_trylock(lock, slot_out)))
		return 0;
	return usync_anderson_timedlock_slow(lock, slot_out, abstime);
}

static inline void usync_anderson_unlock(usync_anderson_t *lock,
					 unsigned slot)
{
#if USYNC_DEBUG_CHECKS
	/* relaxed (debug only): the holder's ticket is the number of unlocks
	 * so far; the count is published to the next holder by the release
	 * below, after which only it writes the count. */
	uint32_t released = atomic_load_explicit(&lock->debug_released,
						  memory_order_relaxed);
	USYNC_CHECK(atomic_load_explicit(&lock->next_slot,
					 memory_order_relaxed) != released,
		    "unlock of a lock that is not held");
	USYNC_CHECK(slot == (released & lock->mask),
		    "unlock with a slot that does not hold the lock");
	atomic_store_explicit(&lock->debug_released, released + 1,
			      memory_order_relaxed);
	atomic_fetch_sub_explicit(&lock->debug_contenders, 1,
				  memory_order_relaxed);
#endif
	/* relaxed: our own slot holds our ticket (USYNC_ANDERSON_LEFT with
	 * it if we inherited a leaver's grant); nobody writes it again
	 * before the grant below has been passed on a whole lap. */
	uint32_t ticket =
		atomic_load_explicit(&lock->slots[slot].granted,
				     memory_order_relaxed) &
		USYNC_ANDERSON_TICKET_MASK;
	/* release: pairs with the acquire load of the next slot in the
	 * next holder's lock/trylock/lock_slow; publishes the critical
	 * section.  Under the park policy also wakes that slot's sleepers:
	 * one, unless more threads than the capacity share the slot. */
	usync_wake_store(&lock->slots[(slot + 1) & lock->mask].granted,
			 (ticket + 1) & USYNC_ANDERSON_TICKET_MASK,
			 (usync_wait_policy_t)lock->policy, 0x7fffffff);
}

#ifdef __cplusplus
}
#endif

#endif /* USYNC_ANDERSON_H */
