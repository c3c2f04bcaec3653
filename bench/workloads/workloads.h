/*
 * bench/workloads/workloads.h - one benchmark point and the functions that
 * run one trial of it, per workload.
 */
#ifndef BENCH_WORKLOADS_H
#define BENCH_WORKLOADS_H

#include "../adapters.h"

enum workload {
	W_UNCONTENDED, W_LOCK, W_BARRIER, W_READMOSTLY, W_HANDOFF, W_TIMED,
	W_COND
};

struct run_config {
	uint64_t warmup_ns, measure_ns;
};

/* One point: a series at one thread count, placement, CS and delay. */
struct point {
	enum workload workload;
	const struct lock_series *lock;       /* lock, uncontended, readmostly */
	const struct barrier_series *barrier; /* barrier */
	char series[64];
	const char *impl, *algorithm, *policy; /* spin|yield|park|- */
	unsigned nthreads;
	bool oversubscribed;
	const char *placement; /* compact | scatter | list */
	int *cpus;             /* nthreads OS CPU ids */
	const char *cs;        /* CSV cs column */
	enum cs_kind cs_kind;
	bool skewed;           /* barrier: random 0..2 us work per episode */
	unsigned delay_ns;     /* CSV delay_ns column */
	unsigned read_pct;     /* readmostly, shared locks and RCU: % reads;
				* 0 = the exclusive locks' 1-in-1024 writes */
	unsigned abort_pct;    /* timed: % of attempts with a short deadline */
	char name[256];        /* Google Benchmark name */
	unsigned reps;         /* repetitions of this point */
	bool secondary;        /* quick mode's trimmed points (config2) */
	const struct run_config *cfg; /* its trial shape */
	unsigned next_rep;
};

/* What one trial measured. */
struct point_result {
	uint64_t duration_ns, ops;
	double ns_per_op, ops_per_s;
	uint64_t fair_min, fair_max;
	double fair_cv;
	double csw_per_op;     /* context switches in the interval, summed
				* over the worker threads, per op */
	double wait_max_ns;    /* readmostly reads<P> (P > 0): the longest
				* write acquisition in the interval, the
				* maximum over threads (0: no writes); NAN
				* where not timed */
	bool ok;               /* the workload's correctness check held */
	uint64_t stop_lag_ns;  /* STOP to the last thread out (not in CSV) */
	double timeout_frac;   /* timed: attempts that timed out / attempts,
				* warm-up included (gbench.json only) */
	const char *error;     /* set when the trial could not run */
};


const char *workload_name(enum workload w);

void run_lock_trial(const struct point *p, const struct run_config *c,
		    struct point_result *r);
void run_uncontended_trial(const struct point *p, const struct run_config *c,
			   struct point_result *r);
void run_barrier_trial(const struct point *p, const struct run_config *c,
		       struct point_result *r);
void run_readmostly_trial(const struct point *p, const struct run_config *c,
			  struct point_result *r);
void run_timed_trial(const struct point *p, const struct run_config *c,
		     struct point_result *r);
void run_cond_trial(const struct point *p, const struct run_config *c,
		    struct point_result *r);
void run_handoff_trial(const struct point *p, const struct run_config *c,
		       struct point_result *r);

/* Fill duration, ops, rates and fairness from a finished trial. */
void result_from_trial(const struct trial *t, struct point_result *r);

#endif /* BENCH_WORKLOADS_H */
