/*
 * tests/test_ticket_first_leave.c - the first ticket ever abandoned in a
 * process, with a waiter behind it that sees the ticket served before it
 * sees the abandonment.
 *
 * A ticket waiter under the spin and yield policies settles abandoned
 * tickets itself (releasers do not look), and looks only when now_serving
 * or marks_epoch has moved since its last snapshot of the epoch; before any
 * ticket has been abandoned (epoch 0) it does not look at all.  Schedule,
 * forced with a signal handler that holds the waiter off its core:
 *
 *   M holds ticket 0; L takes ticket 1 with a deadline; W takes ticket 2
 *   and spins, its epoch snapshot 0.  W is stopped (in the handler).
 *   L's deadline passes: W is behind it, so L marks ticket 1 abandoned
 *   (epoch 1) and, ticket 1 not being served, leaves it to others.
 *   M unlocks: now_serving = 1, the abandoned ticket.  W runs again: its
 *   next poll reads now_serving = 1, a change, and must look now.
 *
 * A waiter that decided whether to look from the snapshot it took before
 * its wait (epoch 0: skip) and only then took a new one (epoch 1) saw no
 * further change and spun for ever behind ticket 1.  The epoch is
 * process-wide, so only a process's first abandonment (or the epoch's wrap
 * to 0) shows it: hence a process of its own.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include <usync/usync.h>

#include "offcore.h"

static usync_ticket_t lock;
static _Atomic(unsigned) w_acquired, l_done;
static int l_result;

static void *leaver(void *arg)
{
	(void)arg;
	struct timespec abstime;
	clock_gettime(CLOCK_MONOTONIC, &abstime);
	abstime.tv_nsec += 200 * 1000 * 1000; /* 200 ms */
	if (abstime.tv_nsec >= 1000000000) {
		abstime.tv_sec++;
		abstime.tv_nsec -= 1000000000;
	}
	l_result = usync_ticket_timedlock(&lock, &abstime);
	if (l_result == 0)
		usync_ticket_unlock(&lock);
	/* release: publishes l_result to the main thread. */
	atomic_store_explicit(&l_done, 1, memory_order_release);
	return NULL;
}

static void *waiter(void *arg)
{
	(void)arg;
	usync_ticket_lock(&lock);
	/* release: pairs with the main thread's acquire poll. */
	atomic_store_explicit(&w_acquired, 1, memory_order_release);
	usync_ticket_unlock(&lock);
	return NULL;
}

static void wait_next_ticket(uint32_t n)
{
	/* relaxed: observation only. */
	while (atomic_load_explicit(&lock.next_ticket, memory_order_relaxed) !=
	       n)
		sched_yield();
}

static void run(usync_wait_policy_t policy)
{
	usync_ticket_init(&lock);
	assert_int_equal(usync_ticket_set_policy(&lock, policy), 0);
	offcore_install();

	usync_ticket_lock(&lock); /* M: ticket 0 */
	pthread_t l, w;
	assert_int_equal(pthread_create(&l, NULL, leaver, NULL), 0);
	wait_next_ticket(2); /* L holds ticket 1 */
	assert_int_equal(pthread_create(&w, NULL, waiter, NULL), 0);
	wait_next_ticket(3); /* W holds ticket 2 */
	/* Let W settle into its wait, then take it off its core. */
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	assert_int_equal(pthread_kill(w, SIGUSR1), 0);
	assert_true(eventually(&offcore_in_handler, 100000));
	/* L gives up behind M and in front of W: ticket 1 is abandoned. */
	assert_true(eventually(&l_done, 100000));
	assert_int_equal(l_result, ETIMEDOUT);
	usync_ticket_unlock(&lock); /* serves ticket 1, the abandoned one */
	offcore_resume();
	/* W skips ticket 1 and acquires (2 s is generous; the bug spun for
	 * ever). */
	assert_true(eventually(&w_acquired, 20000));
	assert_int_equal(pthread_join(w, NULL), 0);
	assert_int_equal(pthread_join(l, NULL), 0);
	/* Ticket 1 was skipped, ticket 2 served and released: free. */
	assert_int_equal(atomic_load_explicit(&lock.now_serving,
					      memory_order_relaxed),
			 3);
	assert_true(usync_ticket_trylock(&lock));
	usync_ticket_unlock(&lock);
	offcore_uninstall();
}

/* One policy per process (the bug needs the process's first abandonment):
 * USYNC_TEST_POLICY picks it; meson runs the binary once per policy. */
static void test_ticket_first_leave(void **state)
{
	(void)state;
	const char *p = getenv("USYNC_TEST_POLICY");
	run(p != NULL && strcmp(p, "yield") == 0 ? USYNC_WAIT_YIELD
						 : USYNC_WAIT_SPIN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ticket_first_leave),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
