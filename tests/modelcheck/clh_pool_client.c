/*
 * tests/modelcheck/clh_pool_client.c - the CLH lock's node pool on its own.
 *
 * The pool (a tagged Treiber stack of node indices, src/locks/clh.c) hands
 * nodes between threads: usync_clh_ctx_init pops one, usync_clh_ctx_destroy
 * pushes it back, and so do the trylock's abandonment and the generic API
 * at every acquisition.  The lock clients reach it too rarely for a bound
 * GenMC can finish, so here NTHREADS threads take contexts and give them
 * back (thread_main).  A node must be held by one thread at a time (a
 * relaxed fetch_add on the node's `in use` count finds 0), and consecutive
 * holders must be ordered (a plain write of the holder's id to the node's
 * slot of `owner` races otherwise).
 *
 * Knobs (-D): NTHREADS, ITERS.  Liveness is not checked: GenMC 0.10.3 takes
 * the pool's CAS retry loops for spin loops that cannot end.
 */
#include "prelude.h"

#include "../../src/atomics/spin.c"
#include "../../src/locks/clh.c"

#ifndef NTHREADS
#define NTHREADS 2
#endif
#ifndef ITERS
#define ITERS 1
#endif

/* max_threads 1: three nodes, the front and two in the pool, so that two
 * threads contend for a pool that runs dry. */
#define MAX_THREADS 1
#define NNODES (2 * MAX_THREADS + 1)

static usync_clh_t lock;
static _Atomic(int) in_use[NNODES];
static intptr_t owner[NNODES]; /* plain: only the pool orders it */

/* Take a node from the pool; -1 if it was empty (EAGAIN, legitimately). */
static int take(usync_clh_ctx_t *ctx, intptr_t id)
{
	if (usync_clh_ctx_init(&lock, ctx) != 0)
		return -1;
	int n = (int)(ctx->node - lock.nodes);
	assert(n >= 0 && n < NNODES);
	/* relaxed: the check must not add ordering of its own. */
	int others = atomic_fetch_add_explicit(&in_use[n], 1,
					       memory_order_relaxed);
	assert(others == 0 && "one node handed to two threads");
	owner[n] = id;
	return n;
}

static void give(usync_clh_ctx_t *ctx, int n)
{
	if (n < 0)
		return;
	atomic_fetch_sub_explicit(&in_use[n], 1, memory_order_relaxed);
	usync_clh_ctx_destroy(&lock, ctx);
}

/* ITERS rounds of: take a, take b, give a back, give b back.  Holding b
 * while a goes back makes the pool's links change under a thread that
 * holds a node, which is what a stale link read would expose. */
static void *thread_main(void *arg)
{
	intptr_t id = (intptr_t)arg;
	for (int i = 0; i < ITERS; i++) {
		usync_clh_ctx_t a, b;
		int na = take(&a, id);
		int nb = take(&b, id);
		give(&a, na);
		give(&b, nb);
	}
	return NULL;
}

int main(void)
{
	pthread_t threads[NTHREADS];
	assert(usync_clh_init(&lock, MAX_THREADS) == 0);
	for (intptr_t i = 0; i < NTHREADS; i++)
		pthread_create(&threads[i], NULL, thread_main, (void *)i);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(threads[i], NULL);
	usync_clh_destroy(&lock);
	return 0;
}
