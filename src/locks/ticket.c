/*
 * src/locks/ticket.c - ticket lock: proportional-backoff wait and generic
 * adapter.  Algorithm, FIFO promise (arrival order) and ordering contract:
 * see include/usync/ticket.h (MCS'91 section 2.2).
 */
#include "lock_internal.h"

void usync_ticket_lock_slow(usync_ticket_t *lock, uint32_t ticket)
{
	usync_spin_t spin;
	usync_spin_init(&spin, (usync_wait_policy_t)lock->policy);
	for (;;) {
		/* acquire: pairs with the release store in usync_ticket_unlock
		 * that serves our ticket. */
		uint32_t serving = atomic_load_explicit(&lock->now_serving,
							memory_order_acquire);
		uint32_t ahead = ticket - serving; /* wraps correctly */
		if (ahead == 0)
			return;
		if (ahead > 1)
			/* Proportional backoff: those ahead need about this
			 * long to pass the lock along. */
			usync_spin_delay(&spin, (ahead - 1) *
							USYNC_TICKET_BACKOFF_STEPS);
		else
			usync_spin_pause(&spin);
	}
}

static int ticket_init(union usync_lock_state *s, unsigned max_threads)
{
	(void)max_threads;
	usync_ticket_init(&s->ticket);
	return 0;
}

static void ticket_acquire(union usync_lock_state *s, usync_lock_ctx_t *ctx)
{
	(void)ctx;
	usync_ticket_lock(&s->ticket);
}

static bool ticket_try_acquire(union usync_lock_state *s,
			       usync_lock_ctx_t *ctx)
{
	(void)ctx;
	return usync_ticket_trylock(&s->ticket);
}

static void ticket_release(union usync_lock_state *s, usync_lock_ctx_t *ctx)
{
	(void)ctx;
	usync_ticket_unlock(&s->ticket);
}

const struct usync_lock_ops usync_lock_ops_ticket = {
	"ticket",	ticket_init,	    NULL,
	ticket_acquire, ticket_try_acquire, ticket_release,
};
