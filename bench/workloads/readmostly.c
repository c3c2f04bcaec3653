/*
 * bench/workloads/readmostly.c - readers of a small shared structure (four
 * cache lines) under each lock, against liburcu RCU.
 *
 * Every thread reads; after every 1024th read it writes once (so writes
 * are ~0.1% of operations).  Under a lock a write stores a new value to
 * every word; under RCU it copies the structure, publishes the copy with
 * rcu_assign_pointer() and frees the old one with call_rcu(), writers
 * serialised by a pthread mutex.  Readers check that all words of what
 * they read agree (a torn read fails the point's check).
 *
 * liburcu flavour: "memb" (liburcu.so, <urcu/urcu-memb.h>): readers pay
 * only compiler barriers and a per-thread nesting count, with
 * sys_membarrier() on the update side; unlike qsbr it needs no
 * quiescent-state calls in the reader loop, so the loop is the same shape
 * as the lock loops; unlike mb it puts no fence in the read side.
 *
 * Metric: wall time / reads, and reads per second.
 *
 * Shared locks (rwlock_adapters.c) and RCU also run at a fixed read
 * fraction (point read_pct: 100, 99, 90, 50; cs "reads<pct>"): each
 * operation reads two shared lines with probability read_pct / 100, else
 * writes them (RCU: copy, publish, call_rcu).  Metric: wall time per
 * operation, reads and writes alike.  There, for P > 0, every write
 * acquisition (the write lock; RCU: the writers' mutex) is timed and the
 * longest one in the interval, over all threads, is the point's
 * wait_max_ns (rwlock_loops.h); reads0 and the 1-in-1024 points are not
 * timed (NAN).
 */
#include "workloads.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define _LGPL_SOURCE
#include <urcu/urcu-memb.h>

static double trial_wait_max(const struct trial *t)
{
	struct trial_stats s;
	trial_stats(t, &s);
	return (double)s.wait_max_ns;
}

static void rm_setup(struct trial *t, struct worker *w)
{
	struct lock_job *j = t->job;
	union lock_ctx *c = bench_alloc_lines(sizeof *c);
	w->local = c;
	if (c && j->series->ctx_init && j->series->ctx_init(j->lock, c) != 0) {
		free(c);
		w->local = NULL;
	}
}

static void rm_teardown(struct trial *t, struct worker *w)
{
	struct lock_job *j = t->job;
	if (w->local && j->series->ctx_fini)
		j->series->ctx_fini(j->lock, w->local);
	free(w->local);
	w->local = NULL;
}

static void rm_body(struct trial *t, struct worker *w)
{
	struct lock_job *j = t->job;
	if (w->local)
		j->series->read(t, w, j, w->local);
}

/* ---- RCU ---- */

#define RM_WORDS (4 * USYNC_CACHELINE / 8)

struct rcu_data {
	uint64_t words[RM_WORDS];
	struct rcu_head head;
};

struct rcu_job {
	struct rcu_data *current; /* rcu_dereference / rcu_assign_pointer */
	unsigned read_pct;        /* 0: a write after every 1024th read */
	bool time_writes;         /* as lock_job's */
	pthread_mutex_t writer;
	USYNC_ALIGNED _Atomic(unsigned) torn;
};

static void rcu_free_data(struct rcu_head *h)
{
	free(caa_container_of(h, struct rcu_data, head));
}

/* With wait_max, the writers' mutex acquisition is timed as rwlock_mix
 * times a write lock, and the longest kept there while in MEASURE. */
static void rcu_write(struct rcu_job *j, struct worker *w, uint64_t *wait_max)
{
	struct rcu_data *fresh = bench_alloc_lines(sizeof *fresh);
	if (fresh == NULL)
		return;
	if (wait_max) {
		uint64_t t0 = bench_now_ns();
		pthread_mutex_lock(&j->writer);
		uint64_t waited = bench_now_ns() - t0;
		if (w->seen_phase == PH_MEASURE && waited > *wait_max)
			*wait_max = waited;
	} else {
		pthread_mutex_lock(&j->writer);
	}
	struct rcu_data *old = j->current;
	for (unsigned i = 0; i < RM_WORDS; i++)
		fresh->words[i] = old->words[0] + 1;
	rcu_assign_pointer(j->current, fresh);
	pthread_mutex_unlock(&j->writer);
	urcu_memb_call_rcu(&old->head, rcu_free_data);
}

static void rcu_body(struct trial *t, struct worker *w)
{
	struct rcu_job *j = t->job;
	uint64_t n = 0, wait_max = 0;
	bool torn = false;
	if (j->read_pct) {
		while (trial_poll(t, w, n)) {
			if (j->read_pct >= 100 ||
			    bench_rand(w) % 100 < j->read_pct) {
				urcu_memb_read_lock();
				const struct rcu_data *d =
					rcu_dereference(j->current);
				torn |= d->words[0] !=
					d->words[USYNC_CACHELINE / 8];
				urcu_memb_read_unlock();
			} else {
				rcu_write(j, w, j->time_writes ? &wait_max
							       : NULL);
			}
			n++;
		}
		if (torn)
			/* relaxed: read after the trial's join. */
			atomic_store_explicit(&j->torn, 1,
					      memory_order_relaxed);
		w->ops_total = n;
		w->wait_max_ns = wait_max;
		return;
	}
	while (trial_poll(t, w, n)) {
		urcu_memb_read_lock();
		const struct rcu_data *d = rcu_dereference(j->current);
		uint64_t first = d->words[0], diff = 0;
		for (unsigned i = 1; i < RM_WORDS; i++)
			diff |= d->words[i] ^ first;
		urcu_memb_read_unlock();
		torn |= diff != 0;
		n++;
		if ((n & 1023) == 0)
			rcu_write(j, w, NULL);
	}
	if (torn)
		/* relaxed: read by the controller after the trial's join. */
		atomic_store_explicit(&j->torn, 1, memory_order_relaxed);
	w->ops_total = n;
}

static void rcu_teardown(struct trial *t, struct worker *w)
{
	(void)t;
	if (w->index == 0)
		urcu_memb_barrier(); /* run every pending free */
}

static void run_rcu(const struct point *p, const struct run_config *c,
		    struct point_result *r)
{
	struct rcu_job *j = bench_alloc_lines(sizeof *j);
	if (j == NULL || (j->current = bench_alloc_lines(sizeof *j->current)) ==
				 NULL) {
		free(j);
		r->error = "out of memory";
		return;
	}
	pthread_mutex_init(&j->writer, NULL);
	atomic_init(&j->torn, 0);
	j->read_pct = p->read_pct;
	j->time_writes = p->read_pct > 0;
	struct trial t = {
		.nthreads = p->nthreads, .cpus = p->cpus, .body = rcu_body,
		.teardown = rcu_teardown, .job = j,
		.warmup_ns = c->warmup_ns, .measure_ns = c->measure_ns,
	};
	harness_run(&t);
	result_from_trial(&t, r);
	if (j->time_writes)
		r->wait_max_ns = trial_wait_max(&t);
	/* relaxed: written before the trial's join. */
	r->ok = atomic_load_explicit(&j->torn, memory_order_relaxed) == 0;
	free(j->current);
	pthread_mutex_destroy(&j->writer);
	free(j);
}

void run_readmostly_trial(const struct point *p, const struct run_config *c,
			  struct point_result *r)
{
	memset(r, 0, sizeof *r);
	if (p->lock == NULL) {
		run_rcu(p, c, r);
		return;
	}
	struct lock_job *j = bench_alloc_lines(sizeof *j);
	if (j == NULL) {
		r->error = "out of memory";
		return;
	}
	j->series = p->lock;
	j->read_pct = p->read_pct;
	j->time_writes = p->read_pct > 0;
	atomic_init(&j->rm_torn, 0);
	if (p->lock->create(&j->lock, p->nthreads, p->lock->policy) != 0) {
		free(j);
		r->error = "lock create failed";
		return;
	}
	struct trial t = {
		.nthreads = p->nthreads, .cpus = p->cpus, .setup = rm_setup,
		.body = rm_body, .teardown = rm_teardown, .job = j,
		.warmup_ns = c->warmup_ns, .measure_ns = c->measure_ns,
	};
	harness_run(&t);
	result_from_trial(&t, r);
	if (j->time_writes)
		r->wait_max_ns = trial_wait_max(&t);
	/* relaxed: written before the trial's join. */
	r->ok = atomic_load_explicit(&j->rm_torn, memory_order_relaxed) == 0;
	p->lock->destroy(j->lock);
	free(j);
}
