/*
 * tests/offcore.h - taking a waiter off its core, for the tests whose
 * schedule needs a thread that has stopped running in the middle of a wait
 * (test_locks.c's mcs_tp pass-over, test_ticket_first_leave.c).
 *
 * offcore_install() makes SIGUSR1 a handler that holds the thread it lands
 * on until offcore_resume(): the signalled thread stops where it was, and
 * the lock code it was running cannot take a step until then.  Only
 * async-signal-safe calls (nanosleep) and lock-free atomics in the handler.
 * Include after <cmocka.h>.
 */
#ifndef USYNC_TESTS_OFFCORE_H
#define USYNC_TESTS_OFFCORE_H

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

static _Atomic(unsigned) offcore_in_handler, offcore_go;

static void offcore_hold(int sig)
{
	(void)sig;
	/* release/acquire: the handshake with the main thread. */
	atomic_store_explicit(&offcore_in_handler, 1, memory_order_release);
	while (!atomic_load_explicit(&offcore_go, memory_order_acquire)) {
		struct timespec ts = { 0, 100000 };
		nanosleep(&ts, NULL);
	}
}

/* Install the holding handler for SIGUSR1, nobody held yet. */
static inline void offcore_install(void)
{
	atomic_store_explicit(&offcore_in_handler, 0, memory_order_relaxed);
	atomic_store_explicit(&offcore_go, 0, memory_order_relaxed);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = offcore_hold;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGUSR1, &sa, NULL), 0);
}

/* true once a signalled thread has entered the handler. */
static inline bool offcore_held(void)
{
	/* acquire: pairs with the handler's release store. */
	return atomic_load_explicit(&offcore_in_handler, memory_order_acquire);
}

/* Let the held thread go on. */
static inline void offcore_resume(void)
{
	atomic_store_explicit(&offcore_go, 1, memory_order_release);
}

/* Back to the default action for SIGUSR1. */
static inline void offcore_uninstall(void)
{
	signal(SIGUSR1, SIG_DFL);
}

/* Poll `flag` for up to steps * 100 us; true if it became nonzero.
 * Bounded so that a lock that never hands over fails the test instead of
 * hanging it. */
static inline bool eventually(_Atomic(unsigned) *flag, int steps)
{
	for (int i = 0; i < steps; i++) {
		/* acquire: pairs with the release that sets it. */
		if (atomic_load_explicit(flag, memory_order_acquire))
			return true;
		struct timespec ts = { 0, 100000 };
		nanosleep(&ts, NULL);
	}
	return false;
}

#endif /* USYNC_TESTS_OFFCORE_H */
