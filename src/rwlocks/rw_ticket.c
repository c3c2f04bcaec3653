/*
 * src/rwlocks/rw_ticket.c - task-fair centralized shared lock (MCS PPoPP'91):
 * the wait and the generic adapter.  Algorithm, fairness (FIFO across both
 * classes), wrap-around and ordering contract: see include/usync/rw_ticket.h.
 */
#include "rwlock_internal.h"

void usync_rw_ticket_wait_slow(usync_rw_ticket_t *lock, uint32_t ticket,
			       bool writer)
{
	usync_spin_t spin;
	usync_spin_init(&spin, (usync_wait_policy_t)lock->policy);
	for (;;) {
		/* acquire: pairs with the release store of
		 * usync_rw_ticket_write_unlock and the release RMW of
		 * usync_rw_ticket_read_unlock that admit us. */
		uint32_t done = atomic_load_explicit(&lock->completions,
						     memory_order_acquire);
		if (writer ? done == ticket
			   : ((done ^ ticket) & USYNC_RW_TICKET_WRITER_MASK) ==
				     0)
			return;
		usync_rw_pause(&spin, &lock->completions, done,
			       &lock->sleepers);
	}
}

void usync_rw_ticket_wake(usync_rw_ticket_t *lock)
{
	usync_rw_wake(&lock->completions, &lock->sleepers);
}

/* ------------------------------------------------------ generic adapter */

static void rw_ticket_init_(union usync_rwlock_state *s, unsigned inner)
{
	(void)inner;
	usync_rw_ticket_init(&s->rw_ticket);
}
static void rw_ticket_destroy_(union usync_rwlock_state *s)
{
	usync_rw_ticket_destroy(&s->rw_ticket);
}
static void rw_ticket_read_acquire_(union usync_rwlock_state *s, usync_rwlock_ctx_t *c)
{
	(void)c;
	usync_rw_ticket_read_lock(&s->rw_ticket);
}
static bool rw_ticket_read_try_acquire_(union usync_rwlock_state *s,
			      usync_rwlock_ctx_t *c)
{
	(void)c;
	return usync_rw_ticket_read_trylock(&s->rw_ticket);
}
static void rw_ticket_read_release_(union usync_rwlock_state *s, usync_rwlock_ctx_t *c)
{
	(void)c;
	usync_rw_ticket_read_unlock(&s->rw_ticket);
}
static void rw_ticket_write_acquire_(union usync_rwlock_state *s, usync_rwlock_ctx_t *c)
{
	(void)c;
	usync_rw_ticket_write_lock(&s->rw_ticket);
}
static bool rw_ticket_write_try_acquire_(union usync_rwlock_state *s,
			       usync_rwlock_ctx_t *c)
{
	(void)c;
	return usync_rw_ticket_write_trylock(&s->rw_ticket);
}
static void rw_ticket_write_release_(union usync_rwlock_state *s, usync_rwlock_ctx_t *c)
{
	(void)c;
	usync_rw_ticket_write_unlock(&s->rw_ticket);
}
static int rw_ticket_set_policy_(union usync_rwlock_state *s, usync_wait_policy_t p)
{
	return usync_rw_ticket_set_policy(&s->rw_ticket, p);
}

const struct usync_rwlock_ops usync_rwlock_ops_rw_ticket = {
	.name = "rw_ticket",
	.max_threads = USYNC_RW_TICKET_MAX_THREADS,
	.init = rw_ticket_init_,
	.destroy = rw_ticket_destroy_,
	.read_acquire = rw_ticket_read_acquire_,
	.read_try_acquire = rw_ticket_read_try_acquire_,
	.read_release = rw_ticket_read_release_,
	.write_acquire = rw_ticket_write_acquire_,
	.write_try_acquire = rw_ticket_write_try_acquire_,
	.write_release = rw_ticket_write_release_,
	.set_policy = rw_ticket_set_policy_,
};
