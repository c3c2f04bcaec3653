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
 * of REMOVED, and has read the node's `next` before that, so the owner may
 * reuse the node at once.
 */
#include "lock_internal.h"

/* The owner republishes its time once per this many polls (~200 ns at
 * 26 ns per pause): often enough against USYNC_MCS_TP_STALE_NS, rare
 * enough that reading the clock (~20 ns) does not slow the poll. */
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
static uint32_t wait_decision(usync_mcs_tp_node_t *node, usync_spin_t *spin)
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
		if (USYNC_UNLIKELY(usync_spin_should_park(spin))) {
			/* A sleeping waiter is woken and granted, not passed
			 * over (see the header); the stamp says 0 only for
			 * the instant before the PARKED bit is set. */
			publish_not_running(node);
			usync_park(&node->state, USYNC_MCS_TP_WAITING);
			publish_running(node);
		} else if (USYNC_UNLIKELY(usync_spin_yields_next(spin))) {
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

void usync_mcs_tp_lock_slow(usync_mcs_tp_t *lock, usync_mcs_tp_node_t *node,
			    usync_mcs_tp_node_t *pred)
{
	usync_spin_t spin;
	usync_spin_init(&spin, (usync_wait_policy_t)lock->policy);
	for (;;) {
		/* relaxed: as publish_running.  "Arriving" counts as running:
		 * we are, and reading the clock before linking in would keep
		 * a releaser that is already waiting for the link waiting. */
		atomic_store_explicit(&node->stamp, USYNC_MCS_TP_ARRIVING,
				      memory_order_relaxed);
		/* release: pairs with the releaser's acquire load of
		 * pred->next (wait_next / unlock_slow), which then sees our
		 * node's initialisation and stamp. */
		atomic_store_explicit(&pred->next, node, memory_order_release);
		publish_running(node);
		if (wait_decision(node, &spin) == USYNC_MCS_TP_GRANTED)
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

/* The successor of node, once it has linked in (it has swapped itself into
 * the tail, so it will).  There is no word to park on: under the park
 * policy this wait yields.  *waited is set if the link was not there at
 * the first look. */
static usync_mcs_tp_node_t *wait_next(usync_mcs_tp_t *lock,
				      usync_mcs_tp_node_t *node, bool *waited)
{
	usync_spin_t spin;
	usync_mcs_tp_node_t *next;
	usync_spin_init(&spin, (usync_wait_policy_t)lock->policy);
	*waited = false;
	/* acquire: pairs with the successor's release store of the link in
	 * usync_mcs_tp_lock_slow: its node's fields are then visible. */
	while ((next = atomic_load_explicit(&node->next,
					    memory_order_acquire)) == NULL) {
		*waited = true;
		usync_spin_pause(&spin);
	}
	return next;
}

/* true if the owner of `cur` is running, as far as its stamp tells; *now is
 * read from the clock the first time it is needed. */
static bool owner_running(const usync_mcs_tp_node_t *cur, uint64_t *now)
{
	/* relaxed: a hint, see publish_running. */
	uint64_t stamp = atomic_load_explicit(&cur->stamp,
					      memory_order_relaxed);
	if (stamp == 0)
		return false;
	if (stamp == USYNC_MCS_TP_ARRIVING)
		return true;
	if (*now == 0)
		*now = usync_clock_ns();
	/* Signed: a stamp published after we read the clock is in the
	 * future, and its owner certainly running. */
	return (int64_t)(*now - stamp) <= (int64_t)USYNC_MCS_TP_STALE_NS;
}

void usync_mcs_tp_unlock_slow(usync_mcs_tp_t *lock, usync_mcs_tp_node_t *node)
{
	usync_wait_policy_t policy = (usync_wait_policy_t)lock->policy;
	bool waited;
	usync_mcs_tp_node_t *cur = wait_next(lock, node, &waited);
	uint64_t now = 0;
	for (;;) {
		/* We read cur's line and then write it: ask for it in the
		 * exclusive state at once, so that the read and the write
		 * cost one coherence transfer, not a shared fetch and then an
		 * upgrade.  (A hint; no ordering.) */
		__builtin_prefetch(&cur->state, 1, 3);
		/* relaxed: only to see whether the owner sleeps; the state
		 * itself is ours to write (we hold the lock). */
		bool parked = atomic_load_explicit(&cur->state,
						   memory_order_relaxed) &
			      USYNC_PARKED;
		if (parked || owner_running(cur, &now)) {
			/* release: pairs with the owner's acquire load in
			 * wait_decision; publishes the critical section and
			 * wakes the owner if it sleeps. */
			usync_wake_store(&cur->state, USYNC_MCS_TP_GRANTED,
					 policy, 1);
			return;
		}
		/* Pass over cur.  First find what follows it, while cur is
		 * still ours to read.  acquire: as in wait_next. */
		usync_mcs_tp_node_t *next =
			atomic_load_explicit(&cur->next, memory_order_acquire);
		if (next == NULL) {
			usync_mcs_tp_node_t *expected = cur;
			/* cur is the last node: empty the queue.  release:
			 * pairs with the acquire swap/CAS of the next arrival,
			 * publishing the critical section (the lock is free
			 * from here on).  relaxed on failure: an arrival is
			 * linking in behind cur; wait for it. */
			if (usync_compare_and_swap(&lock->tail, &expected,
						   (usync_mcs_tp_node_t *)NULL,
						   memory_order_release,
						   memory_order_relaxed)) {
				/* release: as below. */
				usync_wake_store(&cur->state,
						 USYNC_MCS_TP_REMOVED, policy,
						 1);
				return;
			}
			next = wait_next(lock, cur, &waited);
			/* That wait can be long (the arrival may be
			 * preempted between its swap and its link), and
			 * stamps compared with a `now` from before it would
			 * look current: if it waited at all, read the clock
			 * again when next needed.  (Not after a link found at
			 * once: a clock read costs ~20 ns on every pass.) */
			if (waited)
				now = 0;
		}
		/* release: pairs with the owner's acquire load in
		 * wait_decision, so our read of cur->next above happens
		 * before the owner prepares the node again.  Our last access
		 * to cur.  Wakes the owner if it went to sleep after we
		 * looked. */
		usync_wake_store(&cur->state, USYNC_MCS_TP_REMOVED, policy, 1);
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
	.set_policy = mcs_tp_set_policy,
};
