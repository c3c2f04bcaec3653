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
		/* relaxed: spin on a read in our own cache; the RMW in
		 * trylock is the acquire. */
		while (atomic_load_explicit(&lock->locked,
					    memory_order_relaxed) != 0) {
			if (USYNC_UNLIKELY(usync_spin_should_park(&spin))) {
				usync_lockword_park(&lock->locked);
				return;
			}
			usync_spin_pause(&spin);
		}
		if (usync_ttas_trylock(lock)) /* acquire inside, see ttas.h */
			return;
	}
}

int usync_ttas_timedlock_slow(usync_ttas_t *lock,
			      const struct timespec *abstime)
{
	usync_deadline_t d;
	usync_spin_t spin;
	usync_deadline_init(&d, abstime);
	usync_spin_init(&spin, (usync_wait_policy_t)lock->policy);
	for (;;) {
		/* relaxed: as in usync_ttas_lock_slow. */
		while (atomic_load_explicit(&lock->locked,
					    memory_order_relaxed) != 0) {
			if (USYNC_UNLIKELY(usync_spin_should_park(&spin)))
				return usync_lockword_park_until(&lock->locked,
								 &d)
					       ? 0
					       : ETIMEDOUT;
			if (!usync_spin_pause_until(&spin, &d))
				return ETIMEDOUT;
		}
		if (usync_ttas_trylock(lock)) /* acquire inside, see ttas.h */
			return 0;
		if (usync_deadline_poll(&d))
			return ETIMEDOUT;
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

static int ttas_acquire_until(union usync_lock_state *s, usync_lock_ctx_t *ctx,
			      const struct timespec *abstime)
{
	(void)ctx;
	return usync_ttas_timedlock(&s->ttas, abstime);
}

static int ttas_set_policy(union usync_lock_state *s, usync_wait_policy_t p)
{
	return usync_ttas_set_policy(&s->ttas, p);
}

const struct usync_lock_ops usync_lock_ops_ttas = {
	.name = "ttas",
	.init = ttas_init,
	.destroy = NULL,
	.acquire = ttas_acquire,
	.try_acquire = ttas_try_acquire,
	.release = ttas_release,
	.acquire_until = ttas_acquire_until,
	.set_policy = ttas_set_policy,
};
