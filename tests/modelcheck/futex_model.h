/*
 * tests/modelcheck/futex_model.h - the kernel, as far as usync uses it:
 * futex wait and wake, the monotonic clock, sched_yield.
 *
 * src/atomics/spin.c is compiled unchanged; the prelude includes the system
 * headers it includes, then routes its three kernel calls here by macro.
 *
 * The futex, as Linux gives it (futex(2), and kernel/futex/waitwake.c):
 *   FUTEX_WAIT(word, val)  under the futex's bucket lock, read the word; if
 *                          it is not val, return at once; else queue the
 *                          caller as a sleeper of the word and sleep until
 *                          a wake dequeues it.
 *   FUTEX_WAKE(word, n)    under the same lock, dequeue and wake up to n
 *                          sleepers queued on the word.
 * So the check of the word and going to sleep are one step with respect to
 * any wake, and a wake reaches only threads already queued: a wake issued
 * before the sleeper queued itself is lost, and a sleeper nobody wakes
 * sleeps for ever.  The sleep is a spin loop on the sleeper's own slot,
 * which GenMC turns into an await; with --check-liveness a sleeper left
 * queued at the end of an execution, its slot never woken, is reported as
 * a non-terminating wait: the lost-wake-up bug the park protocol exists to
 * rule out.
 *
 * The bucket lock is modelled by a mutex, which orders a wake after the
 * waker's earlier writes to the word, as the kernel's barriers do.  The
 * model never wakes spuriously (the kernel may; the library re-checks the
 * word after every wake, and a model without spurious wake-ups is the
 * stricter test of the waker's side).
 */
#ifndef USYNC_MC_FUTEX_MODEL_H
#define USYNC_MC_FUTEX_MODEL_H

#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Sleeps per execution, all threads together; an execution that needs
 * more fails an assertion rather than being cut short silently. */
#ifndef USYNC_MC_MAX_SLEEPS
#define USYNC_MC_MAX_SLEEPS 16
#endif

/* errno, which the model sets as syscall(2) does (-1 and errno): GenMC
 * 0.10.3 gives every thread the same errno (a plain global: two threads'
 * system calls race on it), so the model's is thread-local. */
static _Thread_local int usync_mc_errno;
#undef errno
#define errno usync_mc_errno

/* --- Expiry: a deadline that passes at any point (USYNC_MC_EXPIRY).
 *
 * __VERIFIER_nondet_int is no choice: GenMC 0.10.3 returns a number from
 * the calling thread's random generator (Runtime/Execution.cpp,
 * callNondetInt), the same in every execution, and explores nothing else.
 * A client that defines USYNC_MC_EXPIRY gets a real choice instead: its
 * main calls usync_mc_expire() once the threads are started, a relaxed
 * store of 1 to usync_mc_expired, and every reading of a deadline (the
 * timed futex sleep's timeout, usync_deadline_passed) is a relaxed load
 * of it.  GenMC explores each reading both before and after the store
 * (rf), and coherence keeps the deadline passed for a thread once it has
 * seen it pass, as a clock would.  Relaxed: the expiry orders nothing. */
static _Atomic(int) usync_mc_expired;

static inline void usync_mc_expire(void)
{
	/* relaxed: see above. */
	atomic_store_explicit(&usync_mc_expired, 1, memory_order_relaxed);
}

static inline bool usync_mc_deadline_reading(void)
{
#if defined(USYNC_MC_NEVER_EXPIRES)
	/* A deadline that never passes (MC_NEVER_EXPIRES): a timed wait is
	 * then an untimed one, and a wake-up it misses a sleep for ever. */
	return false;
#elif defined(USYNC_MC_EXPIRY)
	/* relaxed: see above. */
	return atomic_load_explicit(&usync_mc_expired, memory_order_relaxed);
#else
	return __VERIFIER_nondet_int() != 0;
#endif
}
/* --- end of expiry. */

struct usync_mc_sleeper {
	const void *word; /* queued on; NULL once woken (under the lock) */
	_Atomic(int) woken;
};

static pthread_mutex_t usync_mc_bucket = PTHREAD_MUTEX_INITIALIZER;
static struct usync_mc_sleeper usync_mc_sleepers[USYNC_MC_MAX_SLEEPS];
static int usync_mc_nsleeps; /* under usync_mc_bucket */

static long usync_mc_futex(long nr, void *uaddr, long op, uint32_t val)
{
	assert(nr == SYS_futex);
	if (op == FUTEX_WAIT_PRIVATE || op == FUTEX_WAIT_BITSET_PRIVATE) {
		/* FUTEX_WAIT_BITSET: the timed sleep of usync_park_until and
		 * the condition variable; its timeout may fire at any point
		 * (see the sleep below). */
		bool timed = op == FUTEX_WAIT_BITSET_PRIVATE;
		pthread_mutex_lock(&usync_mc_bucket);
		/* The kernel's read of the word: under the bucket lock that
		 * every wake takes too. */
		if (atomic_load_explicit((_Atomic(uint32_t) *)uaddr,
					 memory_order_relaxed) != val) {
			pthread_mutex_unlock(&usync_mc_bucket);
			errno = EAGAIN; /* syscall(2)'s convention */
			return -1;
		}
		int me = usync_mc_nsleeps++;
		assert(me < USYNC_MC_MAX_SLEEPS);
		usync_mc_sleepers[me].word = uaddr;
		pthread_mutex_unlock(&usync_mc_bucket);
		/* Asleep until a wake dequeues us: a poll of our slot that,
		 * as every poll here, ends the execution when it fails. */
		while (!atomic_load_explicit(&usync_mc_sleepers[me].woken,
					     memory_order_acquire)) {
			/* A timed sleep may time out instead, at any point:
			 * the choice is made at each poll, and GenMC places
			 * the poll anywhere among the other threads' steps.
			 * Under the bucket lock, as the kernel dequeues a
			 * timed-out sleeper; a wake that got there first
			 * wins. */
			if (timed && usync_mc_deadline_reading()) {
				pthread_mutex_lock(&usync_mc_bucket);
				bool won = usync_mc_sleepers[me].word != NULL;
				usync_mc_sleepers[me].word = NULL;
				pthread_mutex_unlock(&usync_mc_bucket);
				if (won) {
					/* syscall(2)'s convention, which
					 * spin.c reads. */
					errno = ETIMEDOUT;
					return -1;
				}
				continue; /* woken first: read the wake */
			}
			usync_cpu_relax();
		}
		/* Awake.  A write of our own, so that GenMC's detection of
		 * side-effect-free loop iterations does not take the caller's
		 * retry loop around this call, nested as it is around our
		 * poll, for one that spins without effect. */
		atomic_store_explicit(&usync_mc_sleepers[me].woken, 2,
				      memory_order_relaxed);
		return 0;
	}
	if (op == FUTEX_WAKE_PRIVATE) {
		long woken = 0;
		pthread_mutex_lock(&usync_mc_bucket);
		for (int i = 0; i < usync_mc_nsleeps && woken < (long)val; i++) {
			if (usync_mc_sleepers[i].word != uaddr)
				continue;
			usync_mc_sleepers[i].word = NULL;
			atomic_store_explicit(&usync_mc_sleepers[i].woken, 1,
					      memory_order_release);
			woken++;
		}
		pthread_mutex_unlock(&usync_mc_bucket);
		return woken;
	}
	assert(!"futex operation the model does not know");
	return -ENOSYS;
}

/* The clock: every reading advances it by more than mcs_tp's staleness
 * bound, so a time published by one thread and read by another after a
 * later clock reading looks stale, one read before looks fresh.  A relaxed
 * RMW: readings are totally ordered, and GenMC explores both orders of any
 * two of them, without the clock ordering anything else. */
#define USYNC_MC_TICK_NS 3000u
static _Atomic(uint64_t) usync_mc_clock = 1;

static int usync_mc_clock_gettime(clockid_t clock, struct timespec *ts)
{
	(void)clock;
	uint64_t t = atomic_fetch_add_explicit(&usync_mc_clock,
					       USYNC_MC_TICK_NS,
					       memory_order_relaxed);
	ts->tv_sec = (time_t)(t / 1000000000u);
	ts->tv_nsec = (long)(t % 1000000000u);
	return 0;
}

/* A deadline (usync_deadline_passed in src/atomics/spin.c): with
 * USYNC_MC_EXPIRY either answer, at every reading (see above), so a timed
 * wait gives up at every point it could. */
static inline bool usync_mc_deadline_passed(void)
{
	return usync_mc_deadline_reading();
}
/* A deadline of USYNC_MC_NEVER_SEC seconds never passes: a client's timed
 * waiter that must stay (MC_TIMED_STAY in lock_client.c), beside leavers
 * whose deadlines race.  Spin policy only: the timed futex sleep cannot
 * tell them apart. */
#define USYNC_MC_NEVER_SEC 1000000
#define USYNC_DEADLINE_PASSED_OVERRIDE(d)                                      \
	((d)->abstime->tv_sec != USYNC_MC_NEVER_SEC &&                        \
	 usync_mc_deadline_passed())

static int usync_mc_sched_yield(void)
{
	return 0;
}

#define syscall(nr, uaddr, op, val, ...)                                       \
	usync_mc_futex((nr), (void *)(uaddr), (op), (uint32_t)(val))
#define clock_gettime(clock, ts) usync_mc_clock_gettime((clock), (ts))
#define sched_yield() usync_mc_sched_yield()

#endif /* USYNC_MC_FUTEX_MODEL_H */
