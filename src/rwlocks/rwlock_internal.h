/*
 * src/rwlocks/rwlock_internal.h - the generic shared-lock API's dispatch
 * table, and the park helpers of the centralized shared locks.
 *
 * Each algorithm file defines one usync_rwlock_ops_<name>; registry.c lists
 * them once, in the order usync_rwlock_algorithms() reports.  Adding an
 * algorithm is: write its header and file, add it to USYNC_RWLOCK_REGISTRY.
 */
#ifndef USYNC_RWLOCK_INTERNAL_H
#define USYNC_RWLOCK_INTERNAL_H

#include <usync/usync.h>

#include <limits.h>

#define USYNC_HIDDEN __attribute__((visibility("hidden")))

/* CLOCK_MONOTONIC in nanoseconds (src/atomics/spin.c). */
USYNC_HIDDEN uint64_t usync_clock_ns(void);

#if USYNC_DEBUG_CHECKS
/* A test seam, debug builds only: when set, rw_mcs's read_unlock calls it
 * right after the reader has counted itself out of reader_count, so that
 * tests/test_rwlocks.c can hold a reader in the window where MCS'91's last
 * reader had yet to look for the writer to admit.  Set it only while no
 * thread uses any rw_mcs lock. */
extern void (*usync_rw_mcs_test_counted_out)(void);
#endif

union usync_rwlock_state {
	usync_rw_counter_t rw_counter;
	usync_rw_ticket_t rw_ticket;
	usync_rw_phasefair_t rw_phasefair;
	usync_rw_mcs_t rw_mcs;
	usync_bravo_t bravo;
};

struct usync_rwlock_ops {
	const char *name;
	unsigned max_threads; /* the algorithm's limit */
	/* inner: for bravo, the wrapped algorithm (enum usync_bravo_inner);
	 * ignored by the others. */
	void (*init)(union usync_rwlock_state *s, unsigned inner);
	void (*destroy)(union usync_rwlock_state *s); /* the held check */
	void (*read_acquire)(union usync_rwlock_state *s,
			     usync_rwlock_ctx_t *ctx);
	bool (*read_try_acquire)(union usync_rwlock_state *s,
				 usync_rwlock_ctx_t *ctx);
	void (*read_release)(union usync_rwlock_state *s,
			     usync_rwlock_ctx_t *ctx);
	void (*write_acquire)(union usync_rwlock_state *s,
			      usync_rwlock_ctx_t *ctx);
	bool (*write_try_acquire)(union usync_rwlock_state *s,
				  usync_rwlock_ctx_t *ctx);
	void (*write_release)(union usync_rwlock_state *s,
			      usync_rwlock_ctx_t *ctx);
	int (*set_policy)(union usync_rwlock_state *s, usync_wait_policy_t p);
};

struct usync_rwlock {
	const struct usync_rwlock_ops *ops;
	const char *name;
	USYNC_ALIGNED union usync_rwlock_state state;
};

/* The registry, in the order usync_rwlock_algorithms() lists the names:
 * X(name) for each algorithm, whose ops are usync_rwlock_ops_<name>. */
#define USYNC_RWLOCK_REGISTRY(X) X(rw_counter) X(rw_ticket) X(rw_phasefair) \
	X(rw_mcs)

#define USYNC_RWLOCK_OPS_DECLARE(name) \
	extern USYNC_HIDDEN const struct usync_rwlock_ops \
		usync_rwlock_ops_##name;
USYNC_RWLOCK_REGISTRY(USYNC_RWLOCK_OPS_DECLARE)
USYNC_RWLOCK_OPS_DECLARE(bravo)

/* BRAVO around each of them, listed after them as "bravo:<inner>":
 * X(inner name, usync_bravo_inner_t). */
#define USYNC_RWLOCK_BRAVO_REGISTRY(X)                                        \
	X(rw_counter, USYNC_BRAVO_RW_COUNTER)                                 \
	X(rw_ticket, USYNC_BRAVO_RW_TICKET)                                   \
	X(rw_phasefair, USYNC_BRAVO_RW_PHASEFAIR)                             \
	X(rw_mcs, USYNC_BRAVO_RW_MCS)

/*
 * Parking on a word every bit of which the algorithm uses (so that there is
 * no room for USYNC_PARKED): the waiter counts itself in *sleepers, then
 * sleeps while *word still holds `seen`, the value that made it wait.  A
 * releaser under the park policy, after its own RMW or store on the word,
 * wakes every sleeper of the word if the count is nonzero.
 *
 * No lost wake-up: the waiter writes *sleepers then reads *word, the
 * releaser writes *word then reads *sleepers, each with a seq_cst fence in
 * between (the store-buffering pattern), so at least one sees the other's
 * write: the waiter sees the new value and does not sleep, or the releaser
 * sees the count and wakes it (futex_wait itself re-checks the value
 * atomically, so a wake-up that comes before the sleep is not lost either).
 */
static inline void usync_rw_sleep(_Atomic(uint32_t) *word, uint32_t seen,
				  _Atomic(uint32_t) *sleepers)
{
	/* relaxed: ordered against the read of *word by the fence. */
	atomic_fetch_add_explicit(sleepers, 1, memory_order_relaxed);
	/* seq_cst: pairs with the fence in usync_rw_wake. */
	atomic_thread_fence(memory_order_seq_cst);
	/* relaxed: a check only; the caller re-reads the word with acquire
	 * before it acts on it. */
	if (atomic_load_explicit(word, memory_order_relaxed) == seen)
		usync_futex_wait(word, seen);
	/* relaxed: a count for wakers; a stale nonzero costs one wake-up. */
	atomic_fetch_sub_explicit(sleepers, 1, memory_order_relaxed);
}

static inline void usync_rw_wake(_Atomic(uint32_t) *word,
				 _Atomic(uint32_t) *sleepers)
{
	/* seq_cst: pairs with the fence in usync_rw_sleep; orders the
	 * caller's write of *word before the read of the count. */
	atomic_thread_fence(memory_order_seq_cst);
	/* relaxed: ordered by the fence. */
	if (atomic_load_explicit(sleepers, memory_order_relaxed) != 0)
		usync_futex_wake(word, INT_MAX);
}

/* One failed poll of a wait on `word`, which last read `seen`: park once
 * the policy says so, else relax or yield. */
static inline void usync_rw_pause(usync_spin_t *spin, _Atomic(uint32_t) *word,
				  uint32_t seen, _Atomic(uint32_t) *sleepers)
{
	if (USYNC_UNLIKELY(usync_spin_should_park(spin)))
		usync_rw_sleep(word, seen, sleepers);
	else
		usync_spin_pause(spin);
}

#endif /* USYNC_RWLOCK_INTERNAL_H */
