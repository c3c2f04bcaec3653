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
