/*
 * usync/counter_barrier.h - centralized counting barrier with sense reversal.
 *
 * Algorithm: MCS'91 section 3.1, Algorithm 7 (J. M. Mellor-Crummey and M. L.
 * Scott, "Algorithms for scalable synchronization on shared-memory
 * multiprocessors", ACM TOCS 9(1), 1991), after Hensgen, Finkel & Manber
 * 1988.  Every arriving thread increments one shared counter.  All but the
 * last spin on one shared `sense` word; the last arriver resets the counter
 * and then flips `sense`, releasing everyone.  Each thread keeps a private
 * sense (flipped on every episode) so the barrier is reusable without
 * re-initialisation.
 *
 * The count-reset race: if the sense were flipped before the counter was
 * reset, a released thread could race into the next episode, increment the
 * stale counter and be counted twice.  Here the last arriver resets the
 * counter first and only then publishes the new sense, so every increment
 * of episode e+1 comes after the reset.
 *
 * Rounds per episode: 1.  Messages (remote writes) per episode: N
 * increments of the counter + 1 sense flip (which invalidates N - 1
 * spinners' copies).  Spinning is on one shared line, not a local one:
 * O(N) coherence traffic per episode on a cache-coherent machine.
 * Memory: 3 cache lines + one line per thread for its private sense.
 *
 * Park policy (USYNC_WAIT_PARK): all waiters sleep on `sense`, the one
 * word they poll; the last arriver publishes the new sense with an
 * exchange and, if any waiter had parked, wakes them all (nwake INT_MAX:
 * every waiter's condition holds at once).
 *
 * Ordering contract: everything a thread wrote before entering episode e
 * is visible to every thread after it leaves episode e.  Each arrival's
 * increment is a release; the last arriver's increment also acquires (it
 * reads the release sequence of all earlier increments); its release write
 * of `sense` (a store, or under the park policy an exchange) is read by
 * the waiters' acquire loads.
 *
 * Not guaranteed: a thread may not call wait with a thread_id another
 * thread is using (debug builds abort with "thread_id is already waiting
 * in this barrier" when the two calls overlap); set_policy must not run
 * while threads are in the barrier.
 */
#ifndef USYNC_COUNTER_BARRIER_H
#define USYNC_COUNTER_BARRIER_H

#include <usync/spin.h>
#include <errno.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef USYNC_BARRIER_MAX_THREADS
/* Most participants any usync barrier accepts at init. */
#define USYNC_BARRIER_MAX_THREADS (1u << 20)
#endif

/* Per-thread private state, one line each, indexed by thread_id. */
typedef struct usync_counter_barrier_thread {
	USYNC_ALIGNED uint32_t sense; /* written and read by its owner only */
#if USYNC_DEBUG_CHECKS
	/* 1 while a thread is in wait with this thread_id (misuse check);
	 * zeroed at init, fits in the line's padding. */
	USYNC_ATOMIC(uint32_t) debug_inside;
#endif
} usync_counter_barrier_thread_t;

USYNC_STATIC_ASSERT(sizeof(usync_counter_barrier_thread_t) == USYNC_CACHELINE,
		    "one counter-barrier thread record per cache line");

typedef struct usync_counter_barrier {
	/* Arrivals so far this episode; every arrival writes it. */
	USYNC_ALIGNED USYNC_ATOMIC(uint32_t) count;
	/* The one word everyone spins (or sleeps) on; written once per
	 * episode.  Values 0 and 1: the top bit is USYNC_PARKED's. */
	USYNC_ALIGNED USYNC_ATOMIC(uint32_t) sense;
	/* Read-only after init. */
	USYNC_ALIGNED usync_counter_barrier_thread_t *threads;
	uint32_t nthreads;
	uint32_t policy;
} usync_counter_barrier_t;

USYNC_STATIC_ASSERT(sizeof(usync_counter_barrier_t) == 3 * USYNC_CACHELINE,
		    "count, sense and the read-only fields on three lines");

/* Initialise for exactly nthreads participants.  0, EINVAL (NULL b,
 * nthreads 0 or above USYNC_BARRIER_MAX_THREADS) or ENOMEM; nothing is
 * allocated on failure.  The policy is USYNC_WAIT_DEFAULT. */
USYNC_API int usync_counter_barrier_init(usync_counter_barrier_t *b,
					 unsigned nthreads);
/* Free the barrier's memory; no thread may be inside it.  NULL: no-op. */
USYNC_API void usync_counter_barrier_destroy(usync_counter_barrier_t *b);
/* Wait for all nthreads participants (see the ordering contract above).
 * thread_id must be distinct per participant, in [0, nthreads).  Returns
 * 0, or EINVAL at once, touching nothing, if thread_id >= nthreads. */
USYNC_API int usync_counter_barrier_wait(usync_counter_barrier_t *b,
					 unsigned thread_id);

/* Set the waiting policy; call while no thread is in the barrier.
 * 0, or EINVAL for an unknown policy. */
static inline int usync_counter_barrier_set_policy(usync_counter_barrier_t *b,
						   usync_wait_policy_t policy)
{
	return usync_wait_policy_set(&b->policy, policy);
}

#ifdef __cplusplus
}
#endif

#endif /* USYNC_COUNTER_BARRIER_H */
