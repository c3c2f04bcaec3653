/*
 * src/locks/ticket.c - ticket lock: proportional-backoff wait and generic
 * adapter.  Algorithm, FIFO promise (arrival order) and ordering contract:
 * see include/usync/ticket.h (MCS'91 section 2.2).
 */
#include "lock_internal.h"

/*
 * Park table: 1024 words, each the sleeping place of the waiters whose
 * (lock, ticket) hashes to it.  A word holds a free-running value plus
 * USYNC_PARKED while someone may sleep on it.  Packed, not padded: a word is
 * written only when a thread goes to sleep or is woken, never on a handoff
 * to a spinning waiter.
 */
#define PARK_TABLE_SIZE 1024u
static _Atomic(uint32_t) park_table[PARK_TABLE_SIZE];

/* The hash of (lock, ticket) that every process-wide table is indexed by. */
static uintptr_t ticket_hash(const usync_ticket_t *lock, uint32_t ticket)
{
	uintptr_t key = ((uintptr_t)lock / USYNC_CACHELINE) * 0x9e3779b1u +
			ticket * 0x85ebca6bu;
	return key ^ (key >> 15);
}

static _Atomic(uint32_t) *park_word(const usync_ticket_t *lock, uint32_t ticket)
{
	return &park_table[ticket_hash(lock, ticket) % PARK_TABLE_SIZE];
}

#if USYNC_SPIN_EXTEND_MAX
/*
 * Holders' CPUs, for the handoff to a running waiter (usync_spin_extend,
 * usync/spin.h).  A thread that enters a slow path records the CPU it runs
 * on under (lock, ticket), tagged with the ticket's low 16 bits; the
 * waiter next in line reads the entry of the ticket being served when its
 * budget runs out.  An entry whose tag does not match (the holder took the
 * fast path, or another key hashed here since) reads as unknown, and the
 * waiter yields as it would without it.  A hint only: every access is
 * relaxed and orders nothing, a stale or overwritten entry costs at most a
 * few budgets of spinning or a yield, and the store is made once per
 * contended acquisition, on a line that no handoff waits for.
 */
#define TICKET_CPU_TAG(ticket) ((ticket) << 16)
static _Atomic(uint32_t) ticket_holder_cpus[PARK_TABLE_SIZE];

static _Atomic(uint32_t) *ticket_holder_cpu_entry(const usync_ticket_t *lock,
						  uint32_t ticket)
{
	return &ticket_holder_cpus[ticket_hash(lock, ticket) %
				   PARK_TABLE_SIZE];
}

static void ticket_publish_cpu(const usync_ticket_t *lock, uint32_t ticket)
{
	int cpu = usync_spin_cpu();
	if (cpu < 0 || cpu > 0xffff)
		return;
	/* relaxed: a hint (above). */
	atomic_store_explicit(ticket_holder_cpu_entry(lock, ticket),
			      TICKET_CPU_TAG(ticket) | (uint32_t)cpu,
			      memory_order_relaxed);
}

/* Next in line behind `serving`, with the budget about to run out. */
static void ticket_extend_behind(const usync_ticket_t *lock,
				 uint32_t serving, usync_spin_t *spin,
				 uint32_t *extended)
{
	/* relaxed: a hint (above). */
	uint32_t e = atomic_load_explicit(
		ticket_holder_cpu_entry(lock, serving), memory_order_relaxed);
	if ((e & 0xffff0000u) == TICKET_CPU_TAG(serving))
		usync_spin_extend(spin, (int)(e & 0xffffu), extended);
}
#else
static void ticket_publish_cpu(const usync_ticket_t *lock, uint32_t ticket)
{
	(void)lock;
	(void)ticket;
}

static void ticket_extend_behind(const usync_ticket_t *lock,
				 uint32_t serving, usync_spin_t *spin,
				 uint32_t *extended)
{
	(void)lock;
	(void)serving;
	(void)spin;
	(void)extended;
}
#endif

/*
 * Abandoned tickets (timed acquisition; the protocol is in
 * include/usync/ticket.h, "Timed acquisition", and docs/memory-ordering.md
 * section 12).  A timed waiter that leaves while a later ticket exists
 * cannot give its ticket back; it marks it abandoned in this process-wide
 * table instead, under the exact key (lock, ticket), and whoever finds the
 * ticket being served, or last in line, settles it (ticket_settle).
 *
 * An entry's state word holds a version in bits 2-31 and one of FREE,
 * ABANDONED, BUSY in bits 0-1; every transition adds MARK_VERSION, so a
 * CAS made on what a thread read earlier fails once the entry has moved
 * on, whatever it moved to (no ABA on a recycled entry).  Transitions:
 *   FREE -> BUSY -> ABANDONED          mark_publish (the leaver)
 *   ABANDONED -> BUSY                  mark_claim (one settler wins)
 *   BUSY -> FREE                       mark_free (the winner, done)
 *   BUSY -> ABANDONED                  mark_unclaim (a give-back that lost
 *                                      to a newcomer)
 *   ABANDONED -> FREE                  ticket_reclaim (the leaver, back)
 * An ABANDONED entry's ticket lies in [now_serving, next_ticket): it is
 * claimed before either counter moves past it.
 *
 * Entries are found by linear probing over MARK_PROBES slots from the
 * hashed home.  marks_live counts published entries (a hint read before
 * looking, so that a releaser pays nothing while no ticket is abandoned);
 * marks_epoch counts publications, so that a waiter looks again only when
 * now_serving or the epoch has changed since it last looked.
 */
#ifndef USYNC_TICKET_MARKS
#define USYNC_TICKET_MARKS 4096u
#endif
#ifndef USYNC_TICKET_MARK_PROBES
#define USYNC_TICKET_MARK_PROBES 16u
#endif
#define MARK_PROBES                                                            \
	(USYNC_TICKET_MARK_PROBES < USYNC_TICKET_MARKS                         \
		 ? USYNC_TICKET_MARK_PROBES                                    \
		 : USYNC_TICKET_MARKS)

enum { MARK_FREE = 0, MARK_ABANDONED = 1, MARK_BUSY = 2, MARK_STATE = 3,
       MARK_VERSION = 4 };

struct ticket_mark {
	_Atomic(uintptr_t) lock;  /* the key: written while BUSY, */
	_Atomic(uint32_t) ticket; /* published by the ABANDONED store */
	_Atomic(uint32_t) state;  /* version | MARK_* */
};

static struct ticket_mark marks[USYNC_TICKET_MARKS];
static _Atomic(uint32_t) marks_live;
static _Atomic(uint32_t) marks_epoch;

static uint32_t mark_next(uint32_t state, uint32_t to)
{
	return ((state & ~(uint32_t)MARK_STATE) + MARK_VERSION) | to;
}

static struct ticket_mark *mark_slot(const usync_ticket_t *lock,
				     uint32_t ticket, uint32_t probe)
{
	return &marks[(ticket_hash(lock, ticket) + probe) % USYNC_TICKET_MARKS];
}

/* Publish (lock, ticket) as abandoned: false if no slot within the probe
 * window is free.  The caller then runs ticket_settle, whose fence orders
 * the publication before its reads of the counters. */
static bool mark_publish(const usync_ticket_t *lock, uint32_t ticket)
{
	for (uint32_t probe = 0; probe < MARK_PROBES; probe++) {
		struct ticket_mark *m = mark_slot(lock, ticket, probe);
		/* relaxed: a free slot is taken by the CAS below, and nothing
		 * is read through it before the key is written. */
		uint32_t state = atomic_load_explicit(&m->state,
						      memory_order_relaxed);
		if ((state & MARK_STATE) != MARK_FREE)
			continue;
		uint32_t busy = mark_next(state, MARK_BUSY);
		/* relaxed: only takes the slot; the key is published below. */
		if (!usync_compare_and_swap(&m->state, &state, busy,
					    memory_order_relaxed,
					    memory_order_relaxed))
			continue;
		/* relaxed: published by the release store of the state. */
		atomic_store_explicit(&m->lock, (uintptr_t)lock,
				      memory_order_relaxed);
		atomic_store_explicit(&m->ticket, ticket, memory_order_relaxed);
		/* relaxed: a hint, ordered before the caller's fence (see
		 * usync_ticket_unlock_park). */
		atomic_fetch_add_explicit(&marks_live, 1, memory_order_relaxed);
		/* release: pairs with the acquire load in mark_find, so that
		 * a finder that reads ABANDONED reads this key. */
		atomic_store_explicit(&m->state,
				      mark_next(busy, MARK_ABANDONED),
				      memory_order_release);
		/* release: pairs with the acquire load in ticket_skip: a
		 * waiter that sees the new epoch finds the entry. */
		atomic_fetch_add_explicit(&marks_epoch, 1, memory_order_release);
		return true;
	}
	return false;
}

/* The entry abandoning (lock, ticket), its state in *state; NULL if none. */
static struct ticket_mark *mark_find(const usync_ticket_t *lock,
				     uint32_t ticket, uint32_t *state)
{
	for (uint32_t probe = 0; probe < MARK_PROBES; probe++) {
		struct ticket_mark *m = mark_slot(lock, ticket, probe);
		/* acquire: pairs with the release store in mark_publish (or
		 * mark_unclaim): the key read next is this entry's. */
		uint32_t s = atomic_load_explicit(&m->state,
						  memory_order_acquire);
		/* relaxed: the key, ordered by the acquire above.  A key
		 * rewritten since by a new owner goes with a new version, so
		 * a CAS on s fails. */
		if ((s & MARK_STATE) == MARK_ABANDONED &&
		    atomic_load_explicit(&m->lock, memory_order_relaxed) ==
			    (uintptr_t)lock &&
		    atomic_load_explicit(&m->ticket, memory_order_relaxed) ==
			    ticket) {
			*state = s;
			return m;
		}
	}
	return NULL;
}

/* Take an abandoned entry to settle it: true for the one thread that wins. */
static bool mark_claim(struct ticket_mark *m, uint32_t state)
{
	/* relaxed: the RMW arbitrates between settlers (and the leaver's
	 * reclaim); the winner's next writes (now_serving, next_ticket) are
	 * ordered by their own orders, and it reads nothing through the
	 * entry. */
	return usync_compare_and_swap(&m->state, &state,
				      mark_next(state, MARK_BUSY),
				      memory_order_relaxed,
				      memory_order_relaxed);
}

/* The winner is done: the ticket has been served or given back. */
static void mark_free(struct ticket_mark *m, uint32_t state)
{
	/* relaxed: a later owner takes the slot by CAS and publishes its own
	 * key; nobody acts on a FREE entry. */
	atomic_store_explicit(&m->state, mark_next(state, MARK_FREE),
			      memory_order_relaxed);
	/* relaxed: a hint (see mark_publish). */
	atomic_fetch_sub_explicit(&marks_live, 1, memory_order_relaxed);
}

static void mark_unclaim(struct ticket_mark *m, uint32_t busy)
{
	/* release: pairs with the acquire load in mark_find; the key was
	 * published to us by the same chain.  The caller's next fence (at
	 * the top of ticket_settle) orders it before the caller's re-check,
	 * as in mark_publish. */
	atomic_store_explicit(&m->state, mark_next(busy, MARK_ABANDONED),
			      memory_order_release);
	/* release: as in mark_publish. */
	atomic_fetch_add_explicit(&marks_epoch, 1, memory_order_release);
}

/*
 * Settle abandoned tickets from t on, if they are this thread's to
 * settle; one loop for every caller, so that each round re-reads the
 * counters after its fence:
 *  - t being served (now_serving == t): claim it and serve t + 1 (a skip),
 *    then look at t + 1 the same way;
 *  - t last (next_ticket == t + 1): claim it and give it back (CAS
 *    next_ticket t + 1 -> t), then look at t - 1; if a newcomer took t + 1
 *    first, unclaim it and look again;
 *  - else a later ticket exists: its owner, its leaver or the releaser of
 *    t settles t.  Also if t is not marked, or claimed by another.
 * served: the caller has just stored now_serving = t (a releaser under
 * park): the sleepers of the ticket finally served are woken at the end.
 *
 * The fence at the top of each round is one of a store-buffering pair: a
 * leaver (or unclaimer) writes the mark, fences, reads next_ticket and
 * now_serving; a leaver that gave back t + 1 writes next_ticket, fences,
 * reads t's mark; a releaser under park writes now_serving, fences, reads
 * the mark.  Of each pair at least one sees the other's write.  A waiter
 * (ticket_skip) writes nothing before it looks and polls again: its first
 * round needs no fence (fence false).
 */
static void
ticket_settle(usync_ticket_t *lock, uint32_t t, bool fence,
			  bool served)
{
	for (;; fence = true) {
		/* seq_cst: pairs with this same fence in the other party of
		 * each pair above. */
		if (fence)
			atomic_thread_fence(memory_order_seq_cst);
		uint32_t state;
		struct ticket_mark *m = NULL;
		/* relaxed: ordered by the fence; a count that misses a mark
		 * means the count's increment, made before the marker's fence,
		 * follows our fence: the marker sees our write instead. */
		if (atomic_load_explicit(&marks_live, memory_order_relaxed) != 0)
			m = mark_find(lock, t, &state);
		if (m == NULL)
			break;
		/* acquire: pairs with the release store of now_serving that
		 * served t (an unlock, or a skip below): a thread that skips t
		 * passes on the happens-before chain to t + 1. */
		uint32_t serving = atomic_load_explicit(&lock->now_serving,
							memory_order_acquire);
		if (serving == t) {
			/* Served, and nobody will take it: skip it. */
			if (!mark_claim(m, state))
				continue;
			mark_free(m, mark_next(state, MARK_BUSY));
			t++;
			/* release: pairs with the acquire loads of now_serving
			 * (lock, trylock, the waits, this function). */
			atomic_store_explicit(&lock->now_serving, t,
					      memory_order_release);
			served = true;
			continue;
		}
		/* relaxed: ordered by the fence; the CAS below decides. */
		uint32_t next = atomic_load_explicit(&lock->next_ticket,
						     memory_order_relaxed);
		if (next != t + 1)
			break;
		/* Last in line: give it back. */
		if (!mark_claim(m, state))
			continue;
		uint32_t busy = mark_next(state, MARK_BUSY);
		uint32_t expected = t + 1;
		/* relaxed: the write of a give-back, ordered before the next
		 * round's read of t - 1's mark by the fence at its top.  The
		 * RMW reads the latest next_ticket: it fails exactly when a
		 * newcomer has taken t + 1. */
		if (usync_compare_and_swap(&lock->next_ticket, &expected, t,
					   memory_order_relaxed,
					   memory_order_relaxed)) {
			mark_free(m, busy);
			t--;
			continue;
		}
		mark_unclaim(m, busy);
	}
	if (served && lock->policy == USYNC_WAIT_PARK) {
		/* t is the ticket we served last.  The fence at the top of the
		 * round that found no mark orders our store before this read
		 * (see usync_ticket_unlock_park). */
		_Atomic(uint32_t) *word = park_word(lock, t);
		/* relaxed: ordered by the fence above. */
		if (atomic_load_explicit(word, memory_order_relaxed) &
		    USYNC_PARKED) {
			/* relaxed: bump the value (so a sleeper that has not
			 * yet called futex_wait will not sleep) and clear the
			 * mark. */
			uint32_t old = atomic_load_explicit(word,
							    memory_order_relaxed);
			while (!usync_compare_and_swap(
				word, &old, (old + 1) & ~USYNC_PARKED,
				memory_order_relaxed, memory_order_relaxed))
				;
			/* All sleepers of the word: the served one and any
			 * hash collisions, which re-check and sleep again. */
			usync_futex_wake(word, 0x7fffffff);
		}
	}
}

/*
 * The caller's last abandoned ticket, so that its next timedlock on the
 * same lock can take it back (keep its place in line) instead of adding a
 * mark: a thread retrying a lock stuck held adds at most one.
 */
static _Thread_local const usync_ticket_t *left_lock;
static _Thread_local uint32_t left_ticket;

static bool ticket_reclaim(usync_ticket_t *lock, uint32_t *ticket)
{
	if (left_lock != lock)
		return false;
	left_lock = NULL;
	uint32_t state;
	struct ticket_mark *m = mark_find(lock, left_ticket, &state);
	/* relaxed: arbitrates against the settlers' mark_claim; a win means
	 * the ticket was never served nor given back, and is ours again.
	 * Our wait then acquires as any waiter does. */
	if (m == NULL ||
	    !usync_compare_and_swap(&m->state, &state,
				    mark_next(state, MARK_FREE),
				    memory_order_relaxed, memory_order_relaxed))
		return false;
	/* relaxed: a hint (see mark_publish). */
	atomic_fetch_sub_explicit(&marks_live, 1, memory_order_relaxed);
	*ticket = left_ticket;
	return true;
}

/*
 * Leave the line at the deadline: false only if the ticket could neither
 * be given back nor marked (the table full around its home).
 */
static bool ticket_leave(usync_ticket_t *lock, uint32_t ticket)
{
	uint32_t expected = ticket + 1;
	/* relaxed: a give-back, ordered before the read of ticket - 1's
	 * mark by ticket_settle's fence.  The RMW reads the latest
	 * next_ticket, so it fails exactly when a later ticket was taken;
	 * nothing is published (we never entered). */
	if (usync_compare_and_swap(&lock->next_ticket, &expected, ticket,
				   memory_order_relaxed, memory_order_relaxed)) {
		/* ticket - 1 may be an abandoned ticket, now last. */
		ticket_settle(lock, ticket - 1, true, false);
		return true;
	}
	if (!mark_publish(lock, ticket))
		return false;
	left_lock = lock;
	left_ticket = ticket;
	ticket_settle(lock, ticket, true, false);
	return true;
}

/*
 * Sleep until now_serving reaches ticket or our word changes.  The sleeper
 * marks the word (RMW), then reads now_serving; the releaser stores
 * now_serving, then reads the word.  Both sides fence seq_cst between their
 * write and their read (the store-buffering pattern), so at least one of
 * them sees the other: the sleeper sees its turn and does not sleep, or the
 * releaser sees the mark and wakes it.
 */
static void park_ticket(usync_ticket_t *lock, uint32_t ticket)
{
	_Atomic(uint32_t) *word = park_word(lock, ticket);
	/* relaxed: ordered against now_serving by the fence below.  Always
	 * an RMW that writes (even when another sleeper has set the mark
	 * already), so that this thread's own write precedes its fence:
	 * the store-buffering argument needs a write on each side. */
	uint32_t seen = atomic_fetch_or_explicit(word, USYNC_PARKED,
						 memory_order_relaxed) &
			~USYNC_PARKED;
	/* seq_cst: pairs with the fence in usync_ticket_unlock_park. */
	atomic_thread_fence(memory_order_seq_cst);
	/* relaxed: a check only; the caller re-reads now_serving with
	 * acquire before it enters. */
	if (atomic_load_explicit(&lock->now_serving, memory_order_relaxed) ==
	    ticket)
		return;
	/* Sleeps only if no releaser has bumped the word since our mark. */
	usync_futex_wait(word, seen | USYNC_PARKED);
}

void usync_ticket_unlock_park(usync_ticket_t *lock, uint32_t serving)
{
	/* release: pairs with the acquire load of now_serving in the waiter
	 * of ticket `serving`; publishes the critical section. */
	atomic_store_explicit(&lock->now_serving, serving,
			      memory_order_release);
	/* The fence (in ticket_settle) pairs with the fence in park_ticket:
	 * the sleeper's mark against our store; and with the one of a leaver
	 * that marked `serving` abandoned: either we see its mark, or it sees
	 * our store and skips the ticket itself.  Sleepers do not poll, so
	 * under this policy the releaser is who skips. */
	ticket_settle(lock, serving, true, true);
}

/*
 * A waiter that sees an abandoned ticket being served skips it (spin and
 * yield: releasers do not look for marks; see ticket_settle).  It looks
 * when now_serving or marks_epoch has changed since its last look, so that
 * a poll that changes nothing writes nothing (and the model checker takes
 * the wait for a spin loop).  No fence: a waiter is no party to the
 * store-buffering pairs (it writes nothing before it looks), and it looks
 * again at every change.
 *
 * Snapshot, then look, then wait for a change from the snapshot: every
 * publication the snapshot counts is found by the look (the acquire), and
 * one it does not count moves the epoch later, which ends the wait.  (The
 * other order, wait, look if the snapshot taken before the wait was not 0,
 * then snapshot, lost the process's first abandonment when the wait ended
 * on now_serving: tests/test_ticket_first_leave.c.)
 */
void usync_ticket_lock_slow(usync_ticket_t *lock, uint32_t ticket)
{
	usync_spin_t spin;
	usync_spin_init(&spin, (usync_wait_policy_t)lock->policy);
	uint32_t extended = 0; /* budgets renewed behind a running holder */
	ticket_publish_cpu(lock, ticket);
	uint32_t looked = ticket; /* now_serving at the last look */
	bool look = false;        /* something moved: look before waiting */
	for (;; look = true) {
		/* acquire: pairs with the release increment in mark_publish
		 * (and mark_unclaim): a waiter that reads the epoch of a
		 * publication finds the entry in the look that follows. */
		uint32_t epoch = atomic_load_explicit(&marks_epoch,
						      memory_order_acquire);
		/* Epoch 0: no ticket was ever abandoned in this process. */
		if (USYNC_UNLIKELY(look && epoch != 0))
			ticket_settle(lock, looked, false, false);
		/* The wait proper: polls that change nothing write nothing.
		 * It ends when our turn comes, or when now_serving or the
		 * epoch moves (then look for an abandoned ticket). */
		for (;;) {
			/* acquire: pairs with the release store in
			 * usync_ticket_unlock (or usync_ticket_unlock_park, or
			 * a skip in ticket_settle) that serves our ticket. */
			uint32_t serving = atomic_load_explicit(
				&lock->now_serving, memory_order_acquire);
			uint32_t ahead = ticket - serving; /* wraps */
			if (ahead == 0)
				return;
			/* relaxed: a change only sends us to look; the look's
			 * acquire is the load above the loop. */
			if (USYNC_UNLIKELY(
				    serving != looked ||
				    atomic_load_explicit(&marks_epoch,
							 memory_order_relaxed) !=
					    epoch)) {
				looked = serving;
				break;
			}
			if (USYNC_UNLIKELY(usync_spin_should_park(&spin)))
				park_ticket(lock, ticket);
			else if (ahead > 1)
				/* Proportional backoff: those ahead need about
				 * this long to pass the lock along. */
				usync_spin_delay(&spin,
						 (ahead - 1) *
							 USYNC_TICKET_BACKOFF_STEPS);
			else {
				/* Next in line: see ticket_holder_cpus. */
				if (USYNC_SPIN_EXTEND_MAX &&
				    USYNC_UNLIKELY(
					    usync_spin_yields_next(&spin)))
					ticket_extend_behind(lock, serving,
							     &spin, &extended);
				usync_spin_pause(&spin);
			}
		}
	}
}

/* As park_ticket, giving up at the deadline: false once it has passed. */
static bool park_ticket_until(usync_ticket_t *lock, uint32_t ticket,
			      usync_deadline_t *d)
{
	if (usync_deadline_passed(d))
		return false;
	_Atomic(uint32_t) *word = park_word(lock, ticket);
	/* relaxed: as in park_ticket. */
	uint32_t seen = atomic_fetch_or_explicit(word, USYNC_PARKED,
						 memory_order_relaxed) &
			~USYNC_PARKED;
	/* seq_cst: pairs with the fence in usync_ticket_unlock_park, as in
	 * park_ticket. */
	atomic_thread_fence(memory_order_seq_cst);
	/* relaxed: a check only; the caller re-reads with acquire. */
	if (atomic_load_explicit(&lock->now_serving, memory_order_relaxed) ==
	    ticket)
		return true;
	/* A timed-out sleep leaves the mark: the releaser of our ticket (or
	 * its settler) then makes one futex_wake that finds nobody. */
	if (usync_futex_wait_until(word, seen | USYNC_PARKED, d->abstime) ==
	    ETIMEDOUT)
		return false;
	return !usync_deadline_passed(d);
}

enum { WAIT_SERVED, WAIT_MOVED, WAIT_EXPIRED };

/* The timed wait proper, as the inner loop of usync_ticket_lock_slow:
 * WAIT_SERVED when our turn has come, WAIT_MOVED when now_serving (then in
 * *looked) or the epoch has moved, WAIT_EXPIRED at the deadline. */
static int ticket_wait_until(usync_ticket_t *lock, uint32_t ticket,
			     uint32_t *looked, uint32_t epoch,
			     usync_spin_t *spin, uint32_t *extended,
			     usync_deadline_t *d)
{
	for (;;) {
		/* acquire: as in usync_ticket_lock_slow. */
		uint32_t serving = atomic_load_explicit(&lock->now_serving,
							memory_order_acquire);
		uint32_t ahead = ticket - serving;
		if (ahead == 0)
			return WAIT_SERVED;
		/* relaxed: as in usync_ticket_lock_slow. */
		if (USYNC_UNLIKELY(serving != *looked ||
				   atomic_load_explicit(&marks_epoch,
							memory_order_relaxed) !=
					   epoch)) {
			*looked = serving;
			return WAIT_MOVED;
		}
		if (USYNC_UNLIKELY(usync_spin_should_park(spin))) {
			if (!park_ticket_until(lock, ticket, d))
				return WAIT_EXPIRED;
		} else if (ahead > 1) {
			usync_spin_delay(spin, (ahead - 1) *
						       USYNC_TICKET_BACKOFF_STEPS);
			/* The clock every USYNC_DEADLINE_POLLS delays: a
			 * delay is a few relax steps per waiter ahead. */
			if (usync_deadline_poll(d))
				return WAIT_EXPIRED;
		} else {
			/* Next in line: as in usync_ticket_lock_slow. */
			if (USYNC_SPIN_EXTEND_MAX &&
			    USYNC_UNLIKELY(usync_spin_yields_next(spin)))
				ticket_extend_behind(lock, serving, spin,
						     extended);
			if (!usync_spin_pause_until(spin, d))
				return WAIT_EXPIRED;
		}
	}
}

int usync_ticket_timedlock_slow(usync_ticket_t *lock,
				const struct timespec *abstime)
{
	usync_deadline_t d;
	usync_spin_t spin;
	usync_deadline_init(&d, abstime);
	usync_spin_init(&spin, (usync_wait_policy_t)lock->policy);
	/* A deadline already past: the caller's trylock was the attempt. */
	if (usync_deadline_passed(&d))
		return ETIMEDOUT;
	uint32_t ticket;
	if (!ticket_reclaim(lock, &ticket))
		/* relaxed: as in usync_ticket_lock. */
		ticket = usync_fetch_and_increment(&lock->next_ticket,
						   memory_order_relaxed);
	uint32_t looked = ticket; /* as in usync_ticket_lock_slow */
	uint32_t extended = 0;
	ticket_publish_cpu(lock, ticket);
	for (bool look = false;; look = true) {
		/* acquire: as in usync_ticket_lock_slow (snapshot, look,
		 * wait). */
		uint32_t epoch = atomic_load_explicit(&marks_epoch,
						      memory_order_acquire);
		/* Epoch 0: no ticket was ever abandoned. */
		if (USYNC_UNLIKELY(look && epoch != 0))
			ticket_settle(lock, looked, false, false);
		int r = ticket_wait_until(lock, ticket, &looked, epoch, &spin,
					  &extended, &d);
		if (r == WAIT_SERVED)
			return 0;
		if (r == WAIT_MOVED)
			continue;
		if (USYNC_LIKELY(ticket_leave(lock, ticket)))
			return ETIMEDOUT;
		/* No mark slot free around this ticket's home: it cannot be
		 * left behind, so wait for it as an untimed lock does (see
		 * "Timed acquisition" in ticket.h). */
		usync_ticket_lock_slow(lock, ticket);
		return 0;
	}
}

static int ticket_init(union usync_lock_state *s, unsigned max_threads)
{
	(void)max_threads;
	usync_ticket_init(&s->ticket);
	return 0;
}

static void ticket_acquire(union usync_lock_state *s, usync_lock_ctx_t *ctx)
{
	(void)ctx;
	usync_ticket_lock(&s->ticket);
}

static int ticket_acquire_until(union usync_lock_state *s,
				usync_lock_ctx_t *ctx,
				const struct timespec *abstime)
{
	(void)ctx;
	return usync_ticket_timedlock(&s->ticket, abstime);
}

static bool ticket_try_acquire(union usync_lock_state *s,
			       usync_lock_ctx_t *ctx)
{
	(void)ctx;
	return usync_ticket_trylock(&s->ticket);
}

static void ticket_release(union usync_lock_state *s, usync_lock_ctx_t *ctx)
{
	(void)ctx;
	usync_ticket_unlock(&s->ticket);
}

static int ticket_set_policy(union usync_lock_state *s, usync_wait_policy_t p)
{
	return usync_ticket_set_policy(&s->ticket, p);
}

const struct usync_lock_ops usync_lock_ops_ticket = {
	.name = "ticket",
	.init = ticket_init,
	.destroy = NULL,
	.acquire = ticket_acquire,
	.try_acquire = ticket_try_acquire,
	.release = ticket_release,
	.acquire_until = ticket_acquire_until,
	.set_policy = ticket_set_policy,
};
