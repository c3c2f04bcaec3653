/*
 * bench/harness.h - worker threads, pinning, the trial loop and timing.
 *
 * A pool of worker threads is created once per run.  A trial hands a job
 * to the first `nthreads` workers, each pinned to its CPU from the trial's
 * list; they run the job's per-thread setup, wait together on the start
 * flag, then run the body until the stop phase:
 *
 *   IDLE -> WARMUP (excluded) -> MEASURE (timed by the controller) -> STOP
 *
 * Bodies poll the phase with trial_poll() between operations: a relaxed
 * load of a line that is written three times per trial, so it stays in
 * every worker's cache and the hot loop makes no shared write of its own.
 * Each worker records its operation count when it first sees MEASURE and
 * when it first sees STOP; a trial's operations are the sum of the
 * differences, its time the controller's MEASURE..STOP interval.  At the
 * same two moments it also reads its own context-switch count
 * (getrusage(RUSAGE_THREAD): voluntary + involuntary), so a trial's
 * switches are counted over the same per-thread interval as its ops.
 */
#ifndef BENCH_HARNESS_H
#define BENCH_HARNESS_H

#include "topology.h"

#include <usync/atomics.h>

#include <stdint.h>

#define BENCH_INLINE static inline __attribute__((always_inline))

enum trial_phase { PH_IDLE, PH_WARMUP, PH_MEASURE, PH_STOP };

/* Per-worker state, one cache line (or more) each. */
struct worker {
	USYNC_ALIGNED unsigned index; /* 0 .. nthreads-1 in this trial */
	int cpu;                      /* OS CPU it is bound to, -1 none */
	unsigned seen_phase;
	uint64_t ops_at_measure, ops_at_stop, ops_total;
	/* Context switches (nvcsw + nivcsw) when it first saw MEASURE and
	 * STOP; recorded by trial_phase_changed, off the hot loop. */
	uint64_t csw_at_measure, csw_at_stop;
	/* Longest wait for one acquisition in the interval, ns, where the
	 * body times them (readmostly reads<P>: write acquisitions). */
	uint64_t wait_max_ns;
	uint64_t rng;   /* xorshift64 state, private */
	uint64_t sink;  /* private scratch for calibrated work */
	void *local;    /* the job's per-thread state */
};

struct trial;
typedef void (*trial_fn)(struct trial *t, struct worker *w);

struct trial {
	unsigned nthreads;
	const int *cpus;      /* nthreads OS CPU ids */
	trial_fn setup;       /* per thread, before the start; may be NULL */
	trial_fn body;        /* per thread, until trial_poll says stop */
	trial_fn teardown;    /* per thread, after the body; may be NULL */
	void *job;
	uint64_t warmup_ns, measure_ns;
	/* Written by the controller only; polled by every body. */
	USYNC_ALIGNED _Atomic(unsigned) phase;
	/* Results, valid after harness_run. */
	USYNC_ALIGNED uint64_t wall_ns;
	uint64_t stop_lag_ns; /* STOP to the last worker done */
	struct worker *workers; /* the pool's, nthreads of them */
};

/* Start the pool: max_threads workers.  0 or -1.  With rcu, every worker
 * registers itself as an RCU reader thread (liburcu) for its lifetime. */
int harness_init(const struct topology *topo, unsigned max_threads, bool rcu);
void harness_fini(void);

/* Run one trial; returns after every worker has finished its teardown. */
void harness_run(struct trial *t);

/* Slow half of trial_poll: record the counts at a phase change. */
bool trial_phase_changed(struct trial *t, struct worker *w, unsigned phase,
			 uint64_t ops);

/* true while the trial runs; n is the worker's operation count so far. */
BENCH_INLINE bool trial_poll(struct trial *t, struct worker *w, uint64_t n)
{
	/* relaxed: a phase is a hint to stop or to start counting; the only
	 * data that crosses threads through it is the count in this worker's
	 * own slot, which harness_run reads after the done handshake. */
	unsigned ph = atomic_load_explicit(&t->phase, memory_order_relaxed);
	if (USYNC_LIKELY(ph == w->seen_phase))
		return true;
	return trial_phase_changed(t, w, ph, n);
}

/* Operations and context switches in the measured interval, summed over
 * workers, and the fairness figures of the per-worker counts. */
struct trial_stats {
	uint64_t ops, min, max;
	double cv;
	uint64_t csw;
	uint64_t wait_max_ns; /* the largest worker wait_max_ns */
};
void trial_stats(const struct trial *t, struct trial_stats *s);

/* ---- calibrated private work ---- */

/* Spin for `iters` iterations of a loop on private data. */
BENCH_INLINE void bench_spin(struct worker *w, uint64_t iters)
{
	uint64_t x = w->sink;
	for (uint64_t i = 0; i < iters; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		__asm__ __volatile__("" : "+r"(x)); /* keep the loop */
	}
	w->sink = x;
}

/* Iterations of bench_spin per nanosecond (calibrated once). */
double bench_spin_per_ns(void);
/* bench_spin iterations that take about ns nanoseconds. */
uint64_t bench_iters(double ns);

/* xorshift64: cheap per-thread random numbers. */
BENCH_INLINE uint64_t bench_rand(struct worker *w)
{
	uint64_t x = w->rng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	w->rng = x;
	return x;
}

uint64_t bench_now_ns(void);
/* The calling thread's context switches so far: voluntary (it blocked,
 * e.g. a futex sleep) plus involuntary (it was preempted; on Linux a
 * sched_yield that switches counts here).  A system call: not for hot
 * loops. */
uint64_t bench_thread_csw(void);
void bench_sleep_ns(uint64_t ns);

#endif /* BENCH_HARNESS_H */
