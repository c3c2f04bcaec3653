/*
 * src/locks/mcs_tp.c - time-published MCS lock: the waiting side (publish
 * the time, wait, re-enqueue when passed over), the releasing side (walk
 * the queue, pass over waiters that are not running) and the generic
 * adapter.  Algorithm, FIFO promise and ordering contract: see
 * include/usync/mcs_tp.h (after He, Scherer & Scott, HiPC 2005).
 *
 * Node life cycle, for one acquisition (owner's view):
 *   prepare (next = NULL, state = WAITING) -> swap into the tail
 *   -> pred == NULL: acquired
 *   -> else stamp = now, link behind pred (release), wait:
 *        GRANTED: acquired
 *        REMOVED: the releaser has let go of the node; prepare and swap
 *                 again (the same node, the same spin state, so a parking
 *                 waiter's rounds keep counting).
 * The releaser touches a node it passes over only until its release store
 * of REMOVED, and has claimed the node's `next` before that, so the owner
 * may reuse the node at once.
 *
 * Claims and leaving (timed waiters): as in src/locks/mcs.c, whose three
 * rules hold here with the releaser's walk in the claimer's place.  The
 * edge P -> N is decided by a CAS of P->next (claim_next, or a leaver's
 * detach); N touches P only after taking N->prev (exchange with NULL) and
 * until it detaches or stores P->ack; and whoever rewrites a taken N->prev
 * waits for its own ack.  The releaser walks with a pair (pred, cur): cur
 * claimed from pred->next, pred its own node or a node it has passed over
 * and not yet let go of.  For each cur it writes its decision into
 * cur->prev (TP_PREV_GRANTED or TP_PREV_PASSED, with an exchange: a NULL
 * back means cur, leaving, may be touching pred, so it waits for pred's
 * ack), only then lets go of pred (REMOVED), and then grants cur or
 * claims cur's successor and goes on.  A leaver that takes TP_PREV_PASSED
 * waits for REMOVED and returns ETIMEDOUT: it is out of the queue already.
 */
#include "lock_internal.h"

/* A node's prev once the releaser, having claimed it, decided: hand it
 * the lock, or pass over it. */
#define TP_PREV_GRANTED ((usync_mcs_tp_node_t *)(uintptr_t)1)
#define TP_PREV_PASSED ((usync_mcs_tp_node_t *)(uintptr_t)2)

/* What a wait of the owner ends with: the releaser's decision, or our
 * deadline. */
#define TP_TIMED_OUT UINT32_MAX

/* The owner republishes its time once per this many polls (~200 ns at
 * 26 ns per pause): often enough against USYNC_MCS_TP_STALE_NS, rare
 * enough that reading the clock (~35 ns) does not slow the poll. */
#define STAMP_EVERY_POLLS 8u

/* relaxed (both): the stamp is a hint the releaser reads to choose whom to
 * hand the lock to; any recent value is correct, an old one only costs a
 * waiter its place in the queue.  Ordering of the handoff itself is carried
 * by `state`. */
static void publish_running(usync_mcs_tp_node_t *node)
{
	atomic_store_explicit(&node->stamp, usync_clock_ns(),
			      memory_order_relaxed);
}

static void publish_not_running(usync_mcs_tp_node_t *node)
{
	atomic_store_explicit(&node->stamp, 0, memory_order_relaxed);
}

/*
 * Wait until the releaser decides about our node: GRANTED or REMOVED.
 *
 * Around a sched_yield (yield and park policies) we say "not running" (stamp
 * 0) only if the previous yield of this wait gave the core away, i.e. took
 * longer than USYNC_MCS_TP_STALE_NS.  A yield that returns at once, because
 * nothing else wants the core (threads <= cores), would otherwise get us
 * passed over for the microsecond it lasts; and a yield that does switch
 * unannounced makes our stamp stale after USYNC_MCS_TP_STALE_NS anyway.
 */
static uint32_t wait_decision(usync_mcs_tp_node_t *node, usync_spin_t *spin,
			      usync_deadline_t *d)
{
	uint32_t polls = 0;
	bool yield_switches = false;
	for (;;) {
		/* acquire: pairs with the releaser's release store (or
		 * exchange) of GRANTED or REMOVED in unlock_slow: a grant
		 * publishes its critical section, a removal its last read of
		 * our `next`. */
		uint32_t v = atomic_load_explicit(&node->state,
						  memory_order_acquire) &
			     ~USYNC_PARKED;
		if (v != USYNC_MCS_TP_WAITING)
			return v;
		/* A timed wait: the deadline, read as usync_spin_pause_until
		 * does (and at once after a yield or a sleep). */
		if (d != NULL && usync_deadline_poll(d))
			return TP_TIMED_OUT;
		if (USYNC_UNLIKELY(usync_spin_should_park(spin))) {
			/* A sleeping waiter is woken and granted, not passed
			 * over (see the header); the stamp says 0 only for
			 * the instant before the PARKED bit is set. */
			publish_not_running(node);
			if (d == NULL) {
				usync_park(&node->state, USYNC_MCS_TP_WAITING);
			} else if (!usync_park_until(&node->state,
						     USYNC_MCS_TP_WAITING, d)) {
				publish_running(node);
				return TP_TIMED_OUT;
			}
			publish_running(node);
			if (d != NULL)
				d->polls = 1;
		} else if (USYNC_UNLIKELY(usync_spin_yields_next(spin))) {
			if (d != NULL)
				d->polls = 1; /* read the clock after the yield */
			uint64_t before = usync_clock_ns();
			if (yield_switches)
				publish_not_running(node);
			usync_spin_pause(spin);
			uint64_t after = usync_clock_ns();
			/* relaxed: as publish_running. */
			atomic_store_explicit(&node->stamp, after,
					      memory_order_relaxed);
			yield_switches =
				after - before > (uint64_t)USYNC_MCS_TP_STALE_NS;
		} else {
			usync_spin_pause(spin);
			if (++polls % STAMP_EVERY_POLLS == 0)
				publish_running(node);
		}
	}
}

/* Link behind pred (after the swap that returned it) and publish that we
 * run. */
static void tp_link_in(usync_mcs_tp_node_t *node, usync_mcs_tp_node_t *pred)
{
	/* relaxed: as publish_running.  "Arriving" counts as running: we
	 * are, and reading the clock before linking in would keep a
	 * releaser that is already waiting for the link waiting. */
	atomic_store_explicit(&node->stamp, USYNC_MCS_TP_ARRIVING,
			      memory_order_relaxed);
	/* relaxed: published by the release link below; the releaser (or a
	 * leaving predecessor) rewrites it with an exchange after its
	 * acquire claim of the link. */
	atomic_store_explicit(&node->prev, pred, memory_order_relaxed);
	/* release: pairs with the acquire claim of pred->next in
	 * claim_next, which then sees our node's initialisation, prev and
	 * stamp. */
	atomic_store_explicit(&pred->next, node, memory_order_release);
	publish_running(node);
}

void usync_mcs_tp_lock_slow(usync_mcs_tp_t *lock, usync_mcs_tp_node_t *node,
			    usync_mcs_tp_node_t *pred)
{
	usync_spin_t spin;
	usync_spin_init(&spin, (usync_wait_policy_t)lock->policy);
	for (;;) {
		tp_link_in(node, pred);
		if (wait_decision(node, &spin, NULL) == USYNC_MCS_TP_GRANTED)
			return;
		/* Passed over while not running: enqueue again. */
		usync_mcs_tp_node_prepare(node);
		/* acq_rel: as the swap in usync_mcs_tp_lock. */
		pred = usync_fetch_and_store(&lock->tail, node,
					     memory_order_acq_rel);
		if (pred == NULL)
			return;
	}
}

/*
 * Claim node's successor: returns it, having taken it out of node->next
 * with a CAS (the edge's decision, against the successor's detach), or
 * NULL once node was the tail and the tail has been swung from node to
 * `tail` (NULL: the queue is empty; a leaver's predecessor: the queue
 * ends there again).  Waits for a successor that has swapped in but not
 * linked yet, or that is leaving and will give node a new successor or
 * the tail; both run lock code.  There is no word to park on: under the
 * park policy this wait yields.  *waited is set if the first look found
 * nothing to claim.
 */
static usync_mcs_tp_node_t *tp_claim_next(usync_mcs_tp_t *lock,
				       usync_mcs_tp_node_t *node,
				       usync_mcs_tp_node_t *tail, bool *waited)
{
	usync_spin_t spin;
	usync_spin_init(&spin, (usync_wait_policy_t)lock->policy);
	*waited = false;
	for (;;) {
		usync_mcs_tp_node_t *next;
		/* relaxed (both): when to act; the CAS on what we found
		 * decides, with its own order. */
		while ((next = atomic_load_explicit(
				&node->next, memory_order_relaxed)) == NULL &&
		       atomic_load_explicit(&lock->tail,
					    memory_order_relaxed) != node) {
			*waited = true;
			usync_spin_pause(&spin);
		}
		if (next != NULL) {
			/* acquire: pairs with the release link (tp_link_in)
			 * or relink (tp_relink): the successor's node is then
			 * initialised as we see it.  A CAS, not an exchange,
			 * so that a claim that finds the successor gone
			 * writes nothing that could cross the relink behind
			 * us.  relaxed on failure: it detached, or a relink
			 * put another there; look again. */
			if (usync_compare_and_swap(&node->next, &next,
						   (usync_mcs_tp_node_t *)NULL,
						   memory_order_acquire,
						   memory_order_relaxed))
				return next;
			*waited = true;
			continue;
		}
		usync_mcs_tp_node_t *expected = node;
		/* release: pairs with the acquire swap/CAS of the next
		 * arrival: publishes the critical section (a releaser; the
		 * lock is free from here on) or our detach from `tail`'s node
		 * (a leaver).  acquire: the tail may be one a leaving
		 * successor swung back to us; its accesses to our node then
		 * happen before we go on.  relaxed on failure: someone
		 * swapped in, it will link. */
		if (usync_compare_and_swap(&lock->tail, &expected, tail,
					   memory_order_acq_rel,
					   memory_order_relaxed))
			return NULL;
	}
}

/* Wait until our ack is set: the successor that had taken our node as
 * its prev has let go of it.  It is running lock code. */
static void tp_wait_ack(usync_mcs_tp_t *lock, usync_mcs_tp_node_t *node)
{
	usync_spin_t spin;
	usync_spin_init(&spin, (usync_wait_policy_t)lock->policy);
	/* acquire: pairs with the successor's release store of ack in
	 * leave: its last access to our node happens before we go on. */
	while (atomic_load_explicit(&node->ack, memory_order_acquire) == 0)
		usync_spin_pause(&spin);
}

/* Write our decision (or cur's new predecessor) into cur->prev, which we
 * own by our claim of cur; pred is the node cur knew as its prev.  If cur,
 * leaving, had taken its prev, it may be touching pred: wait for pred's
 * ack. */
static void tp_rewrite_prev(usync_mcs_tp_t *lock, usync_mcs_tp_node_t *cur,
			 usync_mcs_tp_node_t *pred, usync_mcs_tp_node_t *value)
{
	/* relaxed: only cur writes it, after reading our exchange below. */
	atomic_store_explicit(&pred->ack, 0, memory_order_relaxed);
	/* release: pairs with cur's acquire read of the new value (its take
	 * or its wait in tp_leave), so our ack reset comes before its ack.
	 * No acquire needed for the NULL case: the ack we then wait for is
	 * the release that orders cur's accesses to pred. */
	if (usync_fetch_and_store(&cur->prev, value, memory_order_release) ==
	    NULL)
		tp_wait_ack(lock, pred);
}

/* Relink next, claimed from node, behind prev, from which node detached. */
static void tp_relink(usync_mcs_tp_t *lock, usync_mcs_tp_node_t *node,
		   usync_mcs_tp_node_t *prev, usync_mcs_tp_node_t *next)
{
	/* relaxed: as in tp_rewrite_prev. */
	atomic_store_explicit(&node->ack, 0, memory_order_relaxed);
	/* release: as in tp_rewrite_prev. */
	usync_mcs_tp_node_t *old = usync_fetch_and_store(&next->prev, prev,
							 memory_order_release);
	/* release: pairs with prev's acquire claim (tp_claim_next) and with
	 * next's acquire read in tp_leave.  Our last access to prev. */
	atomic_store_explicit(&prev->next, next, memory_order_release);
	if (old == NULL)
		tp_wait_ack(lock, node);
}

/* Our deadline passed while we wait: leave the queue.  true if we got the
 * lock after all (the releaser was handing it to us). */
static bool tp_leave(usync_mcs_tp_t *lock, usync_mcs_tp_node_t *node,
		  usync_spin_t *spin)
{
	/* acquire: pairs with the release exchange that wrote our prev
	 * (tp_rewrite_prev, tp_relink), so that node's fields and its ack
	 * reset are visible.  No release: a later writer that finds our
	 * NULL waits for our ack, a release of its own. */
	usync_mcs_tp_node_t *prev = usync_fetch_and_store(
		&node->prev, (usync_mcs_tp_node_t *)NULL, memory_order_acquire);
	for (;;) {
		if (prev == TP_PREV_GRANTED || prev == TP_PREV_PASSED) {
			/* The releaser claimed us and decided; its store of
			 * the state is a few instructions away.  acquire
			 * (inside): pairs with its release store of GRANTED
			 * or REMOVED, after which it does not touch us. */
			uint32_t v = usync_wait_while(
				&node->state, USYNC_MCS_TP_WAITING, spin);
			return (v & ~USYNC_PARKED) == USYNC_MCS_TP_GRANTED;
		}
		usync_mcs_tp_node_t *expected = node;
		/* acq_rel on success: release pairs with prev's acquire load
		 * or claim of its next (tp_claim_next), so our accesses to prev
		 * happen before it goes on; acquire pairs with the release
		 * link or relink.  relaxed on failure: we only wait. */
		if (usync_compare_and_swap(&prev->next, &expected,
					   (usync_mcs_tp_node_t *)NULL,
					   memory_order_acq_rel,
					   memory_order_relaxed))
			break;
		/* prev claimed us (a decision or a relink follows), or a
		 * relink behind prev is half done. */
		usync_mcs_tp_node_t *seen;
		/* acquire: pairs with the release exchange of rewrite_prev or
		 * relink.  relaxed for prev->next: only when to retry. */
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
			prev = usync_fetch_and_store(
				&node->prev, (usync_mcs_tp_node_t *)NULL,
				memory_order_acquire);
		}
	}
	/* Detached: nobody claims us now.  Give prev our successor, or the
	 * tail. */
	bool waited;
	usync_mcs_tp_node_t *next = tp_claim_next(lock, node, prev, &waited);
	if (next != NULL)
		tp_relink(lock, node, prev, next);
	return false;
}

int usync_mcs_tp_timedlock_slow(usync_mcs_tp_t *lock,
				usync_mcs_tp_node_t *node,
				const struct timespec *abstime)
{
	usync_deadline_t d;
	usync_spin_t spin;
	usync_deadline_init(&d, abstime);
	/* The queue is not empty: a deadline already past is a failed
	 * trylock, without enqueueing. */
	if (usync_deadline_passed(&d))
		return ETIMEDOUT;
	usync_spin_init(&spin, (usync_wait_policy_t)lock->policy);
	for (;;) {
		/* acq_rel: as the swap in usync_mcs_tp_lock. */
		usync_mcs_tp_node_t *pred = usync_fetch_and_store(
			&lock->tail, node, memory_order_acq_rel);
		if (pred == NULL)
			return 0;
		tp_link_in(node, pred);
		uint32_t v = wait_decision(node, &spin, &d);
		if (v == USYNC_MCS_TP_GRANTED)
			return 0;
		if (v == TP_TIMED_OUT)
			return tp_leave(lock, node, &spin) ? 0 : ETIMEDOUT;
		/* Passed over: out of the queue.  Enqueue again, unless the
		 * deadline has passed meanwhile. */
		if (usync_deadline_passed(&d))
			return ETIMEDOUT;
		usync_mcs_tp_node_prepare(node);
	}
}

/* true if the owner of `cur` is running, as far as its stamp tells, at
 * `now`. */
static bool owner_running(const usync_mcs_tp_node_t *cur, uint64_t now)
{
	/* relaxed: a hint, see publish_running. */
	uint64_t stamp = atomic_load_explicit(&cur->stamp,
					      memory_order_relaxed);
	if (stamp == 0)
		return false;
	if (stamp == USYNC_MCS_TP_ARRIVING)
		return true;
	/* Signed: a stamp published after we read the clock is in the
	 * future, and its owner certainly running. */
	return (int64_t)(now - stamp) <= (int64_t)USYNC_MCS_TP_STALE_NS;
}

void usync_mcs_tp_unlock_slow(usync_mcs_tp_t *lock, usync_mcs_tp_node_t *node)
{
	usync_wait_policy_t policy = (usync_wait_policy_t)lock->policy;
	bool waited;
	/* pred: our node, or one we passed over and still hold (not yet
	 * REMOVED), so that cur, if it is leaving, may still touch it. */
	usync_mcs_tp_node_t *pred = node;
	usync_mcs_tp_node_t *cur =
		tp_claim_next(lock, node, (usync_mcs_tp_node_t *)NULL, &waited);
	if (cur == NULL)
		return; /* the queue was emptied: the lock is free */
	/* The clock is read here, before we touch cur's line, and not when a
	 * stamp first needs it: between our read of cur's stamp and our
	 * writes to cur's line, a clock read (~35 ns) is long enough for cur's
	 * owner to poll and take the line back, and the writes then wait for
	 * it once more (measured: 2 threads, empty critical section, 470 ns
	 * per handoff read lazily, 395 ns read here). */
	uint64_t now = usync_clock_ns();
	for (;;) {
		/* We read cur's line and then write it: ask for it in the
		 * exclusive state at once, so that the read and the write
		 * cost one coherence transfer, not a shared fetch and then an
		 * upgrade.  (A hint; no ordering.) */
		__builtin_prefetch(&cur->state, 1, 3);
		/* relaxed: only to see whether the owner sleeps; the state
		 * itself is ours to write (we claimed cur). */
		bool parked = atomic_load_explicit(&cur->state,
						   memory_order_relaxed) &
			      USYNC_PARKED;
		bool grant = parked || owner_running(cur, now);
		tp_rewrite_prev(lock, cur, pred,
				grant ? TP_PREV_GRANTED : TP_PREV_PASSED);
		if (pred != node)
			/* release: pairs with the owner's acquire load in
			 * wait_decision (or leave), so our claim of its next
			 * and its successor's accesses to it happen before it
			 * prepares the node again.  Our last access to pred.
			 * Wakes the owner if it went to sleep after we
			 * looked. */
			usync_wake_store(&pred->state, USYNC_MCS_TP_REMOVED,
					 policy, 1);
		if (grant) {
			/* release: pairs with the owner's acquire load in
			 * wait_decision (or leave); publishes the critical
			 * section and wakes the owner if it sleeps. */
			usync_wake_store(&cur->state, USYNC_MCS_TP_GRANTED,
					 policy, 1);
			return;
		}
		/* Pass over cur: claim what follows it while cur is still
		 * ours.  None: the queue is empty and the lock free. */
		usync_mcs_tp_node_t *next =
			tp_claim_next(lock, cur, (usync_mcs_tp_node_t *)NULL,
				   &waited);
		if (next == NULL) {
			/* release: as for pred above. */
			usync_wake_store(&cur->state, USYNC_MCS_TP_REMOVED,
					 policy, 1);
			return;
		}
		/* That wait can be long (the arrival may be preempted
		 * between its swap and its link), and stamps compared with a
		 * `now` from before it would look current: if it waited at
		 * all, read the clock again.  (Not after a link found at
		 * once: a clock read costs ~35 ns on every pass.) */
		if (waited)
			now = usync_clock_ns();
		pred = cur;
		cur = next;
	}
}

static int mcs_tp_init(union usync_lock_state *s, unsigned max_threads)
{
	(void)max_threads;
	usync_mcs_tp_init(&s->mcs_tp);
	return 0;
}

static void mcs_tp_acquire(union usync_lock_state *s, usync_lock_ctx_t *ctx)
{
	usync_mcs_tp_lock(&s->mcs_tp, &ctx->u.mcs_tp);
}

static bool mcs_tp_try_acquire(union usync_lock_state *s,
			       usync_lock_ctx_t *ctx)
{
	return usync_mcs_tp_trylock(&s->mcs_tp, &ctx->u.mcs_tp);
}

static void mcs_tp_release(union usync_lock_state *s, usync_lock_ctx_t *ctx)
{
	usync_mcs_tp_unlock(&s->mcs_tp, &ctx->u.mcs_tp);
}

static int mcs_tp_acquire_until(union usync_lock_state *s,
				usync_lock_ctx_t *ctx,
				const struct timespec *abstime)
{
	return usync_mcs_tp_timedlock(&s->mcs_tp, &ctx->u.mcs_tp, abstime);
}

static int mcs_tp_set_policy(union usync_lock_state *s, usync_wait_policy_t p)
{
	return usync_mcs_tp_set_policy(&s->mcs_tp, p);
}

const struct usync_lock_ops usync_lock_ops_mcs_tp = {
	.name = "mcs_tp",
	.init = mcs_tp_init,
	.destroy = NULL,
	.acquire = mcs_tp_acquire,
	.try_acquire = mcs_tp_try_acquire,
	.release = mcs_tp_release,
	.acquire_until = mcs_tp_acquire_until,
	.set_policy = mcs_tp_set_policy,
};
