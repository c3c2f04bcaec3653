/*
 * src/barriers/barrier_internal.h - the generic barrier API's dispatch table
 * and the allocation helper the barrier files share.
 *
 * Each algorithm file defines one usync_barrier_ops_<name>; registry.c lists
 * them once, in the order usync_barrier_algorithms() reports.  Adding an
 * algorithm is: write its header and file, add one line to the registry.
 *
 * Also the one misuse check every barrier shares (thread_id reuse, below).
 */
#ifndef USYNC_BARRIER_INTERNAL_H
#define USYNC_BARRIER_INTERNAL_H

#include <usync/usync.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifndef USYNC_HIDDEN
#define USYNC_HIDDEN __attribute__((visibility("hidden")))
#endif

union usync_barrier_state {
	usync_counter_barrier_t counter;
	usync_tree_barrier_t tree;
	usync_mcs_barrier_t mcs;
	usync_tournament_barrier_t tournament;
	usync_dissemination_barrier_t dissemination;
};

struct usync_barrier_ops {
	const char *name;
	/* 0 or a positive errno; on failure nothing is left allocated. */
	int (*init)(union usync_barrier_state *s, unsigned nthreads);
	void (*destroy)(union usync_barrier_state *s);
	/* 0, or EINVAL at once for thread_id >= nthreads. */
	int (*wait)(union usync_barrier_state *s, unsigned thread_id);
	/* 0, or EINVAL for an unknown policy. */
	int (*set_policy)(union usync_barrier_state *s, usync_wait_policy_t p);
};

struct usync_barrier {
	const struct usync_barrier_ops *ops;
	USYNC_ALIGNED union usync_barrier_state state;
};

/* The registry, in the order usync_barrier_algorithms() lists the names:
 * X(name) for each algorithm, whose ops are usync_barrier_ops_<name>. */
#define USYNC_BARRIER_REGISTRY(X) \
	X(counter) X(tree) X(mcs) X(tournament) X(dissemination)

#define USYNC_BARRIER_OPS_DECLARE(name) \
	extern USYNC_HIDDEN const struct usync_barrier_ops \
		usync_barrier_ops_##name;
USYNC_BARRIER_REGISTRY(USYNC_BARRIER_OPS_DECLARE)

/*
 * Zeroed, cache-line-aligned array of `count` records of `size` bytes
 * (size a multiple of USYNC_CACHELINE, as every record type's static
 * assertion guarantees).  NULL on overflow or when out of memory.
 */
static inline void *usync_barrier_alloc_lines(size_t count, size_t size)
{
	if (count == 0 || size == 0 || count > SIZE_MAX / size)
		return NULL;
	void *p = aligned_alloc(USYNC_CACHELINE, count * size);
	if (p != NULL)
		memset(p, 0, count * size);
	return p;
}

/*
 * Misuse check: a thread_id used by two threads at once (debug builds only).
 *
 * Every barrier's per-thread record (the one indexed by thread_id) carries,
 * under USYNC_DEBUG_CHECKS only, `_Atomic(uint32_t) debug_inside`, 1 from
 * entry to exit of wait.  USYNC_BARRIER_DEBUG_ENTER(rec) sets it with an
 * exchange and fails the check if it was already set: a second thread is
 * in wait with the same thread_id.  Detectable only while both calls
 * overlap; the second to enter aborts, before it touches any of the
 * record's plain fields (which the first one owns).  USYNC_BARRIER_DEBUG_EXIT
 * clears it on the way out.  Release builds: no field, no code.
 *
 * relaxed: diagnostic state.  Correct use touches it from the owner thread
 * only (sequenced, no false alarm); for overlapping misuse the exchanges on
 * the one word are totally ordered, so the later one reads the 1.
 */
#if USYNC_DEBUG_CHECKS
static inline bool usync_barrier_debug_enter(_Atomic(uint32_t) *inside)
{
	return atomic_exchange_explicit(inside, 1, memory_order_relaxed) == 0;
}
/* A macro so that the message names the caller's wait function. */
#define USYNC_BARRIER_DEBUG_ENTER(rec)                                        \
	do {                                                                   \
		bool usync_fresh_ =                                            \
			usync_barrier_debug_enter(&(rec)->debug_inside);       \
		USYNC_CHECK(usync_fresh_,                                      \
			    "thread_id is already waiting in this barrier");   \
	} while (0)
#define USYNC_BARRIER_DEBUG_EXIT(rec)                                         \
	atomic_store_explicit(&(rec)->debug_inside, 0, memory_order_relaxed)
#else
#define USYNC_BARRIER_DEBUG_ENTER(rec) ((void)0)
#define USYNC_BARRIER_DEBUG_EXIT(rec) ((void)0)
#endif

/* ceil(log2 n) for n >= 1. */
static inline uint32_t usync_barrier_ceil_log2(uint32_t n)
{
	uint32_t rounds = 0;
	while ((UINT64_C(1) << rounds) < n)
		rounds++;
	return rounds;
}

#endif /* USYNC_BARRIER_INTERNAL_H */
