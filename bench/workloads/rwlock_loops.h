/*
 * bench/workloads/rwlock_loops.h - the read-mostly workload's loop for
 * shared (reader-writer) locks, written once and instantiated per series
 * (RWLOCK_SERIES_LOOP) so that each series' four operations are inlined.
 *
 * Each operation is a read with probability read_pct / 100, else a write.
 * A read reads two shared lines (the first word of each) under the read
 * lock; a write gives both the same new value under the write lock.  A
 * reader that sees them differ flags rm_torn.  Counts operations (reads
 * and writes).
 *
 * With j->time_writes, each write acquisition is timed, from just before
 * the write-lock call to just after it returns (bench_now_ns, the same for
 * every series, peers included, so their ratios stay fair), and the
 * longest one in the measured interval is left in w->wait_max_ns.  An
 * operation belongs to the interval when the poll before it saw MEASURE,
 * as for the op counts.
 *
 * An adapter defines, before RWLOCK_SERIES_LOOP(id):
 *   static inline void id##_racq / id##_rrel / id##_wacq / id##_wrel
 *       (void *lock, union lock_ctx *c);
 */
#ifndef BENCH_RWLOCK_LOOPS_H
#define BENCH_RWLOCK_LOOPS_H

#include "../adapters.h"

typedef void (*rw_op)(void *lock, union lock_ctx *c);

BENCH_INLINE void rwlock_mix(struct trial *t, struct worker *w,
			     struct lock_job *j, union lock_ctx *c, rw_op racq,
			     rw_op rrel, rw_op wacq, rw_op wrel)
{
	void *lock = j->lock;
	const unsigned pct = j->read_pct;
	uint64_t *a = &j->rm_words[0];
	uint64_t *b = &j->rm_words[USYNC_CACHELINE / sizeof(uint64_t)];
	const bool timed = j->time_writes;
	uint64_t n = 0, wait_max = 0;
	bool torn = false;
	while (trial_poll(t, w, n)) {
		if (pct >= 100 || bench_rand(w) % 100 < pct) {
			racq(lock, c);
			uint64_t x = *a, y = *b; /* plain: the lock orders */
			rrel(lock, c);
			torn |= x != y;
		} else if (timed) {
			uint64_t t0 = bench_now_ns();
			wacq(lock, c);
			uint64_t waited = bench_now_ns() - t0;
			if (w->seen_phase == PH_MEASURE && waited > wait_max)
				wait_max = waited;
			uint64_t v = *a + 1;
			*a = v;
			*b = v;
			wrel(lock, c);
		} else {
			wacq(lock, c);
			uint64_t v = *a + 1;
			*a = v;
			*b = v;
			wrel(lock, c);
		}
		n++;
	}
	if (torn)
		/* relaxed: read by the controller after the trial's join. */
		atomic_store_explicit(&j->rm_torn, 1, memory_order_relaxed);
	w->ops_total = n;
	w->wait_max_ns = wait_max;
}

#define RWLOCK_SERIES_LOOP(id)                                             \
	static void id##_mix(struct trial *t, struct worker *w,            \
			     struct lock_job *j, union lock_ctx *c)        \
	{                                                                  \
		rwlock_mix(t, w, j, c, id##_racq, id##_rrel, id##_wacq,    \
			   id##_wrel);                                     \
	}

#endif /* BENCH_RWLOCK_LOOPS_H */
