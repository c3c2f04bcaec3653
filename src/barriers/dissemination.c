/*
 * src/barriers/dissemination.c - dissemination barrier.  Algorithm, cost
 * and ordering contract: include/usync/dissemination_barrier.h (Hensgen,
 * Finkel & Manber 1988; MCS'91 section 3.3, Algorithm 9).
 *
 * Why parity and sense: a flag written in episode e with parity p is next
 * written in episode e + 2 (same parity), by which time its owner has left
 * episode e + 1 and so has read it.  The value written alternates because
 * sense flips every time parity returns to 0, so the owner can tell the
 * new write from the old one without resetting the flag.
 */
#include "barrier_internal.h"

int usync_dissemination_barrier_init(usync_dissemination_barrier_t *b,
				     unsigned nthreads)
{
	if (b == NULL || nthreads == 0 || nthreads > USYNC_BARRIER_MAX_THREADS)
		return EINVAL;
	uint32_t nrounds = usync_barrier_ceil_log2(nthreads);
	usync_dissemination_barrier_flag_t *flags = NULL;
	if (nrounds > 0) {
		flags = usync_barrier_alloc_lines(
			(size_t)nthreads * 2 * nrounds, sizeof(*flags));
		if (flags == NULL)
			return ENOMEM;
	}
	usync_dissemination_barrier_thread_t *threads =
		usync_barrier_alloc_lines(nthreads, sizeof(*threads));
	if (threads == NULL) {
		free(flags);
		return ENOMEM;
	}
	/* Flags are zeroed by the allocator (and not shared yet:
	 * publication of the barrier orders that). */
	for (uint32_t i = 0; i < nthreads; i++) {
		threads[i].parity = 0;
		threads[i].sense = 1;
	}
	b->flags = flags;
	b->threads = threads;
	b->nthreads = nthreads;
	b->nrounds = nrounds;
	b->policy = (uint32_t)USYNC_WAIT_DEFAULT;
	return 0;
}

void usync_dissemination_barrier_destroy(usync_dissemination_barrier_t *b)
{
	if (b == NULL)
		return;
	free(b->flags);
	free(b->threads);
	b->flags = NULL;
	b->threads = NULL;
}

int usync_dissemination_barrier_wait(usync_dissemination_barrier_t *b,
				     unsigned thread_id)
{
	if (thread_id >= b->nthreads)
		return EINVAL;
	usync_dissemination_barrier_thread_t *self = &b->threads[thread_id];
	USYNC_BARRIER_DEBUG_ENTER(self);
	uint32_t nrounds = b->nrounds;
	if (nrounds == 0) {
		/* one thread: nothing to wait for or publish */
		USYNC_BARRIER_DEBUG_EXIT(self);
		return 0;
	}
	usync_wait_policy_t policy = (usync_wait_policy_t)b->policy;
	uint32_t parity = self->parity;
	uint32_t sense = self->sense;
	uint32_t n = b->nthreads;
	usync_dissemination_barrier_flag_t *mine =
		&b->flags[((size_t)thread_id * 2 + parity) * nrounds];

	for (uint32_t k = 0; k < nrounds; k++) {
		uint32_t partner = (thread_id + (1u << k)) % n;
		usync_dissemination_barrier_flag_t *theirs =
			&b->flags[((size_t)partner * 2 + parity) * nrounds + k];
		/* release (an exchange under the park policy, a store
		 * otherwise): pairs with the partner's acquire poll of this
		 * flag below; publishes our writes and everything we
		 * acquired in earlier rounds.  Wakes the flag's one
		 * possible sleeper, the partner. */
		usync_wake_store(&theirs->value, sense, policy, 1);
		usync_spin_t spin;
		usync_spin_init(&spin, policy);
		/* acquire (in usync_wait_until): pairs with the release
		 * exchange/store above made by thread (thread_id - 2^k) mod
		 * n in this round.  Under the park policy we sleep on our
		 * own round-k flag. */
		usync_wait_until(&mine[k].value, sense, &spin);
	}
	if (parity == 1)
		self->sense = sense ^ 1u;
	self->parity = parity ^ 1u;
	USYNC_BARRIER_DEBUG_EXIT(self);
	return 0;
}

static int dissemination_init(union usync_barrier_state *s, unsigned nthreads)
{
	return usync_dissemination_barrier_init(&s->dissemination, nthreads);
}

static void dissemination_destroy(union usync_barrier_state *s)
{
	usync_dissemination_barrier_destroy(&s->dissemination);
}

static int dissemination_wait(union usync_barrier_state *s,
			      unsigned thread_id)
{
	return usync_dissemination_barrier_wait(&s->dissemination, thread_id);
}

static int dissemination_set_policy(union usync_barrier_state *s,
				    usync_wait_policy_t policy)
{
	return usync_dissemination_barrier_set_policy(&s->dissemination,
						      policy);
}

const struct usync_barrier_ops usync_barrier_ops_dissemination = {
	"dissemination", dissemination_init, dissemination_destroy,
	dissemination_wait, dissemination_set_policy,
};
