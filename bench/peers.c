/*
 * bench/peers.c - the peers behind the same vtable as the usync series:
 * Concurrency Kit 0.7.1 spin locks and barriers, and pthread mutexes,
 * spin locks and barriers.  (liburcu is in workloads/readmostly.c: it is
 * not a lock.)
 *
 * ck's locks are used through their documented inline API; ck spins with
 * ck_pr_stall() (PAUSE) and never yields.
 */
#define _GNU_SOURCE
#include "adapters.h"
#include "workloads/lock_loops.h"

#include <ck_barrier.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static void free_lock(void *lock)
{
	free(lock);
}

/* ck fas: test-and-test-and-set on one word. */
static int ck_fas_create(void **out, unsigned n, int policy)
{
	(void)n;
	(void)policy;
	ck_spinlock_fas_t *l = bench_alloc_lines(sizeof *l);
	if (l == NULL)
		return ENOMEM;
	ck_spinlock_fas_init(l);
	*out = l;
	return 0;
}
static inline void ck_fas_acq(void *l, union lock_ctx *c)
{
	(void)c;
	ck_spinlock_fas_lock(l);
}
static inline void ck_fas_rel(void *l, union lock_ctx *c)
{
	(void)c;
	ck_spinlock_fas_unlock(l);
}
LOCK_SERIES_LOOPS(ck_fas)

/* ck fas with ck's exponential backoff (ck_spinlock_fas_lock_eb:
 * ck_backoff_eb between swap attempts). */
#define ck_fas_eb_create ck_fas_create
static inline void ck_fas_eb_acq(void *l, union lock_ctx *c)
{
	(void)c;
	ck_spinlock_fas_lock_eb(l);
}
#define ck_fas_eb_rel ck_fas_rel
LOCK_SERIES_LOOPS(ck_fas_eb)

/* ck ticket, and ticket with proportional backoff (c = 0: back off for
 * as many ck_backoff_eb rounds' worth as tickets ahead, ck's default
 * scaling). */
static int ck_ticket_create(void **out, unsigned n, int policy)
{
	(void)n;
	(void)policy;
	ck_spinlock_ticket_t *l = bench_alloc_lines(sizeof *l);
	if (l == NULL)
		return ENOMEM;
	ck_spinlock_ticket_init(l);
	*out = l;
	return 0;
}
static inline void ck_ticket_acq(void *l, union lock_ctx *c)
{
	(void)c;
	ck_spinlock_ticket_lock(l);
}
static inline void ck_ticket_rel(void *l, union lock_ctx *c)
{
	(void)c;
	ck_spinlock_ticket_unlock(l);
}
LOCK_SERIES_LOOPS(ck_ticket)
#define ck_ticket_pb_create ck_ticket_create
static inline void ck_ticket_pb_acq(void *l, union lock_ctx *c)
{
	(void)c;
	ck_spinlock_ticket_lock_pb(l, 0);
}
#define ck_ticket_pb_rel ck_ticket_rel
LOCK_SERIES_LOOPS(ck_ticket_pb)

/* ck anderson: the lock header and a slot array of a power of two >= n
 * (ck packs slots 8 bytes apart: waiters share lines, as ck ships it). */
struct ck_anderson_box {
	ck_spinlock_anderson_t lock;
	ck_spinlock_anderson_thread_t *slots;
};
static int ck_anderson_create(void **out, unsigned n, int policy)
{
	(void)policy;
	unsigned count = 1;
	while (count < n)
		count *= 2;
	struct ck_anderson_box *b = bench_alloc_lines(sizeof *b);
	if (b == NULL)
		return ENOMEM;
	b->slots = bench_alloc_lines(sizeof *b->slots * count);
	if (b->slots == NULL) {
		free(b);
		return ENOMEM;
	}
	ck_spinlock_anderson_init(&b->lock, b->slots, count);
	*out = b;
	return 0;
}
static void ck_anderson_destroy(void *l)
{
	struct ck_anderson_box *b = l;
	free(b->slots);
	free(b);
}
static inline void ck_anderson_acq(void *l, union lock_ctx *c)
{
	ck_spinlock_anderson_lock(&((struct ck_anderson_box *)l)->lock,
				  &c->ck_anderson);
}
static inline void ck_anderson_rel(void *l, union lock_ctx *c)
{
	ck_spinlock_anderson_unlock(&((struct ck_anderson_box *)l)->lock,
				    c->ck_anderson);
}
LOCK_SERIES_LOOPS(ck_anderson)

/* ck mcs: the lock is the tail pointer; the context is the node. */
static int ck_mcs_create(void **out, unsigned n, int policy)
{
	(void)n;
	(void)policy;
	ck_spinlock_mcs_t *l = bench_alloc_lines(sizeof *l);
	if (l == NULL)
		return ENOMEM;
	ck_spinlock_mcs_init(l);
	*out = l;
	return 0;
}
static inline void ck_mcs_acq(void *l, union lock_ctx *c)
{
	ck_spinlock_mcs_lock(l, &c->ck_mcs);
}
static inline void ck_mcs_rel(void *l, union lock_ctx *c)
{
	ck_spinlock_mcs_unlock(l, &c->ck_mcs);
}
LOCK_SERIES_LOOPS(ck_mcs)

/* ck clh: the tail pointer plus n + 1 nodes (one per thread and the
 * initial unowned one), each on its own line.  A thread's node pointer
 * migrates (unlock hands it its predecessor's node), so nodes are freed
 * with the lock, never per thread. */
struct ck_clh_box {
	USYNC_ALIGNED struct ck_spinlock_clh *tail;
	unsigned nnodes;
	_Atomic(unsigned) next_node; /* hands out nodes to ctx_init */
	char *nodes; /* nnodes lines */
};
static int ck_clh_create(void **out, unsigned n, int policy)
{
	(void)policy;
	struct ck_clh_box *b = bench_alloc_lines(sizeof *b);
	if (b == NULL)
		return ENOMEM;
	b->nnodes = n + 1;
	b->nodes = bench_alloc_lines((size_t)USYNC_CACHELINE * b->nnodes);
	if (b->nodes == NULL) {
		free(b);
		return ENOMEM;
	}
	ck_spinlock_clh_init(&b->tail, (struct ck_spinlock_clh *)b->nodes);
	/* relaxed: set-up, published by the trial's start gate. */
	atomic_store_explicit(&b->next_node, 1, memory_order_relaxed);
	*out = b;
	return 0;
}
static void ck_clh_destroy(void *l)
{
	struct ck_clh_box *b = l;
	free(b->nodes);
	free(b);
}
static int ck_clh_ctx_init(void *l, union lock_ctx *c)
{
	struct ck_clh_box *b = l;
	/* relaxed: only distinctness matters; the node is published to other
	 * threads by ck's own swap on the tail. */
	unsigned i = atomic_fetch_add_explicit(&b->next_node, 1,
					       memory_order_relaxed);
	if (i >= b->nnodes)
		return EAGAIN;
	c->ck_clh = (struct ck_spinlock_clh *)(b->nodes +
					       (size_t)i * USYNC_CACHELINE);
	return 0;
}
static inline void ck_clh_acq(void *l, union lock_ctx *c)
{
	ck_spinlock_clh_lock(&((struct ck_clh_box *)l)->tail, c->ck_clh);
}
static inline void ck_clh_rel(void *l, union lock_ctx *c)
{
	(void)l;
	ck_spinlock_clh_unlock(&c->ck_clh);
}
LOCK_SERIES_LOOPS(ck_clh)

/* pthread mutex (default or adaptive) and spin lock. */
static int mutex_create(void **out, int type)
{
	pthread_mutex_t *m = bench_alloc_lines(sizeof *m);
	pthread_mutexattr_t a;
	if (m == NULL)
		return ENOMEM;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, type);
	int err = pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
	if (err) {
		free(m);
		return err;
	}
	*out = m;
	return 0;
}
static int pt_mutex_create(void **out, unsigned n, int policy)
{
	(void)n;
	(void)policy;
	return mutex_create(out, PTHREAD_MUTEX_DEFAULT);
}
static int pt_mutex_adaptive_create(void **out, unsigned n, int policy)
{
	(void)n;
	(void)policy;
	return mutex_create(out, PTHREAD_MUTEX_ADAPTIVE_NP);
}
static void pt_mutex_destroy(void *l)
{
	pthread_mutex_destroy(l);
	free(l);
}
static inline void pt_mutex_acq(void *l, union lock_ctx *c)
{
	(void)c;
	pthread_mutex_lock(l);
}
static inline void pt_mutex_rel(void *l, union lock_ctx *c)
{
	(void)c;
	pthread_mutex_unlock(l);
}
LOCK_SERIES_LOOPS(pt_mutex)
/* pthread_mutex_clocklock: the timed lock on CLOCK_MONOTONIC, as usync's. */
static inline int pt_mutex_tacq(void *l, union lock_ctx *c,
				const struct timespec *ts)
{
	(void)c;
	return pthread_mutex_clocklock(l, CLOCK_MONOTONIC, ts);
}
LOCK_SERIES_TIMED(pt_mutex)
/* pthread_cond with the mutex: the condition-variable workload's peer. */
static inline void pt_mutex_cwait(struct lock_job *j, void *l,
				  union lock_ctx *c, int cv)
{
	(void)c;
	pthread_cond_wait(&j->pcond[cv], l);
}
static inline void pt_mutex_csignal(struct lock_job *j, int cv)
{
	pthread_cond_signal(&j->pcond[cv]);
}
static inline void pt_mutex_cbroadcast(struct lock_job *j, int cv)
{
	pthread_cond_broadcast(&j->pcond[cv]);
}
LOCK_SERIES_COND(pt_mutex)

static int pt_spin_create(void **out, unsigned n, int policy)
{
	(void)n;
	(void)policy;
	/* pthread_spinlock_t is a volatile int: keep the allocation as a
	 * plain pointer for free(). */
	void *mem = bench_alloc_lines(sizeof(pthread_spinlock_t));
	if (mem == NULL)
		return ENOMEM;
	int err = pthread_spin_init((pthread_spinlock_t *)mem,
				    PTHREAD_PROCESS_PRIVATE);
	if (err) {
		free(mem);
		return err;
	}
	*out = mem;
	return 0;
}
static void pt_spin_destroy(void *l)
{
	pthread_spin_destroy(l);
	free(l);
}
static inline void pt_spin_acq(void *l, union lock_ctx *c)
{
	(void)c;
	pthread_spin_lock(l);
}
static inline void pt_spin_rel(void *l, union lock_ctx *c)
{
	(void)c;
	pthread_spin_unlock(l);
}
LOCK_SERIES_LOOPS(pt_spin)

#define PEER(nm, im, alg, id, cr, de, ci)                                  \
	{ .name = nm, .impl = im, .algorithm = alg, .policy = -1,          \
	  .create = cr, .destroy = de, .ctx_init = ci,                     \
	  LOCK_SERIES_FNS(id) }

const struct lock_series peer_lock_table[] = {
	PEER("ck:fas", "ck", "fas", ck_fas, ck_fas_create, free_lock, NULL),
	PEER("ck:fas-eb", "ck", "fas-eb", ck_fas_eb, ck_fas_create, free_lock,
	     NULL),
	PEER("ck:ticket", "ck", "ticket", ck_ticket, ck_ticket_create,
	     free_lock, NULL),
	PEER("ck:ticket_pb", "ck", "ticket_pb", ck_ticket_pb, ck_ticket_create,
	     free_lock, NULL),
	PEER("ck:anderson", "ck", "anderson", ck_anderson, ck_anderson_create,
	     ck_anderson_destroy, NULL),
	PEER("ck:mcs", "ck", "mcs", ck_mcs, ck_mcs_create, free_lock, NULL),
	PEER("ck:clh", "ck", "clh", ck_clh, ck_clh_create, ck_clh_destroy,
	     ck_clh_ctx_init),
	{ .name = "pthread:mutex", .impl = "pthread", .algorithm = "mutex",
	  .policy = -1, .create = pt_mutex_create,
	  .destroy = pt_mutex_destroy, LOCK_SERIES_FNS(pt_mutex),
	  .timed = pt_mutex_timed, .cond = pt_mutex_cond },
	{ .name = "pthread:mutex-adaptive", .impl = "pthread",
	  .algorithm = "mutex-adaptive", .policy = -1,
	  .create = pt_mutex_adaptive_create, .destroy = pt_mutex_destroy,
	  LOCK_SERIES_FNS(pt_mutex), .timed = pt_mutex_timed,
	  .cond = pt_mutex_cond },
	PEER("pthread:spin", "pthread", "spin", pt_spin, pt_spin_create,
	     pt_spin_destroy, NULL),
};
const unsigned peer_lock_table_len =
	sizeof peer_lock_table / sizeof peer_lock_table[0];

/* ---------------------------------------------------------------- barriers */

/* Each ck barrier: a box holding the barrier and what it needs, and a
 * per-thread state on its own line. */
struct ckb {
	unsigned n;
	void *a, *b; /* algorithm-specific allocations */
	union {
		ck_barrier_centralized_t centralized;
		ck_barrier_combining_t combining;
		ck_barrier_tournament_t tournament;
	} u;
	/* ck's dissemination and MCS barriers are arrays of n. */
	ck_barrier_dissemination_t *dissemination;
	ck_barrier_mcs_t *mcs;
};

union ckb_state {
	ck_barrier_centralized_state_t centralized;
	struct {
		ck_barrier_combining_state_t state;
		ck_barrier_combining_group_t *group;
	} combining;
	ck_barrier_dissemination_state_t dissemination;
	ck_barrier_tournament_state_t tournament;
	ck_barrier_mcs_state_t mcs;
};

/* Combining tree: groups of up to 4 threads under ck's root group. */
#define CKB_GROUP 4u

static int ckb_create(void **out, unsigned n, int policy, const char *alg)
{
	(void)policy;
	struct ckb *b = bench_alloc_lines(sizeof *b);
	if (b == NULL)
		return ENOMEM;
	b->n = n;
	int ok = 1;
	if (strcmp(alg, "centralized") == 0) {
		b->u.centralized = (ck_barrier_centralized_t)
			CK_BARRIER_CENTRALIZED_INITIALIZER;
	} else if (strcmp(alg, "combining") == 0) {
		unsigned ngroups = (n + CKB_GROUP - 1) / CKB_GROUP;
		ck_barrier_combining_group_t *g =
			bench_alloc_lines(sizeof *g * (ngroups + 1));
		ok = g != NULL;
		if (ok) {
			b->a = g;
			ck_barrier_combining_init(&b->u.combining, &g[ngroups]);
			for (unsigned i = 0; i < ngroups; i++) {
				unsigned k = n - i * CKB_GROUP;
				ck_barrier_combining_group_init(
					&b->u.combining, &g[i],
					k < CKB_GROUP ? k : CKB_GROUP);
			}
		}
	} else if (strcmp(alg, "dissemination") == 0) {
		unsigned size = ck_barrier_dissemination_size(n);
		ck_barrier_dissemination_flag_t **flags =
			calloc(n, sizeof *flags);
		ok = flags != NULL;
		for (unsigned i = 0; ok && i < n; i++)
			ok = (flags[i] = bench_alloc_lines(
				      sizeof **flags * (size ? size : 1))) != NULL;
		b->a = flags;
		b->dissemination = bench_alloc_lines(
			sizeof *b->dissemination * n);
		ok = ok && b->dissemination != NULL;
		if (ok)
			ck_barrier_dissemination_init(b->dissemination, flags,
						      n);
	} else if (strcmp(alg, "tournament") == 0) {
		unsigned size = ck_barrier_tournament_size(n);
		ck_barrier_tournament_round_t **rounds =
			calloc(n, sizeof *rounds);
		ok = rounds != NULL;
		for (unsigned i = 0; ok && i < n; i++)
			ok = (rounds[i] = bench_alloc_lines(
				      sizeof **rounds * (size ? size : 1))) != NULL;
		b->a = rounds;
		if (ok)
			ck_barrier_tournament_init(&b->u.tournament, rounds, n);
	} else if (strcmp(alg, "mcs") == 0) {
		b->mcs = bench_alloc_lines(sizeof *b->mcs * n);
		ok = b->mcs != NULL;
		if (ok)
			ck_barrier_mcs_init(b->mcs, n);
	} else {
		free(b);
		return EINVAL;
	}
	b->b = (void *)alg; /* the algorithm name, for dispatch */
	*out = b;
	return ok ? 0 : ENOMEM; /* on ENOMEM the caller destroys */
}

static void ckb_destroy(void *p)
{
	struct ckb *b = p;
	const char *alg = b->b;
	if (b->a && (strcmp(alg, "dissemination") == 0 ||
		     strcmp(alg, "tournament") == 0)) {
		void **arr = b->a;
		for (unsigned i = 0; i < b->n; i++)
			free(arr[i]);
	}
	free(b->a);
	free(b->dissemination);
	free(b->mcs);
	free(b);
}

static int ckb_thread_init(void *p, unsigned tid, void **state)
{
	struct ckb *b = p;
	const char *alg = b->b;
	union ckb_state *s = bench_alloc_lines(sizeof *s);
	if (s == NULL)
		return ENOMEM;
	if (strcmp(alg, "centralized") == 0) {
		s->centralized = (ck_barrier_centralized_state_t)
			CK_BARRIER_CENTRALIZED_STATE_INITIALIZER;
	} else if (strcmp(alg, "combining") == 0) {
		s->combining.state = (ck_barrier_combining_state_t)
			CK_BARRIER_COMBINING_STATE_INITIALIZER;
		s->combining.group =
			(ck_barrier_combining_group_t *)b->a + tid / CKB_GROUP;
	} else if (strcmp(alg, "dissemination") == 0) {
		ck_barrier_dissemination_subscribe(b->dissemination,
						   &s->dissemination);
	} else if (strcmp(alg, "tournament") == 0) {
		ck_barrier_tournament_subscribe(&b->u.tournament,
						&s->tournament);
	} else {
		ck_barrier_mcs_subscribe(b->mcs, &s->mcs);
	}
	*state = s;
	return 0;
}

static void ckb_thread_fini(void *p, void *state)
{
	(void)p;
	free(state);
}

#define CKB_WAIT(alg, call)                                                \
	static void ckb_wait_##alg(void *p, void *state, unsigned tid)     \
	{                                                                  \
		struct ckb *b = p;                                         \
		union ckb_state *s = state;                                \
		(void)tid;                                                 \
		(void)b;                                                   \
		(void)s;                                                   \
		call;                                                      \
	}
CKB_WAIT(centralized, ck_barrier_centralized(&b->u.centralized,
					     &s->centralized, b->n))
CKB_WAIT(combining, ck_barrier_combining(&b->u.combining, s->combining.group,
					 &s->combining.state))
CKB_WAIT(dissemination, ck_barrier_dissemination(b->dissemination,
						 &s->dissemination))
CKB_WAIT(tournament, ck_barrier_tournament(&b->u.tournament, &s->tournament))
CKB_WAIT(mcs, ck_barrier_mcs(b->mcs, &s->mcs))

/* pthread_barrier_t */
static int ptb_create(void **out, unsigned n, int policy, const char *alg)
{
	(void)policy;
	(void)alg;
	pthread_barrier_t *b = bench_alloc_lines(sizeof *b);
	if (b == NULL)
		return ENOMEM;
	int err = pthread_barrier_init(b, NULL, n);
	if (err) {
		free(b);
		return err;
	}
	*out = b;
	return 0;
}
static void ptb_destroy(void *b)
{
	pthread_barrier_destroy(b);
	free(b);
}
static int ptb_thread_init(void *b, unsigned tid, void **state)
{
	(void)b;
	(void)tid;
	*state = NULL;
	return 0;
}
static void ptb_wait(void *b, void *state, unsigned tid)
{
	(void)state;
	(void)tid;
	pthread_barrier_wait(b);
}

#define CKB(alg)                                                           \
	{ .name = "ck:" #alg, .impl = "ck", .algorithm = #alg, .policy = -1, \
	  .create = ckb_create, .destroy = ckb_destroy,                    \
	  .thread_init = ckb_thread_init, .thread_fini = ckb_thread_fini,  \
	  .wait = ckb_wait_##alg }

const struct barrier_series peer_barrier_table[] = {
	CKB(centralized),
	CKB(combining),
	CKB(mcs),
	CKB(tournament),
	CKB(dissemination),
	{ .name = "pthread:barrier", .impl = "pthread",
	  .algorithm = "barrier", .policy = -1, .create = ptb_create,
	  .destroy = ptb_destroy, .thread_init = ptb_thread_init,
	  .thread_fini = ckb_thread_fini, .wait = ptb_wait },
};
const unsigned peer_barrier_table_len =
	sizeof peer_barrier_table / sizeof peer_barrier_table[0];
