/*
 * src/locks/lock_internal.h - the generic lock API's dispatch table.
 *
 * Each algorithm file defines one usync_lock_ops_<name>; registry.c lists
 * them once, in the order usync_lock_algorithms() reports.  Adding an
 * algorithm is: write its header and file, add one line to the registry.
 */
#ifndef USYNC_LOCK_INTERNAL_H
#define USYNC_LOCK_INTERNAL_H

#include <usync/usync.h>

#define USYNC_HIDDEN __attribute__((visibility("hidden")))

union usync_lock_state {
	usync_tas_t tas;
	usync_ttas_t ttas;
	usync_backoff_t backoff;
	usync_ticket_t ticket;
	usync_anderson_t anderson;
	usync_mcs_t mcs;
	usync_clh_t clh;
	usync_mcs_tp_t mcs_tp;
};

/* Park phase of the test-and-set family (src/locks/tas.c). */
USYNC_HIDDEN void usync_lockword_park(_Atomic(uint32_t) *locked);
/* The same with a deadline: true if acquired, false once it has passed. */
USYNC_HIDDEN bool usync_lockword_park_until(_Atomic(uint32_t) *locked,
					    usync_deadline_t *d);

/* CLOCK_MONOTONIC in nanoseconds (src/atomics/spin.c). */
USYNC_HIDDEN uint64_t usync_clock_ns(void);

/* Futex wait with an absolute CLOCK_MONOTONIC deadline: 0, or ETIMEDOUT
 * once it has passed (src/atomics/spin.c). */
USYNC_HIDDEN int usync_futex_wait_until(_Atomic(uint32_t) *word,
					uint32_t expected,
					const struct timespec *abstime);

struct usync_lock_ops {
	const char *name;
	/* 0 or a positive errno; on failure nothing is left allocated. */
	int (*init)(union usync_lock_state *s, unsigned max_threads);
	void (*destroy)(union usync_lock_state *s); /* may be NULL */
	void (*acquire)(union usync_lock_state *s, usync_lock_ctx_t *ctx);
	bool (*try_acquire)(union usync_lock_state *s, usync_lock_ctx_t *ctx);
	void (*release)(union usync_lock_state *s, usync_lock_ctx_t *ctx);
	/* 0 when acquired, ETIMEDOUT when not; abstime already validated
	 * (usync_abstime_valid). */
	int (*acquire_until)(union usync_lock_state *s, usync_lock_ctx_t *ctx,
			     const struct timespec *abstime);
	int (*set_policy)(union usync_lock_state *s, usync_wait_policy_t p);
};

struct usync_lock {
	const struct usync_lock_ops *ops;
	USYNC_ALIGNED union usync_lock_state state;
};

#if USYNC_DEBUG_CHECKS
/* Debug builds: true unless the lock is seen not to be held through ctx,
 * as far as its algorithm can tell (src/locks/registry.c; the condition
 * variable's misuse check). */
USYNC_HIDDEN bool usync_lock_held_debug(const usync_lock_t *lock,
					const usync_lock_ctx_t *ctx);
#endif

/* The registry, in the order usync_lock_algorithms() lists the names:
 * X(name) for each algorithm, whose ops are usync_lock_ops_<name>. */
#define USYNC_LOCK_REGISTRY(X) \
	X(tas) X(ttas) X(backoff) X(ticket) X(anderson) X(mcs) X(clh) X(mcs_tp)

#define USYNC_LOCK_OPS_DECLARE(name) \
	extern USYNC_HIDDEN const struct usync_lock_ops usync_lock_ops_##name;
USYNC_LOCK_REGISTRY(USYNC_LOCK_OPS_DECLARE)

#endif /* USYNC_LOCK_INTERNAL_H */
