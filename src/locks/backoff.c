/*
 * src/locks/backoff.c - test-and-set lock with exponential backoff:
 * contended path and generic adapter.  Algorithm, FIFO promise (none) and
 * ordering contract: see include/usync/backoff.h (Anderson 1990; MCS'91
 * section 2.1).
 */
#include "lock_internal.h"

void usync_backoff_lock_slow(usync_backoff_t *lock)
{
	usync_spin_t spin;
	usync_spin_backoff_t backoff;
	usync_spin_init(&spin, (usync_wait_policy_t)lock->policy);
	usync_spin_backoff_init(&backoff, lock->base, lock->cap);
	do {
		if (USYNC_UNLIKELY(usync_spin_should_park(&spin))) {
			usync_lockword_park(&lock->locked);
			return;
		}
		usync_spin_backoff_wait(&backoff, &spin);
	} while (!usync_backoff_trylock(lock)); /* acquire inside */
}

int usync_backoff_timedlock_slow(usync_backoff_t *lock,
				 const struct timespec *abstime)
{
	usync_deadline_t d;
	usync_spin_t spin;
	usync_spin_backoff_t backoff;
	usync_deadline_init(&d, abstime);
	usync_spin_init(&spin, (usync_wait_policy_t)lock->policy);
	usync_spin_backoff_init(&backoff, lock->base, lock->cap);
	do {
		/* Every attempt: a delay is already tens of relax steps
		 * once it has grown, against one clock read. */
		if (usync_deadline_passed(&d))
			return ETIMEDOUT;
		if (USYNC_UNLIKELY(usync_spin_should_park(&spin)))
			return usync_lockword_park_until(&lock->locked, &d)
				       ? 0
				       : ETIMEDOUT;
		usync_spin_backoff_wait(&backoff, &spin);
	} while (!usync_backoff_trylock(lock)); /* acquire inside */
	return 0;
}

static int backoff_init(union usync_lock_state *s, unsigned max_threads)
{
	(void)max_threads;
	usync_backoff_init(&s->backoff);
	return 0;
}

static void backoff_acquire(union usync_lock_state *s, usync_lock_ctx_t *ctx)
{
	(void)ctx;
	usync_backoff_lock(&s->backoff);
}

static bool backoff_try_acquire(union usync_lock_state *s,
				usync_lock_ctx_t *ctx)
{
	(void)ctx;
	return usync_backoff_trylock(&s->backoff);
}

static void backoff_release(union usync_lock_state *s, usync_lock_ctx_t *ctx)
{
	(void)ctx;
	usync_backoff_unlock(&s->backoff);
}

static int backoff_acquire_until(union usync_lock_state *s,
				 usync_lock_ctx_t *ctx,
				 const struct timespec *abstime)
{
	(void)ctx;
	return usync_backoff_timedlock(&s->backoff, abstime);
}

static int backoff_set_policy(union usync_lock_state *s, usync_wait_policy_t p)
{
	return usync_backoff_set_policy(&s->backoff, p);
}

const struct usync_lock_ops usync_lock_ops_backoff = {
	.name = "backoff",
	.init = backoff_init,
	.destroy = NULL,
	.acquire = backoff_acquire,
	.try_acquire = backoff_try_acquire,
	.release = backoff_release,
	.acquire_until = backoff_acquire_until,
	.set_policy = backoff_set_policy,
};
