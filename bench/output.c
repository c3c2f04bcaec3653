/*
 * bench/output.c - results.csv rows and meta.json.
 */
#define _GNU_SOURCE
#include "output.h"
#include "shim/gbench_shim.h"

#include <hwloc.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

FILE *csv_open(const char *dir)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/results.csv", dir);
	FILE *f = fopen(path, "w");
	if (f) {
		fprintf(f, "%s\n", CSV_HEADER);
		fflush(f);
	}
	return f;
}

void csv_row(FILE *f, const struct point *p, unsigned rep,
	     const struct point_result *r)
{
	fprintf(f, "%s,%s,%s,%s,%s,%u,%d,%s,", workload_name(p->workload),
		p->series, p->impl, p->algorithm, p->policy, p->nthreads,
		p->oversubscribed ? 1 : 0, p->placement);
	for (unsigned i = 0; i < p->nthreads; i++)
		fprintf(f, i ? " %d" : "%d", p->cpus[i]);
	fprintf(f, ",%s,%u,%u,%llu,%llu,%.3f,%.1f,%llu,%llu,%.4f,%s,%.3f,%.0f\n", p->cs,
		p->delay_ns, rep, (unsigned long long)r->duration_ns,
		(unsigned long long)r->ops, r->ns_per_op, r->ops_per_s,
		(unsigned long long)r->fair_min,
		(unsigned long long)r->fair_max, r->fair_cv,
		r->ok ? "ok" : "FAIL", r->csw_per_op,
		r->wait_max_ns);
	fflush(f);
}

void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void read_loadavg(char *buf, size_t n)
{
	double a = 0, b = 0, c = 0;
	FILE *f = fopen("/proc/loadavg", "r");
	buf[0] = '\0';
	if (f == NULL)
		return;
	if (fscanf(f, "%lf %lf %lf", &a, &b, &c) == 3)
		snprintf(buf, n, "%.2f %.2f %.2f", a, b, c);
	fclose(f);
}

static void kv(FILE *f, const char *k, const char *v, bool comma)
{
	fprintf(f, "  ");
	json_string(f, k);
	fprintf(f, ": ");
	json_string(f, v);
	fprintf(f, comma ? ",\n" : "\n");
}

/* A JSON array of the OS CPU ids in an hwloc object's cpuset. */
static void cpuset_array(FILE *f, hwloc_const_bitmap_t set)
{
	int i, first = 1;
	fputc('[', f);
	hwloc_bitmap_foreach_begin(i, set)
	{
		fprintf(f, first ? "%d" : ", %d", i);
		first = 0;
	}
	hwloc_bitmap_foreach_end();
	fputc(']', f);
}

static void groups(FILE *f, const struct topology *t, hwloc_obj_type_t type,
		   const char *key)
{
	int n = hwloc_get_nbobjs_by_type(t->hw, type);
	fprintf(f, "    \"%s\": [", key);
	for (int i = 0; i < n; i++) {
		hwloc_obj_t o = hwloc_get_obj_by_type(t->hw, type, (unsigned)i);
		fprintf(f, i ? ", " : "");
		cpuset_array(f, o->cpuset);
	}
	fprintf(f, "]");
}

int write_meta(const char *dir, const struct topology *t,
	       const struct meta_info *m)
{
	char path[4096], buf[256];
	snprintf(path, sizeof path, "%s/meta.json", dir);
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return -1;
	struct utsname u;
	uname(&u);
	char host[256] = "unknown";
	gethostname(host, sizeof host);
	host[sizeof host - 1] = '\0';
	time_t now = m->start_time ? (time_t)m->start_time : time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);

	fprintf(f, "{\n");
	kv(f, "schema", "usync-bench/1", true);
	kv(f, "machine", m->machine, true);
	kv(f, "hostname", host, true);
	snprintf(path, sizeof path, "%s %s %s", u.sysname, u.release, u.machine);
	kv(f, "kernel", path, true);
	kv(f, "cpu_model", t->model, true);
	kv(f, "date", buf, true);
	fprintf(f, "  \"nproc\": %ld,\n", sysconf(_SC_NPROCESSORS_ONLN));
	kv(f, "loadavg_start", m->load_start, true);
	kv(f, "loadavg_end", m->load_end, true);
	fprintf(f, "  \"topology\": {\n    \"pus\": %d, \"cores\": %d, "
		   "\"packages\": %d, \"numa_nodes\": %d, \"l3_groups\": %d, "
		   "\"has_l3\": %s,\n",
		t->npu, t->ncores, t->npkg, t->nnuma, t->nl3,
		t->have_l3 ? "true" : "false");
	groups(f, t, HWLOC_OBJ_PACKAGE, "package_cpus");
	fprintf(f, ",\n");
	groups(f, t, HWLOC_OBJ_NUMANODE, "numa_cpus");
	fprintf(f, ",\n");
	groups(f, t, HWLOC_OBJ_L3CACHE, "l3_cpus");
	fprintf(f, ",\n");
	groups(f, t, HWLOC_OBJ_CORE, "core_cpus");
	fprintf(f, "\n  },\n");
#if defined(__clang__)
	snprintf(buf, sizeof buf, "clang %s", __clang_version__);
#elif defined(__GNUC__)
	snprintf(buf, sizeof buf, "gcc %s", __VERSION__);
#else
	snprintf(buf, sizeof buf, "unknown");
#endif
	kv(f, "compiler", buf, true);
	kv(f, "cxx_compiler", gb_cxx_compiler(), true);
	fprintf(f, "  \"versions\": {\n");
	fprintf(f, "    \"usync\": \"%s\", \"ck\": \"%s\", \"hwloc\": \"%s\", "
		   "\"urcu\": \"%s\", \"benchmark\": \"%s\", "
		   "\"hwloc_api\": \"0x%x\"\n  },\n",
		USYNC_VERSION, BENCH_CK_VERSION, BENCH_HWLOC_VERSION,
		BENCH_URCU_VERSION, gb_version(), (unsigned)HWLOC_API_VERSION);
	fprintf(f, "  \"usync_config\": {\"cacheline\": %d, "
		   "\"default_wait_policy\": \"%s\", \"spin_budget_ns\": %d, "
		   "\"park_spin_ns\": %d, \"build_type\": \"%s\"},\n",
		USYNC_CACHELINE, USYNC_DEFAULT_WAIT_POLICY == USYNC_WAIT_SPIN    ? "spin"
		: USYNC_DEFAULT_WAIT_POLICY == USYNC_WAIT_YIELD ? "yield"
								: "park",
		USYNC_SPIN_BUDGET_NS, USYNC_PARK_SPIN_NS, BENCH_BUILD_TYPE);
	fprintf(f, "  \"usync_spin_relax_ns\": %.2f,\n", usync_spin_relax_ns());
	fprintf(f, "  \"bench_spin_iters_per_ns\": %.4f,\n", bench_spin_per_ns());
	fprintf(f, "  \"command_line\": [");
	for (int i = 0; i < m->argc; i++) {
		fprintf(f, i ? ", " : "");
		json_string(f, m->argv[i]);
	}
	fprintf(f, "],\n");
	kv(f, "mode", m->mode, true);
	kv(f, "placement", m->placement, true);
	kv(f, "policy", m->policy_arg, true);
	fprintf(f, "  \"smt\": %s,\n", m->smt ? "true" : "false");
	fprintf(f, "  \"placement_cpus\": [");
	for (int i = 0; i < m->ncpus; i++)
		fprintf(f, i ? ", %d" : "%d", m->cpus[i]);
	fprintf(f, "],\n");
	fprintf(f, "  \"duration_ms\": %.3f,\n  \"warmup_ms\": %.3f,\n"
		   "  \"repetitions\": %d,\n  \"points\": %u,\n"
		   "  \"delay_ns\": %.0f,\n",
		m->measure_ns / 1e6, m->warmup_ns / 1e6, m->reps, m->npoints,
		m->delay_ns);
	fprintf(f, "  \"secondary\": {\"duration_ms\": %.3f, \"warmup_ms\": %.3f, "
		   "\"repetitions\": %d},\n",
		m->measure2_ns / 1e6, m->warmup2_ns / 1e6, m->reps2);
	fprintf(f, "  \"uncontended_pairs\": {");
	int first = 1;
	for (unsigned i = 0; i < usync_lock_table_len; i++) {
		const struct lock_series *s = &usync_lock_table[i];
		fprintf(f, first ? "" : ", ");
		json_string(f, s->name);
		fprintf(f, ": ");
		json_string(f, s->ck_match);
		first = 0;
	}
	fprintf(f, "}\n}\n");
	return fclose(f) == 0 ? 0 : -1;
}
