/*
 * usync/dissemination_barrier.h - dissemination barrier.
 *
 * Algorithm: D. Hensgen, R. Finkel and U. Manber, "Two algorithms for
 * barrier synchronization", IJPP 17(1), 1988; MCS'91 section 3.3, Algorithm
 * 9 (with parity and sense reversal).  In round k (0 .. ceil(log2 N) - 1)
 * thread i writes its partner's flag, thread (i + 2^k) mod N, and spins on
 * its own round-k flag, written by thread (i - 2^k) mod N.  After round k a
 * thread has heard, directly or not, from the 2^(k+1) - 1 threads before
 * it, so after ceil(log2 N) rounds from all.  Two sets of flags used
 * alternately (parity) and a sense flipped every second episode make it
 * reusable: a flag is not rewritten before its owner has read it.
 *
 * Rounds per episode: ceil(log2 N), no separate wakeup.  Messages per
 * episode: N * ceil(log2 N) (not O(N), but all in parallel, no hot spot).
 * Spinning: each thread on its own per-round flag, one line each, written
 * only by its statically known partner.
 * Memory: 2 * N * ceil(log2 N) lines of flags + one line per thread:
 * O(N log N).
 *
 * Park policy (USYNC_WAIT_PARK): a thread sleeps on the round flag it
 * polls; the partner writes it with an exchange and wakes its one sleeper
 * (nwake 1).
 *
 * Ordering contract: everything a thread wrote before entering episode e is
 * visible to every thread after it leaves episode e.  Each flag write is a
 * release (a store, or under the park policy an exchange) read by the
 * owner's acquire poll; the chain of rounds carries
 * every thread's writes to every other thread by the last round.
 *
 * Not guaranteed: a thread may not call wait with a thread_id another
 * thread is using (debug builds abort with "thread_id is already waiting
 * in this barrier" when the two calls overlap); set_policy must not run
 * while threads are in the barrier.
 */
#ifndef USYNC_DISSEMINATION_BARRIER_H
#define USYNC_DISSEMINATION_BARRIER_H

#include <usync/spin.h>
#include <errno.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef USYNC_BARRIER_MAX_THREADS
/* Most participants any usync barrier accepts at init. */
#define USYNC_BARRIER_MAX_THREADS (1u << 20)
#endif

/* One spin flag, one line. */
typedef struct usync_dissemination_barrier_flag {
	USYNC_ALIGNED USYNC_ATOMIC(uint32_t) value;
} usync_dissemination_barrier_flag_t;

USYNC_STATIC_ASSERT(sizeof(usync_dissemination_barrier_flag_t) ==
			    USYNC_CACHELINE,
		    "one dissemination flag per cache line");

/* Per-thread private state, one line each, indexed by thread_id; written
 * and read by its owner only. */
typedef struct usync_dissemination_barrier_thread {
	USYNC_ALIGNED uint32_t parity; /* which flag set this episode uses */
	uint32_t sense;                /* flips when parity wraps to 0 */
#if USYNC_DEBUG_CHECKS
	/* 1 while a thread is in wait with this thread_id (misuse check);
	 * zeroed at init, fits in the line's padding. */
	USYNC_ATOMIC(uint32_t) debug_inside;
#endif
} usync_dissemination_barrier_thread_t;

USYNC_STATIC_ASSERT(sizeof(usync_dissemination_barrier_thread_t) ==
			    USYNC_CACHELINE,
		    "one dissemination thread record per cache line");

typedef struct usync_dissemination_barrier {
	/* Read-only after init.  flags[(i * 2 + parity) * nrounds + k] is
	 * thread i's round-k flag of the given parity. */
	usync_dissemination_barrier_flag_t *flags;
	usync_dissemination_barrier_thread_t *threads;
	uint32_t nthreads;
	uint32_t nrounds; /* ceil(log2 nthreads) */
	uint32_t policy;
} usync_dissemination_barrier_t;

/* Initialise for exactly nthreads participants.  0, EINVAL (NULL b,
 * nthreads 0 or above USYNC_BARRIER_MAX_THREADS) or ENOMEM; nothing is
 * allocated on failure.  The policy is USYNC_WAIT_DEFAULT. */
USYNC_API int
usync_dissemination_barrier_init(usync_dissemination_barrier_t *b,
				 unsigned nthreads);
/* Free the barrier's memory; no thread may be inside it.  NULL: no-op. */
USYNC_API void
usync_dissemination_barrier_destroy(usync_dissemination_barrier_t *b);
/* Wait for all nthreads participants (see the ordering contract above).
 * thread_id must be distinct per participant, in [0, nthreads).  Returns
 * 0, or EINVAL at once, touching nothing, if thread_id >= nthreads. */
USYNC_API int
usync_dissemination_barrier_wait(usync_dissemination_barrier_t *b,
				 unsigned thread_id);

/* Set the waiting policy; call while no thread is in the barrier.
 * 0, or EINVAL for an unknown policy. */
static inline int
usync_dissemination_barrier_set_policy(usync_dissemination_barrier_t *b,
				       usync_wait_policy_t policy)
{
	return usync_wait_policy_set(&b->policy, policy);
}

#ifdef __cplusplus
}
#endif

#endif /* USYNC_DISSEMINATION_BARRIER_H */
