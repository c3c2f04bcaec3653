/*
 * src/locks/anderson.c - Anderson array lock: slot allocation, contended
 * wait, timed wait and generic adapter.  Algorithm, FIFO promise (arrival
 * order) and ordering contract: see include/usync/anderson.h (Anderson
 * 1990; MCS'91 section 2.3).
 *
 * Leaving (timed acquisition).  Slot t & mask holds, for this lap, one of:
 * an older lap's value (ticket t waits), t (granted by the unlock of t - 1),
 * or USYNC_ANDERSON_LEFT | t (ticket t - 1 left; ticket t inherits its
 * grant).  A waiter watches ticket w, first its own: when slot w reads w,
 * it holds the lock; when it reads LEFT | w, ticket w - 1 is gone too (w
 * itself left, or w is the waiter's own ticket), so it watches w - 1.  A
 * leaver with ticket t, its deadline past, checks its watched slot once
 * more (a grant there is its to keep) and else stores LEFT | t + 1 into slot
 * t + 1.  From that store on it never holds the lock: a grant of its
 * watched ticket, before or after, is found by the marks' reader.  The
 * unlock of a holder that inherited reads LEFT | t in its own slot; masked,
 * that is its ticket t, as for any holder.
 *
 * Room.  A leaver's ticket stays outstanding until the grant passes it, and
 * its mark writes slot t + 1.  So the timed path takes ticket t only after
 * some ticket in [t + 1 - slots, t - 1] has been released, seen as a slot x
 * in [t + 2 - slots, t] reading x: then ticket t + 1 - slots, the last user
 * of slot t + 1 (and t - slots, of slot t) is done, and whoever inherited
 * through them has read them (it held the lock before that release).
 * Tickets from timed callers therefore never exceed slots - 1 outstanding
 * at their taking; with capacity + 1 slots (init) that is every thread of a
 * lock used within its capacity, leavers' tickets apart.  When there is no
 * room the timed caller polls for it until its deadline, holding no ticket.
 */
#include "lock_internal.h"

/* A slot's cpu word (see anderson_publish_cpu): ticket tag above, CPU below. */
#define ANDERSON_CPU_TAG(ticket) ((ticket) << 16)
#define ANDERSON_NO_CPU 0xffffu /* in the low half: no CPU recorded */

#include <stdlib.h>
#include <string.h>

int usync_anderson_init(usync_anderson_t *lock, unsigned capacity)
{
	if (lock == NULL || capacity == 0 || capacity > USYNC_LOCK_MAX_THREADS)
		return EINVAL;
	/* One slot more than the capacity: the slot after the last waiter's
	 * takes a leaver's mark (see the top of this file). */
	uint32_t slots = 1;
	while (slots < capacity + 1)
		slots <<= 1;
	usync_anderson_slot_t *array = (usync_anderson_slot_t *)aligned_alloc(
		USYNC_CACHELINE, (size_t)slots * sizeof(*array));
	if (array == NULL)
		return ENOMEM;
	for (uint32_t i = 0; i < slots; i++) {
		/* relaxed: not shared yet; publication of the lock orders
		 * these.  Slot i first grants ticket i; until then it holds
		 * ticket i - slots (the lap before), which no waiter wants.
		 * Slot 0 therefore starts by granting ticket 0. */
		atomic_store_explicit(&array[i].granted,
				      i == 0 ? 0u
					     : (i - slots) &
						       USYNC_ANDERSON_TICKET_MASK,
				      memory_order_relaxed);
		/* relaxed: as above.  No CPU (see anderson_publish_cpu). */
		atomic_store_explicit(&array[i].cpu, ANDERSON_NO_CPU,
				      memory_order_relaxed);
	}
	/* relaxed: as above. */
	atomic_store_explicit(&lock->next_slot, 0, memory_order_relaxed);
	lock->slots = array;
	lock->mask = slots - 1;
	lock->policy = USYNC_WAIT_DEFAULT;
#if USYNC_DEBUG_CHECKS
	lock->debug_capacity = capacity;
	/* relaxed: not shared yet. */
	atomic_store_explicit(&lock->debug_released, 0, memory_order_relaxed);
	atomic_store_explicit(&lock->debug_contenders, 0, memory_order_relaxed);
#endif
	return 0;
}

void usync_anderson_destroy(usync_anderson_t *lock)
{
	if (lock == NULL)
		return;
	free(lock->slots);
	lock->slots = NULL;
}

/* Debug builds: the holder's ticket is ticket, which may lie past the one
 * the last unlock granted (leavers passed over).  relaxed: debug state,
 * ordered by the lock. */
static void debug_took(usync_anderson_t *lock, uint32_t ticket)
{
#if USYNC_DEBUG_CHECKS
	uint32_t released = atomic_load_explicit(&lock->debug_released,
						  memory_order_relaxed);
	atomic_store_explicit(&lock->debug_released,
			      released + ((ticket - released) &
					  USYNC_ANDERSON_TICKET_MASK),
			      memory_order_relaxed);
#else
	(void)lock;
	(void)ticket;
#endif
}

static USYNC_ATOMIC(uint32_t) *slot_word(usync_anderson_t *lock, uint32_t t)
{
	return &lock->slots[t & lock->mask].granted;
}

/*
 * One look at the watched ticket *watch (30-bit): 1 if its grant is there
 * (the lock is ours), 0 if it is still to come, following marks back as
 * far as they go.  *seen: the value last read (USYNC_PARKED cleared), for
 * waiting on it.
 */
static int look(usync_anderson_t *lock, uint32_t *watch, uint32_t *seen)
{
	uint32_t w = *watch;
	for (;;) {
		/* acquire: pairs with the release store of w in the unlock of
		 * ticket w - 1 (the grant; publishes its critical section),
		 * or with the release of the mark in leave. */
		uint32_t v = atomic_load_explicit(slot_word(lock, w),
						  memory_order_acquire) &
			     ~USYNC_PARKED;
		if (v == w) {
			*watch = w;
			return 1;
		}
		if (v != (USYNC_ANDERSON_LEFT | w)) {
			*watch = w;
			*seen = v;
			return 0;
		}
		w = (w - 1) & USYNC_ANDERSON_TICKET_MASK;
	}
}

/*
 * Holders' CPUs, for the handoff to a running waiter (usync_spin_extend,
 * usync/spin.h).  A thread in the untimed slow path records the CPU it
 * runs on in its slot's cpu word, tagged with its ticket's low 16 bits (the
 * slot's line is the one it is about to poll).  When the budget of the
 * waiter of ticket w runs out, ticket w - 1 is the holder it waits for if
 * slot w - 1 holds that ticket's grant (not a leaver's mark, nor a grant
 * still to come), and that slot's cpu word, if its tag is w - 1's, says
 * where the holder ran.  A hint only: relaxed, orders nothing; a stale
 * word costs at most a few budgets of spinning or a yield.
 */

static void anderson_publish_cpu(usync_anderson_t *lock, uint32_t ticket)
{
#if USYNC_SPIN_EXTEND_MAX
	int cpu = usync_spin_cpu();
	if (cpu < 0 || cpu >= (int)ANDERSON_NO_CPU)
		return;
	/* relaxed: a hint (above). */
	atomic_store_explicit(&lock->slots[ticket & lock->mask].cpu,
			      ANDERSON_CPU_TAG(ticket) | (uint32_t)cpu,
			      memory_order_relaxed);
#else
	(void)lock;
	(void)ticket;
#endif
}

struct anderson_waiter {
	usync_anderson_t *lock;
	const uint32_t *watch; /* the ticket whose grant we wait for */
};

/* usync_wait_while_behind's holder(): the CPU of ticket *watch - 1 if it
 * holds the lock. */
static int anderson_holder_cpu(const void *arg)
{
	const struct anderson_waiter *w = arg;
	uint32_t h = (*w->watch - 1) & USYNC_ANDERSON_TICKET_MASK;
	const usync_anderson_slot_t *slot = &w->lock->slots[h & w->lock->mask];
	/* relaxed (both): a hint (above). */
	if ((atomic_load_explicit(&slot->granted, memory_order_relaxed) &
	     ~USYNC_PARKED) != h)
		return USYNC_CPU_UNKNOWN;
	uint32_t e = atomic_load_explicit(&slot->cpu, memory_order_relaxed);
	if ((e & 0xffff0000u) != ANDERSON_CPU_TAG(h) ||
	    (e & 0xffffu) == ANDERSON_NO_CPU)
		return USYNC_CPU_UNKNOWN;
	return (int)(e & 0xffffu);
}

void usync_anderson_lock_slow(usync_anderson_t *lock, uint32_t slot,
			      uint32_t ticket)
{
	(void)slot;
	usync_spin_t spin;
	usync_spin_init(&spin, (usync_wait_policy_t)lock->policy);
	uint32_t watch = ticket, seen;
	struct anderson_waiter me = { lock, &watch };
	anderson_publish_cpu(lock, ticket);
	/* Parks on the watched slot, which only this waiter watches (or,
	 * beyond the capacity, a waiter one lap on). */
	while (!look(lock, &watch, &seen))
		usync_wait_while_behind(slot_word(lock, watch), seen, &spin,
					anderson_holder_cpu, &me);
	debug_took(lock, ticket);
}

bool usync_anderson_trylock_slow(usync_anderson_t *lock, unsigned *slot_out,
				 uint32_t ticket)
{
	/* Slot `ticket` reads LEFT | ticket: ticket - 1 left.  If the grant
	 * of the ticket the marks lead back to is there, nobody holds the
	 * lock; nobody can take that grant but the holder of `ticket`. */
	uint32_t watch = (ticket - 1) & USYNC_ANDERSON_TICKET_MASK, seen;
	if (!look(lock, &watch, &seen))
		return false;
	/* relaxed: as in usync_anderson_trylock; the acquire in look
	 * ordered the handoff. */
	if (!usync_compare_and_swap(&lock->next_slot, &ticket, ticket + 1,
				    memory_order_relaxed,
				    memory_order_relaxed))
		return false;
	usync_anderson_debug_enter(lock);
	debug_took(lock, ticket);
	*slot_out = ticket & lock->mask;
	return true;
}

/*
 * true if the timed path may take ticket t (full 32 bits): some x in
 * [t + 2 - slots, t] reads x, so ticket x - 1 >= t + 1 - slots has been
 * released (see Room at the top of this file).
 */
static bool room_for(usync_anderson_t *lock, uint32_t t)
{
	uint32_t slots = lock->mask + 1;
	for (uint32_t x = t + 2 - slots; x != t + 1; x++) {
		/* acquire: pairs with the release store of x in the unlock of
		 * ticket x - 1, so that every read of slots t and t + 1 by the
		 * tickets of the lap before (their holders and inheritors
		 * held the lock before that unlock) happens before our own
		 * writes to them. */
		uint32_t v = atomic_load_explicit(slot_word(lock, x),
						  memory_order_acquire) &
			     ~USYNC_PARKED;
		if (v == (x & USYNC_ANDERSON_TICKET_MASK))
			return true;
	}
	return false;
}

int usync_anderson_timedlock_slow(usync_anderson_t *lock, unsigned *slot_out,
				  const struct timespec *abstime)
{
	usync_deadline_t deadline;
	usync_spin_t spin;
	usync_deadline_init(&deadline, abstime);
	usync_spin_init(&spin, (usync_wait_policy_t)lock->policy);
	/* relaxed: a guess, validated by the CAS. */
	uint32_t t = atomic_load_explicit(&lock->next_slot,
					  memory_order_relaxed);
	/* relaxed (CAS): a ticket is only a place in line, as in
	 * usync_anderson_lock; the acquires are in look.  A lost race counts
	 * as a failed poll, as no room does. */
	while (!room_for(lock, t) ||
	       !usync_compare_and_swap(&lock->next_slot, &t, t + 1,
				       memory_order_relaxed,
				       memory_order_relaxed)) {
		if (!usync_spin_pause_until(&spin, &deadline))
			return ETIMEDOUT;
		/* relaxed: as above. */
		t = atomic_load_explicit(&lock->next_slot,
					 memory_order_relaxed);
	}
	uint32_t ticket = t & USYNC_ANDERSON_TICKET_MASK, watch = ticket, seen;
	while (!look(lock, &watch, &seen)) {
		uint32_t now;
		if (usync_wait_while_deadline(slot_word(lock, watch), seen,
					      &now, &spin, &deadline))
			continue;
		/* The deadline passed: one more look, then leave. */
		if (look(lock, &watch, &seen))
			break;
		uint32_t next = (ticket + 1) & USYNC_ANDERSON_TICKET_MASK;
		/* release: pairs with the acquire in the successor's look
		 * (the order is not needed for the lock's data: the grant's
		 * own release/acquire orders the critical sections; see
		 * docs/memory-ordering.md).  Wakes the successor if it
		 * sleeps on its slot.  Our last access to the lock. */
		usync_wake_store(slot_word(lock, next),
				 USYNC_ANDERSON_LEFT | next,
				 (usync_wait_policy_t)lock->policy, 0x7fffffff);
		return ETIMEDOUT;
	}
	usync_anderson_debug_enter(lock);
	debug_took(lock, ticket);
	*slot_out = t & lock->mask;
	return 0;
}

static int anderson_init(union usync_lock_state *s, unsigned max_threads)
{
	return usync_anderson_init(&s->anderson, max_threads);
}

static void anderson_destroy(union usync_lock_state *s)
{
	usync_anderson_destroy(&s->anderson);
}

static void anderson_acquire(union usync_lock_state *s, usync_lock_ctx_t *ctx)
{
	usync_anderson_lock(&s->anderson, &ctx->u.slot);
}

static bool anderson_try_acquire(union usync_lock_state *s,
				 usync_lock_ctx_t *ctx)
{
	return usync_anderson_trylock(&s->anderson, &ctx->u.slot);
}

static int anderson_acquire_until(union usync_lock_state *s,
				  usync_lock_ctx_t *ctx,
				  const struct timespec *abstime)
{
	return usync_anderson_timedlock(&s->anderson, &ctx->u.slot, abstime);
}

static void anderson_release(union usync_lock_state *s, usync_lock_ctx_t *ctx)
{
	usync_anderson_unlock(&s->anderson, ctx->u.slot);
}

static int anderson_set_policy(union usync_lock_state *s, usync_wait_policy_t p)
{
	return usync_anderson_set_policy(&s->anderson, p);
}

const struct usync_lock_ops usync_lock_ops_anderson = {
	.name = "anderson",
	.init = anderson_init,
	.destroy = anderson_destroy,
	.acquire = anderson_acquire,
	.try_acquire = anderson_try_acquire,
	.release = anderson_release,
	.acquire_until = anderson_acquire_until,
	.set_policy = anderson_set_policy,
};
