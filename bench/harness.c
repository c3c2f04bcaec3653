/*
 * bench/harness.c - see harness.h.
 *
 * The pool's hand-off (job in, done out) uses a pthread mutex and condition
 * variables: it is off the measured path and keeps idle workers asleep.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define _LGPL_SOURCE
#include <urcu/urcu-memb.h>

static struct pool {
	const struct topology *topo;
	unsigned nworkers;
	bool rcu;
	pthread_t *threads;
	struct worker *workers; /* aligned array, one line each */
	pthread_mutex_t mu;
	pthread_cond_t go, done;
	uint64_t generation;  /* bumped per trial, under mu */
	struct trial *trial;  /* NULL with a new generation: exit */
	/* The trial's thread count, copied under mu: a worker outside the
	 * trial must not read *trial, which may be gone (see worker_main). */
	unsigned nthreads;
	unsigned finished;    /* workers done with this generation */
	/* Workers that finished their setup for this trial. */
	USYNC_ALIGNED _Atomic(unsigned) ready;
} pool;

uint64_t bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void bench_sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000ull),
			       (long)(ns % 1000000000ull) };
	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) != 0)
		;
}

uint64_t bench_thread_csw(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_THREAD, &ru) != 0)
		return 0;
	return (uint64_t)ru.ru_nvcsw + (uint64_t)ru.ru_nivcsw;
}

static double spin_per_ns;

double bench_spin_per_ns(void)
{
	if (spin_per_ns > 0)
		return spin_per_ns;
	struct worker w = { .sink = 1 };
	/* Best of a few bursts: preemption only makes a burst slower. */
	double best = INFINITY;
	const uint64_t n = 200000;
	for (int round = 0; round < 7; round++) {
		uint64_t t0 = bench_now_ns();
		bench_spin(&w, n);
		double dt = (double)(bench_now_ns() - t0);
		if (dt < best)
			best = dt;
	}
	spin_per_ns = (double)n / (best > 1 ? best : 1);
	return spin_per_ns;
}

uint64_t bench_iters(double ns)
{
	return (uint64_t)llround(ns * bench_spin_per_ns());
}

bool trial_phase_changed(struct trial *t, struct worker *w, unsigned phase,
			 uint64_t ops)
{
	(void)t;
	uint64_t csw = phase >= PH_MEASURE ? bench_thread_csw() : 0;
	if (phase >= PH_MEASURE && w->seen_phase < PH_MEASURE) {
		w->ops_at_measure = ops;
		w->csw_at_measure = csw;
	}
	if (phase == PH_STOP) {
		w->ops_at_stop = ops;
		w->csw_at_stop = csw;
	}
	w->seen_phase = phase;
	return phase != PH_STOP;
}

static void run_share(struct trial *t, struct worker *w)
{
	int cpu = t->cpus[w->index];
	if (w->cpu != cpu) {
		if (topo_pin_self(pool.topo, cpu) == 0)
			w->cpu = cpu;
		else
			fprintf(stderr, "usync-bench: cannot pin to CPU %d\n", cpu);
	}
	w->seen_phase = PH_IDLE;
	w->ops_at_measure = w->ops_at_stop = w->ops_total = 0;
	w->csw_at_measure = w->csw_at_stop = 0;
	w->wait_max_ns = 0;
	w->rng = 0x9e3779b97f4a7c15ull * (w->index + 1) ^ bench_now_ns();
	if (w->rng == 0)
		w->rng = 1;
	w->local = NULL;
	if (t->setup)
		t->setup(t, w);
	/* release: our setup (and the job's shared state it wrote) is
	 * visible to the controller, which acquires `ready` before it opens
	 * the start gate; the gate's acquire below then orders every
	 * worker's setup before every body. */
	atomic_fetch_add_explicit(&pool.ready, 1, memory_order_release);
	/* acquire: pairs with the controller's release store of WARMUP,
	 * which it made after seeing every worker ready. */
	while (atomic_load_explicit(&t->phase, memory_order_acquire) == PH_IDLE)
		sched_yield(); /* oversubscribed: let the others get ready */
	t->body(t, w);
	if (t->teardown)
		t->teardown(t, w);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned id = w->index;
	uint64_t seen = 0;
	if (pool.rcu)
		urcu_memb_register_thread();
	pthread_mutex_lock(&pool.mu);
	for (;;) {
		while (pool.generation == seen)
			pthread_cond_wait(&pool.go, &pool.mu);
		seen = pool.generation;
		struct trial *t = pool.trial;
		if (t == NULL)
			break;
		/* Not in this trial.  The trial need not wait for us, so by
		 * the time we wake it may have ended and its struct (on the
		 * controller's stack) be gone: use the copy. */
		if (id >= pool.nthreads)
			continue;
		pthread_mutex_unlock(&pool.mu);
		w->index = id;
		run_share(t, w);
		pthread_mutex_lock(&pool.mu);
		if (++pool.finished == t->nthreads)
			pthread_cond_signal(&pool.done);
	}
	pthread_mutex_unlock(&pool.mu);
	if (pool.rcu)
		urcu_memb_unregister_thread();
	return NULL;
}

int harness_init(const struct topology *topo, unsigned max_threads, bool rcu)
{
	memset(&pool, 0, sizeof pool);
	pool.topo = topo;
	pool.rcu = rcu;
	pool.nworkers = max_threads;
	pool.threads = calloc(max_threads, sizeof *pool.threads);
	pool.workers = aligned_alloc(USYNC_CACHELINE,
				     sizeof *pool.workers * max_threads);
	if (pool.threads == NULL || pool.workers == NULL)
		return -1;
	memset(pool.workers, 0, sizeof *pool.workers * max_threads);
	pthread_mutex_init(&pool.mu, NULL);
	pthread_cond_init(&pool.go, NULL);
	pthread_cond_init(&pool.done, NULL);
	atomic_init(&pool.ready, 0);
	bench_spin_per_ns();
	for (unsigned i = 0; i < max_threads; i++) {
		pool.workers[i].index = i;
		pool.workers[i].cpu = -1;
		if (pthread_create(&pool.threads[i], NULL, worker_main,
				   &pool.workers[i]) != 0) {
			fprintf(stderr, "usync-bench: cannot create thread %u\n", i);
			pool.nworkers = i;
			return -1;
		}
	}
	return 0;
}

void harness_fini(void)
{
	pthread_mutex_lock(&pool.mu);
	pool.trial = NULL;
	pool.generation++;
	pthread_cond_broadcast(&pool.go);
	pthread_mutex_unlock(&pool.mu);
	for (unsigned i = 0; i < pool.nworkers; i++)
		pthread_join(pool.threads[i], NULL);
	free(pool.threads);
	free(pool.workers);
}

void harness_run(struct trial *t)
{
	/* relaxed: not shared until the mutex hand-off below publishes it. */
	atomic_store_explicit(&t->phase, PH_IDLE, memory_order_relaxed);
	atomic_store_explicit(&pool.ready, 0, memory_order_relaxed);
	t->workers = pool.workers;
	pthread_mutex_lock(&pool.mu);
	pool.trial = t;
	pool.nthreads = t->nthreads;
	pool.finished = 0;
	pool.generation++;
	pthread_cond_broadcast(&pool.go);
	pthread_mutex_unlock(&pool.mu);

	/* acquire: pairs with each worker's release increment after its
	 * setup. */
	while (atomic_load_explicit(&pool.ready, memory_order_acquire) <
	       t->nthreads)
		bench_sleep_ns(20000);
	/* release: opens the start gate (see run_share). */
	atomic_store_explicit(&t->phase, PH_WARMUP, memory_order_release);
	bench_sleep_ns(t->warmup_ns);
	uint64_t t0 = bench_now_ns();
	/* relaxed: a hint; see trial_poll. */
	atomic_store_explicit(&t->phase, PH_MEASURE, memory_order_relaxed);
	bench_sleep_ns(t->measure_ns);
	/* relaxed: a hint; see trial_poll. */
	atomic_store_explicit(&t->phase, PH_STOP, memory_order_relaxed);
	uint64_t t_stop = bench_now_ns();
	t->wall_ns = t_stop - t0;

	/* The mutex orders every worker's counts before our reads.  Every
	 * worker finishes the operation it is in (an acquisition, a barrier
	 * episode) before it sees STOP, so this waits at most one operation
	 * per thread: under oversubscribed pure spinning that is a few
	 * scheduler slices each, bounded; stop_lag_ns records it. */
	pthread_mutex_lock(&pool.mu);
	while (pool.finished < t->nthreads)
		pthread_cond_wait(&pool.done, &pool.mu);
	pthread_mutex_unlock(&pool.mu);
	t->stop_lag_ns = bench_now_ns() - t_stop;
}

void trial_stats(const struct trial *t, struct trial_stats *s)
{
	double sum = 0, sumsq = 0;
	s->ops = 0;
	s->min = UINT64_MAX;
	s->max = 0;
	s->csw = 0;
	s->wait_max_ns = 0;
	for (unsigned i = 0; i < t->nthreads; i++) {
		const struct worker *w = &t->workers[i];
		uint64_t n = w->ops_at_stop - w->ops_at_measure;
		s->ops += n;
		/* A worker that saw MEASURE but left without seeing STOP
		 * (none of the bodies does) contributes no switches. */
		if (w->csw_at_stop > w->csw_at_measure)
			s->csw += w->csw_at_stop - w->csw_at_measure;
		if (w->wait_max_ns > s->wait_max_ns)
			s->wait_max_ns = w->wait_max_ns;
		if (n < s->min)
			s->min = n;
		if (n > s->max)
			s->max = n;
		sum += (double)n;
		sumsq += (double)n * (double)n;
	}
	double mean = sum / t->nthreads;
	double var = sumsq / t->nthreads - mean * mean;
	s->cv = mean > 0 && var > 0 ? sqrt(var) / mean : 0;
}
