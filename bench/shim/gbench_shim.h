/*
 * bench/shim/gbench_shim.h - a C face on Google Benchmark.
 *
 * The benchmark bodies are C; this shim lets them register a benchmark by
 * name with a C callback that runs ONE fixed-duration trial and reports its
 * wall time and counters.  Google Benchmark then supplies repetitions,
 * statistics (mean, median, stddev, cv), --benchmark_filter, random
 * interleaving of repetitions and JSON output.
 *
 * What the shim deliberately does not use: Google Benchmark's CPU-time
 * reporting (every benchmark uses manual time: the trial's measured wall
 * interval), its iteration-count estimation (Iterations(1): one call is one
 * trial) and its ->Threads() (the suite runs its own pinned workers).
 */
#ifndef BENCH_GBENCH_SHIM_H
#define BENCH_GBENCH_SHIM_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GB_MAX_COUNTERS 12

/* What one trial reports. */
typedef struct gb_result {
	double seconds;   /* the measured interval; becomes the manual time */
	int ncounters;
	const char *counter_name[GB_MAX_COUNTERS]; /* string literals */
	double counter_value[GB_MAX_COUNTERS];
	const char *error; /* non-NULL: the trial failed (SkipWithError) */
} gb_result_t;

/* Runs one trial of the benchmark registered with `arg`. */
typedef void (*gb_trial_fn)(void *arg, gb_result_t *out);

/* Hand argv to Google Benchmark; it removes the --benchmark_* flags it
 * knows and leaves the rest.  Call once, before gb_register. */
void gb_initialize(int *argc, char **argv);

/* Register `name`: `reps` repetitions of one trial each. */
void gb_register(const char *name, gb_trial_fn fn, void *arg, int reps);

/* Run every registered benchmark that --benchmark_filter selects.  With
 * console false, nothing is printed to the terminal by Google Benchmark
 * (the suite prints its own progress); --benchmark_out still writes its
 * file.  Returns the number of benchmarks run. */
unsigned long gb_run(bool console);

/* Google Benchmark's version string as the library reports it at build
 * time ("1.7.1"), from BENCHMARK_VERSION where the headers define it. */
const char *gb_version(void);

/* The C++ compiler the shim was built with ("g++ 12.2.0"). */
const char *gb_cxx_compiler(void);

#ifdef __cplusplus
}
#endif

#endif /* BENCH_GBENCH_SHIM_H */
