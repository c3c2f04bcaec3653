/*
 * usync/spin.h - the one spin-wait helper every lock and barrier waits with.
 *
 * A waiter keeps a usync_spin_t on its stack and calls usync_spin_pause()
 * once per failed poll, or usync_spin_delay() to back off for a number of
 * steps.  The helper applies the waiting policy:
 *
 *   USYNC_WAIT_SPIN   pure spinning with usync_cpu_relax().  Faithful to the
 *                     MCS'91 algorithms; right when every thread has a core.
 *   USYNC_WAIT_YIELD  spin for a bounded time (USYNC_SPIN_BUDGET_NS, measured
 *                     in time and converted to relax steps by a one-off
 *                     calibration), then sched_yield() and start again.  A
 *                     waiter whose lock holder (or queue predecessor, or
 *                     barrier partner) is descheduled gives its core to that
 *                     thread instead of burning the rest of a scheduler tick.
 *
 * The default comes from the build (-Dwait_policy, USYNC_DEFAULT_WAIT_POLICY);
 * every lock and barrier can be given another with its *_set_policy call.
 *
 * The helper only paces loops: it performs no memory access the caller can
 * observe and implies no ordering.  The polls it sits between are the
 * caller's atomic loads, each with its own stated order.
 */
#ifndef USYNC_SPIN_H
#define USYNC_SPIN_H

#include <usync/atomics.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum usync_wait_policy {
	USYNC_WAIT_SPIN = 0,
	USYNC_WAIT_YIELD = 1,
} usync_wait_policy_t;

#define USYNC_WAIT_DEFAULT ((usync_wait_policy_t)USYNC_DEFAULT_WAIT_POLICY)

/* Per-wait state; lives on the waiter's stack for one wait. */
typedef struct usync_spin {
	uint32_t steps;  /* relax steps since the last yield */
	uint32_t budget; /* steps before yielding; UINT32_MAX = never */
} usync_spin_t;

/*
 * Relax steps that make up USYNC_SPIN_BUDGET_NS on this machine; 0 until
 * the first waiter that runs out of a zero budget calibrates it.  Written
 * and read relaxed: it is a tuning number, any recent value is correct.
 */
USYNC_API extern _Atomic(uint32_t) usync_spin_budget_steps;

/* Out of line, rarely called: calibrates the budget if still unknown, yields
 * the CPU under the yield policy, and resets s->steps. */
USYNC_API void usync_spin_exhausted(usync_spin_t *s);

/* Nanoseconds one usync_cpu_relax() takes here (calibrated once). */
USYNC_API double usync_spin_relax_ns(void);

/* true if p is a known policy (used to validate *_set_policy arguments). */
static inline bool usync_wait_policy_valid(usync_wait_policy_t p)
{
	return p == USYNC_WAIT_SPIN || p == USYNC_WAIT_YIELD;
}

static inline void usync_spin_init(usync_spin_t *s, usync_wait_policy_t policy)
{
	s->steps = 0;
	/* relaxed: a tuning number, see usync_spin_budget_steps. */
	s->budget = policy == USYNC_WAIT_SPIN
			    ? UINT32_MAX
			    : atomic_load_explicit(&usync_spin_budget_steps,
						   memory_order_relaxed);
}

/* One failed poll: relax, or yield once the budget is spent. */
static inline void usync_spin_pause(usync_spin_t *s)
{
	if (USYNC_UNLIKELY(++s->steps >= s->budget))
		usync_spin_exhausted(s);
	else
		usync_cpu_relax();
}

/* Back off for n relax steps, counted against the budget. */
static inline void usync_spin_delay(usync_spin_t *s, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		usync_cpu_relax();
	if (USYNC_UNLIKELY(n >= s->budget - s->steps))
		usync_spin_exhausted(s);
	else
		s->steps += n;
}

/*
 * Capped, randomised exponential backoff (Anderson 1990; MCS'91 section 2):
 * each failed attempt waits a random number of steps in [d/2, d], then
 * doubles d up to the cap.  The randomisation breaks lock-step retries.
 */
typedef struct usync_spin_backoff {
	uint32_t delay; /* current ceiling, in relax steps */
	uint32_t cap;
	uint32_t seed;  /* xorshift32 state, private to the waiter */
} usync_spin_backoff_t;

static inline void usync_spin_backoff_init(usync_spin_backoff_t *b,
					   uint32_t base,
				      uint32_t cap)
{
	b->delay = base ? base : 1;
	b->cap = cap < b->delay ? b->delay : cap;
	/* Seed from the waiter's stack address: distinct per thread, no
	 * shared state touched. */
	b->seed = (uint32_t)((uintptr_t)b >> 4) | 1u;
}

static inline void usync_spin_backoff_wait(usync_spin_backoff_t *b,
					   usync_spin_t *s)
{
	uint32_t x = b->seed;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	b->seed = x;
	uint32_t half = b->delay / 2;
	usync_spin_delay(s, half + x % (b->delay - half + 1));
	if (b->delay < b->cap)
		b->delay = b->delay * 2 > b->cap ? b->cap : b->delay * 2;
}

#ifdef __cplusplus
}
#endif

#endif /* USYNC_SPIN_H */
