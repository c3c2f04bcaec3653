/*
 * tests/test_barriers.c - every barrier, through both APIs.
 *
 * One test body per property, looping over a table of barriers: the
 * per-algorithm API through a small adapter per barrier (below; the tree
 * barrier with fan-ins 2, 3, 4 and 8), and the generic API through
 * usync_barrier_algorithms(), so that a barrier added to the registry is
 * tested by the generic half without a line here.  Thread counts 1, 2, 3,
 * 4, 5, 7, 8, 16 (2 cores: most are oversubscribed).
 *
 *   safety      in every episode e each thread writes, with plain stores,
 *               its episode number and a few data words into its slot of
 *               buffer e % 2, then waits, then reads every thread's slot of
 *               that buffer.  A slot whose episode is not e means a thread
 *               left before that thread entered (arrival); data words that
 *               are not the values written before the barrier mean the
 *               barrier did not order them (visibility).  The two buffers
 *               alternate so that episode e + 1's writes never race with
 *               episode e's reads (a thread writes buffer e % 2 again only
 *               in episode e + 2, after every thread left episode e + 1).
 *               Run back to back with no work, and with skewed work (a
 *               random quarter of the threads spin a few hundred ns).
 *   spin policy the same under USYNC_WAIT_SPIN at 1 and 2 threads.
 *   park policy the same, skewed, under USYNC_WAIT_PARK at 2, 3, 8 and 16
 *               threads, every barrier through both APIs (past 2 threads
 *               the waiters run out of their spin budget and sleep on
 *               futexes, so the wake-ups are exercised).
 *   bad input   every error return of create / init, destroy(NULL),
 *               set_policy (typed and generic), and wait with thread_id
 *               >= nthreads, after which the barrier still works; the
 *               generic set_policy accepts each valid policy.
 *   out of mem. aligned_alloc is interposed (below) to fail the k-th call:
 *               create / init returns ENOMEM for every k, leaves *out
 *               untouched, and leaks nothing (the ASan build's leak check).
 *
 * Assertions are made by the main thread only (CMocka is not thread safe):
 * workers count what they see and the main thread checks the counts.
 * USYNC_TEST_EPISODES overrides the episodes per configuration (default
 * 4000 up to 4 threads, 2000 up to 8, 1000 at 16: past 2 threads a core
 * every step of an episode waits for a scheduler rotation);
 * USYNC_TEST_SCALE (a percentage, default 100) scales them, for the
 * sanitizer builds.  Timing is never asserted;
 * USYNC_TEST_VERBOSE=1 prints each configuration's time per episode.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <usync/usync.h>

#define MAX_THREADS 16
#define DATA_WORDS 4

static const unsigned thread_counts[] = {1, 2, 3, 4, 5, 7, 8, 16};
#define NCOUNTS (sizeof(thread_counts) / sizeof(thread_counts[0]))

/* ------------------------------------------- allocation fault injection */

/*
 * The library allocates only with aligned_alloc.  This definition in the
 * test executable takes precedence over the C library's (and the
 * sanitizer runtimes' interceptors) for every call, including those from
 * libusync.a, and forwards to the next definition unless armed.  Armed
 * and disarmed by the main thread only, with no worker running.
 */
static void *(*real_aligned_alloc)(size_t, size_t);
static unsigned alloc_fail_countdown; /* 0: never fail; k: fail k-th call */

static void resolve_real_aligned_alloc(void)
{
	void *sym = dlsym(RTLD_NEXT, "aligned_alloc");
	if (sym == NULL)
		abort(); /* no allocator to forward to: cannot run at all */
	memcpy(&real_aligned_alloc, &sym, sizeof(sym));
}

void *aligned_alloc(size_t alignment, size_t size)
{
	if (real_aligned_alloc == NULL)
		resolve_real_aligned_alloc();
	if (alloc_fail_countdown != 0 && --alloc_fail_countdown == 0) {
		errno = ENOMEM;
		return NULL;
	}
	return real_aligned_alloc(alignment, size);
}

/* ------------------------------------------------------ episode counts */

static unsigned env_unsigned(const char *name, unsigned dflt)
{
	const char *env = getenv(name);
	if (env == NULL || *env == '\0')
		return dflt;
	unsigned long v = strtoul(env, NULL, 10);
	return v ? (unsigned)v : dflt;
}

static unsigned episodes_for(unsigned nthreads)
{
	unsigned base = env_unsigned("USYNC_TEST_EPISODES", 0);
	if (base == 0) /* oversubscribed (> 4 threads on 2 cores): fewer */
		base = nthreads <= 4 ? 4000 : nthreads < 16 ? 2000 : 1000;
	unsigned pct = env_unsigned("USYNC_TEST_SCALE", 100);
	unsigned long long v = (unsigned long long)base * pct / 100;
	return v ? (unsigned)v : 1;
}

/* ------------------------------------------------- the two APIs, adapted */

typedef struct barrier_api {
	char label[32];        /* for messages: "direct tree/3", ... */
	const char *algorithm; /* the registry name */
	unsigned fanin;        /* tree only; 0: the default */
	int (*create)(const struct barrier_api *api, void **out, unsigned n);
	void (*destroy)(void *b);
	int (*wait)(void *b, unsigned thread_id);
	/* the typed usync_<name>_barrier_set_policy, or the generic one */
	int (*set_policy)(void *b, usync_wait_policy_t policy);
} barrier_api_t;

static void *alloc_object(size_t size)
{
	/* Through the interposer; never armed while a test allocates
	 * objects. */
	return aligned_alloc(USYNC_CACHELINE,
			     (size + USYNC_CACHELINE - 1) / USYNC_CACHELINE *
				     USYNC_CACHELINE);
}

#define DIRECT_ADAPTER(NAME, INIT)                                            \
	static int NAME##_create(const barrier_api_t *api, void **out,         \
				 unsigned n)                                   \
	{                                                                      \
		usync_##NAME##_barrier_t *b =                                  \
			(usync_##NAME##_barrier_t *)alloc_object(sizeof(*b));  \
		if (b == NULL)                                                 \
			return ENOMEM;                                         \
		int err = INIT;                                                \
		if (err != 0) {                                                \
			free(b);                                               \
			return err;                                            \
		}                                                              \
		*out = b;                                                      \
		return 0;                                                      \
	}                                                                      \
	static void NAME##_destroy(void *b)                                    \
	{                                                                      \
		usync_##NAME##_barrier_destroy((usync_##NAME##_barrier_t *)b); \
		free(b);                                                       \
	}                                                                      \
	static int NAME##_wait(void *b, unsigned thread_id)                    \
	{                                                                      \
		return usync_##NAME##_barrier_wait(                            \
			(usync_##NAME##_barrier_t *)b, thread_id);             \
	}                                                                      \
	static int NAME##_set_policy(void *b, usync_wait_policy_t policy)      \
	{                                                                      \
		return usync_##NAME##_barrier_set_policy(                      \
			(usync_##NAME##_barrier_t *)b, policy);                \
	}

DIRECT_ADAPTER(counter, usync_counter_barrier_init(b, n))
DIRECT_ADAPTER(tree, api->fanin ? usync_tree_barrier_init_fanin(b, n,
								  api->fanin)
				: usync_tree_barrier_init(b, n))
DIRECT_ADAPTER(mcs, usync_mcs_barrier_init(b, n))
DIRECT_ADAPTER(tournament, usync_tournament_barrier_init(b, n))
DIRECT_ADAPTER(dissemination, usync_dissemination_barrier_init(b, n))

#define DIRECT(NAME, FANIN, LABEL)                                             \
	{ "direct " LABEL, #NAME, FANIN, NAME##_create, NAME##_destroy,        \
	  NAME##_wait, NAME##_set_policy }

static const barrier_api_t direct_apis[] = {
	DIRECT(counter, 0, "counter"),
	DIRECT(tree, 0, "tree (default fan-in)"),
	DIRECT(tree, 2, "tree/2"),
	DIRECT(tree, 3, "tree/3"),
	DIRECT(tree, 4, "tree/4"),
	DIRECT(tree, 8, "tree/8"),
	DIRECT(mcs, 0, "mcs"),
	DIRECT(tournament, 0, "tournament"),
	DIRECT(dissemination, 0, "dissemination"),
};
#define NDIRECT (sizeof(direct_apis) / sizeof(direct_apis[0]))

static int generic_create(const barrier_api_t *api, void **out, unsigned n)
{
	usync_barrier_t *b;
	int err = usync_barrier_create(&b, api->algorithm, n);
	if (err == 0)
		*out = b;
	return err;
}
static void generic_destroy(void *b)
{
	usync_barrier_destroy((usync_barrier_t *)b);
}
static int generic_wait(void *b, unsigned thread_id)
{
	return usync_barrier_wait((usync_barrier_t *)b, thread_id);
}
static int generic_set_policy(void *b, usync_wait_policy_t policy)
{
	return usync_barrier_set_policy((usync_barrier_t *)b, policy);
}

#define MAX_GENERIC 16
static barrier_api_t generic_apis[MAX_GENERIC];
static size_t ngeneric;

static void build_generic_apis(void)
{
	const char *const *names = usync_barrier_algorithms();
	ngeneric = 0;
	for (size_t i = 0; names[i] != NULL; i++) {
		assert_true(ngeneric < MAX_GENERIC);
		barrier_api_t *api = &generic_apis[ngeneric++];
		memset(api, 0, sizeof(*api));
		snprintf(api->label, sizeof(api->label), "generic %s",
			 names[i]);
		api->algorithm = names[i];
		api->create = generic_create;
		api->destroy = generic_destroy;
		api->wait = generic_wait;
		api->set_policy = generic_set_policy;
	}
}

/* --------------------------------------------------------- safety body */

/* Written with plain stores by its owner before the barrier, read by all
 * after it. */
typedef struct slot {
	USYNC_ALIGNED unsigned long episode;
	unsigned long data[DATA_WORDS];
} slot_t;

/* Written by its owner, read by the main thread after join. */
typedef struct result {
	USYNC_ALIGNED unsigned long arrival_violations;
	unsigned long visibility_violations;
	unsigned long wait_errors;
} result_t;

typedef struct run {
	const barrier_api_t *api;
	void *barrier;
	unsigned nthreads;
	unsigned episodes;
	unsigned skew_steps; /* 0: no work between episodes */
	slot_t slots[2][MAX_THREADS];
	result_t results[MAX_THREADS];
} run_t;

typedef struct worker_arg {
	run_t *run;
	unsigned thread_id;
} worker_arg_t;

static unsigned long data_value(unsigned long episode, unsigned thread_id,
				unsigned word)
{
	return episode * 1000003ul + thread_id * 7919ul + word * 31ul + 1;
}

static uint32_t xorshift32(uint32_t *state)
{
	uint32_t x = *state;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

static void *safety_worker(void *p)
{
	worker_arg_t *arg = (worker_arg_t *)p;
	run_t *run = arg->run;
	unsigned me = arg->thread_id;
	result_t *res = &run->results[me];
	uint32_t rng = 0x9e3779b9u ^ (me * 0x85ebca6bu) ^ 1u;

	for (unsigned long e = 1; e <= run->episodes; e++) {
		if (run->skew_steps != 0) {
			uint32_t r = xorshift32(&rng);
			if ((r & 3) == 0) /* a random quarter of the threads */
				for (uint32_t i = (r >> 8) % run->skew_steps;
				     i > 0; i--)
					usync_cpu_relax();
		}
		slot_t *mine = &run->slots[e & 1][me];
		mine->episode = e;
		for (unsigned w = 0; w < DATA_WORDS; w++)
			mine->data[w] = data_value(e, me, w);

		if (run->api->wait(run->barrier, me) != 0)
			res->wait_errors++;

		for (unsigned t = 0; t < run->nthreads; t++) {
			const slot_t *theirs = &run->slots[e & 1][t];
			if (theirs->episode != e)
				res->arrival_violations++;
			for (unsigned w = 0; w < DATA_WORDS; w++)
				if (theirs->data[w] != data_value(e, t, w))
					res->visibility_violations++;
		}
	}
	return NULL;
}

/* Runs `episodes` episodes on an existing barrier; returns the number of
 * violations and errors seen, printing them if any. */
static unsigned long run_episodes(const barrier_api_t *api, void *barrier,
				  unsigned nthreads, unsigned episodes,
				  unsigned skew_steps)
{
	run_t *run = (run_t *)alloc_object(sizeof(run_t));
	assert_non_null(run);
	memset(run, 0, sizeof(*run));
	run->api = api;
	run->barrier = barrier;
	run->nthreads = nthreads;
	run->episodes = episodes;
	run->skew_steps = skew_steps;

	pthread_t threads[MAX_THREADS];
	worker_arg_t args[MAX_THREADS];
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned t = 0; t < nthreads; t++) {
		args[t].run = run;
		args[t].thread_id = t;
		assert_int_equal(pthread_create(&threads[t], NULL,
						safety_worker, &args[t]),
				 0);
	}
	for (unsigned t = 0; t < nthreads; t++)
		assert_int_equal(pthread_join(threads[t], NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (getenv("USYNC_TEST_VERBOSE") != NULL) {
		double ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 +
			    (double)(t1.tv_nsec - t0.tv_nsec);
		print_message("%-28s %2u threads %6u episodes%s: %8.0f ns "
			      "per episode\n",
			      api->label, nthreads, episodes,
			      skew_steps ? " skewed" : "       ",
			      ns / episodes);
	}

	unsigned long arrival = 0, visibility = 0, errors = 0;
	for (unsigned t = 0; t < nthreads; t++) {
		arrival += run->results[t].arrival_violations;
		visibility += run->results[t].visibility_violations;
		errors += run->results[t].wait_errors;
	}
	if (arrival || visibility || errors)
		print_error("%s, %u threads, %u episodes%s: %lu arrival, "
			    "%lu visibility violations, %lu wait errors\n",
			    api->label, nthreads, episodes,
			    skew_steps ? " (skewed)" : "", arrival,
			    visibility, errors);
	free(run);
	return arrival + visibility + errors;
}

/* Create, run, destroy. */
static unsigned long run_config(const barrier_api_t *api, unsigned nthreads,
				unsigned episodes, unsigned skew_steps,
				const usync_wait_policy_t *policy)
{
	void *barrier = NULL;
	assert_int_equal(api->create(api, &barrier, nthreads), 0);
	if (policy != NULL)
		assert_int_equal(api->set_policy(barrier, *policy), 0);
	unsigned long bad = run_episodes(api, barrier, nthreads, episodes,
					 skew_steps);
	api->destroy(barrier);
	return bad;
}

/* relax steps of a few hundred ns (the skewed work's ceiling) */
static unsigned skew_steps(void)
{
	double ns = usync_spin_relax_ns();
	unsigned steps = (unsigned)(400.0 / (ns > 0.1 ? ns : 0.1));
	return steps ? steps : 1;
}

static void safety_all(const barrier_api_t *apis, size_t napis, bool skewed)
{
	unsigned steps = skewed ? skew_steps() : 0;
	unsigned long bad = 0;
	for (size_t a = 0; a < napis; a++)
		for (size_t c = 0; c < NCOUNTS; c++)
			bad += run_config(&apis[a], thread_counts[c],
					  episodes_for(thread_counts[c]),
					  steps, NULL);
	assert_int_equal(bad, 0);
}

static void test_generic_safety(void **state)
{
	(void)state;
	build_generic_apis();
	safety_all(generic_apis, ngeneric, false);
}

static void test_generic_safety_skewed(void **state)
{
	(void)state;
	build_generic_apis();
	safety_all(generic_apis, ngeneric, true);
}

static void test_direct_safety(void **state)
{
	(void)state;
	safety_all(direct_apis, NDIRECT, false);
}

static void test_direct_safety_skewed(void **state)
{
	(void)state;
	safety_all(direct_apis, NDIRECT, true);
}

/* Pure spinning, with no more threads than the test machine's 2 cores. */
static void test_spin_policy(void **state)
{
	(void)state;
	const usync_wait_policy_t spin = USYNC_WAIT_SPIN;
	unsigned long bad = 0;
	for (size_t a = 0; a < NDIRECT; a++)
		for (unsigned n = 1; n <= 2; n++)
			bad += run_config(&direct_apis[a], n,
					  episodes_for(n) / 4 + 1, 0, &spin);
	assert_int_equal(bad, 0);
}

/* Sleeping waiters: every barrier through both APIs under the park
 * policy, skewed.  2 threads: one per core, parking only when a partner is
 * late by more than the spin budget; 3, 8, 16: oversubscribed, waiters
 * sleep on their words at nearly every step and the wakes must not be
 * lost (a lost wake-up hangs the test). */
static void park_all(const barrier_api_t *apis, size_t napis)
{
	static const unsigned counts[] = {2, 3, 8, 16};
	const usync_wait_policy_t park = USYNC_WAIT_PARK;
	unsigned steps = skew_steps();
	unsigned long bad = 0;
	for (size_t a = 0; a < napis; a++)
		for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++)
			bad += run_config(&apis[a], counts[c],
					  episodes_for(counts[c]) / 4 + 1,
					  steps, &park);
	assert_int_equal(bad, 0);
}

static void test_generic_park_policy(void **state)
{
	(void)state;
	build_generic_apis();
	park_all(generic_apis, ngeneric);
}

static void test_direct_park_policy(void **state)
{
	(void)state;
	park_all(direct_apis, NDIRECT);
}

/* ----------------------------------------------------------- bad input */

static void test_algorithms(void **state)
{
	(void)state;
	static const char *const expected[] = {
		"counter", "tree", "mcs", "tournament", "dissemination",
	};
	const char *const *names = usync_barrier_algorithms();
	size_t i;
	for (i = 0; names[i] != NULL; i++) {
		assert_true(i < sizeof(expected) / sizeof(expected[0]));
		assert_string_equal(names[i], expected[i]);
	}
	assert_int_equal(i, sizeof(expected) / sizeof(expected[0]));
	for (i = 0; names[i] != NULL; i++) {
		usync_barrier_t *b = NULL;
		assert_int_equal(usync_barrier_create(&b, names[i], 3), 0);
		assert_string_equal(usync_barrier_name(b), names[i]);
		usync_barrier_destroy(b);
	}
}

static void test_generic_bad_input(void **state)
{
	(void)state;
	usync_barrier_t *const sentinel = (usync_barrier_t *)&sentinel;
	usync_barrier_t *b = sentinel;
	assert_int_equal(usync_barrier_create(NULL, "counter", 4), EINVAL);
	assert_int_equal(usync_barrier_create(&b, NULL, 4), EINVAL);
	assert_int_equal(usync_barrier_create(&b, "no-such-barrier", 4),
			 EINVAL);
	assert_int_equal(usync_barrier_create(&b, "", 4), EINVAL);
	assert_int_equal(usync_barrier_create(&b, "counter", 0), EINVAL);
	assert_int_equal(usync_barrier_create(&b, "counter",
					      USYNC_BARRIER_MAX_THREADS + 1),
			 EINVAL);
	assert_int_equal(usync_barrier_create(&b, "tree", UINT_MAX), EINVAL);
	assert_ptr_equal(b, sentinel);
	usync_barrier_destroy(NULL);

	build_generic_apis();
	unsigned long bad = 0;
	for (size_t a = 0; a < ngeneric; a++) {
		for (unsigned n = 1; n <= 5; n += 2) {
			b = NULL;
			assert_int_equal(usync_barrier_create(
						 &b, generic_apis[a].algorithm,
						 n),
					 0);
			assert_int_equal(usync_barrier_wait(b, n), EINVAL);
			assert_int_equal(usync_barrier_wait(b, n + 1), EINVAL);
			assert_int_equal(usync_barrier_wait(b, UINT_MAX),
					 EINVAL);
			/* still works, from its first episode on */
			bad += run_episodes(&generic_apis[a], b, n, 200, 0);
			usync_barrier_destroy(b);
		}
	}
	assert_int_equal(bad, 0);
}

/* usync_barrier_set_policy: EINVAL for a NULL barrier or an unknown
 * policy (the barrier keeps working), 0 for each valid policy, under
 * which the barrier then works. */
static void test_generic_set_policy(void **state)
{
	(void)state;
	static const usync_wait_policy_t valid[] = {
		USYNC_WAIT_SPIN, USYNC_WAIT_YIELD, USYNC_WAIT_PARK,
	};
	assert_int_equal(usync_barrier_set_policy(NULL, USYNC_WAIT_YIELD),
			 EINVAL);
	assert_int_equal(usync_barrier_set_policy(NULL, (usync_wait_policy_t)7),
			 EINVAL);
	build_generic_apis();
	unsigned long bad = 0;
	for (size_t a = 0; a < ngeneric; a++) {
		usync_barrier_t *b = NULL;
		assert_int_equal(usync_barrier_create(
					 &b, generic_apis[a].algorithm, 2),
				 0);
		assert_int_equal(usync_barrier_set_policy(
					 b, (usync_wait_policy_t)3),
				 EINVAL);
		assert_int_equal(usync_barrier_set_policy(
					 b, (usync_wait_policy_t)7),
				 EINVAL);
		assert_int_equal(usync_barrier_set_policy(
					 b, (usync_wait_policy_t)-1),
				 EINVAL);
		bad += run_episodes(&generic_apis[a], b, 2, 20, 0);
		for (size_t p = 0; p < sizeof(valid) / sizeof(valid[0]); p++) {
			assert_int_equal(usync_barrier_set_policy(b, valid[p]),
					 0);
			bad += run_episodes(&generic_apis[a], b, 2, 20, 0);
		}
		usync_barrier_destroy(b);
	}
	assert_int_equal(bad, 0);
}

static void test_direct_bad_input(void **state)
{
	(void)state;
	const unsigned too_many = USYNC_BARRIER_MAX_THREADS + 1;
	union {
		usync_counter_barrier_t counter;
		usync_tree_barrier_t tree;
		usync_mcs_barrier_t mcs;
		usync_tournament_barrier_t tournament;
		usync_dissemination_barrier_t dissemination;
	} u;
	assert_int_equal(usync_counter_barrier_init(NULL, 4), EINVAL);
	assert_int_equal(usync_counter_barrier_init(&u.counter, 0), EINVAL);
	assert_int_equal(usync_counter_barrier_init(&u.counter, too_many),
			 EINVAL);
	assert_int_equal(usync_tree_barrier_init(NULL, 4), EINVAL);
	assert_int_equal(usync_tree_barrier_init(&u.tree, 0), EINVAL);
	assert_int_equal(usync_tree_barrier_init(&u.tree, too_many), EINVAL);
	assert_int_equal(usync_tree_barrier_init_fanin(NULL, 4, 4), EINVAL);
	assert_int_equal(usync_tree_barrier_init_fanin(&u.tree, 0, 4), EINVAL);
	assert_int_equal(usync_tree_barrier_init_fanin(&u.tree, 4, 0), EINVAL);
	assert_int_equal(usync_tree_barrier_init_fanin(&u.tree, 4, 1), EINVAL);
	assert_int_equal(usync_tree_barrier_init_fanin(&u.tree, too_many, 2),
			 EINVAL);
	assert_int_equal(usync_mcs_barrier_init(NULL, 4), EINVAL);
	assert_int_equal(usync_mcs_barrier_init(&u.mcs, 0), EINVAL);
	assert_int_equal(usync_mcs_barrier_init(&u.mcs, too_many), EINVAL);
	assert_int_equal(usync_tournament_barrier_init(NULL, 4), EINVAL);
	assert_int_equal(usync_tournament_barrier_init(&u.tournament, 0),
			 EINVAL);
	assert_int_equal(usync_tournament_barrier_init(&u.tournament,
						       too_many),
			 EINVAL);
	assert_int_equal(usync_dissemination_barrier_init(NULL, 4), EINVAL);
	assert_int_equal(usync_dissemination_barrier_init(&u.dissemination, 0),
			 EINVAL);
	assert_int_equal(usync_dissemination_barrier_init(&u.dissemination,
							  too_many),
			 EINVAL);
	usync_counter_barrier_destroy(NULL);
	usync_tree_barrier_destroy(NULL);
	usync_mcs_barrier_destroy(NULL);
	usync_tournament_barrier_destroy(NULL);
	usync_dissemination_barrier_destroy(NULL);

	unsigned long bad = 0;
	for (size_t a = 0; a < NDIRECT; a++) {
		const barrier_api_t *api = &direct_apis[a];
		for (unsigned n = 1; n <= 5; n += 2) {
			void *b = NULL;
			assert_int_equal(api->create(api, &b, n), 0);
			assert_int_equal(api->set_policy(
						 b, (usync_wait_policy_t)7),
					 EINVAL);
			assert_int_equal(api->set_policy(
						 b, (usync_wait_policy_t)-1),
					 EINVAL);
			assert_int_equal(api->set_policy(b, USYNC_WAIT_YIELD),
					 0);
			assert_int_equal(api->wait(b, n), EINVAL);
			assert_int_equal(api->wait(b, UINT_MAX), EINVAL);
			bad += run_episodes(api, b, n, 200, 0);
			api->destroy(b);
		}
	}
	assert_int_equal(bad, 0);
}

/* --------------------------------------------------------- out of memory */

/* Fail the 1st, 2nd, ... allocation of create until one succeeds with no
 * failure injected; every failure must be ENOMEM with *out untouched. */
static void enomem_all(const barrier_api_t *apis, size_t napis)
{
	for (size_t a = 0; a < napis; a++) {
		for (unsigned n = 1; n <= 5; n += 4) {
			unsigned failures = 0;
			for (unsigned k = 1;; k++) {
				void *const sentinel = (void *)&sentinel;
				void *b = sentinel;
				alloc_fail_countdown = k;
				int err = apis[a].create(&apis[a], &b, n);
				bool injected = alloc_fail_countdown == 0;
				alloc_fail_countdown = 0;
				if (!injected) {
					assert_int_equal(err, 0);
					apis[a].destroy(b);
					break;
				}
				assert_int_equal(err, ENOMEM);
				assert_ptr_equal(b, sentinel);
				failures++;
				assert_true(k < 16); /* no allocation loop */
			}
			assert_true(failures >= 1);
		}
	}
}

static void test_generic_enomem(void **state)
{
	(void)state;
	build_generic_apis();
	enomem_all(generic_apis, ngeneric);
}

static void test_direct_enomem(void **state)
{
	(void)state;
	enomem_all(direct_apis, NDIRECT);
}

int main(void)
{
	resolve_real_aligned_alloc();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_algorithms),
		cmocka_unit_test(test_generic_bad_input),
		cmocka_unit_test(test_generic_set_policy),
		cmocka_unit_test(test_direct_bad_input),
		cmocka_unit_test(test_generic_enomem),
		cmocka_unit_test(test_direct_enomem),
		cmocka_unit_test(test_spin_policy),
		cmocka_unit_test(test_generic_park_policy),
		cmocka_unit_test(test_direct_park_policy),
		cmocka_unit_test(test_generic_safety),
		cmocka_unit_test(test_direct_safety),
		cmocka_unit_test(test_generic_safety_skewed),
		cmocka_unit_test(test_direct_safety_skewed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
