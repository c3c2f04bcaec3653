/*
 * src/locks/ttas.c - test-and-test-and-set lock: contended path and generic
 * adapter.  Algorithm, FIFO promise (none) and ordering contract: see
 * include/usync/ttas.h (Rudolph & Segall 1984; MCS'91 section 2.1).
 */
#include "lock_internal.h"

void usync_ttas_lock_slow(usync_ttas_t *lock)
{
	usync_spin_t spin;
	usync_spin_init(&spin, (usync_wait_policy_t)lock->policy);
	for (;;) {
		/* relaxed: spin on a read in our own cache; the exchange in
		 * trylock is the acquire. */
		while (atomic_load_explicit(&lock->locked,
					    memory_order_relaxed) != 0)
			usync_spin_pause(&spin);
		/* acquire: pairs with the release store in unlock. */
		if (usync_test_and_set(&lock->locked, memory_order_acquire) ==
		    0)
			return;
	}
}

static int ttas_init(union usync_lock_state *s, unsigned max_threads)
{
	(void)max_threads;
	usync_ttas_init(&s->ttas);
	return 0;
}

static void ttas_acquire(union usync_lock_state *s, usync_lock_ctx_t *ctx)
{
	(void)ctx;
	usync_ttas_lock(&s->ttas);
}

static bool ttas_try_acquire(union usync_lock_state *s, usync_lock_ctx_t *ctx)
{
	(void)ctx;
	return usync_ttas_trylock(&s->ttas);
}

static void ttas_release(union usync_lock_state *s, usync_lock_ctx_t *ctx)
{
	(void)ctx;
	usync_ttas_unlock(&s->ttas);
}

const struct usync_lock_ops usync_lock_ops_ttas = {
	"ttas", ttas_init, NULL, ttas_acquire, ttas_try_acquire, ttas_release,
};
