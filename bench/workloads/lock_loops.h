/*
 * bench/workloads/lock_loops.h - the lock workloads' per-thread loops,
 * written once and instantiated per series (LOCK_SERIES_LOOPS) so that
 * each series' acquire and release are inlined into its own copy.
 *
 * An adapter defines, before LOCK_SERIES_LOOPS(id):
 *   static inline void id##_acq(void *lock, union lock_ctx *c);
 *   static inline void id##_rel(void *lock, union lock_ctx *c);
 */
#ifndef BENCH_LOCK_LOOPS_H
#define BENCH_LOCK_LOOPS_H

#include "../adapters.h"

typedef void (*lock_op)(void *lock, union lock_ctx *c);

/* Contended loop: acquire, critical section, release, delay. */
BENCH_INLINE void lock_loop(struct trial *t, struct worker *w,
			    struct lock_job *j, union lock_ctx *c,
			    lock_op acq, lock_op rel)
{
	void *lock = j->lock;
	const enum cs_kind cs = j->cs;
	const uint64_t work = j->work_iters, delay2 = j->delay_iters_2d;
	uint64_t n = 0;
	while (trial_poll(t, w, n)) {
		acq(lock, c);
		j->check_count++; /* plain: the mutual-exclusion check */
		if (cs == CS_SHARED)
			j->shared_line[0]++; /* plain: one more shared line */
		else if (cs == CS_WORK100)
			bench_spin(w, work);
		rel(lock, c);
		n++;
		if (delay2)
			bench_spin(w, bench_rand(w) % (delay2 + 1));
	}
	w->ops_total = n;
}

/* Uncontended loop: 64 acquire/release pairs per phase poll. */
BENCH_INLINE void lock_tight(struct trial *t, struct worker *w,
			     struct lock_job *j, union lock_ctx *c,
			     lock_op acq, lock_op rel)
{
	void *lock = j->lock;
	uint64_t n = 0;
	while (trial_poll(t, w, n)) {
		for (int i = 0; i < 64; i++) {
			acq(lock, c);
			rel(lock, c);
		}
		n += 64;
	}
	/* Nothing happened inside: keep the check honest. */
	j->check_count = 0;
	w->ops_total = 0;
}

/* Read-mostly loop: read the four-line structure under the lock; every
 * 1024th read is followed by one write (all words to a new value).
 * Counts reads.  A reader that sees different words flags rm_torn. */
BENCH_INLINE void lock_read(struct trial *t, struct worker *w,
			    struct lock_job *j, union lock_ctx *c,
			    lock_op acq, lock_op rel)
{
	void *lock = j->lock;
	const unsigned nwords = sizeof j->rm_words / sizeof j->rm_words[0];
	uint64_t n = 0;
	bool torn = false;
	while (trial_poll(t, w, n)) {
		acq(lock, c);
		uint64_t first = j->rm_words[0], diff = 0;
		for (unsigned i = 1; i < nwords; i++)
			diff |= j->rm_words[i] ^ first;
		rel(lock, c);
		torn |= diff != 0;
		n++;
		if ((n & 1023) == 0) {
			acq(lock, c);
			uint64_t v = j->rm_words[0] + 1;
			for (unsigned i = 0; i < nwords; i++)
				j->rm_words[i] = v;
			rel(lock, c);
		}
	}
	if (torn)
		/* relaxed: read by the controller after the trial's join. */
		atomic_store_explicit(&j->rm_torn, 1, memory_order_relaxed);
	w->ops_total = n;
}

typedef int (*lock_timed_op)(void *lock, union lock_ctx *c,
			     const struct timespec *abstime);

/*
 * Timed loop: every acquisition is timed.  With probability abort_pct %
 * the deadline is BENCH_TIMED_SHORT_NS away, so a waiter queued behind
 * more than that much work gives up (a queue lock's waiter leaves the
 * queue it joined); the others have a deadline an hour away.  Counts
 * successful acquisitions only: the survivors' throughput.  The share of
 * attempts that timed out goes to j->timeouts / j->attempts.
 */
BENCH_INLINE void lock_timed_loop(struct trial *t, struct worker *w,
				  struct lock_job *j, union lock_ctx *c,
				  lock_timed_op tacq, lock_op rel)
{
	void *lock = j->lock;
	const unsigned pct = j->abort_pct;
	struct timespec far;
	clock_gettime(CLOCK_MONOTONIC, &far);
	far.tv_sec += 3600;
	uint64_t n = 0, timeouts = 0;
	while (trial_poll(t, w, n)) {
		int rc;
		if (pct && bench_rand(w) % 100 < pct) {
			struct timespec soon;
			clock_gettime(CLOCK_MONOTONIC, &soon);
			soon.tv_nsec += BENCH_TIMED_SHORT_NS;
			if (soon.tv_nsec >= 1000000000L) {
				soon.tv_sec++;
				soon.tv_nsec -= 1000000000L;
			}
			rc = tacq(lock, c, &soon);
		} else {
			rc = tacq(lock, c, &far);
		}
		if (rc != 0) {
			timeouts++;
			continue;
		}
		j->check_count++; /* plain: the mutual-exclusion check */
		rel(lock, c);
		n++;
	}
	/* relaxed: read by the controller after the trial's join. */
	atomic_fetch_add_explicit(&j->timeouts, timeouts, memory_order_relaxed);
	atomic_fetch_add_explicit(&j->attempts, timeouts + n,
				  memory_order_relaxed);
	w->ops_total = n;
}

typedef void (*cond_wait_op)(struct lock_job *j, void *lock, union lock_ctx *c,
			     int cv);
typedef void (*cond_signal_op)(struct lock_job *j, int cv);

/*
 * Condition-variable hand-off: even workers produce, odd ones consume,
 * through the job's 16-slot buffer, signalling the other side on every
 * put and take.  Counts items consumed (producers count none).  A thread
 * that sees the trial stop marks the job stopping and wakes everyone (a
 * producer and a consumer cannot both be asleep: the buffer cannot be
 * full and empty at once, so someone is awake to see the stop).
 */
BENCH_INLINE void lock_cond_loop(struct trial *t, struct worker *w,
				 struct lock_job *j, union lock_ctx *c,
				 lock_op acq, lock_op rel, cond_wait_op wait,
				 cond_signal_op signal, cond_signal_op broadcast)
{
	void *lock = j->lock;
	const bool producer = w->index % 2 == 0;
	uint64_t n = 0, item = 0;
	acq(lock, c);
	for (;;) {
		if (!trial_poll(t, w, n) && !j->stopping) {
			j->stopping = true;
			broadcast(j, 0);
			broadcast(j, 1);
		}
		if (j->stopping)
			break;
		if (producer) {
			if (j->count == 16) {
				wait(j, lock, c, 0);
				continue;
			}
			j->buffer[(j->first + j->count) % 16] = (unsigned)item++;
			j->count++;
			j->produced++;
			signal(j, 1);
		} else {
			if (j->count == 0) {
				wait(j, lock, c, 1);
				continue;
			}
			j->first = (j->first + 1) % 16;
			j->count--;
			j->check_count++;
			n++;
			signal(j, 0);
		}
		rel(lock, c);
		acq(lock, c);
	}
	rel(lock, c);
	w->ops_total = n;
}

/* The timed loop of a series that defines id##_tacq. */
#define LOCK_SERIES_TIMED(id)                                              \
	static void id##_timed(struct trial *t, struct worker *w,          \
			       struct lock_job *j, union lock_ctx *c)      \
	{                                                                  \
		lock_timed_loop(t, w, j, c, id##_tacq, id##_rel);          \
	}

/* The hand-off loop of a series that defines id##_cwait, id##_csignal
 * and id##_cbroadcast. */
#define LOCK_SERIES_COND(id)                                               \
	static void id##_cond(struct trial *t, struct worker *w,           \
			      struct lock_job *j, union lock_ctx *c)       \
	{                                                                  \
		lock_cond_loop(t, w, j, c, id##_acq, id##_rel, id##_cwait, \
			       id##_csignal, id##_cbroadcast);             \
	}

#define LOCK_SERIES_LOOPS(id)                                              \
	static void id##_run(struct trial *t, struct worker *w,            \
			     struct lock_job *j, union lock_ctx *c)        \
	{                                                                  \
		lock_loop(t, w, j, c, id##_acq, id##_rel);                 \
	}                                                                  \
	static void id##_tight(struct trial *t, struct worker *w,          \
			       struct lock_job *j, union lock_ctx *c)      \
	{                                                                  \
		lock_tight(t, w, j, c, id##_acq, id##_rel);                \
	}                                                                  \
	static void id##_read(struct trial *t, struct worker *w,           \
			      struct lock_job *j, union lock_ctx *c)       \
	{                                                                  \
		lock_read(t, w, j, c, id##_acq, id##_rel);                 \
	}

#define LOCK_SERIES_FNS(id) .run = id##_run, .tight = id##_tight, .read = id##_read

#endif /* BENCH_LOCK_LOOPS_H */
