/*
 * tests/test_misuse.c - the misuse checks (-Ddebug_checks, on in debug
 * builds) fire with a clear message, and release builds carry none of them.
 *
 * With checks on: each misuse runs in a forked child, whose stderr is
 * captured; the child must die of SIGABRT having printed the expected
 * "usync: <function>: <what>" line (death tests).  With checks off: the
 * objects have their minimal layout (no debug fields) and the check macro
 * compiles to nothing; tests/check_symbols.sh verifies that no object of
 * libusync.a then references usync_misuse.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <usync/usync.h>

#include "expect_death.h"

#if USYNC_DEBUG_CHECKS


static void tas_unlock_free(void)
{
	usync_tas_t l = USYNC_TAS_INITIALIZER;
	usync_tas_unlock(&l);
}
static void ttas_unlock_free(void)
{
	usync_ttas_t l = USYNC_TTAS_INITIALIZER;
	usync_ttas_unlock(&l);
}
static void backoff_unlock_free(void)
{
	usync_backoff_t l = USYNC_BACKOFF_INITIALIZER;
	usync_backoff_unlock(&l);
}
static void ticket_unlock_free(void)
{
	usync_ticket_t l = USYNC_TICKET_INITIALIZER;
	usync_ticket_unlock(&l);
}
static void ticket_unlock_twice(void)
{
	usync_ticket_t l = USYNC_TICKET_INITIALIZER;
	usync_ticket_lock(&l);
	usync_ticket_unlock(&l);
	usync_ticket_unlock(&l);
}

static void anderson_unlock_free(void)
{
	usync_anderson_t l;
	if (usync_anderson_init(&l, 4) == 0)
		usync_anderson_unlock(&l, 0);
}
static void anderson_wrong_slot(void)
{
	usync_anderson_t l;
	unsigned slot;
	if (usync_anderson_init(&l, 4) != 0)
		return;
	usync_anderson_lock(&l, &slot);
	usync_anderson_unlock(&l, slot + 1);
}
static void *anderson_second_contender(void *arg)
{
	unsigned slot;
	usync_anderson_lock((usync_anderson_t *)arg, &slot); /* waits */
	return NULL;
}
static void anderson_over_capacity(void)
{
	/* Capacity 1: a second contender queues behind the holder; the
	 * holder's unlock finds two tickets outstanding. */
	usync_anderson_t l;
	unsigned slot;
	pthread_t t;
	if (usync_anderson_init(&l, 1) != 0)
		return;
	usync_anderson_lock(&l, &slot);
	if (pthread_create(&t, NULL, anderson_second_contender, &l) != 0)
		return;
	/* relaxed: only waiting for the other thread to take its ticket. */
	while (atomic_load_explicit(&l.next_slot, memory_order_relaxed) < 2)
		sched_yield();
	usync_anderson_unlock(&l, slot);
}

static void mcs_wrong_node(void)
{
	usync_mcs_t l = USYNC_MCS_INITIALIZER;
	usync_mcs_node_t mine, other;
	usync_mcs_lock(&l, &mine);
	usync_mcs_unlock(&l, &other);
}
static void mcs_relock_same_node(void)
{
	usync_mcs_t l = USYNC_MCS_INITIALIZER;
	usync_mcs_node_t node;
	usync_mcs_lock(&l, &node);
	usync_mcs_lock(&l, &node);
}
static void mcs_node_in_two_locks(void)
{
	usync_mcs_t a = USYNC_MCS_INITIALIZER, b = USYNC_MCS_INITIALIZER;
	usync_mcs_node_t node;
	usync_mcs_lock(&a, &node);
	usync_mcs_lock(&b, &node);
}
static void mcs_unlock_free(void)
{
	usync_mcs_t l = USYNC_MCS_INITIALIZER;
	usync_mcs_node_t node;
	usync_mcs_unlock(&l, &node);
}

static void mcs_tp_wrong_node(void)
{
	usync_mcs_tp_t l = USYNC_MCS_TP_INITIALIZER;
	usync_mcs_tp_node_t mine, other;
	usync_mcs_tp_lock(&l, &mine);
	usync_mcs_tp_unlock(&l, &other);
}
static void mcs_tp_relock_same_node(void)
{
	usync_mcs_tp_t l = USYNC_MCS_TP_INITIALIZER;
	usync_mcs_tp_node_t node;
	usync_mcs_tp_lock(&l, &node);
	usync_mcs_tp_trylock(&l, &node);
}
static void mcs_tp_node_in_two_locks(void)
{
	usync_mcs_tp_t a = USYNC_MCS_TP_INITIALIZER;
	usync_mcs_tp_t b = USYNC_MCS_TP_INITIALIZER;
	usync_mcs_tp_node_t node;
	usync_mcs_tp_lock(&a, &node);
	usync_mcs_tp_lock(&b, &node);
}

static void clh_uninitialised_ctx(void)
{
	usync_clh_t l;
	usync_clh_ctx_t ctx = { NULL, NULL };
	if (usync_clh_init(&l, 2) == 0)
		usync_clh_lock(&l, &ctx);
}
static void clh_relock_same_ctx(void)
{
	usync_clh_t l;
	usync_clh_ctx_t ctx;
	if (usync_clh_init(&l, 2) != 0 || usync_clh_ctx_init(&l, &ctx) != 0)
		return;
	usync_clh_lock(&l, &ctx);
	usync_clh_trylock(&l, &ctx);
}
static void clh_wrong_ctx(void)
{
	usync_clh_t l;
	usync_clh_ctx_t mine, other;
	if (usync_clh_init(&l, 2) != 0 || usync_clh_ctx_init(&l, &mine) != 0 ||
	    usync_clh_ctx_init(&l, &other) != 0)
		return;
	usync_clh_lock(&l, &mine);
	usync_clh_unlock(&l, &other);
}

static void generic_wrong_ctx(void)
{
	usync_lock_t *l;
	usync_lock_ctx_t mine, other;
	if (usync_lock_create(&l, "mcs", 2) != 0)
		return;
	usync_lock_acquire(l, &mine);
	usync_lock_release(l, &other);
}
static void generic_unlock_free(void)
{
	usync_lock_t *l;
	usync_lock_ctx_t ctx;
	if (usync_lock_create(&l, "ticket", 2) != 0)
		return;
	usync_lock_release(l, &ctx);
}

/* ------------------------------------------------- condition variable */

static void cond_wait_tas_free(void)
{
	usync_cond_t c = USYNC_COND_INITIALIZER;
	usync_tas_t l = USYNC_TAS_INITIALIZER;
	usync_cond_wait_tas(&c, &l);
}
static void cond_timedwait_ticket_free(void)
{
	usync_cond_t c = USYNC_COND_INITIALIZER;
	usync_ticket_t l = USYNC_TICKET_INITIALIZER;
	struct timespec far = { 1L << 40, 0 };
	usync_cond_timedwait_ticket(&c, &l, &far);
}
static void cond_wait_anderson_wrong_slot(void)
{
	usync_cond_t c = USYNC_COND_INITIALIZER;
	usync_anderson_t l;
	unsigned slot, other;
	if (usync_anderson_init(&l, 4) != 0)
		return;
	usync_anderson_lock(&l, &slot);
	other = slot + 1;
	usync_cond_wait_anderson(&c, &l, &other);
}
static void cond_wait_mcs_wrong_node(void)
{
	usync_cond_t c = USYNC_COND_INITIALIZER;
	usync_mcs_t l = USYNC_MCS_INITIALIZER;
	usync_mcs_node_t mine, other;
	usync_mcs_lock(&l, &mine);
	usync_cond_wait_mcs(&c, &l, &other);
}
static void cond_wait_mcs_tp_free(void)
{
	usync_cond_t c = USYNC_COND_INITIALIZER;
	usync_mcs_tp_t l = USYNC_MCS_TP_INITIALIZER;
	usync_mcs_tp_node_t node;
	usync_cond_wait_mcs_tp(&c, &l, &node);
}
static void cond_wait_clh_free(void)
{
	usync_cond_t c = USYNC_COND_INITIALIZER;
	usync_clh_t l;
	usync_clh_ctx_t ctx;
	if (usync_clh_init(&l, 2) != 0 || usync_clh_ctx_init(&l, &ctx) != 0)
		return;
	usync_cond_wait_clh(&c, &l, &ctx);
}
static void cond_generic_wait_free(void)
{
	usync_cond_t c = USYNC_COND_INITIALIZER;
	usync_lock_t *l;
	usync_lock_ctx_t ctx;
	if (usync_lock_create(&l, "ttas", 2) != 0)
		return;
	usync_cond_wait(&c, l, &ctx);
}
static void cond_generic_timedwait_wrong_ctx(void)
{
	usync_cond_t c = USYNC_COND_INITIALIZER;
	usync_lock_t *l;
	usync_lock_ctx_t mine, other;
	struct timespec far = { 1L << 40, 0 };
	if (usync_lock_create(&l, "mcs", 2) != 0)
		return;
	usync_lock_acquire(l, &mine);
	usync_cond_timedwait(&c, l, &other, &far);
}

/* A helper thread blocks in a wait (its partner never signals); the
 * child's main thread then destroys the condition variable. */
static usync_cond_t destroyed_cond = USYNC_COND_INITIALIZER;
static usync_tas_t destroyed_lock = USYNC_TAS_INITIALIZER;
static void *cond_blocked_waiter(void *arg)
{
	(void)arg;
	usync_tas_lock(&destroyed_lock);
	for (;;)
		usync_cond_wait_tas(&destroyed_cond, &destroyed_lock);
	return NULL;
}
static void cond_destroy_with_waiter(void)
{
	alarm(10); /* without the check: die of SIGALRM, a failure */
	pthread_t t;
	if (pthread_create(&t, NULL, cond_blocked_waiter, NULL) != 0)
		return;
	/* relaxed: only waiting for the waiter to enqueue. */
	while (atomic_load_explicit(&destroyed_cond.head,
				    memory_order_relaxed) == NULL)
		sched_yield();
	usync_cond_destroy(&destroyed_cond);
	pause(); /* not reached if the check fired */
}

static void test_cond_misuse_aborts(void **state)
{
	(void)state;
	const char *not_held = "wait with a lock that is not held";
	/* The message names the public function the caller called. */
	expect_death(cond_wait_tas_free,
		     "usync: usync_cond_wait_tas: wait with a lock that is "
		     "not held");
	expect_death(cond_timedwait_ticket_free,
		     "usync: usync_cond_timedwait_ticket: ");
	expect_death(cond_timedwait_ticket_free, not_held);
	expect_death(cond_wait_anderson_wrong_slot,
		     "usync: usync_cond_wait_anderson: ");
	expect_death(cond_wait_mcs_wrong_node, "usync: usync_cond_wait_mcs: ");
	expect_death(cond_wait_mcs_wrong_node, not_held);
	expect_death(cond_wait_mcs_tp_free, "usync: usync_cond_wait_mcs_tp: ");
	expect_death(cond_wait_clh_free, "usync: usync_cond_wait_clh: ");
	expect_death(cond_generic_wait_free,
		     "usync: usync_cond_wait: wait with a lock that is not "
		     "held");
	expect_death(cond_generic_timedwait_wrong_ctx,
		     "usync: usync_cond_timedwait: wait with a lock that is "
		     "not held");
	expect_death(cond_destroy_with_waiter,
		     "usync: usync_cond_destroy: destroy of a condition "
		     "variable with waiters");
}

static void test_lock_misuse_aborts(void **state)
{
	(void)state;
	const char *not_held = "unlock of a lock that is not held";
	expect_death(tas_unlock_free, not_held);
	expect_death(ttas_unlock_free, not_held);
	expect_death(backoff_unlock_free, not_held);
	expect_death(ticket_unlock_free, not_held);
	expect_death(ticket_unlock_twice, not_held);
	expect_death(anderson_unlock_free, not_held);
	expect_death(anderson_wrong_slot,
		     "unlock with a slot that does not hold the lock");
	expect_death(anderson_over_capacity,
		     "more threads contend than the capacity given to init");
	/* The message names the public function the caller called. */
	expect_death(mcs_wrong_node, "usync: usync_mcs_unlock: "
				     "unlock with a node that does not hold "
				     "the lock");
	expect_death(mcs_unlock_free, "usync: usync_mcs_unlock: "
				      "unlock with a node that does not hold "
				      "the lock");
	expect_death(mcs_relock_same_node,
		     "usync: usync_mcs_lock: node already holds this lock");
	expect_death(mcs_node_in_two_locks,
		     "usync: usync_mcs_lock: "
		     "node is still in use by another acquisition");
	expect_death(mcs_tp_wrong_node,
		     "usync: usync_mcs_tp_unlock: "
		     "unlock with a node that does not hold the lock");
	expect_death(mcs_tp_relock_same_node,
		     "usync: usync_mcs_tp_trylock: node already holds this lock");
	expect_death(mcs_tp_node_in_two_locks,
		     "usync: usync_mcs_tp_lock: "
		     "node is still in use by another acquisition");
	expect_death(clh_uninitialised_ctx,
		     "context not initialised (usync_clh_ctx_init)");
	expect_death(clh_relock_same_ctx, "context already holds this lock");
	expect_death(clh_wrong_ctx,
		     "unlock with a context that does not hold the lock");
	expect_death(generic_wrong_ctx,
		     "unlock with a node that does not hold the lock");
	expect_death(generic_unlock_free, not_held);
}

/* Correct use never trips a check (the checks have no false alarms on the
 * paths the other suites do not take in debug builds). */
static void test_correct_use_passes(void **state)
{
	(void)state;
	usync_anderson_t a;
	unsigned slot;
	assert_int_equal(usync_anderson_init(&a, 1), 0);
	for (int i = 0; i < 100; i++) {
		usync_anderson_lock(&a, &slot);
		usync_anderson_unlock(&a, slot);
		assert_true(usync_anderson_trylock(&a, &slot));
		usync_anderson_unlock(&a, slot);
	}
	usync_anderson_destroy(&a);
	usync_mcs_t m = USYNC_MCS_INITIALIZER;
	usync_mcs_node_t n1, n2;
	usync_mcs_lock(&m, &n1);
	assert_false(usync_mcs_trylock(&m, &n2));
	usync_mcs_unlock(&m, &n1);
	assert_true(usync_mcs_trylock(&m, &n2));
	usync_mcs_unlock(&m, &n2);

	/* A fresh node is whatever its stack bytes were: the checks must
	 * not read them.  These patterns include the tags an older design
	 * kept in the node ("mcsb", "mctp"), which then made a fresh node
	 * look "still in use". */
	static const uint32_t patterns[] = { 0x6d637362u, 0x6d637470u,
					     0xffffffffu, 0 };
	for (size_t p = 0; p < sizeof(patterns) / sizeof(patterns[0]); p++) {
		usync_mcs_node_t mn;
		usync_mcs_tp_node_t tn;
		for (size_t i = 0; i < sizeof(mn) / 4; i++)
			memcpy((char *)&mn + 4 * i, &patterns[p], 4);
		for (size_t i = 0; i < sizeof(tn) / 4; i++)
			memcpy((char *)&tn + 4 * i, &patterns[p], 4);
		usync_mcs_lock(&m, &mn);
		usync_mcs_unlock(&m, &mn);
		usync_mcs_tp_t t = USYNC_MCS_TP_INITIALIZER;
		usync_mcs_tp_lock(&t, &tn);
		usync_mcs_tp_unlock(&t, &tn);
	}

	/* More nodes in use at once than the debug set tracks: no false
	 * alarm, and every lock releases cleanly. */
	enum { NESTED = USYNC_DEBUG_NODES_TRACKED + 4 };
	static usync_mcs_t locks[NESTED];
	static usync_mcs_node_t nodes[NESTED];
	for (int i = 0; i < NESTED; i++) {
		usync_mcs_init(&locks[i]);
		usync_mcs_lock(&locks[i], &nodes[i]);
	}
	for (int i = NESTED - 1; i >= 0; i--)
		usync_mcs_unlock(&locks[i], &nodes[i]);
}

/* ------------------------------------------------------------ barriers */

/*
 * thread_id reuse within one episode.  In the forked child (single
 * threaded: this binary creates no threads outside such children, so
 * ThreadSanitizer allows it) a helper thread enters a 2-thread barrier with
 * thread_id 0 and blocks, its partner never coming; the child's main
 * thread then enters with thread_id 0 too.  Whichever of the two enters
 * second aborts, before touching the barrier's state, so the order in
 * which they get there does not matter and no sleep is needed.
 */
typedef struct barrier_reuse {
	int (*wait)(void *b, unsigned thread_id);
	void *barrier;
} barrier_reuse_t;

static void *barrier_reuse_first(void *p)
{
	barrier_reuse_t *r = (barrier_reuse_t *)p;
	r->wait(r->barrier, 0);
	return NULL; /* not reached: the partner (thread_id 1) never comes */
}

static void barrier_reuse_run(int (*wait)(void *, unsigned), void *barrier)
{
	static barrier_reuse_t r;
	/* Without the check both threads would block for good: die of
	 * SIGALRM instead, which expect_death reports as a failure. */
	alarm(10);
	r.wait = wait;
	r.barrier = barrier;
	pthread_t first;
	if (pthread_create(&first, NULL, barrier_reuse_first, &r) != 0)
		return; /* no abort: the death test fails */
	wait(barrier, 0);
}

#define BARRIER_REUSE(NAME)                                                    \
	static int NAME##_reuse_wait(void *b, unsigned thread_id)              \
	{                                                                      \
		return usync_##NAME##_barrier_wait(                            \
			(usync_##NAME##_barrier_t *)b, thread_id);             \
	}                                                                      \
	static void NAME##_barrier_id_reused(void)                             \
	{                                                                      \
		static usync_##NAME##_barrier_t b;                             \
		if (usync_##NAME##_barrier_init(&b, 2) != 0)                   \
			return;                                                \
		/* park: the blocked thread sleeps instead of spinning */    \
		usync_##NAME##_barrier_set_policy(&b, USYNC_WAIT_PARK);        \
		barrier_reuse_run(NAME##_reuse_wait, &b);                      \
	}
BARRIER_REUSE(counter)
BARRIER_REUSE(tree)
BARRIER_REUSE(mcs)
BARRIER_REUSE(tournament)
BARRIER_REUSE(dissemination)

static int generic_reuse_wait(void *b, unsigned thread_id)
{
	return usync_barrier_wait((usync_barrier_t *)b, thread_id);
}
static void generic_barrier_id_reused(void)
{
	usync_barrier_t *b;
	if (usync_barrier_create(&b, "mcs", 2) != 0)
		return;
	usync_barrier_set_policy(b, USYNC_WAIT_PARK);
	barrier_reuse_run(generic_reuse_wait, b);
}

static void test_barrier_misuse_aborts(void **state)
{
	(void)state;
	const char *reused = "thread_id is already waiting in this barrier";
	expect_death(counter_barrier_id_reused, reused);
	expect_death(tree_barrier_id_reused, reused);
	expect_death(mcs_barrier_id_reused, reused);
	expect_death(tournament_barrier_id_reused, reused);
	expect_death(dissemination_barrier_id_reused, reused);
	expect_death(generic_barrier_id_reused, reused);
}

/* Correct use never trips the barrier check: one thread, many episodes,
 * the same thread_id each time (the last arriver's early return and the
 * one-thread fast paths clear it too). */
static void test_barrier_correct_use_passes(void **state)
{
	(void)state;
	const char *const *names = usync_barrier_algorithms();
	for (size_t i = 0; names[i] != NULL; i++) {
		usync_barrier_t *b;
		assert_int_equal(usync_barrier_create(&b, names[i], 1), 0);
		for (int e = 0; e < 100; e++)
			assert_int_equal(usync_barrier_wait(b, 0), 0);
		usync_barrier_destroy(b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_correct_use_passes),
		cmocka_unit_test(test_lock_misuse_aborts),
		cmocka_unit_test(test_cond_misuse_aborts),
		cmocka_unit_test(test_barrier_correct_use_passes),
		cmocka_unit_test(test_barrier_misuse_aborts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

#else /* !USYNC_DEBUG_CHECKS */

/* Release builds: the objects keep their minimal layout, and the checks
 * are gone: misuse that a debug build aborts on passes unnoticed here. */
static void test_release_carries_no_checks(void **state)
{
	(void)state;
	assert_int_equal(sizeof(usync_tas_t), 8);
	assert_int_equal(sizeof(usync_backoff_t), 12);
	assert_int_equal(sizeof(usync_ticket_t), USYNC_CACHELINE);
	assert_int_equal(sizeof(usync_anderson_t), 2 * USYNC_CACHELINE);
	assert_int_equal(sizeof(usync_mcs_t), 2 * sizeof(void *));
	assert_int_equal(sizeof(usync_mcs_node_t), USYNC_CACHELINE);
	assert_int_equal(sizeof(usync_mcs_tp_t), 2 * sizeof(void *));
	assert_int_equal(sizeof(usync_mcs_tp_node_t), USYNC_CACHELINE);
	assert_int_equal(sizeof(usync_clh_t), 2 * USYNC_CACHELINE);
	USYNC_CHECK(false, "a release build must not evaluate checks");
	usync_tas_t l = USYNC_TAS_INITIALIZER;
	usync_tas_unlock(&l); /* aborts in debug builds */
	assert_true(usync_tas_trylock(&l));
	usync_tas_unlock(&l);
}

/* Barriers: the per-thread records keep their release layout.  The debug
 * field fits in their padding, so these sizes are also those of a debug
 * build (the headers' static assertions hold in both); that the field and
 * the check's code are gone is the #if's job, and check_symbols.sh's (no
 * object references usync_misuse). */
static void test_barrier_release_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(usync_counter_barrier_thread_t),
			 USYNC_CACHELINE);
	assert_int_equal(sizeof(usync_tree_barrier_thread_t), USYNC_CACHELINE);
	assert_int_equal(sizeof(usync_mcs_barrier_node_t), 2 * USYNC_CACHELINE);
	assert_int_equal(sizeof(usync_tournament_barrier_thread_t),
			 USYNC_CACHELINE);
	assert_int_equal(sizeof(usync_dissemination_barrier_thread_t),
			 USYNC_CACHELINE);
	assert_int_equal(sizeof(usync_counter_barrier_t), 3 * USYNC_CACHELINE);
	assert_int_equal(sizeof(usync_tree_barrier_node_t),
			 2 * USYNC_CACHELINE);
	assert_int_equal(sizeof(usync_tournament_barrier_round_t),
			 USYNC_CACHELINE);
	assert_int_equal(sizeof(usync_dissemination_barrier_flag_t),
			 USYNC_CACHELINE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_release_carries_no_checks),
		cmocka_unit_test(test_barrier_release_layout),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

#endif
