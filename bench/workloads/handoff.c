/*
 * bench/workloads/handoff.c - the hardware floor: two threads pinned at a
 * given distance ping-pong one cache line.  Thread 0 waits for turn == 0
 * and writes 1; thread 1 waits for 1 and writes 0.  Each hand-over moves
 * the line once; one-way transfer time = wall / hand-overs (a round trip
 * is two).  A waiter also watches the trial phase so that neither is left
 * waiting for a partner that has stopped.
 *
 * Waiters spin without a pause hint (a PAUSE is ~26 ns on the EPYC parts
 * we measure, the same order as a transfer), except SMT siblings, which
 * share a core and relax so as not to starve each other.
 */
#include "workloads.h"

#include <stdlib.h>
#include <string.h>

struct handoff_job {
	USYNC_ALIGNED _Atomic(unsigned) turn;
	bool relax;
};

static void handoff_body(struct trial *t, struct worker *w)
{
	struct handoff_job *j = t->job;
	const unsigned me = w->index, other = me ^ 1u;
	uint64_t n = 0;
	while (trial_poll(t, w, n)) {
		/* acquire: pairs with the partner's release store; the
		 * payload is the line itself, the order only makes the
		 * ping-pong a proper hand-over. */
		while (atomic_load_explicit(&j->turn, memory_order_acquire) !=
		       me) {
			/* relaxed: see trial_poll. */
			if (atomic_load_explicit(&t->phase,
						 memory_order_relaxed) == PH_STOP) {
				trial_phase_changed(t, w, PH_STOP, n);
				goto out;
			}
			if (j->relax)
				usync_cpu_relax();
		}
		/* release: pairs with the partner's acquire load above. */
		atomic_store_explicit(&j->turn, other, memory_order_release);
		n++;
	}
out:
	w->ops_total = n;
}

void run_handoff_trial(const struct point *p, const struct run_config *c,
		       struct point_result *r)
{
	memset(r, 0, sizeof *r);
	struct handoff_job *j = bench_alloc_lines(sizeof *j);
	if (j == NULL) {
		r->error = "out of memory";
		return;
	}
	atomic_init(&j->turn, 0);
	j->relax = strcmp(p->series, "hw:same-core") == 0;
	struct trial t = {
		.nthreads = 2, .cpus = p->cpus, .body = handoff_body, .job = j,
		.warmup_ns = c->warmup_ns, .measure_ns = c->measure_ns,
	};
	harness_run(&t);
	result_from_trial(&t, r);
	/* Each side's count is the hand-overs it made: the sum is the
	 * number of one-way transfers. */
	r->fair_cv = 0;
	r->ok = true;
	free(j);
}
