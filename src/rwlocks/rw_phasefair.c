/*
 * src/rwlocks/rw_phasefair.c - phase-fair ticket shared lock (Brandenburg &
 * Anderson, PF-T): the waits, the write trylock and the generic adapter.
 * Algorithm, fairness (phase-fair) and ordering contract: see
 * include/usync/rw_phasefair.h.
 */
#include "rwlock_internal.h"

void usync_rw_phasefair_wake(usync_rw_phasefair_t *lock,
			     _Atomic(uint32_t) *word)
{
	usync_rw_wake(word, &lock->sleepers);
}

/* A reader that found writer bits `wbits`: wait until they change. */
void usync_rw_phasefair_read_wait(usync_rw_phasefair_t *lock, uint32_t wbits)
{
	usync_spin_t spin;
	usync_spin_init(&spin, (usync_wait_policy_t)lock->policy);
	for (;;) {
		/* acquire: pairs with the release fetch_and of rin in
		 * usync_rw_phasefair_write_unlock of the writer we wait for;
		 * if the next writer's fetch_add (relaxed) already replaced
		 * the bits, we read it in that release sequence. */
		uint32_t v = atomic_load_explicit(&lock->rin,
						  memory_order_acquire);
		if ((v & USYNC_RW_PHASEFAIR_WBITS) != wbits)
			return;
		usync_rw_pause(&spin, &lock->rin, v, &lock->sleepers);
	}
}

/* Wait until *word == target (acquire), parking through the sleeper
 * count. */
static void wait_for(usync_rw_phasefair_t *lock, _Atomic(uint32_t) *word,
		     uint32_t target)
{
	usync_spin_t spin;
	usync_spin_init(&spin, (usync_wait_policy_t)lock->policy);
	for (;;) {
		/* acquire: see the callers. */
		uint32_t v = atomic_load_explicit(word, memory_order_acquire);
		if (v == target)
			return;
		usync_rw_pause(&spin, word, v, &lock->sleepers);
	}
}

/* The writer holding `ticket`: its turn, its phase, the readers' exit. */
void usync_rw_phasefair_write_lock_slow(usync_rw_phasefair_t *lock,
					uint32_t ticket)
{
	/* acquire (in wait_for): pairs with the previous writer's release
	 * store of wout in usync_rw_phasefair_write_unlock. */
	wait_for(lock, &lock->wout, ticket);
	/* phase: written by the previous ticket holder before its release
	 * of wout, which the acquire above read. */
	uint32_t wbits = USYNC_RW_PHASEFAIR_PRES | lock->phase;
	/* relaxed: announces our phase; the readers it counts in are
	 * waited for below, with acquire.  In rin's modification order a
	 * reader's fetch_add comes before this RMW (counted here, waited
	 * for) or after it (sees our bits and waits). */
	uint32_t readers_in = atomic_fetch_add_explicit(
				      &lock->rin, wbits, memory_order_relaxed) &
			      ~0xffu;
	/* acquire (in wait_for): pairs with the release fetch_add of rout
	 * in usync_rw_phasefair_read_unlock of each reader counted in: one
	 * release sequence of RMWs on rout. */
	wait_for(lock, &lock->rout, readers_in);
}

bool usync_rw_phasefair_write_trylock(usync_rw_phasefair_t *lock)
{
	/* acquire: pairs with the previous writer's release store of wout;
	 * if the CAS on win succeeds, this was the last such store. */
	uint32_t ticket = atomic_load_explicit(&lock->wout,
					       memory_order_acquire);
	uint32_t expected = ticket;
	/* relaxed: a guess; the CAS below decides. */
	if (atomic_load_explicit(&lock->win, memory_order_relaxed) != ticket)
		return false;
	/* relaxed: takes the ticket only if it is served at once; the
	 * order came from the load of wout. */
	if (!usync_compare_and_swap(&lock->win, &expected, ticket + 1,
				    memory_order_relaxed,
				    memory_order_relaxed))
		return false;
	/* phase: ordered by the acquire load of wout, as in write_lock. */
	uint32_t wbits = USYNC_RW_PHASEFAIR_PRES | lock->phase;
	/* acquire: pairs with the release fetch_add of rout of the last
	 * reader to leave. */
	uint32_t out = atomic_load_explicit(&lock->rout, memory_order_acquire);
	uint32_t in = out;
	/* relaxed: succeeds only if rin == rout, no reader inside (and no
	 * writer bits: we hold the only ticket); then it announces our
	 * phase exactly as write_lock's fetch_add does. */
	if (usync_compare_and_swap(&lock->rin, &in, out | wbits,
				   memory_order_relaxed, memory_order_relaxed))
		return true;
	/* Readers are inside, and we hold a ticket we cannot give back
	 * (later writers may hold the next ones): pass the turn on without
	 * a write phase.  No reader saw us, and `phase` is not flipped, so
	 * the next real phase still alternates with the last one (header).
	 * release: pairs with the next writer's acquire load of wout (it
	 * carries `phase` on). */
	atomic_store_explicit(&lock->wout, ticket + 1, memory_order_release);
	if (lock->policy == USYNC_WAIT_PARK)
		usync_rw_wake(&lock->wout, &lock->sleepers);
	return false;
}

void usync_rw_phasefair_write_unlock_park(usync_rw_phasefair_t *lock,
					  uint32_t next)
{
	/* release: as in usync_rw_phasefair_write_unlock. */
	atomic_fetch_and_explicit(&lock->rin, ~USYNC_RW_PHASEFAIR_WBITS,
				  memory_order_release);
	usync_rw_wake(&lock->rin, &lock->sleepers);
	/* release: pairs with the next writer's acquire load of wout. */
	atomic_store_explicit(&lock->wout, next, memory_order_release);
	usync_rw_wake(&lock->wout, &lock->sleepers);
}

/* ------------------------------------------------------ generic adapter */

static void rw_phasefair_init_(union usync_rwlock_state *s, unsigned inner)
{
	(void)inner;
	usync_rw_phasefair_init(&s->rw_phasefair);
}
static void rw_phasefair_destroy_(union usync_rwlock_state *s)
{
	usync_rw_phasefair_destroy(&s->rw_phasefair);
}
static void rw_phasefair_read_acquire_(union usync_rwlock_state *s, usync_rwlock_ctx_t *c)
{
	(void)c;
	usync_rw_phasefair_read_lock(&s->rw_phasefair);
}
static bool rw_phasefair_read_try_acquire_(union usync_rwlock_state *s,
			      usync_rwlock_ctx_t *c)
{
	(void)c;
	return usync_rw_phasefair_read_trylock(&s->rw_phasefair);
}
static void rw_phasefair_read_release_(union usync_rwlock_state *s, usync_rwlock_ctx_t *c)
{
	(void)c;
	usync_rw_phasefair_read_unlock(&s->rw_phasefair);
}
static void rw_phasefair_write_acquire_(union usync_rwlock_state *s, usync_rwlock_ctx_t *c)
{
	(void)c;
	usync_rw_phasefair_write_lock(&s->rw_phasefair);
}
static bool rw_phasefair_write_try_acquire_(union usync_rwlock_state *s,
			       usync_rwlock_ctx_t *c)
{
	(void)c;
	return usync_rw_phasefair_write_trylock(&s->rw_phasefair);
}
static void rw_phasefair_write_release_(union usync_rwlock_state *s, usync_rwlock_ctx_t *c)
{
	(void)c;
	usync_rw_phasefair_write_unlock(&s->rw_phasefair);
}
static int rw_phasefair_set_policy_(union usync_rwlock_state *s, usync_wait_policy_t p)
{
	return usync_rw_phasefair_set_policy(&s->rw_phasefair, p);
}

const struct usync_rwlock_ops usync_rwlock_ops_rw_phasefair = {
	.name = "rw_phasefair",
	.max_threads = USYNC_RW_PHASEFAIR_MAX_THREADS,
	.init = rw_phasefair_init_,
	.destroy = rw_phasefair_destroy_,
	.read_acquire = rw_phasefair_read_acquire_,
	.read_try_acquire = rw_phasefair_read_try_acquire_,
	.read_release = rw_phasefair_read_release_,
	.write_acquire = rw_phasefair_write_acquire_,
	.write_try_acquire = rw_phasefair_write_try_acquire_,
	.write_release = rw_phasefair_write_release_,
	.set_policy = rw_phasefair_set_policy_,
};
