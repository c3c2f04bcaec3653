/*
 * bench/rwlock_adapters.c - the shared (reader-writer) lock series of the
 * read-mostly workload: every usync shared lock through its per-algorithm
 * API (inline fast paths), and the peers pthread_rwlock, Concurrency Kit's
 * ck_rwlock (writer preference, like rw_counter) and ck_pflock (phase-fair,
 * like rw_phasefair).  liburcu's RCU is the ceiling (workloads/readmostly.c).
 *
 * These series have only the `read` loop (the read-fraction mix of
 * workloads/rwlock_loops.h); the lock and uncontended workloads do not run
 * them.
 */
#include "adapters.h"
#include "workloads/rwlock_loops.h"

#include <ck_pflock.h>
#include <ck_rwlock.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

static void free_lock(void *lock)
{
	free(lock);
}

/* usync shared locks without context. */
#define U_PLAIN(name)                                                      \
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
	static inline void u_##name##_racq(void *l, union lock_ctx *c)     \
	{                                                                  \
		(void)c;                                                   \
		usync_##name##_read_lock(l);                               \
	}                                                                  \
	static inline void u_##name##_rrel(void *l, union lock_ctx *c)     \
	{                                                                  \
		(void)c;                                                   \
		usync_##name##_read_unlock(l);                             \
	}                                                                  \
	static inline void u_##name##_wacq(void *l, union lock_ctx *c)     \
	{                                                                  \
		(void)c;                                                   \
		usync_##name##_write_lock(l);                              \
	}                                                                  \
	static inline void u_##name##_wrel(void *l, union lock_ctx *c)     \
	{                                                                  \
		(void)c;                                                   \
		usync_##name##_write_unlock(l);                            \
	}                                                                  \
	RWLOCK_SERIES_LOOP(u_##name)

U_PLAIN(rw_counter)
U_PLAIN(rw_ticket)
U_PLAIN(rw_phasefair)

static int u_rw_mcs_create(void **out, unsigned n, int policy)
{
	(void)n;
	usync_rw_mcs_t *l = bench_alloc_lines(sizeof *l);
	if (l == NULL)
		return ENOMEM;
	usync_rw_mcs_init(l);
	usync_rw_mcs_set_policy(l, (usync_wait_policy_t)policy);
	*out = l;
	return 0;
}
static inline void u_rw_mcs_racq(void *l, union lock_ctx *c)
{
	usync_rw_mcs_read_lock(l, &c->rw_mcs);
}
static inline void u_rw_mcs_rrel(void *l, union lock_ctx *c)
{
	usync_rw_mcs_read_unlock(l, &c->rw_mcs);
}
static inline void u_rw_mcs_wacq(void *l, union lock_ctx *c)
{
	usync_rw_mcs_write_lock(l, &c->rw_mcs);
}
static inline void u_rw_mcs_wrel(void *l, union lock_ctx *c)
{
	usync_rw_mcs_write_unlock(l, &c->rw_mcs);
}
RWLOCK_SERIES_LOOP(u_rw_mcs)

/* BRAVO around each inner lock. */
#define U_BRAVO(inner, kind)                                               \
	static int u_bravo_##inner##_create(void **out, unsigned n,        \
					    int policy)                    \
	{                                                                  \
		(void)n;                                                   \
		usync_bravo_t *l = bench_alloc_lines(sizeof *l);           \
		if (l == NULL)                                             \
			return ENOMEM;                                     \
		usync_bravo_init(l, kind);                                 \
		usync_bravo_set_policy(l, (usync_wait_policy_t)policy);    \
		*out = l;                                                  \
		return 0;                                                  \
	}
U_BRAVO(rw_counter, USYNC_BRAVO_RW_COUNTER)
U_BRAVO(rw_ticket, USYNC_BRAVO_RW_TICKET)
U_BRAVO(rw_phasefair, USYNC_BRAVO_RW_PHASEFAIR)
U_BRAVO(rw_mcs, USYNC_BRAVO_RW_MCS)
static void u_bravo_destroy(void *l)
{
	usync_bravo_destroy(l);
	free(l);
}
static inline void u_bravo_racq(void *l, union lock_ctx *c)
{
	usync_bravo_read_lock(l, &c->bravo);
}
static inline void u_bravo_rrel(void *l, union lock_ctx *c)
{
	usync_bravo_read_unlock(l, &c->bravo);
}
static inline void u_bravo_wacq(void *l, union lock_ctx *c)
{
	usync_bravo_write_lock(l, &c->bravo);
}
static inline void u_bravo_wrel(void *l, union lock_ctx *c)
{
	usync_bravo_write_unlock(l, &c->bravo);
}
RWLOCK_SERIES_LOOP(u_bravo)

#define U_RW(nm, alg, create_fn, destroy_fn, loop)                         \
	{ .name = nm, .impl = "usync", .algorithm = alg, .policy = -1,     \
	  .create = create_fn, .destroy = destroy_fn, .read = loop##_mix }

/* policy -1: main.c instantiates one series per requested policy. */
const struct lock_series usync_rwlock_table[] = {
	U_RW("usync:rw_counter", "rw_counter", u_rw_counter_create, free_lock,
	     u_rw_counter),
	U_RW("usync:rw_ticket", "rw_ticket", u_rw_ticket_create, free_lock,
	     u_rw_ticket),
	U_RW("usync:rw_phasefair", "rw_phasefair", u_rw_phasefair_create,
	     free_lock, u_rw_phasefair),
	U_RW("usync:rw_mcs", "rw_mcs", u_rw_mcs_create, free_lock, u_rw_mcs),
	U_RW("usync:bravo:rw_counter", "bravo:rw_counter",
	     u_bravo_rw_counter_create, u_bravo_destroy, u_bravo),
	U_RW("usync:bravo:rw_ticket", "bravo:rw_ticket",
	     u_bravo_rw_ticket_create, u_bravo_destroy, u_bravo),
	U_RW("usync:bravo:rw_phasefair", "bravo:rw_phasefair",
	     u_bravo_rw_phasefair_create, u_bravo_destroy, u_bravo),
	U_RW("usync:bravo:rw_mcs", "bravo:rw_mcs", u_bravo_rw_mcs_create,
	     u_bravo_destroy, u_bravo),
};
const unsigned usync_rwlock_table_len =
	sizeof usync_rwlock_table / sizeof usync_rwlock_table[0];

/* ------------------------------------------------------------------ peers */

static int ck_rw_create(void **out, unsigned n, int policy)
{
	(void)n;
	(void)policy;
	ck_rwlock_t *l = bench_alloc_lines(sizeof *l);
	if (l == NULL)
		return ENOMEM;
	ck_rwlock_init(l);
	*out = l;
	return 0;
}
static inline void ck_rw_racq(void *l, union lock_ctx *c)
{
	(void)c;
	ck_rwlock_read_lock(l);
}
static inline void ck_rw_rrel(void *l, union lock_ctx *c)
{
	(void)c;
	ck_rwlock_read_unlock(l);
}
static inline void ck_rw_wacq(void *l, union lock_ctx *c)
{
	(void)c;
	ck_rwlock_write_lock(l);
}
static inline void ck_rw_wrel(void *l, union lock_ctx *c)
{
	(void)c;
	ck_rwlock_write_unlock(l);
}
RWLOCK_SERIES_LOOP(ck_rw)

static int ck_pf_create(void **out, unsigned n, int policy)
{
	(void)n;
	(void)policy;
	ck_pflock_t *l = bench_alloc_lines(sizeof *l);
	if (l == NULL)
		return ENOMEM;
	ck_pflock_init(l);
	*out = l;
	return 0;
}
static inline void ck_pf_racq(void *l, union lock_ctx *c)
{
	(void)c;
	ck_pflock_read_lock(l);
}
static inline void ck_pf_rrel(void *l, union lock_ctx *c)
{
	(void)c;
	ck_pflock_read_unlock(l);
}
static inline void ck_pf_wacq(void *l, union lock_ctx *c)
{
	(void)c;
	ck_pflock_write_lock(l);
}
static inline void ck_pf_wrel(void *l, union lock_ctx *c)
{
	(void)c;
	ck_pflock_write_unlock(l);
}
RWLOCK_SERIES_LOOP(ck_pf)

/* glibc's default: readers preferred (PTHREAD_RWLOCK_PREFER_READER_NP). */
static int pt_rw_create(void **out, unsigned n, int policy)
{
	(void)n;
	(void)policy;
	pthread_rwlock_t *l = bench_alloc_lines(sizeof *l);
	if (l == NULL)
		return ENOMEM;
	int err = pthread_rwlock_init(l, NULL);
	if (err) {
		free(l);
		return err;
	}
	*out = l;
	return 0;
}
static void pt_rw_destroy(void *l)
{
	pthread_rwlock_destroy(l);
	free(l);
}
static inline void pt_rw_racq(void *l, union lock_ctx *c)
{
	(void)c;
	pthread_rwlock_rdlock(l);
}
static inline void pt_rw_rrel(void *l, union lock_ctx *c)
{
	(void)c;
	pthread_rwlock_unlock(l);
}
static inline void pt_rw_wacq(void *l, union lock_ctx *c)
{
	(void)c;
	pthread_rwlock_wrlock(l);
}
static inline void pt_rw_wrel(void *l, union lock_ctx *c)
{
	(void)c;
	pthread_rwlock_unlock(l);
}
RWLOCK_SERIES_LOOP(pt_rw)

#define PEER_RW(nm, im, alg, id, cr, de)                                   \
	{ .name = nm, .impl = im, .algorithm = alg, .policy = -1,          \
	  .create = cr, .destroy = de, .read = id##_mix }

const struct lock_series peer_rwlock_table[] = {
	PEER_RW("ck:rwlock", "ck", "rwlock", ck_rw, ck_rw_create, free_lock),
	PEER_RW("ck:pflock", "ck", "pflock", ck_pf, ck_pf_create, free_lock),
	PEER_RW("pthread:rwlock", "pthread", "rwlock", pt_rw, pt_rw_create,
		pt_rw_destroy),
};
const unsigned peer_rwlock_table_len =
	sizeof peer_rwlock_table / sizeof peer_rwlock_table[0];
