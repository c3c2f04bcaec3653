/*
 * usync/rw_mcs.h - MCS reader-writer queue lock, fair variant.
 *
 * Algorithm: J. M. Mellor-Crummey and M. L. Scott, "Scalable reader-writer
 * synchronization for shared-memory multiprocessors", PPoPP 1991, the fair
 * queue-based lock.  Readers and writers enqueue their nodes with one swap
 * on the tail, as in the MCS lock, and each waits on a flag in its own node.
 * A reader whose predecessor is a reader that is already inside goes in at
 * once; one whose predecessor is waiting marks itself as that node's reader
 * successor, and the predecessor, once admitted, admits it in turn: a run of
 * readers in the queue enters together.  The lock word counts the readers
 * inside (reader_count) and holds the writer that the last of them must
 * admit (next_writer), flagged in the count word's top bit.
 *
 * Version.  This is the algorithm as published in PPoPP'91 (and in the
 * authors' later online pseudocode), with the node's `blocked` flag and
 * `successor_class` in one atomic word, which the paper's compare_and_store
 * on the record [blocked, successor_class] requires: every write of either
 * half is an RMW here, so an admission never erases a successor's mark.
 * Krieger, Stumm, Unrau & Hanna ("A fair fast scalable reader-writer lock",
 * ICPP 1993) replace the shared reader count with a doubly linked queue
 * from which readers unlink themselves, so that readers touch no central
 * word; but their published algorithm lets a node be written after its
 * owner has released it (found in Intel TBB's queuing_rw_mutex, which is
 * built on it, and corrected with transactional memory by Dice, Lev, Liu,
 * Luchangco and Moir, PPoPP 2013).  usync's contexts live on the caller's
 * stack, so that is the one defect we cannot accept.  In the MCS version no
 * node is touched after its owner's unlock returns: every neighbour's last
 * access to a node (the successor's link into `next`, the predecessor's
 * admission) happens before the owner can leave, because unlock waits for
 * the successor's link as the MCS lock does.  We therefore implement MCS'91
 * and pay its central reader count (one fetch_add per read in and out).
 *
 * One correction to MCS'91.  There, the last reader out decrements the
 * count and then swaps next_writer to find the writer to admit, and a
 * writer that finds the queue empty stores next_writer and then reads the
 * count.  Readers leave the queue before they leave the lock, so the queue
 * can be empty with readers inside.  A reader delayed between its
 * decrement (to 0) and its swap can then find a writer that announced
 * itself later, while newer readers (which came through the empty queue
 * meanwhile) are inside, and admit it beside them: an exclusion failure,
 * seen here under ThreadSanitizer's slow-down in test_rwlocks.  usync
 * keeps the announcement in the count word instead (its top bit, set by
 * the same RMW that reads the count; see src/rwlocks/rw_mcs.c): a
 * departing reader learns "I was the last, and a writer waits" from its
 * own decrement, so no later announcement can be mistaken for it.
 *
 * Fairness: FIFO in the order of the swap on the tail, readers and writers
 * alike; consecutive readers share.  Neither class can starve.
 * Context: a usync_rw_mcs_node_t per acquisition, owned by the caller; it
 * may live on the stack and must stay valid from lock (or successful
 * trylock) until unlock returns.  The library does not touch it afterwards.
 * Ordering: a waiter's acquire load of its own `state` reads the releasing
 * RMW of whoever admits it (the writer before it, the reader before it in a
 * run, or the last reader out, for a writer); a thread that finds the queue
 * empty acquires through the swap on the tail, which reads the last
 * holder's release CAS; readers' departures form one release sequence of
 * RMWs on reader_count that the admitting last reader acquires.
 * The announcement of a writer and the readers' departures are RMWs on the
 * one word reader_count, so coherence alone orders them: no seq_cst.
 * Trylocks: a read_trylock succeeds only on an empty queue (it cannot join
 * behind a reader without risking a wait), so it fails beside a reader that
 * is still queued.  A write_trylock succeeds only on an empty queue with no
 * reader inside.
 * Memory: the lock is two cache lines (tail; the readers' count and the
 * next writer); each node is one line.
 * No upgrade or downgrade.
 */
#ifndef USYNC_RW_MCS_H
#define USYNC_RW_MCS_H

#include <usync/spin.h>
#include <errno.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bits of a node's state word (USYNC_PARKED is the top bit). */
#define USYNC_RW_MCS_BLOCKED 0x1u     /* the owner must wait */
#define USYNC_RW_MCS_SUCC_READER 0x2u /* a waiting reader follows */
#define USYNC_RW_MCS_SUCC_WRITER 0x4u /* a writer follows */

/* reader_count's top bit: a writer is announced in next_writer, and the
 * last reader out admits it.  The readers inside are the bits below. */
#define USYNC_RW_MCS_WRITER_WAITING 0x80000000u

#define USYNC_RW_MCS_READER 1u
#define USYNC_RW_MCS_WRITER 2u

#define USYNC_RW_MCS_HELD_READ 0x72777272u  /* "rwrr", debug builds */
#define USYNC_RW_MCS_HELD_WRITE 0x72777777u /* "rwww" */

typedef struct usync_rw_mcs_node {
	/* Written once per acquisition by a neighbour (next by the
	 * successor, state by the predecessor and successor) and polled by
	 * the owner: the owner's line, as in MCS'91. */
	USYNC_ALIGNED USYNC_ATOMIC(struct usync_rw_mcs_node *) next;
	USYNC_ATOMIC(uint32_t) state;
	/* USYNC_RW_MCS_READER or _WRITER.  Plain: written by the owner
	 * before the swap that publishes the node, read by neighbours that
	 * found the node through that swap or through `next`. */
	uint32_t kind;
#if USYNC_DEBUG_CHECKS
	uint32_t debug_busy; /* USYNC_RW_MCS_HELD_* while held */
#endif
} usync_rw_mcs_node_t;

USYNC_STATIC_ASSERT(sizeof(usync_rw_mcs_node_t) == USYNC_CACHELINE,
		    "an rw_mcs node fills exactly one cache line");

typedef struct usync_rw_mcs {
	USYNC_ALIGNED USYNC_ATOMIC(usync_rw_mcs_node_t *) tail;
	uint32_t policy;
	USYNC_ALIGNED USYNC_ATOMIC(uint32_t) reader_count;
	USYNC_ATOMIC(usync_rw_mcs_node_t *) next_writer;
#if USYNC_DEBUG_CHECKS
	USYNC_ATOMIC(void *) debug_writer; /* the writer's node while it holds */
#endif
} usync_rw_mcs_t;

USYNC_STATIC_ASSERT(sizeof(usync_rw_mcs_t) == 2 * USYNC_CACHELINE,
		    "rw_mcs: the tail and the reader count on separate lines");

#if USYNC_DEBUG_CHECKS
#define USYNC_RW_MCS_INITIALIZER                                               \
	{ USYNC_ATOMIC_INIT(NULL), USYNC_DEFAULT_WAIT_POLICY,                  \
	  USYNC_ATOMIC_INIT(0), USYNC_ATOMIC_INIT(NULL),                       \
	  USYNC_ATOMIC_INIT(NULL) }
#else
#define USYNC_RW_MCS_INITIALIZER                                               \
	{ USYNC_ATOMIC_INIT(NULL), USYNC_DEFAULT_WAIT_POLICY,                  \
	  USYNC_ATOMIC_INIT(0), USYNC_ATOMIC_INIT(NULL) }
#endif

static inline void usync_rw_mcs_init(usync_rw_mcs_t *lock)
{
	/* relaxed: not shared yet; publication orders these. */
	atomic_store_explicit(&lock->tail, (usync_rw_mcs_node_t *)NULL,
			      memory_order_relaxed);
	atomic_store_explicit(&lock->reader_count, 0, memory_order_relaxed);
	atomic_store_explicit(&lock->next_writer, (usync_rw_mcs_node_t *)NULL,
			      memory_order_relaxed);
	lock->policy = USYNC_WAIT_DEFAULT;
#if USYNC_DEBUG_CHECKS
	atomic_store_explicit(&lock->debug_writer, (void *)NULL,
			      memory_order_relaxed);
#endif
}

static inline int usync_rw_mcs_set_policy(usync_rw_mcs_t *lock,
					  usync_wait_policy_t policy)
{
	return usync_wait_policy_set(&lock->policy, policy);
}

/* The lock must be free (debug builds check).  Nothing to free. */
static inline void usync_rw_mcs_destroy(usync_rw_mcs_t *lock)
{
	/* relaxed: a debug check of a lock no thread may use any more. */
	USYNC_CHECK(atomic_load_explicit(&lock->tail, memory_order_relaxed) ==
				    NULL &&
			    atomic_load_explicit(&lock->reader_count,
						 memory_order_relaxed) == 0,
		    "destroy of a lock that is held or waited for");
	(void)lock;
}

/* The operations are out of line: even uncontended, each is a swap and a
 * few RMWs on the node and the count, beside which a call is small. */
USYNC_API void usync_rw_mcs_read_lock(usync_rw_mcs_t *lock,
				      usync_rw_mcs_node_t *node);
USYNC_API bool usync_rw_mcs_read_trylock(usync_rw_mcs_t *lock,
					 usync_rw_mcs_node_t *node);
USYNC_API void usync_rw_mcs_read_unlock(usync_rw_mcs_t *lock,
					usync_rw_mcs_node_t *node);
USYNC_API void usync_rw_mcs_write_lock(usync_rw_mcs_t *lock,
				       usync_rw_mcs_node_t *node);
USYNC_API bool usync_rw_mcs_write_trylock(usync_rw_mcs_t *lock,
					  usync_rw_mcs_node_t *node);
USYNC_API void usync_rw_mcs_write_unlock(usync_rw_mcs_t *lock,
					 usync_rw_mcs_node_t *node);

#ifdef __cplusplus
}
#endif

#endif /* USYNC_RW_MCS_H */
