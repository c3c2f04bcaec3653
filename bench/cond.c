/*
 * bench/cond.c - usync-cond-bench: the condition variable against
 * pthread_cond + pthread_mutex, in the same run.
 *
 *   handoff    T/2 producers and T/2 consumers move items through a
 *              16-slot bounded buffer (two condition variables, signal on
 *              every put and take): items consumed per second.
 *   broadcast  one thread wakes N waiters and waits until every one of
 *              them has seen the new generation under the lock: rounds per
 *              second.  usync's broadcast (a wake-up chain: each waiter
 *              wakes the next once it holds the lock) against waking all
 *              at once (N signals in a row: every waiter contends for the
 *              lock together) and against pthread_cond_broadcast.
 *
 * Each point runs --reps times for --duration-ms; the median, the spread
 * (min..max) and the ratio to the pthread row of the same point are
 * printed.  Timing is reported, never asserted; the exit status only says
 * whether every run's bookkeeping balanced (items produced = consumed +
 * left in the buffer), so a short run doubles as a smoke test.
 * usync locks use the build's default waiting policy.
 */
#define _GNU_SOURCE
#include <usync/usync.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 16
#define SLOTS 16

/* ----------------------------------------------------- implementations */

/* One thread's context for the lock, whichever implementation. */
struct ctx {
	USYNC_ALIGNED usync_mcs_node_t mcs;
};

struct impl {
	const char *name;
	void (*init)(void *job);
	void (*fini)(void *job);
	void (*lock)(void *job, struct ctx *c);
	void (*unlock)(void *job, struct ctx *c);
	/* cv is 0 or 1: the job's two condition variables */
	void (*wait)(void *job, int cv, struct ctx *c);
	void (*signal)(void *job, int cv);
	void (*broadcast)(void *job, int cv);
};

struct job {
	/* The lock and condition variables, one set per implementation. */
	USYNC_ALIGNED pthread_mutex_t mutex;
	pthread_cond_t pcond[2];
	USYNC_ALIGNED usync_mcs_t mcs;
	USYNC_ALIGNED usync_ticket_t ticket;
	USYNC_ALIGNED usync_ttas_t ttas;
	USYNC_ALIGNED usync_cond_t cond[2];
	const struct impl *impl;
	/* Under the lock. */
	USYNC_ALIGNED unsigned buffer[SLOTS];
	unsigned first, count;
	unsigned generation, remaining;
	unsigned long long produced;
	/* Set by the controller, read by every thread. */
	USYNC_ALIGNED _Atomic(int) stop;
	unsigned nwaiters;
};

struct thread_arg {
	USYNC_ALIGNED struct ctx ctx;
	struct job *job;
	unsigned long long done;
	pthread_t thread;
};

static void p_init(void *j)
{
	struct job *job = j;
	pthread_mutex_init(&job->mutex, NULL);
	pthread_condattr_t a;
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&job->pcond[0], &a);
	pthread_cond_init(&job->pcond[1], &a);
	pthread_condattr_destroy(&a);
}
static void p_fini(void *j)
{
	struct job *job = j;
	pthread_cond_destroy(&job->pcond[0]);
	pthread_cond_destroy(&job->pcond[1]);
	pthread_mutex_destroy(&job->mutex);
}
static void p_lock(void *j, struct ctx *c)
{
	(void)c;
	pthread_mutex_lock(&((struct job *)j)->mutex);
}
static void p_unlock(void *j, struct ctx *c)
{
	(void)c;
	pthread_mutex_unlock(&((struct job *)j)->mutex);
}
static void p_wait(void *j, int cv, struct ctx *c)
{
	(void)c;
	struct job *job = j;
	pthread_cond_wait(&job->pcond[cv], &job->mutex);
}
static void p_signal(void *j, int cv)
{
	pthread_cond_signal(&((struct job *)j)->pcond[cv]);
}
static void p_broadcast(void *j, int cv)
{
	pthread_cond_broadcast(&((struct job *)j)->pcond[cv]);
}

static void u_init(void *j)
{
	struct job *job = j;
	usync_mcs_init(&job->mcs);
	usync_ticket_init(&job->ticket);
	usync_ttas_init(&job->ttas);
	usync_cond_init(&job->cond[0]);
	usync_cond_init(&job->cond[1]);
}
static void u_fini(void *j)
{
	struct job *job = j;
	usync_cond_destroy(&job->cond[0]);
	usync_cond_destroy(&job->cond[1]);
}
static void u_signal(void *j, int cv)
{
	usync_cond_signal(&((struct job *)j)->cond[cv]);
}
static void u_broadcast(void *j, int cv)
{
	usync_cond_broadcast(&((struct job *)j)->cond[cv]);
}
/* Wake-all, for the comparison: one signal per waiter, so that every
 * waiter is woken now and all contend for the lock at once. */
static void u_wake_all(void *j, int cv)
{
	struct job *job = j;
	for (unsigned i = 0; i < job->nwaiters; i++)
		usync_cond_signal(&job->cond[cv]);
}

static void mcs_lock_(void *j, struct ctx *c)
{
	usync_mcs_lock(&((struct job *)j)->mcs, &c->mcs);
}
static void mcs_unlock_(void *j, struct ctx *c)
{
	usync_mcs_unlock(&((struct job *)j)->mcs, &c->mcs);
}
static void ticket_lock_(void *j, struct ctx *c)
{
	(void)c;
	usync_ticket_lock(&((struct job *)j)->ticket);
}
static void ticket_unlock_(void *j, struct ctx *c)
{
	(void)c;
	usync_ticket_unlock(&((struct job *)j)->ticket);
}
static void ttas_lock_(void *j, struct ctx *c)
{
	(void)c;
	usync_ttas_lock(&((struct job *)j)->ttas);
}
static void ttas_unlock_(void *j, struct ctx *c)
{
	(void)c;
	usync_ttas_unlock(&((struct job *)j)->ttas);
}

static void mcs_wait_(void *j, int cv, struct ctx *c)
{
	struct job *job = j;
	usync_cond_wait_mcs(&job->cond[cv], &job->mcs, &c->mcs);
}
static void ticket_wait_(void *j, int cv, struct ctx *c)
{
	(void)c;
	struct job *job = j;
	usync_cond_wait_ticket(&job->cond[cv], &job->ticket);
}
static void ttas_wait_(void *j, int cv, struct ctx *c)
{
	(void)c;
	struct job *job = j;
	usync_cond_wait_ttas(&job->cond[cv], &job->ttas);
}

static const struct impl impls[] = {
	{ "pthread", p_init, p_fini, p_lock, p_unlock, p_wait, p_signal,
	  p_broadcast },
	{ "usync:mcs", u_init, u_fini, mcs_lock_, mcs_unlock_, mcs_wait_,
	  u_signal, u_broadcast },
	{ "usync:ticket", u_init, u_fini, ticket_lock_, ticket_unlock_,
	  ticket_wait_, u_signal, u_broadcast },
	{ "usync:ttas", u_init, u_fini, ttas_lock_, ttas_unlock_, ttas_wait_,
	  u_signal, u_broadcast },
	/* broadcast only: wake-all instead of the chain */
	{ "usync:mcs/wake-all", u_init, u_fini, mcs_lock_, mcs_unlock_,
	  mcs_wait_, u_signal, u_wake_all },
	{ "usync:ticket/wake-all", u_init, u_fini, ticket_lock_,
	  ticket_unlock_, ticket_wait_, u_signal, u_wake_all },
};
#define N_IMPLS (sizeof(impls) / sizeof(impls[0]))

static bool stopping(struct job *j)
{
	/* relaxed: read under the lock; the controller sets it before it
	 * takes the lock to broadcast, so a thread that then waits is woken
	 * and reads it set (the lock orders the two). */
	return atomic_load_explicit(&j->stop, memory_order_relaxed) != 0;
}

/* ------------------------------------------------------------- handoff */

static void *producer(void *p)
{
	struct thread_arg *a = p;
	struct job *j = a->job;
	const struct impl *im = j->impl;
	unsigned item = 0;
	im->lock(j, &a->ctx);
	while (!stopping(j)) {
		while (j->count == SLOTS && !stopping(j))
			im->wait(j, 0, &a->ctx);
		if (j->count < SLOTS) {
			j->buffer[(j->first + j->count) % SLOTS] = item++;
			j->count++;
			j->produced++;
			im->signal(j, 1);
		}
		im->unlock(j, &a->ctx);
		im->lock(j, &a->ctx);
	}
	im->unlock(j, &a->ctx);
	return NULL;
}

static void *consumer(void *p)
{
	struct thread_arg *a = p;
	struct job *j = a->job;
	const struct impl *im = j->impl;
	unsigned long long sink = 0;
	im->lock(j, &a->ctx);
	while (!stopping(j)) {
		while (j->count == 0 && !stopping(j))
			im->wait(j, 1, &a->ctx);
		if (j->count > 0) {
			sink += j->buffer[j->first];
			j->first = (j->first + 1) % SLOTS;
			j->count--;
			a->done++;
			im->signal(j, 0);
		}
		im->unlock(j, &a->ctx);
		im->lock(j, &a->ctx);
	}
	im->unlock(j, &a->ctx);
	(void)sink;
	return NULL;
}

/* ----------------------------------------------------------- broadcast */

static void *bc_waiter(void *p)
{
	struct thread_arg *a = p;
	struct job *j = a->job;
	const struct impl *im = j->impl;
	im->lock(j, &a->ctx);
	/* Count in, then wait for each generation in turn; counting and
	 * waiting share one hold of the lock, so the waker cannot start a
	 * generation this waiter would miss. */
	if (--j->remaining == 0)
		im->signal(j, 1);
	while (!stopping(j)) {
		unsigned g = j->generation;
		while (j->generation == g && !stopping(j))
			im->wait(j, 0, &a->ctx);
		if (j->generation != g && --j->remaining == 0)
			im->signal(j, 1);
	}
	im->unlock(j, &a->ctx);
	return NULL;
}

static void *bc_waker(void *p)
{
	struct thread_arg *a = p;
	struct job *j = a->job;
	const struct impl *im = j->impl;
	im->lock(j, &a->ctx);
	/* Start once every waiter waits: each counts itself in remaining
	 * before its first wait (bc_waiter). */
	while (j->remaining != 0 && !stopping(j))
		im->wait(j, 1, &a->ctx);
	while (!stopping(j)) {
		j->generation++;
		j->remaining = j->nwaiters;
		im->broadcast(j, 0);
		while (j->remaining != 0 && !stopping(j))
			im->wait(j, 1, &a->ctx);
		if (j->remaining == 0)
			a->done++;
	}
	im->unlock(j, &a->ctx);
	return NULL;
}

/* ------------------------------------------------------------- driver */

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* One run: returns operations per second; *ok false if the books do not
 * balance. */
static double run_once(const struct impl *im, bool broadcast,
		       unsigned nthreads, unsigned duration_ms, bool *ok)
{
	struct job *j = aligned_alloc(USYNC_CACHELINE,
				      (sizeof(*j) + USYNC_CACHELINE - 1) /
					      USYNC_CACHELINE *
					      USYNC_CACHELINE);
	struct thread_arg *a = aligned_alloc(USYNC_CACHELINE,
					     sizeof(*a) * MAX_THREADS);
	if (j == NULL || a == NULL) {
		*ok = false;
		free(j);
		free(a);
		return 0;
	}
	memset(j, 0, sizeof(*j));
	memset(a, 0, sizeof(*a) * MAX_THREADS);
	j->impl = im;
	im->init(j);
	atomic_init(&j->stop, 0);
	j->nwaiters = nthreads - 1;
	j->remaining = broadcast ? j->nwaiters : 0;
	for (unsigned i = 0; i < nthreads; i++) {
		a[i].job = j;
		void *(*fn)(void *) =
			broadcast ? (i == 0 ? bc_waker : bc_waiter)
				  : (i % 2 == 0 ? producer : consumer);
		if (pthread_create(&a[i].thread, NULL, fn, &a[i]) != 0) {
			fprintf(stderr, "pthread_create failed\n");
			exit(2);
		}
	}
	double t0 = now_s();
	usleep(duration_ms * 1000u);
	struct ctx mine;
	/* relaxed: see stopping(); the lock below orders it. */
	atomic_store_explicit(&j->stop, 1, memory_order_relaxed);
	im->lock(j, &mine);
	im->broadcast(j, 0);
	im->broadcast(j, 1);
	im->unlock(j, &mine);
	double t1 = now_s();
	/* The wake-all variant signals nwaiters times: enough for each
	 * condition variable's waiters (at most nthreads - 1). */
	unsigned long long ops = 0;
	for (unsigned i = 0; i < nthreads; i++) {
		pthread_join(a[i].thread, NULL);
		if (broadcast ? i == 0 : i % 2 == 1)
			ops += a[i].done;
	}
	if (!broadcast && ops + j->count != j->produced)
		*ok = false;
	im->fini(j);
	free(j);
	free(a);
	return (double)ops / (t1 - t0);
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return a < b ? -1 : a > b;
}

int main(int argc, char **argv)
{
	unsigned duration_ms = 1000, reps = 3;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--duration-ms") == 0 && i + 1 < argc)
			duration_ms = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
			reps = (unsigned)strtoul(argv[++i], NULL, 10);
		else {
			fprintf(stderr,
				"usage: %s [--duration-ms N] [--reps N]\n",
				argv[0]);
			return 2;
		}
	}
	if (reps == 0)
		reps = 1;
	if (reps > 15)
		reps = 15;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	printf("# usync-cond-bench: %ld online CPUs, %u ms x %u reps per "
	       "point; median (min..max) and ratio to pthread\n",
	       cores, duration_ms, reps);
	printf("%-10s %-22s %7s %14s %24s %7s\n", "workload", "impl",
	       "threads", "ops/s", "spread", "ratio");
	static const unsigned handoff_threads[] = { 2, 4, 8 };
	static const unsigned broadcast_threads[] = { 4, 8 };
	bool all_ok = true;
	for (int w = 0; w < 2; w++) {
		bool broadcast = w == 1;
		const unsigned *counts =
			broadcast ? broadcast_threads : handoff_threads;
		size_t ncounts = broadcast ? 2 : 3;
		for (size_t t = 0; t < ncounts; t++) {
			double peer = 0;
			for (size_t k = 0; k < N_IMPLS; k++) {
				const struct impl *im = &impls[k];
				bool wake_all = im->broadcast == u_wake_all;
				if (wake_all && !broadcast)
					continue;
				double v[15];
				for (unsigned r = 0; r < reps; r++) {
					bool ok = true;
					v[r] = run_once(im, broadcast,
							counts[t], duration_ms,
							&ok);
					all_ok = all_ok && ok;
				}
				qsort(v, reps, sizeof(v[0]), cmp_double);
				double med = v[reps / 2];
				if (k == 0)
					peer = med;
				char spread[64];
				snprintf(spread, sizeof(spread), "%.0f..%.0f",
					 v[0], v[reps - 1]);
				printf("%-10s %-22s %7u %14.0f %24s %7.2f\n",
				       broadcast ? "broadcast" : "handoff",
				       im->name, counts[t], med, spread,
				       peer > 0 ? med / peer : 0.0);
			}
		}
	}
	if (!all_ok)
		printf("# FAILED: items produced and consumed do not "
		       "balance\n");
	return all_ok ? 0 : 1;
}
