/*
 * src/rwlocks/rw_counter.c - centralized writer-preference shared lock:
 * contended paths and generic adapter.  Algorithm, fairness (writer
 * preference; readers can starve), word layout and ordering contract: see
 * include/usync/rw_counter.h.
 */
#include "rwlock_internal.h"

void usync_rw_counter_read_lock_slow(usync_rw_counter_t *lock)
{
	usync_spin_t spin;
	usync_spin_init(&spin, (usync_wait_policy_t)lock->policy);
	for (;;) {
		/* relaxed: the CAS below is what acquires. */
		uint32_t v = atomic_load_explicit(&lock->word,
						  memory_order_relaxed);
		if ((v & (USYNC_RW_COUNTER_WRITER |
			  USYNC_RW_COUNTER_WAITING_MASK)) == 0) {
			/* acquire: pairs with the release RMW of the last
			 * usync_rw_counter_write_unlock.  relaxed on failure:
			 * we poll again. */
			if (usync_compare_and_swap(&lock->word, &v,
						   v + USYNC_RW_COUNTER_READER,
						   memory_order_acquire,
						   memory_order_relaxed))
				return;
			continue; /* another reader moved the count */
		}
		usync_rw_pause(&spin, &lock->word, v, &lock->sleepers);
	}
}

void usync_rw_counter_write_lock_slow(usync_rw_counter_t *lock)
{
	/* relaxed: the announcement only keeps new readers out; it grants
	 * nothing, so it orders nothing (the acquire CAS below does). */
	atomic_fetch_add_explicit(&lock->word, USYNC_RW_COUNTER_WAITING,
				  memory_order_relaxed);
	usync_spin_t spin;
	usync_spin_init(&spin, (usync_wait_policy_t)lock->policy);
	for (;;) {
		/* relaxed: the CAS below is what acquires. */
		uint32_t v = atomic_load_explicit(&lock->word,
						  memory_order_relaxed);
		if ((v & (USYNC_RW_COUNTER_WRITER |
			  USYNC_RW_COUNTER_READER_MASK)) == 0) {
			/* acquire: pairs with the release RMWs of
			 * usync_rw_counter_read_unlock (every reader that
			 * was inside) and write_unlock that left the word so.
			 * Trades our announcement for the writer bit. */
			if (usync_compare_and_swap(
				    &lock->word, &v,
				    v - USYNC_RW_COUNTER_WAITING +
					    USYNC_RW_COUNTER_WRITER,
				    memory_order_acquire,
				    memory_order_relaxed))
				return;
			continue;
		}
		usync_rw_pause(&spin, &lock->word, v, &lock->sleepers);
	}
}

void usync_rw_counter_wake(usync_rw_counter_t *lock)
{
	usync_rw_wake(&lock->word, &lock->sleepers);
}

/* ------------------------------------------------------ generic adapter */

static void rw_counter_init_(union usync_rwlock_state *s, unsigned inner)
{
	(void)inner;
	usync_rw_counter_init(&s->rw_counter);
}
static void rw_counter_destroy_(union usync_rwlock_state *s)
{
	usync_rw_counter_destroy(&s->rw_counter);
}
static void rw_counter_read_acquire_(union usync_rwlock_state *s, usync_rwlock_ctx_t *c)
{
	(void)c;
	usync_rw_counter_read_lock(&s->rw_counter);
}
static bool rw_counter_read_try_acquire_(union usync_rwlock_state *s,
			      usync_rwlock_ctx_t *c)
{
	(void)c;
	return usync_rw_counter_read_trylock(&s->rw_counter);
}
static void rw_counter_read_release_(union usync_rwlock_state *s, usync_rwlock_ctx_t *c)
{
	(void)c;
	usync_rw_counter_read_unlock(&s->rw_counter);
}
static void rw_counter_write_acquire_(union usync_rwlock_state *s, usync_rwlock_ctx_t *c)
{
	(void)c;
	usync_rw_counter_write_lock(&s->rw_counter);
}
static bool rw_counter_write_try_acquire_(union usync_rwlock_state *s,
			       usync_rwlock_ctx_t *c)
{
	(void)c;
	return usync_rw_counter_write_trylock(&s->rw_counter);
}
static void rw_counter_write_release_(union usync_rwlock_state *s, usync_rwlock_ctx_t *c)
{
	(void)c;
	usync_rw_counter_write_unlock(&s->rw_counter);
}
static int rw_counter_set_policy_(union usync_rwlock_state *s, usync_wait_policy_t p)
{
	return usync_rw_counter_set_policy(&s->rw_counter, p);
}

const struct usync_rwlock_ops usync_rwlock_ops_rw_counter = {
	.name = "rw_counter",
	.max_threads = USYNC_RW_COUNTER_MAX_THREADS,
	.init = rw_counter_init_,
	.destroy = rw_counter_destroy_,
	.read_acquire = rw_counter_read_acquire_,
	.read_try_acquire = rw_counter_read_try_acquire_,
	.read_release = rw_counter_read_release_,
	.write_acquire = rw_counter_write_acquire_,
	.write_try_acquire = rw_counter_write_try_acquire_,
	.write_release = rw_counter_write_release_,
	.set_policy = rw_counter_set_policy_,
};
