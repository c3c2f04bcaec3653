/*
 * tests/test_cond.c - the condition variable, over every lock through both
 * APIs (the typed usync_cond_wait_<name> functions and the generic
 * usync_cond_wait on a usync_lock_t).
 *
 *   producer/consumer  a bounded buffer with two producers and two
 *                      consumers (and 3 + 3, oversubscribed on 2 cores),
 *                      one consumer waiting with short deadlines: every
 *                      item is consumed exactly once, none is invented;
 *                      yield and park lock policies.
 *   ping-pong          signal/wait races: two threads hand a token back and
 *                      forth, signalling with and without the lock held; a
 *                      lost wake-up would hang (the suite's timeout).
 *   timedwait          a deadline already past returns ETIMEDOUT at once
 *                      with the lock still held; a short deadline expires
 *                      no earlier than the deadline (the upper bound is
 *                      only a generous sanity limit) and leaves no node
 *                      behind; a signalled timedwait returns 0.
 *   broadcast          N waiters, some timed with far deadlines, all wake,
 *                      over several rounds; nobody left on the list.
 *   timeout storm      waiters with deadlines of microseconds racing a
 *                      stream of signals and broadcasts (the TAKEN versus
 *                      TIMED_OUT race of src/cond/cond.c): every token
 *                      posted is taken once, no ETIMEDOUT comes before its
 *                      deadline, no node is left on the list; park policy.
 *   bad input          NULL and out-of-range abstime: EINVAL, lock and cond
 *                      untouched; init(NULL); destroy(NULL).
 *
 * Assertions are made by the main thread only (CMocka is not thread safe).
 * USYNC_TEST_SCALE (a percentage, default 100) scales the iteration counts.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <usync/usync.h>

static unsigned scaled(unsigned n)
{
	const char *env = getenv("USYNC_TEST_SCALE");
	unsigned pct = env ? (unsigned)strtoul(env, NULL, 10) : 100;
	if (pct == 0)
		pct = 1;
	unsigned v = (unsigned)((unsigned long long)n * pct / 100);
	return v ? v : 1;
}

static struct timespec deadline_in(long ns)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += ns / 1000000000L;
	t.tv_nsec += ns % 1000000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_nsec -= 1000000000L;
		t.tv_sec++;
	}
	return t;
}

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* ------------------------------------------------- the two APIs, adapted */

/* One thread's context for one lock, whatever the API. */
typedef struct pctx {
	USYNC_ALIGNED usync_mcs_node_t mcs;
	usync_mcs_tp_node_t mcs_tp;
	usync_clh_ctx_t clh;
	unsigned slot;
	usync_lock_ctx_t generic;
} pctx_t;

typedef struct cond_api {
	const char *name;
	bool generic;
	void *(*create)(const char *name, usync_wait_policy_t policy);
	void (*destroy)(void *lock);
	void (*ctx_init)(void *lock, pctx_t *c);
	void (*ctx_fini)(void *lock, pctx_t *c);
	void (*lock)(void *lock, pctx_t *c);
	void (*unlock)(void *lock, pctx_t *c);
	int (*wait)(usync_cond_t *cond, void *lock, pctx_t *c);
	int (*timedwait)(usync_cond_t *cond, void *lock, pctx_t *c,
			 const struct timespec *abstime);
} cond_api_t;

#define MAX_THREADS 8

static void *alloc_lock(size_t size)
{
	void *p = aligned_alloc(USYNC_CACHELINE,
				(size + USYNC_CACHELINE - 1) / USYNC_CACHELINE *
					USYNC_CACHELINE);
	assert_non_null(p);
	return p;
}

static void no_ctx(void *l, pctx_t *c)
{
	(void)l;
	(void)c;
}

/* tas, ttas, backoff, ticket: no context. */
#define PLAIN(NAME)                                                            \
	static void *NAME##_create(const char *n, usync_wait_policy_t p)       \
	{                                                                      \
		(void)n;                                                       \
		usync_##NAME##_t *l =                                          \
			(usync_##NAME##_t *)alloc_lock(sizeof(*l));            \
		usync_##NAME##_init(l);                                        \
		assert_int_equal(usync_##NAME##_set_policy(l, p), 0);          \
		return l;                                                      \
	}                                                                      \
	static void NAME##_lock_(void *l, pctx_t *c)                           \
	{                                                                      \
		(void)c;                                                       \
		usync_##NAME##_lock((usync_##NAME##_t *)l);                    \
	}                                                                      \
	static void NAME##_unlock_(void *l, pctx_t *c)                         \
	{                                                                      \
		(void)c;                                                       \
		usync_##NAME##_unlock((usync_##NAME##_t *)l);                  \
	}                                                                      \
	static int NAME##_wait_(usync_cond_t *cv, void *l, pctx_t *c)          \
	{                                                                      \
		(void)c;                                                       \
		return usync_cond_wait_##NAME(cv, (usync_##NAME##_t *)l);      \
	}                                                                      \
	static int NAME##_timedwait_(usync_cond_t *cv, void *l, pctx_t *c,     \
				     const struct timespec *t)                 \
	{                                                                      \
		(void)c;                                                       \
		return usync_cond_timedwait_##NAME(cv, (usync_##NAME##_t *)l,  \
						   t);                         \
	}
PLAIN(tas)
PLAIN(ttas)
PLAIN(backoff)
PLAIN(ticket)

/* mcs, mcs_tp: a node. */
#define NODE(NAME)                                                             \
	static void *NAME##_create(const char *n, usync_wait_policy_t p)       \
	{                                                                      \
		(void)n;                                                       \
		usync_##NAME##_t *l =                                          \
			(usync_##NAME##_t *)alloc_lock(sizeof(*l));            \
		usync_##NAME##_init(l);                                        \
		assert_int_equal(usync_##NAME##_set_policy(l, p), 0);          \
		return l;                                                      \
	}                                                                      \
	static void NAME##_lock_(void *l, pctx_t *c)                           \
	{                                                                      \
		usync_##NAME##_lock((usync_##NAME##_t *)l, &c->NAME);          \
	}                                                                      \
	static void NAME##_unlock_(void *l, pctx_t *c)                         \
	{                                                                      \
		usync_##NAME##_unlock((usync_##NAME##_t *)l, &c->NAME);        \
	}                                                                      \
	static int NAME##_wait_(usync_cond_t *cv, void *l, pctx_t *c)          \
	{                                                                      \
		return usync_cond_wait_##NAME(cv, (usync_##NAME##_t *)l,       \
					      &c->NAME);                       \
	}                                                                      \
	static int NAME##_timedwait_(usync_cond_t *cv, void *l, pctx_t *c,     \
				     const struct timespec *t)                 \
	{                                                                      \
		return usync_cond_timedwait_##NAME(cv, (usync_##NAME##_t *)l,  \
						   &c->NAME, t);               \
	}
NODE(mcs)
NODE(mcs_tp)

static void *anderson_create(const char *n, usync_wait_policy_t p)
{
	(void)n;
	usync_anderson_t *l = (usync_anderson_t *)alloc_lock(sizeof(*l));
	assert_int_equal(usync_anderson_init(l, MAX_THREADS), 0);
	assert_int_equal(usync_anderson_set_policy(l, p), 0);
	return l;
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
static void anderson_unlock_(void *l, pctx_t *c)
{
	usync_anderson_unlock((usync_anderson_t *)l, c->slot);
}
static int anderson_wait_(usync_cond_t *cv, void *l, pctx_t *c)
{
	return usync_cond_wait_anderson(cv, (usync_anderson_t *)l, &c->slot);
}
static int anderson_timedwait_(usync_cond_t *cv, void *l, pctx_t *c,
			       const struct timespec *t)
{
	return usync_cond_timedwait_anderson(cv, (usync_anderson_t *)l,
					     &c->slot, t);
}

static void *clh_create(const char *n, usync_wait_policy_t p)
{
	(void)n;
	usync_clh_t *l = (usync_clh_t *)alloc_lock(sizeof(*l));
	assert_int_equal(usync_clh_init(l, MAX_THREADS + 1), 0);
	assert_int_equal(usync_clh_set_policy(l, p), 0);
	return l;
}
static void clh_destroy_(void *l)
{
	usync_clh_destroy((usync_clh_t *)l);
	free(l);
}
static void clh_ctx_init_(void *l, pctx_t *c)
{
	/* Called by the main thread before the workers start. */
	assert_int_equal(usync_clh_ctx_init((usync_clh_t *)l, &c->clh), 0);
}
static void clh_ctx_fini_(void *l, pctx_t *c)
{
	usync_clh_ctx_destroy((usync_clh_t *)l, &c->clh);
}
static void clh_lock_(void *l, pctx_t *c)
{
	usync_clh_lock((usync_clh_t *)l, &c->clh);
}
static void clh_unlock_(void *l, pctx_t *c)
{
	usync_clh_unlock((usync_clh_t *)l, &c->clh);
}
static int clh_wait_(usync_cond_t *cv, void *l, pctx_t *c)
{
	return usync_cond_wait_clh(cv, (usync_clh_t *)l, &c->clh);
}
static int clh_timedwait_(usync_cond_t *cv, void *l, pctx_t *c,
			  const struct timespec *t)
{
	return usync_cond_timedwait_clh(cv, (usync_clh_t *)l, &c->clh, t);
}

static void free_lock(void *l)
{
	free(l);
}

static void *generic_create(const char *name, usync_wait_policy_t p)
{
	usync_lock_t *l = NULL;
	assert_int_equal(usync_lock_create(&l, name, MAX_THREADS + 1), 0);
	assert_int_equal(usync_lock_set_policy(l, p), 0);
	return l;
}
static void generic_destroy(void *l)
{
	usync_lock_destroy((usync_lock_t *)l);
}
static void generic_lock(void *l, pctx_t *c)
{
	usync_lock_acquire((usync_lock_t *)l, &c->generic);
}
static void generic_unlock(void *l, pctx_t *c)
{
	usync_lock_release((usync_lock_t *)l, &c->generic);
}
static int generic_wait(usync_cond_t *cv, void *l, pctx_t *c)
{
	return usync_cond_wait(cv, (usync_lock_t *)l, &c->generic);
}
static int generic_timedwait(usync_cond_t *cv, void *l, pctx_t *c,
			     const struct timespec *t)
{
	return usync_cond_timedwait(cv, (usync_lock_t *)l, &c->generic, t);
}

#define TYPED(NAME, DESTROY, CTX_INIT, CTX_FINI)                               \
	{ #NAME,	 false,	      NAME##_create, DESTROY,                  \
	  CTX_INIT,	 CTX_FINI,    NAME##_lock_,  NAME##_unlock_,           \
	  NAME##_wait_, NAME##_timedwait_ }
static const cond_api_t typed[] = {
	TYPED(tas, free_lock, no_ctx, no_ctx),
	TYPED(ttas, free_lock, no_ctx, no_ctx),
	TYPED(backoff, free_lock, no_ctx, no_ctx),
	TYPED(ticket, free_lock, no_ctx, no_ctx),
	TYPED(anderson, anderson_destroy_, no_ctx, no_ctx),
	TYPED(mcs, free_lock, no_ctx, no_ctx),
	TYPED(clh, clh_destroy_, clh_ctx_init_, clh_ctx_fini_),
	TYPED(mcs_tp, free_lock, no_ctx, no_ctx),
};
#define N_TYPED (sizeof(typed) / sizeof(typed[0]))

/* Both APIs of every algorithm; returns the count. */
static size_t all_apis(cond_api_t *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < N_TYPED && n < cap; i++)
		out[n++] = typed[i];
	for (const char *const *name = usync_lock_algorithms();
	     *name != NULL && n < cap; name++) {
		cond_api_t g = { *name,		 true,		generic_create,
				 generic_destroy, no_ctx,	no_ctx,
				 generic_lock,	 generic_unlock, generic_wait,
				 generic_timedwait };
		out[n++] = g;
	}
	return n;
}

#define MAX_APIS 32

static const char *kind(const cond_api_t *api)
{
	return api->generic ? "generic" : "typed";
}

/* ------------------------------------------------- producer / consumer */

#define BUFFER_SLOTS 4

typedef struct pc_shared {
	const cond_api_t *api;
	void *lock;
	usync_cond_t not_full, not_empty;
	/* Under the lock. */
	unsigned buffer[BUFFER_SLOTS];
	unsigned count, put, take;
	unsigned consumed;   /* items taken so far */
	unsigned total;      /* items all producers make */
	unsigned per_producer;
	unsigned char *seen; /* seen[item]: times consumed */
	unsigned invented;   /* items out of range */
	unsigned timeouts;   /* ETIMEDOUT returns seen by timed consumers */
	unsigned bad_rc;     /* a wait returned something else */
} pc_shared_t;

typedef struct pc_worker {
	USYNC_ALIGNED pctx_t ctx;
	pc_shared_t *s;
	unsigned id;
	bool timed; /* consumer: waits with 200 us deadlines */
	pthread_t thread;
} pc_worker_t;

static void *producer(void *p)
{
	pc_worker_t *w = (pc_worker_t *)p;
	pc_shared_t *s = w->s;
	const cond_api_t *api = s->api;
	for (unsigned i = 0; i < s->per_producer; i++) {
		unsigned item = w->id * s->per_producer + i;
		api->lock(s->lock, &w->ctx);
		while (s->count == BUFFER_SLOTS)
			if (api->wait(&s->not_full, s->lock, &w->ctx) != 0)
				s->bad_rc++;
		s->buffer[s->put] = item;
		s->put = (s->put + 1) % BUFFER_SLOTS;
		s->count++;
		/* Every other signal is sent after the unlock: both are
		 * allowed and neither may be lost. */
		if (i % 2 == 0) {
			usync_cond_signal(&s->not_empty);
			api->unlock(s->lock, &w->ctx);
		} else {
			api->unlock(s->lock, &w->ctx);
			usync_cond_signal(&s->not_empty);
		}
	}
	return NULL;
}

static void *consumer(void *p)
{
	pc_worker_t *w = (pc_worker_t *)p;
	pc_shared_t *s = w->s;
	const cond_api_t *api = s->api;
	api->lock(s->lock, &w->ctx);
	for (;;) {
		while (s->count == 0 && s->consumed < s->total) {
			int rc;
			if (w->timed) {
				struct timespec t = deadline_in(200000);
				rc = api->timedwait(&s->not_empty, s->lock,
						    &w->ctx, &t);
				if (rc == ETIMEDOUT) {
					s->timeouts++;
					rc = 0;
				}
			} else {
				rc = api->wait(&s->not_empty, s->lock,
					       &w->ctx);
			}
			if (rc != 0)
				s->bad_rc++;
		}
		if (s->count == 0)
			break; /* all consumed */
		unsigned item = s->buffer[s->take];
		s->take = (s->take + 1) % BUFFER_SLOTS;
		s->count--;
		s->consumed++;
		if (item < s->total)
			s->seen[item]++;
		else
			s->invented++;
		usync_cond_signal(&s->not_full);
		if (s->consumed == s->total) {
			/* The last item: release the other consumers. */
			usync_cond_broadcast(&s->not_empty);
			break;
		}
	}
	api->unlock(s->lock, &w->ctx);
	return NULL;
}

static void run_pc(const cond_api_t *api, unsigned producers,
		   unsigned consumers, usync_wait_policy_t policy,
		   unsigned per_producer)
{
	pc_shared_t s;
	memset(&s, 0, sizeof(s));
	s.api = api;
	s.lock = api->create(api->name, policy);
	assert_int_equal(usync_cond_init(&s.not_full), 0);
	assert_int_equal(usync_cond_init(&s.not_empty), 0);
	s.per_producer = per_producer;
	s.total = producers * per_producer;
	s.seen = (unsigned char *)calloc(s.total, 1);
	assert_non_null(s.seen);
	unsigned n = producers + consumers;
	pc_worker_t *w = (pc_worker_t *)aligned_alloc(
		USYNC_CACHELINE, sizeof(pc_worker_t) * MAX_THREADS);
	assert_non_null(w);
	assert_true(n <= MAX_THREADS);
	for (unsigned i = 0; i < n; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].s = &s;
		w[i].id = i < producers ? i : i - producers;
		w[i].timed = i >= producers && w[i].id == 0;
		api->ctx_init(s.lock, &w[i].ctx);
	}
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(pthread_create(&w[i].thread, NULL,
						i < producers ? producer
							      : consumer,
						&w[i]),
				 0);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(pthread_join(w[i].thread, NULL), 0);
	unsigned missing = 0, twice = 0;
	for (unsigned i = 0; i < s.total; i++) {
		missing += s.seen[i] == 0;
		twice += s.seen[i] > 1;
	}
	if (missing || twice || s.invented || s.bad_rc)
		print_error("%s (%s), %u+%u threads: %u missing, %u twice, "
			    "%u invented, %u bad returns\n",
			    api->name, kind(api), producers, consumers,
			    missing, twice, s.invented, s.bad_rc);
	assert_int_equal(missing, 0);
	assert_int_equal(twice, 0);
	assert_int_equal(s.invented, 0);
	assert_int_equal(s.bad_rc, 0);
	assert_int_equal(s.consumed, s.total);
	assert_int_equal(s.count, 0);
	/* White box: nobody left on either list. */
	assert_null(atomic_load(&s.not_full.head));
	assert_null(atomic_load(&s.not_empty.head));
	for (unsigned i = 0; i < n; i++)
		api->ctx_fini(s.lock, &w[i].ctx);
	usync_cond_destroy(&s.not_full);
	usync_cond_destroy(&s.not_empty);
	api->destroy(s.lock);
	free(s.seen);
	free(w);
}

static void test_producer_consumer(void **state)
{
	(void)state;
	cond_api_t apis[MAX_APIS];
	size_t n = all_apis(apis, MAX_APIS);
	unsigned items = scaled(1500);
	for (size_t a = 0; a < n; a++) {
		run_pc(&apis[a], 2, 2, USYNC_WAIT_YIELD, items);
		run_pc(&apis[a], 3, 3, USYNC_WAIT_PARK, items);
	}
}

/* ----------------------------------------------------------- ping-pong */

typedef struct pp_shared {
	const cond_api_t *api;
	void *lock;
	usync_cond_t cond[2];
	unsigned turn; /* under the lock: whose move, 0 or 1 */
	unsigned rounds;
	unsigned bad_rc;
} pp_shared_t;

typedef struct pp_worker {
	USYNC_ALIGNED pctx_t ctx;
	pp_shared_t *s;
	unsigned me;
	pthread_t thread;
} pp_worker_t;

static void *pp_player(void *p)
{
	pp_worker_t *w = (pp_worker_t *)p;
	pp_shared_t *s = w->s;
	const cond_api_t *api = s->api;
	for (unsigned r = 0; r < s->rounds; r++) {
		api->lock(s->lock, &w->ctx);
		while (s->turn != w->me)
			if (api->wait(&s->cond[w->me], s->lock, &w->ctx) != 0)
				s->bad_rc++;
		s->turn = 1 - w->me;
		/* Signal inside and outside the lock, alternately. */
		if (r % 2 == 0) {
			usync_cond_signal(&s->cond[1 - w->me]);
			api->unlock(s->lock, &w->ctx);
		} else {
			api->unlock(s->lock, &w->ctx);
			usync_cond_signal(&s->cond[1 - w->me]);
		}
	}
	return NULL;
}

static void test_ping_pong(void **state)
{
	(void)state;
	cond_api_t apis[MAX_APIS];
	size_t n = all_apis(apis, MAX_APIS);
	for (size_t a = 0; a < n; a++) {
		pp_shared_t s;
		memset(&s, 0, sizeof(s));
		s.api = &apis[a];
		s.lock = apis[a].create(apis[a].name, USYNC_WAIT_YIELD);
		usync_cond_init(&s.cond[0]);
		s.cond[1] = (usync_cond_t)USYNC_COND_INITIALIZER;
		s.rounds = scaled(2000);
		pp_worker_t w[2];
		for (unsigned i = 0; i < 2; i++) {
			memset(&w[i], 0, sizeof(w[i]));
			w[i].s = &s;
			w[i].me = i;
			apis[a].ctx_init(s.lock, &w[i].ctx);
		}
		for (unsigned i = 0; i < 2; i++)
			assert_int_equal(pthread_create(&w[i].thread, NULL,
							pp_player, &w[i]),
					 0);
		for (unsigned i = 0; i < 2; i++)
			assert_int_equal(pthread_join(w[i].thread, NULL), 0);
		assert_int_equal(s.bad_rc, 0);
		assert_int_equal(s.turn, 0); /* an even number of moves */
		for (unsigned i = 0; i < 2; i++)
			apis[a].ctx_fini(s.lock, &w[i].ctx);
		usync_cond_destroy(&s.cond[0]);
		usync_cond_destroy(&s.cond[1]);
		apis[a].destroy(s.lock);
	}
}

/* ----------------------------------------------------------- timedwait */

typedef struct tw_shared {
	const cond_api_t *api;
	void *lock;
	usync_cond_t cond;
	bool flag;    /* under the lock */
	bool waiting; /* under the lock: the waiter is about to wait */
	int rc;
	pctx_t ctx;
} tw_shared_t;

static void *tw_signalled_waiter(void *p)
{
	tw_shared_t *s = (tw_shared_t *)p;
	struct timespec far = deadline_in(60LL * 1000000000LL);
	s->api->lock(s->lock, &s->ctx);
	s->waiting = true;
	s->rc = 0;
	while (!s->flag && s->rc == 0)
		s->rc = s->api->timedwait(&s->cond, s->lock, &s->ctx, &far);
	s->api->unlock(s->lock, &s->ctx);
	return NULL;
}

static void test_timedwait(void **state)
{
	(void)state;
	cond_api_t apis[MAX_APIS];
	size_t n = all_apis(apis, MAX_APIS);
	for (size_t a = 0; a < n; a++) {
		const cond_api_t *api = &apis[a];
		void *lock = api->create(api->name, USYNC_WAIT_YIELD);
		usync_cond_t cond = USYNC_COND_INITIALIZER;
		static pctx_t c;
		memset(&c, 0, sizeof(c));
		api->ctx_init(lock, &c);
		api->lock(lock, &c);

		/* A deadline in the past: ETIMEDOUT at once. */
		struct timespec past = { 0, 0 };
		assert_int_equal(api->timedwait(&cond, lock, &c, &past),
				 ETIMEDOUT);
		struct timespec recent = deadline_in(0);
		assert_int_equal(api->timedwait(&cond, lock, &c, &recent),
				 ETIMEDOUT);

		/* A short deadline: not before it, and (sanity only) well
		 * within a minute. */
		struct timespec soon = deadline_in(20000000); /* 20 ms */
		long long soon_ns = (long long)soon.tv_sec * 1000000000LL +
				    soon.tv_nsec;
		long long t0 = now_ns();
		assert_int_equal(api->timedwait(&cond, lock, &c, &soon),
				 ETIMEDOUT);
		long long t1 = now_ns();
		assert_true(t1 >= soon_ns);
		assert_true(t1 - t0 < 60LL * 1000000000LL);
		assert_null(atomic_load(&cond.head)); /* node removed */
		/* Held again: unlock (a debug build checks it) and relock. */
		api->unlock(lock, &c);
		api->ctx_fini(lock, &c);

		/* A signalled timedwait returns 0. */
		tw_shared_t s;
		memset(&s, 0, sizeof(s));
		s.api = api;
		s.lock = lock;
		usync_cond_init(&s.cond);
		api->ctx_init(lock, &s.ctx);
		pthread_t t;
		assert_int_equal(pthread_create(&t, NULL, tw_signalled_waiter,
						&s),
				 0);
		pctx_t *mine = &c;
		api->ctx_init(lock, mine);
		for (;;) {
			api->lock(lock, mine);
			/* waiting, set under the lock, and the waiter's node
			 * on the list: it is inside the wait. */
			bool in_wait = s.waiting &&
				       atomic_load(&s.cond.head) != NULL;
			if (in_wait) {
				s.flag = true;
				usync_cond_signal(&s.cond);
			}
			api->unlock(lock, mine);
			if (in_wait)
				break;
			sched_yield();
		}
		assert_int_equal(pthread_join(t, NULL), 0);
		assert_int_equal(s.rc, 0);
		api->ctx_fini(lock, mine);
		api->ctx_fini(lock, &s.ctx);
		usync_cond_destroy(&s.cond);
		usync_cond_destroy(&cond);
		api->destroy(lock);
	}
}

/* ----------------------------------------------------------- broadcast */

#define BC_WAITERS 6

typedef struct bc_shared {
	const cond_api_t *api;
	void *lock;
	usync_cond_t cond;
	/* Under the lock. */
	unsigned generation;
	unsigned ready; /* waiters in this round that are about to wait */
	unsigned woke;
	unsigned bad_rc;
	unsigned rounds;
} bc_shared_t;

typedef struct bc_worker {
	USYNC_ALIGNED pctx_t ctx;
	bc_shared_t *s;
	bool timed;
	pthread_t thread;
} bc_worker_t;

static void *bc_waiter(void *p)
{
	bc_worker_t *w = (bc_worker_t *)p;
	bc_shared_t *s = w->s;
	const cond_api_t *api = s->api;
	for (unsigned r = 0; r < s->rounds; r++) {
		api->lock(s->lock, &w->ctx);
		unsigned g = s->generation;
		s->ready++;
		struct timespec far = deadline_in(60LL * 1000000000LL);
		while (s->generation == g) {
			int rc = w->timed ? api->timedwait(&s->cond, s->lock,
							   &w->ctx, &far)
					  : api->wait(&s->cond, s->lock,
						      &w->ctx);
			if (rc != 0)
				s->bad_rc++;
		}
		s->woke++;
		api->unlock(s->lock, &w->ctx);
	}
	return NULL;
}

static void test_broadcast(void **state)
{
	(void)state;
	cond_api_t apis[MAX_APIS];
	size_t n = all_apis(apis, MAX_APIS);
	for (size_t a = 0; a < n; a++) {
		const cond_api_t *api = &apis[a];
		bc_shared_t s;
		memset(&s, 0, sizeof(s));
		s.api = api;
		s.lock = api->create(api->name, USYNC_WAIT_YIELD);
		usync_cond_init(&s.cond);
		s.rounds = scaled(20);
		static bc_worker_t w[BC_WAITERS];
		static pctx_t mine;
		for (unsigned i = 0; i < BC_WAITERS; i++) {
			memset(&w[i], 0, sizeof(w[i]));
			w[i].s = &s;
			w[i].timed = i % 2 == 1;
			api->ctx_init(s.lock, &w[i].ctx);
		}
		memset(&mine, 0, sizeof(mine));
		api->ctx_init(s.lock, &mine);
		for (unsigned i = 0; i < BC_WAITERS; i++)
			assert_int_equal(pthread_create(&w[i].thread, NULL,
							bc_waiter, &w[i]),
					 0);
		unsigned woke_expected = 0;
		for (unsigned r = 0; r < s.rounds; r++) {
			/* Wait for every waiter to be inside the wait: ready
			 * counted under the lock, which each waiter holds
			 * until its wait releases it. */
			for (;;) {
				api->lock(s.lock, &mine);
				bool all = s.ready == BC_WAITERS;
				if (all) {
					s.ready = 0;
					s.generation++;
					usync_cond_broadcast(&s.cond);
				}
				api->unlock(s.lock, &mine);
				if (all)
					break;
				sched_yield();
			}
			woke_expected += BC_WAITERS;
		}
		for (unsigned i = 0; i < BC_WAITERS; i++)
			assert_int_equal(pthread_join(w[i].thread, NULL), 0);
		if (s.woke != woke_expected || s.bad_rc)
			print_error("%s (%s): %u of %u woke, %u bad returns\n",
				    api->name, kind(api), s.woke,
				    woke_expected, s.bad_rc);
		assert_int_equal(s.woke, woke_expected);
		assert_int_equal(s.bad_rc, 0);
		assert_null(atomic_load(&s.cond.head));
		for (unsigned i = 0; i < BC_WAITERS; i++)
			api->ctx_fini(s.lock, &w[i].ctx);
		api->ctx_fini(s.lock, &mine);
		usync_cond_destroy(&s.cond);
		api->destroy(s.lock);
	}
}

/* ------------------------------------------------------- timeout storm */

/*
 * Waiters with deadlines of a few microseconds against a stream of
 * signals and broadcasts, each of which hands out tokens under the lock.
 * A woken or timed-out waiter takes a token if one is there.  Exact
 * accounting: every token is taken (the waiters keep going until none is
 * left and the posters have finished), and a wait that returned ETIMEDOUT
 * did so with its deadline past.
 */
typedef struct storm_shared {
	const cond_api_t *api;
	void *lock;
	usync_cond_t cond;
	/* Under the lock. */
	unsigned tokens;     /* posted, not yet taken */
	unsigned taken;
	unsigned posted;
	bool posting_done;
	unsigned early;      /* ETIMEDOUT before the deadline */
	unsigned bad_rc;
	unsigned per_poster;
} storm_shared_t;

typedef struct storm_worker {
	USYNC_ALIGNED pctx_t ctx;
	storm_shared_t *s;
	unsigned id;
	pthread_t thread;
} storm_worker_t;

static void *storm_poster(void *p)
{
	storm_worker_t *w = (storm_worker_t *)p;
	storm_shared_t *s = w->s;
	for (unsigned i = 0; i < s->per_poster; i++) {
		s->api->lock(s->lock, &w->ctx);
		bool all = i % 8 == 7;
		s->tokens += all ? 3 : 1;
		s->posted += all ? 3 : 1;
		if (all)
			usync_cond_broadcast(&s->cond);
		else
			usync_cond_signal(&s->cond);
		s->api->unlock(s->lock, &w->ctx);
		if (i % 4 == 0)
			sched_yield();
	}
	return NULL;
}

static void *storm_waiter(void *p)
{
	storm_worker_t *w = (storm_worker_t *)p;
	storm_shared_t *s = w->s;
	s->api->lock(s->lock, &w->ctx);
	for (;;) {
		if (s->tokens > 0) {
			s->tokens--;
			s->taken++;
			continue;
		}
		if (s->posting_done)
			break;
		struct timespec t = deadline_in(2000 + 3000 * (long)w->id);
		int rc = s->api->timedwait(&s->cond, s->lock, &w->ctx, &t);
		if (rc == ETIMEDOUT) {
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec < t.tv_sec ||
			    (now.tv_sec == t.tv_sec && now.tv_nsec < t.tv_nsec))
				s->early++;
		} else if (rc != 0) {
			s->bad_rc++;
		}
	}
	s->api->unlock(s->lock, &w->ctx);
	return NULL;
}

static void test_timeout_storm(void **state)
{
	(void)state;
	cond_api_t apis[MAX_APIS];
	size_t n = all_apis(apis, MAX_APIS);
	enum { POSTERS = 2, WAITERS = 3 };
	for (size_t a = 0; a < n; a++) {
		const cond_api_t *api = &apis[a];
		storm_shared_t s;
		memset(&s, 0, sizeof(s));
		s.api = api;
		s.lock = api->create(api->name, USYNC_WAIT_PARK);
		usync_cond_init(&s.cond);
		s.per_poster = scaled(800);
		static storm_worker_t w[POSTERS + WAITERS];
		static pctx_t mine;
		for (unsigned i = 0; i < POSTERS + WAITERS; i++) {
			memset(&w[i], 0, sizeof(w[i]));
			w[i].s = &s;
			w[i].id = i;
			api->ctx_init(s.lock, &w[i].ctx);
		}
		memset(&mine, 0, sizeof(mine));
		api->ctx_init(s.lock, &mine);
		for (unsigned i = 0; i < POSTERS + WAITERS; i++)
			assert_int_equal(
				pthread_create(&w[i].thread, NULL,
					       i < POSTERS ? storm_poster
							   : storm_waiter,
					       &w[i]),
				0);
		for (unsigned i = 0; i < POSTERS; i++)
			assert_int_equal(pthread_join(w[i].thread, NULL), 0);
		api->lock(s.lock, &mine);
		s.posting_done = true;
		usync_cond_broadcast(&s.cond);
		api->unlock(s.lock, &mine);
		for (unsigned i = POSTERS; i < POSTERS + WAITERS; i++)
			assert_int_equal(pthread_join(w[i].thread, NULL), 0);
		if (s.taken != s.posted || s.early || s.bad_rc)
			print_error("%s (%s): %u of %u taken, %u early "
				    "timeouts, %u bad returns\n",
				    api->name, kind(api), s.taken, s.posted,
				    s.early, s.bad_rc);
		assert_int_equal(s.taken, s.posted);
		assert_int_equal(s.tokens, 0);
		assert_int_equal(s.early, 0);
		assert_int_equal(s.bad_rc, 0);
		assert_null(atomic_load(&s.cond.head));
		for (unsigned i = 0; i < POSTERS + WAITERS; i++)
			api->ctx_fini(s.lock, &w[i].ctx);
		api->ctx_fini(s.lock, &mine);
		usync_cond_destroy(&s.cond);
		api->destroy(s.lock);
	}
}

/* ----------------------------------------------------------- bad input */

static void test_bad_input(void **state)
{
	(void)state;
	assert_int_equal(usync_cond_init(NULL), EINVAL);
	usync_cond_destroy(NULL);
	usync_cond_t fresh;
	memset(&fresh, 0xa5, sizeof(fresh));
	assert_int_equal(usync_cond_init(&fresh), 0);
	assert_null(atomic_load(&fresh.head));
	assert_null(fresh.tail);
	/* signal and broadcast with no waiter: nothing to do. */
	usync_cond_signal(&fresh);
	usync_cond_broadcast(&fresh);
	usync_cond_destroy(&fresh);

	const struct timespec bad[] = {
		{ 0, -1 },
		{ 0, 1000000000L },
		{ 1, 2000000000L },
	};
	cond_api_t apis[MAX_APIS];
	size_t n = all_apis(apis, MAX_APIS);
	for (size_t a = 0; a < n; a++) {
		const cond_api_t *api = &apis[a];
		void *lock = api->create(api->name, USYNC_WAIT_YIELD);
		usync_cond_t cond = USYNC_COND_INITIALIZER;
		static pctx_t c;
		memset(&c, 0, sizeof(c));
		api->ctx_init(lock, &c);
		api->lock(lock, &c);
		assert_int_equal(api->timedwait(&cond, lock, &c, NULL), EINVAL);
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			assert_int_equal(api->timedwait(&cond, lock, &c,
							&bad[i]),
					 EINVAL);
		assert_null(atomic_load(&cond.head));
		/* Still held through the same context (a debug build's
		 * unlock checks it). */
		api->unlock(lock, &c);
		api->ctx_fini(lock, &c);
		usync_cond_destroy(&cond);
		api->destroy(lock);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_timedwait),
		cmocka_unit_test(test_ping_pong),
		cmocka_unit_test(test_broadcast),
		cmocka_unit_test(test_producer_consumer),
		cmocka_unit_test(test_timeout_storm),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
