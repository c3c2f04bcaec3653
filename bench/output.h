/*
 * bench/output.h - results.csv and meta.json (see bench/FORMAT.md).
 */
#ifndef BENCH_OUTPUT_H
#define BENCH_OUTPUT_H

#include "topology.h"
#include "workloads/workloads.h"

#include <stdio.h>

#define CSV_HEADER                                                          \
	"workload,series,impl,algorithm,policy,threads,oversubscribed,"     \
	"placement,cpus,cs,delay_ns,rep,duration_ns,ops,ns_per_op,"         \
	"ops_per_s,fair_min,fair_max,fair_cv,check,csw_per_op,wait_max_ns"

/* Open DIR/results.csv and write the header; NULL on error. */
FILE *csv_open(const char *dir);
void csv_row(FILE *f, const struct point *p, unsigned rep,
	     const struct point_result *r);

/* Everything meta.json records that main.c knows. */
struct meta_info {
	const char *machine, *mode, *placement, *policy_arg, *out_dir;
	int argc;
	char **argv;
	uint64_t warmup_ns, measure_ns;
	int reps;
	uint64_t warmup2_ns, measure2_ns; /* quick mode's secondary points */
	int reps2;
	/* /proc/loadavg's first three fields at the start and the end of the
	 * run (the end: NULL until the run is over). */
	char load_start[64], load_end[64];
	long start_time; /* time(NULL) at the start; 0 = now */
	unsigned npoints;
	bool smt;
	const int *cpus; /* the placement order */
	int ncpus;
	double delay_ns;
};

int write_meta(const char *dir, const struct topology *t,
	       const struct meta_info *m);

/* The 1, 5 and 15 minute load averages, "" if unknown. */
void read_loadavg(char *buf, size_t n);

/* Write s as a JSON string literal. */
void json_string(FILE *f, const char *s);

#endif /* BENCH_OUTPUT_H */
