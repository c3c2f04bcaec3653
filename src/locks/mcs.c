/*
 * src/locks/mcs.c - MCS queue lock: contended acquire and release, timed
 * acquisition, generic adapter.  Algorithm, FIFO promise (arrival order),
 * context and ordering contract: see include/usync/mcs.h (MCS'91 section
 * 2.4, figure 5).
 *
 * Leaving the queue (a timed waiter whose deadline passed).  Words of a
 * node N used by it, besides MCS'91's next and locked:
 *   N->prev  the predecessor; NULL while N's owner, leaving, has taken it
 *            (it is then working on that predecessor's node); GRANTED once
 *            the predecessor has claimed N to hand it the lock.
 * An untimed waiter (usync_mcs_lock) links in with USYNC_MCS_NEXT_UNTIMED
 * in the pointer: it never leaves, so nothing races for the edge to it,
 * and its predecessor hands it the lock with MCS'91's one store
 * (usync_mcs_unlock), neither claiming it nor exchanging its prev.  The
 * rules below are for timed successors; a claim or a relink carries an
 * untimed successor's mark along with the pointer.
 *   N->ack   set to 1 by N's successor when it no longer touches N.
 *
 * Three rules make every access to another thread's node safe although
 * nodes live on their owners' stacks:
 *   1. The edge P -> N is decided by P->next: P claims N with a CAS of
 *      P->next from N to NULL (claim_next), N detaches from P with the
 *      same CAS (leave).  Exactly one succeeds.  The claimer then owes N
 *      a grant or a relink; the detacher owes P a new next (or the tail).
 *      A node that has lost its next waits, in claim_next, until it has a
 *      new one or is the tail again, so it stays alive for its detacher.
 *   2. N touches P only between taking N->prev (exchange with NULL: it
 *      returned P) and either detaching or storing P->ack = 1.
 *   3. Whoever rewrites N->prev (a claimer: GRANTED by grant, or the new
 *      predecessor by relink) does it with an exchange; if that returns
 *      NULL, N had taken it and may be touching the writer's node, so the
 *      writer waits for its own ack before it returns.  N, seeing its prev
 *      rewritten, stores the ack and takes prev again.
 * Leaving, step by step (N, predecessor P, successor S):
 *   A. take N->prev; GRANTED: wait for `locked` and take the lock.  Else
 *      CAS P->next from N to NULL.  If that fails, P has claimed N (or a
 *      relink behind P is half done): wait until N->prev is rewritten
 *      (ack P, take it again, retry) or P->next is N again (retry).
 *   B. claim N's own successor (claim_next, with P as the tail to restore
 *      if N is the last node): none, and the tail is P again: done.
 *   C. relink S behind P: exchange S->prev to P (rule 3), then P->next = S
 *      (release: P's claim reads it), then wait for N's ack if owed.
 * No grant is lost: a releaser grants only a successor it has claimed, and
 * a claimed successor that was leaving takes the lock (step A: GRANTED).
 */
#include "lock_internal.h"

/* N->prev once N's predecessor has claimed N to hand it the lock. */
#define GRANTED ((usync_mcs_node_t *)(uintptr_t)1)

/*
 * The handoff to a running waiter (usync/spin.h) needs, in the waiter W
 * next in line, the CPU of the holder H it waits for, also while H has
 * been granted the lock but is not running yet: that is when W would
 * yield and the next handoff would go to a descheduled thread.  W may not
 * read H's node once it has linked in (the node can be gone), so the hint
 * comes to W's own node.  H's predecessor G, just before it grants an
 * untimed H, reads H's cpu word (stored by H as its wait began) and H's
 * next; if that is an untimed W, which waits on its node until H grants
 * it (so the node is alive), G stores H's CPU in W's pred_held.  Nothing
 * else writes pred_held, and W's node was reset before the swap that
 * queued it, so it never names a thread that is still waiting.  A W that
 * links in after G's grant, and a W or H that is a timed waiter, gets no
 * hint: W then yields as before.  G does this only when its own wait
 * spent a budget (node->hint): without oversubscription a handoff writes
 * nothing more.  The accesses are relaxed, a hint paces a wait and orders
 * nothing, but for the one load that finds W (mcs_hint_successor).
 */
static int mcs_holder_cpu(const void *arg)
{
	const usync_mcs_node_t *node = arg;
	/* relaxed: a hint. */
	uint32_t cpu =
		atomic_load_explicit(&node->pred_held, memory_order_relaxed);
	return cpu == 0 ? USYNC_CPU_UNKNOWN : (int)(cpu - 1);
}

/* About to grant next (untagged), an untimed successor: pass its CPU to
 * its own untimed successor. */
static void mcs_hint_successor(const usync_mcs_node_t *node,
			       usync_mcs_node_t *next)
{
#if USYNC_SPIN_EXTEND_MAX
	if (node->hint == 0)
		return;
	/* next waits until we grant it, so its node is alive; its
	 * successor, untimed, waits until next grants it.  acquire: pairs
	 * with that successor's release link (or a relink's release store),
	 * so that its node's making (its memory, the reset of pred_held)
	 * happens before our store to it.  After a relaxed load nothing
	 * would order that store after the node's allocation: a data race
	 * in C11, which ThreadSanitizer reports. */
	usync_mcs_node_t *after =
		atomic_load_explicit(&next->next, memory_order_acquire);
	if ((uintptr_t)after & USYNC_MCS_NEXT_UNTIMED)
		/* relaxed (both): a hint. */
		atomic_store_explicit(
			&usync_mcs_untag(after)->pred_held,
			atomic_load_explicit(&next->cpu, memory_order_relaxed),
			memory_order_relaxed);
#else
	(void)node;
	(void)next;
#endif
}

void usync_mcs_lock_slow(usync_mcs_t *lock, usync_mcs_node_t *node,
			 usync_mcs_node_t *pred)
{
	usync_spin_t spin;
	/* relaxed: published by the release link below; the predecessor's
	 * grant reads it with an exchange after its acquire claim. */
	atomic_store_explicit(&node->prev, pred, memory_order_relaxed);
	/* release: pairs with the predecessor's acquire load of `next` in
	 * usync_mcs_unlock (or its acquire claim in claim_next), which then
	 * sees our node's initialisation (locked = 1, prev) before it clears
	 * `locked`.  Marked: we never leave. */
	atomic_store_explicit(&pred->next,
			      (usync_mcs_node_t *)((uintptr_t)node |
						   USYNC_MCS_NEXT_UNTIMED),
			      memory_order_release);
#if USYNC_SPIN_EXTEND_MAX
	/* After the link: a predecessor releasing now waits for it.  A
	 * grant that comes before this store reads the CPU of this node's
	 * last owner, most likely our own thread: a hint either way. */
	int cpu = usync_spin_cpu();
	/* relaxed: a hint. */
	atomic_store_explicit(&node->cpu, cpu < 0 ? 0u : (uint32_t)cpu + 1,
			      memory_order_relaxed);
#endif
	usync_spin_init(&spin, (usync_wait_policy_t)lock->policy);
	/* acquire (inside usync_wait_while_behind): pairs with the
	 * predecessor's release of 0 in grant; parks on our own node. */
	usync_wait_while_behind(&node->locked, 1, &spin, mcs_holder_cpu, node);
#if USYNC_SPIN_EXTEND_MAX
	/* Only after a long wait: a store to our node's line here, which the
	 * grant has just written, would cost every short handoff a
	 * transfer. */
	if (spin.rounds != 0)
		node->hint = 1;
#endif
}

/*
 * Claim node's successor: returns it, having taken it out of node->next
 * (rule 1), or returns NULL once node was the tail and the tail has been
 * swung from node to `tail` (NULL: the lock is free; a leaver's
 * predecessor: the queue ends there again).  Waits for a successor that
 * has swapped itself in but not linked yet, or that is leaving and will
 * give node a new successor or the tail (both run lock code).  There is no
 * word to park on: under the park policy this wait yields.
 */
static usync_mcs_node_t *claim_next(usync_mcs_t *lock, usync_mcs_node_t *node,
				    usync_mcs_node_t *tail)
{
	usync_spin_t spin;
	usync_spin_init(&spin, (usync_wait_policy_t)lock->policy);
	for (;;) {
		usync_mcs_node_t *next;
		/* relaxed (both): when to act; the CAS on what we found
		 * decides, with its own order. */
		while ((next = atomic_load_explicit(
				&node->next, memory_order_relaxed)) == NULL &&
		       atomic_load_explicit(&lock->tail,
					    memory_order_relaxed) != node)
			usync_spin_pause(&spin);
		if (next != NULL) {
			/* acquire: pairs with the successor's release link
			 * (usync_mcs_lock_slow, timedlock_slow) or a leaver's
			 * release relink (relink): the successor's node is
			 * then initialised as we see it.  An atomic claim,
			 * not a load, decides against the successor's
			 * detaching CAS (rule 1); a CAS rather than an
			 * exchange, so that a claim that finds the successor
			 * gone writes nothing that could cross the relink
			 * behind us.  relaxed on failure: it detached, or a
			 * relink put another there; look again. */
			if (usync_compare_and_swap(&node->next, &next,
						   (usync_mcs_node_t *)NULL,
						   memory_order_acquire,
						   memory_order_relaxed))
				return next;
			continue;
		}
		usync_mcs_node_t *expected = node;
		/* release: pairs with the acquire swap/CAS of the next
		 * arrival, publishing the critical section (for a releaser)
		 * or our detach from `tail`'s node (for a leaver: the arrival
		 * links into tail->next after it).  acquire: the tail may be
		 * the one a leaving successor swung back to us; its detach of
		 * our next then happens before we return.  relaxed on
		 * failure: someone swapped in, it will link. */
		if (usync_compare_and_swap(&lock->tail, &expected, tail,
					   memory_order_acq_rel,
					   memory_order_relaxed))
			return NULL;
	}
}

/* Wait until our ack is set: the successor that had taken our node as
 * its prev has let go of it (rule 3).  It is running lock code. */
static void wait_ack(usync_mcs_t *lock, usync_mcs_node_t *node)
{
	usync_spin_t spin;
	usync_spin_init(&spin, (usync_wait_policy_t)lock->policy);
	/* acquire: pairs with the successor's release store of ack in
	 * leave: its last access to our node happens before we return. */
	while (atomic_load_explicit(&node->ack, memory_order_acquire) == 0)
		usync_spin_pause(&spin);
}

/* Hand the lock to next, which we have claimed. */
static void grant(usync_mcs_t *lock, usync_mcs_node_t *node,
		  usync_mcs_node_t *next)
{
	/* relaxed: only next writes it, after reading our exchange below. */
	atomic_store_explicit(&node->ack, 0, memory_order_relaxed);
	/* release: pairs with next's acquire read of GRANTED (its take in
	 * leave, or the wait there), so our reset of ack comes before its
	 * store of 1.  NULL: next had taken its prev and may be touching our
	 * node (rule 3); no acquire needed, the ack we then wait for is the
	 * release that orders those accesses. */
	usync_mcs_node_t *prev = usync_fetch_and_store(&next->prev, GRANTED,
						       memory_order_release);
	if (prev == NULL)
		wait_ack(lock, node);
	/* release: pairs with next's acquire load of `locked`; publishes the
	 * critical section, wakes next if it parked.  Our last access to
	 * next (the futex wake aside, which tolerates a reused word). */
	usync_wake_store(&next->locked, 0, (usync_wait_policy_t)lock->policy,
			 1);
}

void usync_mcs_unlock_slow(usync_mcs_t *lock, usync_mcs_node_t *node)
{
	usync_mcs_node_t *next =
		claim_next(lock, node, (usync_mcs_node_t *)NULL);
	if (next == NULL)
		return;
	if ((uintptr_t)next & USYNC_MCS_NEXT_UNTIMED) {
		mcs_hint_successor(node, usync_mcs_untag(next));
		/* release: as in usync_mcs_unlock (an untimed successor that
		 * linked in while we looked, or one we give the hint). */
		usync_wake_store(&usync_mcs_untag(next)->locked, 0,
				 (usync_wait_policy_t)lock->policy, 1);
	} else
		grant(lock, node, next);
}

/* Step C: put next, claimed from node, behind prev, from which node has
 * detached. */
static void relink(usync_mcs_t *lock, usync_mcs_node_t *node,
		   usync_mcs_node_t *prev, usync_mcs_node_t *next)
{
	/* relaxed: as in grant. */
	atomic_store_explicit(&node->ack, 0, memory_order_relaxed);
	/* release: as in grant (next's acquire read of its new prev; the
	 * ack orders the NULL case).  An untimed next never reads it. */
	usync_mcs_node_t *old = usync_fetch_and_store(
		&usync_mcs_untag(next)->prev, prev, memory_order_release);
	/* release: pairs with prev's acquire claim (claim_next) and with
	 * next's acquire read in leave: next's node, and that next->prev is
	 * prev, are visible to whoever finds the link.  Our last access to
	 * prev.  next keeps its untimed mark. */
	atomic_store_explicit(&prev->next, next, memory_order_release);
	if (old == NULL)
		wait_ack(lock, node);
}

/* Our deadline passed while we wait: leave the queue.  true if we got the
 * lock after all (our predecessor was handing it over). */
static bool leave(usync_mcs_t *lock, usync_mcs_node_t *node,
		  usync_spin_t *spin)
{
	/* acquire: pairs with the release exchange that wrote our prev
	 * (grant, relink), so that node's fields, and the writer's reset of
	 * its ack, are visible.  No release: a later writer that finds our
	 * NULL waits for our ack, a release of its own. */
	usync_mcs_node_t *prev = usync_fetch_and_store(
		&node->prev, (usync_mcs_node_t *)NULL, memory_order_acquire);
	for (;;) {
		if (prev == GRANTED) {
			/* acquire (inside): pairs with grant's release of 0;
			 * a few instructions away. */
			usync_wait_while(&node->locked, 1, spin);
			return true;
		}
		usync_mcs_node_t *expected = node;
		/* acq_rel on success: release pairs with prev's acquire
		 * load or claim of its next (claim_next): our accesses to
		 * prev so far happen before it goes on; acquire pairs with
		 * the release link or relink that made us prev's next.
		 * relaxed on failure: we only wait, and re-read below. */
		if (usync_compare_and_swap(&prev->next, &expected,
					   (usync_mcs_node_t *)NULL,
					   memory_order_acq_rel,
					   memory_order_relaxed))
			break;
		/* prev claimed us (a grant or a relink follows), or a relink
		 * behind prev is half done.  Wait for either. */
		usync_mcs_node_t *seen;
		/* acquire: pairs with the release exchange of grant or
		 * relink.  relaxed for prev->next: only when to retry; the
		 * CAS above reads it again. */
		while ((seen = atomic_load_explicit(&node->prev,
						    memory_order_acquire)) ==
			       NULL &&
		       atomic_load_explicit(&prev->next,
					    memory_order_relaxed) != node)
			usync_spin_pause(spin);
		if (seen != NULL) {
			/* release: pairs with the acquire load in prev's
			 * wait_ack: our last access to prev. */
			atomic_store_explicit(&prev->ack, 1,
					      memory_order_release);
			/* acquire: as the first take. */
			prev = usync_fetch_and_store(&node->prev,
						     (usync_mcs_node_t *)NULL,
						     memory_order_acquire);
		}
	}
	/* Detached from prev: nobody claims us now, nobody writes our prev.
	 * Give prev our successor, or the tail. */
	usync_mcs_node_t *next = claim_next(lock, node, prev);
	if (next != NULL)
		relink(lock, node, prev, next);
	return false;
}

int usync_mcs_timedlock_slow(usync_mcs_t *lock, usync_mcs_node_t *node,
			     const struct timespec *abstime)
{
	usync_deadline_t d;
	usync_spin_t spin;
	usync_deadline_init(&d, abstime);
	/* The queue is not empty: a deadline already past is a failed
	 * trylock, without enqueueing. */
	if (usync_deadline_passed(&d))
		return ETIMEDOUT;
	/* acq_rel: as the swap in usync_mcs_lock. */
	usync_mcs_node_t *pred = usync_fetch_and_store(&lock->tail, node,
						       memory_order_acq_rel);
	if (pred == NULL)
		return 0;
	/* relaxed: published by the release link, as in lock_slow. */
	atomic_store_explicit(&node->prev, pred, memory_order_relaxed);
	/* release: as in usync_mcs_lock_slow. */
	atomic_store_explicit(&pred->next, node, memory_order_release);
	usync_spin_init(&spin, (usync_wait_policy_t)lock->policy);
	uint32_t seen;
	/* acquire (inside): pairs with grant's release of 0. */
	if (usync_wait_while_deadline(&node->locked, 1, &seen, &spin, &d))
		return 0;
	return leave(lock, node, &spin) ? 0 : ETIMEDOUT;
}

static int mcs_init(union usync_lock_state *s, unsigned max_threads)
{
	(void)max_threads;
	usync_mcs_init(&s->mcs);
	return 0;
}

static void mcs_acquire(union usync_lock_state *s, usync_lock_ctx_t *ctx)
{
	usync_mcs_lock(&s->mcs, &ctx->u.mcs);
}

static bool mcs_try_acquire(union usync_lock_state *s, usync_lock_ctx_t *ctx)
{
	return usync_mcs_trylock(&s->mcs, &ctx->u.mcs);
}

static void mcs_release(union usync_lock_state *s, usync_lock_ctx_t *ctx)
{
	usync_mcs_unlock(&s->mcs, &ctx->u.mcs);
}

static int mcs_acquire_until(union usync_lock_state *s, usync_lock_ctx_t *ctx,
			     const struct timespec *abstime)
{
	return usync_mcs_timedlock(&s->mcs, &ctx->u.mcs, abstime);
}

static int mcs_set_policy(union usync_lock_state *s, usync_wait_policy_t p)
{
	return usync_mcs_set_policy(&s->mcs, p);
}

const struct usync_lock_ops usync_lock_ops_mcs = {
	.name = "mcs",
	.init = mcs_init,
	.destroy = NULL,
	.acquire = mcs_acquire,
	.try_acquire = mcs_try_acquire,
	.release = mcs_release,
	.acquire_until = mcs_acquire_until,
	.set_policy = mcs_set_policy,
};
