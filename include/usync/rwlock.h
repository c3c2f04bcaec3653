/*
 * usync/rwlock.h - the generic shared (reader-writer) lock API: pick an
 * algorithm by name at run time.  One indirect call per operation.
 * Included by usync/usync.h.
 *
 * Algorithms (one header each, with inline fast paths):
 *   rw_counter    one word, writer preference (usync/rw_counter.h)
 *   rw_ticket     two counters, FIFO across readers and writers (MCS'91)
 *   rw_phasefair  phase-fair: readers wait at most one writer phase
 *   rw_mcs        MCS'91 fair queue lock: each waiter spins on its own node
 *   bravo:<inner> BRAVO reader bias around one of the four, e.g.
 *                 "bravo:rw_phasefair": readers write only a slot of a
 *                 global table while no writer comes (usync/bravo.h)
 *
 * None offers upgrade (read to write) or downgrade: release and re-acquire.
 * Errors are returned as positive errno values; output parameters are left
 * untouched on failure; the library never prints.
 */
#ifndef USYNC_RWLOCK_H
#define USYNC_RWLOCK_H

#include <usync/bravo.h>
#include <usync/rw_counter.h>
#include <usync/rw_mcs.h>
#include <usync/rw_phasefair.h>
#include <usync/rw_ticket.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct usync_rwlock usync_rwlock_t; /* opaque */

/*
 * One acquisition's state, for readers and writers alike.  A complete type
 * so that it can live on the caller's stack: pass the same ctx to the
 * acquire (or successful try_acquire) and to the matching release.  The
 * library does not touch it after release returns.  A thread holding
 * several locks uses one ctx per lock.  Cache-line aligned (it may hold a
 * queue node): allocate it on the stack, statically, or with
 * aligned_alloc(USYNC_CACHELINE, ...).
 */
typedef struct usync_rwlock_ctx {
#ifdef __cplusplus
	alignas(USYNC_CACHELINE) unsigned char opaque[2 * USYNC_CACHELINE];
#else
	union {
		usync_rw_mcs_node_t rw_mcs;
		usync_bravo_ctx_t bravo;
		USYNC_ALIGNED unsigned char reserved[2 * USYNC_CACHELINE];
	} u;
#endif
} usync_rwlock_ctx_t;

USYNC_STATIC_ASSERT(sizeof(usync_rwlock_ctx_t) == 2 * USYNC_CACHELINE &&
			    alignof(usync_rwlock_ctx_t) == USYNC_CACHELINE,
		    "C and C++ must agree on the context's layout");

/*
 * Create a shared lock running `algorithm` (a name from
 * usync_rwlock_algorithms()).  max_threads is the most threads that may use
 * it at once.  Returns 0 and sets *out; or EINVAL (out or algorithm NULL,
 * unknown algorithm, max_threads 0 or above the algorithm's limit), or
 * ENOMEM.  On failure *out is untouched and nothing is allocated.
 */
USYNC_API int usync_rwlock_create(usync_rwlock_t **out, const char *algorithm,
				  unsigned max_threads);
/* Free the lock.  It must be free (debug builds check).  NULL: no-op. */
USYNC_API void usync_rwlock_destroy(usync_rwlock_t *rw);
/* Enter for reading (shared with other readers, waiting as the policy
 * says).  Acquire: the last writer's critical section happens-before ours. */
USYNC_API void usync_rwlock_read_acquire(usync_rwlock_t *rw,
					 usync_rwlock_ctx_t *ctx);
/* true if entered for reading; false, without waiting, if not at once. */
USYNC_API bool usync_rwlock_read_try_acquire(usync_rwlock_t *rw,
					     usync_rwlock_ctx_t *ctx);
/* Leave a read section.  Release: our reads happen-before the next
 * writer's critical section. */
USYNC_API void usync_rwlock_read_release(usync_rwlock_t *rw,
					 usync_rwlock_ctx_t *ctx);
/* Enter for writing (exclusive).  Acquire: every earlier critical section,
 * read or write, happens-before ours. */
USYNC_API void usync_rwlock_write_acquire(usync_rwlock_t *rw,
					  usync_rwlock_ctx_t *ctx);
/* true if entered for writing; false, without waiting, if not at once. */
USYNC_API bool usync_rwlock_write_try_acquire(usync_rwlock_t *rw,
					      usync_rwlock_ctx_t *ctx);
/* Leave the write section.  Release, pairing with the next acquire. */
USYNC_API void usync_rwlock_write_release(usync_rwlock_t *rw,
					  usync_rwlock_ctx_t *ctx);
/* Choose the waiting policy (usync/spin.h): 0, or EINVAL for a NULL lock
 * or an unknown policy.  Call while no thread uses the lock. */
USYNC_API int usync_rwlock_set_policy(usync_rwlock_t *rw,
				     usync_wait_policy_t policy);
/* The lock's algorithm name (a pointer into the registry). */
USYNC_API const char *usync_rwlock_name(const usync_rwlock_t *rw);
/* NULL-terminated list of algorithm names, in registry order. */
USYNC_API const char *const *usync_rwlock_algorithms(void);

#ifdef __cplusplus
}
#endif

#endif /* USYNC_RWLOCK_H */
