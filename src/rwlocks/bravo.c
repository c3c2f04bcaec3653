/*
 * src/rwlocks/bravo.c - BRAVO reader bias (Dice & Kogan, ATC 2019): the
 * visible-readers table, the slow paths, revocation, and the generic
 * adapter.  Algorithm, table size, the revocation cost rule (N = 9),
 * fairness and ordering contract: see include/usync/bravo.h.
 */
#include "rwlock_internal.h"

/* Cache-line aligned so that the scan reads whole lines. */
USYNC_ALIGNED _Atomic(const void *) usync_bravo_table[USYNC_BRAVO_TABLE_SIZE];

/* ------------------------------------------------- the inner lock, by kind */

static void inner_read_lock(usync_bravo_t *b, usync_bravo_ctx_t *c)
{
	switch (b->inner_kind) {
	case USYNC_BRAVO_RW_COUNTER:
		usync_rw_counter_read_lock(&b->inner.rw_counter);
		break;
	case USYNC_BRAVO_RW_TICKET:
		usync_rw_ticket_read_lock(&b->inner.rw_ticket);
		break;
	case USYNC_BRAVO_RW_PHASEFAIR:
		usync_rw_phasefair_read_lock(&b->inner.rw_phasefair);
		break;
	default:
		usync_rw_mcs_read_lock(&b->inner.rw_mcs, &c->node);
	}
}

static bool inner_read_trylock(usync_bravo_t *b, usync_bravo_ctx_t *c)
{
	switch (b->inner_kind) {
	case USYNC_BRAVO_RW_COUNTER:
		return usync_rw_counter_read_trylock(&b->inner.rw_counter);
	case USYNC_BRAVO_RW_TICKET:
		return usync_rw_ticket_read_trylock(&b->inner.rw_ticket);
	case USYNC_BRAVO_RW_PHASEFAIR:
		return usync_rw_phasefair_read_trylock(&b->inner.rw_phasefair);
	default:
		return usync_rw_mcs_read_trylock(&b->inner.rw_mcs, &c->node);
	}
}

static void inner_read_unlock(usync_bravo_t *b, usync_bravo_ctx_t *c)
{
	switch (b->inner_kind) {
	case USYNC_BRAVO_RW_COUNTER:
		usync_rw_counter_read_unlock(&b->inner.rw_counter);
		break;
	case USYNC_BRAVO_RW_TICKET:
		usync_rw_ticket_read_unlock(&b->inner.rw_ticket);
		break;
	case USYNC_BRAVO_RW_PHASEFAIR:
		usync_rw_phasefair_read_unlock(&b->inner.rw_phasefair);
		break;
	default:
		usync_rw_mcs_read_unlock(&b->inner.rw_mcs, &c->node);
	}
}

static void inner_write_lock(usync_bravo_t *b, usync_bravo_ctx_t *c)
{
	switch (b->inner_kind) {
	case USYNC_BRAVO_RW_COUNTER:
		usync_rw_counter_write_lock(&b->inner.rw_counter);
		break;
	case USYNC_BRAVO_RW_TICKET:
		usync_rw_ticket_write_lock(&b->inner.rw_ticket);
		break;
	case USYNC_BRAVO_RW_PHASEFAIR:
		usync_rw_phasefair_write_lock(&b->inner.rw_phasefair);
		break;
	default:
		usync_rw_mcs_write_lock(&b->inner.rw_mcs, &c->node);
	}
}

static bool inner_write_trylock(usync_bravo_t *b, usync_bravo_ctx_t *c)
{
	switch (b->inner_kind) {
	case USYNC_BRAVO_RW_COUNTER:
		return usync_rw_counter_write_trylock(&b->inner.rw_counter);
	case USYNC_BRAVO_RW_TICKET:
		return usync_rw_ticket_write_trylock(&b->inner.rw_ticket);
	case USYNC_BRAVO_RW_PHASEFAIR:
		return usync_rw_phasefair_write_trylock(&b->inner.rw_phasefair);
	default:
		return usync_rw_mcs_write_trylock(&b->inner.rw_mcs, &c->node);
	}
}

static void inner_write_unlock(usync_bravo_t *b, usync_bravo_ctx_t *c)
{
	switch (b->inner_kind) {
	case USYNC_BRAVO_RW_COUNTER:
		usync_rw_counter_write_unlock(&b->inner.rw_counter);
		break;
	case USYNC_BRAVO_RW_TICKET:
		usync_rw_ticket_write_unlock(&b->inner.rw_ticket);
		break;
	case USYNC_BRAVO_RW_PHASEFAIR:
		usync_rw_phasefair_write_unlock(&b->inner.rw_phasefair);
		break;
	default:
		usync_rw_mcs_write_unlock(&b->inner.rw_mcs, &c->node);
	}
}

static uint32_t *inner_policy(usync_bravo_t *b)
{
	switch (b->inner_kind) {
	case USYNC_BRAVO_RW_COUNTER:
		return &b->inner.rw_counter.policy;
	case USYNC_BRAVO_RW_TICKET:
		return &b->inner.rw_ticket.policy;
	case USYNC_BRAVO_RW_PHASEFAIR:
		return &b->inner.rw_phasefair.policy;
	default:
		return &b->inner.rw_mcs.policy;
	}
}

/* --------------------------------------------------------------- verbs */

int usync_bravo_init(usync_bravo_t *b, usync_bravo_inner_t inner)
{
	if (b == NULL || (unsigned)inner > USYNC_BRAVO_RW_MCS)
		return EINVAL;
	b->inner_kind = (uint32_t)inner;
	b->inhibit_until = 0;
	/* relaxed: not shared yet; publication orders it. */
	atomic_store_explicit(&b->rbias, 1, memory_order_relaxed);
	switch (inner) {
	case USYNC_BRAVO_RW_COUNTER:
		usync_rw_counter_init(&b->inner.rw_counter);
		break;
	case USYNC_BRAVO_RW_TICKET:
		usync_rw_ticket_init(&b->inner.rw_ticket);
		break;
	case USYNC_BRAVO_RW_PHASEFAIR:
		usync_rw_phasefair_init(&b->inner.rw_phasefair);
		break;
	default:
		usync_rw_mcs_init(&b->inner.rw_mcs);
	}
	return 0;
}

int usync_bravo_set_policy(usync_bravo_t *b, usync_wait_policy_t policy)
{
	return usync_wait_policy_set(inner_policy(b), policy);
}

void usync_bravo_destroy(usync_bravo_t *b)
{
#if USYNC_DEBUG_CHECKS
	bool in_table = false;
	for (unsigned i = 0; i < USYNC_BRAVO_TABLE_SIZE; i++)
		/* relaxed: a debug check of a lock nobody may use now. */
		if (atomic_load_explicit(&usync_bravo_table[i],
					 memory_order_relaxed) == b)
			in_table = true;
	USYNC_CHECK(!in_table, "destroy of a lock that is held or waited for");
	switch (b->inner_kind) {
	case USYNC_BRAVO_RW_COUNTER:
		usync_rw_counter_destroy(&b->inner.rw_counter);
		break;
	case USYNC_BRAVO_RW_TICKET:
		usync_rw_ticket_destroy(&b->inner.rw_ticket);
		break;
	case USYNC_BRAVO_RW_PHASEFAIR:
		usync_rw_phasefair_destroy(&b->inner.rw_phasefair);
		break;
	default:
		usync_rw_mcs_destroy(&b->inner.rw_mcs);
	}
#else
	(void)b;
#endif
}

/* Holding the inner lock for reading: give readers the fast path back once
 * the inhibition since the last revocation is over. */
static void maybe_rebias(usync_bravo_t *b)
{
	/* relaxed: only a hint; the store below is the publication. */
	if (atomic_load_explicit(&b->rbias, memory_order_relaxed) == 0 &&
	    usync_clock_ns() >= b->inhibit_until)
		/* release: pairs with the fast readers' acquire (seq_cst)
		 * re-read of rbias in usync_bravo_read_fast; we hold the
		 * inner lock after the last writer, so its section
		 * happens-before theirs. */
		atomic_store_explicit(&b->rbias, 1, memory_order_release);
}

void usync_bravo_read_lock_slow(usync_bravo_t *b, usync_bravo_ctx_t *c)
{
	inner_read_lock(b, c);
	c->slot = NULL;
#if USYNC_DEBUG_CHECKS
	c->debug_busy = USYNC_BRAVO_HELD_READ;
#endif
	maybe_rebias(b);
}

bool usync_bravo_read_trylock_slow(usync_bravo_t *b, usync_bravo_ctx_t *c)
{
	if (!inner_read_trylock(b, c))
		return false;
	c->slot = NULL;
#if USYNC_DEBUG_CHECKS
	c->debug_busy = USYNC_BRAVO_HELD_READ;
#endif
	maybe_rebias(b);
	return true;
}

void usync_bravo_read_unlock_slow(usync_bravo_t *b, usync_bravo_ctx_t *c)
{
#if USYNC_DEBUG_CHECKS
	c->debug_busy = 0;
#endif
	inner_read_unlock(b, c);
}

/*
 * Holding the inner lock for writing, with rbias set: clear it and wait
 * until no slot holds this lock.  If `wait` is false (the trylock), do not
 * wait: return false at the first reader found, with rbias set again (the
 * readers in the table still count on it: a later writer must scan for
 * them).  The inhibition is set from the time the scan took.
 */
static bool revoke(usync_bravo_t *b, bool wait)
{
	uint64_t start = usync_clock_ns();
	/* seq_cst: the store-buffering pair with the fast reader's seq_cst
	 * slot CAS and re-read of rbias (usync_bravo_read_fast). */
	atomic_store_explicit(&b->rbias, 0, memory_order_seq_cst);
	/* seq_cst: the store-to-load order of the pattern made explicit
	 * (the seq_cst accesses alone suffice in C11; see
	 * docs/memory-ordering.md 9.4).  The reader's side is a locked RMW
	 * followed by a load; a revocation is rare, so the fence is cheap. */
	atomic_thread_fence(memory_order_seq_cst);
	usync_spin_t spin;
	usync_spin_init(&spin, (usync_wait_policy_t)*inner_policy(b));
	for (unsigned i = 0; i < USYNC_BRAVO_TABLE_SIZE; i++) {
		_Atomic(const void *) *slot = &usync_bravo_table[i];
		/* seq_cst: see above.  A slot that no longer holds us was
		 * cleared by its reader's release store, which this load
		 * (seq_cst, so acquire) reads: its section happens-before
		 * ours. */
		if (atomic_load_explicit(slot, memory_order_seq_cst) != b)
			continue;
		if (!wait) {
			/* release: as maybe_rebias (we wrote nothing). */
			atomic_store_explicit(&b->rbias, 1,
					      memory_order_release);
			return false;
		}
		/* acquire: pairs with the reader's release clear of the slot
		 * in usync_bravo_read_unlock.  No 32-bit word to park on:
		 * under the park policy this wait yields. */
		while (atomic_load_explicit(slot, memory_order_acquire) == b)
			usync_spin_pause(&spin);
	}
	uint64_t now = usync_clock_ns();
	b->inhibit_until = now + (now - start) * USYNC_BRAVO_INHIBIT_N;
	return true;
}

void usync_bravo_write_lock(usync_bravo_t *b, usync_bravo_ctx_t *c)
{
	inner_write_lock(b, c);
	/* relaxed: only writers holding the inner lock clear rbias and only
	 * readers holding it set it, so under the write lock its value is
	 * stable; a fast reader's CAS is ordered by revoke's seq_cst. */
	if (atomic_load_explicit(&b->rbias, memory_order_relaxed))
		revoke(b, true);
#if USYNC_DEBUG_CHECKS
	c->debug_busy = USYNC_BRAVO_HELD_WRITE;
#endif
}

bool usync_bravo_write_trylock(usync_bravo_t *b, usync_bravo_ctx_t *c)
{
	if (!inner_write_trylock(b, c))
		return false;
	/* relaxed: as in write_lock. */
	if (atomic_load_explicit(&b->rbias, memory_order_relaxed) &&
	    !revoke(b, false)) {
		inner_write_unlock(b, c);
		return false;
	}
#if USYNC_DEBUG_CHECKS
	c->debug_busy = USYNC_BRAVO_HELD_WRITE;
#endif
	return true;
}

void usync_bravo_write_unlock(usync_bravo_t *b, usync_bravo_ctx_t *c)
{
	USYNC_CHECK(c->debug_busy == USYNC_BRAVO_HELD_WRITE,
		    "write_unlock of a lock not held for writing");
#if USYNC_DEBUG_CHECKS
	c->debug_busy = 0;
#endif
	inner_write_unlock(b, c);
}

/* ------------------------------------------------------ generic adapter */

static void bravo_init_(union usync_rwlock_state *s, unsigned inner)
{
	usync_bravo_init(&s->bravo, (usync_bravo_inner_t)inner);
}
static void bravo_destroy_(union usync_rwlock_state *s)
{
	usync_bravo_destroy(&s->bravo);
}
static void bravo_read_acquire_(union usync_rwlock_state *s, usync_rwlock_ctx_t *c)
{
	usync_bravo_read_lock(&s->bravo, &c->u.bravo);
}
static bool bravo_read_try_acquire_(union usync_rwlock_state *s,
			      usync_rwlock_ctx_t *c)
{
	return usync_bravo_read_trylock(&s->bravo, &c->u.bravo);
}
static void bravo_read_release_(union usync_rwlock_state *s, usync_rwlock_ctx_t *c)
{
	usync_bravo_read_unlock(&s->bravo, &c->u.bravo);
}
static void bravo_write_acquire_(union usync_rwlock_state *s, usync_rwlock_ctx_t *c)
{
	usync_bravo_write_lock(&s->bravo, &c->u.bravo);
}
static bool bravo_write_try_acquire_(union usync_rwlock_state *s,
			       usync_rwlock_ctx_t *c)
{
	return usync_bravo_write_trylock(&s->bravo, &c->u.bravo);
}
static void bravo_write_release_(union usync_rwlock_state *s, usync_rwlock_ctx_t *c)
{
	usync_bravo_write_unlock(&s->bravo, &c->u.bravo);
}
static int bravo_set_policy_(union usync_rwlock_state *s, usync_wait_policy_t p)
{
	return usync_bravo_set_policy(&s->bravo, p);
}

const struct usync_rwlock_ops usync_rwlock_ops_bravo = {
	.name = "bravo",
	.max_threads = USYNC_RW_COUNTER_MAX_THREADS, /* the smallest inner's */
	.init = bravo_init_,
	.destroy = bravo_destroy_,
	.read_acquire = bravo_read_acquire_,
	.read_try_acquire = bravo_read_try_acquire_,
	.read_release = bravo_read_release_,
	.write_acquire = bravo_write_acquire_,
	.write_try_acquire = bravo_write_try_acquire_,
	.write_release = bravo_write_release_,
	.set_policy = bravo_set_policy_,
};
