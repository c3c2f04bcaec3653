/*
 * tests/modelcheck/cond_client.c - a GenMC client for the condition
 * variable (usync/cond.h), with its internal guard and a user lock.
 *
 * Every waiter waits as POSIX asks: under the lock, in a loop that
 * re-checks a plain predicate (`flag`, written only under the lock), and
 * reads a plain datum the signaller wrote before setting it.  A waiter the
 * condition variable fails to wake is left asleep on the futex model,
 * which --check-liveness reports; a wait that returned without the lock's
 * ordering makes the plain accesses race.
 *
 * Scenarios (-D MC_COND_<name>):
 *   signal     one waiter, one signaller (lock; flag = 1; signal;
 *              unlock): no lost wake-up.  With MC_OUTSIDE the signal is
 *              made after the unlock, which the contract allows too.
 *   broadcast  two waiters, one broadcast: both wake (the first is woken
 *              by the broadcaster, the second by the first once it holds
 *              the lock again: the wake chain).
 *   timed      a timed waiter T, an untimed waiter U and a signaller.  The
 *              deadline passes at any point (futex_model.h, expiry: the
 *              timed futex sleep may time out, and usync_deadline_passed
 *              answer true, from then on).  T gives up at its first ETIMEDOUT, and
 *              passes the signal on to U (a second signal) only if it was
 *              not timed out.  So U, asleep, is woken only if the
 *              signaller's signal went to U or to a T that reports it:
 *              a signal lost to a timed-out T leaves U asleep.  T's
 *              timedwaits return only 0 or ETIMEDOUT.
 *
 * Locks (-D MC_LOCK_<name>): tas and mcs through the typed functions
 * (usync_cond_wait_tas, usync_cond_wait_mcs, ...), generic (an mcs lock
 * through usync_lock_* and usync_cond_wait).  The user lock spins; the
 * condition variable's waiters always sleep on the futex.
 */
/* Deadlines that pass at any point (futex_model.h). */
#define USYNC_MC_EXPIRY 1
#include "prelude.h"

#include "../../src/atomics/spin.c"
#include "../../src/cond/cond.c"
#include "../../src/locks/anderson.c"
#include "../../src/locks/backoff.c"
#include "../../src/locks/clh.c"
#include "../../src/locks/mcs.c"
#include "../../src/locks/mcs_tp.c"
#include "../../src/locks/registry.c"
#include "../../src/locks/tas.c"
#include "../../src/locks/ticket.c"
#include "../../src/locks/ttas.c"

#if defined(MC_LOCK_tas)
typedef usync_tas_t mc_lock_t;
typedef int mc_ctx_t;
#define MC_SETUP(l) (usync_tas_init(l), usync_tas_set_policy((l), USYNC_WAIT_SPIN))
#define MC_LOCK(l, c) usync_tas_lock(l)
#define MC_UNLOCK(l, c) usync_tas_unlock(l)
#define MC_WAIT(cv, l, c) usync_cond_wait_tas((cv), (l))
#define MC_TIMEDWAIT(cv, l, c, t) usync_cond_timedwait_tas((cv), (l), (t))
#elif defined(MC_LOCK_mcs)
typedef usync_mcs_t mc_lock_t;
typedef usync_mcs_node_t mc_ctx_t;
#define MC_SETUP(l) (usync_mcs_init(l), usync_mcs_set_policy((l), USYNC_WAIT_SPIN))
#define MC_LOCK(l, c) usync_mcs_lock((l), (c))
#define MC_UNLOCK(l, c) usync_mcs_unlock((l), (c))
#define MC_WAIT(cv, l, c) usync_cond_wait_mcs((cv), (l), (c))
#define MC_TIMEDWAIT(cv, l, c, t) usync_cond_timedwait_mcs((cv), (l), (c), (t))
#elif defined(MC_LOCK_ticket)
typedef usync_ticket_t mc_lock_t;
typedef int mc_ctx_t;
#define MC_SETUP(l) (usync_ticket_init(l), usync_ticket_set_policy((l), USYNC_WAIT_SPIN))
#define MC_LOCK(l, c) usync_ticket_lock(l)
#define MC_UNLOCK(l, c) usync_ticket_unlock(l)
#define MC_WAIT(cv, l, c) usync_cond_wait_ticket((cv), (l))
#define MC_TIMEDWAIT(cv, l, c, t) usync_cond_timedwait_ticket((cv), (l), (t))
#elif defined(MC_LOCK_generic)
typedef usync_lock_t *mc_lock_t;
typedef usync_lock_ctx_t mc_ctx_t;
#define MC_SETUP(l)                                                            \
	(assert(usync_lock_create((l), "mcs", 4) == 0),                        \
	 usync_lock_set_policy(*(l), USYNC_WAIT_SPIN))
#define MC_LOCK(l, c) usync_lock_acquire(*(l), (c))
#define MC_UNLOCK(l, c) usync_lock_release(*(l), (c))
#define MC_WAIT(cv, l, c) usync_cond_wait((cv), *(l), (c))
#define MC_TIMEDWAIT(cv, l, c, t) usync_cond_timedwait((cv), *(l), (c), (t))
#else
#error "choose a lock: -DMC_LOCK_tas, -DMC_LOCK_mcs or -DMC_LOCK_generic"
#endif

static mc_lock_t lock;
static usync_cond_t cond;
/* Plain: only the user lock orders their accesses. */
static int flag;
static int data;

/* Each thread's count of its waits that returned, written only by that
 * thread and read by none: a write of the thread's own in every round of
 * its predicate loop.  Without it GenMC 0.10.3 takes the loop for a spin
 * loop without effect when the last event of a round is the relock's
 * final poll (mcs: the wait for the predecessor's hand-off), and reports
 * a liveness violation at the next round. */
static _Atomic(int) returns[3];

static void count_return(int id)
{
	/* relaxed: read by no other thread, orders nothing. */
	atomic_store_explicit(&returns[id],
			      atomic_load_explicit(&returns[id],
						   memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

/* The signaller: publish the datum and the predicate, and wake. */
static void *signaller(void *arg)
{
	(void)arg;
	mc_ctx_t ctx;
	MC_LOCK(&lock, &ctx);
	data = 42;
	flag = 1;
#if defined(MC_COND_broadcast)
#define MC_WAKE(cv) usync_cond_broadcast(cv)
#else
#define MC_WAKE(cv) usync_cond_signal(cv)
#endif
#if defined(MC_OUTSIDE)
	MC_UNLOCK(&lock, &ctx);
	MC_WAKE(&cond);
#else
	MC_WAKE(&cond);
	MC_UNLOCK(&lock, &ctx);
#endif
	return NULL;
}

/* An untimed waiter: returns only once the predicate holds. */
static void *waiter(void *arg)
{
	mc_ctx_t ctx;
	MC_LOCK(&lock, &ctx);
	while (!flag) {
		assert(MC_WAIT(&cond, &lock, &ctx) == 0);
		count_return((int)(intptr_t)arg);
	}
	assert(data == 42);
	MC_UNLOCK(&lock, &ctx);
	return NULL;
}

#if defined(MC_COND_timed)
/* The timed waiter: gives up at its first timeout; a wait that was not
 * timed out passes the wake-up on, so that the untimed waiter is not left
 * without one. */
static void *timed_waiter(void *arg)
{
	mc_ctx_t ctx;
	/* Any time: the model's clock readings answer both ways. */
	const struct timespec deadline = { 1, 0 };
	int rc = 0;
	MC_LOCK(&lock, &ctx);
	while (!flag) {
		rc = MC_TIMEDWAIT(&cond, &lock, &ctx, &deadline);
		assert(rc == 0 || rc == ETIMEDOUT);
		count_return((int)(intptr_t)arg);
		if (rc == ETIMEDOUT)
			break;
	}
	if (rc == 0) {
		assert(data == 42);
		usync_cond_signal(&cond);
	}
	MC_UNLOCK(&lock, &ctx);
	return NULL;
}
#endif

int main(void)
{
	/* relaxed: before any thread exists.  A spin budget, so that a wait
	 * that cannot park polls instead of calibrating a clock. */
	atomic_store_explicit(&usync_spin_budget_steps, 1000,
			      memory_order_relaxed);
	MC_SETUP(&lock);
	assert(usync_cond_init(&cond) == 0);
#if defined(MC_COND_signal)
	void *(*fns[])(void *) = { waiter, signaller };
#elif defined(MC_COND_broadcast)
	void *(*fns[])(void *) = { waiter, waiter, signaller };
#elif defined(MC_COND_timed)
	void *(*fns[])(void *) = { timed_waiter, waiter, signaller };
#else
#error "choose a scenario: -DMC_COND_signal, -DMC_COND_broadcast or -DMC_COND_timed"
#endif
	enum { N = sizeof(fns) / sizeof(fns[0]) };
	pthread_t threads[N];
	for (int i = 0; i < N; i++)
		pthread_create(&threads[i], NULL, fns[i], (void *)(intptr_t)i);
#if defined(MC_COND_timed)
	/* The deadline passes, at any point of the threads' runs. */
	usync_mc_expire();
#endif
	for (int i = 0; i < N; i++)
		pthread_join(threads[i], NULL);
	usync_cond_destroy(&cond);
	return 0;
}
