/*
 * bench/usync_adapters.c - every usync lock through its per-algorithm API
 * (inline fast paths, as an application would use them), plus MCS through
 * the generic API ("mcs-generic", to show the dispatch cost), and every
 * usync barrier.
 */
#include "adapters.h"
#include "workloads/lock_loops.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void *bench_alloc_lines(size_t size)
{
	size = (size + USYNC_CACHELINE - 1) / USYNC_CACHELINE * USYNC_CACHELINE;
	void *p = aligned_alloc(USYNC_CACHELINE, size ? size : USYNC_CACHELINE);
	if (p)
		memset(p, 0, size);
	return p;
}

static void free_lock(void *lock)
{
	free(lock);
}

/* usync's condition variable: the same signal and broadcast for every
 * lock. */
#define U_COND_SIGNALS(id)                                                 \
	static inline void id##_csignal(struct lock_job *j, int cv)        \
	{                                                                  \
		usync_cond_signal(&j->cond[cv]);                           \
	}                                                                  \
	static inline void id##_cbroadcast(struct lock_job *j, int cv)     \
	{                                                                  \
		usync_cond_broadcast(&j->cond[cv]);                        \
	}

/* The timed and hand-off loops of a lock with a context member CTX. */
#define U_CTX_EXTRAS(id, alg, CTX)                                         \
	static inline int id##_tacq(void *l, union lock_ctx *c,            \
				    const struct timespec *ts)             \
	{                                                                  \
		return usync_##alg##_timedlock(l, &c->CTX, ts);            \
	}                                                                  \
	static inline void id##_cwait(struct lock_job *j, void *l,         \
				      union lock_ctx *c, int cv)           \
	{                                                                  \
		usync_cond_wait_##alg(&j->cond[cv], l, &c->CTX);           \
	}                                                                  \
	LOCK_SERIES_TIMED(id)                                              \
	U_COND_SIGNALS(id)                                                 \
	LOCK_SERIES_COND(id)

/* Simple locks: no context; init, set_policy, lock, unlock. */
#define SIMPLE_LOCK(name)                                                  \
	static int u_##name##_create(void **out, unsigned n, int policy)   \
	{                                                                  \
		(void)n;                                                   \
		usync_##name##_t *l = bench_alloc_lines(sizeof *l);        \
		if (l == NULL)                                             \
			return ENOMEM;                                     \
		usync_##name##_init(l);                                    \
		usync_##name##_set_policy(l, (usync_wait_policy_t)policy); \
		*out = l;                                                  \
		return 0;                                                  \
	}                                                                  \
	static inline void u_##name##_acq(void *l, union lock_ctx *c)      \
	{                                                                  \
		(void)c;                                                   \
		usync_##name##_lock(l);                                    \
	}                                                                  \
	static inline void u_##name##_rel(void *l, union lock_ctx *c)      \
	{                                                                  \
		(void)c;                                                   \
		usync_##name##_unlock(l);                                  \
	}                                                                  \
	static inline int u_##name##_tacq(void *l, union lock_ctx *c,      \
					  const struct timespec *ts)       \
	{                                                                  \
		(void)c;                                                   \
		return usync_##name##_timedlock(l, ts);                    \
	}                                                                  \
	static inline void u_##name##_cwait(struct lock_job *j, void *l,   \
					    union lock_ctx *c, int cv)     \
	{                                                                  \
		(void)c;                                                   \
		usync_cond_wait_##name(&j->cond[cv], l);                   \
	}                                                                  \
	LOCK_SERIES_LOOPS(u_##name)                                        \
	LOCK_SERIES_TIMED(u_##name)                                        \
	U_COND_SIGNALS(u_##name)                                           \
	LOCK_SERIES_COND(u_##name)

SIMPLE_LOCK(tas)
SIMPLE_LOCK(ttas)
SIMPLE_LOCK(backoff)
SIMPLE_LOCK(ticket)

/* Anderson: capacity = threads; the context is the slot. */
static int u_anderson_create(void **out, unsigned n, int policy)
{
	usync_anderson_t *l = bench_alloc_lines(sizeof *l);
	if (l == NULL)
		return ENOMEM;
	int err = usync_anderson_init(l, n);
	if (err) {
		free(l);
		return err;
	}
	usync_anderson_set_policy(l, (usync_wait_policy_t)policy);
	*out = l;
	return 0;
}
static void u_anderson_destroy(void *l)
{
	usync_anderson_destroy(l);
	free(l);
}
static inline void u_anderson_acq(void *l, union lock_ctx *c)
{
	usync_anderson_lock(l, &c->slot);
}
static inline void u_anderson_rel(void *l, union lock_ctx *c)
{
	usync_anderson_unlock(l, c->slot);
}
LOCK_SERIES_LOOPS(u_anderson)
U_CTX_EXTRAS(u_anderson, anderson, slot)

/* MCS: the context is the queue node. */
static int u_mcs_create(void **out, unsigned n, int policy)
{
	(void)n;
	usync_mcs_t *l = bench_alloc_lines(sizeof *l);
	if (l == NULL)
		return ENOMEM;
	usync_mcs_init(l);
	usync_mcs_set_policy(l, (usync_wait_policy_t)policy);
	*out = l;
	return 0;
}
static inline void u_mcs_acq(void *l, union lock_ctx *c)
{
	usync_mcs_lock(l, &c->mcs);
}
static inline void u_mcs_rel(void *l, union lock_ctx *c)
{
	usync_mcs_unlock(l, &c->mcs);
}
LOCK_SERIES_LOOPS(u_mcs)
U_CTX_EXTRAS(u_mcs, mcs, mcs)

/* Time-published MCS: the context is the queue node, as for MCS. */
static int u_mcs_tp_create(void **out, unsigned n, int policy)
{
	(void)n;
	usync_mcs_tp_t *l = bench_alloc_lines(sizeof *l);
	if (l == NULL)
		return ENOMEM;
	usync_mcs_tp_init(l);
	usync_mcs_tp_set_policy(l, (usync_wait_policy_t)policy);
	*out = l;
	return 0;
}
static inline void u_mcs_tp_acq(void *l, union lock_ctx *c)
{
	usync_mcs_tp_lock(l, &c->mcs_tp);
}
static inline void u_mcs_tp_rel(void *l, union lock_ctx *c)
{
	usync_mcs_tp_unlock(l, &c->mcs_tp);
}
LOCK_SERIES_LOOPS(u_mcs_tp)
U_CTX_EXTRAS(u_mcs_tp, mcs_tp, mcs_tp)

/* CLH: a node pool of `threads` nodes; each thread takes a context. */
static int u_clh_create(void **out, unsigned n, int policy)
{
	usync_clh_t *l = bench_alloc_lines(sizeof *l);
	if (l == NULL)
		return ENOMEM;
	int err = usync_clh_init(l, n);
	if (err) {
		free(l);
		return err;
	}
	usync_clh_set_policy(l, (usync_wait_policy_t)policy);
	*out = l;
	return 0;
}
static void u_clh_destroy(void *l)
{
	usync_clh_destroy(l);
	free(l);
}
static int u_clh_ctx_init(void *l, union lock_ctx *c)
{
	return usync_clh_ctx_init(l, &c->clh);
}
static void u_clh_ctx_fini(void *l, union lock_ctx *c)
{
	usync_clh_ctx_destroy(l, &c->clh);
}
static inline void u_clh_acq(void *l, union lock_ctx *c)
{
	usync_clh_lock(l, &c->clh);
}
static inline void u_clh_rel(void *l, union lock_ctx *c)
{
	usync_clh_unlock(l, &c->clh);
}
LOCK_SERIES_LOOPS(u_clh)
U_CTX_EXTRAS(u_clh, clh, clh)

/* MCS through the generic API: one indirect call per operation; the
 * policy through usync_lock_set_policy. */
static int u_generic_mcs_create(void **out, unsigned n, int policy)
{
	usync_lock_t *l = NULL;
	int err = usync_lock_create(&l, "mcs", n);
	if (err == 0)
		err = usync_lock_set_policy(l, (usync_wait_policy_t)policy);
	if (err == 0)
		*out = l;
	else if (l)
		usync_lock_destroy(l);
	return err;
}
static void u_generic_destroy(void *l)
{
	usync_lock_destroy(l);
}
static inline void u_generic_acq(void *l, union lock_ctx *c)
{
	usync_lock_acquire(l, &c->generic);
}
static inline void u_generic_rel(void *l, union lock_ctx *c)
{
	usync_lock_release(l, &c->generic);
}
LOCK_SERIES_LOOPS(u_generic)
static inline int u_generic_tacq(void *l, union lock_ctx *c,
				 const struct timespec *ts)
{
	return usync_lock_acquire_until(l, &c->generic, ts);
}
static inline void u_generic_cwait(struct lock_job *j, void *l,
				   union lock_ctx *c, int cv)
{
	usync_cond_wait(&j->cond[cv], l, &c->generic);
}
LOCK_SERIES_TIMED(u_generic)
U_COND_SIGNALS(u_generic)
LOCK_SERIES_COND(u_generic)

#define U_LOCK(nm, alg, match, destroy_fn, ci, cf)                         \
	{ .name = nm, .impl = "usync", .algorithm = #alg, .policy = -1,    \
	  .ck_match = match, .create = u_##alg##_create,                   \
	  .destroy = destroy_fn, .ctx_init = ci, .ctx_fini = cf,           \
	  LOCK_SERIES_FNS(u_##alg), .timed = u_##alg##_timed,              \
	  .cond = u_##alg##_cond }

/* policy -1: main.c instantiates one series per requested policy. */
const struct lock_series usync_lock_table[] = {
	U_LOCK("usync:tas", tas, "ck:fas", free_lock, NULL, NULL),
	U_LOCK("usync:ttas", ttas, "ck:fas", free_lock, NULL, NULL),
	U_LOCK("usync:backoff", backoff, "ck:fas-eb", free_lock, NULL, NULL),
	U_LOCK("usync:ticket", ticket, "ck:ticket", free_lock, NULL, NULL),
	U_LOCK("usync:anderson", anderson, "ck:anderson", u_anderson_destroy,
	       NULL, NULL),
	U_LOCK("usync:mcs", mcs, "ck:mcs", free_lock, NULL, NULL),
	U_LOCK("usync:clh", clh, "ck:clh", u_clh_destroy, u_clh_ctx_init,
	       u_clh_ctx_fini),
	/* ck has no preemption-tolerant queue lock: compared with its MCS. */
	U_LOCK("usync:mcs_tp", mcs_tp, "ck:mcs", free_lock, NULL, NULL),
	{ .name = "usync:mcs-generic", .impl = "usync",
	  .algorithm = "mcs-generic", .policy = -1,
	  .ck_match = "ck:mcs", .create = u_generic_mcs_create,
	  .destroy = u_generic_destroy, LOCK_SERIES_FNS(u_generic),
	  .timed = u_generic_timed, .cond = u_generic_cond },
};
const unsigned usync_lock_table_len =
	sizeof usync_lock_table / sizeof usync_lock_table[0];

/* ---------------------------------------------------------------- barriers
 * Per-algorithm API: init(b, n), set_policy, wait(b, thread_id), destroy.
 * The wait is out of line in the library; one indirect call from here. */

static int u_barrier_thread_init(void *b, unsigned tid, void **state)
{
	(void)b;
	(void)tid;
	*state = NULL;
	return 0;
}
static void u_barrier_thread_fini(void *b, void *state)
{
	(void)b;
	(void)state;
}

#define U_BARRIER_FNS(alg)                                                 \
	static int ub_##alg##_create(void **out, unsigned n, int policy,   \
				     const char *algorithm)                \
	{                                                                  \
		(void)algorithm;                                           \
		usync_##alg##_barrier_t *b = bench_alloc_lines(sizeof *b); \
		if (b == NULL)                                             \
			return ENOMEM;                                     \
		int err = usync_##alg##_barrier_init(b, n);                \
		if (err) {                                                 \
			free(b);                                           \
			return err;                                        \
		}                                                          \
		usync_##alg##_barrier_set_policy(b,                        \
						 (usync_wait_policy_t)policy); \
		*out = b;                                                  \
		return 0;                                                  \
	}                                                                  \
	static void ub_##alg##_destroy(void *b)                            \
	{                                                                  \
		usync_##alg##_barrier_destroy(b);                          \
		free(b);                                                   \
	}                                                                  \
	static void ub_##alg##_wait(void *b, void *state, unsigned tid)    \
	{                                                                  \
		(void)state;                                               \
		usync_##alg##_barrier_wait(b, tid);                        \
	}

U_BARRIER_FNS(counter)
U_BARRIER_FNS(tree)
U_BARRIER_FNS(mcs)
U_BARRIER_FNS(tournament)
U_BARRIER_FNS(dissemination)

#define U_BARRIER(alg)                                                     \
	{ .name = "usync:" #alg, .impl = "usync", .algorithm = #alg,       \
	  .policy = -1, .create = ub_##alg##_create,                       \
	  .destroy = ub_##alg##_destroy,                                   \
	  .thread_init = u_barrier_thread_init,                            \
	  .thread_fini = u_barrier_thread_fini, .wait = ub_##alg##_wait }

/* policy -1: main.c instantiates one series per requested policy. */
const struct barrier_series usync_barrier_table[] = {
	U_BARRIER(counter),
	U_BARRIER(tree),
	U_BARRIER(mcs),
	U_BARRIER(tournament),
	U_BARRIER(dissemination),
};
const unsigned usync_barrier_table_len =
	sizeof usync_barrier_table / sizeof usync_barrier_table[0];
