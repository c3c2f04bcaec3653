/*
 * src/locks/ticket.c - ticket lock: proportional-backoff wait and generic
 * adapter.  Algorithm, FIFO promise (arrival order) and ordering contract:
 * see include/usync/ticket.h (MCS'91 section 2.2).
 */
#include "lock_internal.h"

/*
 * Park table: 1024 words, each the sleeping place of the waiters whose
 * (lock, ticket) hashes to it.  A word holds a free-running value plus
 * USYNC_PARKED while someone may sleep on it.  Packed, not padded: a word is
 * written only when a thread goes to sleep or is woken, never on a handoff
 * to a spinning waiter.
 */
#define PARK_TABLE_SIZE 1024u
static _Atomic(uint32_t) park_table[PARK_TABLE_SIZE];

static _Atomic(uint32_t) *park_word(const usync_ticket_t *lock, uint32_t ticket)
{
	uintptr_t key = ((uintptr_t)lock / USYNC_CACHELINE) * 0x9e3779b1u +
			ticket * 0x85ebca6bu;
	return &park_table[(key ^ (key >> 15)) % PARK_TABLE_SIZE];
}

/*
 * Sleep until now_serving reaches ticket or our word changes.  The sleeper
 * marks the word (RMW), then reads now_serving; the releaser stores
 * now_serving, then reads the word.  Both sides fence seq_cst between their
 * write and their read (the store-buffering pattern), so at least one of
 * them sees the other: the sleeper sees its turn and does not sleep, or the
 * releaser sees the mark and wakes it.
 */
static void park_ticket(usync_ticket_t *lock, uint32_t ticket)
{
	_Atomic(uint32_t) *word = park_word(lock, ticket);
	/* relaxed: ordered against now_serving by the fence below.  Always
	 * an RMW that writes (even when another sleeper has set the mark
	 * already), so that this thread's own write precedes its fence:
	 * the store-buffering argument needs a write on each side. */
	uint32_t seen = atomic_fetch_or_explicit(word, USYNC_PARKED,
						 memory_order_relaxed) &
			~USYNC_PARKED;
	/* seq_cst: pairs with the fence in usync_ticket_unlock_park. */
	atomic_thread_fence(memory_order_seq_cst);
	/* relaxed: a check only; the caller re-reads now_serving with
	 * acquire before it enters. */
	if (atomic_load_explicit(&lock->now_serving, memory_order_relaxed) ==
	    ticket)
		return;
	/* Sleeps only if no releaser has bumped the word since our mark. */
	usync_futex_wait(word, seen | USYNC_PARKED);
}

void usync_ticket_unlock_park(usync_ticket_t *lock, uint32_t serving)
{
	/* release: pairs with the acquire load of now_serving in the waiter
	 * of ticket `serving`; publishes the critical section. */
	atomic_store_explicit(&lock->now_serving, serving,
			      memory_order_release);
	/* seq_cst: pairs with the fence in park_ticket. */
	atomic_thread_fence(memory_order_seq_cst);
	_Atomic(uint32_t) *word = park_word(lock, serving);
	/* relaxed: the fence orders it after our store of now_serving. */
	if (atomic_load_explicit(word, memory_order_relaxed) & USYNC_PARKED) {
		/* relaxed: bump the value (so a sleeper that has not yet
		 * called futex_wait will not sleep) and clear the mark. */
		uint32_t old = atomic_load_explicit(word, memory_order_relaxed);
		while (!usync_compare_and_swap(word, &old,
					       (old + 1) & ~USYNC_PARKED,
					       memory_order_relaxed,
					       memory_order_relaxed))
			;
		/* All sleepers of the word: the served one and any hash
		 * collisions, which re-check and sleep again. */
		usync_futex_wake(word, 0x7fffffff);
	}
}

void usync_ticket_lock_slow(usync_ticket_t *lock, uint32_t ticket)
{
	usync_spin_t spin;
	usync_spin_init(&spin, (usync_wait_policy_t)lock->policy);
	for (;;) {
		/* acquire: pairs with the release store in usync_ticket_unlock
		 * (or usync_ticket_unlock_park) that serves our ticket. */
		uint32_t serving = atomic_load_explicit(&lock->now_serving,
							memory_order_acquire);
		uint32_t ahead = ticket - serving; /* wraps correctly */
		if (ahead == 0)
			return;
		if (USYNC_UNLIKELY(usync_spin_should_park(&spin)))
			park_ticket(lock, ticket);
		else if (ahead > 1)
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

static int ticket_set_policy(union usync_lock_state *s, usync_wait_policy_t p)
{
	return usync_ticket_set_policy(&s->ticket, p);
}

const struct usync_lock_ops usync_lock_ops_ticket = {
	.name = "ticket",
	.init = ticket_init,
	.destroy = NULL,
	.acquire = ticket_acquire,
	.try_acquire = ticket_try_acquire,
	.release = ticket_release,
	.set_policy = ticket_set_policy,
};
