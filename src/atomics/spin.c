/*
 * src/atomics/spin.c - the out-of-line half of the spin-wait helper
 * (usync/spin.h): calibration of the spin budget, the yield step, and the
 * futex wrappers of the park policy, and the CPU query of the handoff to a
 * running waiter.
 *
 * The budget is a time (USYNC_SPIN_BUDGET_NS) because the cost of one
 * usync_cpu_relax() differs by two orders of magnitude across parts (PAUSE is
 * ~26 ns on the EPYC machines we measure, ~140 cycles on Skylake, a few cycles
 * on older Intel; ISB on aarch64 tens of ns).  The library calibrates when
 * it is loaded (a constructor, usync_spin_calibrate_at_load), so that no
 * waiter pays for it inside a contended wait, where everyone queued behind
 * it would wait too.  A wait that runs before the constructors (from
 * another library's constructor) finds a zero budget and calibrates then;
 * two calibrations at once are harmless (each publishes a valid count).
 */
#define _GNU_SOURCE
#include <usync/spin.h>

#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

_Atomic(uint32_t) usync_spin_budget_steps = 0;

/* The ABI guard's target: see USYNC_ABI_SYMBOL in usync/config.h. */
USYNC_API const int USYNC_ABI_SYMBOL = 1;

/* Bits of a double, for a relaxed atomic cache of the calibration. */
static _Atomic(uint64_t) relax_ps = 0; /* picoseconds per relax step */

/* CLOCK_MONOTONIC in ns: the calibration's timer and the time-published
 * MCS lock's clock (declared in src/locks/lock_internal.h). */
__attribute__((visibility("hidden"))) uint64_t usync_clock_ns(void);
uint64_t usync_clock_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* 5 bursts of 1000 steps: ~26 us per burst at 26 ns per PAUSE, long
 * against the clock's ~20 ns read cost, and ~130 us in all at load. */
#define CALIBRATION_ROUNDS 5
#define CALIBRATION_STEPS 1000

static uint64_t calibrate_relax_ps(void)
{
	/* relaxed: any thread's measurement is as good as another's. */
	uint64_t ps = atomic_load_explicit(&relax_ps, memory_order_relaxed);
	if (ps)
		return ps;
	/* Best of a few short bursts: preemption only ever makes a burst
	 * slower, so the minimum is the undisturbed cost. */
	uint64_t best = UINT64_MAX;
	for (int round = 0; round < CALIBRATION_ROUNDS; round++) {
		uint64_t t0 = usync_clock_ns();
		for (int i = 0; i < CALIBRATION_STEPS; i++)
			usync_cpu_relax();
		uint64_t dt = usync_clock_ns() - t0;
		if (dt < best)
			best = dt;
	}
	ps = best * 1000u / CALIBRATION_STEPS;
	if (ps == 0)
		ps = 1; /* a relax step faster than 1 ps: treat as 1 ps */
	/* relaxed: see above. */
	atomic_store_explicit(&relax_ps, ps, memory_order_relaxed);
	return ps;
}

double usync_spin_relax_ns(void)
{
	return (double)calibrate_relax_ps() / 1000.0;
}

/* Calibrate (once) and publish the budget in relax steps. */
static uint32_t calibrate_budget(void)
{
	uint64_t steps =
		(uint64_t)USYNC_SPIN_BUDGET_NS * 1000u / calibrate_relax_ps();
	if (steps < 1)
		steps = 1;
	if (steps > UINT32_MAX - 1)
		steps = UINT32_MAX - 1;
	/* relaxed: a tuning number; readers take any recent value. */
	atomic_store_explicit(&usync_spin_budget_steps, (uint32_t)steps,
			      memory_order_relaxed);
	return (uint32_t)steps;
}

/* A build that cannot time the spin hint (the model checker, whose
 * usync_cpu_relax ends the execution: tests/modelcheck/prelude.h) sets
 * USYNC_CALIBRATE_AT_LOAD to 0; a wait then calibrates when it first needs
 * the budget. */
#ifndef USYNC_CALIBRATE_AT_LOAD
#define USYNC_CALIBRATE_AT_LOAD 1
#endif
#if USYNC_CALIBRATE_AT_LOAD
__attribute__((constructor)) static void usync_spin_calibrate_at_load(void)
{
	calibrate_budget();
}
#endif

void usync_spin_exhausted(usync_spin_t *s)
{
	if (s->budget == UINT32_MAX) {
		/* Pure spin policy: the step counter merely wrapped. */
		s->steps = 0;
		return;
	}
	if (s->budget == 0) {
		/* Only before the constructor ran: calibrate now. */
		s->budget = calibrate_budget();
		s->steps = 0;
		return;
	}
	sched_yield();
	s->steps = 0;
	s->rounds++;
}

int usync_spin_cpu(void)
{
	int cpu = sched_getcpu();
	return cpu < 0 ? USYNC_CPU_UNKNOWN : cpu;
}

/* ------------------------------------------------------------- parking */

/* The kernel reads the word as a plain aligned u32; an _Atomic(uint32_t)
 * has that representation on every Linux ABI (lock-free, same size). */
USYNC_STATIC_ASSERT(sizeof(_Atomic(uint32_t)) == sizeof(uint32_t),
		    "futex words must be plain 32-bit words");

void usync_futex_wait(_Atomic(uint32_t) *word, uint32_t expected)
{
	syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_PRIVATE, expected,
		NULL, NULL, 0);
}

/* Sleep while *word == expected, until the absolute CLOCK_MONOTONIC time
 * abstime (FUTEX_WAIT_BITSET takes an absolute deadline on that clock, so
 * a wait that is interrupted and restarted does not stretch it).  0 when
 * woken, or when the word no longer held expected or a signal interrupted
 * the sleep; ETIMEDOUT once the deadline has passed.  Declared in
 * src/locks/lock_internal.h: the condition variable's timed wait. */
__attribute__((visibility("hidden"))) int
usync_futex_wait_until(_Atomic(uint32_t) *word, uint32_t expected,
		       const struct timespec *abstime);
int usync_futex_wait_until(_Atomic(uint32_t) *word, uint32_t expected,
			   const struct timespec *abstime)
{
	long rc = syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_BITSET_PRIVATE,
			  expected, abstime, NULL, FUTEX_BITSET_MATCH_ANY);
	return rc == -1 && errno == ETIMEDOUT ? ETIMEDOUT : 0;
}

void usync_futex_wake(_Atomic(uint32_t) *word, int n)
{
	syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE_PRIVATE, n, NULL, NULL,
		0);
}

void usync_park(_Atomic(uint32_t) *word, uint32_t seen)
{
	uint32_t expected = seen;
	/* relaxed: the bit only asks the waker for a futex_wake; ordering of
	 * the data comes from the waiter's acquire load after waking, which
	 * reads the waker's release RMW.  The CAS and the waker's RMW are
	 * ordered by the word's modification order: if the waker came first
	 * the CAS fails and we return to re-read the word. */
	if (!usync_compare_and_swap(word, &expected, seen | USYNC_PARKED,
				    memory_order_relaxed,
				    memory_order_relaxed) &&
	    expected != (seen | USYNC_PARKED))
		return;
	/* Sleeps only if the word still holds seen | USYNC_PARKED, checked
	 * atomically by the kernel against the waker's RMW. */
	usync_futex_wait(word, seen | USYNC_PARKED);
}

/* ----------------------------------------------------------- deadlines */

bool usync_deadline_passed(const usync_deadline_t *d)
{
#ifdef USYNC_DEADLINE_PASSED_OVERRIDE
	/* The model checker's choice (tests/modelcheck/futex_model.h). */
	return USYNC_DEADLINE_PASSED_OVERRIDE(d);
#else
	return usync_clock_ns() >= d->ns;
#endif
}

bool usync_park_until(_Atomic(uint32_t) *word, uint32_t seen,
		      usync_deadline_t *d)
{
	if (usync_deadline_passed(d))
		return false;
	uint32_t expected = seen;
	/* relaxed: as in usync_park. */
	if (!usync_compare_and_swap(word, &expected, seen | USYNC_PARKED,
				    memory_order_relaxed,
				    memory_order_relaxed) &&
	    expected != (seen | USYNC_PARKED))
		return true;
	/* The clock is read again after the sleep, so a futex that returns
	 * at once (a signal, an emulator without FUTEX_WAIT_BITSET) still
	 * ends the wait on time. */
	if (usync_futex_wait_until(word, seen | USYNC_PARKED, d->abstime) ==
	    ETIMEDOUT)
		return false;
	return !usync_deadline_passed(d);
}

/* ------------------------------------------------------- misuse checks */

#if USYNC_DEBUG_CHECKS
/* The nodes (mcs, mcs_tp) this thread has in use: see
 * USYNC_DEBUG_NODE_ENTER in usync/atomics.h.  Thread-local, so no ordering
 * is involved; a full set stops tracking rather than guess. */
static _Thread_local const void *nodes_in_use[USYNC_DEBUG_NODES_TRACKED];

bool usync_debug_node_claim(const void *node)
{
	const void **free_entry = NULL;
	for (int i = 0; i < USYNC_DEBUG_NODES_TRACKED; i++) {
		if (nodes_in_use[i] == node)
			return false;
		if (nodes_in_use[i] == NULL && free_entry == NULL)
			free_entry = &nodes_in_use[i];
	}
	if (free_entry != NULL)
		*free_entry = node;
	return true;
}

void usync_debug_node_unclaim(const void *node)
{
	for (int i = 0; i < USYNC_DEBUG_NODES_TRACKED; i++)
		if (nodes_in_use[i] == node)
			nodes_in_use[i] = NULL;
}
#endif

void usync_misuse(const char *function, const char *what)
{
	/* The one place the library writes to stderr: a debug build that
	 * caught a programming error, just before it aborts. */
	fprintf(stderr, "usync: %s: %s\n", function, what);
	fflush(stderr);
	abort();
}
