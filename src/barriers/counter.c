/*
 * src/barriers/counter.c - centralized sense-reversing counting barrier.
 * Algorithm, cost and ordering contract: include/usync/counter_barrier.h
 * (MCS'91 section 3.1, Algorithm 7).
 */
#include "barrier_internal.h"

#include <limits.h>

int usync_counter_barrier_init(usync_counter_barrier_t *b, unsigned nthreads)
{
	if (b == NULL || nthreads == 0 || nthreads > USYNC_BARRIER_MAX_THREADS)
		return EINVAL;
	usync_counter_barrier_thread_t *threads =
		usync_barrier_alloc_lines(nthreads, sizeof(*threads));
	if (threads == NULL)
		return ENOMEM;
	/* Private senses start at 0 (zeroed); the first episode flips them
	 * to 1 and waits for the global sense to become 1. */
	/* relaxed: the barrier is not shared yet; whatever publishes it to
	 * the participating threads (thread creation, a release store)
	 * orders these stores. */
	atomic_store_explicit(&b->count, 0, memory_order_relaxed);
	atomic_store_explicit(&b->sense, 0, memory_order_relaxed);
	b->threads = threads;
	b->nthreads = nthreads;
	b->policy = (uint32_t)USYNC_WAIT_DEFAULT;
	return 0;
}

void usync_counter_barrier_destroy(usync_counter_barrier_t *b)
{
	if (b == NULL)
		return;
	free(b->threads);
	b->threads = NULL;
}

int usync_counter_barrier_wait(usync_counter_barrier_t *b, unsigned thread_id)
{
	if (thread_id >= b->nthreads)
		return EINVAL;
	usync_counter_barrier_thread_t *self = &b->threads[thread_id];
	USYNC_BARRIER_DEBUG_ENTER(self);
	uint32_t sense = self->sense ^ 1u;
	self->sense = sense;

	/* acq_rel.  Release: publishes this thread's writes before the
	 * barrier to the last arriver, whose increment reads the release
	 * sequence our increment belongs to.  Acquire (used by the last
	 * arriver only): pairs with every earlier arrival's release
	 * increment in usync_counter_barrier_wait. */
	uint32_t arrived = atomic_fetch_add_explicit(&b->count, 1,
						     memory_order_acq_rel);
	if (arrived == b->nthreads - 1) {
		/* Last arriver: reset the count first, then flip the sense.
		 * relaxed: the release exchange (or store) of `sense` below
		 * orders the reset before every next-episode increment,
		 * since each of those is made by a thread that acquired it
		 * (or by us, later in program order). */
		atomic_store_explicit(&b->count, 0, memory_order_relaxed);
		/* release (an exchange under the park policy, a store
		 * otherwise): pairs with the waiters' acquire loads of
		 * `sense` in usync_wait_until below; carries everything
		 * acquired from the arrivals.  Every waiter of the episode
		 * sleeps on this one word and every one's condition now
		 * holds, so all are woken. */
		usync_wake_store(&b->sense, sense,
				 (usync_wait_policy_t)b->policy, INT_MAX);
		USYNC_BARRIER_DEBUG_EXIT(self);
		return 0;
	}
	usync_spin_t spin;
	usync_spin_init(&spin, (usync_wait_policy_t)b->policy);
	/* acquire (in usync_wait_until): pairs with the last arriver's
	 * release exchange/store of `sense` above.  Under the park policy
	 * the waiters sleep on `sense` itself. */
	usync_wait_until(&b->sense, sense, &spin);
	USYNC_BARRIER_DEBUG_EXIT(self);
	return 0;
}

static int counter_init(union usync_barrier_state *s, unsigned nthreads)
{
	return usync_counter_barrier_init(&s->counter, nthreads);
}

static void counter_destroy(union usync_barrier_state *s)
{
	usync_counter_barrier_destroy(&s->counter);
}

static int counter_wait(union usync_barrier_state *s, unsigned thread_id)
{
	return usync_counter_barrier_wait(&s->counter, thread_id);
}

static int counter_set_policy(union usync_barrier_state *s,
			      usync_wait_policy_t policy)
{
	return usync_counter_barrier_set_policy(&s->counter, policy);
}

const struct usync_barrier_ops usync_barrier_ops_counter = {
	"counter", counter_init, counter_destroy, counter_wait,
	counter_set_policy,
};
