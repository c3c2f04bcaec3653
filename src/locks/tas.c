/*
 * src/locks/tas.c - test-and-set lock: contended path and generic adapter.
 * The algorithm, its FIFO promise (none) and ordering contract are described
 * in include/usync/tas.h (MCS'91 section 2.1); the fast paths are inline
 * there.
 */
#include "lock_internal.h"

/*
 * The park phase of the test-and-set family (tas, ttas, backoff), after
 * U. Drepper, "Futexes are tricky" (2011), mutex 3.  The word holds 0
 * (free), 1 (held) or 1 | USYNC_PARKED (held, sleepers may exist).  A thread
 * that has reached this phase acquires only by exchanging in
 * 1 | USYNC_PARKED, so the mark survives for the sleepers behind it; the
 * unlock's usync_wake_store sees it and wakes one.  A woken thread that
 * loses the race to a spinning newcomer sets the mark again and sleeps.
 * Spinning threads acquire with a plain exchange of 1 and restore the mark
 * if they erased it (usync_lockword_tas in usync/spin.h).
 */
void usync_lockword_park(_Atomic(uint32_t) *locked)
{
	/* acquire: pairs with the release exchange in the unlock. */
	while (usync_fetch_and_store(locked, 1u | USYNC_PARKED,
				     memory_order_acquire) != 0)
		usync_futex_wait(locked, 1u | USYNC_PARKED);
}

/* As usync_lockword_park, giving up at the deadline.  A woken thread
 * always retries the exchange before it looks at the clock, so a wake-up
 * it consumed is never wasted; one that gives up leaves the mark, and the
 * next unlock makes one futex_wake for the sleepers that remain. */
bool usync_lockword_park_until(_Atomic(uint32_t) *locked, usync_deadline_t *d)
{
	for (;;) {
		/* acquire: pairs with the release exchange in the unlock. */
		if (usync_fetch_and_store(locked, 1u | USYNC_PARKED,
					  memory_order_acquire) == 0)
			return true;
		if (usync_deadline_passed(d))
			return false;
		usync_futex_wait_until(locked, 1u | USYNC_PARKED, d->abstime);
	}
}

bool usync_lockword_remark(_Atomic(uint32_t) *word)
{
	/* acquire: if the lock was released since our failed exchange, this
	 * acquires it, pairing with the unlock's release. */
	return usync_fetch_and_store(word, 1u | USYNC_PARKED,
				     memory_order_acquire) == 0;
}

void usync_tas_lock_slow(usync_tas_t *lock)
{
	usync_spin_t spin;
	usync_spin_init(&spin, (usync_wait_policy_t)lock->policy);
	do {
		if (USYNC_UNLIKELY(usync_spin_should_park(&spin))) {
			usync_lockword_park(&lock->locked);
			return;
		}
		usync_spin_pause(&spin);
	} while (!usync_tas_trylock(lock)); /* acquire inside, see tas.h */
}

int usync_tas_timedlock_slow(usync_tas_t *lock, const struct timespec *abstime)
{
	usync_deadline_t d;
	usync_spin_t spin;
	usync_deadline_init(&d, abstime);
	usync_spin_init(&spin, (usync_wait_policy_t)lock->policy);
	do {
		if (USYNC_UNLIKELY(usync_spin_should_park(&spin)))
			return usync_lockword_park_until(&lock->locked, &d)
				       ? 0
				       : ETIMEDOUT;
		if (!usync_spin_pause_until(&spin, &d))
			return ETIMEDOUT;
	} while (!usync_tas_trylock(lock)); /* acquire inside, see tas.h */
	return 0;
}

static int tas_init(union usync_lock_state *s, unsigned max_threads)
{
	(void)max_threads;
	usync_tas_init(&s->tas);
	return 0;
}

static void tas_acquire(union usync_lock_state *s, usync_lock_ctx_t *ctx)
{
	(void)ctx;
	usync_tas_lock(&s->tas);
}

static bool tas_try_acquire(union usync_lock_state *s, usync_lock_ctx_t *ctx)
{
	(void)ctx;
	return usync_tas_trylock(&s->tas);
}

static void tas_release(union usync_lock_state *s, usync_lock_ctx_t *ctx)
{
	(void)ctx;
	usync_tas_unlock(&s->tas);
}

static int tas_acquire_until(union usync_lock_state *s, usync_lock_ctx_t *ctx,
			     const struct timespec *abstime)
{
	(void)ctx;
	return usync_tas_timedlock(&s->tas, abstime);
}

static int tas_set_policy(union usync_lock_state *s, usync_wait_policy_t p)
{
	return usync_tas_set_policy(&s->tas, p);
}

const struct usync_lock_ops usync_lock_ops_tas = {
	.name = "tas",
	.init = tas_init,
	.destroy = NULL,
	.acquire = tas_acquire,
	.try_acquire = tas_try_acquire,
	.release = tas_release,
	.acquire_until = tas_acquire_until,
	.set_policy = tas_set_policy,
};
