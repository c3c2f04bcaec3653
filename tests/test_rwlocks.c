/*
 * tests/test_rwlocks.c - every shared (reader-writer) lock, through both
 * APIs.
 *
 * One test body per property, looping over a table of algorithms: the
 * per-algorithm API through a small adapter per lock (below), and the
 * generic API through usync_rwlock_algorithms(), so that a lock added to
 * the registry is tested by the generic half without a line here.
 *
 *   exclusion   1, 2, 4, 8 threads (2 cores: 4 and 8 are oversubscribed),
 *               under yield, park and spin; a mix of reads and writes, a
 *               share of each by trylock.  A writer updates two plain words
 *               one after the other; a reader that sees them differ saw a
 *               write half-done.  Writers and readers inside are counted
 *               atomically: a writer beside anyone is a violation.  Exact
 *               final values: no write lost.
 *   sharing     K readers are inside at once (each waits inside, for a
 *               bounded time, until all K have entered): a lock that
 *               serialises readers fails.
 *   fairness    rw_ticket, rw_phasefair, rw_mcs (and rw_counter for
 *               writers, which it prefers): once a writer's request is
 *               observed in the lock's state (white box), readers enter
 *               at most once per reader thread before it (the acquisitions
 *               already ahead of it), however long it waits; and a reader
 *               facing writers waits for at most one write per writer
 *               thread.  A bound on entries, not a time.  BRAVO promises
 *               no such bound (usync/bravo.h) and is not tested for it.
 *   trylock     fails, without waiting, while the lock is held against
 *               it; succeeds when free; a read_trylock beside a reader
 *               (where the lock promises it).
 *   bravo       revocation while readers are inside (the writer waits for
 *               them); the fallback to the inner lock while the bias is
 *               off, its return after the inhibition, and a taken slot;
 *               32 locks of every inner kind sharing the one table.
 *   bad input   every error return; destroy(NULL); the names list.
 * The misuse checks' death tests are in test_rwlock_misuse.c.
 *
 * Assertions are made by the main thread only (CMocka is not thread safe):
 * workers count what they see and the main thread checks the counts.
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

#include "rwlock_internal.h" /* white box: observe a waiting request */

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

static void *alloc_lines(size_t size)
{
	void *p = aligned_alloc(USYNC_CACHELINE,
				(size + USYNC_CACHELINE - 1) / USYNC_CACHELINE *
					USYNC_CACHELINE);
	assert_non_null(p);
	memset(p, 0, size);
	return p;
}

/* Poll `flag` for up to ~10 s; true if it reached `target`.  Bounded so
 * that a lock that never lets a thread in fails instead of hanging. */
static bool eventually_at_least(_Atomic(unsigned) *flag, unsigned target)
{
	for (int i = 0; i < 200000; i++) {
		/* acquire: pairs with the release that raises it. */
		if (atomic_load_explicit(flag, memory_order_acquire) >= target)
			return true;
		if (i < 1000) {
			sched_yield();
		} else {
			struct timespec ts = { 0, 50000 };
			nanosleep(&ts, NULL);
		}
	}
	return false;
}

/* ------------------------------------------------- the two APIs, adapted */

/* Per-thread, per-lock context of either API. */
typedef struct rctx {
	usync_rwlock_ctx_t generic;
	usync_rw_mcs_node_t rw_mcs;
	usync_bravo_ctx_t bravo;
} rctx_t;

typedef struct rw_api {
	const char *name;
	int (*create)(const struct rw_api *api, void **lock, unsigned max);
	void (*destroy)(void *lock);
	void (*read_lock)(void *lock, rctx_t *c);
	bool (*read_trylock)(void *lock, rctx_t *c);
	void (*read_unlock)(void *lock, rctx_t *c);
	void (*write_lock)(void *lock, rctx_t *c);
	bool (*write_trylock)(void *lock, rctx_t *c);
	void (*write_unlock)(void *lock, rctx_t *c);
	int (*set_policy)(void *lock, usync_wait_policy_t policy);
	/* White box, NULL where not asserted: the one writer (reader) whose
	 * context is given has made its request and not yet left. */
	bool (*writer_pending)(void *lock, rctx_t *writer);
	bool (*reader_pending)(void *lock, rctx_t *reader);
	/* A read_trylock succeeds beside a reader inside. */
	bool try_shares;
} rw_api_t;

/* Adapters for the locks without context. */
#define PLAIN_ADAPTER(NAME)                                                    \
	static int NAME##_create(const rw_api_t *api, void **out,             \
				 unsigned max)                                 \
	{                                                                      \
		(void)api;                                                     \
		(void)max;                                                     \
		usync_##NAME##_t *l =                                          \
			(usync_##NAME##_t *)alloc_lines(sizeof(*l));           \
		usync_##NAME##_init(l);                                        \
		*out = l;                                                      \
		return 0;                                                      \
	}                                                                      \
	static void NAME##_destroy_(void *l)                                   \
	{                                                                      \
		usync_##NAME##_destroy((usync_##NAME##_t *)l);                 \
		free(l);                                                       \
	}                                                                      \
	static void NAME##_read_lock_(void *l, rctx_t *c)                      \
	{                                                                      \
		(void)c;                                                       \
		usync_##NAME##_read_lock((usync_##NAME##_t *)l);               \
	}                                                                      \
	static bool NAME##_read_trylock_(void *l, rctx_t *c)                   \
	{                                                                      \
		(void)c;                                                       \
		return usync_##NAME##_read_trylock((usync_##NAME##_t *)l);     \
	}                                                                      \
	static void NAME##_read_unlock_(void *l, rctx_t *c)                    \
	{                                                                      \
		(void)c;                                                       \
		usync_##NAME##_read_unlock((usync_##NAME##_t *)l);             \
	}                                                                      \
	static void NAME##_write_lock_(void *l, rctx_t *c)                     \
	{                                                                      \
		(void)c;                                                       \
		usync_##NAME##_write_lock((usync_##NAME##_t *)l);              \
	}                                                                      \
	static bool NAME##_write_trylock_(void *l, rctx_t *c)                  \
	{                                                                      \
		(void)c;                                                       \
		return usync_##NAME##_write_trylock((usync_##NAME##_t *)l);    \
	}                                                                      \
	static void NAME##_write_unlock_(void *l, rctx_t *c)                   \
	{                                                                      \
		(void)c;                                                       \
		usync_##NAME##_write_unlock((usync_##NAME##_t *)l);            \
	}                                                                      \
	static int NAME##_policy_(void *l, usync_wait_policy_t p)              \
	{                                                                      \
		return usync_##NAME##_set_policy((usync_##NAME##_t *)l, p);    \
	}

#define PLAIN_ENTRY(NAME, WPEND, RPEND, SHARES)                                \
	{ #NAME,                                                               \
	  NAME##_create,                                                       \
	  NAME##_destroy_,                                                     \
	  NAME##_read_lock_,                                                   \
	  NAME##_read_trylock_,                                                \
	  NAME##_read_unlock_,                                                 \
	  NAME##_write_lock_,                                                  \
	  NAME##_write_trylock_,                                               \
	  NAME##_write_unlock_,                                                \
	  NAME##_policy_,                                                      \
	  WPEND,                                                               \
	  RPEND,                                                               \
	  SHARES }

PLAIN_ADAPTER(rw_counter)
PLAIN_ADAPTER(rw_ticket)
PLAIN_ADAPTER(rw_phasefair)

/* rw_counter: a writer has announced itself (the only writer of the test;
 * its fast path, when it takes the lock at once, is never pending). */
static bool rw_counter_writer_pending_(usync_rw_counter_t *l)
{
	/* relaxed: observation only. */
	return atomic_load_explicit(&l->word, memory_order_relaxed) &
	       (USYNC_RW_COUNTER_WAITING_MASK | USYNC_RW_COUNTER_WRITER);
}
static bool rw_counter_wpend(void *l, rctx_t *c)
{
	(void)c;
	return rw_counter_writer_pending_((usync_rw_counter_t *)l);
}

/* rw_ticket: the one writer (reader) of the test holds a ticket. */
static bool rw_ticket_writer_pending_(usync_rw_ticket_t *l)
{
	return (usync_rw_ticket_outstanding_(l) &
		USYNC_RW_TICKET_WRITER_MASK) != 0;
}
static bool rw_ticket_reader_pending_(usync_rw_ticket_t *l)
{
	return (usync_rw_ticket_outstanding_(l) >> 16) != 0;
}
static bool rw_ticket_wpend(void *l, rctx_t *c)
{
	(void)c;
	return rw_ticket_writer_pending_((usync_rw_ticket_t *)l);
}
static bool rw_ticket_rpend(void *l, rctx_t *c)
{
	(void)c;
	return rw_ticket_reader_pending_((usync_rw_ticket_t *)l);
}

/* rw_phasefair: the one writer has put its bits in rin; the one reader is
 * counted in and not out. */
static bool rw_phasefair_writer_pending_(usync_rw_phasefair_t *l)
{
	/* relaxed: observation only. */
	return atomic_load_explicit(&l->rin, memory_order_relaxed) &
	       USYNC_RW_PHASEFAIR_PRES;
}
static bool rw_phasefair_reader_pending_(usync_rw_phasefair_t *l)
{
	return usync_rw_phasefair_readers_(l) != 0;
}
static bool rw_phasefair_wpend(void *l, rctx_t *c)
{
	(void)c;
	return rw_phasefair_writer_pending_((usync_rw_phasefair_t *)l);
}
static bool rw_phasefair_rpend(void *l, rctx_t *c)
{
	(void)c;
	return rw_phasefair_reader_pending_((usync_rw_phasefair_t *)l);
}

/* rw_mcs: the waiting node has swapped itself into the queue: it is the
 * tail, or someone has linked in behind it (the node is cleared by the
 * test before each request, see fair_waiter, so no old link is read). */
static bool rw_mcs_node_pending_(usync_rw_mcs_t *l, usync_rw_mcs_node_t *n)
{
	/* relaxed: observation only. */
	return atomic_load_explicit(&l->tail, memory_order_relaxed) == n ||
	       atomic_load_explicit(&n->next, memory_order_relaxed) != NULL;
}
static bool rw_mcs_pend(void *l, rctx_t *c)
{
	return rw_mcs_node_pending_((usync_rw_mcs_t *)l, &c->rw_mcs);
}

#define NODE_ADAPTER(NAME)                                                     \
	static int NAME##_create(const rw_api_t *api, void **out,             \
				 unsigned max)                                 \
	{                                                                      \
		(void)api;                                                     \
		(void)max;                                                     \
		usync_##NAME##_t *l =                                          \
			(usync_##NAME##_t *)alloc_lines(sizeof(*l));           \
		usync_##NAME##_init(l);                                        \
		*out = l;                                                      \
		return 0;                                                      \
	}                                                                      \
	static void NAME##_destroy_(void *l)                                   \
	{                                                                      \
		usync_##NAME##_destroy((usync_##NAME##_t *)l);                 \
		free(l);                                                       \
	}                                                                      \
	static void NAME##_read_lock_(void *l, rctx_t *c)                      \
	{                                                                      \
		usync_##NAME##_read_lock((usync_##NAME##_t *)l, &c->NAME);     \
	}                                                                      \
	static bool NAME##_read_trylock_(void *l, rctx_t *c)                   \
	{                                                                      \
		return usync_##NAME##_read_trylock((usync_##NAME##_t *)l,      \
						   &c->NAME);                  \
	}                                                                      \
	static void NAME##_read_unlock_(void *l, rctx_t *c)                    \
	{                                                                      \
		usync_##NAME##_read_unlock((usync_##NAME##_t *)l, &c->NAME);   \
	}                                                                      \
	static void NAME##_write_lock_(void *l, rctx_t *c)                     \
	{                                                                      \
		usync_##NAME##_write_lock((usync_##NAME##_t *)l, &c->NAME);    \
	}                                                                      \
	static bool NAME##_write_trylock_(void *l, rctx_t *c)                  \
	{                                                                      \
		return usync_##NAME##_write_trylock((usync_##NAME##_t *)l,     \
						    &c->NAME);                 \
	}                                                                      \
	static void NAME##_write_unlock_(void *l, rctx_t *c)                   \
	{                                                                      \
		usync_##NAME##_write_unlock((usync_##NAME##_t *)l, &c->NAME);  \
	}                                                                      \
	static int NAME##_policy_(void *l, usync_wait_policy_t p)              \
	{                                                                      \
		return usync_##NAME##_set_policy((usync_##NAME##_t *)l, p);    \
	}
NODE_ADAPTER(rw_mcs)

/* BRAVO: one adapter, the inner lock taken from the name "bravo:<inner>". */
static const char *const bravo_inners[] = { "rw_counter", "rw_ticket",
					    "rw_phasefair", "rw_mcs" };
static int bravo_create(const rw_api_t *api, void **out, unsigned max)
{
	(void)max;
	for (unsigned k = 0; k < 4; k++)
		if (strcmp(api->name + strlen("bravo:"), bravo_inners[k]) == 0) {
			usync_bravo_t *l =
				(usync_bravo_t *)alloc_lines(sizeof(*l));
			assert_int_equal(usync_bravo_init(
						 l, (usync_bravo_inner_t)k),
					 0);
			*out = l;
			return 0;
		}
	return EINVAL;
}
static void bravo_destroy_(void *l)
{
	usync_bravo_destroy((usync_bravo_t *)l);
	free(l);
}
#define BRAVO_VERB(VERB)                                                       \
	static void bravo_##VERB##_(void *l, rctx_t *c)                        \
	{                                                                      \
		usync_bravo_##VERB((usync_bravo_t *)l, &c->bravo);             \
	}
#define BRAVO_TRY(VERB)                                                        \
	static bool bravo_##VERB##_(void *l, rctx_t *c)                        \
	{                                                                      \
		return usync_bravo_##VERB((usync_bravo_t *)l, &c->bravo);      \
	}
BRAVO_VERB(read_lock)
BRAVO_TRY(read_trylock)
BRAVO_VERB(read_unlock)
BRAVO_VERB(write_lock)
BRAVO_TRY(write_trylock)
BRAVO_VERB(write_unlock)
static int bravo_policy_(void *l, usync_wait_policy_t p)
{
	return usync_bravo_set_policy((usync_bravo_t *)l, p);
}
/* No starvation bound is asserted for BRAVO (bravo.h: fast readers may
 * enter until the writer has revoked).  A read trylock beside a reader
 * shares through the table, or through the inner trylock when the bias is
 * off, which rw_mcs's does not promise. */
#define BRAVO_ENTRY(INNER, SHARES)                                             \
	{ "bravo:" #INNER,     bravo_create,	    bravo_destroy_,            \
	  bravo_read_lock_,    bravo_read_trylock_, bravo_read_unlock_,        \
	  bravo_write_lock_,   bravo_write_trylock_, bravo_write_unlock_,      \
	  bravo_policy_,       NULL,		    NULL,                      \
	  SHARES }

static const rw_api_t per_algorithm[] = {
	PLAIN_ENTRY(rw_counter, rw_counter_wpend, NULL, true),
	PLAIN_ENTRY(rw_ticket, rw_ticket_wpend, rw_ticket_rpend, true),
	PLAIN_ENTRY(rw_phasefair, rw_phasefair_wpend, rw_phasefair_rpend, true),
	/* read_trylock succeeds only on an empty queue (rw_mcs.h). */
	PLAIN_ENTRY(rw_mcs, rw_mcs_pend, rw_mcs_pend, false),
	BRAVO_ENTRY(rw_counter, true),
	BRAVO_ENTRY(rw_ticket, true),
	BRAVO_ENTRY(rw_phasefair, true),
	BRAVO_ENTRY(rw_mcs, false),
};
#define N_PER (sizeof(per_algorithm) / sizeof(per_algorithm[0]))

/* The generic API: one adapter, the algorithm chosen by name. */
static int generic_create(const rw_api_t *api, void **out, unsigned max)
{
	usync_rwlock_t *l = NULL;
	int err = usync_rwlock_create(&l, api->name, max);
	if (err == 0)
		*out = l;
	return err;
}
static void generic_destroy(void *l)
{
	usync_rwlock_destroy((usync_rwlock_t *)l);
}
static void generic_read_lock(void *l, rctx_t *c)
{
	usync_rwlock_read_acquire((usync_rwlock_t *)l, &c->generic);
}
static bool generic_read_trylock(void *l, rctx_t *c)
{
	return usync_rwlock_read_try_acquire((usync_rwlock_t *)l,
					     &c->generic);
}
static void generic_read_unlock(void *l, rctx_t *c)
{
	usync_rwlock_read_release((usync_rwlock_t *)l, &c->generic);
}
static void generic_write_lock(void *l, rctx_t *c)
{
	usync_rwlock_write_acquire((usync_rwlock_t *)l, &c->generic);
}
static bool generic_write_trylock(void *l, rctx_t *c)
{
	return usync_rwlock_write_try_acquire((usync_rwlock_t *)l,
					      &c->generic);
}
static void generic_write_unlock(void *l, rctx_t *c)
{
	usync_rwlock_write_release((usync_rwlock_t *)l, &c->generic);
}
static int generic_policy(void *l, usync_wait_policy_t p)
{
	return usync_rwlock_set_policy((usync_rwlock_t *)l, p);
}

/* White box: the generic lock's state, by algorithm (ctx: the generic
 * context inside the test's rctx_t, which is what the lock sees). */
static const rw_api_t *per_algorithm_named(const char *name)
{
	for (size_t i = 0; i < N_PER; i++)
		if (strcmp(per_algorithm[i].name, name) == 0)
			return &per_algorithm[i];
	return NULL;
}
static bool generic_wpend(void *l, rctx_t *c)
{
	usync_rwlock_t *rw = (usync_rwlock_t *)l;
	const char *name = usync_rwlock_name(rw);
	if (strcmp(name, "rw_counter") == 0)
		return rw_counter_writer_pending_(&rw->state.rw_counter);
	if (strcmp(name, "rw_ticket") == 0)
		return rw_ticket_writer_pending_(&rw->state.rw_ticket);
	if (strcmp(name, "rw_phasefair") == 0)
		return rw_phasefair_writer_pending_(&rw->state.rw_phasefair);
	if (strcmp(name, "rw_mcs") == 0)
		return rw_mcs_node_pending_(&rw->state.rw_mcs,
					    &c->generic.u.rw_mcs);
	(void)c;
	return false;
}
static bool generic_rpend(void *l, rctx_t *c)
{
	usync_rwlock_t *rw = (usync_rwlock_t *)l;
	const char *name = usync_rwlock_name(rw);
	if (strcmp(name, "rw_ticket") == 0)
		return rw_ticket_reader_pending_(&rw->state.rw_ticket);
	if (strcmp(name, "rw_phasefair") == 0)
		return rw_phasefair_reader_pending_(&rw->state.rw_phasefair);
	if (strcmp(name, "rw_mcs") == 0)
		return rw_mcs_node_pending_(&rw->state.rw_mcs,
					    &c->generic.u.rw_mcs);
	(void)c;
	return false;
}

/* Fills `out` with both APIs of every algorithm; returns the count. */
static size_t all_apis(rw_api_t *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < N_PER && n < cap; i++)
		out[n++] = per_algorithm[i];
	for (const char *const *name = usync_rwlock_algorithms();
	     *name != NULL && n < cap; name++) {
		const rw_api_t *twin = per_algorithm_named(*name);
		rw_api_t g = {
			*name,
			generic_create,
			generic_destroy,
			generic_read_lock,
			generic_read_trylock,
			generic_read_unlock,
			generic_write_lock,
			generic_write_trylock,
			generic_write_unlock,
			generic_policy,
			twin && twin->writer_pending ? generic_wpend : NULL,
			twin && twin->reader_pending ? generic_rpend : NULL,
			twin ? twin->try_shares : false,
		};
		out[n++] = g;
	}
	return n;
}

static const char *api_kind(const rw_api_t *api)
{
	return api->create == generic_create ? "generic" : "per-algorithm";
}

static const char *policy_name(usync_wait_policy_t p)
{
	return p == USYNC_WAIT_SPIN    ? "spin"
	       : p == USYNC_WAIT_YIELD ? "yield"
				       : "park";
}

static rctx_t *new_ctx(void)
{
	return (rctx_t *)alloc_lines(sizeof(rctx_t));
}

/* ---------------------------------------------------- writer exclusion */

typedef struct excl_state {
	const rw_api_t *api;
	void *lock;
	unsigned iterations;
	/* The protected data: two plain words, written one after the other
	 * by a writer, read one after the other by a reader. */
	USYNC_ALIGNED unsigned long first;
	USYNC_ALIGNED unsigned long second;
	/* Who is inside (relaxed: a diagnostic; the lock orders the data). */
	USYNC_ALIGNED _Atomic(unsigned) writers_inside;
	_Atomic(unsigned) readers_inside;
	_Atomic(unsigned) violations;
	_Atomic(unsigned) torn;
	_Atomic(unsigned) go;
} excl_state_t;

typedef struct excl_worker {
	USYNC_ALIGNED excl_state_t *s;
	unsigned id;
	unsigned long writes, reads;
	pthread_t thread;
} excl_worker_t;

static void excl_write(excl_state_t *s)
{
	/* relaxed: diagnostics, see excl_state_t. */
	if (atomic_fetch_add_explicit(&s->writers_inside, 1,
				      memory_order_relaxed) != 0 ||
	    atomic_load_explicit(&s->readers_inside, memory_order_relaxed))
		atomic_fetch_add_explicit(&s->violations, 1,
					  memory_order_relaxed);
	unsigned long v = s->first;
	s->first = v + 1;
	for (int i = 0; i < 8; i++)
		usync_cpu_relax();
	s->second = v + 1;
	atomic_fetch_sub_explicit(&s->writers_inside, 1, memory_order_relaxed);
}

static void excl_read(excl_state_t *s)
{
	/* relaxed: diagnostics. */
	atomic_fetch_add_explicit(&s->readers_inside, 1, memory_order_relaxed);
	if (atomic_load_explicit(&s->writers_inside, memory_order_relaxed))
		atomic_fetch_add_explicit(&s->violations, 1,
					  memory_order_relaxed);
	unsigned long a = s->first;
	for (int i = 0; i < 8; i++)
		usync_cpu_relax();
	unsigned long b = s->second;
	if (a != b)
		atomic_fetch_add_explicit(&s->torn, 1, memory_order_relaxed);
	atomic_fetch_sub_explicit(&s->readers_inside, 1, memory_order_relaxed);
}

/* Retry a trylock, yielding now and then: mixes both entry paths. */
static void try_until(bool (*try_fn)(void *, rctx_t *), void *l, rctx_t *c)
{
	unsigned tries = 0;
	while (!try_fn(l, c)) {
		if (++tries % 16 == 0)
			sched_yield();
		else
			usync_cpu_relax();
	}
}

static void *excl_worker_main(void *arg)
{
	excl_worker_t *w = (excl_worker_t *)arg;
	excl_state_t *s = w->s;
	const rw_api_t *api = s->api;
	rctx_t *c = new_ctx();
	unsigned seed = w->id * 2654435761u + 1;
	/* acquire: pairs with the main thread's release of `go`. */
	while (!atomic_load_explicit(&s->go, memory_order_acquire))
		sched_yield();
	for (unsigned i = 0; i < s->iterations; i++) {
		seed = seed * 1103515245u + 12345u;
		unsigned r = (seed >> 16) % 16;
		if (r < 4) { /* a quarter writes, one in four by trylock */
			if (r == 0)
				try_until(api->write_trylock, s->lock, c);
			else
				api->write_lock(s->lock, c);
			excl_write(s);
			w->writes++;
			api->write_unlock(s->lock, c);
		} else {
			if (r < 7)
				try_until(api->read_trylock, s->lock, c);
			else
				api->read_lock(s->lock, c);
			excl_read(s);
			w->reads++;
			api->read_unlock(s->lock, c);
		}
	}
	free(c);
	return NULL;
}

static void run_exclusion(const rw_api_t *api, unsigned nthreads,
			  usync_wait_policy_t policy)
{
	excl_state_t *s = (excl_state_t *)alloc_lines(sizeof(*s));
	s->api = api;
	/* Pure spinning with more threads than cores hands the lock to
	 * descheduled waiters: a time slice per handoff, so fewer rounds. */
	if (policy == USYNC_WAIT_SPIN && nthreads > 2)
		s->iterations = scaled(64);
	else
		s->iterations = scaled(nthreads <= 2 ? 4000 : 8000 / nthreads);
	assert_int_equal(api->create(api, &s->lock, nthreads), 0);
	assert_int_equal(api->set_policy(s->lock, policy), 0);
	excl_worker_t workers[MAX_THREADS];
	memset(workers, 0, sizeof(workers));
	for (unsigned t = 0; t < nthreads; t++) {
		workers[t].s = s;
		workers[t].id = t;
		assert_int_equal(pthread_create(&workers[t].thread, NULL,
						excl_worker_main, &workers[t]),
				 0);
	}
	/* release: pairs with the workers' acquire load of `go`. */
	atomic_store_explicit(&s->go, 1, memory_order_release);
	unsigned long writes = 0;
	for (unsigned t = 0; t < nthreads; t++) {
		assert_int_equal(pthread_join(workers[t].thread, NULL), 0);
		writes += workers[t].writes;
	}
	unsigned violations =
		atomic_load_explicit(&s->violations, memory_order_relaxed);
	unsigned torn = atomic_load_explicit(&s->torn, memory_order_relaxed);
	if (s->first != writes || s->second != writes || violations || torn)
		print_error("%s (%s, %s) at %u threads: words %lu/%lu of %lu "
			    "writes, %u violations, %u torn reads\n",
			    api->name, api_kind(api), policy_name(policy),
			    nthreads, s->first, s->second, writes, violations,
			    torn);
	assert_int_equal(s->first, writes);
	assert_int_equal(s->second, writes);
	assert_int_equal(violations, 0);
	assert_int_equal(torn, 0);
	api->destroy(s->lock);
	free(s);
}

static void test_exclusion(void **state)
{
	(void)state;
	rw_api_t apis[64];
	size_t n = all_apis(apis, 64);
	static const unsigned counts[] = { 1, 2, 4, 8 };
	static const usync_wait_policy_t policies[] = {
		USYNC_WAIT_YIELD, USYNC_WAIT_PARK, USYNC_WAIT_SPIN
	};
	for (size_t a = 0; a < n; a++)
		for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++)
			for (size_t p = 0; p < 3; p++)
				run_exclusion(&apis[a], counts[c], policies[p]);
}

/* -------------------------------------------------- readers really share */

typedef struct share_state {
	const rw_api_t *api;
	void *lock;
	unsigned k;
	_Atomic(unsigned) inside;
	_Atomic(unsigned) saw_all;
} share_state_t;

typedef struct share_arg {
	share_state_t *s;
	unsigned id;
	pthread_t thread;
} share_arg_t;

static void *share_reader(void *arg)
{
	share_arg_t *a = (share_arg_t *)arg;
	share_state_t *s = a->s;
	rctx_t *c = new_ctx();
	if (a->id % 2 && s->api->try_shares)
		try_until(s->api->read_trylock, s->lock, c);
	else
		s->api->read_lock(s->lock, c);
	/* release: pairs with the acquire polls of the other readers. */
	atomic_fetch_add_explicit(&s->inside, 1, memory_order_release);
	/* Wait inside until all k are inside: bounded, so that a lock that
	 * lets one reader in at a time fails instead of hanging. */
	if (eventually_at_least(&s->inside, s->k))
		atomic_fetch_add_explicit(&s->saw_all, 1, memory_order_relaxed);
	s->api->read_unlock(s->lock, c);
	free(c);
	return NULL;
}

static void run_sharing(const rw_api_t *api, unsigned k,
			usync_wait_policy_t policy)
{
	share_state_t s;
	memset(&s, 0, sizeof(s));
	s.api = api;
	s.k = k;
	assert_int_equal(api->create(api, &s.lock, k), 0);
	assert_int_equal(api->set_policy(s.lock, policy), 0);
	share_arg_t args[MAX_THREADS];
	for (unsigned t = 0; t < k; t++) {
		args[t].s = &s;
		args[t].id = t;
		assert_int_equal(pthread_create(&args[t].thread, NULL,
						share_reader, &args[t]),
				 0);
	}
	for (unsigned t = 0; t < k; t++)
		assert_int_equal(pthread_join(args[t].thread, NULL), 0);
	unsigned saw = atomic_load_explicit(&s.saw_all, memory_order_relaxed);
	if (saw != k)
		print_error("%s (%s, %s): %u of %u readers saw all inside\n",
			    api->name, api_kind(api), policy_name(policy), saw,
			    k);
	assert_int_equal(saw, k);
	/* Free again: a writer gets in at once. */
	rctx_t *c = new_ctx();
	assert_true(api->write_trylock(s.lock, c));
	api->write_unlock(s.lock, c);
	free(c);
	api->destroy(s.lock);
}

static void test_readers_share(void **state)
{
	(void)state;
	rw_api_t apis[64];
	size_t n = all_apis(apis, 64);
	for (size_t a = 0; a < n; a++) {
		run_sharing(&apis[a], 2, USYNC_WAIT_SPIN);
		run_sharing(&apis[a], 4, USYNC_WAIT_YIELD);
		run_sharing(&apis[a], 8, USYNC_WAIT_PARK);
	}
}

/* ------------------------------------------------------- no starvation */

/*
 * One thread of the waiting class (the writer, or the reader) makes
 * `rounds` acquisitions against `others` threads of the other class that
 * acquire continuously.  Each round the main thread waits until the
 * waiting thread's request shows in the lock's state (api->*_pending),
 * then reads the other class's entry count; the waiting thread reads it
 * again on entry.  Only acquisitions already ahead of the request can
 * enter in between, one per other thread at most: the bound asserted.
 * A round in which the waiting thread got in before its request was seen
 * pending is not counted.
 */
typedef struct fair_state {
	const rw_api_t *api;
	void *lock;
	bool writer_waits; /* the waiting thread writes; the others read */
	unsigned rounds;
	rctx_t *waiter_ctx;
	USYNC_ALIGNED _Atomic(unsigned) others_entered;
	_Atomic(unsigned) others_inside;
	USYNC_ALIGNED _Atomic(unsigned) stop;
	_Atomic(unsigned) round_requested; /* round r: waiter about to ask */
	_Atomic(unsigned) round_entered;   /* round r: waiter is in */
	_Atomic(unsigned) round_seen;      /* round r: main has looked */
	_Atomic(unsigned) round_observed;  /* round r: main is done */
	unsigned entered_at[64];           /* others_entered on entry */
	unsigned long first, second;       /* plain data, as in exclusion */
	_Atomic(unsigned) torn;
} fair_state_t;

#define FAIR_MAX_ROUNDS 64

static void fair_enter(fair_state_t *f, bool write, rctx_t *c)
{
	if (write)
		f->api->write_lock(f->lock, c);
	else
		f->api->read_lock(f->lock, c);
}

static void fair_leave(fair_state_t *f, bool write, rctx_t *c)
{
	if (write) {
		f->first++;
		f->second++;
		f->api->write_unlock(f->lock, c);
	} else {
		if (f->first != f->second)
			atomic_fetch_add_explicit(&f->torn, 1,
						  memory_order_relaxed);
		f->api->read_unlock(f->lock, c);
	}
}

static void *fair_other(void *arg)
{
	fair_state_t *f = (fair_state_t *)arg;
	bool write = !f->writer_waits;
	rctx_t *c = new_ctx();
	/* acquire: pairs with the waiter's release of `stop`. */
	while (!atomic_load_explicit(&f->stop, memory_order_acquire)) {
		fair_enter(f, write, c);
		/* relaxed: a count read by the waiter inside its own
		 * critical section, which the lock orders after ours. */
		atomic_fetch_add_explicit(&f->others_entered, 1,
					  memory_order_relaxed);
		/* relaxed: a scheduling hint for the waiter. */
		atomic_fetch_add_explicit(&f->others_inside, 1,
					  memory_order_relaxed);
		for (int i = 0; i < 32; i++)
			usync_cpu_relax();
		/* A section of a few context switches, so that a request
		 * mostly comes while we are inside; and while the waiting
		 * thread is asking, stay inside until the main thread has
		 * looked (bounded): the request then waits behind us and is
		 * seen, however the threads are scheduled.  acquire: pairs
		 * with the releases of the two rounds. */
		sched_yield();
		sched_yield();
		for (int i = 0; i < 2000; i++) {
			if (atomic_load_explicit(&f->round_seen,
						 memory_order_acquire) >=
			    atomic_load_explicit(&f->round_requested,
						 memory_order_acquire))
				break;
			sched_yield();
		}
		atomic_fetch_sub_explicit(&f->others_inside, 1,
					  memory_order_relaxed);
		fair_leave(f, write, c);
	}
	free(c);
	return NULL;
}

static void *fair_waiter(void *arg)
{
	fair_state_t *f = (fair_state_t *)arg;
	bool write = f->writer_waits;
	for (unsigned r = 1; r <= f->rounds; r++) {
		/* Let the others build up a stream first, and ask while one
		 * of them is inside (bounded; relaxed: a hint).  A
		 * phase-fair reader goes straight in between write phases,
		 * which would leave nothing to observe. */
		for (int i = 0; i < 4; i++)
			sched_yield();
		for (int i = 0; i < 1000 &&
				!atomic_load_explicit(&f->others_inside,
						      memory_order_relaxed);
		     i++)
			sched_yield();
		/* White box: a context is the caller's between acquisitions;
		 * clear it so that a pending check cannot read the last
		 * round's links. */
		memset(f->waiter_ctx, 0, sizeof(*f->waiter_ctx));
		/* release: pairs with the main thread's acquire poll. */
		atomic_store_explicit(&f->round_requested, r,
				      memory_order_release);
		fair_enter(f, write, f->waiter_ctx);
		f->entered_at[r] = atomic_load_explicit(&f->others_entered,
							memory_order_relaxed);
		/* release: pairs with the main thread's acquire poll. */
		atomic_store_explicit(&f->round_entered, r,
				      memory_order_release);
		fair_leave(f, write, f->waiter_ctx);
		/* Wait for the main thread to finish with this round, so
		 * that it observes each request while it is outstanding. */
		while (atomic_load_explicit(&f->round_observed,
					    memory_order_acquire) < r)
			sched_yield();
	}
	/* release: pairs with the others' acquire poll. */
	atomic_store_explicit(&f->stop, 1, memory_order_release);
	return NULL;
}

static void run_fairness(const rw_api_t *api, bool writer_waits,
			 unsigned others)
{
	fair_state_t *f = (fair_state_t *)alloc_lines(sizeof(*f));
	f->api = api;
	f->writer_waits = writer_waits;
	f->rounds = scaled(40);
	if (f->rounds >= FAIR_MAX_ROUNDS)
		f->rounds = FAIR_MAX_ROUNDS - 1;
	f->waiter_ctx = new_ctx();
	bool (*pending)(void *, rctx_t *) =
		writer_waits ? api->writer_pending : api->reader_pending;
	assert_int_equal(api->create(api, &f->lock, others + 1), 0);
	assert_int_equal(api->set_policy(f->lock, USYNC_WAIT_YIELD), 0);
	pthread_t other[MAX_THREADS], waiter;
	for (unsigned t = 0; t < others; t++)
		assert_int_equal(pthread_create(&other[t], NULL, fair_other, f),
				 0);
	assert_int_equal(pthread_create(&waiter, NULL, fair_waiter, f), 0);
	unsigned observed = 0, worst = 0;
	for (unsigned r = 1; r <= f->rounds; r++) {
		assert_true(eventually_at_least(&f->round_requested, r));
		/* Until the waiter is in: look for its request. */
		unsigned before = 0;
		bool seen = false;
		for (;;) {
			/* acquire: pairs with the waiter's release. */
			if (atomic_load_explicit(&f->round_entered,
						 memory_order_acquire) >= r)
				break;
			if (pending(f->lock, f->waiter_ctx)) {
				/* relaxed: an upper bound is read on entry. */
				before = atomic_load_explicit(
					&f->others_entered,
					memory_order_relaxed);
				seen = true;
				break;
			}
			sched_yield();
		}
		/* release: pairs with the others' acquire poll. */
		atomic_store_explicit(&f->round_seen, r, memory_order_release);
		assert_true(eventually_at_least(&f->round_entered, r));
		if (seen) {
			unsigned overtaken = f->entered_at[r] - before;
			observed++;
			if ((int)overtaken > (int)worst)
				worst = overtaken;
		}
		/* release: pairs with the waiter's acquire poll. */
		atomic_store_explicit(&f->round_observed, r,
				      memory_order_release);
	}
	assert_int_equal(pthread_join(waiter, NULL), 0);
	for (unsigned t = 0; t < others; t++)
		assert_int_equal(pthread_join(other[t], NULL), 0);
	if (worst > others || observed == 0)
		print_error("%s (%s): a waiting %s was overtaken %u times "
			    "(bound %u) in %u observed rounds\n",
			    api->name, api_kind(api),
			    writer_waits ? "writer" : "reader", worst, others,
			    observed);
	assert_true(worst <= others);
	/* The property was put to the test at least once. */
	assert_true(observed > 0);
	assert_int_equal(atomic_load_explicit(&f->torn, memory_order_relaxed),
			 0);
	api->destroy(f->lock);
	free(f->waiter_ctx);
	free(f);
}

static void test_no_starvation(void **state)
{
	(void)state;
	rw_api_t apis[64];
	size_t n = all_apis(apis, 64);
	for (size_t a = 0; a < n; a++) {
		if (apis[a].writer_pending)
			run_fairness(&apis[a], true, 2);
		if (apis[a].reader_pending)
			run_fairness(&apis[a], false, 2);
	}
}

/* -------------------------------------------------------------- trylock */

typedef struct try_arg {
	const rw_api_t *api;
	void *lock;
	bool read_ok, write_ok;
	_Atomic(unsigned) done;
} try_arg_t;

/* One read_trylock (released if it succeeds), then one write_trylock. */
static void *try_both(void *arg)
{
	try_arg_t *t = (try_arg_t *)arg;
	rctx_t *c = new_ctx();
	t->read_ok = t->api->read_trylock(t->lock, c);
	if (t->read_ok)
		t->api->read_unlock(t->lock, c);
	t->write_ok = t->api->write_trylock(t->lock, c);
	if (t->write_ok)
		t->api->write_unlock(t->lock, c);
	/* release: pairs with the main thread's acquire poll. */
	atomic_store_explicit(&t->done, 1, memory_order_release);
	free(c);
	return NULL;
}

/* Runs try_both in another thread while the main thread holds the lock
 * as `held` says (0 free, 1 read, 2 write).  The other thread must finish
 * while the lock is still held: a trylock that waited would not. */
static void run_try(const rw_api_t *api, void *lock, int held, bool *read_ok,
		    bool *write_ok)
{
	try_arg_t t;
	memset(&t, 0, sizeof(t));
	t.api = api;
	t.lock = lock;
	rctx_t *mine = new_ctx();
	if (held == 1)
		api->read_lock(lock, mine);
	else if (held == 2)
		api->write_lock(lock, mine);
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, try_both, &t), 0);
	bool finished = eventually_at_least(&t.done, 1);
	if (held == 1)
		api->read_unlock(lock, mine);
	else if (held == 2)
		api->write_unlock(lock, mine);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_true(finished);
	*read_ok = t.read_ok;
	*write_ok = t.write_ok;
	free(mine);
}

static void test_trylock(void **state)
{
	(void)state;
	rw_api_t apis[64];
	size_t n = all_apis(apis, 64);
	for (size_t a = 0; a < n; a++) {
		const rw_api_t *api = &apis[a];
		void *lock;
		bool r, w;
		assert_int_equal(api->create(api, &lock, 4), 0);
		run_try(api, lock, 2, &r, &w);
		assert_false(r);
		assert_false(w);
		run_try(api, lock, 1, &r, &w);
		if (api->try_shares)
			assert_true(r);
		assert_false(w);
		run_try(api, lock, 0, &r, &w);
		assert_true(r);
		assert_true(w);
		/* Same thread: held for writing, no trylock succeeds; held
		 * for reading by two contexts, both release cleanly. */
		rctx_t *c1 = new_ctx(), *c2 = new_ctx();
		assert_true(api->write_trylock(lock, c1));
		assert_false(api->read_trylock(lock, c2));
		assert_false(api->write_trylock(lock, c2));
		api->write_unlock(lock, c1);
		assert_true(api->read_trylock(lock, c1));
		if (api->try_shares) {
			assert_true(api->read_trylock(lock, c2));
			api->read_unlock(lock, c2);
		}
		assert_false(api->write_trylock(lock, c2));
		api->read_unlock(lock, c1);
		free(c1);
		free(c2);
		api->destroy(lock);
	}
}

/* ------------------------------------------------------------ bad input */

static void test_bad_input(void **state)
{
	(void)state;
	usync_rwlock_t *sentinel = (usync_rwlock_t *)(uintptr_t)0x5a5a;
	usync_rwlock_t *out = sentinel;
	assert_int_equal(usync_rwlock_create(NULL, "rw_counter", 4), EINVAL);
	assert_int_equal(usync_rwlock_create(&out, NULL, 4), EINVAL);
	assert_int_equal(usync_rwlock_create(&out, "no-such-lock", 4), EINVAL);
	assert_int_equal(usync_rwlock_create(&out, "", 4), EINVAL);
	assert_int_equal(usync_rwlock_create(&out, "RW_COUNTER", 4), EINVAL);
	assert_int_equal(usync_rwlock_create(&out, "mcs", 4), EINVAL);
	assert_ptr_equal(out, sentinel);
	for (const char *const *n = usync_rwlock_algorithms(); *n; n++) {
		assert_int_equal(usync_rwlock_create(&out, *n, 0), EINVAL);
		assert_int_equal(usync_rwlock_create(&out, *n, 0xffffffffu),
				 EINVAL);
		assert_ptr_equal(out, sentinel);
		usync_rwlock_t *rw;
		assert_int_equal(usync_rwlock_create(&rw, *n, 1), 0);
		assert_string_equal(usync_rwlock_name(rw), *n);
		assert_int_equal(usync_rwlock_set_policy(
					 rw, (usync_wait_policy_t)7),
				 EINVAL);
		assert_int_equal(usync_rwlock_set_policy(rw, USYNC_WAIT_PARK),
				 0);
		usync_rwlock_destroy(rw);
	}
	assert_int_equal(usync_rwlock_set_policy(NULL, USYNC_WAIT_SPIN),
			 EINVAL);
	usync_rwlock_destroy(NULL);

	static const char *const expected[] = {
		"rw_counter",	    "rw_ticket",       "rw_phasefair",
		"rw_mcs",	    "bravo:rw_counter", "bravo:rw_ticket",
		"bravo:rw_phasefair", "bravo:rw_mcs",
	};
	const size_t nexpected = sizeof(expected) / sizeof(expected[0]);
	const char *const *names = usync_rwlock_algorithms();
	for (size_t i = 0; i < nexpected; i++)
		assert_string_equal(names[i], expected[i]);
	assert_null(names[nexpected]);

	usync_rw_counter_t counter = USYNC_RW_COUNTER_INITIALIZER;
	assert_int_equal(usync_rw_counter_set_policy(&counter,
						     (usync_wait_policy_t)3),
			 EINVAL);
	assert_int_equal(counter.policy, (uint32_t)USYNC_WAIT_DEFAULT);
	usync_rw_ticket_t ticket = USYNC_RW_TICKET_INITIALIZER;
	assert_int_equal(usync_rw_ticket_set_policy(&ticket,
						    (usync_wait_policy_t)9),
			 EINVAL);
	assert_int_equal(ticket.policy, (uint32_t)USYNC_WAIT_DEFAULT);
	usync_rw_phasefair_t pf = USYNC_RW_PHASEFAIR_INITIALIZER;
	assert_int_equal(usync_rw_phasefair_set_policy(&pf,
						       (usync_wait_policy_t)4),
			 EINVAL);
	assert_int_equal(pf.policy, (uint32_t)USYNC_WAIT_DEFAULT);
	usync_rw_mcs_t rm = USYNC_RW_MCS_INITIALIZER;
	assert_int_equal(usync_rw_mcs_set_policy(&rm, (usync_wait_policy_t)5),
			 EINVAL);
	assert_int_equal(rm.policy, (uint32_t)USYNC_WAIT_DEFAULT);
	usync_bravo_t bravo;
	assert_int_equal(usync_bravo_init(&bravo, (usync_bravo_inner_t)4),
			 EINVAL);
	assert_int_equal(usync_bravo_init(NULL, USYNC_BRAVO_RW_MCS), EINVAL);
	assert_int_equal(usync_bravo_init(&bravo, USYNC_BRAVO_RW_MCS), 0);
	assert_int_equal(usync_bravo_set_policy(&bravo,
						(usync_wait_policy_t)3),
			 EINVAL);
	assert_int_equal(usync_rwlock_create(&out, "bravo:", 4), EINVAL);
	assert_int_equal(usync_rwlock_create(&out, "bravo:bravo:rw_mcs", 4),
			 EINVAL);
	assert_int_equal(usync_rwlock_create(&out, "bravo", 4), EINVAL);
	assert_ptr_equal(out, sentinel);
}

/* ---------------------------------------------------------------- BRAVO */

/* White box: the BRAVO lock and context behind either API. */
static usync_bravo_t *bravo_of(const rw_api_t *api, void *lock)
{
	return api->create == generic_create
		       ? &((usync_rwlock_t *)lock)->state.bravo
		       : (usync_bravo_t *)lock;
}
static usync_bravo_ctx_t *bctx_of(const rw_api_t *api, rctx_t *c)
{
	return api->create == generic_create ? &c->generic.u.bravo
					     : &c->bravo;
}
static bool is_bravo(const rw_api_t *api)
{
	return strncmp(api->name, "bravo:", 6) == 0;
}
static bool biased(usync_bravo_t *b)
{
	/* relaxed: observation only. */
	return atomic_load_explicit(&b->rbias, memory_order_relaxed) != 0;
}

typedef struct bravo_reader {
	const rw_api_t *api;
	void *lock;
	rctx_t *ctx; /* chosen by the caller: its slot decides the path */
	_Atomic(unsigned) *inside, *fast, *leave;
	pthread_t thread;
} bravo_reader_t;

static void *bravo_hold_read(void *arg)
{
	bravo_reader_t *r = (bravo_reader_t *)arg;
	rctx_t *c = r->ctx;
	r->api->read_lock(r->lock, c);
	if (bctx_of(r->api, c)->slot != NULL)
		atomic_fetch_add_explicit(r->fast, 1, memory_order_relaxed);
	/* release: pairs with the main thread's acquire poll. */
	atomic_fetch_add_explicit(r->inside, 1, memory_order_release);
	(void)eventually_at_least(r->leave, 1);
	/* relaxed: the writer's exclusion check reads this. */
	atomic_fetch_sub_explicit(r->inside, 1, memory_order_release);
	r->api->read_unlock(r->lock, c);
	return NULL;
}

/* Waits (about 10 s at most, on the clock of eventually_at_least) until a
 * writer has cleared the bias; false if it never did. */
static bool eventually_unbiased(usync_bravo_t *b)
{
	for (int i = 0; i < 200000; i++) {
		if (!biased(b))
			return true;
		if (i < 1000) {
			sched_yield();
		} else {
			struct timespec ts = { 0, 50000 };
			nanosleep(&ts, NULL);
		}
	}
	return false;
}

typedef struct bravo_writer {
	const rw_api_t *api;
	void *lock;
	_Atomic(unsigned) *inside;
	_Atomic(unsigned) entered, readers_seen;
	pthread_t thread;
} bravo_writer_t;

static void *bravo_write_once(void *arg)
{
	bravo_writer_t *w = (bravo_writer_t *)arg;
	rctx_t *c = new_ctx();
	w->api->write_lock(w->lock, c);
	/* relaxed: the lock orders the readers' decrements before us. */
	atomic_store_explicit(&w->readers_seen,
			      atomic_load_explicit(w->inside,
						   memory_order_relaxed),
			      memory_order_relaxed);
	/* release: pairs with the main thread's acquire poll. */
	atomic_store_explicit(&w->entered, 1, memory_order_release);
	w->api->write_unlock(w->lock, c);
	free(c);
	return NULL;
}

/*
 * Revocation while readers are inside: two readers enter by the table; a
 * writer comes, revokes the bias and must wait until both have left (it
 * sees no reader inside when it enters).  Afterwards the bias is off and a
 * read falls back to the inner lock; once the inhibition is over (forced
 * here, white box) a slow read restores the bias and the next read is
 * fast again.
 */
static void run_bravo_revocation(const rw_api_t *api)
{
	void *lock;
	assert_int_equal(api->create(api, &lock, 4), 0);
	usync_bravo_t *b = bravo_of(api, lock);
	assert_true(biased(b));
	_Atomic(unsigned) inside = 0, fast = 0, leave = 0;
	/* Two contexts whose slots differ (one pair in 4096 shares one).  A
	 * reader whose slot is taken reads through the inner lock, and the
	 * writer would then wait for it before it could revoke. */
	rctx_t *ctx[2] = { new_ctx(), new_ctx() };
	rctx_t *spare = NULL;
	while (usync_bravo_slot(b, bctx_of(api, ctx[0])) ==
	       usync_bravo_slot(b, bctx_of(api, ctx[1]))) {
		free(spare);
		spare = ctx[1]; /* held so that the next one lies elsewhere */
		ctx[1] = new_ctx();
	}
	free(spare);
	bravo_reader_t readers[2];
	for (int i = 0; i < 2; i++) {
		readers[i] = (bravo_reader_t){ api, lock, ctx[i], &inside,
					       &fast, &leave, 0 };
		assert_int_equal(pthread_create(&readers[i].thread, NULL,
						bravo_hold_read, &readers[i]),
				 0);
	}
	assert_true(eventually_at_least(&inside, 2));
	/* Distinct slots, both free: both readers are in by the table. */
	assert_int_equal(atomic_load_explicit(&fast, memory_order_relaxed), 2);
	bravo_writer_t w;
	memset(&w, 0, sizeof(w));
	w.api = api;
	w.lock = lock;
	w.inside = &inside;
	assert_int_equal(pthread_create(&w.thread, NULL, bravo_write_once, &w),
			 0);
	/* The writer revokes (bounded wait), then must not get in while
	 * the readers stay. */
	assert_true(eventually_unbiased(b));
	for (int i = 0; i < 200; i++)
		sched_yield();
	assert_int_equal(atomic_load_explicit(&w.entered, memory_order_acquire),
			 0);
	/* release: pairs with the readers' acquire poll. */
	atomic_store_explicit(&leave, 1, memory_order_release);
	assert_true(eventually_at_least(&w.entered, 1));
	assert_int_equal(pthread_join(w.thread, NULL), 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(readers[i].thread, NULL), 0);
		free(ctx[i]);
	}
	assert_int_equal(atomic_load_explicit(&w.readers_seen,
					      memory_order_relaxed),
			 0);
	/* Bias off after the write: the next read takes the inner lock. */
	assert_false(biased(b));
	rctx_t *c = new_ctx();
	b->inhibit_until = UINT64_MAX; /* white box: keep it off */
	api->read_lock(lock, c);
	assert_null(bctx_of(api, c)->slot);
	assert_false(biased(b));
	api->read_unlock(lock, c);
	/* Inhibition over: a slow read restores the bias ... */
	b->inhibit_until = 0;
	api->read_lock(lock, c);
	assert_null(bctx_of(api, c)->slot);
	assert_true(biased(b));
	api->read_unlock(lock, c);
	/* ... and the next read is fast. */
	api->read_lock(lock, c);
	assert_non_null(bctx_of(api, c)->slot);
	api->read_unlock(lock, c);
	/* A taken slot (another lock's reader there): the read falls back. */
	_Atomic(const void *) *slot = usync_bravo_slot(b, bctx_of(api, c));
	static const int other_lock = 0;
	atomic_store_explicit(slot, (const void *)&other_lock,
			      memory_order_relaxed);
	api->read_lock(lock, c);
	assert_null(bctx_of(api, c)->slot);
	api->read_unlock(lock, c);
	assert_ptr_equal(atomic_load_explicit(slot, memory_order_relaxed),
			 &other_lock);
	atomic_store_explicit(slot, (const void *)NULL, memory_order_relaxed);
	free(c);
	api->destroy(lock);
}

/* ------------------------------------- rw_mcs: the delayed last reader */

/*
 * MCS'91's last reader decrements the count and only then looks for the
 * writer to admit.  Readers leave the queue before they leave the lock, so
 * a reader held between the two (it was the only one inside) can find a
 * writer that announced itself later, after newer readers came in through
 * the empty queue, and admit it beside them.  The test seam holds reader A
 * there; meanwhile B enters and stays, C enters behind B and leaves (the
 * queue is empty again with B inside), and writer W finds the queue empty.
 * When A goes on, W must still wait for B.
 */
#if USYNC_DEBUG_CHECKS
static _Atomic(unsigned) held_a_state; /* 1: A is held, 2: let A go */
static _Thread_local bool hold_me;

static void hold_counted_out(void)
{
	if (!hold_me)
		return;
	hold_me = false;
	/* release/acquire: pair with the main thread's polls and store. */
	atomic_store_explicit(&held_a_state, 1, memory_order_release);
	while (atomic_load_explicit(&held_a_state, memory_order_acquire) != 2)
		sched_yield();
}

typedef struct delayed_state {
	usync_rw_mcs_t lock;
	usync_rw_mcs_node_t na, nw;
	_Atomic(unsigned) w_in;
} delayed_state_t;

static void *delayed_reader_a(void *arg)
{
	delayed_state_t *s = (delayed_state_t *)arg;
	usync_rw_mcs_read_lock(&s->lock, &s->na);
	hold_me = true;
	usync_rw_mcs_read_unlock(&s->lock, &s->na);
	return NULL;
}

static void *delayed_writer(void *arg)
{
	delayed_state_t *s = (delayed_state_t *)arg;
	usync_rw_mcs_write_lock(&s->lock, &s->nw);
	/* release: pairs with the main thread's acquire polls. */
	atomic_store_explicit(&s->w_in, 1, memory_order_release);
	usync_rw_mcs_write_unlock(&s->lock, &s->nw);
	return NULL;
}
#endif

static void test_rw_mcs_delayed_last_reader(void **state)
{
	(void)state;
#if USYNC_DEBUG_CHECKS
	delayed_state_t *s = (delayed_state_t *)alloc_lines(sizeof(*s));
	usync_rw_mcs_node_t *nb = (usync_rw_mcs_node_t *)alloc_lines(sizeof(*nb));
	usync_rw_mcs_node_t *nc = (usync_rw_mcs_node_t *)alloc_lines(sizeof(*nc));
	usync_rw_mcs_init(&s->lock);
	assert_int_equal(usync_rw_mcs_set_policy(&s->lock, USYNC_WAIT_YIELD), 0);
	atomic_store_explicit(&held_a_state, 0, memory_order_relaxed);
	atomic_store_explicit(&s->w_in, 0, memory_order_relaxed);
	usync_rw_mcs_test_counted_out = hold_counted_out;
	pthread_t a, w;
	assert_int_equal(pthread_create(&a, NULL, delayed_reader_a, s), 0);
	/* acquire: pairs with the release in hold_counted_out. */
	while (atomic_load_explicit(&held_a_state, memory_order_acquire) != 1)
		sched_yield();
	/* A has counted itself out (the count is 0) and is held. */
	usync_rw_mcs_read_lock(&s->lock, nb); /* B: the queue is empty */
	usync_rw_mcs_read_lock(&s->lock, nc); /* C: goes in beside B */
	usync_rw_mcs_read_unlock(&s->lock, nc); /* C leaves: queue empty */
	assert_int_equal(pthread_create(&w, NULL, delayed_writer, s), 0);
	/* W finds the queue empty and B inside; give it time to announce. */
	struct timespec pause = { 0, 50 * 1000 * 1000 };
	nanosleep(&pause, NULL);
	/* release: A goes on; in MCS'91 it would now admit W beside B. */
	atomic_store_explicit(&held_a_state, 2, memory_order_release);
	assert_int_equal(pthread_join(a, NULL), 0);
	nanosleep(&pause, NULL);
	/* acquire: pairs with W's release. */
	unsigned early = atomic_load_explicit(&s->w_in, memory_order_acquire);
	usync_rw_mcs_read_unlock(&s->lock, nb); /* B, the last reader: admits W */
	assert_int_equal(pthread_join(w, NULL), 0);
	usync_rw_mcs_test_counted_out = NULL;
	if (early)
		print_error("rw_mcs: a writer was admitted while a reader was "
			    "inside (delayed last reader)\n");
	assert_int_equal(early, 0);
	assert_int_equal(atomic_load_explicit(&s->w_in, memory_order_relaxed),
			 1);
	usync_rw_mcs_destroy(&s->lock);
	free(nb);
	free(nc);
	free(s);
#else
	print_message("skipped: needs the debug-build test seam "
		      "(-Ddebug_checks)\n");
	skip();
#endif
}

static void test_bravo_revocation(void **state)
{
	(void)state;
	rw_api_t apis[64];
	size_t n = all_apis(apis, 64);
	for (size_t a = 0; a < n; a++)
		if (is_bravo(&apis[a]))
			run_bravo_revocation(&apis[a]);
}

/*
 * Many locks share the one table: 32 BRAVO locks (each inner, both APIs),
 * 4 threads reading and writing random ones.  Each lock guards its own two
 * words; no write is lost or seen half-done, and at the end no slot of the
 * table holds any of them.
 */
#define SHARED_LOCKS 32

typedef struct table_state {
	const rw_api_t *api[SHARED_LOCKS];
	void *lock[SHARED_LOCKS];
	USYNC_ALIGNED unsigned long first[SHARED_LOCKS];
	USYNC_ALIGNED unsigned long second[SHARED_LOCKS];
	USYNC_ALIGNED _Atomic(unsigned long) writes[SHARED_LOCKS];
	_Atomic(unsigned) torn;
	unsigned iterations;
} table_state_t;

static void *table_worker(void *arg)
{
	table_state_t *s = (table_state_t *)arg;
	rctx_t *c = new_ctx();
	unsigned seed = (unsigned)(uintptr_t)c | 1u;
	for (unsigned i = 0; i < s->iterations; i++) {
		seed = seed * 1103515245u + 12345u;
		unsigned k = (seed >> 8) % SHARED_LOCKS;
		const rw_api_t *api = s->api[k];
		if ((seed >> 20) % 8 == 0) {
			api->write_lock(s->lock[k], c);
			unsigned long v = s->first[k];
			s->first[k] = v + 1;
			usync_cpu_relax();
			s->second[k] = v + 1;
			/* relaxed: a count read after the join. */
			atomic_fetch_add_explicit(&s->writes[k], 1,
						  memory_order_relaxed);
			api->write_unlock(s->lock[k], c);
		} else {
			api->read_lock(s->lock[k], c);
			unsigned long a = s->first[k];
			usync_cpu_relax();
			if (s->second[k] != a)
				atomic_fetch_add_explicit(&s->torn, 1,
							  memory_order_relaxed);
			api->read_unlock(s->lock[k], c);
		}
	}
	free(c);
	return NULL;
}

static void test_bravo_shared_table(void **state)
{
	(void)state;
	rw_api_t apis[64], bravos[16];
	size_t n = all_apis(apis, 64), nb = 0;
	for (size_t a = 0; a < n; a++)
		if (is_bravo(&apis[a]))
			bravos[nb++] = apis[a];
	assert_int_equal(nb, 8);
	table_state_t *s = (table_state_t *)alloc_lines(sizeof(*s));
	s->iterations = scaled(20000);
	for (unsigned k = 0; k < SHARED_LOCKS; k++) {
		s->api[k] = &bravos[k % nb];
		assert_int_equal(s->api[k]->create(s->api[k], &s->lock[k], 4),
				 0);
	}
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, table_worker, s),
				 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	assert_int_equal(atomic_load_explicit(&s->torn, memory_order_relaxed),
			 0);
	for (unsigned k = 0; k < SHARED_LOCKS; k++) {
		unsigned long w = atomic_load_explicit(&s->writes[k],
						       memory_order_relaxed);
		assert_int_equal(s->first[k], w);
		assert_int_equal(s->second[k], w);
		usync_bravo_t *b = bravo_of(s->api[k], s->lock[k]);
		for (unsigned i = 0; i < USYNC_BRAVO_TABLE_SIZE; i++)
			assert_ptr_not_equal(
				atomic_load_explicit(&usync_bravo_table[i],
						     memory_order_relaxed),
				b);
		s->api[k]->destroy(s->lock[k]);
	}
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_trylock),
		cmocka_unit_test(test_readers_share),
		cmocka_unit_test(test_no_starvation),
		cmocka_unit_test(test_rw_mcs_delayed_last_reader),
		cmocka_unit_test(test_bravo_revocation),
		cmocka_unit_test(test_bravo_shared_table),
		cmocka_unit_test(test_exclusion),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
