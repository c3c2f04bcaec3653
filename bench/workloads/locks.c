/*
 * bench/workloads/locks.c - the lock workload (MCS'91 section 4: every
 * thread loops acquire, critical section, release, delay) and the
 * uncontended one (one thread, acquire + release back to back).
 *
 * Metric: wall time of the measured interval / total acquisitions in it,
 * MCS'91's "time per acquisition".  Mutual exclusion is checked by a plain
 * counter incremented in every critical section of the whole trial.
 */
#include "workloads.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *workload_name(enum workload w)
{
	static const char *const names[] = { "uncontended", "lock", "barrier",
					     "readmostly", "handoff", "timed",
					     "cond" };
	return names[w];
}

void result_from_trial(const struct trial *t, struct point_result *r)
{
	struct trial_stats s;
	trial_stats(t, &s);
	r->duration_ns = t->wall_ns;
	r->ops = s.ops;
	/* No operation completed in the interval (possible when spinning
	 * oversubscribed): an operation took at least the interval, which
	 * is what ns_per_op reports then (a floor). */
	r->ns_per_op = (double)t->wall_ns / (double)(s.ops ? s.ops : 1);
	r->stop_lag_ns = t->stop_lag_ns;
	r->ops_per_s = t->wall_ns ? (double)s.ops * 1e9 / (double)t->wall_ns : 0;
	r->fair_min = s.min;
	r->fair_max = s.max;
	r->fair_cv = s.cv;
	/* Over the same per-thread interval as ops; with no op completed,
	 * per one op (a floor, as ns_per_op). */
	r->csw_per_op = (double)s.csw / (double)(s.ops ? s.ops : 1);
	r->wait_max_ns = NAN; /* a workload that times waits sets it */
}

/* Per-thread context lives on the worker's own line-aligned heap block. */
struct lock_local {
	union lock_ctx ctx;
	int ctx_err;
};

static void lock_setup(struct trial *t, struct worker *w)
{
	struct lock_job *j = t->job;
	struct lock_local *l = bench_alloc_lines(sizeof *l);
	w->local = l;
	if (l == NULL)
		return;
	if (j->series->ctx_init)
		l->ctx_err = j->series->ctx_init(j->lock, &l->ctx);
}

static void lock_teardown(struct trial *t, struct worker *w)
{
	struct lock_job *j = t->job;
	struct lock_local *l = w->local;
	if (l && l->ctx_err == 0 && j->series->ctx_fini)
		j->series->ctx_fini(j->lock, &l->ctx);
	free(l);
	w->local = NULL;
}

static void lock_body(struct trial *t, struct worker *w)
{
	struct lock_job *j = t->job;
	struct lock_local *l = w->local;
	if (l == NULL || l->ctx_err) /* cannot take part: count nothing */
		return;
	j->series->run(t, w, j, &l->ctx);
}

static void tight_body(struct trial *t, struct worker *w)
{
	struct lock_job *j = t->job;
	struct lock_local *l = w->local;
	if (l == NULL || l->ctx_err)
		return;
	j->series->tight(t, w, j, &l->ctx);
}

static void timed_body(struct trial *t, struct worker *w)
{
	struct lock_job *j = t->job;
	struct lock_local *l = w->local;
	if (l == NULL || l->ctx_err)
		return;
	j->series->timed(t, w, j, &l->ctx);
}

static void cond_body(struct trial *t, struct worker *w)
{
	struct lock_job *j = t->job;
	struct lock_local *l = w->local;
	if (l == NULL || l->ctx_err)
		return;
	j->series->cond(t, w, j, &l->ctx);
}

static void run_with(const struct point *p, const struct run_config *c,
		     struct point_result *r, trial_fn body)
{
	memset(r, 0, sizeof *r);
	struct lock_job *j = bench_alloc_lines(sizeof *j);
	if (j == NULL) {
		r->error = "out of memory";
		return;
	}
	j->series = p->lock;
	j->cs = p->cs_kind;
	j->delay_iters_2d = p->delay_ns ? bench_iters(2.0 * p->delay_ns) : 0;
	j->work_iters = bench_iters(100.0);
	j->abort_pct = p->abort_pct;
	for (int i = 0; i < 2; i++) {
		usync_cond_init(&j->cond[i]);
		pthread_cond_init(&j->pcond[i], NULL);
	}
	int policy = p->lock->policy;
	if (p->lock->create(&j->lock, p->nthreads, policy) != 0) {
		free(j);
		r->error = "lock create failed";
		return;
	}
	struct trial t = {
		.nthreads = p->nthreads, .cpus = p->cpus, .setup = lock_setup,
		.body = body, .teardown = lock_teardown, .job = j,
		.warmup_ns = c->warmup_ns, .measure_ns = c->measure_ns,
	};
	harness_run(&t);
	result_from_trial(&t, r);
	uint64_t total = 0;
	for (unsigned i = 0; i < t.nthreads; i++)
		total += t.workers[i].ops_total;
	r->ok = j->check_count == total;
	/* relaxed: written before the trial's join. */
	uint64_t attempts = atomic_load_explicit(&j->attempts,
						 memory_order_relaxed);
	r->timeout_frac = attempts ? (double)atomic_load_explicit(
					     &j->timeouts, memory_order_relaxed) /
					     (double)attempts
				   : 0;
	if (body == cond_body && j->produced != j->check_count + j->count) {
		fprintf(stderr,
			"\n*** usync-bench: HAND-OFF LOST ITEMS: %s: %llu "
			"produced, %llu consumed, %u left ***\n",
			p->name, (unsigned long long)j->produced,
			(unsigned long long)j->check_count, j->count);
		r->ok = false;
	}
	if (!r->ok)
		fprintf(stderr,
			"\n*** usync-bench: MUTUAL EXCLUSION FAILED: %s: %llu "
			"critical sections counted, %llu acquisitions ***\n",
			p->name, (unsigned long long)j->check_count,
			(unsigned long long)total);
	p->lock->destroy(j->lock);
	for (int i = 0; i < 2; i++) {
		usync_cond_destroy(&j->cond[i]);
		pthread_cond_destroy(&j->pcond[i]);
	}
	free(j);
}

void run_lock_trial(const struct point *p, const struct run_config *c,
		    struct point_result *r)
{
	run_with(p, c, r, lock_body);
}

void run_uncontended_trial(const struct point *p, const struct run_config *c,
			   struct point_result *r)
{
	run_with(p, c, r, tight_body);
}

void run_timed_trial(const struct point *p, const struct run_config *c,
		     struct point_result *r)
{
	run_with(p, c, r, timed_body);
}

void run_cond_trial(const struct point *p, const struct run_config *c,
		    struct point_result *r)
{
	run_with(p, c, r, cond_body);
}
