/*
 * tests/modelcheck/lock_client.c - one GenMC client for every usync lock.
 *
 * NTHREADS threads each acquire the lock ITERS times.  Inside, a relaxed
 * fetch_add on `inside` must find nobody else there (exclusion), and a
 * plain, non-atomic `counter++` races unless the lock orders every
 * critical section before the next (the happens-before edge: GenMC reports
 * the race).  Thread 0's first acquisition is a trylock when MC_TRY is set,
 * and counts only if it succeeded.  With MC_TIMED, thread 1's
 * acquisitions are timed (the deadline may pass at every clock reading:
 * futex_model.h), each counting only if it returned 0, and any other
 * result than 0 or ETIMEDOUT fails; with MC_TIMED2, threads 1 and 2 both
 * (two leavers, possibly adjacent in a queue).  A timed check's deadline
 * may pass at any reading (USYNC_MC_EXPIRY, futex_model.h), unless
 * MC_FIRST_READING asks for the cheaper "passed at the first reading".
 * After joining, the counter must equal the acquisitions made, and with
 * MC_CHECK_FREE a trylock must succeed (a leaver left nothing behind that
 * keeps the lock looking held).
 * With MC_FRESH_CTX each timed acquisition brings a context of its own,
 * malloc'd for it and freed once it returned ETIMEDOUT or was unlocked,
 * so a library access to it afterwards is an access to freed memory (the
 * queue locks' promise that the caller's node is the caller's again).
 *
 * Knobs (-D): MC_ALG_<name> (tas ttas backoff ticket anderson mcs clh
 * mcs_tp) or MC_GENERIC_<name> (mcs clh ticket mcs_tp: the usync_lock_* API),
 * NTHREADS, ITERS, MC_TRY, MC_TIMED, MC_TIMED2, MC_PARK (the park policy:
 * waiters sleep at their first failed poll, on the futex of futex_model.h),
 * MC_FIXTURE_<name> (the expected-failure fixture fixtures/<name>.h in place
 * of the library's lock), MC_NEVER_EXPIRES (timed calls whose deadline
 * never passes), MC_TIMED_STAY (with MC_TIMED: thread 2 also timed, with
 * a deadline that never passes: a timed waiter behind a leaver), MC_HANGS (report a wait that no write can end:
 * prelude.h).
 */
/* MC_HANGS: report a wait that no later write can end (prelude.h). */
#ifdef MC_HANGS
#define USYNC_MC_HANGS 1
#endif
/* A timed check's deadlines race with main's usync_mc_expire(), unless
 * they never pass (MC_NEVER_EXPIRES: the timed sleeps' own wake-up
 * protocol, whose lost wake-up a timeout would otherwise end). */
#ifdef MC_NEVER_EXPIRES
#define USYNC_MC_NEVER_EXPIRES 1
#elif (defined(MC_TIMED) || defined(MC_TIMED2)) && !defined(MC_FIRST_READING)
#define USYNC_MC_EXPIRY 1
#endif
#include "prelude.h"

#include <stdlib.h>

/* The library's sources: a per-algorithm check compiles only its own lock
 * (and tas.c, whose park phase the TAS family shares), so that GenMC's
 * front end does not spend seconds per check on the others; the generic
 * API's registry needs them all. */
#include "../../src/atomics/spin.c"
#include "../../src/locks/tas.c"
#if defined(MC_GENERIC_mcs) || defined(MC_GENERIC_clh) ||                    \
	defined(MC_GENERIC_ticket) || defined(MC_GENERIC_mcs_tp)
#include "../../src/locks/anderson.c"
#include "../../src/locks/backoff.c"
#include "../../src/locks/clh.c"
#include "../../src/locks/mcs.c"
#include "../../src/locks/mcs_tp.c"
#include "../../src/locks/registry.c"
#include "../../src/locks/ticket.c"
#include "../../src/locks/ttas.c"
#else
#if defined(MC_ALG_anderson) || defined(MC_FIXTURE_anderson_flag)
#include "../../src/locks/anderson.c"
#endif
#ifdef MC_ALG_backoff
#include "../../src/locks/backoff.c"
#endif
#ifdef MC_ALG_clh
#include "../../src/locks/clh.c"
#endif
#ifdef MC_ALG_mcs
#include "../../src/locks/mcs.c"
#endif
#ifdef MC_ALG_mcs_tp
#include "../../src/locks/mcs_tp.c"
#endif
#ifdef MC_ALG_ticket
#include "../../src/locks/ticket.c"
#endif
#ifdef MC_ALG_ttas
#include "../../src/locks/ttas.c"
#endif
#endif

#ifndef NTHREADS
#define NTHREADS 2
#endif
#ifndef ITERS
#define ITERS 2
#endif
#ifdef MC_TIMED_STAY
#undef MC_TIMED_STAY
#define MC_TIMED_STAY 1
#else
#define MC_TIMED_STAY 0
#endif
#ifdef MC_TIMED2
#undef MC_TIMED2
#define MC_TIMED2 1
#else
#define MC_TIMED2 0
#endif
#ifdef MC_PARK
#define MC_POLICY USYNC_WAIT_PARK
#else
#define MC_POLICY USYNC_WAIT_SPIN
#endif

/* Per-algorithm adapter: the lock type, the per-thread context, and the
 * verbs.  MC_SETUP(l) runs in main before the threads start. */
#if defined(MC_FIXTURE_anderson_flag)
#include "fixtures/anderson_flag.h"
#elif defined(MC_ALG_tas) || defined(MC_ALG_ttas) || defined(MC_ALG_backoff)
#if defined(MC_ALG_tas)
#define MC_NAME(verb) usync_tas_##verb
#elif defined(MC_ALG_ttas)
#define MC_NAME(verb) usync_ttas_##verb
#else
#define MC_NAME(verb) usync_backoff_##verb
#endif
typedef MC_NAME(t) mc_lock_t;
typedef int mc_ctx_t;
#define MC_SETUP(l) (MC_NAME(init)(l), MC_NAME(set_policy)((l), MC_POLICY))
#define MC_CTX_INIT(l, c) ((void)0)
#define MC_CTX_FINI(l, c) ((void)0)
#define MC_LOCK(l, c) MC_NAME(lock)(l)
#define MC_TRYLOCK(l, c) MC_NAME(trylock)(l)
#define MC_UNLOCK(l, c) MC_NAME(unlock)(l)
#define MC_TIMEDLOCK(l, c, t) MC_NAME(timedlock)((l), (t))
#elif defined(MC_ALG_ticket)
typedef usync_ticket_t mc_lock_t;
typedef int mc_ctx_t;
#define MC_SETUP(l) (usync_ticket_init(l), usync_ticket_set_policy((l), MC_POLICY))
#define MC_CTX_INIT(l, c) ((void)0)
#define MC_CTX_FINI(l, c) ((void)0)
#define MC_LOCK(l, c) usync_ticket_lock(l)
#define MC_TRYLOCK(l, c) usync_ticket_trylock(l)
#define MC_UNLOCK(l, c) usync_ticket_unlock(l)
#define MC_TIMEDLOCK(l, c, t) usync_ticket_timedlock((l), (t))
#elif defined(MC_ALG_anderson)
typedef usync_anderson_t mc_lock_t;
typedef unsigned mc_ctx_t;
#define MC_SETUP(l)                                                            \
	(assert(usync_anderson_init((l), NTHREADS) == 0),                      \
	 usync_anderson_set_policy((l), MC_POLICY))
#define MC_CTX_INIT(l, c) ((void)0)
#define MC_CTX_FINI(l, c) ((void)0)
#define MC_LOCK(l, c) usync_anderson_lock((l), (c))
#define MC_TRYLOCK(l, c) usync_anderson_trylock((l), (c))
#define MC_UNLOCK(l, c) usync_anderson_unlock((l), *(c))
#define MC_TIMEDLOCK(l, c, t) usync_anderson_timedlock((l), (c), (t))
#elif defined(MC_ALG_mcs)
typedef usync_mcs_t mc_lock_t;
typedef usync_mcs_node_t mc_ctx_t;
#define MC_SETUP(l) (usync_mcs_init(l), usync_mcs_set_policy((l), MC_POLICY))
#define MC_CTX_INIT(l, c) ((void)0)
#define MC_CTX_FINI(l, c) ((void)0)
#define MC_LOCK(l, c) usync_mcs_lock((l), (c))
#define MC_TRYLOCK(l, c) usync_mcs_trylock((l), (c))
#define MC_UNLOCK(l, c) usync_mcs_unlock((l), (c))
#define MC_TIMEDLOCK(l, c, t) usync_mcs_timedlock((l), (c), (t))
#elif defined(MC_ALG_mcs_tp)
typedef usync_mcs_tp_t mc_lock_t;
typedef usync_mcs_tp_node_t mc_ctx_t;
#define MC_SETUP(l) (usync_mcs_tp_init(l), usync_mcs_tp_set_policy((l), MC_POLICY))
#define MC_CTX_INIT(l, c) ((void)0)
#define MC_CTX_FINI(l, c) ((void)0)
#define MC_LOCK(l, c) usync_mcs_tp_lock((l), (c))
#define MC_TRYLOCK(l, c) usync_mcs_tp_trylock((l), (c))
#define MC_UNLOCK(l, c) usync_mcs_tp_unlock((l), (c))
#define MC_TIMEDLOCK(l, c, t) usync_mcs_tp_timedlock((l), (c), (t))
#elif defined(MC_ALG_clh)
typedef usync_clh_t mc_lock_t;
typedef usync_clh_ctx_t mc_ctx_t;
#define MC_SETUP(l)                                                            \
	(assert(usync_clh_init((l), NTHREADS) == 0),                           \
	 usync_clh_set_policy((l), MC_POLICY))
#define MC_CTX_INIT(l, c) assert(usync_clh_ctx_init((l), (c)) == 0)
#define MC_CTX_FINI(l, c) usync_clh_ctx_destroy((l), (c))
#define MC_LOCK(l, c) usync_clh_lock((l), (c))
#define MC_TRYLOCK(l, c) usync_clh_trylock((l), (c))
#define MC_UNLOCK(l, c) usync_clh_unlock((l), (c))
#define MC_TIMEDLOCK(l, c, t) usync_clh_timedlock((l), (c), (t))
#elif defined(MC_GENERIC_mcs) || defined(MC_GENERIC_clh) ||                  \
	defined(MC_GENERIC_ticket) || defined(MC_GENERIC_mcs_tp)
/* The generic API, usync_lock_*, with the algorithm chosen by name. */
#if defined(MC_GENERIC_mcs)
#define MC_GENERIC_NAME "mcs"
#elif defined(MC_GENERIC_mcs_tp)
#define MC_GENERIC_NAME "mcs_tp"
#elif defined(MC_GENERIC_clh)
#define MC_GENERIC_NAME "clh"
#else
#define MC_GENERIC_NAME "ticket"
#endif
typedef usync_lock_t *mc_lock_t;
typedef usync_lock_ctx_t mc_ctx_t;
#define MC_SETUP(l)                                                            \
	(assert(usync_lock_create((l), MC_GENERIC_NAME, NTHREADS) == 0),       \
	 usync_lock_set_policy(*(l), MC_POLICY))
#define MC_CTX_INIT(l, c) ((void)0)
#define MC_CTX_FINI(l, c) ((void)0)
#define MC_LOCK(l, c) usync_lock_acquire(*(l), (c))
#define MC_TRYLOCK(l, c) usync_lock_try_acquire(*(l), (c))
#define MC_UNLOCK(l, c) usync_lock_release(*(l), (c))
#define MC_TIMEDLOCK(l, c, t) usync_lock_acquire_until(*(l), (c), (t))
#else
#error "choose a lock: -DMC_ALG_<name>, -DMC_GENERIC_<name> or -DMC_FIXTURE_<name>"
#endif

static mc_lock_t lock;
static _Atomic(int) inside;
static int counter; /* plain: only the lock orders its accesses */

static void critical_section(void)
{
	/* relaxed: the check must not add ordering of its own. */
	int others = atomic_fetch_add_explicit(&inside, 1, memory_order_relaxed);
	assert(others == 0 && "two threads inside the lock");
	counter++;
	atomic_fetch_sub_explicit(&inside, 1, memory_order_relaxed);
}

static void *thread_main(void *arg)
{
	intptr_t id = (intptr_t)arg;
	mc_ctx_t ctx;
	intptr_t acquired = 0;
	MC_CTX_INIT(&lock, &ctx);
	for (int i = 0; i < ITERS; i++) {
		mc_ctx_t *c = &ctx;
		usync_mc_wait_reset();
#if defined(MC_TIMED) || MC_TIMED2
		if (id == 1 || ((MC_TIMED2 || MC_TIMED_STAY) && id == 2)) {
			/* MC_TIMED_STAY: thread 2 waits on the timed path
			 * with a deadline that never passes (futex_model.h). */
			const struct timespec deadline = {
				MC_TIMED_STAY && id == 2 ? USYNC_MC_NEVER_SEC : 1,
				0 };
#ifdef MC_FRESH_CTX
			/* A context of its own for this acquisition, freed as
			 * soon as the lock is done with it: any later access
			 * by the library is one to freed memory. */
			c = malloc(sizeof(*c));
			assert(c != NULL);
#endif
			int rc = MC_TIMEDLOCK(&lock, c, &deadline);
			assert(rc == 0 || rc == ETIMEDOUT);
			if (rc != 0) {
				if (c != &ctx)
					free(c);
				continue;
			}
		} else
#endif
#ifdef MC_TRY
		if (id == 0 && i == 0) {
			if (!MC_TRYLOCK(&lock, c))
				continue;
		} else
#endif
			MC_LOCK(&lock, c);
		critical_section();
		usync_mc_wait_reset();
		MC_UNLOCK(&lock, c);
		if (c != &ctx)
			free(c);
		acquired++;
	}
	MC_CTX_FINI(&lock, &ctx);
	return (void *)acquired;
}

int main(void)
{
	pthread_t threads[NTHREADS];
	/* relaxed: before any thread exists.  A spin budget, so that under
	 * the park policy a wait that cannot park (mcs's wait for a link)
	 * polls instead of calibrating a clock. */
	atomic_store_explicit(&usync_spin_budget_steps, 1000,
			      memory_order_relaxed);
	MC_SETUP(&lock);
	for (intptr_t i = 0; i < NTHREADS; i++)
		pthread_create(&threads[i], NULL, thread_main, (void *)i);
	usync_mc_expire(); /* USYNC_MC_EXPIRY: see futex_model.h */
	intptr_t total = 0;
	for (int i = 0; i < NTHREADS; i++) {
		void *acquired;
		pthread_join(threads[i], &acquired);
		total += (intptr_t)acquired;
	}
	assert(counter == total && "an update was lost");
#ifdef MC_CHECK_FREE
	mc_ctx_t ctx;
	MC_CTX_INIT(&lock, &ctx);
	assert(MC_TRYLOCK(&lock, &ctx) && "free lock refused a trylock");
	MC_UNLOCK(&lock, &ctx);
	MC_CTX_FINI(&lock, &ctx);
#endif
	return 0;
}
