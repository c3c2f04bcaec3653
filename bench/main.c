/*
 * bench/main.c - usync-bench: sweeps every usync lock and barrier and their
 * peers (Concurrency Kit, pthread, liburcu) across thread counts and
 * placements; writes gbench.json, results.csv and meta.json (FORMAT.md).
 *
 *   usync-bench [--quick|--full] [--filter RE] [--exclude RE] [--list] ...
 *
 * Flags are listed by --help.  Google Benchmark's own --benchmark_* flags
 * pass through (repetitions and durations are the suite's: use --reps and
 * --duration-ms).
 */
#define _GNU_SOURCE
#include "output.h"
#include "shim/gbench_shim.h"
#include "workloads/workloads.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef BENCH_SOURCE_ROOT
#define BENCH_SOURCE_ROOT "."
#endif

#define MAX_STEPS 64
#define MAX_REPS 64

static struct options {
	bool quick, list, smt, console;
	const char *filter, *exclude, *placement, *cpus, *threads, *policy;
	const char *out, *name, *workloads;
	double duration_ms, warmup_ms, delay_ns;
	int reps;
} opt = {
	.placement = "compact", .policy = "all", .delay_ns = 200,
	.duration_ms = -1, .warmup_ms = -1, .reps = -1,
	.workloads = "uncontended,lock,barrier,readmostly,handoff,timed,cond",
};

static struct topology topo;
/* config: every point in full mode, the oversubscription points in quick
 * mode; config2 (and reps2): quick mode's secondary points. */
static struct run_config config, config2;
static int reps2;
static FILE *csv;

static struct point *points;
static unsigned npoints, cap_points;
static unsigned trials_done, trials_total, failures;
static uint64_t run_start_ns, last_progress_ns;
static bool progress_tty;
/* The longest a trial ran past its STOP (threads finishing the operation
 * they were in), and where: oversubscribed spinning shows up here. */
static uint64_t worst_lag_ns;
static char worst_lag_point[256];

/* Every trial's ns_per_op, by point, for the closing summary. */
static double **samples;

static void usage(FILE *f)
{
	fprintf(f,
"usage: usync-bench [options] [--benchmark_* flags]\n"
"  --quick            short trials (20 ms warm-up, 50 ms, 3 reps) for the\n"
"                     oversubscription points (lock empty/0 and barrier none,\n"
"                     every policy, 1 .. 4x cores); the rest trimmed: first\n"
"                     policy only, <= 2x cores, fewer cs/delay variants,\n"
"                     2 reps of 10+30 ms (--reps/--duration-ms/--warmup-ms\n"
"                     given explicitly apply to every point)\n"
"  --full             long trials (200 ms warm-up, 1 s, 5 reps; everything,\n"
"                     up to 4x cores) (the default)\n"
"  --filter RE        run only points whose name matches RE (POSIX ERE);\n"
"                     names are WORKLOAD/SERIES/... as --list prints them\n"
"  --exclude RE       skip points whose name matches RE\n"
"  --workloads LIST   subset of uncontended,lock,barrier,readmostly,handoff,\n"
"                     timed,cond\n"
"  --placement P      compact (default) | scatter\n"
"  --cpus LIST        pin to these CPUs in this order (e.g. 0,2,4-7)\n"
"  --smt              use every PU, not one per core\n"
"  --threads LIST     thread counts (default: 1,2,4,.. + topology boundaries\n"
"                     + all cores, then 2x and 4x cores oversubscribed)\n"
"  --duration-ms N    measured interval per trial\n"
"  --warmup-ms N      warm-up per trial (excluded)\n"
"  --reps N           repetitions per point\n"
"  --delay-ns D       mean of the random non-critical delay (default 200)\n"
"  --policy LIST      usync wait policies, comma-separated: default | spin |\n"
"                     yield | park | all (= spin,yield,park; the default)\n"
"  --out DIR          output directory (default bench/results/<machine>)\n"
"  --name NAME        machine name (default <cpu-model>-<N>c)\n"
"  --list             print the points and exit\n"
"  --gbench-console   also print Google Benchmark's console table\n");
}

/* "0,2,4-7" -> ints; returns count or -1. */
static int parse_list(const char *s, int *out, int max)
{
	int n = 0;
	while (*s) {
		char *end;
		long a = strtol(s, &end, 10), b = a;
		if (end == s || a < 0)
			return -1;
		s = end;
		if (*s == '-') {
			b = strtol(s + 1, &end, 10);
			if (end == s + 1 || b < a)
				return -1;
			s = end;
		}
		for (long v = a; v <= b; v++) {
			if (n >= max)
				return -1;
			out[n++] = (int)v;
		}
		if (*s == ',')
			s++;
		else if (*s)
			return -1;
	}
	return n;
}

static struct point *new_point(void)
{
	if (npoints == cap_points) {
		cap_points = cap_points ? cap_points * 2 : 256;
		points = realloc(points, sizeof *points * cap_points);
		if (points == NULL) {
			perror("usync-bench");
			exit(2);
		}
	}
	struct point *p = &points[npoints];
	memset(p, 0, sizeof *p);
	return p;
}

static regex_t filter_re, exclude_re;

static bool wanted(const char *name)
{
	if (opt.filter && regexec(&filter_re, name, 0, NULL, 0) != 0)
		return false;
	if (opt.exclude && regexec(&exclude_re, name, 0, NULL, 0) == 0)
		return false;
	return true;
}

static bool workload_on(const char *w)
{
	size_t n = strlen(w);
	for (const char *s = opt.workloads; (s = strstr(s, w)) != NULL; s += n)
		if ((s == opt.workloads || s[-1] == ',') &&
		    (s[n] == ',' || s[n] == '\0'))
			return true;
	return false;
}

/* Keep the point if the filters want it; threads' CPUs from order[]. */
static void add_point(struct point *p, const int *order, int ncpu)
{
	if (p->cpus == NULL) {
		p->cpus = malloc(sizeof(int) * p->nthreads);
		for (unsigned i = 0; i < p->nthreads; i++)
			p->cpus[i] = order[i % (unsigned)ncpu];
	}
	if (p->cs == NULL)
		p->cs = "-";
	/* The uncontended points feed a ratio with a 5% goal: they are cheap,
	 * so they get three times the repetitions. */
	p->cfg = p->secondary ? &config2 : &config;
	p->reps = (unsigned)(p->secondary ? reps2 : opt.reps) *
		  (p->workload == W_UNCONTENDED ? 3 : 1);
	if (p->reps > MAX_REPS)
		p->reps = MAX_REPS;
	char thr[32];
	snprintf(thr, sizeof thr, "%u%s", p->nthreads,
		 p->oversubscribed ? "(over)" : "");
	if (p->workload == W_LOCK)
		snprintf(p->name, sizeof p->name,
			 "%s/%s/cs:%s/delay:%u/threads:%s",
			 workload_name(p->workload), p->series, p->cs,
			 p->delay_ns, thr);
	else if (p->workload == W_BARRIER)
		snprintf(p->name, sizeof p->name, "%s/%s/work:%s/threads:%s",
			 workload_name(p->workload), p->series, p->cs, thr);
	else if (p->workload == W_TIMED)
		snprintf(p->name, sizeof p->name, "%s/%s/abort:%u/threads:%s",
			 workload_name(p->workload), p->series, p->abort_pct,
			 thr);
	else if (p->read_pct || strcmp(p->cs, "reads0") == 0)
		snprintf(p->name, sizeof p->name, "%s/%s/reads:%u/threads:%s",
			 workload_name(p->workload), p->series, p->read_pct,
			 thr);
	else
		snprintf(p->name, sizeof p->name, "%s/%s/threads:%s",
			 workload_name(p->workload), p->series, thr);
	if (wanted(p->name))
		npoints++;
	else
		free(p->cpus);
}

static const char *policy_name(int p)
{
	return p < 0			? "-"
	       : p == USYNC_WAIT_SPIN	? "spin"
	       : p == USYNC_WAIT_YIELD ? "yield"
					: "park";
}

/* The lock series of this run: usync ones once per requested policy. */
static struct lock_series *lock_series;
static unsigned nlock_series;

/* The requested policies, the build's default first when requested (the
 * secondary points of quick mode run pols[0] only). */
static int pols[3], npol;

static void add_pol(int p)
{
	for (int k = 0; k < npol; k++)
		if (pols[k] == p)
			return;
	pols[npol++] = p;
}

static void parse_policies(void)
{
	const int def = USYNC_WAIT_DEFAULT;
	char buf[256];
	snprintf(buf, sizeof buf, "%s", opt.policy);
	bool want[3] = { false, false, false };
	for (char *save, *tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "default") == 0)
			want[def] = true;
		else if (strcmp(tok, "spin") == 0)
			want[USYNC_WAIT_SPIN] = true;
		else if (strcmp(tok, "yield") == 0)
			want[USYNC_WAIT_YIELD] = true;
		else if (strcmp(tok, "park") == 0)
			want[USYNC_WAIT_PARK] = true;
		else if (strcmp(tok, "all") == 0)
			want[0] = want[1] = want[2] = true;
		else {
			fprintf(stderr, "usync-bench: --policy: comma list of "
					"default|spin|yield|park|all\n");
			exit(2);
		}
	}
	if (want[def])
		add_pol(def);
	for (int p = 0; p < 3; p++)
		if (want[p])
			add_pol(p);
	if (npol == 0) {
		fprintf(stderr, "usync-bench: --policy: empty list\n");
		exit(2);
	}
}

static void build_lock_series(void)
{
	const int def = USYNC_WAIT_DEFAULT;
	lock_series = calloc(usync_lock_table_len * 3 + peer_lock_table_len,
			     sizeof *lock_series);
	for (int k = 0; k < npol; k++)
		for (unsigned i = 0; i < usync_lock_table_len; i++) {
			struct lock_series s = usync_lock_table[i];
			s.policy = pols[k];
			if (pols[k] != def)
				snprintf(s.name, sizeof s.name, "%s@%s",
					 usync_lock_table[i].name,
					 policy_name(pols[k]));
			lock_series[nlock_series++] = s;
		}
	for (unsigned i = 0; i < peer_lock_table_len; i++)
		lock_series[nlock_series++] = peer_lock_table[i];
}

/* The shared-lock series (read-mostly workload only), likewise. */
static struct lock_series *rw_series;
static unsigned nrw_series;

static void build_rwlock_series(void)
{
	const int def = USYNC_WAIT_DEFAULT;
	rw_series = calloc(usync_rwlock_table_len * 3 + peer_rwlock_table_len,
			   sizeof *rw_series);
	for (int k = 0; k < npol; k++)
		for (unsigned i = 0; i < usync_rwlock_table_len; i++) {
			struct lock_series s = usync_rwlock_table[i];
			s.policy = pols[k];
			if (pols[k] != def)
				snprintf(s.name, sizeof s.name, "%s@%s",
					 usync_rwlock_table[i].name,
					 policy_name(pols[k]));
			rw_series[nrw_series++] = s;
		}
	for (unsigned i = 0; i < peer_rwlock_table_len; i++)
		rw_series[nrw_series++] = peer_rwlock_table[i];
}

static struct barrier_series *barrier_series;
static unsigned nbarrier_series;

static void build_barrier_series(void)
{
	barrier_series = calloc(usync_barrier_table_len * 3 +
					peer_barrier_table_len,
				sizeof *barrier_series);
	for (int k = 0; k < npol; k++)
		for (unsigned i = 0; i < usync_barrier_table_len; i++) {
			struct barrier_series s = usync_barrier_table[i];
			s.policy = pols[k];
			if (pols[k] != USYNC_WAIT_DEFAULT)
				snprintf(s.name, sizeof s.name, "%s@%s",
					 usync_barrier_table[i].name,
					 policy_name(pols[k]));
			barrier_series[nbarrier_series++] = s;
		}
	for (unsigned i = 0; i < peer_barrier_table_len; i++)
		barrier_series[nbarrier_series++] = peer_barrier_table[i];
}

static void set_from_lock(struct point *p, const struct lock_series *s)
{
	p->lock = s;
	snprintf(p->series, sizeof p->series, "%s", s->name);
	p->impl = s->impl;
	p->algorithm = s->algorithm;
	p->policy = policy_name(s->policy);
}

/* Handoff pairs: the first core's first PU and a partner at each
 * distance the topology offers. */
static void add_handoff_points(void)
{
	const struct topo_pu *a = &topo.pu[0];
	const struct topo_pu *partner[4] = { NULL, NULL, NULL, NULL };
	static const char *const label[4] = { "hw:same-core", "hw:same-l3",
					      "hw:other-l3", "hw:other-package" };
	for (int i = 1; i < topo.npu; i++) {
		const struct topo_pu *b = &topo.pu[i];
		int d = b->core == a->core ? 0
			: b->l3 == a->l3   ? 1
			: b->pkg == a->pkg ? 2
					   : 3;
		if (d == 0 && !opt.smt)
			continue;
		if (d > 0 && b->smt_rank != 0)
			continue;
		if (partner[d] == NULL)
			partner[d] = b;
	}
	for (int d = 0; d < 4; d++) {
		if (partner[d] == NULL)
			continue;
		struct point *p = new_point();
		p->workload = W_HANDOFF;
		snprintf(p->series, sizeof p->series, "%s", label[d]);
		p->impl = "hw";
		p->algorithm = label[d] + 3;
		p->policy = "-";
		p->nthreads = 2;
		p->placement = "list";
		p->cpus = malloc(sizeof(int) * 2);
		p->cpus[0] = a->os;
		p->cpus[1] = partner[d]->os;
		p->secondary = opt.quick;
		add_point(p, NULL, 0);
	}
}

static void build_points(const int *order, int ncpu, const unsigned *steps,
			 unsigned nsteps)
{
	const char *placement = opt.cpus ? "list" : opt.placement;
	static const struct {
		const char *name;
		enum cs_kind kind;
	} css[] = { { "empty", CS_EMPTY }, { "shared", CS_SHARED },
		    { "work100", CS_WORK100 } };
	unsigned delays[2] = { 0, (unsigned)lround(opt.delay_ns) };

	/* Quick mode: the oversubscription points (lock empty/0, barrier
	 * none) run every series at every thread count; the rest (secondary)
	 * run the first policy and the peers, up to 2x the cores, with
	 * config2's shorter trials. */
	const bool q = opt.quick;
	const unsigned max2 = 2u * (unsigned)ncpu;
#define SECONDARY_SKIP(pol, thr) (q && (((pol) >= 0 && (pol) != pols[0]) || \
					 (thr) > max2))

	if (workload_on("uncontended"))
		for (unsigned i = 0; i < nlock_series; i++) {
			if (SECONDARY_SKIP(lock_series[i].policy, 1u))
				continue;
			struct point *p = new_point();
			p->workload = W_UNCONTENDED;
			set_from_lock(p, &lock_series[i]);
			p->nthreads = 1;
			p->placement = placement;
			p->secondary = q;
			add_point(p, order, ncpu);
		}
	if (workload_on("lock"))
		for (unsigned c = 0; c < 3; c++)
			for (unsigned d = 0; d < 2; d++) {
				bool primary = c == 0 && d == 0;
				/* quick: empty/D, shared/0, work100/D */
				if (q && !primary && (c == 1) != (d == 0))
					continue;
				for (unsigned k = 0; k < nsteps; k++)
					for (unsigned i = 0; i < nlock_series; i++) {
						if (!primary &&
						    SECONDARY_SKIP(lock_series[i].policy,
								   steps[k]))
							continue;
						struct point *p = new_point();
						p->workload = W_LOCK;
						set_from_lock(p, &lock_series[i]);
						p->nthreads = steps[k];
						p->oversubscribed = steps[k] > (unsigned)ncpu;
						p->placement = placement;
						p->cs = css[c].name;
						p->cs_kind = css[c].kind;
						p->delay_ns = delays[d];
						p->secondary = q && !primary;
						add_point(p, order, ncpu);
					}
			}
	if (workload_on("barrier"))
		for (unsigned skew = 0; skew < 2; skew++)
			for (unsigned k = 0; k < nsteps; k++)
				for (unsigned i = 0; i < nbarrier_series; i++) {
					if (steps[k] < 2)
						continue;
					const struct barrier_series *s =
						&barrier_series[i];
					if (skew && SECONDARY_SKIP(s->policy, steps[k]))
						continue;
					struct point *p = new_point();
					p->workload = W_BARRIER;
					p->barrier = s;
					snprintf(p->series, sizeof p->series, "%s",
						 s->name);
					p->impl = s->impl;
					p->algorithm = s->algorithm;
					p->policy = policy_name(s->policy);
					p->nthreads = steps[k];
					p->oversubscribed = steps[k] > (unsigned)ncpu;
					p->placement = placement;
					p->skewed = skew;
					p->cs = skew ? "skewed" : "none";
					p->delay_ns = skew ? 1000 : 0;
					p->secondary = q && skew;
					add_point(p, order, ncpu);
				}
	if (workload_on("readmostly"))
		for (unsigned k = 0; k < nsteps; k++)
			for (unsigned i = 0; i <= nlock_series; i++) {
				if (SECONDARY_SKIP(i < nlock_series
							   ? lock_series[i].policy
							   : -1,
						   steps[k]))
					continue;
				struct point *p = new_point();
				p->workload = W_READMOSTLY;
				if (i < nlock_series) {
					set_from_lock(p, &lock_series[i]);
				} else {
					snprintf(p->series, sizeof p->series,
						 "urcu:rcu");
					p->impl = "urcu";
					p->algorithm = "rcu";
					p->policy = "-";
				}
				p->nthreads = steps[k];
				p->oversubscribed = steps[k] > (unsigned)ncpu;
				p->placement = placement;
				p->cs = "shared";
				p->secondary = q;
				add_point(p, order, ncpu);
			}
	/* Shared locks and RCU at four read fractions (cs "reads<pct>"). */
	static const struct {
		unsigned pct;
		const char *cs;
	} fractions[] = { { 100, "reads100" }, { 99, "reads99" },
			  { 90, "reads90" }, { 50, "reads50" },
			  { 0, "reads0" } };
	if (workload_on("readmostly"))
		for (unsigned f = 0; f < 5; f++)
			for (unsigned k = 0; k < nsteps; k++)
				for (unsigned i = 0; i <= nrw_series; i++) {
					if (SECONDARY_SKIP(i < nrw_series
								   ? rw_series[i].policy
								   : -1,
							   steps[k]))
						continue;
					/* reads0 (write lock + unlock only):
					 * the 1-thread write point of the
					 * shared locks; RCU has no such
					 * thing. */
					if (f == 4 && (steps[k] != 1 ||
						       i == nrw_series))
						continue;
					struct point *p = new_point();
					p->workload = W_READMOSTLY;
					if (i < nrw_series) {
						set_from_lock(p, &rw_series[i]);
					} else {
						snprintf(p->series,
							 sizeof p->series,
							 "urcu:rcu");
						p->impl = "urcu";
						p->algorithm = "rcu";
						p->policy = "-";
					}
					p->nthreads = steps[k];
					p->oversubscribed =
						steps[k] > (unsigned)ncpu;
					p->placement = placement;
					p->cs = fractions[f].cs;
					p->read_pct = fractions[f].pct;
					p->secondary = q;
					add_point(p, order, ncpu);
				}
	/* Timed acquisition: every acquisition timed; cs "timed0" (far
	 * deadlines only) against "timed25" (a quarter of the attempts with
	 * a 2 us deadline, in delay_ns: waiters that leave).  No delay
	 * between acquisitions, so the queue is never empty.  Series with a
	 * timed verb only. */
	if (workload_on("timed"))
		for (unsigned a = 0; a < 2; a++)
			for (unsigned k = 0; k < nsteps; k++)
				for (unsigned i = 0; i < nlock_series; i++) {
					const struct lock_series *s =
						&lock_series[i];
					if (s->timed == NULL ||
					    SECONDARY_SKIP(s->policy, steps[k]))
						continue;
					struct point *p = new_point();
					p->workload = W_TIMED;
					set_from_lock(p, s);
					p->nthreads = steps[k];
					p->oversubscribed =
						steps[k] > (unsigned)ncpu;
					p->placement = placement;
					p->abort_pct = a ? 25 : 0;
					p->cs = a ? "timed25" : "timed0";
					p->delay_ns = a ? BENCH_TIMED_SHORT_NS : 0;
					p->secondary = q;
					add_point(p, order, ncpu);
				}
	/* Condition variable: producer/consumer hand-off, items per second;
	 * two threads at least (one of each side). */
	if (workload_on("cond"))
		for (unsigned k = 0; k < nsteps; k++)
			for (unsigned i = 0; i < nlock_series; i++) {
				const struct lock_series *s = &lock_series[i];
				if (s->cond == NULL || steps[k] < 2 ||
				    SECONDARY_SKIP(s->policy, steps[k]))
					continue;
				struct point *p = new_point();
				p->workload = W_COND;
				set_from_lock(p, s);
				p->nthreads = steps[k];
				p->oversubscribed = steps[k] > (unsigned)ncpu;
				p->placement = placement;
				p->cs = "handoff";
				p->secondary = q;
				add_point(p, order, ncpu);
			}
#undef SECONDARY_SKIP
	if (workload_on("handoff"))
		add_handoff_points();
}

static void fmt_duration(char *buf, size_t n, double s)
{
	if (s >= 60)
		snprintf(buf, n, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
	else
		snprintf(buf, n, "%.0fs", s);
}

static void progress(const struct point *p, unsigned rep,
		     const struct point_result *r)
{
	uint64_t now = bench_now_ns();
	bool last = trials_done == trials_total;
	if (!progress_tty && !last && now - last_progress_ns < 5000000000ull)
		return;
	last_progress_ns = now;
	double elapsed = (double)(now - run_start_ns) / 1e9;
	double left = trials_done ? elapsed / trials_done *
					    (trials_total - trials_done)
				  : 0;
	char e[32], l[32];
	fmt_duration(e, sizeof e, elapsed);
	fmt_duration(l, sizeof l, left);
	fprintf(stderr, "%s[%u/%u trials, %s, ~%s left] %s rep %u: %.1f ns%s",
		progress_tty ? "\r\033[K" : "", trials_done, trials_total, e, l,
		p->name, rep, r->ns_per_op, progress_tty && !last ? "" : "\n");
	fflush(stderr);
}

static void trial_cb(void *arg, gb_result_t *out)
{
	struct point *p = arg;
	struct point_result r;
	switch (p->workload) {
	case W_UNCONTENDED: run_uncontended_trial(p, p->cfg, &r); break;
	case W_LOCK: run_lock_trial(p, p->cfg, &r); break;
	case W_BARRIER: run_barrier_trial(p, p->cfg, &r); break;
	case W_READMOSTLY: run_readmostly_trial(p, p->cfg, &r); break;
	case W_HANDOFF: run_handoff_trial(p, p->cfg, &r); break;
	case W_TIMED: run_timed_trial(p, p->cfg, &r); break;
	case W_COND: run_cond_trial(p, p->cfg, &r); break;
	}
	unsigned rep = p->next_rep++;
	trials_done++;
	if (r.error) {
		out->error = r.error;
		fprintf(stderr, "\nusync-bench: %s: %s\n", p->name, r.error);
		failures++;
		return;
	}
	csv_row(csv, p, rep, &r);
	if (!r.ok)
		failures++;
	unsigned idx = (unsigned)(p - points);
	if (rep < p->reps)
		samples[idx][rep] = r.ns_per_op;
	progress(p, rep, &r);
	out->seconds = (double)r.duration_ns / 1e9;
	if (r.stop_lag_ns > worst_lag_ns) {
		worst_lag_ns = r.stop_lag_ns;
		snprintf(worst_lag_point, sizeof worst_lag_point, "%s", p->name);
	}
	int k = 0;
#define COUNTER(n, v) (out->counter_name[k] = n, out->counter_value[k++] = (v))
	COUNTER("ns_per_op", r.ns_per_op);
	COUNTER("ops", (double)r.ops);
	COUNTER("ops_per_s", r.ops_per_s);
	COUNTER("fair_min", (double)r.fair_min);
	COUNTER("fair_max", (double)r.fair_max);
	COUNTER("fair_cv", r.fair_cv);
	COUNTER("threads", p->nthreads);
	COUNTER("check_ok", r.ok ? 1 : 0);
	COUNTER("csw_per_op", r.csw_per_op);
	if (isfinite(r.wait_max_ns)) /* only where writes are timed */
		COUNTER("wait_max_ns", r.wait_max_ns);
	if (p->workload == W_TIMED)
		COUNTER("timeout_frac", r.timeout_frac);
	out->ncounters = k;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median_of(unsigned idx)
{
	unsigned n = points[idx].next_rep < points[idx].reps
			     ? points[idx].next_rep
			     : points[idx].reps;
	if (n == 0)
		return NAN;
	double v[MAX_REPS];
	memcpy(v, samples[idx], sizeof(double) * n);
	qsort(v, n, sizeof(double), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double median_for(enum workload w, const char *series, unsigned thr,
			 const char *cs, unsigned delay)
{
	for (unsigned i = 0; i < npoints; i++) {
		const struct point *p = &points[i];
		if (p->workload == w && strcmp(p->series, series) == 0 &&
		    p->nthreads == thr && (!cs || strcmp(p->cs, cs) == 0) &&
		    p->delay_ns == delay)
			return median_of(i);
	}
	return NAN;
}

/* The figures to eyeball at the end: medians over repetitions. */
static void summary(void)
{
	printf("\n== summary (medians over repetitions) ==\n");
	if (workload_on("uncontended")) {
		printf("uncontended, 1 thread, ns per lock+unlock:\n");
		for (unsigned i = 0; i < nlock_series; i++) {
			const struct lock_series *s = &lock_series[i];
			if (strcmp(s->impl, "usync") != 0)
				continue;
			double u = median_for(W_UNCONTENDED, s->name, 1, NULL, 0);
			double c = median_for(W_UNCONTENDED, s->ck_match, 1, NULL, 0);
			if (!isnan(u))
				printf("  %-24s %7.2f   %-12s %7.2f   ratio %.3f\n",
				       s->name, u, s->ck_match, c, u / c);
		}
	}
	printf("longest stop lag (STOP to every thread out): %.1f ms, %s\n",
	       worst_lag_ns / 1e6, worst_lag_point);
	if (workload_on("handoff")) {
		printf("one-way cache-line transfer (hardware floor):\n");
		for (unsigned i = 0; i < npoints; i++)
			if (points[i].workload == W_HANDOFF)
				printf("  %-24s %7.1f ns (CPUs %d,%d)\n",
				       points[i].series, median_of(i),
				       points[i].cpus[0], points[i].cpus[1]);
	}
	if (workload_on("lock")) {
		printf("lock, 2 threads, empty CS, no delay, ns per acquisition:\n");
		for (unsigned i = 0; i < nlock_series; i++) {
			double v = median_for(W_LOCK, lock_series[i].name, 2,
					      "empty", 0);
			if (!isnan(v))
				printf("  %-24s %9.1f\n", lock_series[i].name, v);
		}
	}
	if (workload_on("barrier")) {
		printf("barrier, 2 threads, no work, ns per episode:\n");
		for (unsigned i = 0; i < nbarrier_series; i++) {
			double v = median_for(W_BARRIER, barrier_series[i].name,
					      2, "none", 0);
			if (!isnan(v))
				printf("  %-24s %9.1f\n", barrier_series[i].name, v);
		}
	}
}

static int mkdir_p(const char *path)
{
	char buf[4096];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *s = buf + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			if (mkdir(buf, 0777) != 0 && errno != EEXIST)
				return -1;
			*s = '/';
		}
	return mkdir(buf, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

static char **gb_argv, **my_argv;
static int *order;

/* Free what main allocated (at exit, so that LeakSanitizer builds of the
 * smoke test stay quiet on every exit path). */
static void cleanup(void)
{
	for (unsigned i = 0; i < npoints; i++) {
		free(points[i].cpus);
		if (samples)
			free(samples[i]);
	}
	free(samples);
	free(points);
	free(lock_series);
	free(barrier_series);
	free(order);
	free(gb_argv);
	free(my_argv);
	if (opt.filter)
		regfree(&filter_re);
	if (opt.exclude)
		regfree(&exclude_re);
}

static bool has_flag(int argc, char **argv, const char *prefix)
{
	for (int i = 1; i < argc; i++)
		if (strncmp(argv[i], prefix, strlen(prefix)) == 0)
			return true;
	return false;
}

int main(int argc, char **argv)
{
	int orig_argc = argc;
	char **orig_argv = argv;
	/* Split: --benchmark_* to Google Benchmark, the rest to us. */
	atexit(cleanup);
	gb_argv = calloc((size_t)argc + 4, sizeof *gb_argv);
	my_argv = calloc((size_t)argc + 1, sizeof *my_argv);
	int gb_argc = 0, my_argc = 0;
	gb_argv[gb_argc++] = my_argv[my_argc++] = argv[0];
	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--benchmark_", 12) == 0)
			gb_argv[gb_argc++] = argv[i];
		else
			my_argv[my_argc++] = argv[i];
	}

	enum { O_QUICK = 256, O_FULL, O_FILTER, O_EXCLUDE, O_PLACEMENT, O_CPUS,
	       O_SMT, O_DURATION, O_WARMUP, O_REPS, O_THREADS, O_POLICY, O_OUT,
	       O_NAME, O_LIST, O_DELAY, O_WORKLOADS, O_CONSOLE, O_HELP };
	static const struct option longopts[] = {
		{ "quick", no_argument, 0, O_QUICK },
		{ "full", no_argument, 0, O_FULL },
		{ "filter", required_argument, 0, O_FILTER },
		{ "exclude", required_argument, 0, O_EXCLUDE },
		{ "placement", required_argument, 0, O_PLACEMENT },
		{ "cpus", required_argument, 0, O_CPUS },
		{ "smt", no_argument, 0, O_SMT },
		{ "duration-ms", required_argument, 0, O_DURATION },
		{ "warmup-ms", required_argument, 0, O_WARMUP },
		{ "reps", required_argument, 0, O_REPS },
		{ "threads", required_argument, 0, O_THREADS },
		{ "policy", required_argument, 0, O_POLICY },
		{ "out", required_argument, 0, O_OUT },
		{ "name", required_argument, 0, O_NAME },
		{ "list", no_argument, 0, O_LIST },
		{ "delay-ns", required_argument, 0, O_DELAY },
		{ "workloads", required_argument, 0, O_WORKLOADS },
		{ "gbench-console", no_argument, 0, O_CONSOLE },
		{ "help", no_argument, 0, O_HELP },
		{ 0, 0, 0, 0 },
	};
	int c;
	while ((c = getopt_long(my_argc, my_argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case O_QUICK: opt.quick = true; break;
		case O_FULL: opt.quick = false; break;
		case O_FILTER: opt.filter = optarg; break;
		case O_EXCLUDE: opt.exclude = optarg; break;
		case O_PLACEMENT: opt.placement = optarg; break;
		case O_CPUS: opt.cpus = optarg; break;
		case O_SMT: opt.smt = true; break;
		case O_DURATION: opt.duration_ms = atof(optarg); break;
		case O_WARMUP: opt.warmup_ms = atof(optarg); break;
		case O_REPS: opt.reps = atoi(optarg); break;
		case O_THREADS: opt.threads = optarg; break;
		case O_POLICY: opt.policy = optarg; break;
		case O_OUT: opt.out = optarg; break;
		case O_NAME: opt.name = optarg; break;
		case O_LIST: opt.list = true; break;
		case O_DELAY: opt.delay_ns = atof(optarg); break;
		case O_WORKLOADS: opt.workloads = optarg; break;
		case O_CONSOLE: opt.console = true; break;
		case O_HELP: usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < my_argc) {
		fprintf(stderr, "usync-bench: unexpected argument %s\n",
			my_argv[optind]);
		usage(stderr);
		return 2;
	}
	/* Quick mode's secondary points: shorter trials and fewer reps
	 * unless the flags were given explicitly. */
	double dur2 = opt.duration_ms >= 0 ? opt.duration_ms : opt.quick ? 30 : 1000;
	double warm2 = opt.warmup_ms >= 0 ? opt.warmup_ms : opt.quick ? 10 : 200;
	reps2 = opt.reps >= 1 ? opt.reps : opt.quick ? 2 : 5;
	if (opt.duration_ms < 0)
		opt.duration_ms = opt.quick ? 50 : 1000;
	if (opt.warmup_ms < 0)
		opt.warmup_ms = opt.quick ? 20 : 200;
	if (opt.reps < 1)
		opt.reps = opt.quick ? 3 : 5;
	if (opt.reps > MAX_REPS)
		opt.reps = MAX_REPS;
	if (reps2 > MAX_REPS)
		reps2 = MAX_REPS;
	config.measure_ns = (uint64_t)(opt.duration_ms * 1e6);
	config.warmup_ns = (uint64_t)(opt.warmup_ms * 1e6);
	config2.measure_ns = (uint64_t)(dur2 * 1e6);
	config2.warmup_ns = (uint64_t)(warm2 * 1e6);
	if (opt.filter && regcomp(&filter_re, opt.filter, REG_EXTENDED | REG_NOSUB)) {
		fprintf(stderr, "usync-bench: bad --filter regex\n");
		opt.filter = NULL;
		return 2;
	}
	if (opt.exclude &&
	    regcomp(&exclude_re, opt.exclude, REG_EXTENDED | REG_NOSUB)) {
		fprintf(stderr, "usync-bench: bad --exclude regex\n");
		opt.exclude = NULL;
		return 2;
	}

	if (topo_init(&topo) != 0)
		return 2;
	order = calloc((size_t)topo.npu + 1, sizeof(int));
	int ncpu;
	if (opt.cpus) {
		ncpu = parse_list(opt.cpus, order, topo.npu);
		for (int i = 0; i < ncpu; i++)
			if (topo_find(&topo, order[i]) == NULL)
				ncpu = -1;
	} else {
		ncpu = topo_order(&topo, opt.placement, opt.smt, order);
	}
	if (ncpu <= 0) {
		fprintf(stderr, "usync-bench: bad --cpus or --placement\n");
		return 2;
	}

	unsigned steps[MAX_STEPS], nsteps = 0;
	if (opt.threads) {
		int tmp[MAX_STEPS];
		int n = parse_list(opt.threads, tmp, MAX_STEPS);
		if (n <= 0) {
			fprintf(stderr, "usync-bench: bad --threads\n");
			return 2;
		}
		for (int i = 0; i < n; i++)
			if (tmp[i] > 0)
				steps[nsteps++] = (unsigned)tmp[i];
	} else {
		int b[MAX_STEPS];
		int nb = topo_boundaries(&topo, order, ncpu,
					 !opt.cpus && strcmp(opt.placement,
							     "scatter") == 0,
					 b, MAX_STEPS / 2);
		/* merge powers of two, boundaries and ncpu, increasing */
		for (unsigned v = 1; v <= (unsigned)ncpu * 4 && nsteps < MAX_STEPS;
		     v++) {
			bool take = (v & (v - 1)) == 0 && v <= (unsigned)ncpu;
			for (int i = 0; i < nb; i++)
				take |= (unsigned)b[i] == v;
			take |= v == (unsigned)ncpu || v == 2u * (unsigned)ncpu ||
				v == 4u * (unsigned)ncpu;
			if (take)
				steps[nsteps++] = v;
		}
	}
	unsigned max_threads = 2;
	for (unsigned i = 0; i < nsteps; i++)
		if (steps[i] > max_threads)
			max_threads = steps[i];

	parse_policies();
	build_lock_series();
	build_rwlock_series();
	build_barrier_series();
	build_points(order, ncpu, steps, nsteps);

	if (opt.list) {
		for (unsigned i = 0; i < npoints; i++) {
			printf("%s  cpus", points[i].name);
			for (unsigned k = 0; k < points[i].nthreads; k++)
				printf(" %d", points[i].cpus[k]);
			printf("\n");
		}
		unsigned trials = 0;
		double secs = 0;
		for (unsigned i = 0; i < npoints; i++) {
			trials += points[i].reps;
			secs += points[i].reps *
				(double)(points[i].cfg->measure_ns +
					 points[i].cfg->warmup_ns) / 1e9;
		}
		printf("%u points, %u trials, ~%.0f s\n", npoints, trials, secs);
		return 0;
	}

	char machine[128], dir[4096];
	if (opt.name)
		snprintf(machine, sizeof machine, "%s", opt.name);
	else
		topo_machine_name(&topo, machine, sizeof machine);
	if (opt.out) {
		snprintf(dir, sizeof dir, "%s", opt.out);
	} else {
		struct stat st;
		if (stat(BENCH_SOURCE_ROOT "/bench", &st) == 0)
			snprintf(dir, sizeof dir, "%s/bench/results/%s",
				 BENCH_SOURCE_ROOT, machine);
		else
			snprintf(dir, sizeof dir, "results/%s", machine);
	}
	if (mkdir_p(dir) != 0) {
		fprintf(stderr, "usync-bench: cannot create %s: %s\n", dir,
			strerror(errno));
		return 2;
	}
	csv = csv_open(dir);
	if (csv == NULL) {
		fprintf(stderr, "usync-bench: cannot write %s/results.csv\n", dir);
		return 2;
	}
	static char out_flag[4200];
	if (!has_flag(gb_argc, gb_argv, "--benchmark_out=")) {
		snprintf(out_flag, sizeof out_flag, "--benchmark_out=%s/gbench.json",
			 dir);
		gb_argv[gb_argc++] = out_flag;
	}
	if (!has_flag(gb_argc, gb_argv, "--benchmark_out_format"))
		gb_argv[gb_argc++] = "--benchmark_out_format=json";
	/* Interleave repetitions of all points: this VM's line-transfer cost
	 * changes state every few seconds, so interleaving spreads each
	 * state over every series instead of favouring whichever ran in it. */
	if (!has_flag(gb_argc, gb_argv, "--benchmark_enable_random_interleaving"))
		gb_argv[gb_argc++] = "--benchmark_enable_random_interleaving=true";
	gb_initialize(&gb_argc, gb_argv);
	if (gb_argc > 1) {
		fprintf(stderr, "usync-bench: unknown flag %s\n", gb_argv[1]);
		return 2;
	}

	samples = calloc(npoints ? npoints : 1, sizeof *samples);
	trials_total = 0;
	for (unsigned i = 0; i < npoints; i++) {
		samples[i] = calloc(points[i].reps, sizeof(double));
		gb_register(points[i].name, trial_cb, &points[i],
			    (int)points[i].reps);
		trials_total += points[i].reps;
	}

	struct meta_info meta = {
		.machine = machine, .mode = opt.quick ? "quick" : "full",
		.placement = opt.cpus ? "list" : opt.placement,
		.policy_arg = opt.policy, .out_dir = dir, .argc = orig_argc,
		.argv = orig_argv, .warmup_ns = config.warmup_ns,
		.measure_ns = config.measure_ns, .reps = opt.reps,
		.warmup2_ns = config2.warmup_ns,
		.measure2_ns = config2.measure_ns, .reps2 = reps2,
		.npoints = npoints, .smt = opt.smt, .cpus = order,
		.ncpus = ncpu, .delay_ns = opt.delay_ns,
	};
	read_loadavg(meta.load_start, sizeof meta.load_start);
	meta.start_time = (long)time(NULL);
	if (write_meta(dir, &topo, &meta) != 0)
		fprintf(stderr, "usync-bench: cannot write meta.json\n");

	fprintf(stderr,
		"usync-bench: %s mode, %u points x %d reps (%.0f+%.0f ms), "
		"%d CPUs [%s], output %s\n",
		meta.mode, npoints, opt.reps, opt.warmup_ms, opt.duration_ms,
		ncpu, meta.placement, dir);
	if (harness_init(&topo, max_threads, workload_on("readmostly")) != 0)
		return 2;
	progress_tty = isatty(2);
	run_start_ns = last_progress_ns = bench_now_ns();
	gb_run(opt.console);
	harness_fini();
	fclose(csv);
	/* Again, with the load at the end: other work on the machine is what
	 * most often distorts the oversubscribed points. */
	read_loadavg(meta.load_end, sizeof meta.load_end);
	if (write_meta(dir, &topo, &meta) != 0)
		fprintf(stderr, "usync-bench: cannot write meta.json\n");
	topo_fini(&topo);
	summary();
	printf("results: %s/{results.csv,gbench.json,meta.json}\n", dir);
	if (failures) {
		fprintf(stderr,
			"\n*** usync-bench: %u trial(s) FAILED a check or did not "
			"run; see check=FAIL rows in %s/results.csv ***\n",
			failures, dir);
		return 1;
	}
	return 0;
}
