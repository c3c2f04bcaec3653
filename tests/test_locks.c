/*
 * tests/test_locks.c - every lock, through both APIs.
 *
 * One test body per property, looping over a table of algorithms: the
 * per-algorithm API through a small adapter per lock (below), and the generic
 * API through usync_lock_algorithms(), so that a lock added to the registry is
 * tested by the generic half without a line here.
 *
 *   exclusion   1, 2, 4, 8 threads (2 cores: 4 and 8 are oversubscribed);
 *               a plain counter updated non-atomically inside the critical
 *               section and an owner check; exact final count, no violation;
 *               a share of the acquisitions by trylock.
 *   fifo        ticket, anderson, mcs, clh: with arrivals serialised (each
 *               waiter observed to have enqueued before the next starts), the
 *               lock is granted in arrival order.
 *   mcs_tp      the time-published MCS lock passes over a waiter that is not
 *               running (held in a signal handler) and grants a running one
 *               behind it; the passed-over waiter re-enqueues and acquires;
 *               a sleeping (parked) waiter is granted in its turn, not
 *               passed over.
 *   trylock     fails, without waiting, while another thread holds the lock;
 *               succeeds once it is free; several locks held at once.
 *   clh abandon the CLH trylock's abandonment path, driven deterministically.
 *   bad input   every error return; destroy(NULL).
 *
 * Assertions are made by the main thread only (CMocka is not thread safe):
 * workers count what they see and the main thread checks the counts.
 * USYNC_TEST_SCALE (a percentage, default 100) scales the iteration counts,
 * for the sanitizer builds.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <usync/usync.h>

#include "offcore.h"
#include "lock_internal.h" /* white box: observe arrivals for the FIFO test */

#define MAX_THREADS 8

static unsigned scaled(unsigned n)
{
	const char *env = getenv("USYNC_TEST_SCALE");
	unsigned pct = env ? (unsigned)strtoul(env, NULL, 10) : 100;
	if (pct == 0)
		pct = 1;
	unsigned v = (unsigned)((unsigned long long)n * pct / 100);
	return v ? v : 1;
}

/* ------------------------------------------------- the two APIs, adapted */

/* Per-thread, per-lock context of the per-algorithm API. */
typedef struct pctx {
	USYNC_ALIGNED usync_mcs_node_t mcs;
	usync_mcs_tp_node_t mcs_tp;
	usync_clh_ctx_t clh;
	unsigned slot;
	usync_lock_ctx_t generic;
} pctx_t;

typedef struct lock_api {
	const char *name;
	bool fifo;
	int (*create)(const struct lock_api *api, void **lock, unsigned max);
	void (*destroy)(void *lock);
	int (*ctx_init)(void *lock, pctx_t *c);  /* may be NULL */
	void (*ctx_fini)(void *lock, pctx_t *c); /* may be NULL */
	void (*lock)(void *lock, pctx_t *c);
	bool (*trylock)(void *lock, pctx_t *c);
	void (*unlock)(void *lock, pctx_t *c);
	uintptr_t (*arrivals)(void *lock); /* changes when a thread enqueues */
	int (*set_policy)(void *lock, usync_wait_policy_t policy);
	/* 0, ETIMEDOUT or EINVAL */
	int (*timedlock)(void *lock, pctx_t *c, const struct timespec *abstime);
} lock_api_t;

static void *alloc_lock(size_t size)
{
	void *p = aligned_alloc(USYNC_CACHELINE,
				(size + USYNC_CACHELINE - 1) / USYNC_CACHELINE *
					USYNC_CACHELINE);
	assert_non_null(p);
	return p;
}

/* Adapters for the locks without memory or context. */
#define SIMPLE_ADAPTER(NAME)                                                   \
	static int NAME##_create(const lock_api_t *api, void **out,           \
				 unsigned max)                                 \
	{                                                                      \
		(void)api;                                                     \
		(void)max;                                                     \
		usync_##NAME##_t *l =                                          \
			(usync_##NAME##_t *)alloc_lock(sizeof(*l));            \
		usync_##NAME##_init(l);                                        \
		*out = l;                                                      \
		return 0;                                                      \
	}                                                                      \
	static void NAME##_lock_(void *l, pctx_t *c)                           \
	{                                                                      \
		(void)c;                                                       \
		usync_##NAME##_lock((usync_##NAME##_t *)l);                    \
	}                                                                      \
	static bool NAME##_trylock_(void *l, pctx_t *c)                        \
	{                                                                      \
		(void)c;                                                       \
		return usync_##NAME##_trylock((usync_##NAME##_t *)l);          \
	}                                                                      \
	static void NAME##_unlock_(void *l, pctx_t *c)                         \
	{                                                                      \
		(void)c;                                                       \
		usync_##NAME##_unlock((usync_##NAME##_t *)l);                  \
	}

/* The timed verb of the locks without memory or context. */
#define TIMED_SIMPLE_ADAPTER(NAME)                                             \
	static int NAME##_timedlock_(void *l, pctx_t *c,                       \
				     const struct timespec *abstime)           \
	{                                                                      \
		(void)c;                                                       \
		return usync_##NAME##_timedlock((usync_##NAME##_t *)l,         \
						abstime);                      \
	}
TIMED_SIMPLE_ADAPTER(tas)
TIMED_SIMPLE_ADAPTER(ttas)
TIMED_SIMPLE_ADAPTER(backoff)
TIMED_SIMPLE_ADAPTER(ticket)

/* Every lock's policy verb, for the adapter table. */
#define POLICY_ADAPTER(NAME)                                                   \
	static int NAME##_policy_(void *l, usync_wait_policy_t p)              \
	{                                                                      \
		return usync_##NAME##_set_policy((usync_##NAME##_t *)l, p);    \
	}
POLICY_ADAPTER(tas)
POLICY_ADAPTER(ttas)
POLICY_ADAPTER(backoff)
POLICY_ADAPTER(ticket)
POLICY_ADAPTER(anderson)
POLICY_ADAPTER(mcs)
POLICY_ADAPTER(clh)
POLICY_ADAPTER(mcs_tp)

SIMPLE_ADAPTER(tas)
SIMPLE_ADAPTER(ttas)
SIMPLE_ADAPTER(backoff)
SIMPLE_ADAPTER(ticket)

static void free_lock(void *l)
{
	free(l);
}

static uintptr_t ticket_arrivals(void *l)
{
	/* relaxed: observation only; the test's order check is made under
	 * the lock itself. */
	return atomic_load_explicit(&((usync_ticket_t *)l)->next_ticket,
				    memory_order_relaxed);
}

static int anderson_create(const lock_api_t *api, void **out, unsigned max)
{
	(void)api;
	usync_anderson_t *l = (usync_anderson_t *)alloc_lock(sizeof(*l));
	int err = usync_anderson_init(l, max);
	if (err) {
		free(l);
		return err;
	}
	*out = l;
	return 0;
}
static void anderson_destroy_(void *l)
{
	usync_anderson_destroy((usync_anderson_t *)l);
	free(l);
}
static void anderson_lock_(void *l, pctx_t *c)
{
	usync_anderson_lock((usync_anderson_t *)l, &c->slot);
}
static bool anderson_trylock_(void *l, pctx_t *c)
{
	return usync_anderson_trylock((usync_anderson_t *)l, &c->slot);
}
static void anderson_unlock_(void *l, pctx_t *c)
{
	usync_anderson_unlock((usync_anderson_t *)l, c->slot);
}
static int anderson_timedlock_(void *l, pctx_t *c,
			      const struct timespec *abstime)
{
	return usync_anderson_timedlock((usync_anderson_t *)l, &c->slot,
					abstime);
}
static uintptr_t anderson_arrivals(void *l)
{
	/* relaxed: observation only. */
	return atomic_load_explicit(&((usync_anderson_t *)l)->next_slot,
				    memory_order_relaxed);
}

static int mcs_create(const lock_api_t *api, void **out, unsigned max)
{
	(void)api;
	(void)max;
	usync_mcs_t *l = (usync_mcs_t *)alloc_lock(sizeof(*l));
	usync_mcs_init(l);
	*out = l;
	return 0;
}
static void mcs_lock_(void *l, pctx_t *c)
{
	usync_mcs_lock((usync_mcs_t *)l, &c->mcs);
}
static bool mcs_trylock_(void *l, pctx_t *c)
{
	return usync_mcs_trylock((usync_mcs_t *)l, &c->mcs);
}
static void mcs_unlock_(void *l, pctx_t *c)
{
	usync_mcs_unlock((usync_mcs_t *)l, &c->mcs);
}
static int mcs_timedlock_(void *l, pctx_t *c, const struct timespec *abstime)
{
	return usync_mcs_timedlock((usync_mcs_t *)l, &c->mcs, abstime);
}
static uintptr_t mcs_arrivals(void *l)
{
	/* relaxed: observation only. */
	return (uintptr_t)atomic_load_explicit(&((usync_mcs_t *)l)->tail,
					       memory_order_relaxed);
}

static int mcs_tp_timedlock_(void *l, pctx_t *c,
			     const struct timespec *abstime)
{
	return usync_mcs_tp_timedlock((usync_mcs_tp_t *)l, &c->mcs_tp, abstime);
}
static int mcs_tp_create(const lock_api_t *api, void **out, unsigned max)
{
	(void)api;
	(void)max;
	usync_mcs_tp_t *l = (usync_mcs_tp_t *)alloc_lock(sizeof(*l));
	usync_mcs_tp_init(l);
	*out = l;
	return 0;
}
static void mcs_tp_lock_(void *l, pctx_t *c)
{
	usync_mcs_tp_lock((usync_mcs_tp_t *)l, &c->mcs_tp);
}
static bool mcs_tp_trylock_(void *l, pctx_t *c)
{
	return usync_mcs_tp_trylock((usync_mcs_tp_t *)l, &c->mcs_tp);
}
static void mcs_tp_unlock_(void *l, pctx_t *c)
{
	usync_mcs_tp_unlock((usync_mcs_tp_t *)l, &c->mcs_tp);
}

static int clh_create(const lock_api_t *api, void **out, unsigned max)
{
	(void)api;
	usync_clh_t *l = (usync_clh_t *)alloc_lock(sizeof(*l));
	int err = usync_clh_init(l, max);
	if (err) {
		free(l);
		return err;
	}
	*out = l;
	return 0;
}
static void clh_destroy_(void *l)
{
	usync_clh_destroy((usync_clh_t *)l);
	free(l);
}
static int clh_ctx_init_(void *l, pctx_t *c)
{
	return usync_clh_ctx_init((usync_clh_t *)l, &c->clh);
}
static void clh_ctx_fini_(void *l, pctx_t *c)
{
	usync_clh_ctx_destroy((usync_clh_t *)l, &c->clh);
}
static void clh_lock_(void *l, pctx_t *c)
{
	usync_clh_lock((usync_clh_t *)l, &c->clh);
}
static bool clh_trylock_(void *l, pctx_t *c)
{
	return usync_clh_trylock((usync_clh_t *)l, &c->clh);
}
static void clh_unlock_(void *l, pctx_t *c)
{
	usync_clh_unlock((usync_clh_t *)l, &c->clh);
}
static int clh_timedlock_(void *l, pctx_t *c, const struct timespec *abstime)
{
	return usync_clh_timedlock((usync_clh_t *)l, &c->clh, abstime);
}
static uintptr_t clh_arrivals(void *l)
{
	/* relaxed: observation only. */
	return (uintptr_t)atomic_load_explicit(&((usync_clh_t *)l)->tail,
					       memory_order_relaxed);
}

static const lock_api_t per_algorithm[] = {
	{ "tas", false, tas_create, free_lock, NULL, NULL, tas_lock_,
	  tas_trylock_, tas_unlock_, NULL, tas_policy_, tas_timedlock_ },
	{ "ttas", false, ttas_create, free_lock, NULL, NULL, ttas_lock_,
	  ttas_trylock_, ttas_unlock_, NULL, ttas_policy_, ttas_timedlock_ },
	{ "backoff", false, backoff_create, free_lock, NULL, NULL,
	  backoff_lock_, backoff_trylock_, backoff_unlock_, NULL,
	  backoff_policy_, backoff_timedlock_ },
	{ "ticket", true, ticket_create, free_lock, NULL, NULL, ticket_lock_,
	  ticket_trylock_, ticket_unlock_, ticket_arrivals, ticket_policy_,
	  ticket_timedlock_ },
	{ "anderson", true, anderson_create, anderson_destroy_, NULL, NULL,
	  anderson_lock_, anderson_trylock_, anderson_unlock_,
	  anderson_arrivals, anderson_policy_, anderson_timedlock_ },
	{ "mcs", true, mcs_create, free_lock, NULL, NULL, mcs_lock_,
	  mcs_trylock_, mcs_unlock_, mcs_arrivals, mcs_policy_,
	  mcs_timedlock_ },
	{ "clh", true, clh_create, clh_destroy_, clh_ctx_init_, clh_ctx_fini_,
	  clh_lock_, clh_trylock_, clh_unlock_, clh_arrivals, clh_policy_,
	  clh_timedlock_ },
	/* Not FIFO once a waiter is descheduled: the fifo test's waiters
	 * outnumber the cores.  Its own test is test_mcs_tp_*. */
	{ "mcs_tp", false, mcs_tp_create, free_lock, NULL, NULL, mcs_tp_lock_,
	  mcs_tp_trylock_, mcs_tp_unlock_, NULL, mcs_tp_policy_,
	  mcs_tp_timedlock_ },
};
#define N_PER (sizeof(per_algorithm) / sizeof(per_algorithm[0]))

/* The generic API: one adapter, the algorithm chosen by name. */
static int generic_create(const lock_api_t *api, void **out, unsigned max)
{
	usync_lock_t *l = NULL;
	int err = usync_lock_create(&l, api->name, max);
	if (err == 0)
		*out = l;
	return err;
}
static void generic_destroy(void *l)
{
	usync_lock_destroy((usync_lock_t *)l);
}
static void generic_lock(void *l, pctx_t *c)
{
	usync_lock_acquire((usync_lock_t *)l, &c->generic);
}
static bool generic_trylock(void *l, pctx_t *c)
{
	return usync_lock_try_acquire((usync_lock_t *)l, &c->generic);
}
static void generic_unlock(void *l, pctx_t *c)
{
	usync_lock_release((usync_lock_t *)l, &c->generic);
}
static int generic_timedlock(void *l, pctx_t *c,
			     const struct timespec *abstime)
{
	return usync_lock_acquire_until((usync_lock_t *)l, &c->generic,
					abstime);
}
static int generic_policy(void *l, usync_wait_policy_t p)
{
	return usync_lock_set_policy((usync_lock_t *)l, p);
}

/* White box: the generic lock's arrival word, by algorithm. */
static uintptr_t generic_arrivals(void *l)
{
	usync_lock_t *lock = (usync_lock_t *)l;
	const char *name = usync_lock_name(lock);
	if (strcmp(name, "ticket") == 0)
		return ticket_arrivals(&lock->state.ticket);
	if (strcmp(name, "anderson") == 0)
		return anderson_arrivals(&lock->state.anderson);
	if (strcmp(name, "mcs") == 0)
		return mcs_arrivals(&lock->state.mcs);
	if (strcmp(name, "clh") == 0)
		return clh_arrivals(&lock->state.clh);
	return 0;
}

static bool is_fifo(const char *name)
{
	return strcmp(name, "ticket") == 0 || strcmp(name, "anderson") == 0 ||
	       strcmp(name, "mcs") == 0 || strcmp(name, "clh") == 0;
}

/* Fills `out` with both APIs of every algorithm; returns the count. */
static size_t all_apis(lock_api_t *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < N_PER && n < cap; i++)
		out[n++] = per_algorithm[i];
	for (const char *const *name = usync_lock_algorithms();
	     *name != NULL && n < cap; name++) {
		lock_api_t g = { *name,		  is_fifo(*name), generic_create,
				 generic_destroy, NULL,		  NULL,
				 generic_lock,	  generic_trylock,
				 generic_unlock,  generic_arrivals,
				 generic_policy,  generic_timedlock };
		out[n++] = g;
	}
	return n;
}

static const char *api_kind(const lock_api_t *api)
{
	return api->create == generic_create ? "generic" : "per-algorithm";
}

/* ----------------------------------------------------- mutual exclusion */

typedef struct shared_state {
	const lock_api_t *api;
	void *lock;
	unsigned iterations;
	/* The protected data: plain, non-atomic words, updated with a
	 * read-delay-write so that a broken lock loses updates. */
	USYNC_ALIGNED unsigned long counter;
	unsigned long shadow;
	/* Owner check, atomically (relaxed: the check itself must not be a
	 * data race; a correct lock orders it anyway). */
	USYNC_ALIGNED _Atomic(unsigned) owner;
	_Atomic(unsigned) violations;
	_Atomic(unsigned) ctx_failures;
	_Atomic(unsigned) go;
} shared_state_t;

typedef struct worker {
	USYNC_ALIGNED shared_state_t *shared;
	unsigned id;
	unsigned long acquired;
	unsigned long by_trylock;
	pthread_t thread;
} worker_t;

static void critical_section(shared_state_t *s, unsigned me)
{
	/* relaxed: a diagnostic; exclusion itself is what is tested. */
	unsigned prev = atomic_exchange_explicit(&s->owner, me,
						 memory_order_relaxed);
	if (prev != 0)
		atomic_fetch_add_explicit(&s->violations, 1,
					  memory_order_relaxed);
	unsigned long v = s->counter;
	for (int i = 0; i < 8; i++)
		usync_cpu_relax();
	s->counter = v + 1;
	s->shadow = s->shadow * 31 + me;
	/* relaxed: as above. */
	prev = atomic_exchange_explicit(&s->owner, 0, memory_order_relaxed);
	if (prev != me)
		atomic_fetch_add_explicit(&s->violations, 1,
					  memory_order_relaxed);
}

static void *exclusion_worker(void *arg)
{
	worker_t *w = (worker_t *)arg;
	shared_state_t *s = w->shared;
	pctx_t *ctx = (pctx_t *)aligned_alloc(USYNC_CACHELINE, sizeof(*ctx));
	if (ctx == NULL || (s->api->ctx_init && s->api->ctx_init(s->lock, ctx))) {
		atomic_fetch_add_explicit(&s->ctx_failures, 1,
					  memory_order_relaxed);
		free(ctx);
		return NULL;
	}
	unsigned seed = w->id * 2654435761u + 1;
	/* acquire: pairs with the main thread's release of `go`, so all
	 * workers start together (more contention). */
	while (!atomic_load_explicit(&s->go, memory_order_acquire))
		sched_yield();
	for (unsigned i = 0; i < s->iterations; i++) {
		seed = seed * 1103515245u + 12345u;
		if ((seed >> 16) % 4 == 0) {
			/* A quarter by trylock, retried: mixes both entry
			 * paths on the same lock. */
			unsigned tries = 0;
			while (!s->api->trylock(s->lock, ctx)) {
				if (++tries % 64 == 0)
					sched_yield();
				else
					usync_cpu_relax();
			}
			w->by_trylock++;
		} else {
			s->api->lock(s->lock, ctx);
		}
		critical_section(s, w->id + 1);
		w->acquired++;
		s->api->unlock(s->lock, ctx);
	}
	if (s->api->ctx_fini)
		s->api->ctx_fini(s->lock, ctx);
	free(ctx);
	return NULL;
}

static const char *policy_name(usync_wait_policy_t p)
{
	return p == USYNC_WAIT_SPIN ? "spin" : p == USYNC_WAIT_YIELD ? "yield" : "park";
}

static void run_exclusion(const lock_api_t *api, unsigned nthreads,
			  usync_wait_policy_t policy)
{
	shared_state_t *s = (shared_state_t *)alloc_lock(sizeof(*s));
	memset(s, 0, sizeof(*s));
	s->api = api;
	/* Fewer per thread when oversubscribed: every queue handoff may need
	 * a context switch there. */
	s->iterations = scaled(nthreads <= 2 ? 20000 : 40000 / nthreads);
	assert_int_equal(api->create(api, &s->lock, nthreads), 0);
	assert_int_equal(api->set_policy(s->lock, policy), 0);
	worker_t workers[MAX_THREADS];
	memset(workers, 0, sizeof(workers));
	for (unsigned t = 0; t < nthreads; t++) {
		workers[t].shared = s;
		workers[t].id = t;
		assert_int_equal(pthread_create(&workers[t].thread, NULL,
						exclusion_worker, &workers[t]),
				 0);
	}
	/* release: pairs with the workers' acquire load of `go`. */
	atomic_store_explicit(&s->go, 1, memory_order_release);
	unsigned long total = 0, tries = 0;
	for (unsigned t = 0; t < nthreads; t++) {
		assert_int_equal(pthread_join(workers[t].thread, NULL), 0);
		total += workers[t].acquired;
		tries += workers[t].by_trylock;
	}
	if (s->counter != total ||
	    atomic_load_explicit(&s->violations, memory_order_relaxed) != 0)
		print_error("%s (%s, %s) at %u threads: counter %lu of %lu, "
			    "%u violations\n",
			    api->name, api_kind(api), policy_name(policy),
			    nthreads, s->counter,
			    total,
			    atomic_load_explicit(&s->violations,
						 memory_order_relaxed));
	assert_int_equal(atomic_load_explicit(&s->ctx_failures,
					      memory_order_relaxed),
			 0);
	assert_int_equal(total, (unsigned long)nthreads * s->iterations);
	assert_int_equal(s->counter, total);
	assert_int_equal(atomic_load_explicit(&s->violations,
					      memory_order_relaxed),
			 0);
	assert_true(tries > 0);
	api->destroy(s->lock);
	free(s);
}

static void test_exclusion(void **state)
{
	(void)state;
	lock_api_t apis[32];
	size_t n = all_apis(apis, 32);
	assert_int_equal(n, 2 * N_PER);
	static const unsigned counts[] = { 1, 2, 4, 8 };
	for (size_t a = 0; a < n; a++)
		for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
			run_exclusion(&apis[a], counts[c], USYNC_WAIT_YIELD);
			run_exclusion(&apis[a], counts[c], USYNC_WAIT_PARK);
			/* Pure spinning is for threads <= cores (2 here). */
			if (counts[c] <= 2)
				run_exclusion(&apis[a], counts[c],
					      USYNC_WAIT_SPIN);
		}
}

/* The pure-spin policy, at threads <= cores (it is meant for that). */
static void *spin_policy_worker(void *arg)
{
	usync_mcs_t *lock = (usync_mcs_t *)((void **)arg)[0];
	unsigned long *counter = (unsigned long *)((void **)arg)[1];
	unsigned n = *(unsigned *)((void **)arg)[2];
	usync_mcs_node_t node;
	for (unsigned i = 0; i < n; i++) {
		usync_mcs_lock(lock, &node);
		++*counter;
		usync_mcs_unlock(lock, &node);
	}
	return NULL;
}

static void test_spin_policy(void **state)
{
	(void)state;
	usync_mcs_t lock;
	usync_mcs_init(&lock);
	assert_int_equal(usync_mcs_set_policy(&lock, USYNC_WAIT_SPIN), 0);
	unsigned long counter = 0;
	unsigned n = scaled(50000);
	void *args[3] = { &lock, &counter, &n };
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL,
						spin_policy_worker, args),
				 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	assert_int_equal(counter, 2ul * n);
}

/* ----------------------------------------------------------------- FIFO */

typedef struct fifo_state {
	const lock_api_t *api;
	void *lock;
	unsigned order[MAX_THREADS]; /* written under the lock */
	unsigned served;             /* written under the lock */
	_Atomic(unsigned) ready;
	_Atomic(unsigned) ctx_failures;
} fifo_state_t;

typedef struct fifo_arg {
	fifo_state_t *f;
	unsigned id;
	pthread_t thread;
} fifo_arg_t;

static void *fifo_waiter(void *arg)
{
	fifo_arg_t *a = (fifo_arg_t *)arg;
	fifo_state_t *f = a->f;
	pctx_t *ctx = (pctx_t *)aligned_alloc(USYNC_CACHELINE, sizeof(*ctx));
	if (ctx == NULL || (f->api->ctx_init && f->api->ctx_init(f->lock, ctx))) {
		atomic_fetch_add_explicit(&f->ctx_failures, 1,
					  memory_order_relaxed);
		free(ctx);
		return NULL;
	}
	f->api->lock(f->lock, ctx);
	f->order[f->served++] = a->id;
	f->api->unlock(f->lock, ctx);
	if (f->api->ctx_fini)
		f->api->ctx_fini(f->lock, ctx);
	free(ctx);
	return NULL;
}

static void run_fifo(const lock_api_t *api, unsigned nwaiters,
		     usync_wait_policy_t policy)
{
	fifo_state_t f;
	memset(&f, 0, sizeof(f));
	f.api = api;
	assert_int_equal(api->create(api, &f.lock, nwaiters + 1), 0);
	assert_int_equal(api->set_policy(f.lock, policy), 0);
	pctx_t *holder = (pctx_t *)aligned_alloc(USYNC_CACHELINE,
						 sizeof(*holder));
	assert_non_null(holder);
	if (api->ctx_init)
		assert_int_equal(api->ctx_init(f.lock, holder), 0);
	api->lock(f.lock, holder);

	fifo_arg_t args[MAX_THREADS];
	for (unsigned k = 0; k < nwaiters; k++) {
		uintptr_t before = api->arrivals(f.lock);
		args[k].f = &f;
		args[k].id = k;
		assert_int_equal(pthread_create(&args[k].thread, NULL,
						fifo_waiter, &args[k]),
				 0);
		/* Serialise arrivals: the next waiter starts only once this
		 * one has taken its place in the queue. */
		while (api->arrivals(f.lock) == before)
			sched_yield();
	}
	api->unlock(f.lock, holder);
	for (unsigned k = 0; k < nwaiters; k++)
		assert_int_equal(pthread_join(args[k].thread, NULL), 0);
	assert_int_equal(atomic_load_explicit(&f.ctx_failures,
					      memory_order_relaxed),
			 0);
	assert_int_equal(f.served, nwaiters);
	for (unsigned k = 0; k < nwaiters; k++) {
		if (f.order[k] != k)
			print_error("%s (%s): position %u served waiter %u\n",
				    api->name, api_kind(api), k, f.order[k]);
		assert_int_equal(f.order[k], k);
	}
	if (api->ctx_fini)
		api->ctx_fini(f.lock, holder);
	free(holder);
	api->destroy(f.lock);
}

static void test_fifo(void **state)
{
	(void)state;
	lock_api_t apis[32];
	size_t n = all_apis(apis, 32);
	size_t tested = 0;
	for (size_t a = 0; a < n; a++) {
		if (!apis[a].fifo)
			continue;
		for (int round = 0; round < 10; round++) {
			run_fifo(&apis[a], MAX_THREADS - 1, USYNC_WAIT_YIELD);
			/* Parked waiters must be woken in order too. */
			run_fifo(&apis[a], MAX_THREADS - 1, USYNC_WAIT_PARK);
		}
		tested++;
	}
	assert_int_equal(tested, 8); /* 4 FIFO locks x 2 APIs */
}

/* -------------------------------------------------------------- trylock */

typedef struct holder_state {
	const lock_api_t *api;
	void *lock;
	pctx_t *ctx;
	_Atomic(unsigned) phase; /* 1: holding, 2: main says release */
} holder_state_t;

static void *holder_thread(void *arg)
{
	holder_state_t *h = (holder_state_t *)arg;
	h->api->lock(h->lock, h->ctx);
	/* release/acquire: the phase handshake with the main thread. */
	atomic_store_explicit(&h->phase, 1, memory_order_release);
	while (atomic_load_explicit(&h->phase, memory_order_acquire) != 2)
		sched_yield();
	h->api->unlock(h->lock, h->ctx);
	return NULL;
}

static void test_trylock(void **state)
{
	(void)state;
	lock_api_t apis[32];
	size_t n = all_apis(apis, 32);
	for (size_t a = 0; a < 2 * n; a++) {
		const lock_api_t *api = &apis[a % n];
		void *lock;
		assert_int_equal(api->create(api, &lock, 4), 0);
		assert_int_equal(api->set_policy(lock, a < n ? USYNC_WAIT_YIELD
							    : USYNC_WAIT_PARK),
				 0);
		pctx_t *mine = (pctx_t *)aligned_alloc(USYNC_CACHELINE,
						       2 * sizeof(*mine));
		assert_non_null(mine);
		pctx_t *theirs = mine + 1;
		if (api->ctx_init) {
			assert_int_equal(api->ctx_init(lock, mine), 0);
			assert_int_equal(api->ctx_init(lock, theirs), 0);
		}
		/* Free: succeeds; held by us: a second trylock fails. */
		assert_true(api->trylock(lock, mine));
		pctx_t *again = (pctx_t *)aligned_alloc(USYNC_CACHELINE,
							sizeof(*again));
		assert_non_null(again);
		if (api->ctx_init)
			assert_int_equal(api->ctx_init(lock, again), 0);
		assert_false(api->trylock(lock, again));
		api->unlock(lock, mine);

		/* Held by another thread: fails at once, every time. */
		holder_state_t h = { api, lock, theirs, 0 };
		pthread_t t;
		assert_int_equal(pthread_create(&t, NULL, holder_thread, &h),
				 0);
		while (atomic_load_explicit(&h.phase, memory_order_acquire) != 1)
			sched_yield();
		for (int i = 0; i < 1000; i++)
			assert_false(api->trylock(lock, mine));
		atomic_store_explicit(&h.phase, 2, memory_order_release);
		assert_int_equal(pthread_join(t, NULL), 0);

		/* Free again: succeeds, and lock/unlock still work. */
		assert_true(api->trylock(lock, mine));
		api->unlock(lock, mine);
		api->lock(lock, mine);
		api->unlock(lock, mine);
		if (api->ctx_fini) {
			api->ctx_fini(lock, again);
			api->ctx_fini(lock, mine);
			api->ctx_fini(lock, theirs);
		}
		free(again);
		free(mine);
		api->destroy(lock);
	}
}

/* One thread holding every lock at once, each with its own context. */
static void test_nested(void **state)
{
	(void)state;
	const char *const *names = usync_lock_algorithms();
	usync_lock_t *locks[16];
	usync_lock_ctx_t *ctxs = (usync_lock_ctx_t *)aligned_alloc(
		USYNC_CACHELINE, 16 * sizeof(usync_lock_ctx_t));
	assert_non_null(ctxs);
	size_t n = 0;
	for (; names[n] != NULL; n++) {
		assert_true(n < 16);
		assert_int_equal(usync_lock_create(&locks[n], names[n], 2), 0);
		assert_string_equal(usync_lock_name(locks[n]), names[n]);
	}
	for (size_t i = 0; i < n; i++)
		usync_lock_acquire(locks[i], &ctxs[i]);
	for (size_t i = 0; i < n; i++) {
		usync_lock_ctx_t other;
		assert_false(usync_lock_try_acquire(locks[i], &other));
	}
	for (size_t i = n; i-- > 0;)
		usync_lock_release(locks[i], &ctxs[i]);
	for (size_t i = 0; i < n; i++) {
		assert_true(usync_lock_try_acquire(locks[i], &ctxs[i]));
		usync_lock_release(locks[i], &ctxs[i]);
		usync_lock_destroy(locks[i]);
	}
	free(ctxs);
}

/*
 * Anderson beyond its capacity stays correct: slots hold ticket numbers,
 * so two waiters sharing a slot each wait for their own.  Release builds
 * only: debug builds abort on it by design (the death test in
 * test_misuse.c).
 */
#if !USYNC_DEBUG_CHECKS
static int anderson_create_small(const lock_api_t *api, void **out,
				 unsigned max)
{
	(void)max;
	return anderson_create(api, out, 2);
}

static void test_anderson_over_capacity(void **state)
{
	(void)state;
	lock_api_t small = per_algorithm[4];
	assert_string_equal(small.name, "anderson");
	small.create = anderson_create_small;
	run_exclusion(&small, 8, USYNC_WAIT_YIELD);
	run_exclusion(&small, 8, USYNC_WAIT_PARK);
}
#endif

/* ------------------------------------------------- Anderson, timed leave */

static uint32_t anderson_slot_value(usync_anderson_t *lock, uint32_t ticket)
{
	/* relaxed: test observation. */
	return atomic_load_explicit(&lock->slots[ticket & lock->mask].granted,
				    memory_order_relaxed) &
	       ~USYNC_PARKED;
}

static uint32_t anderson_next(usync_anderson_t *lock)
{
	/* relaxed: test observation. */
	return atomic_load_explicit(&lock->next_slot, memory_order_relaxed);
}

typedef struct anderson_waiter {
	usync_anderson_t *lock;
	const struct timespec *deadline; /* NULL: usync_anderson_lock */
	int rc;
	_Atomic(int) acquired;
} anderson_waiter_t;

static void *anderson_waiter_thread(void *arg)
{
	anderson_waiter_t *w = (anderson_waiter_t *)arg;
	unsigned slot = 0;
	if (w->deadline != NULL) {
		w->rc = usync_anderson_timedlock(w->lock, &slot, w->deadline);
		if (w->rc != 0)
			return NULL;
	} else {
		usync_anderson_lock(w->lock, &slot);
	}
	/* release: pairs with the main thread's acquire poll. */
	atomic_store_explicit(&w->acquired, 1, memory_order_release);
	usync_anderson_unlock(w->lock, slot);
	return NULL;
}

/*
 * Leavers, driven from one thread with deadlines already past.  Two timed
 * waiters in a row leave (the second behind the first's mark); the next
 * arrival follows both marks back to the holder's successor slot and gets
 * the lock when the holder releases it, not before; its unlock grants the
 * next ticket.  A leaver at the tail: the holder's grant lands in the
 * leaver's slot, and a trylock follows the mark to it.
 */
static void test_anderson_timed_leave(void **state)
{
	(void)state;
	const struct timespec past = { 0, 0 };
	usync_anderson_t lock;
	assert_int_equal(usync_anderson_init(&lock, 4), 0);
	unsigned held, slot = 12345;
	usync_anderson_lock(&lock, &held); /* ticket 0 */
	assert_int_equal(usync_anderson_timedlock(&lock, &slot, &past),
			 ETIMEDOUT); /* ticket 1 */
	assert_int_equal(slot, 12345); /* untouched */
	assert_int_equal(anderson_next(&lock), 2);
	assert_int_equal(anderson_slot_value(&lock, 2), USYNC_ANDERSON_LEFT | 2);
	assert_int_equal(usync_anderson_timedlock(&lock, &slot, &past),
			 ETIMEDOUT); /* ticket 2, behind the first mark */
	assert_int_equal(anderson_slot_value(&lock, 3), USYNC_ANDERSON_LEFT | 3);
	assert_false(usync_anderson_trylock(&lock, &slot));

	anderson_waiter_t w = { &lock, NULL, 0, 0 };
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, anderson_waiter_thread, &w),
			 0); /* ticket 3 */
	while (anderson_next(&lock) != 4)
		sched_yield();
	for (int i = 0; i < 50; i++) {
		assert_int_equal(atomic_load_explicit(&w.acquired,
						      memory_order_acquire),
				 0);
		sched_yield();
	}
	usync_anderson_unlock(&lock, held); /* grants ticket 1 */
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(atomic_load_explicit(&w.acquired,
					      memory_order_acquire),
			 1);
	/* The inheritor's unlock granted ticket 4 in order. */
	assert_int_equal(anderson_slot_value(&lock, 4), 4);

	/* A leaver at the tail, then the release: the lock is free behind
	 * a mark. */
	usync_anderson_lock(&lock, &held); /* ticket 4 */
	assert_int_equal(usync_anderson_timedlock(&lock, &slot, &past),
			 ETIMEDOUT); /* ticket 5 */
	usync_anderson_unlock(&lock, held); /* grants 5, to nobody */
	assert_int_equal(anderson_slot_value(&lock, 5), 5);
	assert_true(usync_anderson_trylock(&lock, &slot)); /* ticket 6 */
	assert_int_equal(slot, 6 & lock.mask);
	usync_anderson_unlock(&lock, slot);
	/* And through timedlock, with its deadline past. */
	usync_anderson_lock(&lock, &held); /* ticket 7 */
	assert_int_equal(usync_anderson_timedlock(&lock, &slot, &past),
			 ETIMEDOUT); /* ticket 8 */
	usync_anderson_unlock(&lock, held);
	assert_int_equal(usync_anderson_timedlock(&lock, &slot, &past), 0);
	assert_int_equal(slot, 9 & lock.mask);
	usync_anderson_unlock(&lock, slot);
	usync_anderson_lock(&lock, &held); /* ticket 10, granted in order */
	assert_int_equal(held, 10 & lock.mask);
	usync_anderson_unlock(&lock, held);
	usync_anderson_destroy(&lock);
}

/*
 * A leaver's ticket stays outstanding until the grant passes it, so a
 * thread timing out again and again would fill the array.  The timed path
 * takes a ticket only while one of the slots - 1 tickets before it has
 * been released: with the lock held, at most slots - 1 tickets are ever
 * outstanding, however many timeouts.  After the release, a trylock
 * follows every mark back to the grant.
 */
static void test_anderson_timed_room(void **state)
{
	(void)state;
	const struct timespec past = { 0, 0 };
	for (unsigned capacity = 1; capacity <= 5; capacity++) {
		usync_anderson_t lock;
		assert_int_equal(usync_anderson_init(&lock, capacity), 0);
		uint32_t slots = lock.mask + 1;
		assert_true(slots > capacity);
		unsigned held, slot;
		usync_anderson_lock(&lock, &held);
		for (int i = 0; i < 1000; i++) {
			assert_int_equal(usync_anderson_timedlock(&lock, &slot,
								  &past),
					 ETIMEDOUT);
			assert_true(anderson_next(&lock) <= slots - 1);
		}
		assert_int_equal(anderson_next(&lock), slots - 1);
		usync_anderson_unlock(&lock, held);
		assert_true(usync_anderson_trylock(&lock, &slot));
		assert_int_equal(slot, (slots - 1) & lock.mask);
		usync_anderson_unlock(&lock, slot);
		assert_int_equal(usync_anderson_timedlock(&lock, &slot, &past),
				 0);
		usync_anderson_unlock(&lock, slot);
		usync_anderson_destroy(&lock);
	}
}

/*
 * Under the park policy a waiter sleeps on its own slot.  When the ticket
 * before it leaves, the mark is what wakes it; it then waits for the
 * leaver's grant and acquires after the holder releases.
 */
static void test_anderson_timed_parked_successor(void **state)
{
	(void)state;
	usync_anderson_t lock;
	assert_int_equal(usync_anderson_init(&lock, 3), 0);
	assert_int_equal(usync_anderson_set_policy(&lock, USYNC_WAIT_PARK), 0);
	unsigned held;
	usync_anderson_lock(&lock, &held); /* ticket 0 */
	struct timespec soon;
	clock_gettime(CLOCK_MONOTONIC, &soon);
	soon.tv_nsec += 50 * 1000 * 1000;
	if (soon.tv_nsec >= 1000000000L) {
		soon.tv_sec++;
		soon.tv_nsec -= 1000000000L;
	}
	anderson_waiter_t leaver = { &lock, &soon, -1, 0 };
	anderson_waiter_t w = { &lock, NULL, 0, 0 };
	pthread_t tl, tw;
	assert_int_equal(pthread_create(&tl, NULL, anderson_waiter_thread,
					&leaver),
			 0);
	while (anderson_next(&lock) != 2)
		sched_yield(); /* the leaver holds ticket 1 */
	assert_int_equal(pthread_create(&tw, NULL, anderson_waiter_thread, &w),
			 0); /* ticket 2 */
	assert_int_equal(pthread_join(tl, NULL), 0);
	assert_int_equal(leaver.rc, ETIMEDOUT); /* the lock stayed held */
	for (int i = 0; i < 50; i++) {
		assert_int_equal(atomic_load_explicit(&w.acquired,
						      memory_order_acquire),
				 0);
		sched_yield();
	}
	usync_anderson_unlock(&lock, held);
	assert_int_equal(pthread_join(tw, NULL), 0);
	assert_int_equal(atomic_load_explicit(&w.acquired,
					      memory_order_acquire),
			 1);
	usync_anderson_destroy(&lock);
}

/* ------------------------------------------------------ CLH abandonment */

typedef struct clh_waiter {
	usync_clh_t *lock;
	usync_clh_ctx_t ctx;
	_Atomic(unsigned) acquired;
} clh_waiter_t;

static void *clh_waiter_thread(void *arg)
{
	clh_waiter_t *w = (clh_waiter_t *)arg;
	usync_clh_lock(w->lock, &w->ctx);
	/* release: pairs with the main thread's acquire poll. */
	atomic_store_explicit(&w->acquired, 1, memory_order_release);
	usync_clh_unlock(w->lock, &w->ctx);
	return NULL;
}

/*
 * Drive the path a trylock takes when it loses the ABA race on the tail:
 * its CAS succeeds behind a node that is WAITING.  We build that state by
 * hand (holder H; our node swapped in behind H's), then let the library
 * resolve it: the trylock must fail and abandon, a later waiter must pass the
 * abandoned node, wait for H and acquire, and every node must return to the
 * pool.
 */
static void test_clh_abandon(void **state)
{
	(void)state;
	usync_clh_t lock;
	assert_int_equal(usync_clh_init(&lock, 3), 0);
	usync_clh_ctx_t holder, trier;
	assert_int_equal(usync_clh_ctx_init(&lock, &holder), 0);
	assert_int_equal(usync_clh_ctx_init(&lock, &trier), 0);
	usync_clh_lock(&lock, &holder);

	usync_clh_node_t *held = atomic_load_explicit(&lock.tail,
						      memory_order_relaxed);
	usync_clh_node_t *mine = trier.node;
	/* relaxed (test set-up in one thread): the same stores the trylock
	 * makes before its CAS. */
	atomic_store_explicit(&mine->state, USYNC_CLH_WAITING,
			      memory_order_relaxed);
	usync_clh_node_t *expected = held;
	assert_true(atomic_compare_exchange_strong_explicit(
		&lock.tail, &expected, mine, memory_order_acq_rel,
		memory_order_relaxed));
	assert_false(usync_clh_trylock_queued(&lock, &trier, held));
	assert_ptr_not_equal(trier.node, mine); /* got a fresh node */
	assert_int_equal(atomic_load_explicit(&mine->state,
					      memory_order_relaxed),
			 USYNC_CLH_REDIRECT +
				 (uint32_t)(held - lock.nodes)); /* to H */

	/* A plain trylock now fails too: the chain ends in a held node. */
	assert_false(usync_clh_trylock(&lock, &trier));

	clh_waiter_t w = { &lock, { NULL, NULL }, 0 };
	assert_int_equal(usync_clh_ctx_init(&lock, &w.ctx), 0);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, clh_waiter_thread, &w), 0);
	/* The waiter enqueues behind the abandoned node and must not get the
	 * lock while H holds it. */
	while (atomic_load_explicit(&lock.tail, memory_order_relaxed) == mine)
		sched_yield();
	for (int i = 0; i < 50; i++) {
		assert_int_equal(atomic_load_explicit(&w.acquired,
						      memory_order_acquire),
				 0);
		sched_yield();
	}
	usync_clh_unlock(&lock, &holder);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(atomic_load_explicit(&w.acquired,
					      memory_order_acquire),
			 1);

	/* The lock is free again, through the trylock. */
	assert_true(usync_clh_trylock(&lock, &trier));
	usync_clh_unlock(&lock, &trier);

	/* Every node is back: with the three contexts returned, all
	 * 2 * 3 + 1 - 1 non-front nodes are in the pool again. */
	usync_clh_ctx_destroy(&lock, &holder);
	usync_clh_ctx_destroy(&lock, &trier);
	usync_clh_ctx_destroy(&lock, &w.ctx);
	unsigned pooled = 0;
	uint64_t head = atomic_load_explicit(&lock.pool, memory_order_relaxed);
	for (uint32_t i = (uint32_t)head; i != 0 && pooled < lock.nnodes;
	     i = atomic_load_explicit(&lock.nodes[i - 1].next_free,
				      memory_order_relaxed))
		pooled++;
	assert_int_equal(pooled, 6);
	usync_clh_destroy(&lock);
}

static unsigned clh_pooled(usync_clh_t *lock)
{
	/* relaxed (all): read by the only thread using the lock. */
	unsigned pooled = 0;
	uint64_t head = atomic_load_explicit(&lock->pool, memory_order_relaxed);
	for (uint32_t i = (uint32_t)head; i != 0 && pooled <= lock->nnodes;
	     i = atomic_load_explicit(&lock->nodes[i - 1].next_free,
				      memory_order_relaxed))
		pooled++;
	return pooled;
}

static uint32_t clh_state(const usync_clh_node_t *node)
{
	/* relaxed: test observation. */
	return atomic_load_explicit(&node->state, memory_order_relaxed);
}

static uint32_t clh_redirect_to(const usync_clh_t *lock,
				const usync_clh_node_t *node)
{
	return USYNC_CLH_REDIRECT + (uint32_t)(node - lock->nodes);
}

/* Enqueue ctx's node by hand, as the lock's swap does; returns the node
 * behind which it waits. */
static usync_clh_node_t *clh_enqueue(usync_clh_t *lock, usync_clh_ctx_t *ctx)
{
	/* relaxed store, acq_rel swap: the same accesses usync_clh_lock
	 * makes before it polls. */
	atomic_store_explicit(&ctx->node->state, USYNC_CLH_WAITING,
			      memory_order_relaxed);
	return atomic_exchange_explicit(&lock->tail, ctx->node,
					memory_order_acq_rel);
}

/*
 * The timed CLH wait's abandonment, driven by hand.  A timed waiter whose
 * deadline passes redirects its node to the one it waited on and continues
 * with a fresh node; a second leaver right behind it passes the first
 * leaver's node (its predecessor is itself abandoned) and redirects to the
 * holder's; the next arrival, behind the tail that is now abandoned, follows
 * both redirections and gets the lock when the holder releases it.  A timed
 * wait whose predecessor is granted takes the lock even with a deadline
 * already past.  At the end every node is back in the pool.
 */
static void test_clh_timed_abandon(void **state)
{
	(void)state;
	const struct timespec past = { 0, 0 };
	usync_clh_t lock;
	assert_int_equal(usync_clh_init(&lock, 4), 0);
	usync_clh_ctx_t holder, first, second;
	assert_int_equal(usync_clh_ctx_init(&lock, &holder), 0);
	assert_int_equal(usync_clh_ctx_init(&lock, &first), 0);
	assert_int_equal(usync_clh_ctx_init(&lock, &second), 0);
	usync_clh_lock(&lock, &holder);
	usync_clh_node_t *held = holder.node;

	/* Two waiters queued behind the holder, in order. */
	usync_clh_node_t *first_node = first.node, *second_node = second.node;
	assert_ptr_equal(clh_enqueue(&lock, &first), held);
	assert_ptr_equal(clh_enqueue(&lock, &second), first_node);

	/* The first times out: its node now sends its successor to the
	 * holder's, and its context has a fresh node. */
	assert_int_equal(usync_clh_timedlock_slow(&lock, &first, held, &past),
			 ETIMEDOUT);
	assert_ptr_not_equal(first.node, first_node);
	assert_int_equal(clh_state(first_node), clh_redirect_to(&lock, held));
	/* The second, behind an abandoned node, passes it (back to the pool)
	 * and abandons its own, redirected to the holder's too. */
	unsigned pooled = clh_pooled(&lock);
	assert_int_equal(usync_clh_timedlock_slow(&lock, &second, first_node,
						  &past),
			 ETIMEDOUT);
	assert_int_equal(clh_state(second_node), clh_redirect_to(&lock, held));
	assert_int_equal(clh_pooled(&lock), pooled); /* one in, one out */

	/* The tail is abandoned: trylock and timedlock still fail while the
	 * lock is held, and the contexts stay usable. */
	assert_false(usync_clh_trylock(&lock, &first));
	assert_int_equal(usync_clh_timedlock(&lock, &first, &past), ETIMEDOUT);
	assert_int_equal(usync_clh_timedlock(&lock, &second, &past), ETIMEDOUT);

	/* The next arrival waits behind the abandoned tail, not before the
	 * holder is done. */
	clh_waiter_t w = { &lock, { NULL, NULL }, 0 };
	assert_int_equal(usync_clh_ctx_init(&lock, &w.ctx), 0);
	usync_clh_node_t *tail_before =
		atomic_load_explicit(&lock.tail, memory_order_relaxed);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, clh_waiter_thread, &w), 0);
	while (atomic_load_explicit(&lock.tail, memory_order_relaxed) ==
	       tail_before)
		sched_yield();
	for (int i = 0; i < 50; i++) {
		assert_int_equal(atomic_load_explicit(&w.acquired,
						      memory_order_acquire),
				 0);
		sched_yield();
	}
	usync_clh_unlock(&lock, &holder);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(atomic_load_explicit(&w.acquired,
					      memory_order_acquire),
			 1);

	/* Granted predecessor, deadline past: acquired. */
	usync_clh_node_t *pred = clh_enqueue(&lock, &first);
	assert_int_equal(usync_clh_timedlock_slow(&lock, &first, pred, &past),
			 0);
	usync_clh_unlock(&lock, &first);
	assert_int_equal(usync_clh_timedlock(&lock, &second, &past), 0);
	usync_clh_unlock(&lock, &second);

	usync_clh_ctx_destroy(&lock, &holder);
	usync_clh_ctx_destroy(&lock, &first);
	usync_clh_ctx_destroy(&lock, &second);
	usync_clh_ctx_destroy(&lock, &w.ctx);
	assert_int_equal(clh_pooled(&lock), lock.nnodes - 1);
	usync_clh_destroy(&lock);
}

/*
 * Timeouts in a row do not drain the pool: each timed attempt passes the
 * node its previous one abandoned.  Every context of a full lock times out
 * many times while the lock is held; all then acquire, and every node is
 * back in the pool.
 */
static void test_clh_timed_pool(void **state)
{
	(void)state;
	const struct timespec past = { 0, 0 };
	for (unsigned max = 2; max <= 4; max++) {
		usync_clh_t lock;
		usync_clh_ctx_t ctx[4];
		assert_int_equal(usync_clh_init(&lock, max), 0);
		for (unsigned i = 0; i < max; i++)
			assert_int_equal(usync_clh_ctx_init(&lock, &ctx[i]), 0);
		usync_clh_lock(&lock, &ctx[0]);
		for (unsigned round = 0; round < 1000; round++)
			for (unsigned i = 1; i < max; i++) {
				assert_int_equal(usync_clh_timedlock(
							 &lock, &ctx[i], &past),
						 ETIMEDOUT);
				/* Out of the pool: the front node, the
				 * contexts' and the one abandoned node
				 * awaiting its successor. */
				assert_int_equal(clh_pooled(&lock), max - 1);
			}
		usync_clh_unlock(&lock, &ctx[0]);
		for (unsigned i = 1; i < max; i++) {
			assert_int_equal(usync_clh_timedlock(&lock, &ctx[i],
							     &past),
					 0);
			usync_clh_unlock(&lock, &ctx[i]);
		}
		for (unsigned i = 0; i < max; i++)
			usync_clh_ctx_destroy(&lock, &ctx[i]);
		assert_int_equal(clh_pooled(&lock), lock.nnodes - 1);
		usync_clh_destroy(&lock);
	}
}

/*
 * Under the park policy a waiter sleeps on its predecessor's node.  When
 * that predecessor's owner times out, its redirection is what wakes the
 * sleeper, which then waits on the holder's node and acquires after it.
 */
static void test_clh_timed_parked_successor(void **state)
{
	(void)state;
	const struct timespec past = { 0, 0 };
	usync_clh_t lock;
	assert_int_equal(usync_clh_init(&lock, 3), 0);
	assert_int_equal(usync_clh_set_policy(&lock, USYNC_WAIT_PARK), 0);
	usync_clh_ctx_t holder, leaver;
	assert_int_equal(usync_clh_ctx_init(&lock, &holder), 0);
	assert_int_equal(usync_clh_ctx_init(&lock, &leaver), 0);
	usync_clh_lock(&lock, &holder);
	usync_clh_node_t *leaver_node = leaver.node;
	assert_ptr_equal(clh_enqueue(&lock, &leaver), holder.node);

	clh_waiter_t w = { &lock, { NULL, NULL }, 0 };
	assert_int_equal(usync_clh_ctx_init(&lock, &w.ctx), 0);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, clh_waiter_thread, &w), 0);
	/* The waiter sleeps on the leaver's node. */
	while (!(clh_state(leaver_node) & USYNC_PARKED))
		sched_yield();
	assert_int_equal(usync_clh_timedlock_slow(&lock, &leaver,
						  holder.node, &past),
			 ETIMEDOUT);
	/* Woken and redirected: it now sleeps on (or polls) the holder's
	 * node and must not get the lock before the holder releases it. */
	while (!(clh_state(holder.node) & USYNC_PARKED))
		sched_yield();
	assert_int_equal(atomic_load_explicit(&w.acquired,
					      memory_order_acquire),
			 0);
	usync_clh_unlock(&lock, &holder);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(atomic_load_explicit(&w.acquired,
					      memory_order_acquire),
			 1);
	usync_clh_ctx_destroy(&lock, &holder);
	usync_clh_ctx_destroy(&lock, &leaver);
	usync_clh_ctx_destroy(&lock, &w.ctx);
	assert_int_equal(clh_pooled(&lock), lock.nnodes - 1);
	usync_clh_destroy(&lock);
}

/*
 * usync_clh_ctx_init admits exactly max_threads live contexts, whatever the
 * pool holds: the other max_threads + 1 nodes are the front node and the
 * reserve an abandoning trylock draws on.  (With the reserve taken by extra
 * contexts, a trylock that lost the tail race found no node and waited for
 * the holder.)
 */
static void test_clh_context_count(void **state)
{
	(void)state;
	for (unsigned max = 1; max <= 4; max++) {
		usync_clh_t lock;
		usync_clh_ctx_t ctx[8];
		assert_int_equal(usync_clh_init(&lock, max), 0);
		for (unsigned i = 0; i < max; i++)
			assert_int_equal(usync_clh_ctx_init(&lock, &ctx[i]), 0);
		usync_clh_ctx_t extra = { NULL, NULL };
		assert_int_equal(usync_clh_ctx_init(&lock, &extra), EAGAIN);
		assert_null(extra.node); /* untouched on failure */
		/* A destroyed context makes room for exactly one. */
		usync_clh_ctx_destroy(&lock, &ctx[0]);
		assert_int_equal(usync_clh_ctx_init(&lock, &ctx[0]), 0);
		assert_int_equal(usync_clh_ctx_init(&lock, &extra), EAGAIN);
		/* Every context can abandon once while the lock is held (the
		 * ABA case built by hand as in test_clh_abandon), and still
		 * fails at once instead of waiting. */
		usync_clh_lock(&lock, &ctx[0]);
		for (unsigned i = 1; i < max; i++) {
			usync_clh_node_t *tail = atomic_load_explicit(
				&lock.tail, memory_order_relaxed);
			usync_clh_node_t *mine = ctx[i].node;
			atomic_store_explicit(&mine->state, USYNC_CLH_WAITING,
					      memory_order_relaxed);
			assert_true(atomic_compare_exchange_strong_explicit(
				&lock.tail, &tail, mine, memory_order_acq_rel,
				memory_order_relaxed));
			assert_false(usync_clh_trylock_queued(&lock, &ctx[i],
							      tail));
			assert_non_null(ctx[i].node);
			assert_false(usync_clh_trylock(&lock, &ctx[i]));
		}
		usync_clh_unlock(&lock, &ctx[0]);
		for (unsigned i = 1; i < max; i++) {
			assert_true(usync_clh_trylock(&lock, &ctx[i]));
			usync_clh_unlock(&lock, &ctx[i]);
		}
		for (unsigned i = 0; i < max; i++)
			usync_clh_ctx_destroy(&lock, &ctx[i]);
		usync_clh_destroy(&lock);
	}
}

/*
 * The generic API's CLH try_acquire never waits, even when more than
 * max_threads acquisitions are in flight and the node pool is empty (it
 * used to wait there for a node to come back).  max_threads = 1: the pool
 * has two spare nodes; the holder and one blocked waiter take both.
 */
typedef struct generic_waiter {
	usync_lock_t *lock;
	_Atomic(int) done;
} generic_waiter_t;

static void *generic_waiter_thread(void *arg)
{
	generic_waiter_t *w = (generic_waiter_t *)arg;
	usync_lock_ctx_t ctx;
	usync_lock_acquire(w->lock, &ctx);
	usync_lock_release(w->lock, &ctx);
	/* release: pairs with the test's acquire load. */
	atomic_store_explicit(&w->done, 1, memory_order_release);
	return NULL;
}

static void test_clh_generic_trylock_pool_empty(void **state)
{
	(void)state;
	generic_waiter_t w;
	assert_int_equal(usync_lock_create(&w.lock, "clh", 1), 0);
	atomic_store_explicit(&w.done, 0, memory_order_relaxed);
	usync_lock_set_policy(w.lock, USYNC_WAIT_PARK);
	usync_lock_ctx_t holder, trier;
	usync_lock_acquire(w.lock, &holder);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, generic_waiter_thread, &w),
			 0);
	/* relaxed: white-box look at the pool until the waiter has taken
	 * the last spare node. */
	while ((uint32_t)atomic_load_explicit(&w.lock->state.clh.pool,
					      memory_order_relaxed) != 0)
		sched_yield();
	alarm(60); /* a trylock that waits for a node never returns */
	assert_false(usync_lock_try_acquire(w.lock, &trier));
	alarm(0);
	assert_int_equal(atomic_load_explicit(&w.done, memory_order_acquire),
			 0);
	usync_lock_release(w.lock, &holder);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_true(usync_lock_try_acquire(w.lock, &trier));
	usync_lock_release(w.lock, &trier);
	usync_lock_destroy(w.lock);
}

/* ------------------------------------------- time-published MCS (mcs_tp) */

typedef struct tp_waiter {
	usync_mcs_tp_t *lock;
	USYNC_ALIGNED usync_mcs_tp_node_t node;
	unsigned id;
	unsigned *order;  /* written under the lock */
	unsigned *served; /* written under the lock */
	_Atomic(unsigned) acquired;
	pthread_t thread;
} tp_waiter_t;

static void *tp_waiter_thread(void *arg)
{
	tp_waiter_t *w = (tp_waiter_t *)arg;
	usync_mcs_tp_lock(w->lock, &w->node);
	w->order[(*w->served)++] = w->id;
	/* release: pairs with the main thread's acquire poll. */
	atomic_store_explicit(&w->acquired, 1, memory_order_release);
	usync_mcs_tp_unlock(w->lock, &w->node);
	return NULL;
}

/* Start a waiter and return once its node is the lock's tail (enqueued). */
static void tp_start(tp_waiter_t *w)
{
	assert_int_equal(pthread_create(&w->thread, NULL, tp_waiter_thread, w),
			 0);
	/* relaxed: observation only. */
	while (atomic_load_explicit(&w->lock->tail, memory_order_relaxed) !=
	       &w->node)
		sched_yield();
}

/* Wait until node has linked in behind pred and published a real time. */
static void tp_linked_and_stamped(usync_mcs_tp_node_t *pred,
				  usync_mcs_tp_node_t *node)
{
	/* relaxed (both): observation only. */
	while (atomic_load_explicit(&pred->next, memory_order_relaxed) !=
		       node ||
	       atomic_load_explicit(&node->stamp, memory_order_relaxed) ==
		       USYNC_MCS_TP_ARRIVING)
		sched_yield();
}

/*
 * Wait (up to ~10 s) until the signalled waiter is off its core: in the
 * handler, or asleep on its node (USYNC_PARKED set; only the releaser
 * clears it).  The kernel interrupts a futex wait to run the handler, but
 * ThreadSanitizer defers an asynchronous signal to the thread's next
 * intercepted call, and a thread in a raw futex syscall makes none: under
 * TSan a sleeping B would never enter the handler.  Either way B does not
 * run the lock code until M releases, which is what the test needs.
 */
static bool tp_away(usync_mcs_tp_node_t *node)
{
	for (int i = 0; i < 100000; i++) {
		if (offcore_held())
			return true;
		/* relaxed: observation only. */
		if (atomic_load_explicit(&node->state, memory_order_relaxed) &
		    USYNC_PARKED)
			return true;
		struct timespec ts = { 0, 100000 };
		nanosleep(&ts, NULL);
	}
	return false;
}

/*
 * Holder M; waiter B enqueued, then taken off its core (held in a signal
 * handler); waiter C enqueued behind B and running.  M's release must pass
 * over B and grant C while B is still away (a strict queue lock would wait
 * for B).  When B runs again it finds itself removed, re-enqueues, and
 * acquires after C.  Under every policy B's stamp is stale (it last ran
 * over a millisecond before the release), so the outcome is determined,
 * except that under the park policy B may already sleep: then it keeps
 * its place, and the order is B, C.  Spin and yield always take the
 * pass-over path.
 */
static void run_mcs_tp_pass_over(usync_wait_policy_t policy)
{
	usync_mcs_tp_t lock;
	usync_mcs_tp_init(&lock);
	assert_int_equal(usync_mcs_tp_set_policy(&lock, policy), 0);
	unsigned order[2] = { 0, 0 }, served = 0;
	tp_waiter_t b = { &lock, { 0 }, 1, order, &served, 0, 0 };
	tp_waiter_t c = { &lock, { 0 }, 2, order, &served, 0, 0 };
	usync_mcs_tp_node_t mine;
	offcore_install();

	usync_mcs_tp_lock(&lock, &mine);
	tp_start(&b);
	/* Take B off its core only once it has linked in and published a
	 * time (not the "arriving" mark, which counts as running): a thread
	 * stopped between its swap and its link holds up the releaser in
	 * every MCS variant, and that is not what is tested here. */
	tp_linked_and_stamped(&mine, &b.node);
	assert_int_equal(pthread_kill(b.thread, SIGUSR1), 0);
	assert_true(tp_away(&b.node));
	tp_start(&c);
	tp_linked_and_stamped(&b.node, &c.node);
	/* B last ran before entering the handler: make that long ago. */
	struct timespec ts = { 0, 2000000 };
	nanosleep(&ts, NULL);
	/* Under the park policy B may have gone to sleep before the signal
	 * came (the handler interrupts its futex wait).  B's node cannot
	 * change while B is in the handler, and its PARKED bit, once set,
	 * only the releaser clears, so this reading decides the outcome: a
	 * sleeping waiter keeps its place (see the next test), any other is
	 * passed over.  relaxed: observation only. */
	bool b_slept = atomic_load_explicit(&b.node.state,
					    memory_order_relaxed) &
		       USYNC_PARKED;
	assert_true(!b_slept || policy == USYNC_WAIT_PARK);
	usync_mcs_tp_unlock(&lock, &mine);

	if (!b_slept) {
		assert_true(eventually(&c.acquired, 100000)); /* B is away */
		assert_int_equal(atomic_load_explicit(&b.acquired,
						      memory_order_acquire),
				 0);
	}
	offcore_resume();
	assert_int_equal(pthread_join(c.thread, NULL), 0);
	assert_int_equal(pthread_join(b.thread, NULL), 0);
	assert_int_equal(served, 2);
	assert_int_equal(order[0], b_slept ? 1 : 2); /* C, then B; */
	assert_int_equal(order[1], b_slept ? 2 : 1); /* B, C if B slept */
	/* The lock is free and whole again. */
	assert_null(atomic_load_explicit(&lock.tail, memory_order_relaxed));
	assert_true(usync_mcs_tp_trylock(&lock, &mine));
	usync_mcs_tp_unlock(&lock, &mine);
	offcore_uninstall();
}

static void test_mcs_tp_pass_over(void **state)
{
	(void)state;
	run_mcs_tp_pass_over(USYNC_WAIT_SPIN);
	run_mcs_tp_pass_over(USYNC_WAIT_YIELD);
	run_mcs_tp_pass_over(USYNC_WAIT_PARK);
}

/*
 * A waiter that sleeps (park policy) keeps its place: holder M; waiter B
 * enqueued and observed asleep (its node carries USYNC_PARKED); waiter C
 * behind it.  M's release grants B first, then C.
 */
static void test_mcs_tp_parked_keeps_place(void **state)
{
	(void)state;
	usync_mcs_tp_t lock;
	usync_mcs_tp_init(&lock);
	assert_int_equal(usync_mcs_tp_set_policy(&lock, USYNC_WAIT_PARK), 0);
	unsigned order[2] = { 0, 0 }, served = 0;
	tp_waiter_t b = { &lock, { 0 }, 1, order, &served, 0, 0 };
	tp_waiter_t c = { &lock, { 0 }, 2, order, &served, 0, 0 };
	usync_mcs_tp_node_t mine;
	usync_mcs_tp_lock(&lock, &mine);
	tp_start(&b);
	bool parked = false;
	for (int i = 0; i < 100000 && !parked; i++) {
		/* relaxed: observation only. */
		parked = atomic_load_explicit(&b.node.state,
					      memory_order_relaxed) &
			 USYNC_PARKED;
		struct timespec ts = { 0, 100000 };
		nanosleep(&ts, NULL);
	}
	assert_true(parked);
	tp_start(&c);
	usync_mcs_tp_unlock(&lock, &mine);
	assert_int_equal(pthread_join(b.thread, NULL), 0);
	assert_int_equal(pthread_join(c.thread, NULL), 0);
	assert_int_equal(served, 2);
	assert_int_equal(order[0], 1); /* B, */
	assert_int_equal(order[1], 2); /* then C */
}

/* ---------------------------------------------------------- calibration */

/*
 * The spin budget is calibrated when the library is loaded, not inside the
 * first contended wait (whose queue would wait for it too).  This test runs
 * first, before anything in this process has waited.
 */
static void test_calibrated_at_load(void **state)
{
	(void)state;
	/* relaxed: a tuning number. */
	assert_true(atomic_load_explicit(&usync_spin_budget_steps,
					 memory_order_relaxed) > 0);
	assert_true(usync_spin_relax_ns() > 0.0);
}

/*
 * The handoff to a running waiter (usync_spin_extend, spin.h): pinned to
 * one CPU, a waiter whose next pause would yield renews its budget for a
 * holder on another CPU, USYNC_SPIN_EXTEND_MAX times at most, and never
 * for a holder on its own CPU or on an unknown one.
 */
static void test_spin_extend(void **state)
{
	(void)state;
	cpu_set_t was, one;
	assert_int_equal(sched_getaffinity(0, sizeof(was), &was), 0);
	int here = 0;
	while (!CPU_ISSET(here, &was))
		here++;
	CPU_ZERO(&one);
	CPU_SET(here, &one);
	assert_int_equal(sched_setaffinity(0, sizeof(one), &one), 0);
	if (usync_spin_cpu() != here) {
		/* No CPU number from the kernel (or an emulator's own). */
		assert_int_equal(sched_setaffinity(0, sizeof(was), &was), 0);
		skip();
	}
	usync_spin_t s;
	usync_spin_init(&s, USYNC_WAIT_YIELD);
	uint32_t extended = 0;
	s.steps = s.budget - 1;
	assert_true(usync_spin_yields_next(&s));
	usync_spin_extend(&s, here, &extended);
	usync_spin_extend(&s, USYNC_CPU_UNKNOWN, &extended);
	assert_int_equal(extended, 0);
	assert_true(usync_spin_yields_next(&s)); /* it will yield */
	for (uint32_t i = 1; i <= USYNC_SPIN_EXTEND_MAX; i++) {
		s.steps = s.budget - 1;
		usync_spin_extend(&s, here + 1, &extended);
		assert_int_equal(extended, i);
		assert_int_equal(s.steps, 0);
		assert_false(usync_spin_yields_next(&s));
	}
	s.steps = s.budget - 1;
	usync_spin_extend(&s, here + 1, &extended);
	assert_int_equal(extended, USYNC_SPIN_EXTEND_MAX);
	assert_true(usync_spin_yields_next(&s)); /* renewals spent */
	assert_int_equal(sched_setaffinity(0, sizeof(was), &was), 0);
}

/*
 * The MCS lock's CPU hint for the waiter next in line (src/locks/mcs.c):
 * G, H and W queue in that order behind the main thread, which holds the
 * lock for many spin budgets, so G's wait spends some.  Until G is
 * granted, W's pred_held names nobody; G, handing the lock to H, stores
 * H's CPU there, and H is then the holder W waits for.
 */
#if USYNC_SPIN_EXTEND_MAX
enum { HINT_G, HINT_H, HINT_W, HINT_N };
static struct {
	usync_mcs_t lock;
	usync_mcs_node_t node[HINT_N];
	_Atomic(unsigned) acquired[HINT_N];
	_Atomic(unsigned) release[HINT_N];
} mcs_hint;

static void *mcs_hint_thread(void *arg)
{
	size_t i = (size_t)(uintptr_t)arg;
	usync_mcs_lock(&mcs_hint.lock, &mcs_hint.node[i]);
	/* release/acquire: the main thread reads the nodes after these. */
	atomic_store_explicit(&mcs_hint.acquired[i], 1, memory_order_release);
	while (!atomic_load_explicit(&mcs_hint.release[i],
				     memory_order_acquire))
		sched_yield();
	usync_mcs_unlock(&mcs_hint.lock, &mcs_hint.node[i]);
	return NULL;
}

static uint32_t mcs_hint_word(_Atomic(uint32_t) *w)
{
	/* relaxed: a hint word, read while its writers are parked in
	 * known places. */
	return atomic_load_explicit(w, memory_order_relaxed);
}
#endif

static void test_mcs_holder_hint(void **state)
{
	(void)state;
#if !USYNC_SPIN_EXTEND_MAX
	skip();
#else
	if (usync_spin_cpu() < 0)
		skip(); /* no CPU number from the kernel */
	memset(&mcs_hint, 0, sizeof(mcs_hint));
	usync_mcs_init(&mcs_hint.lock);
	assert_int_equal(usync_mcs_set_policy(&mcs_hint.lock, USYNC_WAIT_YIELD),
			 0);
	usync_mcs_node_t mine;
	usync_mcs_lock(&mcs_hint.lock, &mine);
	pthread_t t[HINT_N];
	for (size_t i = 0; i < HINT_N; i++) {
		assert_int_equal(pthread_create(&t[i], NULL, mcs_hint_thread,
						(void *)(uintptr_t)i),
				 0);
		/* relaxed: only when to go on; the order of arrival. */
		while (atomic_load_explicit(&mcs_hint.lock.tail,
					    memory_order_relaxed) !=
		       &mcs_hint.node[i])
			sched_yield();
	}
	usync_mcs_node_t *h = &mcs_hint.node[HINT_H];
	usync_mcs_node_t *w = &mcs_hint.node[HINT_W];
	/* H stores its CPU after it links in; G spends budgets meanwhile. */
	for (int i = 0; i < 100000 && mcs_hint_word(&h->cpu) == 0; i++) {
		struct timespec pause = { 0, 100000 }; /* 10 s at most */
		nanosleep(&pause, NULL);
	}
	assert_int_not_equal(mcs_hint_word(&h->cpu), 0);
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	assert_int_equal(mcs_hint_word(&w->pred_held), 0);

	usync_mcs_unlock(&mcs_hint.lock, &mine);
	assert_true(eventually(&mcs_hint.acquired[HINT_G], 100000));
	assert_int_not_equal(mcs_hint.node[HINT_G].hint, 0);
	assert_int_equal(mcs_hint_word(&w->pred_held), 0); /* H waits */

	atomic_store_explicit(&mcs_hint.release[HINT_G], 1,
			      memory_order_release);
	assert_true(eventually(&mcs_hint.acquired[HINT_H], 100000));
	assert_int_equal(mcs_hint_word(&w->pred_held), mcs_hint_word(&h->cpu));

	atomic_store_explicit(&mcs_hint.release[HINT_H], 1,
			      memory_order_release);
	atomic_store_explicit(&mcs_hint.release[HINT_W], 1,
			      memory_order_release);
	for (size_t i = 0; i < HINT_N; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	assert_true(atomic_load_explicit(&mcs_hint.acquired[HINT_W],
					 memory_order_acquire));
	/* relaxed: all threads joined. */
	assert_null(atomic_load_explicit(&mcs_hint.lock.tail,
					 memory_order_relaxed));
#endif
}

/* ------------------------------------------------------------ bad input */

static void test_bad_input(void **state)
{
	(void)state;
	usync_lock_t *sentinel = (usync_lock_t *)(uintptr_t)0x5a5a;
	usync_lock_t *out = sentinel;
	assert_int_equal(usync_lock_create(NULL, "mcs", 4), EINVAL);
	assert_int_equal(usync_lock_create(&out, NULL, 4), EINVAL);
	assert_ptr_equal(out, sentinel);
	assert_int_equal(usync_lock_create(&out, "no-such-lock", 4), EINVAL);
	assert_ptr_equal(out, sentinel);
	assert_int_equal(usync_lock_create(&out, "", 4), EINVAL);
	assert_int_equal(usync_lock_create(&out, "MCS", 4), EINVAL);
	assert_ptr_equal(out, sentinel);
	for (const char *const *n = usync_lock_algorithms(); *n; n++) {
		assert_int_equal(usync_lock_create(&out, *n, 0), EINVAL);
		assert_ptr_equal(out, sentinel);
	}
	/* Too large, for every algorithm (the header's contract), and the
	 * largest allowed value accepted by those that allocate nothing. */
	for (const char *const *n = usync_lock_algorithms(); *n; n++) {
		assert_int_equal(usync_lock_create(&out, *n, UINT_MAX), EINVAL);
		assert_int_equal(usync_lock_create(&out, *n,
						   USYNC_LOCK_MAX_THREADS + 1),
				 EINVAL);
		assert_ptr_equal(out, sentinel);
	}
	assert_int_equal(usync_lock_create(&out, "mcs",
					   USYNC_LOCK_MAX_THREADS),
			 0);
	usync_lock_destroy(out);
	out = sentinel;
	usync_lock_destroy(NULL);

	/* The list is exactly these eight names, NULL-terminated. */
	static const char *const expected[] = { "tas",	  "ttas", "backoff",
						"ticket", "anderson",
						"mcs",	  "clh",  "mcs_tp" };
	const char *const *names = usync_lock_algorithms();
	for (size_t i = 0; i < 8; i++)
		assert_string_equal(names[i], expected[i]);
	assert_null(names[8]);

	usync_anderson_t anderson;
	assert_int_equal(usync_anderson_init(&anderson, 0), EINVAL);
	assert_int_equal(usync_anderson_init(NULL, 4), EINVAL);
	usync_anderson_destroy(NULL);
	assert_int_equal(usync_anderson_init(&anderson, 3), 0);
	assert_int_equal(anderson.mask, 3u); /* rounded up to 4 slots */
	usync_anderson_destroy(&anderson);

	usync_clh_t clh;
	usync_clh_ctx_t c1, c2, c3;
	assert_int_equal(usync_clh_init(&clh, 0), EINVAL);
	assert_int_equal(usync_clh_init(NULL, 1), EINVAL);
	usync_clh_destroy(NULL);
	assert_int_equal(usync_clh_init(&clh, 1), 0); /* 3 nodes */
	assert_int_equal(usync_clh_ctx_init(&clh, &c1), 0);
	assert_int_equal(usync_clh_ctx_init(&clh, &c2), EAGAIN); /* 1 max */
	assert_int_equal(usync_clh_ctx_init(NULL, &c3), EINVAL);
	assert_int_equal(usync_clh_ctx_init(&clh, NULL), EINVAL);
	usync_clh_ctx_destroy(&clh, &c1);
	usync_clh_destroy(&clh);
	assert_int_equal(usync_clh_init(&clh, USYNC_LOCK_MAX_THREADS + 1),
			 EINVAL);
	assert_int_equal(usync_anderson_init(&anderson,
					     USYNC_LOCK_MAX_THREADS + 1),
			 EINVAL);

	usync_tas_t tas = USYNC_TAS_INITIALIZER;
	assert_int_equal(usync_tas_set_policy(&tas, (usync_wait_policy_t)7),
			 EINVAL);
	assert_int_equal(usync_tas_set_policy(&tas, USYNC_WAIT_SPIN), 0);
	usync_backoff_t backoff = USYNC_BACKOFF_INITIALIZER;
	assert_int_equal(usync_backoff_tune(&backoff, 0, 8), EINVAL);
	assert_int_equal(usync_backoff_tune(&backoff, 16, 8), EINVAL);
	assert_int_equal(usync_backoff_tune(&backoff, 4, 64), 0);
	usync_mcs_t mcs = USYNC_MCS_INITIALIZER;
	assert_int_equal(usync_mcs_set_policy(&mcs, (usync_wait_policy_t)-1),
			 EINVAL);
	usync_mcs_tp_t mcs_tp = USYNC_MCS_TP_INITIALIZER;
	assert_int_equal(usync_mcs_tp_set_policy(&mcs_tp,
						 (usync_wait_policy_t)3),
			 EINVAL);
	assert_int_equal(mcs_tp.policy, (uint32_t)USYNC_WAIT_DEFAULT);
}

/* --------------------------------------------------- timed acquisition */

/*
 * Every lock, both APIs, every policy:
 *   bad abstime   EINVAL at once, free or held, and the lock untouched;
 *   deadline      a deadline already past is a trylock; a held lock times
 *                 out no sooner than its deadline and within TIMED_SLACK_NS
 *                 after it; a lock released before the deadline is
 *                 acquired;
 *   stress        timed waiters with short deadlines beside untimed ones,
 *                 some critical sections long enough to make them time
 *                 out: exact count, no exclusion violation, some timeouts,
 *                 and the lock free and working at the end (no handoff lost
 *                 to a waiter that had left);
 *   fifo          the FIFO locks: waiters that time out leave the queue,
 *                 and the ones that stay (some timed, with far deadlines)
 *                 are granted in arrival order.
 */

/* How late a timed-out wait may return: generous, for the sanitizers and
 * qemu on a loaded 2-core machine; a wait that ignored its deadline would
 * be late by the holder's whole hold (TIMED_HOLD_NS and more). */
#define TIMED_SLACK_NS 1500000000ull

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct timespec at_ns(uint64_t t)
{
	struct timespec ts = { (time_t)(t / 1000000000u),
			       (long)(t % 1000000000u) };
	return ts;
}

/* The algorithms' timed entries: both APIs of every algorithm whose
 * per-algorithm entry has a timed verb. */
static size_t timed_apis(lock_api_t *out, size_t cap)
{
	lock_api_t all[32];
	size_t n = all_apis(all, 32), k = 0;
	for (size_t a = 0; a < n && k < cap; a++) {
		bool has = false;
		for (size_t i = 0; i < N_PER; i++)
			if (strcmp(per_algorithm[i].name, all[a].name) == 0)
				has = per_algorithm[i].timedlock != NULL;
		if (has)
			out[k++] = all[a];
	}
	return k;
}

static pctx_t *new_ctx(const lock_api_t *api, void *lock)
{
	pctx_t *c = (pctx_t *)aligned_alloc(USYNC_CACHELINE, sizeof(*c));
	assert_non_null(c);
	if (api->ctx_init)
		assert_int_equal(api->ctx_init(lock, c), 0);
	return c;
}

static void free_ctx(const lock_api_t *api, void *lock, pctx_t *c)
{
	if (api->ctx_fini)
		api->ctx_fini(lock, c);
	free(c);
}

static void test_timed_bad_abstime(void **state)
{
	(void)state;
	lock_api_t apis[32];
	size_t n = timed_apis(apis, 32);
	assert_int_equal(n, 2 * N_PER); /* every lock, both APIs */
	const struct timespec bad[] = { { 0, -1 }, { 0, 1000000000L },
					{ 5, 2000000000L } };
	for (size_t a = 0; a < n; a++) {
		const lock_api_t *api = &apis[a];
		void *lock;
		assert_int_equal(api->create(api, &lock, 4), 0);
		pctx_t *c = new_ctx(api, lock), *d = new_ctx(api, lock);
		assert_int_equal(api->timedlock(lock, c, NULL), EINVAL);
		for (size_t b = 0; b < 3; b++)
			assert_int_equal(api->timedlock(lock, c, &bad[b]),
					 EINVAL);
		/* Untouched: free, so a trylock succeeds ... */
		assert_true(api->trylock(lock, c));
		/* ... and held: EINVAL again, at once, nothing queued. */
		assert_int_equal(api->timedlock(lock, d, NULL), EINVAL);
		assert_int_equal(api->timedlock(lock, d, &bad[0]), EINVAL);
		api->unlock(lock, c);
		api->lock(lock, d);
		api->unlock(lock, d);
		free_ctx(api, lock, d);
		free_ctx(api, lock, c);
		api->destroy(lock);
	}
}

/* A holder that releases by itself `hold_ns` after taking the lock. */
typedef struct timed_holder {
	const lock_api_t *api;
	void *lock;
	pctx_t *ctx;
	uint64_t hold_ns;
	_Atomic(unsigned) phase; /* 1: holding, 2: released */
} timed_holder_t;

static void *timed_holder_thread(void *arg)
{
	timed_holder_t *h = (timed_holder_t *)arg;
	h->api->lock(h->lock, h->ctx);
	/* release: pairs with the main thread's acquire poll of phase. */
	atomic_store_explicit(&h->phase, 1, memory_order_release);
	struct timespec hold = at_ns(h->hold_ns);
	nanosleep(&hold, NULL);
	h->api->unlock(h->lock, h->ctx);
	atomic_store_explicit(&h->phase, 2, memory_order_release);
	return NULL;
}

static void start_holder(timed_holder_t *h, pthread_t *t)
{
	assert_int_equal(pthread_create(t, NULL, timed_holder_thread, h), 0);
	/* acquire: pairs with the holder's release of phase 1. */
	while (atomic_load_explicit(&h->phase, memory_order_acquire) != 1)
		sched_yield();
}

#define TIMED_HOLD_NS 400000000ull /* how long the holder keeps the lock */
#define TIMED_WAIT_NS 30000000ull  /* the timed-out waits' deadline */

static void run_timed_deadline(const lock_api_t *api,
			       usync_wait_policy_t policy)
{
	void *lock;
	assert_int_equal(api->create(api, &lock, 4), 0);
	assert_int_equal(api->set_policy(lock, policy), 0);
	pctx_t *mine = new_ctx(api, lock), *theirs = new_ctx(api, lock);
	const struct timespec past = { 0, 0 };

	/* Free, deadline past: acquired, like a trylock. */
	assert_int_equal(api->timedlock(lock, mine, &past), 0);
	api->unlock(lock, mine);

	/* Held: a past deadline fails at once; a near one no sooner than
	 * its time and not much later. */
	timed_holder_t h = { api, lock, theirs, TIMED_HOLD_NS, 0 };
	pthread_t t;
	start_holder(&h, &t);
	assert_int_equal(api->timedlock(lock, mine, &past), ETIMEDOUT);
	uint64_t deadline = mono_ns() + TIMED_WAIT_NS;
	struct timespec ts = at_ns(deadline);
	int rc = api->timedlock(lock, mine, &ts);
	uint64_t back = mono_ns();
	bool held = atomic_load_explicit(&h.phase, memory_order_acquire) == 1;
	if (rc != ETIMEDOUT || back < deadline ||
	    back > deadline + TIMED_SLACK_NS)
		print_error("%s (%s, %s): rc %d, returned %+.3f ms after the "
			    "deadline\n",
			    api->name, api_kind(api), policy_name(policy), rc,
			    ((double)back - (double)deadline) / 1e6);
	if (held) {
		/* Still held when we returned: it must have timed out. */
		assert_int_equal(rc, ETIMEDOUT);
		assert_true(back >= deadline);
		assert_true(back <= deadline + TIMED_SLACK_NS);
	} else if (rc == 0) {
		api->unlock(lock, mine);
	}
	/* Released before a far deadline: acquired, soon after. */
	ts = at_ns(mono_ns() + 60 * 1000000000ull);
	assert_int_equal(api->timedlock(lock, mine, &ts), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(atomic_load_explicit(&h.phase, memory_order_relaxed),
			 2);
	api->unlock(lock, mine);

	/* And the lock works as before. */
	api->lock(lock, theirs);
	api->unlock(lock, theirs);
	assert_true(api->trylock(lock, mine));
	api->unlock(lock, mine);
	free_ctx(api, lock, theirs);
	free_ctx(api, lock, mine);
	api->destroy(lock);
}

static void test_timed_deadline(void **state)
{
	(void)state;
	lock_api_t apis[32];
	size_t n = timed_apis(apis, 32);
	for (size_t a = 0; a < n; a++) {
		run_timed_deadline(&apis[a], USYNC_WAIT_SPIN);
		run_timed_deadline(&apis[a], USYNC_WAIT_YIELD);
		run_timed_deadline(&apis[a], USYNC_WAIT_PARK);
	}
}

typedef struct timed_worker {
	USYNC_ALIGNED shared_state_t *shared;
	unsigned id;
	bool timed;
	unsigned long acquired;
	unsigned long timeouts;
	pthread_t thread;
} timed_worker_t;

static void *timed_stress_worker(void *arg)
{
	timed_worker_t *w = (timed_worker_t *)arg;
	shared_state_t *s = w->shared;
	pctx_t *ctx = (pctx_t *)aligned_alloc(USYNC_CACHELINE, sizeof(*ctx));
	if (ctx == NULL || (s->api->ctx_init && s->api->ctx_init(s->lock, ctx))) {
		atomic_fetch_add_explicit(&s->ctx_failures, 1,
					  memory_order_relaxed);
		free(ctx);
		return NULL;
	}
	unsigned seed = w->id * 2654435761u + 7;
	/* acquire: pairs with the main thread's release of `go`. */
	while (!atomic_load_explicit(&s->go, memory_order_acquire))
		sched_yield();
	for (unsigned i = 0; i < s->iterations; i++) {
		seed = seed * 1103515245u + 12345u;
		if (w->timed) {
			/* Deadlines of 0-63 us: many expire while a long
			 * critical section (below) runs. */
			for (;;) {
				struct timespec ts = at_ns(
					mono_ns() + ((seed >> 16) % 64) * 1000u);
				int rc = s->api->timedlock(s->lock, ctx, &ts);
				if (rc == 0)
					break;
				if (rc != ETIMEDOUT) {
					atomic_fetch_add_explicit(
						&s->violations, 1,
						memory_order_relaxed);
					break;
				}
				w->timeouts++;
				seed = seed * 1103515245u + 12345u;
			}
		} else {
			s->api->lock(s->lock, ctx);
		}
		critical_section(s, w->id + 1);
		if (i % 16 == 0) {
			/* A long critical section: 200 us. */
			uint64_t until = mono_ns() + 200000u;
			while (mono_ns() < until)
				usync_cpu_relax();
		}
		w->acquired++;
		s->api->unlock(s->lock, ctx);
	}
	if (s->api->ctx_fini)
		s->api->ctx_fini(s->lock, ctx);
	free(ctx);
	return NULL;
}

/* Returns the timeouts seen: the caller asserts that the abandonment path
 * ran across its runs (a single 2-thread run on a loaded machine may see
 * the two threads never overlap). */
static unsigned long run_timed_stress(const lock_api_t *api, unsigned nthreads,
				      usync_wait_policy_t policy)
{
	shared_state_t *s = (shared_state_t *)alloc_lock(sizeof(*s));
	memset(s, 0, sizeof(*s));
	s->api = api;
	s->iterations = scaled(nthreads <= 2 ? 1500 : 3000 / nthreads);
	assert_int_equal(api->create(api, &s->lock, nthreads), 0);
	assert_int_equal(api->set_policy(s->lock, policy), 0);
	timed_worker_t workers[MAX_THREADS];
	memset(workers, 0, sizeof(workers));
	for (unsigned t = 0; t < nthreads; t++) {
		workers[t].shared = s;
		workers[t].id = t;
		workers[t].timed = t % 2 == 1 || nthreads == 1;
		assert_int_equal(pthread_create(&workers[t].thread, NULL,
						timed_stress_worker,
						&workers[t]),
				 0);
	}
	/* release: pairs with the workers' acquire load of `go`. */
	atomic_store_explicit(&s->go, 1, memory_order_release);
	unsigned long total = 0, timeouts = 0;
	for (unsigned t = 0; t < nthreads; t++) {
		assert_int_equal(pthread_join(workers[t].thread, NULL), 0);
		total += workers[t].acquired;
		timeouts += workers[t].timeouts;
	}
	unsigned violations =
		atomic_load_explicit(&s->violations, memory_order_relaxed);
	if (s->counter != total || violations != 0)
		print_error("%s (%s, %s) at %u threads: counter %lu of %lu, "
			    "%u violations, %lu timeouts\n",
			    api->name, api_kind(api), policy_name(policy),
			    nthreads, s->counter, total, violations, timeouts);
	assert_int_equal(atomic_load_explicit(&s->ctx_failures,
					      memory_order_relaxed),
			 0);
	assert_int_equal(total, (unsigned long)nthreads * s->iterations);
	assert_int_equal(s->counter, total);
	assert_int_equal(violations, 0);
	/* Nothing left behind: free, and both entry paths still work. */
	pctx_t *c = new_ctx(api, s->lock);
	assert_true(api->trylock(s->lock, c));
	api->unlock(s->lock, c);
	struct timespec past = { 0, 0 };
	assert_int_equal(api->timedlock(s->lock, c, &past), 0);
	api->unlock(s->lock, c);
	api->lock(s->lock, c);
	api->unlock(s->lock, c);
	free_ctx(api, s->lock, c);
	api->destroy(s->lock);
	free(s);
	return timeouts;
}

static void test_timed_stress(void **state)
{
	(void)state;
	lock_api_t apis[32];
	size_t n = timed_apis(apis, 32);
	for (size_t a = 0; a < n; a++) {
		unsigned long timeouts =
			run_timed_stress(&apis[a], 2, USYNC_WAIT_SPIN) +
			run_timed_stress(&apis[a], 4, USYNC_WAIT_YIELD) +
			run_timed_stress(&apis[a], 4, USYNC_WAIT_PARK);
		if (timeouts == 0)
			print_error("%s (%s): no attempt timed out\n",
				    apis[a].name, api_kind(&apis[a]));
		assert_true(timeouts > 0); /* the abandonment path ran */
	}
}

/* ------------------------------------------------ mcs: leaving the queue */

/* White box, one case at a time while the main thread holds the lock: a
 * timed waiter that is the tail leaves (the tail goes back to its
 * predecessor), one in the middle leaves (its successor is relinked
 * behind its predecessor), two adjacent ones leave; each leaver's node is
 * scribbled over as soon as it has returned (it is the caller's again),
 * and the survivors are then served in arrival order. */
typedef struct mcs_leave_waiter {
	usync_mcs_t *lock;
	usync_mcs_node_t *node;
	uint64_t wait_ns; /* 0: untimed */
	int rc;
	unsigned *order, *served; /* written under the lock */
	unsigned id;
	pthread_t thread;
} mcs_leave_waiter_t;

static void *mcs_leave_waiter(void *arg)
{
	mcs_leave_waiter_t *w = (mcs_leave_waiter_t *)arg;
	if (w->wait_ns == 0) {
		usync_mcs_lock(w->lock, w->node);
		w->rc = 0;
	} else {
		struct timespec ts = at_ns(mono_ns() + w->wait_ns);
		w->rc = usync_mcs_timedlock(w->lock, w->node, &ts);
	}
	if (w->rc == 0) {
		w->order[(*w->served)++] = w->id;
		usync_mcs_unlock(w->lock, w->node);
	}
	return NULL;
}

static usync_mcs_node_t *mcs_tail(usync_mcs_t *lock)
{
	/* relaxed: observation only. */
	return atomic_load_explicit(&lock->tail, memory_order_relaxed);
}

/* node's successor, without the mark of an untimed one. */
static usync_mcs_node_t *mcs_next(usync_mcs_node_t *node)
{
	/* relaxed: observation only, while the queue is still. */
	return usync_mcs_untag(
		atomic_load_explicit(&node->next, memory_order_relaxed));
}

static void mcs_leave_start(mcs_leave_waiter_t *w)
{
	assert_int_equal(pthread_create(&w->thread, NULL, mcs_leave_waiter, w),
			 0);
	while (mcs_tail(w->lock) != w->node)
		sched_yield();
}

static void mcs_leave_join_left(mcs_leave_waiter_t *w)
{
	assert_int_equal(pthread_join(w->thread, NULL), 0);
	assert_int_equal(w->rc, ETIMEDOUT);
	memset(w->node, 0xa5, sizeof(*w->node)); /* the caller's again */
}

static void run_mcs_leave(usync_wait_policy_t policy)
{
	usync_mcs_t *lock = (usync_mcs_t *)alloc_lock(sizeof(*lock));
	usync_mcs_init(lock);
	assert_int_equal(usync_mcs_set_policy(lock, policy), 0);
	enum { N = 6 };
	usync_mcs_node_t *nodes = (usync_mcs_node_t *)aligned_alloc(
		USYNC_CACHELINE, (N + 1) * sizeof(usync_mcs_node_t));
	assert_non_null(nodes);
	unsigned order[N] = { 0 }, served = 0;
	mcs_leave_waiter_t w[N];
	const uint64_t short_ns = 20000000u; /* 20 ms */
	for (unsigned k = 0; k < N; k++)
		w[k] = (mcs_leave_waiter_t){ lock, &nodes[k + 1], 0, -1,
					     order, &served, k, 0 };
	usync_mcs_lock(lock, &nodes[0]);
	/* 0 waits; 1, the tail, leaves: the tail is 0 again. */
	mcs_leave_start(&w[0]);
	w[1].wait_ns = short_ns;
	mcs_leave_start(&w[1]);
	mcs_leave_join_left(&w[1]);
	assert_ptr_equal(mcs_tail(lock), w[0].node);
	assert_null(mcs_next(w[0].node));
	/* 2 leaves from between 0 and 3: 3 is relinked behind 0. */
	w[2].wait_ns = short_ns;
	mcs_leave_start(&w[2]);
	mcs_leave_start(&w[3]);
	mcs_leave_join_left(&w[2]);
	assert_ptr_equal(mcs_next(w[0].node), w[3].node);
	assert_ptr_equal(mcs_tail(lock), w[3].node);
	/* 4 and 5 leave, adjacent, from between 3 and the tail... */
	w[4].wait_ns = short_ns;
	w[5].wait_ns = short_ns;
	mcs_leave_start(&w[4]);
	mcs_leave_start(&w[5]);
	mcs_leave_join_left(&w[4]);
	mcs_leave_join_left(&w[5]);
	assert_ptr_equal(mcs_tail(lock), w[3].node);
	assert_null(mcs_next(w[3].node));
	/* ...and the survivors are served in order. */
	usync_mcs_unlock(lock, &nodes[0]);
	assert_int_equal(pthread_join(w[0].thread, NULL), 0);
	assert_int_equal(pthread_join(w[3].thread, NULL), 0);
	assert_int_equal(served, 2);
	assert_int_equal(order[0], 0);
	assert_int_equal(order[1], 3);
	assert_null(mcs_tail(lock));
	assert_true(usync_mcs_trylock(lock, &nodes[0]));
	usync_mcs_unlock(lock, &nodes[0]);
	free(nodes);
	free_lock(lock);
}

static void test_mcs_timed_leave(void **state)
{
	(void)state;
	run_mcs_leave(USYNC_WAIT_SPIN);
	run_mcs_leave(USYNC_WAIT_YIELD);
	run_mcs_leave(USYNC_WAIT_PARK);
}

/* FIFO with leavers: waiter k is timed; the short ones (SHORT(k)) give
 * up while the main thread holds the lock, the others wait with a far
 * deadline and must be served in arrival order. */
#define TIMED_FIFO_WAITERS 6
#define SHORT(k) ((k) == 1 || (k) == 2 || (k) == 4)

typedef struct timed_fifo {
	const lock_api_t *api;
	void *lock;
	unsigned order[TIMED_FIFO_WAITERS]; /* written under the lock */
	unsigned served;                    /* written under the lock */
	_Atomic(unsigned) gave_up;
	_Atomic(unsigned) errors;
} timed_fifo_t;

typedef struct timed_fifo_arg {
	timed_fifo_t *f;
	unsigned id;
	pctx_t *ctx;
	pthread_t thread;
} timed_fifo_arg_t;

static void *timed_fifo_waiter(void *arg)
{
	timed_fifo_arg_t *a = (timed_fifo_arg_t *)arg;
	timed_fifo_t *f = a->f;
	uint64_t wait = SHORT(a->id) ? 100000000ull : 60 * 1000000000ull;
	struct timespec ts = at_ns(mono_ns() + wait);
	int rc = f->api->timedlock(f->lock, a->ctx, &ts);
	if (rc == 0) {
		f->order[f->served++] = a->id;
		f->api->unlock(f->lock, a->ctx);
	}
	if (rc != (SHORT(a->id) ? ETIMEDOUT : 0))
		atomic_fetch_add_explicit(&f->errors, 1, memory_order_relaxed);
	if (rc == ETIMEDOUT)
		/* release: pairs with the main thread's acquire poll. */
		atomic_fetch_add_explicit(&f->gave_up, 1, memory_order_release);
	return NULL;
}

static void run_timed_fifo(const lock_api_t *api, usync_wait_policy_t policy)
{
	timed_fifo_t f;
	memset(&f, 0, sizeof(f));
	f.api = api;
	assert_int_equal(api->create(api, &f.lock, TIMED_FIFO_WAITERS + 1), 0);
	assert_int_equal(api->set_policy(f.lock, policy), 0);
	pctx_t *holder = new_ctx(api, f.lock);
	api->lock(f.lock, holder);
	timed_fifo_arg_t args[TIMED_FIFO_WAITERS];
	for (unsigned k = 0; k < TIMED_FIFO_WAITERS; k++) {
		uintptr_t before = api->arrivals(f.lock);
		args[k].f = &f;
		args[k].id = k;
		args[k].ctx = new_ctx(api, f.lock);
		assert_int_equal(pthread_create(&args[k].thread, NULL,
						timed_fifo_waiter, &args[k]),
				 0);
		while (api->arrivals(f.lock) == before)
			sched_yield();
	}
	/* acquire: pairs with the leavers' release increments. */
	while (atomic_load_explicit(&f.gave_up, memory_order_acquire) != 3)
		sched_yield();
	api->unlock(f.lock, holder);
	for (unsigned k = 0; k < TIMED_FIFO_WAITERS; k++) {
		assert_int_equal(pthread_join(args[k].thread, NULL), 0);
		free_ctx(api, f.lock, args[k].ctx);
	}
	static const unsigned expect[] = { 0, 3, 5 };
	if (f.served != 3 || f.order[0] != 0 || f.order[1] != 3 ||
	    f.order[2] != 5)
		print_error("%s (%s, %s): served %u: %u %u %u\n", api->name,
			    api_kind(api), policy_name(policy), f.served,
			    f.order[0], f.order[1], f.order[2]);
	assert_int_equal(atomic_load_explicit(&f.errors, memory_order_relaxed),
			 0);
	assert_int_equal(f.served, 3);
	for (unsigned k = 0; k < 3; k++)
		assert_int_equal(f.order[k], expect[k]);
	assert_true(api->trylock(f.lock, holder));
	api->unlock(f.lock, holder);
	free_ctx(api, f.lock, holder);
	api->destroy(f.lock);
}

static void test_timed_fifo(void **state)
{
	(void)state;
	lock_api_t apis[32];
	size_t n = timed_apis(apis, 32), tested = 0;
	for (size_t a = 0; a < n; a++) {
		if (!apis[a].fifo)
			continue;
		for (int round = 0; round < 3; round++) {
			run_timed_fifo(&apis[a], USYNC_WAIT_YIELD);
			run_timed_fifo(&apis[a], USYNC_WAIT_PARK);
		}
		tested++;
	}
	assert_int_equal(tested, 8); /* 4 FIFO locks x 2 APIs */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_calibrated_at_load), /* first */
		cmocka_unit_test(test_spin_extend),
		cmocka_unit_test(test_mcs_holder_hint),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_trylock),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_clh_abandon),
		cmocka_unit_test(test_clh_context_count),
		cmocka_unit_test(test_clh_timed_abandon),
		cmocka_unit_test(test_clh_timed_pool),
		cmocka_unit_test(test_clh_timed_parked_successor),
		cmocka_unit_test(test_anderson_timed_leave),
		cmocka_unit_test(test_anderson_timed_room),
		cmocka_unit_test(test_anderson_timed_parked_successor),
		cmocka_unit_test(test_clh_generic_trylock_pool_empty),
		cmocka_unit_test(test_mcs_tp_pass_over),
		cmocka_unit_test(test_mcs_tp_parked_keeps_place),
		cmocka_unit_test(test_fifo),
		cmocka_unit_test(test_spin_policy),
		cmocka_unit_test(test_exclusion),
		cmocka_unit_test(test_timed_bad_abstime),
		cmocka_unit_test(test_timed_deadline),
		cmocka_unit_test(test_timed_fifo),
		cmocka_unit_test(test_timed_stress),
		cmocka_unit_test(test_mcs_timed_leave),
#if !USYNC_DEBUG_CHECKS
		cmocka_unit_test(test_anderson_over_capacity),
#endif
	};
	/* USYNC_TEST_FILTER=test_timed* runs only the matching tests. */
	if (getenv("USYNC_TEST_FILTER") != NULL)
		cmocka_set_test_filter(getenv("USYNC_TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
