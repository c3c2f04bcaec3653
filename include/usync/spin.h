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
 *   USYNC_WAIT_PARK   spin for the same budget and yield, for at least
 *                     USYNC_PARK_SPIN_NS (USYNC_PARK_AFTER_ROUNDS rounds,
 *                     see below), then sleep in the kernel
 *                     (Linux futex, private) on the word it waits on, until
 *                     the thread that changes that word wakes it.  Waits
 *                     that have no word of their own to sleep on (an MCS
 *                     releaser waiting for its successor to link in) yield.
 *
 * The park protocol (usync_wait_until / usync_wait_while and the wakers
 * usync_wake_store / usync_wake_after_rmw).  A waiter that has spent its
 * budget sets USYNC_PARKED, the top bit of the word, with a CAS from the
 * value it last saw, then futex-waits for the word to still hold that value
 * with the bit.  A waker always changes the word with an atomic RMW (an
 * exchange, or the algorithm's own fetch_and / fetch_add) and calls
 * futex_wake only if the old value it replaced carried the bit.  Waiter's
 * CAS and waker's RMW are totally ordered on the one word, so either the
 * waker sees the bit (and wakes) or the waiter's CAS or futex_wait sees the
 * new value (and does not sleep): no lost wake-up, and no system call on a
 * handoff to a waiter that did not sleep.  Values the algorithms store in
 * such words never use the top bit.
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

#include <errno.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum usync_wait_policy {
	USYNC_WAIT_SPIN = 0,
	USYNC_WAIT_YIELD = 1,
	USYNC_WAIT_PARK = 2,
} usync_wait_policy_t;

/* The bit a parked waiter sets in the word it sleeps on. */
#define USYNC_PARKED 0x80000000u

#define USYNC_WAIT_DEFAULT ((usync_wait_policy_t)USYNC_DEFAULT_WAIT_POLICY)

/* Per-wait state; lives on the waiter's stack for one wait. */
typedef struct usync_spin {
	uint32_t steps;  /* relax steps since the last yield */
	uint32_t budget; /* steps before yielding; UINT32_MAX = never */
	uint32_t park;   /* nonzero under USYNC_WAIT_PARK */
	uint32_t rounds; /* budgets spent so far */
} usync_spin_t;

/*
 * Relax steps that make up USYNC_SPIN_BUDGET_NS on this machine, measured
 * when the library is loaded (src/atomics/spin.c); 0 only for a wait that
 * runs before the library's constructors, which then calibrates.  Written
 * and read relaxed: it is a tuning number, any recent value is correct.
 */
USYNC_API extern USYNC_ATOMIC(uint32_t) usync_spin_budget_steps;

/* Out of line, rarely called: calibrates the budget if still unknown, else
 * yields the CPU (yield and park policies), counts the round and resets
 * s->steps. */
USYNC_API void usync_spin_exhausted(usync_spin_t *s);

/* Nanoseconds one usync_cpu_relax() takes here (calibrated once). */
USYNC_API double usync_spin_relax_ns(void);

/* Sleep while *word == expected (FUTEX_WAIT_PRIVATE); may return early. */
USYNC_API void usync_futex_wait(USYNC_ATOMIC(uint32_t) *word, uint32_t expected);
/* Wake up to n threads sleeping on word (FUTEX_WAKE_PRIVATE). */
USYNC_API void usync_futex_wake(USYNC_ATOMIC(uint32_t) *word, int n);
/* Announce (CAS seen -> seen | USYNC_PARKED) and sleep; returns when woken,
 * or at once if the word no longer holds seen.  Out of line: only reached
 * once the spin budget is spent. */
USYNC_API void usync_park(USYNC_ATOMIC(uint32_t) *word, uint32_t seen);

/* true if p is a known policy (used to validate *_set_policy arguments). */
static inline bool usync_wait_policy_valid(usync_wait_policy_t p)
{
	return p == USYNC_WAIT_SPIN || p == USYNC_WAIT_YIELD ||
	       p == USYNC_WAIT_PARK;
}

/* The body of every lock's and barrier's *_set_policy: store p in the
 * object's policy field and return 0, or return EINVAL and leave the field
 * alone if p is not a known policy. */
static inline int usync_wait_policy_set(uint32_t *field,
					usync_wait_policy_t p)
{
	if (!usync_wait_policy_valid(p))
		return EINVAL;
	*field = (uint32_t)p;
	return 0;
}

static inline void usync_spin_init(usync_spin_t *s, usync_wait_policy_t policy)
{
	s->steps = 0;
	s->rounds = 0;
	s->park = policy == USYNC_WAIT_PARK;
	/* relaxed: a tuning number, see usync_spin_budget_steps. */
	s->budget = policy == USYNC_WAIT_SPIN
			    ? UINT32_MAX
			    : atomic_load_explicit(&usync_spin_budget_steps,
						   memory_order_relaxed);
}

/*
 * USYNC_SPIN_UNCOUNTED (the model checker's hang checks only,
 * tests/modelcheck/prelude.h): polls are not counted, so a round of a wait
 * reads and writes nothing of its own and a wait that no write can end is
 * visible as one; no budget is ever spent (no yield), a delay is one relax
 * step, and a timed wait reads its deadline at every failed poll.
 */

/* One failed poll: relax, or yield once the budget is spent. */
static inline void usync_spin_pause(usync_spin_t *s)
{
#ifdef USYNC_SPIN_UNCOUNTED
	(void)s;
	usync_cpu_relax();
	return;
#endif
	if (USYNC_UNLIKELY(++s->steps >= s->budget))
		usync_spin_exhausted(s);
	else
		usync_cpu_relax();
}

/* true if the next usync_spin_pause() may give the core away (yield), so
 * that a waiter can first say it is about to stop running. */
static inline bool usync_spin_yields_next(const usync_spin_t *s)
{
	return s->budget != UINT32_MAX && s->steps + 1 >= s->budget;
}

/*
 * Handing the lock to a running waiter.  Under the yield and park policies
 * the waiter next in line yields once its budget is spent.  If the holder
 * is then running on another CPU, the lock goes to a thread that is not
 * running, and the handoff waits for the scheduler to come back to it;
 * with more threads than CPUs the next waiter is then often descheduled
 * too, and every handoff costs a context switch (or several, when a CPU
 * runs waiters further back first).  A waiter that knows it is next in
 * line and knows the CPU its holder runs on calls usync_spin_extend()
 * whenever usync_spin_yields_next() says the next pause would yield: if
 * the holder is on another CPU, the budget starts again instead, up to
 * USYNC_SPIN_EXTEND_MAX times in one wait (each renewal counts as a round
 * towards parking, as a yield does).  A holder on this CPU is descheduled
 * (we are running), so then the waiter yields to it as before.  The CPUs are
 * hints: a thread can move at any time, and a wrong one costs at most
 * USYNC_SPIN_EXTEND_MAX budgets of spinning, or a yield.  Without
 * oversubscription a holder releases well within one budget and this
 * never runs.  A build sets USYNC_SPIN_EXTEND_MAX to 0 to turn it off (the
 * model checker does: a CPU number is not memory, and the decision only
 * paces a wait).
 */
#ifndef USYNC_SPIN_EXTEND_MAX
#define USYNC_SPIN_EXTEND_MAX 8u
#endif

/* No CPU known. */
#define USYNC_CPU_UNKNOWN (-1)

/* The CPU the calling thread runs on now (sched_getcpu), or
 * USYNC_CPU_UNKNOWN. */
USYNC_API int usync_spin_cpu(void);

/* Call when usync_spin_yields_next(s), in a wait whose holder last ran on
 * holder_cpu (USYNC_CPU_UNKNOWN if not known): renews the budget if the
 * holder runs on another CPU and *extended, the count of renewals in this
 * wait (0 at its start), is below USYNC_SPIN_EXTEND_MAX. */
static inline void usync_spin_extend(usync_spin_t *s, int holder_cpu,
				     uint32_t *extended)
{
#if USYNC_SPIN_EXTEND_MAX
	if (*extended >= USYNC_SPIN_EXTEND_MAX || holder_cpu < 0 ||
	    holder_cpu == usync_spin_cpu())
		return;
	s->steps = 0;
	s->rounds++;
	++*extended;
#else
	(void)s;
	(void)holder_cpu;
	(void)extended;
#endif
}

/* Back off for n relax steps, counted against the budget. */
static inline void usync_spin_delay(usync_spin_t *s, uint32_t n)
{
#ifdef USYNC_SPIN_UNCOUNTED
	(void)s;
	(void)n;
	usync_cpu_relax();
	return;
#endif
	for (uint32_t i = 0; i < n; i++)
		usync_cpu_relax();
	if (USYNC_UNLIKELY(n >= s->budget - s->steps))
		usync_spin_exhausted(s);
	else
		s->steps += n;
}

/*
 * Spin-and-yield rounds a parking waiter makes before it sleeps: enough
 * budgets to cover USYNC_PARK_SPIN_NS (-Dpark_spin_ns, 50 us by default),
 * at least one.  The rule is the competitive one (Karlin, Li, Manasse and
 * Owicki, SOSP 1991): spin for about what sleeping and being woken costs,
 * then sleep, and a wait costs at most twice what the better choice in
 * hindsight would have.  Sleeping sooner makes short waits pay a wake-up:
 * with 4-16 threads on 16 cores, parking after four 1 us rounds turned
 * every queue handoff into a futex wake-up of a sleeping successor (a
 * convoy, 20x slower than spinning; bench/results/intel-xeon-16c).
 */
#ifndef USYNC_PARK_AFTER_ROUNDS
#define USYNC_PARK_AFTER_ROUNDS                                                \
	(USYNC_PARK_SPIN_NS > USYNC_SPIN_BUDGET_NS                             \
		 ? (USYNC_PARK_SPIN_NS + USYNC_SPIN_BUDGET_NS - 1) /           \
			   USYNC_SPIN_BUDGET_NS                                \
		 : 1)
#endif

/* true once a parking waiter has spent USYNC_PARK_AFTER_ROUNDS rounds. */
static inline bool usync_spin_should_park(const usync_spin_t *s)
{
	return s->park && s->rounds >= USYNC_PARK_AFTER_ROUNDS;
}

/*
 * Wait until *word == target (the top bit ignored); returns the value read.
 * acquire: the load that ends the wait pairs with the waker's release
 * (usync_wake_store / the algorithm's release RMW), so what the waker
 * published is visible to the caller.
 */
static inline uint32_t usync_wait_until(USYNC_ATOMIC(uint32_t) *word,
					uint32_t target, usync_spin_t *s)
{
	for (;;) {
		uint32_t v = atomic_load_explicit(word, memory_order_acquire);
		if ((v & ~USYNC_PARKED) == target)
			return v;
		if (USYNC_UNLIKELY(usync_spin_should_park(s))) {
			usync_park(word, v & ~USYNC_PARKED);
		} else {
			usync_spin_pause(s);
		}
	}
}

/*
 * Wait while *word == busy (the top bit ignored); returns the new value,
 * for a waiter that may be next in line: whenever the next pause would
 * yield, holder(arg) says the CPU of the thread holding the lock if that
 * thread is the one we wait for, else USYNC_CPU_UNKNOWN, and
 * usync_spin_extend decides.  holder NULL: no such hint (usync_wait_while).
 * acquire: as usync_wait_until.
 */
static inline uint32_t usync_wait_while_behind(USYNC_ATOMIC(uint32_t) *word,
					       uint32_t busy, usync_spin_t *s,
					       int (*holder)(const void *),
					       const void *arg)
{
	uint32_t extended = 0;
	for (;;) {
		uint32_t v = atomic_load_explicit(word, memory_order_acquire);
		if ((v & ~USYNC_PARKED) != busy)
			return v;
		if (USYNC_UNLIKELY(usync_spin_should_park(s))) {
			usync_park(word, busy);
			continue;
		}
		if (USYNC_SPIN_EXTEND_MAX && holder != NULL &&
		    USYNC_UNLIKELY(usync_spin_yields_next(s)))
			usync_spin_extend(s, holder(arg), &extended);
		usync_spin_pause(s);
	}
}

/* Wait while *word == busy (the top bit ignored); returns the new value.
 * acquire: as usync_wait_until. */
static inline uint32_t usync_wait_while(USYNC_ATOMIC(uint32_t) *word, uint32_t busy,
					usync_spin_t *s)
{
	return usync_wait_while_behind(word, busy, s, NULL, NULL);
}

/*
 * Deadlines: the timed waits (every lock's *_timedlock, the generic
 * usync_lock_acquire_until, the condition variable's timedwait) take an
 * absolute CLOCK_MONOTONIC time, as pthread's clock-selecting waits do.  A
 * waiter keeps a usync_deadline_t on its stack next to its usync_spin_t.
 * The clock is read at the first failed poll and then once every
 * USYNC_DEADLINE_POLLS failed polls (a few microseconds of spinning: a
 * clock read costs about one poll), after every backoff delay, and after
 * every yield; a parked waiter sleeps with the deadline as the futex's
 * timeout.  A wait gives up at most that long after the deadline (plus the
 * scheduler's own delay in running the thread again).
 *
 * Like the spin helper, deadlines perform no memory access another thread
 * can observe and imply no ordering.
 */
typedef struct usync_deadline {
	const struct timespec *abstime; /* as given: the futex's timeout */
	uint64_t ns;                    /* the same, in ns since the epoch
					   of CLOCK_MONOTONIC */
	uint32_t polls;                 /* failed polls until the next
					   clock read */
} usync_deadline_t;

#ifndef USYNC_DEADLINE_POLLS
#define USYNC_DEADLINE_POLLS 64u
#endif

/* true if abstime can be a deadline: not NULL, 0 <= tv_nsec < 10^9 (the
 * EINVAL rule of every timed wait).  A time already past is valid. */
static inline bool usync_abstime_valid(const struct timespec *abstime)
{
	return abstime != NULL && abstime->tv_nsec >= 0 &&
	       abstime->tv_nsec < 1000000000L;
}

/* Start a deadline from a valid abstime; reads no clock. */
static inline void usync_deadline_init(usync_deadline_t *d,
				       const struct timespec *abstime)
{
	d->abstime = abstime;
	d->ns = abstime->tv_sec < 0
			? 0
			: (uint64_t)abstime->tv_sec * 1000000000u +
				  (uint64_t)abstime->tv_nsec;
	d->polls = 1; /* the first failed poll reads the clock */
}

/* Reads the clock: true once the deadline has passed.  Out of line (the
 * model checker replaces the clock with a choice between both answers). */
USYNC_API bool usync_deadline_passed(const usync_deadline_t *d);

/* Count one failed poll: true once the deadline has passed, reading the
 * clock only every USYNC_DEADLINE_POLLS calls (and at the first). */
static inline bool usync_deadline_poll(usync_deadline_t *d)
{
#ifdef USYNC_SPIN_UNCOUNTED
	return usync_deadline_passed(d);
#endif
	if (USYNC_LIKELY(--d->polls != 0))
		return false;
	d->polls = USYNC_DEADLINE_POLLS;
	return usync_deadline_passed(d);
}

/* One failed poll of a timed wait: false once the deadline has passed
 * (the caller then gives up, or abandons its place), else pause as
 * usync_spin_pause does and return true.  A yield is followed by a clock
 * read, so a waiter that was descheduled past its deadline notices at its
 * next poll. */
static inline bool usync_spin_pause_until(usync_spin_t *s, usync_deadline_t *d)
{
	if (usync_deadline_poll(d))
		return false;
	if (USYNC_UNLIKELY(usync_spin_yields_next(s)))
		d->polls = 1; /* read the clock right after the yield */
	usync_spin_pause(s);
	return true;
}

/* As usync_park, with the deadline as the sleep's timeout: false if the
 * deadline has passed (the mark may stay set in the word: its next waker
 * then makes one futex_wake that finds nobody), true when woken or when
 * the word no longer holds seen.  The caller re-polls either way. */
USYNC_API bool usync_park_until(USYNC_ATOMIC(uint32_t) *word, uint32_t seen,
				usync_deadline_t *d);

/* As usync_wait_while, giving up at the deadline: true once *word !=
 * busy (the new value in *seen), false once the deadline has passed.
 * acquire: as usync_wait_until. */
static inline bool usync_wait_while_deadline(USYNC_ATOMIC(uint32_t) *word,
					     uint32_t busy, uint32_t *seen,
					     usync_spin_t *s,
					     usync_deadline_t *d)
{
	for (;;) {
		uint32_t v = atomic_load_explicit(word, memory_order_acquire);
		if ((v & ~USYNC_PARKED) != busy) {
			*seen = v;
			return true;
		}
		if (USYNC_UNLIKELY(usync_spin_should_park(s))) {
			if (!usync_park_until(word, busy, d))
				return false;
		} else if (!usync_spin_pause_until(s, d)) {
			return false;
		}
	}
}

/*
 * Publish v in a word a waiter may sleep on.  Under the park policy an
 * exchange (release: pairs with the waiter's acquire load; the RMW also
 * reads any USYNC_PARKED set by the waiter's CAS) and a wake-up of up to
 * nwake sleepers if the bit was set; otherwise a plain release store.
 */
static inline void usync_wake_store(USYNC_ATOMIC(uint32_t) *word, uint32_t v,
				    usync_wait_policy_t policy, int nwake)
{
	if (policy == USYNC_WAIT_PARK) {
		if (atomic_exchange_explicit(word, v, memory_order_release) &
		    USYNC_PARKED)
			usync_futex_wake(word, nwake);
	} else {
		atomic_store_explicit(word, v, memory_order_release);
	}
}

/* After the caller's own release RMW on word returned old: wake sleepers
 * if a waiter had parked.  The RMW must leave USYNC_PARKED cleared (e.g. a
 * fetch_and that clears it too, or an exchange). */
static inline void usync_wake_after_rmw(USYNC_ATOMIC(uint32_t) *word, uint32_t old,
					int nwake)
{
	if (USYNC_UNLIKELY(old & USYNC_PARKED))
		usync_futex_wake(word, nwake);
}

/*
 * test_and_set on a lock word of the TAS family (tas, ttas, backoff), which
 * under the park policy holds 0 (free), 1 (held) or 1 | USYNC_PARKED (held,
 * sleepers may exist; see usync_lockword_park in src/locks/tas.c).  A plain
 * exchange of 1 would erase the mark when it fails, so whoever reads the mark
 * in the old value puts it back at once (usync_lockword_remark, an exchange
 * of 1 | USYNC_PARKED, which also acquires the lock if it was released in
 * between).  An unlock that falls between the two exchanges sees no mark and
 * wakes nobody; then the remark acquires the lock with the mark set, and
 * that thread's own unlock wakes a sleeper.  So no wake-up is lost, but it
 * can be deferred while the remarking thread is preempted between its two
 * exchanges.  Under the spin and yield policies the mark never appears and
 * this is one exchange.  true if acquired.
 */
USYNC_API bool usync_lockword_remark(USYNC_ATOMIC(uint32_t) *word);

static inline bool usync_lockword_tas(USYNC_ATOMIC(uint32_t) *word)
{
	/* acquire: pairs with the release store (or exchange) of the
	 * TAS-family unlock. */
	uint32_t old = usync_test_and_set(word, memory_order_acquire);
	if (USYNC_LIKELY(old == 0))
		return true;
	if (USYNC_UNLIKELY(old & USYNC_PARKED))
		return usync_lockword_remark(word);
	return false;
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
					   uint32_t base, uint32_t cap)
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
