/*
 * bench/workloads/barriers.c - the barrier workload: every thread passes
 * episode after episode, with no work between episodes or with skewed
 * random work (0..2 us per thread per episode, mean 1 us).
 *
 * Stopping without stranding anyone at a barrier: only thread 0 polls the
 * trial phase.  When it sees STOP with e episodes completed, it publishes
 * stop_after = e + 1 before entering episode e; every thread breaks out
 * once it has completed stop_after episodes.  The others read stop_after
 * after leaving each episode; they leave episode e only after thread 0
 * entered it, so they all see the value by then and all stop after the
 * same episode.  (Seeing it earlier is harmless: they still run to e + 1.)
 *
 * Metric: measured wall time / episodes thread 0 completed in it.  The
 * other threads poll the phase too, for the record only (their context
 * switches over the interval: trial_phase_changed); what they do with the
 * answer is still decided by stop_after alone.
 */
#include "workloads.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct barrier_job {
	const struct barrier_series *series;
	void *barrier;
	uint64_t skew_iters; /* 2 us of calibrated work; 0 when not skewed */
	USYNC_ALIGNED _Atomic(uint64_t) stop_after;
	USYNC_ALIGNED _Atomic(int) init_failed;
};

static void barrier_setup(struct trial *t, struct worker *w)
{
	struct barrier_job *j = t->job;
	void *state = NULL;
	if (j->series->thread_init(j->barrier, w->index, &state) != 0)
		/* relaxed: read after the trial's join. */
		atomic_store_explicit(&j->init_failed, 1, memory_order_relaxed);
	w->local = state;
}

static void barrier_teardown(struct trial *t, struct worker *w)
{
	struct barrier_job *j = t->job;
	j->series->thread_fini(j->barrier, w->local);
	w->local = NULL;
}

static void barrier_body(struct trial *t, struct worker *w)
{
	struct barrier_job *j = t->job;
	const struct barrier_series *s = j->series;
	void *b = j->barrier, *state = w->local;
	const unsigned tid = w->index;
	const uint64_t skew = j->skew_iters;
	bool stopping = false;
	uint64_t e = 0; /* episodes completed */
	for (;;) {
		if (tid != 0)
			(void)trial_poll(t, w, e); /* records only */
		else if (!stopping && !trial_poll(t, w, e)) {
			stopping = true;
			/* release: pairs with the acquire load below in every
			 * thread; the barrier episode e orders it before their
			 * loads after that episode in any case. */
			atomic_store_explicit(&j->stop_after, e + 1,
					      memory_order_release);
		}
		if (skew)
			bench_spin(w, bench_rand(w) % (skew + 1));
		s->wait(b, state, tid);
		e++;
		/* acquire: pairs with thread 0's release store above. */
		if (e >= atomic_load_explicit(&j->stop_after,
					      memory_order_acquire))
			break;
	}
	w->ops_total = e;
	/* A thread can leave on stop_after before its own poll saw STOP (it
	 * will see it now: thread 0 saw it before publishing stop_after). */
	if (w->seen_phase != PH_STOP)
		trial_phase_changed(t, w, PH_STOP, e);
	if (tid != 0) /* only thread 0 counts; the rest mirror it below */
		w->ops_at_measure = w->ops_at_stop = 0;
}

void run_barrier_trial(const struct point *p, const struct run_config *c,
		       struct point_result *r)
{
	memset(r, 0, sizeof *r);
	struct barrier_job *j = bench_alloc_lines(sizeof *j);
	if (j == NULL) {
		r->error = "out of memory";
		return;
	}
	j->series = p->barrier;
	j->skew_iters = p->skewed ? bench_iters(2000.0) : 0;
	atomic_init(&j->stop_after, UINT64_MAX);
	atomic_init(&j->init_failed, 0);
	int err = p->barrier->create(&j->barrier, p->nthreads,
				     p->barrier->policy, p->barrier->algorithm);
	if (err != 0) {
		if (j->barrier && err == ENOMEM)
			p->barrier->destroy(j->barrier);
		free(j);
		r->error = "barrier create failed";
		return;
	}
	struct trial t = {
		.nthreads = p->nthreads, .cpus = p->cpus,
		.setup = barrier_setup, .body = barrier_body,
		.teardown = barrier_teardown, .job = j,
		.warmup_ns = c->warmup_ns, .measure_ns = c->measure_ns,
	};
	harness_run(&t);
	struct worker *w0 = &t.workers[0];
	uint64_t episodes = w0->ops_at_stop - w0->ops_at_measure;
	r->duration_ns = t.wall_ns;
	r->ops = episodes;
	/* No episode in the interval: report the interval (a floor). */
	r->ns_per_op = (double)t.wall_ns / (double)(episodes ? episodes : 1);
	r->stop_lag_ns = t.stop_lag_ns;
	r->ops_per_s = t.wall_ns ? (double)episodes * 1e9 / (double)t.wall_ns
				 : 0;
	r->fair_min = r->fair_max = episodes;
	r->fair_cv = 0;
	/* Every thread's switches over its interval, per episode. */
	struct trial_stats s;
	trial_stats(&t, &s);
	r->csw_per_op = (double)s.csw / (double)(episodes ? episodes : 1);
	r->wait_max_ns = NAN;
	/* Every thread must have completed the same number of episodes. */
	r->ok = true;
	for (unsigned i = 1; i < t.nthreads; i++)
		if (t.workers[i].ops_total != w0->ops_total)
			r->ok = false;
	/* relaxed: written before the trial's join. */
	if (atomic_load_explicit(&j->init_failed, memory_order_relaxed))
		r->ok = false;
	p->barrier->destroy(j->barrier);
	free(j);
}
