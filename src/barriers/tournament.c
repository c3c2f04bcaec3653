/*
 * src/barriers/tournament.c - tournament barrier with static winners.
 * Algorithm, cost and ordering contract: include/usync/tournament_barrier.h
 * (Hensgen, Finkel & Manber 1988; MCS'91 section 3.4, Algorithm 10).
 *
 * Roles, for thread i in round k >= 1 (half = 2^(k-1), full = 2^k):
 *   champion  i == 0 and full >= N (the last round)
 *   winner    i % full == 0 and i + half < N
 *   bye       i % full == 0 and i + half >= N
 *   loser     i % full == half
 *   unused    otherwise (never reached: i left at an earlier round)
 * and round 0 is every thread's dropout, where its wakeup walk ends.
 */
#include "barrier_internal.h"

static uint32_t tournament_role(uint32_t i, uint32_t k, uint32_t n)
{
	if (k == 0)
		return USYNC_TOURNAMENT_DROPOUT;
	uint64_t half = UINT64_C(1) << (k - 1);
	uint64_t full = half * 2;
	if (i % full == 0) {
		if (i == 0 && full >= n)
			return USYNC_TOURNAMENT_CHAMPION;
		return i + half < n ? USYNC_TOURNAMENT_WINNER
				    : USYNC_TOURNAMENT_BYE;
	}
	if (i % full == half)
		return USYNC_TOURNAMENT_LOSER;
	return USYNC_TOURNAMENT_UNUSED;
}

int usync_tournament_barrier_init(usync_tournament_barrier_t *b,
				  unsigned nthreads)
{
	if (b == NULL || nthreads == 0 || nthreads > USYNC_BARRIER_MAX_THREADS)
		return EINVAL;
	uint32_t nrounds = usync_barrier_ceil_log2(nthreads);
	size_t stride = (size_t)nrounds + 1;
	usync_tournament_barrier_round_t *rounds = usync_barrier_alloc_lines(
		(size_t)nthreads * stride, sizeof(*rounds));
	if (rounds == NULL)
		return ENOMEM;
	usync_tournament_barrier_thread_t *threads =
		usync_barrier_alloc_lines(nthreads, sizeof(*threads));
	if (threads == NULL) {
		free(rounds);
		return ENOMEM;
	}
	for (uint32_t i = 0; i < nthreads; i++) {
		threads[i].sense = 1; /* flags start 0: first episode waits 1 */
		for (uint32_t k = 0; k <= nrounds; k++) {
			usync_tournament_barrier_round_t *r =
				&rounds[i * stride + k];
			uint32_t role = tournament_role(i, k, nthreads);
			uint32_t half = k > 0 ? 1u << (k - 1) : 0;
			r->role = role;
			r->opponent = NULL;
			if (role == USYNC_TOURNAMENT_WINNER ||
			    role == USYNC_TOURNAMENT_CHAMPION)
				r->opponent = &rounds[(i + half) * stride + k]
						       .flag;
			else if (role == USYNC_TOURNAMENT_LOSER)
				r->opponent = &rounds[(i - half) * stride + k]
						       .flag;
			/* relaxed: not shared yet; publication of the
			 * barrier orders this store. */
			atomic_store_explicit(&r->flag, 0, memory_order_relaxed);
		}
	}
	b->rounds = rounds;
	b->threads = threads;
	b->nthreads = nthreads;
	b->nrounds = nrounds;
	b->policy = (uint32_t)USYNC_WAIT_DEFAULT;
	return 0;
}

void usync_tournament_barrier_destroy(usync_tournament_barrier_t *b)
{
	if (b == NULL)
		return;
	free(b->rounds);
	free(b->threads);
	b->rounds = NULL;
	b->threads = NULL;
}

/* Wait until our flag of this round holds `sense`; under the park policy
 * we sleep on that flag, which only our opponent writes.  acquire (in
 * usync_wait_until): pairs with the opponent's release exchange/store
 * through its `opponent` pointer in usync_tournament_barrier_wait
 * (arrival or wakeup). */
static void tournament_await(usync_tournament_barrier_round_t *r,
			     uint32_t sense, usync_wait_policy_t policy)
{
	usync_spin_t spin;
	usync_spin_init(&spin, policy);
	usync_wait_until(&r->flag, sense, &spin);
}

int usync_tournament_barrier_wait(usync_tournament_barrier_t *b,
				  unsigned thread_id)
{
	if (thread_id >= b->nthreads)
		return EINVAL;
	usync_tournament_barrier_thread_t *self = &b->threads[thread_id];
	USYNC_BARRIER_DEBUG_ENTER(self);
	if (b->nrounds == 0) {
		/* one thread: nothing to wait for or publish */
		USYNC_BARRIER_DEBUG_EXIT(self);
		return 0;
	}
	usync_tournament_barrier_round_t *mine =
		&b->rounds[(size_t)thread_id * (b->nrounds + 1)];
	usync_wait_policy_t policy = (usync_wait_policy_t)b->policy;
	uint32_t sense = self->sense;
	uint32_t k = 1;

	/* Arrival: play rounds until we lose or are champion.  Every flag
	 * write below is a release (an exchange under the park policy, a
	 * store otherwise) and wakes the flag's one possible sleeper, its
	 * owner. */
	for (;; k++) {
		usync_tournament_barrier_round_t *r = &mine[k];
		if (r->role == USYNC_TOURNAMENT_LOSER) {
			/* release: pairs with the winner's acquire poll in
			 * tournament_await; publishes our writes and those
			 * of the threads we beat. */
			usync_wake_store(r->opponent, sense, policy, 1);
			tournament_await(r, sense, policy); /* wakeup */
			break;
		}
		if (r->role == USYNC_TOURNAMENT_WINNER) {
			tournament_await(r, sense, policy);
		} else if (r->role == USYNC_TOURNAMENT_CHAMPION) {
			tournament_await(r, sense, policy);
			/* release: pairs with the final loser's acquire poll
			 * in tournament_await; everyone has arrived. */
			usync_wake_store(r->opponent, sense, policy, 1);
			break;
		}
		/* bye: straight on to the next round */
	}

	/* Wakeup: release the losers of the rounds we won, top down. */
	while (--k > 0) {
		usync_tournament_barrier_round_t *r = &mine[k];
		if (r->role == USYNC_TOURNAMENT_WINNER)
			/* release: pairs with the loser's acquire poll in
			 * tournament_await; carries what the champion
			 * acquired. */
			usync_wake_store(r->opponent, sense, policy, 1);
	}
	self->sense = sense ^ 1u;
	USYNC_BARRIER_DEBUG_EXIT(self);
	return 0;
}

static int tournament_init(union usync_barrier_state *s, unsigned nthreads)
{
	return usync_tournament_barrier_init(&s->tournament, nthreads);
}

static void tournament_destroy(union usync_barrier_state *s)
{
	usync_tournament_barrier_destroy(&s->tournament);
}

static int tournament_wait(union usync_barrier_state *s, unsigned thread_id)
{
	return usync_tournament_barrier_wait(&s->tournament, thread_id);
}

static int tournament_set_policy(union usync_barrier_state *s,
				 usync_wait_policy_t policy)
{
	return usync_tournament_barrier_set_policy(&s->tournament, policy);
}

const struct usync_barrier_ops usync_barrier_ops_tournament = {
	"tournament", tournament_init, tournament_destroy, tournament_wait,
	tournament_set_policy,
};
