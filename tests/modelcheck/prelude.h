/*
 * tests/modelcheck/prelude.h - what GenMC needs in front of usync's own
 * headers and sources, and nothing more.
 *
 * Every model-checking client includes this file first, then the library's
 * real .c files (which include the real headers).  The prelude replaces
 * only what is not memory:
 *
 *   usync_cpu_relax()  the spin hint (PAUSE / ISB / YIELD), an instruction
 *                      GenMC cannot execute.  Here a failed poll ends the
 *                      execution at once with __VERIFIER_spin_end(0): the
 *                      await reduction.  Executions in which a wait is
 *                      satisfied are explored by having its poll read the
 *                      write that satisfies it, so nothing is lost, and
 *                      every wait is finite.  With --check-liveness GenMC
 *                      reports a thread stopped here whose polls all read
 *                      the last write to their location: a wait that no
 *                      later write can end.
 *   the kernel         futex, clock and sched_yield, reached only through
 *                      src/atomics/spin.c: the system calls are routed to
 *                      the model in futex_model.h (a futex as the kernel
 *                      gives it: see there), the clock to a shared counter
 *                      that runs fast enough for every published time to
 *                      be found stale by a later reader.
 *   memset, strcmp     GenMC interprets neither with a run-time length;
 *                      word and byte loops instead.
 *
 * The ordering of every atomic access, and every algorithm, is the
 * library's own.
 */
#ifndef USYNC_MC_PRELUDE_H
#define USYNC_MC_PRELUDE_H

#include <genmc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <assert.h>

/* The spin hint (atomics.h keeps its own definition out when this is set). */
#define USYNC_CPU_RELAX_OVERRIDE 1
#ifndef USYNC_MC_HANGS
static inline void usync_cpu_relax(void)
{
	__VERIFIER_spin_end(0);
}
static inline void usync_mc_wait_reset(void)
{
}
#else
/*
 * Hangs (USYNC_MC_HANGS, a client's MC_HANGS): a wait that no later write
 * can end, reported as GenMC's liveness violation.  GenMC decides that a
 * thread blocked at __VERIFIER_spin_end(0) is stuck when every read since
 * the iteration's __VERIFIER_spin_start() read the last write to its
 * location; without a start it looks back through the whole thread, where
 * some read is nearly always stale, so a plain await reduction reports no
 * hang at all (a waiter behind a ticket nobody settles was a blocked
 * execution like any other).  Here the first failed poll of a wait opens a
 * window (loop begin, spin start) and returns, and the second ends the
 * execution: the window holds exactly the reads of the last round of
 * polls, and of whatever the wait did between its rounds.  The client
 * closes the window at each acquisition and release
 * (usync_mc_wait_reset), so that a later wait opens its own.  Two things
 * would make every window look live: a read and rewrite of a counter of
 * the wait's own (the spin helper's steps, a deadline's poll count), whose
 * read is then not the last write, and GenMC's own spin-loop markers,
 * which it adds to the loops it recognises.  So the spin helper counts
 * nothing here (USYNC_SPIN_UNCOUNTED, spin.h: a delay is one relax step,
 * a timed wait reads its deadline at every poll), and these checks run
 * with --disable-spin-assume.  The price is one more round of polls per
 * wait, whose reads GenMC explores, so only the checks that need it set
 * it.
 */
#define USYNC_SPIN_UNCOUNTED 1
static _Thread_local int usync_mc_window;
static inline void usync_cpu_relax(void)
{
	if (!usync_mc_window) {
		usync_mc_window = 1;
		__VERIFIER_loop_begin();
		__VERIFIER_spin_start();
		return;
	}
	__VERIFIER_spin_end(0);
}
static inline void usync_mc_wait_reset(void)
{
	usync_mc_window = 0;
}
#endif

/* No handoff-to-a-running-waiter hint (spin.h): it asks the kernel for
 * the CPU, and only paces a wait (here a failed poll ends the execution
 * anyway). */
#define USYNC_SPIN_EXTEND_MAX 0

/* No calibration burst at load: it would run the spin hint above, which
 * ends the execution (src/atomics/spin.c). */
#define USYNC_CALIBRATE_AT_LOAD 0

/* A waiter under the park policy sleeps at its first failed poll, so that
 * the park protocol is what a parked check explores (spin.h keeps its
 * default out when this is set). */
#define USYNC_PARK_AFTER_ROUNDS 0

/* memset with a run-time length: store by store (the barriers zero their
 * arrays of cache lines with it).  32-bit stores, the size of every field
 * that is read without first being written explicitly (GenMC rejects a
 * read of a different size than the write it reads from). */
static inline void *usync_mc_memset(void *dst, int c, size_t n)
{
	unsigned char *p = (unsigned char *)dst;
	if (c == 0 && ((uintptr_t)p | n) % sizeof(uint32_t) == 0) {
		for (size_t i = 0; i < n / sizeof(uint32_t); i++)
			((uint32_t *)dst)[i] = 0;
		return dst;
	}
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)c;
	return dst;
}
#define memset usync_mc_memset

static inline int usync_mc_strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}
#define strcmp usync_mc_strcmp

#include "futex_model.h"

#endif /* USYNC_MC_PRELUDE_H */
