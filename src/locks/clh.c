/*
 * src/locks/clh.c - CLH queue lock: node pool, contended wait, the trylock
 * abandonment path and the generic adapter.  Algorithm, FIFO promise
 * (arrival order), context and ordering contract: see include/usync/clh.h
 * (Craig 1993; Magnusson, Landin & Hagersten 1994; trylock after Scott &
 * Scherer, PPoPP 2001).
 *
 * Node ownership, at every instant each node of the lock is exactly one of:
 *   - the lock's front node (the tail's chain ends in it; GRANTED or held),
 *   - a context's own node (possibly enqueued),
 *   - abandoned in the queue (state = USYNC_CLH_REDIRECT + index of the node
 *     to wait on), owned by whoever becomes its successor,
 *   - in the pool.
 * A successor that passes an abandoned node returns it to the pool; a
 * leaver (a trylock that lost the tail race, a timedlock whose deadline
 * passed) takes a replacement from it.
 *
 * Why 2 * max_threads + 1 nodes.  With m = max_threads contexts at most
 * (usync_clh_ctx_init counts them), the nodes not in the pool are: each
 * context's own node (m), the front node or the holder's inherited one (1),
 * and the abandoned nodes not yet passed.  A leaver (a failed trylock, a
 * timed-out usync_clh_timedlock) first passes every abandoned node it can
 * see in front of it, so in the usual case each abandoned node has its own
 * successor still waiting behind it, except the tail: at most m - 1 of them,
 * 2m in use, and one node is in the pool for the next leaver.
 *
 * That is not a bound over every schedule.  A leaver that reads its
 * predecessor WAITING just before that node's owner abandons it too leaves
 * two abandoned nodes in a row; two contexts timing out in turn at those
 * instants, or waiters slow to pass what lies in front of them, can pile up
 * more abandoned nodes than the pool holds.  A leaver that then finds the
 * pool empty does not fail and does not lose its context: leave_queue keeps
 * it in the queue, still passing redirections and still able to be granted
 * the lock, until a node comes back (every waiter that passes an abandoned
 * node returns it, the leaver's own passing included).  So a timeout can be
 * late, never wrong.
 *
 * The generic API has no per-thread contexts: each acquisition borrows a
 * node for its duration and max_threads bounds the acquisitions in flight,
 * so the same count holds; its leavers need no replacement (the context
 * ends with the attempt), so they never wait for one.  When more are in
 * flight, an acquire waits for a node, an acquire_until waits for one until
 * its deadline, and a try_acquire fails at once (without a node it cannot
 * enqueue; so many acquirers in flight mean the lock is contended anyway).
 */
#include "lock_internal.h"

/* No CPU in a node's cpu word (see clh_hint_behind). */
#define CLH_NO_CPU 0xffffu

#include <stdlib.h>

#define POOL_INDEX(word) ((uint32_t)((word) & 0xffffffffu))
#define POOL_TAG(word) ((word) >> 32)

static usync_clh_node_t *pool_pop(usync_clh_t *lock)
{
	/* acquire: pairs with the release CAS in pool_push, so the node's
	 * next_free and its last state are visible to the popper. */
	uint64_t head = atomic_load_explicit(&lock->pool, memory_order_acquire);
	for (;;) {
		uint32_t index = POOL_INDEX(head);
		if (index == 0)
			return NULL;
		usync_clh_node_t *node = &lock->nodes[index - 1];
		/* relaxed: may be stale if the node was popped meanwhile; the
		 * tag makes the CAS below fail in that case. */
		uint32_t next = atomic_load_explicit(&node->next_free,
						     memory_order_relaxed);
		uint64_t desired = ((POOL_TAG(head) + 1) << 32) | next;
		/* acquire: as the load above; on failure head is reloaded
		 * with the same pairing. */
		if (usync_compare_and_swap(&lock->pool, &head, desired,
					   memory_order_acquire,
					   memory_order_acquire))
			return node;
	}
}

static void pool_push(usync_clh_t *lock, usync_clh_node_t *node)
{
	uint32_t index = (uint32_t)(node - lock->nodes) + 1;
	/* relaxed: we only need a recent head; the CAS validates it. */
	uint64_t head = atomic_load_explicit(&lock->pool, memory_order_relaxed);
	do {
		/* relaxed: published by the release CAS below. */
		atomic_store_explicit(&node->next_free, POOL_INDEX(head),
				      memory_order_relaxed);
		/* release: pairs with the acquire in pool_pop. */
	} while (!usync_compare_and_swap(&lock->pool, &head,
					 ((POOL_TAG(head) + 1) << 32) | index,
					 memory_order_release,
					 memory_order_relaxed));
}

int usync_clh_init(usync_clh_t *lock, unsigned max_threads)
{
	/* 2 * max_threads + 1 nodes; redirect values (USYNC_CLH_REDIRECT +
	 * index) stay far below USYNC_PARKED. */
	if (lock == NULL || max_threads == 0 ||
	    max_threads > USYNC_LOCK_MAX_THREADS)
		return EINVAL;
	uint32_t nnodes = 2 * (uint32_t)max_threads + 1;
	usync_clh_node_t *nodes = (usync_clh_node_t *)aligned_alloc(
		USYNC_CACHELINE, (size_t)nnodes * sizeof(*nodes));
	if (nodes == NULL)
		return ENOMEM;
	/* relaxed (all stores here): the lock is not shared yet; its
	 * publication to other threads orders them. */
	/* Node 0 is the front (the tail, GRANTED); nodes 1 .. n-1 form the
	 * pool, each linking to the next by index + 1, the last to 0. */
	for (uint32_t i = 0; i < nnodes; i++) {
		atomic_store_explicit(&nodes[i].state, USYNC_CLH_GRANTED,
				      memory_order_relaxed);
		uint32_t next = i + 1; /* index of the next pool node */
		atomic_store_explicit(&nodes[i].next_free,
				      i > 0 && next < nnodes ? next + 1 : 0,
				      memory_order_relaxed);
		atomic_store_explicit(&nodes[i].cpu, CLH_NO_CPU,
				      memory_order_relaxed);
	}
	atomic_store_explicit(&lock->tail, &nodes[0], memory_order_relaxed);
	atomic_store_explicit(&lock->pool, nnodes > 1 ? (uint64_t)2 : 0,
			      memory_order_relaxed);
	lock->nodes = nodes;
	lock->nnodes = nnodes;
	lock->policy = USYNC_WAIT_DEFAULT;
	atomic_store_explicit(&lock->live_contexts, 0, memory_order_relaxed);
#if USYNC_DEBUG_CHECKS
	atomic_store_explicit(&lock->debug_holder, (usync_clh_node_t *)NULL,
			      memory_order_relaxed);
#endif
	return 0;
}

void usync_clh_destroy(usync_clh_t *lock)
{
	if (lock == NULL)
		return;
	free(lock->nodes);
	lock->nodes = NULL;
	lock->nnodes = 0;
}

int usync_clh_ctx_init(usync_clh_t *lock, usync_clh_ctx_t *ctx)
{
	if (lock == NULL || ctx == NULL)
		return EINVAL;
	uint32_t max_contexts = (lock->nnodes - 1) / 2;
	/* relaxed (load and CAS): a count of contexts, not a publication;
	 * the nodes themselves are handed over by the pool's release/acquire
	 * CASes. */
	uint32_t live = atomic_load_explicit(&lock->live_contexts,
					     memory_order_relaxed);
	do {
		if (live >= max_contexts)
			return EAGAIN;
	} while (!usync_compare_and_swap(&lock->live_contexts, &live, live + 1,
					 memory_order_relaxed,
					 memory_order_relaxed));
	/* The count guarantees a node (see the top of this file). */
	usync_clh_node_t *node = pool_pop(lock);
	ctx->node = node;
	ctx->pred = NULL;
	return 0;
}

void usync_clh_ctx_destroy(usync_clh_t *lock, usync_clh_ctx_t *ctx)
{
	if (lock == NULL || ctx == NULL || ctx->node == NULL)
		return;
	pool_push(lock, ctx->node);
	ctx->node = NULL;
	/* relaxed: as in usync_clh_ctx_init. */
	atomic_fetch_sub_explicit(&lock->live_contexts, 1,
				  memory_order_relaxed);
}

/*
 * Wait behind pred until it is GRANTED, passing abandoned nodes: each one we
 * meet is ours (we are its successor), so we return it to the pool and wait
 * on the node it names.  Returns the node finally acquired behind.
 */
static usync_clh_node_t *redirect_target(usync_clh_t *lock, uint32_t state)
{
	return &lock->nodes[state - USYNC_CLH_REDIRECT];
}

/*
 * Holders' CPUs, for the handoff to a running waiter (usync_spin_extend,
 * usync/spin.h).  A thread in a slow path records in its node's cpu word
 * the CPU it runs on and the node it waits behind (index + 1, above the
 * CPU's 16 bits), when it starts to wait and whenever a redirection moves
 * it; the line is its own node's, which its successor polls.  When the
 * successor's budget runs out, the thread it waits for holds the lock if
 * the node that thread waits behind reads GRANTED: nodes live as long as
 * the lock, and that node cannot be recycled before the holder releases
 * (it is the holder's ctx->pred).  A node enqueued by a fast path keeps
 * the word of its last slow-path owner: the lock is then held (the fast
 * path acquired it), but the CPU may be stale.  A hint only: relaxed,
 * orders nothing; a wrong CPU costs at most a few budgets of spinning, or
 * a yield.
 */
static void clh_hint_behind(usync_clh_t *lock, usync_clh_node_t *node,
			const usync_clh_node_t *pred)
{
#if USYNC_SPIN_EXTEND_MAX
	int cpu = usync_spin_cpu();
	uintptr_t behind = (uintptr_t)(pred - lock->nodes) + 1;
	/* relaxed: a hint (above).  Nothing recorded past 16 bits. */
	atomic_store_explicit(&node->cpu,
			      cpu < 0 || cpu >= (int)CLH_NO_CPU || behind > 0xffffu
				      ? CLH_NO_CPU
				      : (uint32_t)behind << 16 | (uint32_t)cpu,
			      memory_order_relaxed);
#else
	(void)lock;
	(void)node;
	(void)pred;
#endif
}

struct clh_waiter {
	usync_clh_t *lock;
	usync_clh_node_t *const *pred; /* the node we poll */
};

/* usync_wait_while_behind's holder(): where the owner of the node we poll
 * runs, if it holds the lock. */
static int clh_holder_cpu(const void *arg)
{
	const struct clh_waiter *w = arg;
	/* relaxed (both): a hint (above). */
	uint32_t e = atomic_load_explicit(&(*w->pred)->cpu,
					  memory_order_relaxed);
	uint32_t behind = e >> 16, cpu = e & 0xffffu;
	if (behind == 0 || behind > w->lock->nnodes || cpu == CLH_NO_CPU ||
	    (atomic_load_explicit(&w->lock->nodes[behind - 1].state,
				  memory_order_relaxed) &
	     ~USYNC_PARKED) != USYNC_CLH_GRANTED)
		return USYNC_CPU_UNKNOWN;
	return (int)cpu;
}

static usync_clh_node_t *wait_behind(usync_clh_t *lock,
				     usync_clh_node_t *node,
				     usync_clh_node_t *pred)
{
	usync_spin_t spin;
	usync_spin_init(&spin, (usync_wait_policy_t)lock->policy);
	struct clh_waiter me = { lock, &pred };
	for (;;) {
		clh_hint_behind(lock, node, pred);
		/* acquire (inside usync_wait_while_behind): pairs with the
		 * release of GRANTED in usync_clh_unlock, or of the
		 * redirection in usync_clh_trylock_queued.  Parks on pred,
		 * which only we, its successor, watch. */
		uint32_t state = usync_wait_while_behind(&pred->state,
							 USYNC_CLH_WAITING,
							 &spin, clh_holder_cpu,
							 &me) &
				 ~USYNC_PARKED;
		if (state == USYNC_CLH_GRANTED)
			return pred;
		usync_clh_node_t *next = redirect_target(lock, state);
		pool_push(lock, pred);
		pred = next;
	}
}

void usync_clh_lock_slow(usync_clh_t *lock, usync_clh_ctx_t *ctx,
			 usync_clh_node_t *pred)
{
	ctx->pred = wait_behind(lock, ctx->node, pred);
}

/* ctx now holds the lock, acquired behind pred. */
static void took_lock(usync_clh_t *lock, usync_clh_ctx_t *ctx,
		      usync_clh_node_t *pred)
{
	ctx->pred = pred;
#if USYNC_DEBUG_CHECKS
	/* relaxed: diagnostic state. */
	atomic_store_explicit(&lock->debug_holder, ctx->node,
			      memory_order_relaxed);
#else
	(void)lock;
#endif
}

/*
 * Leave the queue: a failed trylock or a timed wait whose deadline passed,
 * enqueued behind pred.  Pass abandoned nodes as a waiter would; if the
 * chain ends in a GRANTED node we hold the lock after all (true).  If it
 * ends in a WAITING node, abandon ours: redirect our successor to that node
 * and return false.  With keep_ctx the context continues with a fresh node
 * from the pool; without (the generic API, whose context lives for one
 * acquisition) it is left with none.
 *
 * The pool can be empty here (see the top of this file: many leavers whose
 * successors have not yet passed their nodes).  Then we keep our place,
 * still passing redirections and still able to be granted the lock, and
 * poll the pool, which every waiter's passing refills.
 */
static bool leave_queue(usync_clh_t *lock, usync_clh_ctx_t *ctx,
			usync_clh_node_t *pred, bool keep_ctx)
{
	usync_spin_t spin;
	usync_spin_init(&spin, (usync_wait_policy_t)lock->policy);
	for (;;) {
		/* acquire: as in wait_behind. */
		uint32_t state = atomic_load_explicit(&pred->state,
						      memory_order_acquire) &
				 ~USYNC_PARKED;
		if (state == USYNC_CLH_GRANTED) {
			took_lock(lock, ctx, pred);
			return true;
		}
		if (state != USYNC_CLH_WAITING) {
			usync_clh_node_t *next = redirect_target(lock, state);
			pool_push(lock, pred);
			pred = next;
			continue;
		}
		usync_clh_node_t *fresh = NULL;
		if (keep_ctx && (fresh = pool_pop(lock)) == NULL) {
			usync_spin_pause(&spin);
			continue;
		}
		/* release: pairs with the successor's acquire load of our
		 * state in wait_behind, usync_clh_timedlock_slow or
		 * leave_queue, which then waits on pred instead (and with the
		 * relaxed probe of usync_clh_trylock_slow, whose CAS and
		 * leave_queue then order it); wakes that successor if it had
		 * parked on our node.  Our old node is the successor's from
		 * here on: we never touch it again. */
		usync_wake_store(&ctx->node->state,
				 USYNC_CLH_REDIRECT +
					 (uint32_t)(pred - lock->nodes),
				 (usync_wait_policy_t)lock->policy, 1);
		ctx->node = fresh;
		return false;
	}
}

bool usync_clh_trylock_queued(usync_clh_t *lock, usync_clh_ctx_t *ctx,
			      usync_clh_node_t *pred)
{
	return leave_queue(lock, ctx, pred, true);
}

/*
 * The tail did not read GRANTED.  If it is WAITING the lock is held: fail.
 * If it is an abandoned node, the lock may still be free: follow the
 * redirections (reads of live, pool-owned memory, possibly stale; bounded by
 * the node count) and, if they end in a GRANTED node, try to enqueue behind
 * the tail as the fast path does.
 */
static bool trylock_slow(usync_clh_t *lock, usync_clh_ctx_t *ctx,
			 bool keep_ctx)
{
	/* relaxed: a guess, validated by the CAS. */
	usync_clh_node_t *tail =
		atomic_load_explicit(&lock->tail, memory_order_relaxed);
	usync_clh_node_t *probe = tail;
	for (uint32_t hops = 0;; hops++) {
		/* relaxed: a guess, as above. */
		uint32_t state = atomic_load_explicit(&probe->state,
						      memory_order_relaxed) &
				 ~USYNC_PARKED;
		if (state == USYNC_CLH_GRANTED)
			break;
		if (state == USYNC_CLH_WAITING || hops >= lock->nnodes ||
		    state - USYNC_CLH_REDIRECT >= lock->nnodes)
			return false;
		probe = redirect_target(lock, state);
	}
	usync_clh_node_t *node = ctx->node;
	/* relaxed: published by the release half of the CAS. */
	atomic_store_explicit(&node->state, USYNC_CLH_WAITING,
			      memory_order_relaxed);
	/* acq_rel on success, as the swap in usync_clh_lock; relaxed on
	 * failure: not enqueued, nothing acquired. */
	if (!usync_compare_and_swap(&lock->tail, &tail, node,
				    memory_order_acq_rel,
				    memory_order_relaxed))
		return false;
	return leave_queue(lock, ctx, tail, keep_ctx);
}

bool usync_clh_trylock_slow(usync_clh_t *lock, usync_clh_ctx_t *ctx)
{
	return trylock_slow(lock, ctx, true);
}

/*
 * The timed wait behind pred: as wait_behind, until the deadline passes;
 * then leave the queue (leave_queue, which may still find the lock granted).
 * Every policy honours the deadline: spinning and yielding poll the clock,
 * a parked waiter sleeps with the deadline as the futex's timeout, and the
 * redirection that may replace pred's WAITING wakes it (leave_queue).
 */
static int timed_wait(usync_clh_t *lock, usync_clh_ctx_t *ctx,
		      usync_clh_node_t *pred, const struct timespec *abstime,
		      bool keep_ctx)
{
	usync_deadline_t deadline;
	usync_spin_t spin;
	usync_deadline_init(&deadline, abstime);
	usync_spin_init(&spin, (usync_wait_policy_t)lock->policy);
	for (;;) {
		uint32_t seen;
		/* acquire (inside): as in wait_behind.  Parks on pred, which
		 * only we, its successor, watch. */
		if (!usync_wait_while_deadline(&pred->state, USYNC_CLH_WAITING,
					       &seen, &spin, &deadline))
			return leave_queue(lock, ctx, pred, keep_ctx)
				       ? 0
				       : ETIMEDOUT;
		uint32_t state = seen & ~USYNC_PARKED;
		if (state == USYNC_CLH_GRANTED) {
			took_lock(lock, ctx, pred);
			return 0;
		}
		usync_clh_node_t *next = redirect_target(lock, state);
		pool_push(lock, pred);
		pred = next;
	}
}

int usync_clh_timedlock_slow(usync_clh_t *lock, usync_clh_ctx_t *ctx,
			     usync_clh_node_t *pred,
			     const struct timespec *abstime)
{
	return timed_wait(lock, ctx, pred, abstime, true);
}

/* Generic API: a context lives for one acquisition, so it borrows a node
 * from the pool at acquire and returns the inherited one at release. */
static usync_clh_node_t *borrow_node(usync_clh_t *lock)
{
	usync_clh_node_t *node = pool_pop(lock);
	if (USYNC_UNLIKELY(node == NULL)) {
		/* More acquirers than max_threads: wait for a node to be
		 * returned rather than fail an acquire that cannot fail. */
		usync_spin_t spin;
		usync_spin_init(&spin, (usync_wait_policy_t)lock->policy);
		while ((node = pool_pop(lock)) == NULL)
			usync_spin_pause(&spin);
	}
	return node;
}

static int clh_init(union usync_lock_state *s, unsigned max_threads)
{
	return usync_clh_init(&s->clh, max_threads);
}

static void clh_destroy(union usync_lock_state *s)
{
	usync_clh_destroy(&s->clh);
}

static void clh_acquire(union usync_lock_state *s, usync_lock_ctx_t *ctx)
{
	ctx->u.clh.node = borrow_node(&s->clh);
	usync_clh_lock(&s->clh, &ctx->u.clh);
}

static bool clh_try_acquire(union usync_lock_state *s, usync_lock_ctx_t *ctx)
{
	usync_clh_t *lock = &s->clh;
	usync_clh_ctx_t *c = &ctx->u.clh;
	/* Never waits: with no spare node, more than max_threads acquisitions
	 * are in flight and the lock is contended; fail. */
	c->node = pool_pop(lock);
	if (USYNC_UNLIKELY(c->node == NULL))
		return false;
	/* usync_clh_trylock, except that a failed attempt keeps no node (the
	 * context ends with it), so it never waits for one either. */
	usync_clh_debug_enter(lock, c);
	bool acquired;
	/* relaxed (both loads): a guess, as in usync_clh_trylock. */
	usync_clh_node_t *tail =
		atomic_load_explicit(&lock->tail, memory_order_relaxed);
	if (atomic_load_explicit(&tail->state, memory_order_relaxed) !=
	    USYNC_CLH_GRANTED) {
		acquired = trylock_slow(lock, c, false);
	} else {
		/* relaxed: published by the release half of the CAS. */
		atomic_store_explicit(&c->node->state, USYNC_CLH_WAITING,
				      memory_order_relaxed);
		/* acq_rel on success, relaxed on failure: as in
		 * usync_clh_trylock. */
		acquired = usync_compare_and_swap(&lock->tail, &tail, c->node,
						  memory_order_acq_rel,
						  memory_order_relaxed) &&
			   leave_queue(lock, c, tail, false);
	}
	if (!acquired && c->node != NULL)
		pool_push(lock, c->node); /* never enqueued */
	return acquired;
}

static int clh_acquire_until(union usync_lock_state *s, usync_lock_ctx_t *ctx,
			     const struct timespec *abstime)
{
	usync_clh_t *lock = &s->clh;
	usync_clh_ctx_t *c = &ctx->u.clh;
	c->node = pool_pop(lock);
	if (USYNC_UNLIKELY(c->node == NULL)) {
		/* More acquirers than max_threads: wait for a node, as
		 * borrow_node does, but only until the deadline. */
		usync_deadline_t deadline;
		usync_spin_t spin;
		usync_deadline_init(&deadline, abstime);
		usync_spin_init(&spin, (usync_wait_policy_t)lock->policy);
		while ((c->node = pool_pop(lock)) == NULL)
			if (!usync_spin_pause_until(&spin, &deadline))
				return ETIMEDOUT;
	}
	usync_clh_debug_enter(lock, c);
	/* relaxed: published by the release half of the swap below. */
	atomic_store_explicit(&c->node->state, USYNC_CLH_WAITING,
			      memory_order_relaxed);
	/* acq_rel: as the swap in usync_clh_lock. */
	usync_clh_node_t *pred = usync_fetch_and_store(&lock->tail, c->node,
						       memory_order_acq_rel);
	/* acquire: pairs with the release of GRANTED in unlock. */
	if (atomic_load_explicit(&pred->state, memory_order_acquire) ==
	    USYNC_CLH_GRANTED) {
		took_lock(lock, c, pred);
		return 0;
	}
	/* On a timeout our node stays abandoned in the queue, its
	 * successor's to recycle, and the context ends with none. */
	return timed_wait(lock, c, pred, abstime, false);
}

static void clh_release(union usync_lock_state *s, usync_lock_ctx_t *ctx)
{
	/* The node we acquired behind has been ours alone since then: give
	 * it back before the handoff, so that the unlock's release store is
	 * our last access to the lock (the next holder may destroy it). */
	pool_push(&s->clh, ctx->u.clh.pred);
	usync_clh_unlock(&s->clh, &ctx->u.clh);
}

static int clh_set_policy(union usync_lock_state *s, usync_wait_policy_t p)
{
	return usync_clh_set_policy(&s->clh, p);
}

const struct usync_lock_ops usync_lock_ops_clh = {
	.name = "clh",
	.init = clh_init,
	.destroy = clh_destroy,
	.acquire = clh_acquire,
	.try_acquire = clh_try_acquire,
	.release = clh_release,
	.acquire_until = clh_acquire_until,
	.set_policy = clh_set_policy,
};
