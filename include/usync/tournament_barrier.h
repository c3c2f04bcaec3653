/*
 * usync/tournament_barrier.h - tournament barrier with static winners.
 *
 * Algorithm: D. Hensgen, R. Finkel and U. Manber, "Two algorithms for
 * barrier synchronization", IJPP 17(1), 1988; MCS'91 section 3.4, Algorithm 10
 * (the version with statically determined winners and sense
 * reversal).  In round k (1 .. ceil(log2 N)) thread i with i mod 2^k == 0
 * is the winner of its match against i + 2^(k-1) (or has a bye if that
 * thread does not exist); the loser tells the winner it has arrived by
 * writing the winner's round-k flag, then spins on its own round-k flag.
 * Thread 0 is the champion of the last round.  Wakeup retraces the
 * tournament: each winner, once released, writes its losers' flags from
 * the highest round down.
 *
 * Rounds per episode: ceil(log2 N) up and as many down.  Messages per
 * episode: 2(N - 1): one arrival and one wakeup write per match.
 * Spinning: each thread on its own per-round flag, one line each, written
 * only by its statically known opponent.
 * Memory: N * (ceil(log2 N) + 1) lines of round records + one line per
 * thread: O(N log N).
 *
 * Park policy (USYNC_WAIT_PARK): a thread sleeps on the round flag it
 * polls; the opponent writes it with an exchange and wakes its one
 * sleeper (nwake 1).
 *
 * Ordering contract: everything a thread wrote before entering episode e is
 * visible to every thread after it leaves episode e.  Each flag write is a
 * release (a store, or under the park policy an exchange) read by the
 * opponent's acquire poll; the champion has acquired
 * every loser's arrival, transitively all threads'; wakeup writes carry
 * that to every loser.
 *
 * Not guaranteed: a thread may not call wait with a thread_id another
 * thread is using (debug builds abort with "thread_id is already waiting
 * in this barrier" when the two calls overlap); set_policy must not run
 * while threads are in the barrier.
 */
#ifndef USYNC_TOURNAMENT_BARRIER_H
#define USYNC_TOURNAMENT_BARRIER_H

#include <usync/spin.h>
#include <errno.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef USYNC_BARRIER_MAX_THREADS
/* Most participants any usync barrier accepts at init. */
#define USYNC_BARRIER_MAX_THREADS (1u << 20)
#endif

/* A thread's role in one round (MCS'91 Algorithm 10). */
enum usync_tournament_role {
	USYNC_TOURNAMENT_DROPOUT = 0, /* round 0: end of the wakeup walk */
	USYNC_TOURNAMENT_WINNER,
	USYNC_TOURNAMENT_LOSER,
	USYNC_TOURNAMENT_BYE,
	USYNC_TOURNAMENT_CHAMPION,
	USYNC_TOURNAMENT_UNUSED,
};

typedef struct usync_tournament_barrier_round {
	/* Written by this round's opponent once per episode (its arrival if
	 * we win, its wakeup if we lose); polled by the owner. */
	USYNC_ALIGNED USYNC_ATOMIC(uint32_t) flag;
	uint32_t role; /* enum usync_tournament_role; read-only */
	/* The opponent's flag in this round (winner, loser, champion);
	 * read-only after init. */
	USYNC_ATOMIC(uint32_t) *opponent;
} usync_tournament_barrier_round_t;

USYNC_STATIC_ASSERT(sizeof(usync_tournament_barrier_round_t) ==
			    USYNC_CACHELINE,
		    "one tournament round record per cache line");

/* Per-thread private state, one line each, indexed by thread_id. */
typedef struct usync_tournament_barrier_thread {
	USYNC_ALIGNED uint32_t sense; /* written and read by its owner only */
#if USYNC_DEBUG_CHECKS
	/* 1 while a thread is in wait with this thread_id (misuse check);
	 * zeroed at init, fits in the line's padding. */
	USYNC_ATOMIC(uint32_t) debug_inside;
#endif
} usync_tournament_barrier_thread_t;

USYNC_STATIC_ASSERT(sizeof(usync_tournament_barrier_thread_t) ==
			    USYNC_CACHELINE,
		    "one tournament thread record per cache line");

typedef struct usync_tournament_barrier {
	/* Read-only after init.  rounds[i * (nrounds + 1) + k] is thread
	 * i's record for round k, 0 <= k <= nrounds. */
	usync_tournament_barrier_round_t *rounds;
	usync_tournament_barrier_thread_t *threads;
	uint32_t nthreads;
	uint32_t nrounds; /* ceil(log2 nthreads) */
	uint32_t policy;
} usync_tournament_barrier_t;

/* Initialise for exactly nthreads participants.  0, EINVAL (NULL b,
 * nthreads 0 or above USYNC_BARRIER_MAX_THREADS) or ENOMEM; nothing is
 * allocated on failure.  The policy is USYNC_WAIT_DEFAULT. */
USYNC_API int usync_tournament_barrier_init(usync_tournament_barrier_t *b,
					    unsigned nthreads);
/* Free the barrier's memory; no thread may be inside it.  NULL: no-op. */
USYNC_API void usync_tournament_barrier_destroy(usync_tournament_barrier_t *b);
/* Wait for all nthreads participants (see the ordering contract above).
 * thread_id must be distinct per participant, in [0, nthreads).  Returns
 * 0, or EINVAL at once, touching nothing, if thread_id >= nthreads. */
USYNC_API int usync_tournament_barrier_wait(usync_tournament_barrier_t *b,
					    unsigned thread_id);

/* Set the waiting policy; call while no thread is in the barrier.
 * 0, or EINVAL for an unknown policy. */
static inline int
usync_tournament_barrier_set_policy(usync_tournament_barrier_t *b,
				    usync_wait_policy_t policy)
{
	return usync_wait_policy_set(&b->policy, policy);
}

#ifdef __cplusplus
}
#endif

#endif /* USYNC_TOURNAMENT_BARRIER_H */
