/*
 * src/rwlocks/rw_mcs.c - MCS'91 fair reader-writer queue lock: every path,
 * and the generic adapter.  Algorithm, the version implemented (MCS'91, not
 * Krieger et al.'s, and why), fairness (FIFO by the tail swap), context and
 * ordering contract: see include/usync/rw_mcs.h.
 *
 * Node state word: BLOCKED | SUCC_READER | SUCC_WRITER, plus USYNC_PARKED
 * while the owner may sleep on it.  Transitions (owner O, predecessor P,
 * successor S):
 *   prepare (O)               -> BLOCKED
 *   S, a reader, P waiting    BLOCKED -> BLOCKED|SUCC_READER   (CAS)
 *   S, a writer               x -> x|SUCC_WRITER              (fetch_or)
 *   admission (P, last reader, or O itself on an empty queue)
 *                             x -> x & ~(BLOCKED|PARKED)      (fetch_and)
 * Every change is an RMW, so none erases another.
 *
 * reader_count: the readers inside (RW_MCS_COUNT bits) and RW_MCS_WAITING,
 * set while next_writer names a writer that the last reader out must admit.
 * Whoever announces a writer (the writer itself on an empty queue, or the
 * reader it queued behind, at that reader's unlock) stores next_writer and
 * then sets WAITING with one RMW that also reads the count; a departing
 * reader's decrement reads WAITING in the same RMW.  So "was I the last
 * reader while a writer waited?" is decided by one RMW on one word.  The
 * published MCS'91 lock decides it with two (decrement the count, then
 * swap next_writer), and a reader delayed between them can admit a writer
 * that announced itself later, while newer readers are inside: see
 * include/usync/rw_mcs.h, "Version".  While WAITING is set no reader is
 * counted in (every reader still to come is queued behind the announced
 * writer), so the count only falls until the admission clears WAITING.
 */
#include "rwlock_internal.h"

#if USYNC_DEBUG_CHECKS
void (*usync_rw_mcs_test_counted_out)(void);
#endif

#define RW_MCS_WAITING USYNC_RW_MCS_WRITER_WAITING
#define RW_MCS_COUNT (USYNC_RW_MCS_WRITER_WAITING - 1u)

static void prepare(usync_rw_mcs_node_t *node, uint32_t kind)
{
	node->kind = kind;
	/* relaxed: the node is private until the swap (or CAS) on the
	 * tail, whose release publishes these stores to the neighbours. */
	atomic_store_explicit(&node->next, (usync_rw_mcs_node_t *)NULL,
			      memory_order_relaxed);
	atomic_store_explicit(&node->state, USYNC_RW_MCS_BLOCKED,
			      memory_order_relaxed);
}

/* Count one reader in, on its own behalf or on behalf of the reader it is
 * about to admit.  relaxed: every such increment is sequenced before a
 * release that makes the new reader known (the link into pred's next that
 * pred's unlock acquires before its decrement, the admit() or the clear of
 * our own BLOCKED that the next arrival acquires), so each later RMW on
 * the count -- a decrement, an announcement -- is ordered after it by
 * happens-before and hence by coherence.  It never meets WAITING: while a
 * writer is announced no reader is counted in (see the top of this file). */
static void count_in(usync_rw_mcs_t *lock)
{
	atomic_fetch_add_explicit(&lock->reader_count, 1, memory_order_relaxed);
}

/* Wait until someone admits us (clears BLOCKED), parking on our own
 * state word. */
static void wait_admitted(usync_rw_mcs_t *lock, usync_rw_mcs_node_t *node)
{
	usync_spin_t spin;
	usync_spin_init(&spin, (usync_wait_policy_t)lock->policy);
	for (;;) {
		/* acquire: pairs with the release fetch_and in admit() of
		 * whoever admits us (write_unlock of the writer before us,
		 * the reader before us in a run, the last reader out). */
		uint32_t v = atomic_load_explicit(&node->state,
						  memory_order_acquire);
		if (!(v & USYNC_RW_MCS_BLOCKED))
			return;
		if (USYNC_UNLIKELY(usync_spin_should_park(&spin)))
			usync_park(&node->state, v & ~USYNC_PARKED);
		else
			usync_spin_pause(&spin);
	}
}

/* Admit a waiting node: clear BLOCKED and the park mark; wake it if it
 * slept.  Our last access to the node. */
static void admit(usync_rw_mcs_node_t *node)
{
	/* release: pairs with the acquire load in wait_admitted(); publishes
	 * our critical section (a writer) or our count increment (a reader
	 * admitting the next reader). */
	uint32_t old = atomic_fetch_and_explicit(
		&node->state, ~(USYNC_RW_MCS_BLOCKED | USYNC_PARKED),
		memory_order_release);
	usync_wake_after_rmw(&node->state, old, 1);
}

/* Wait for a successor that has swapped itself into the tail to link into
 * our `next` (a few instructions on its side).  No word to park on: under
 * the park policy this wait yields. */
static usync_rw_mcs_node_t *wait_successor(usync_rw_mcs_t *lock,
				      usync_rw_mcs_node_t *node)
{
	usync_spin_t spin;
	usync_rw_mcs_node_t *next;
	usync_spin_init(&spin, (usync_wait_policy_t)lock->policy);
	/* acquire: pairs with the successor's release store of our next in
	 * join() / write_lock, so its kind and its marks on our state are
	 * visible. */
	while ((next = atomic_load_explicit(&node->next,
					    memory_order_acquire)) == NULL)
		usync_spin_pause(&spin);
	return next;
}

/* A reader that is in: if a waiting reader marked us as its predecessor
 * before we were admitted, admit it (MCS'91: the run of readers goes in
 * together). */
static void admit_reader_successor(usync_rw_mcs_t *lock,
				   usync_rw_mcs_node_t *node)
{
	/* relaxed: the successor's mark is an RMW on our state; if it came
	 * before the RMW that cleared our BLOCKED, coherence makes this
	 * later load see it; if after, its CAS failed and it went in on its
	 * own. */
	if (!(atomic_load_explicit(&node->state, memory_order_relaxed) &
	      USYNC_RW_MCS_SUCC_READER))
		return;
	usync_rw_mcs_node_t *next = wait_successor(lock, node);
	count_in(lock);
	admit(next);
}

/* Take the announcement down: the last reader out, or the announcer itself
 * when no reader was inside.  Nobody else touches the count until the
 * announced writer is in (no reader is counted in while WAITING is set,
 * and none is inside to leave), so the clear cannot erase another RMW. */
static void clear_announcement(usync_rw_mcs_t *lock)
{
	/* relaxed: hygiene; next_writer is only read under WAITING, after
	 * the next announcer's own store. */
	atomic_store_explicit(&lock->next_writer, (usync_rw_mcs_node_t *)NULL,
			      memory_order_relaxed);
	/* relaxed: ordered before the admission (admit()'s release, or the
	 * writer's own section), so every reader counted in after the writer
	 * is counted in after it (coherence). */
	atomic_fetch_and_explicit(&lock->reader_count, ~RW_MCS_WAITING,
				  memory_order_relaxed);
}

/* Clear WAITING and admit the announced writer w. */
static void admit_announced(usync_rw_mcs_t *lock, usync_rw_mcs_node_t *w)
{
	clear_announcement(lock);
	admit(w);
}

/* Announce writer w as the one the last reader out must admit.  Returns
 * the count of readers inside at that instant (0: none, and WAITING was
 * set; the caller admits w or takes the announcement back).  by_reader:
 * the caller is a reader leaving, whose own departure the same RMW
 * records. */
static uint32_t announce(usync_rw_mcs_t *lock, usync_rw_mcs_node_t *w,
			 bool by_reader)
{
	/* relaxed: published by the release half of the RMW below, which
	 * the admitting reader's decrement acquires (every RMW after it on
	 * the count continues its release sequence). */
	atomic_store_explicit(&lock->next_writer, w, memory_order_relaxed);
	/* acq_rel: release publishes next_writer (and, by a reader, its
	 * reads); acquire reads the decrements of the readers that left, so
	 * that when the count is 0 their sections happen-before w's.  Adding
	 * WAITING - 1 sets the bit (clear until now: one writer is announced
	 * at a time) and counts the announcing reader out. */
	uint32_t old = atomic_fetch_add_explicit(
		&lock->reader_count,
		by_reader ? RW_MCS_WAITING - 1u : RW_MCS_WAITING,
		memory_order_acq_rel);
	return (old & RW_MCS_COUNT) - (by_reader ? 1u : 0u);
}

/* An empty-queue writer (or the one a bailing trylock hands the head to):
 * announce it, and admit it at once if no reader is inside.  true if it
 * was admitted here.  admit_self: w is the caller's own node (it is then
 * in without an admit() on its state). */
static bool writer_at_head(usync_rw_mcs_t *lock, usync_rw_mcs_node_t *w,
			   bool admit_self)
{
	if (announce(lock, w, false) != 0)
		return false; /* the last reader out admits w */
	if (admit_self)
		/* No admit() needed: our own acq_rel announcement read the
		 * last decrement. */
		clear_announcement(lock);
	else
		admit_announced(lock, w);
	return true;
}

/* A reader enqueued behind pred: go in beside it, or wait to be admitted. */
static void join(usync_rw_mcs_t *lock, usync_rw_mcs_node_t *node,
		 usync_rw_mcs_node_t *pred)
{
	if (pred->kind == USYNC_RW_MCS_WRITER) {
		/* release: pairs with the acquire load of next in the
		 * writer's write_unlock (wait_successor). */
		atomic_store_explicit(&pred->next, node, memory_order_release);
		wait_admitted(lock, node);
		return;
	}
	/* acquire: if pred is already in, this reads the release RMW that
	 * admitted it (or its own release clear), so the last writer's
	 * section happens-before ours. */
	uint32_t v = atomic_load_explicit(&pred->state, memory_order_acquire);
	while (v & USYNC_RW_MCS_BLOCKED) {
		/* acquire on failure: as the load above (C11 wants the
		 * success order at least as strong; on success pred, once
		 * admitted, admits us with a release RMW that we acquire). */
		if (usync_compare_and_swap(&pred->state, &v,
					   v | USYNC_RW_MCS_SUCC_READER,
					   memory_order_acquire,
					   memory_order_acquire)) {
			/* release: pairs with pred's wait_successor (in
			 * admit_reader_successor or read_unlock). */
			atomic_store_explicit(&pred->next, node,
					      memory_order_release);
			wait_admitted(lock, node);
			return;
		}
	}
	/* pred is in: count ourselves before linking, so that pred's
	 * read_unlock (which waits for our link) cannot take the count to 0
	 * and admit a writer while we enter. */
	count_in(lock);
	/* release: pairs with pred's acquire load of next in read_unlock. */
	atomic_store_explicit(&pred->next, node, memory_order_release);
	/* release: a reader arriving behind us reads this with acquire and
	 * goes in beside us (the go path above). */
	atomic_fetch_and_explicit(&node->state, ~USYNC_RW_MCS_BLOCKED,
				  memory_order_release);
}

/* A reader that found the queue empty: count itself and go in. */
static void reader_at_head(usync_rw_mcs_t *lock, usync_rw_mcs_node_t *node)
{
	count_in(lock);
	/* release: as the last RMW of join(). */
	atomic_fetch_and_explicit(&node->state, ~USYNC_RW_MCS_BLOCKED,
				  memory_order_release);
}

static void debug_acquired(usync_rw_mcs_t *lock, usync_rw_mcs_node_t *node,
			   bool write)
{
#if USYNC_DEBUG_CHECKS
	node->debug_busy = write ? USYNC_RW_MCS_HELD_WRITE
				 : USYNC_RW_MCS_HELD_READ;
	if (write)
		/* relaxed: diagnostic state, ordered by the lock. */
		atomic_store_explicit(&lock->debug_writer, (void *)node,
				      memory_order_relaxed);
#else
	(void)lock;
	(void)node;
	(void)write;
#endif
}

void usync_rw_mcs_read_lock(usync_rw_mcs_t *lock, usync_rw_mcs_node_t *node)
{
	prepare(node, USYNC_RW_MCS_READER);
	/* acq_rel: release publishes prepare() to our neighbours; acquire
	 * pairs with the last holder's release CAS of the tail to NULL when
	 * the queue was empty. */
	usync_rw_mcs_node_t *pred = usync_fetch_and_store(
		&lock->tail, node, memory_order_acq_rel);
	if (pred == NULL)
		reader_at_head(lock, node);
	else
		join(lock, node, pred);
	admit_reader_successor(lock, node);
	debug_acquired(lock, node, false);
}

bool usync_rw_mcs_read_trylock(usync_rw_mcs_t *lock,
			       usync_rw_mcs_node_t *node)
{
	prepare(node, USYNC_RW_MCS_READER);
	usync_rw_mcs_node_t *expected = NULL;
	/* acq_rel on success: as the swap in read_lock.  relaxed on
	 * failure: nothing acquired, nothing published. */
	if (!usync_compare_and_swap(&lock->tail, &expected, node,
				    memory_order_acq_rel,
				    memory_order_relaxed))
		return false;
	reader_at_head(lock, node);
	admit_reader_successor(lock, node);
	debug_acquired(lock, node, false);
	return true;
}

void usync_rw_mcs_read_unlock(usync_rw_mcs_t *lock, usync_rw_mcs_node_t *node)
{
#if USYNC_DEBUG_CHECKS
	/* relaxed: a debug check; a reader inside keeps the count >= 1. */
	USYNC_CHECK(node->debug_busy == USYNC_RW_MCS_HELD_READ &&
			    atomic_load_explicit(&lock->reader_count,
						 memory_order_relaxed) != 0,
		    "read_unlock of a lock not held for reading");
	node->debug_busy = 0;
#endif
	/* acquire: pairs with a successor's release link (its kind and its
	 * SUCC_WRITER mark become visible). */
	usync_rw_mcs_node_t *next =
		atomic_load_explicit(&node->next, memory_order_acquire);
	if (next == NULL) {
		usync_rw_mcs_node_t *expected = node;
		/* release: pairs with the next arrival's acquire swap.
		 * relaxed on failure: a successor is linking in. */
		if (!usync_compare_and_swap(&lock->tail, &expected,
					    (usync_rw_mcs_node_t *)NULL,
					    memory_order_release,
					    memory_order_relaxed))
			next = wait_successor(lock, node);
	}
	/* relaxed: the writer's fetch_or came before its release link,
	 * which we acquired. */
	if (next != NULL &&
	    (atomic_load_explicit(&node->state, memory_order_relaxed) &
	     USYNC_RW_MCS_SUCC_WRITER)) {
		/* The writer queued behind us: announce it, and admit it if
		 * we were the last reader inside. */
		if (announce(lock, next, true) == 0)
			admit_announced(lock, next);
		return;
	}
	/* acq_rel: release publishes our reads to the writer that the last
	 * reader admits (or that reads the count at 0 in its announcement);
	 * acquire, for the reader that admits: the announcer's next_writer
	 * and the other readers' departures, which its admit() passes on. */
	uint32_t old = atomic_fetch_sub_explicit(&lock->reader_count, 1,
						 memory_order_acq_rel);
#if USYNC_DEBUG_CHECKS
	if (usync_rw_mcs_test_counted_out)
		usync_rw_mcs_test_counted_out();
#endif
	if (old == (RW_MCS_WAITING | 1u))
		admit_announced(lock, atomic_load_explicit(
					      &lock->next_writer,
					      memory_order_relaxed));
}

void usync_rw_mcs_write_lock(usync_rw_mcs_t *lock, usync_rw_mcs_node_t *node)
{
	prepare(node, USYNC_RW_MCS_WRITER);
	/* acq_rel: as the swap in read_lock. */
	usync_rw_mcs_node_t *pred = usync_fetch_and_store(
		&lock->tail, node, memory_order_acq_rel);
	if (pred == NULL) {
		if (writer_at_head(lock, node, true)) {
			debug_acquired(lock, node, true);
			return;
		}
	} else {
		/* relaxed: ordered before the release link below, which
		 * pred acquires before it reads its state. */
		atomic_fetch_or_explicit(&pred->state, USYNC_RW_MCS_SUCC_WRITER,
					 memory_order_relaxed);
		/* release: pairs with pred's acquire load of next. */
		atomic_store_explicit(&pred->next, node, memory_order_release);
	}
	wait_admitted(lock, node);
	debug_acquired(lock, node, true);
}

/* A write trylock that got to the head of the queue but must not wait, and
 * has a successor: hand it the head as if it had found the queue empty. */
static void pass_head(usync_rw_mcs_t *lock, usync_rw_mcs_node_t *node)
{
	usync_rw_mcs_node_t *next = wait_successor(lock, node);
	if (next->kind == USYNC_RW_MCS_READER) {
		/* A reader behind a writer waits without marking us; it
		 * goes in beside the readers still inside. */
		count_in(lock);
		admit(next);
	} else {
		(void)writer_at_head(lock, next, false);
	}
}

bool usync_rw_mcs_write_trylock(usync_rw_mcs_t *lock,
				usync_rw_mcs_node_t *node)
{
	/* relaxed: a hint; readers inside, fail without touching the
	 * queue. */
	if (atomic_load_explicit(&lock->reader_count, memory_order_relaxed))
		return false;
	prepare(node, USYNC_RW_MCS_WRITER);
	usync_rw_mcs_node_t *expected = NULL;
	/* acq_rel on success: as the swap in write_lock.  relaxed on
	 * failure. */
	if (!usync_compare_and_swap(&lock->tail, &expected, node,
				    memory_order_acq_rel,
				    memory_order_relaxed))
		return false;
	if (writer_at_head(lock, node, true))
		goto acquired;
	/* A reader passed through the queue between our hint and our CAS
	 * and is still inside.  Take our announcement back, unless the last
	 * reader out has already decided to admit us: its decrement left
	 * the count at 0 with WAITING set (it clears WAITING next). */
	/* relaxed: we either never enter (our CAS on the tail below
	 * publishes what follows) or are admitted by that reader's release
	 * admit(), which we acquire in wait_admitted. */
	uint32_t old = atomic_fetch_and_explicit(
		&lock->reader_count, ~RW_MCS_WAITING, memory_order_relaxed);
	if (!(old & RW_MCS_WAITING) || (old & RW_MCS_COUNT) == 0) {
		/* The last reader is admitting us (it is between its
		 * decrement and its admit): a wait of a few instructions, as
		 * in the MCS unlock's wait for a link. */
		wait_admitted(lock, node);
		goto acquired;
	}
	expected = node;
	/* release: pairs with the next arrival's acquire swap (which also
	 * meets the readers still inside through reader_count). */
	if (!usync_compare_and_swap(&lock->tail, &expected,
				    (usync_rw_mcs_node_t *)NULL,
				    memory_order_release, memory_order_relaxed))
		pass_head(lock, node);
	return false;
acquired:
	debug_acquired(lock, node, true);
	return true;
}

void usync_rw_mcs_write_unlock(usync_rw_mcs_t *lock, usync_rw_mcs_node_t *node)
{
#if USYNC_DEBUG_CHECKS
	/* relaxed: diagnostic state. */
	USYNC_CHECK(node->debug_busy == USYNC_RW_MCS_HELD_WRITE &&
			    atomic_load_explicit(&lock->debug_writer,
						 memory_order_relaxed) == node,
		    "write_unlock of a lock not held for writing");
	node->debug_busy = 0;
	atomic_store_explicit(&lock->debug_writer, (void *)NULL,
			      memory_order_relaxed);
#endif
	/* acquire: pairs with the successor's release link. */
	usync_rw_mcs_node_t *next =
		atomic_load_explicit(&node->next, memory_order_acquire);
	if (next == NULL) {
		usync_rw_mcs_node_t *expected = node;
		/* release: pairs with the next arrival's acquire swap;
		 * publishes our section.  relaxed on failure. */
		if (usync_compare_and_swap(&lock->tail, &expected,
					   (usync_rw_mcs_node_t *)NULL,
					   memory_order_release,
					   memory_order_relaxed))
			return;
		next = wait_successor(lock, node);
	}
	/* next->kind: written before the successor's swap, visible through
	 * its release link that wait_successor / the load above acquired. */
	if (next->kind == USYNC_RW_MCS_READER)
		count_in(lock);
	admit(next);
}

/* ------------------------------------------------------ generic adapter */

static void rw_mcs_init_(union usync_rwlock_state *s, unsigned inner)
{
	(void)inner;
	usync_rw_mcs_init(&s->rw_mcs);
}
static void rw_mcs_destroy_(union usync_rwlock_state *s)
{
	usync_rw_mcs_destroy(&s->rw_mcs);
}
static void rw_mcs_read_acquire_(union usync_rwlock_state *s, usync_rwlock_ctx_t *c)
{
	usync_rw_mcs_read_lock(&s->rw_mcs, &c->u.rw_mcs);
}
static bool rw_mcs_read_try_acquire_(union usync_rwlock_state *s,
			      usync_rwlock_ctx_t *c)
{
	return usync_rw_mcs_read_trylock(&s->rw_mcs, &c->u.rw_mcs);
}
static void rw_mcs_read_release_(union usync_rwlock_state *s, usync_rwlock_ctx_t *c)
{
	usync_rw_mcs_read_unlock(&s->rw_mcs, &c->u.rw_mcs);
}
static void rw_mcs_write_acquire_(union usync_rwlock_state *s, usync_rwlock_ctx_t *c)
{
	usync_rw_mcs_write_lock(&s->rw_mcs, &c->u.rw_mcs);
}
static bool rw_mcs_write_try_acquire_(union usync_rwlock_state *s,
			       usync_rwlock_ctx_t *c)
{
	return usync_rw_mcs_write_trylock(&s->rw_mcs, &c->u.rw_mcs);
}
static void rw_mcs_write_release_(union usync_rwlock_state *s, usync_rwlock_ctx_t *c)
{
	usync_rw_mcs_write_unlock(&s->rw_mcs, &c->u.rw_mcs);
}
static int rw_mcs_set_policy_(union usync_rwlock_state *s, usync_wait_policy_t p)
{
	return usync_rw_mcs_set_policy(&s->rw_mcs, p);
}

const struct usync_rwlock_ops usync_rwlock_ops_rw_mcs = {
	.name = "rw_mcs",
	.max_threads = USYNC_RW_MCS_WRITER_WAITING - 1u,
	.init = rw_mcs_init_,
	.destroy = rw_mcs_destroy_,
	.read_acquire = rw_mcs_read_acquire_,
	.read_try_acquire = rw_mcs_read_try_acquire_,
	.read_release = rw_mcs_read_release_,
	.write_acquire = rw_mcs_write_acquire_,
	.write_try_acquire = rw_mcs_write_try_acquire_,
	.write_release = rw_mcs_write_release_,
	.set_policy = rw_mcs_set_policy_,
};
