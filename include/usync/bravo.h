/*
 * usync/bravo.h - BRAVO reader bias around any of the four shared locks.
 *
 * Algorithm: D. Dice and A. Kogan, "BRAVO - Biased Locking for Reader-Writer
 * Locks", USENIX ATC 2019.  The lock wraps an inner shared lock (rw_counter,
 * rw_ticket, rw_phasefair or rw_mcs, chosen at init) and adds one flag,
 * rbias.  While it is set, a reader does not touch the lock's own lines:
 * it publishes itself in a slot of a process-wide table of visible readers,
 * hashed from its context and the lock (compare_and_swap of NULL to the
 * lock's address), re-checks rbias, and is in.  It leaves by clearing the
 * slot.  A writer takes the inner lock for writing, and if rbias is set
 * revokes it: clears rbias, then scans the whole table and waits until no
 * slot holds this lock.  Readers that find rbias clear, or their slot
 * taken (by another lock or thread), take the inner lock for reading; such
 * a slow reader sets rbias again once the inhibition time has passed.
 *
 * Table size: 4096 slots of one pointer (32 KiB), as in the paper.  Big
 * enough that readers of one lock rarely collide (two of 64 concurrent
 * readers share a slot with probability about 64^2 / (2 * 4096) = 0.5 over
 * all pairs, each such collision costing one reader one inner-lock read),
 * small enough that a revocation's scan of every slot takes a few
 * microseconds (512 lines, read in order, prefetched).  Slots are packed, 8
 * to a line: a slot is written twice per fast read by one reader and never
 * polled while readers are in, so lines shared through the hash cost a
 * line transfer on those two writes, not a spinning waiter's traffic; one
 * slot per line would make the scan 8 times longer.
 * Revocation cost rule: after a revocation that took time T, rbias stays
 * off until T * USYNC_BRAVO_INHIBIT_N (9) has passed, as in the paper.  A
 * write-heavy phase then spends at most about 1/(N+1) = 10% of its time
 * revoking, and readers regain the fast path once writes stop.
 *
 * Fairness: the inner lock's, from the revocation on: readers that entered
 * by the table before it are waited for, later ones queue on the inner
 * lock.  Before a writer has revoked (while it waits for the inner lock,
 * or has it but is descheduled before clearing rbias) fast readers keep
 * entering, so BRAVO does not promise the inner lock's bound to a writer.
 * Context: usync_bravo_ctx_t per acquisition (the inner rw_mcs node, the
 * slot held); it may live on the stack; untouched after unlock returns.
 * Its address (with the lock's) chooses the slot, so it stands for the
 * thread: no thread-local storage is needed.
 * Ordering: a fast reader's slot CAS and its re-read of rbias, and the
 * writer's clear of rbias and its reads of the slots, are all seq_cst: the
 * store-buffering pattern, so either the reader sees rbias clear (and
 * leaves its slot for the inner lock) or the writer's scan sees the slot
 * (and waits for the reader's release clear of it).  A fast reader's
 * acquire read of rbias = 1 reads the release store of the slow reader
 * that set it, which held the inner lock after the last writer: so the
 * last writer's section happens-before the fast reader's.  Everything
 * else is the inner lock's contract.
 * Memory: one line for rbias (read by every fast reader, written only at
 * revocation and re-bias) plus the inner lock; the table is shared by all
 * BRAVO locks.
 * Waiting: a revoking writer waits on a slot, a pointer-sized word the park
 * protocol cannot sleep on: under the park policy that wait yields.  The
 * inner lock's waits follow the policy.
 * No upgrade or downgrade.
 */
#ifndef USYNC_BRAVO_H
#define USYNC_BRAVO_H

#include <usync/rw_counter.h>
#include <usync/rw_mcs.h>
#include <usync/rw_phasefair.h>
#include <usync/rw_ticket.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef USYNC_BRAVO_TABLE_BITS /* the model checker shrinks it */
#define USYNC_BRAVO_TABLE_BITS 12
#endif
#define USYNC_BRAVO_TABLE_SIZE (1u << USYNC_BRAVO_TABLE_BITS)
#define USYNC_BRAVO_INHIBIT_N 9

typedef enum usync_bravo_inner {
	USYNC_BRAVO_RW_COUNTER = 0,
	USYNC_BRAVO_RW_TICKET = 1,
	USYNC_BRAVO_RW_PHASEFAIR = 2,
	USYNC_BRAVO_RW_MCS = 3,
} usync_bravo_inner_t;

/* The visible-readers table: a slot holds the lock a fast reader is in,
 * or NULL. */
USYNC_API extern USYNC_ATOMIC(const void *)
	usync_bravo_table[USYNC_BRAVO_TABLE_SIZE];

typedef struct usync_bravo_ctx {
	usync_rw_mcs_node_t node;      /* the inner lock's, for rw_mcs */
	USYNC_ATOMIC(const void *) *slot;   /* the slot of a fast read, or NULL */
#if USYNC_DEBUG_CHECKS
	uint32_t debug_busy; /* USYNC_BRAVO_HELD_* while held */
#endif
} usync_bravo_ctx_t;

#define USYNC_BRAVO_HELD_READ 0x62726472u  /* "brdr", debug builds */
#define USYNC_BRAVO_HELD_WRITE 0x62727772u /* "brwr" */

typedef struct usync_bravo {
	USYNC_ALIGNED USYNC_ATOMIC(uint32_t) rbias; /* 1: readers use the table */
	uint32_t inner_kind;                   /* usync_bravo_inner_t */
	/* CLOCK_MONOTONIC ns before which readers leave rbias off.  Plain:
	 * written by a writer holding the inner lock, read by readers
	 * holding it for reading, so the inner lock orders it. */
	uint64_t inhibit_until;
#ifdef __cplusplus
	/* C++'s atomics are not trivially constructible, so a union of them
	 * has no default constructor: C++ sees the same bytes, opaque (only
	 * src/rwlocks/bravo.c touches the inner lock). */
	alignas(USYNC_CACHELINE) unsigned char inner[4 * USYNC_CACHELINE];
#else
	USYNC_ALIGNED union {
		usync_rw_counter_t rw_counter;
		usync_rw_ticket_t rw_ticket;
		usync_rw_phasefair_t rw_phasefair;
		usync_rw_mcs_t rw_mcs;
	} inner;
#endif
} usync_bravo_t;

USYNC_STATIC_ASSERT(offsetof(usync_bravo_t, inner) == USYNC_CACHELINE,
		    "bravo: rbias's line is read-mostly; the inner lock's own");
USYNC_STATIC_ASSERT(sizeof(usync_bravo_t) == 5 * USYNC_CACHELINE,
		    "bravo: C and C++ must agree on the layout (the largest "
		    "inner lock, rw_phasefair, is 4 lines)");

USYNC_API void usync_bravo_read_lock_slow(usync_bravo_t *lock,
					  usync_bravo_ctx_t *ctx);
USYNC_API bool usync_bravo_read_trylock_slow(usync_bravo_t *lock,
					     usync_bravo_ctx_t *ctx);
USYNC_API void usync_bravo_read_unlock_slow(usync_bravo_t *lock,
					    usync_bravo_ctx_t *ctx);
USYNC_API void usync_bravo_write_lock(usync_bravo_t *lock,
				      usync_bravo_ctx_t *ctx);
USYNC_API bool usync_bravo_write_trylock(usync_bravo_t *lock,
					 usync_bravo_ctx_t *ctx);
USYNC_API void usync_bravo_write_unlock(usync_bravo_t *lock,
					usync_bravo_ctx_t *ctx);
/* 0, or EINVAL (NULL lock, unknown inner).  The lock starts biased. */
USYNC_API int usync_bravo_init(usync_bravo_t *lock, usync_bravo_inner_t inner);
/* The inner lock's policy; 0 or EINVAL. */
USYNC_API int usync_bravo_set_policy(usync_bravo_t *lock,
				     usync_wait_policy_t policy);
/* The lock must be free and no reader in the table (debug builds check). */
USYNC_API void usync_bravo_destroy(usync_bravo_t *lock);

/* The slot of (lock, ctx): a Fibonacci hash of both addresses. */
static inline USYNC_ATOMIC(const void *) *usync_bravo_slot(const usync_bravo_t *lock,
						      const void *ctx)
{
	uint64_t k = (uint64_t)((uintptr_t)ctx >> 6) * 0x9e3779b97f4a7c15ull ^
		     (uint64_t)((uintptr_t)lock >> 6) * 0xc2b2ae3d27d4eb4full;
	k ^= k >> 31;
	k *= 0x9e3779b97f4a7c15ull;
	return &usync_bravo_table[k >> (64 - USYNC_BRAVO_TABLE_BITS)];
}

/* The fast path: publish in the table if biased.  true if in. */
static inline bool usync_bravo_read_fast(usync_bravo_t *lock,
					 usync_bravo_ctx_t *ctx)
{
	/* relaxed: a hint; the seq_cst re-read below decides. */
	if (!atomic_load_explicit(&lock->rbias, memory_order_relaxed))
		return false;
	USYNC_ATOMIC(const void *) *slot = usync_bravo_slot(lock, ctx);
	const void *expected = NULL;
	/* seq_cst: the store-buffering pair with the writer's seq_cst
	 * clear of rbias and scan in revoke() (src/rwlocks/bravo.c).
	 * relaxed on failure: the slot is another's; take the inner lock. */
	if (!usync_compare_and_swap(slot, &expected, (const void *)lock,
				    memory_order_seq_cst,
				    memory_order_relaxed))
		return false;
	/* seq_cst: see above; and acquire: reads the release store of the
	 * slow reader that set rbias (usync_bravo_read_lock_slow). */
	if (USYNC_LIKELY(atomic_load_explicit(&lock->rbias,
					      memory_order_seq_cst))) {
		ctx->slot = slot;
#if USYNC_DEBUG_CHECKS
		ctx->debug_busy = USYNC_BRAVO_HELD_READ;
#endif
		return true;
	}
	/* Revoked meanwhile: we never entered.  release: pairs with the
	 * revoking writer's acquire wait on the slot. */
	atomic_store_explicit(slot, (const void *)NULL, memory_order_release);
	return false;
}

static inline void usync_bravo_read_lock(usync_bravo_t *lock,
					 usync_bravo_ctx_t *ctx)
{
	if (USYNC_LIKELY(usync_bravo_read_fast(lock, ctx)))
		return;
	usync_bravo_read_lock_slow(lock, ctx);
}

/* true if entered for reading (by the table, or the inner trylock).  Never
 * waits. */
static inline bool usync_bravo_read_trylock(usync_bravo_t *lock,
					    usync_bravo_ctx_t *ctx)
{
	if (USYNC_LIKELY(usync_bravo_read_fast(lock, ctx)))
		return true;
	return usync_bravo_read_trylock_slow(lock, ctx);
}

static inline void usync_bravo_read_unlock(usync_bravo_t *lock,
					   usync_bravo_ctx_t *ctx)
{
	USYNC_CHECK(ctx->debug_busy == USYNC_BRAVO_HELD_READ,
		    "read_unlock of a lock not held for reading");
	if (USYNC_LIKELY(ctx->slot != NULL)) {
		/* relaxed: a debug check; the slot is ours until cleared. */
		USYNC_CHECK(atomic_load_explicit(ctx->slot,
						 memory_order_relaxed) == lock,
			    "read_unlock of a lock not held for reading");
#if USYNC_DEBUG_CHECKS
		ctx->debug_busy = 0;
#endif
		/* release: pairs with the revoking writer's acquire wait on
		 * the slot, so our reads happen-before its writes. */
		atomic_store_explicit(ctx->slot, (const void *)NULL,
				      memory_order_release);
		return;
	}
	usync_bravo_read_unlock_slow(lock, ctx);
}

#ifdef __cplusplus
}
#endif

#endif /* USYNC_BRAVO_H */
