/*
 * src/locks/tas.c - test-and-set lock: contended path and generic adapter.
 * The algorithm, its FIFO promise (none) and ordering contract are described
 * in include/usync/tas.h (MCS'91 section 2.1); the fast paths are inline
 * there.
 */
#include "lock_internal.h"

void usync_tas_lock_slow(usync_tas_t *lock)
{
	usync_spin_t spin;
	usync_spin_init(&spin, (usync_wait_policy_t)lock->policy);
	do
		usync_spin_pause(&spin);
	while (!usync_tas_trylock(lock)); /* acquire inside, see tas.h */
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

const struct usync_lock_ops usync_lock_ops_tas = {
	"tas", tas_init, NULL, tas_acquire, tas_try_acquire, tas_release,
};
