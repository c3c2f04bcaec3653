/*
 * usync/usync.h - umbrella header: every lock and barrier, and the generic
 * runtime-selected lock and barrier APIs.
 *
 * Per-algorithm APIs (inline fast paths, one header each):
 *   locks     tas.h ttas.h backoff.h ticket.h anderson.h mcs.h clh.h
 *             mcs_tp.h (time-published MCS: passes over preempted waiters)
 *   waiting   cond.h (condition variable, for every lock; included below)
 *   barriers  counter_barrier.h tree_barrier.h mcs_barrier.h
 *             tournament_barrier.h dissemination_barrier.h
 *   shared    rw_counter.h rw_ticket.h
 *             rw_phasefair.h rw_mcs.h bravo.h; the generic shared-lock API is in rwlock.h
 *
 * Generic APIs: pick an algorithm by name at run time (configuration files,
 * benchmarks, tests).  One indirect call per operation.
 *
 * Errors are returned as positive errno values, as pthread does; output
 * parameters are left untouched on failure; the library never prints.
 */
#ifndef USYNC_USYNC_H
#define USYNC_USYNC_H

#include <usync/anderson.h>
#include <usync/backoff.h>
#include <usync/clh.h>
#include <usync/mcs.h>
#include <usync/mcs_tp.h>
#include <usync/tas.h>
#include <usync/ticket.h>
#include <usync/ttas.h>

#include <usync/counter_barrier.h>
#include <usync/dissemination_barrier.h>
#include <usync/mcs_barrier.h>
#include <usync/tournament_barrier.h>
#include <usync/tree_barrier.h>

#include <usync/rwlock.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ locks */

typedef struct usync_lock usync_lock_t; /* opaque */

/*
 * One acquisition's state.  A complete type so that it can live on the
 * caller's stack: pass the same ctx to the acquire (or successful
 * try_acquire) and to the matching release.  The library does not touch it
 * after release returns.  A thread holding several locks uses one ctx per
 * lock.  It is cache-line aligned (it may hold an MCS node): allocate it on
 * the stack, statically, or with aligned_alloc(USYNC_CACHELINE, ...).
 */
typedef struct usync_lock_ctx {
#ifdef __cplusplus
	/* C++'s atomics are not trivially constructible, so a union of them
	 * has no default constructor: C++ sees the same bytes, opaque. */
	alignas(USYNC_CACHELINE) unsigned char opaque[USYNC_CACHELINE];
#else
	union {
		usync_mcs_node_t mcs;
		usync_mcs_tp_node_t mcs_tp;
		usync_clh_ctx_t clh;
		unsigned slot; /* anderson */
	} u;
#endif
} usync_lock_ctx_t;

USYNC_STATIC_ASSERT(sizeof(usync_lock_ctx_t) == USYNC_CACHELINE &&
			    alignof(usync_lock_ctx_t) == USYNC_CACHELINE,
		    "C and C++ must agree on the context's layout");

/*
 * Create a lock running `algorithm` (a name from usync_lock_algorithms()).
 * max_threads is the most threads that may contend for it at once (the
 * Anderson array's capacity, the CLH node pool's size).
 * Returns 0 and sets *out; or EINVAL (out or algorithm NULL, unknown
 * algorithm, max_threads 0 or above USYNC_LOCK_MAX_THREADS, for every
 * algorithm), or ENOMEM.  On failure *out is
 * untouched and nothing is allocated.
 */
USYNC_API int usync_lock_create(usync_lock_t **out, const char *algorithm,
				unsigned max_threads);
/* Free the lock.  It must be free.  NULL is a no-op. */
USYNC_API void usync_lock_destroy(usync_lock_t *lock);
/* Acquire (waiting as the lock's policy says).  Acquire semantics: the
 * previous holder's critical section happens-before ours. */
USYNC_API void usync_lock_acquire(usync_lock_t *lock, usync_lock_ctx_t *ctx);
/* true if acquired; false without waiting if the lock is held (or, for
 * clh, when more than max_threads acquisitions are in flight). */
USYNC_API bool usync_lock_try_acquire(usync_lock_t *lock,
				      usync_lock_ctx_t *ctx);
/*
 * Acquire, waiting no later than abstime, an absolute CLOCK_MONOTONIC time
 * (usync/spin.h, "Deadlines").  0 when acquired (ctx then holds the lock,
 * as after usync_lock_acquire), ETIMEDOUT when the deadline passed first,
 * EINVAL when abstime is NULL or its tv_nsec is outside [0, 10^9).  A
 * deadline already past makes it a try_acquire.  A queue lock's waiter
 * that times out leaves the queue without disturbing the order of the
 * others (each algorithm's header says how); after ETIMEDOUT the lock and
 * ctx are as if the call had not been made.
 */
USYNC_API int usync_lock_acquire_until(usync_lock_t *lock,
				       usync_lock_ctx_t *ctx,
				       const struct timespec *abstime);
/* Release.  Release semantics, pairing with the next acquire. */
USYNC_API void usync_lock_release(usync_lock_t *lock, usync_lock_ctx_t *ctx);
/* Choose the waiting policy (usync/spin.h): 0, or EINVAL for an unknown
 * policy.  Call while no thread uses the lock. */
USYNC_API int usync_lock_set_policy(usync_lock_t *lock,
				   usync_wait_policy_t policy);
/* The lock's algorithm name (a pointer into the registry). */
USYNC_API const char *usync_lock_name(const usync_lock_t *lock);
/* NULL-terminated list of algorithm names, in registry order. */
USYNC_API const char *const *usync_lock_algorithms(void);

/* --------------------------------------------------------------- barriers */

typedef struct usync_barrier usync_barrier_t; /* opaque */

/*
 * Create a barrier for exactly nthreads participants running `algorithm`
 * (a name from usync_barrier_algorithms()).  Returns 0 and sets *out; or
 * EINVAL (out or algorithm NULL, unknown name, nthreads 0 or too large), or
 * ENOMEM.  On failure *out is untouched and nothing is allocated.
 */
USYNC_API int usync_barrier_create(usync_barrier_t **out,
				   const char *algorithm, unsigned nthreads);
/* Free the barrier; no thread may be inside it.  NULL is a no-op. */
USYNC_API void usync_barrier_destroy(usync_barrier_t *barrier);
/*
 * Each participant calls this once per episode with its own distinct
 * thread_id in [0, nthreads).  Returns 0 once every participant of the
 * episode has arrived: everything any participant wrote before entering
 * the episode is visible to every participant after it leaves.  Returns
 * EINVAL at once, touching nothing, if thread_id >= nthreads.
 */
USYNC_API int usync_barrier_wait(usync_barrier_t *barrier, unsigned thread_id);
/* Choose the waiting policy (usync/spin.h): 0, or EINVAL for a NULL
 * barrier or an unknown policy.  Call while no thread is in the barrier. */
USYNC_API int usync_barrier_set_policy(usync_barrier_t *barrier,
				      usync_wait_policy_t policy);
USYNC_API const char *usync_barrier_name(const usync_barrier_t *barrier);
/* NULL-terminated list of barrier algorithm names. */
USYNC_API const char *const *usync_barrier_algorithms(void);

#ifdef __cplusplus
}
#endif

/* After the generic lock types, which its generic half takes. */
#include <usync/cond.h>

#endif /* USYNC_USYNC_H */
