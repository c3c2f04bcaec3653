/*
 * usync/anderson.h - Anderson's array-based queue lock.
 *
 * Algorithm: T. E. Anderson, "The performance of spin lock alternatives for
 * shared-memory multiprocessors", IEEE TPDS 1(1), 1990; MCS'91 section 2.3.
 * An array of `capacity` flags, each on its own cache line.  An arriving
 * thread takes a slot with fetch_and_increment(next_slot) mod capacity and
 * spins on that slot's flag alone; the releaser grants the following slot.
 * Each handoff therefore costs one line transfer to exactly one waiter.
 *
 * FIFO: yes, in order of the fetch_and_increment on next_slot.
 * Context: the slot index, written by lock/trylock, passed back to unlock.
 * Ordering: a waiter's acquire load of its slot reads the releaser's release
 * store to that slot.
 * Memory: one line for next_slot plus one line per slot; capacity is rounded
 * up to a power of two so that slot = ticket & mask stays right when the
 * 32-bit ticket counter wraps.
 * Limit: at most `capacity` threads may contend (hold, wait or trylock) at
 * once; more would share a slot and break mutual exclusion.
 */
#ifndef USYNC_ANDERSON_H
#define USYNC_ANDERSON_H

#include <usync/spin.h>
#include <errno.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct usync_anderson_slot {
	USYNC_ALIGNED _Atomic(uint32_t) must_wait; /* 0 = has the lock */
} usync_anderson_slot_t;

USYNC_STATIC_ASSERT(sizeof(usync_anderson_slot_t) == USYNC_CACHELINE,
		    "one Anderson slot per cache line");

typedef struct usync_anderson {
	USYNC_ALIGNED _Atomic(uint32_t) next_slot;
	/* Read-only after init, on a line of their own so that arrivals'
	 * writes to next_slot do not evict them from waiters' caches. */
	USYNC_ALIGNED usync_anderson_slot_t *slots;
	uint32_t mask; /* capacity - 1, capacity a power of two */
	uint32_t policy;
#if USYNC_DEBUG_CHECKS
	uint32_t debug_capacity;          /* as given to init */
	_Atomic(uint32_t) debug_released; /* unlocks so far = holder's ticket */
#endif
} usync_anderson_t;

/* Initialise for up to `capacity` contending threads; 0, EINVAL (NULL lock,
 * capacity 0 or above 2^31), or ENOMEM.  Nothing is allocated on failure. */
USYNC_API int usync_anderson_init(usync_anderson_t *lock, unsigned capacity);
/* Free the slots.  The lock must be free and no thread may wait on it. */
USYNC_API void usync_anderson_destroy(usync_anderson_t *lock);
USYNC_API void usync_anderson_lock_slow(usync_anderson_t *lock,
					uint32_t slot);

static inline int usync_anderson_set_policy(usync_anderson_t *lock,
					    usync_wait_policy_t policy)
{
	if (!usync_wait_policy_valid(policy))
		return EINVAL;
	lock->policy = (uint32_t)policy;
	return 0;
}

static inline void usync_anderson_lock(usync_anderson_t *lock,
				       unsigned *slot_out)
{
	/* relaxed: a slot is only a place in line; the acquire is the load
	 * of the slot's flag below. */
	uint32_t ticket = usync_fetch_and_increment(&lock->next_slot,
						    memory_order_relaxed);
	uint32_t slot = ticket & lock->mask;
	/* relaxed: a debug count; tickets at or beyond capacity ahead of
	 * the holder would share a slot with a waiter. */
	USYNC_CHECK(ticket - atomic_load_explicit(&lock->debug_released,
						  memory_order_relaxed) <
			    lock->debug_capacity,
		    "more threads contend than the capacity given to init");
	*slot_out = slot;
	/* acquire: pairs with the release store in usync_anderson_unlock
	 * that grants this slot. */
	if (USYNC_UNLIKELY(atomic_load_explicit(&lock->slots[slot].must_wait,
						memory_order_acquire) != 0))
		usync_anderson_lock_slow(lock, slot);
	/* relaxed: re-arm our slot for its next lap.  The grant that ends
	 * that lap is made by a later holder, which our release in unlock
	 * happens-before, so this store is ordered before it. */
	atomic_store_explicit(&lock->slots[slot].must_wait, 1,
			      memory_order_relaxed);
}

/* true if acquired: takes a slot only if that slot is already granted. */
static inline bool usync_anderson_trylock(usync_anderson_t *lock,
					  unsigned *slot_out)
{
	/* relaxed: a guess at the next ticket, validated by the CAS. */
	uint32_t ticket =
		atomic_load_explicit(&lock->next_slot, memory_order_relaxed);
	uint32_t slot = ticket & lock->mask;
	/* acquire: pairs with the release store in usync_anderson_unlock
	 * that granted this slot.  Within the capacity limit the grant we
	 * read is this lap's: the slot's previous ticket is at least
	 * capacity tickets back and has re-armed and released. */
	if (atomic_load_explicit(&lock->slots[slot].must_wait,
				 memory_order_acquire) != 0)
		return false;
	/* acquire on success: the ticket (hence the granted slot) is now
	 * ours and the critical section stays after it; relaxed on failure:
	 * someone else took the ticket, nothing was acquired. */
	if (!usync_compare_and_swap(&lock->next_slot, &ticket, ticket + 1,
				    memory_order_acquire,
				    memory_order_relaxed))
		return false;
	/* relaxed: re-arm, as in usync_anderson_lock. */
	atomic_store_explicit(&lock->slots[slot].must_wait, 1,
			      memory_order_relaxed);
	*slot_out = slot;
	return true;
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
#endif
	/* release: pairs with the acquire load of that slot in the next
	 * holder's lock/trylock/lock_slow; publishes the critical section.
	 * Under the park policy also wakes that slot's waiter if it slept. */
	usync_wake_store(&lock->slots[(slot + 1) & lock->mask].must_wait, 0,
			 (usync_wait_policy_t)lock->policy, 1);
}

#ifdef __cplusplus
}
#endif

#endif /* USYNC_ANDERSON_H */
