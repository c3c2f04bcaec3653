/*
 * tests/modelcheck/barrier_client.c - one GenMC client for every usync
 * barrier.
 *
 * NTHREADS threads pass EPISODES episodes of the barrier.  Before episode
 * e each thread writes its slot of row e with a plain store; after it,
 * each thread reads every slot of row e with plain loads and checks the
 * value.  A thread that leaves early reads a slot its owner has not yet
 * written (a wrong value, or a race GenMC reports), and a barrier that
 * does not order every arrival before every departure leaves the reads
 * racing with the writes.  The rows are distinct per episode, so an
 * episode's writes cannot hide an earlier one's.
 *
 * Knobs (-D): MC_BAR_<name> (counter tree mcs tournament dissemination),
 * NTHREADS, EPISODES, MC_PARK (the park policy, futex_model.h), MC_FANIN
 * (the tree barrier's fan-in, so that a few threads make several levels).
 */
#include "prelude.h"

#include "../../src/atomics/spin.c"
#include "../../src/barriers/counter.c"
#include "../../src/barriers/dissemination.c"
#include "../../src/barriers/mcs.c"
#include "../../src/barriers/tournament.c"
#include "../../src/barriers/tree.c"

#ifndef NTHREADS
#define NTHREADS 2
#endif
#ifndef EPISODES
#define EPISODES 2
#endif
#ifdef MC_PARK
#define MC_POLICY USYNC_WAIT_PARK
#else
#define MC_POLICY USYNC_WAIT_SPIN
#endif

#if defined(MC_BAR_counter)
#define MC_NAME(verb) usync_counter_barrier_##verb
#elif defined(MC_BAR_tree)
#define MC_NAME(verb) usync_tree_barrier_##verb
#elif defined(MC_BAR_mcs)
#define MC_NAME(verb) usync_mcs_barrier_##verb
#elif defined(MC_BAR_tournament)
#define MC_NAME(verb) usync_tournament_barrier_##verb
#elif defined(MC_BAR_dissemination)
#define MC_NAME(verb) usync_dissemination_barrier_##verb
#else
#error "choose a barrier: -DMC_BAR_<name>"
#endif

static MC_NAME(t) barrier;
static int written[EPISODES][NTHREADS]; /* plain: only the barrier orders */

static void *thread_main(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;
	for (int e = 0; e < EPISODES; e++) {
		written[e][id] = e + 1;
		assert(MC_NAME(wait)(&barrier, id) == 0);
		for (int j = 0; j < NTHREADS; j++)
			assert(written[e][j] == e + 1 &&
			       "a thread left the episode before all arrived");
	}
	return NULL;
}

int main(void)
{
	pthread_t threads[NTHREADS];
	/* relaxed: before any thread exists; see lock_client.c. */
	atomic_store_explicit(&usync_spin_budget_steps, 1000,
			      memory_order_relaxed);
#if defined(MC_BAR_tree) && defined(MC_FANIN)
	/* A fan-in below the thread count: more than one level. */
	assert(usync_tree_barrier_init_fanin(&barrier, NTHREADS, MC_FANIN) == 0);
#else
	assert(MC_NAME(init)(&barrier, NTHREADS) == 0);
#endif
	assert(MC_NAME(set_policy)(&barrier, MC_POLICY) == 0);
	for (uintptr_t i = 0; i < NTHREADS; i++)
		pthread_create(&threads[i], NULL, thread_main, (void *)i);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(threads[i], NULL);
	MC_NAME(destroy)(&barrier);
	return 0;
}
