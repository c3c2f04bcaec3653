/*
 * bench/adapters.h - the one small vtable every lock and barrier series
 * (usync and its peers alike) is run through.
 *
 * Locks: a series supplies create/destroy and per-thread context set-up
 * through the table, and three loops (contended, uncontended, read-mostly)
 * instantiated from workloads/lock_loops.h with its acquire and release
 * inlined, so that no series pays an indirect call per acquisition.
 * Barriers: one indirect call per episode, which is small beside an
 * episode's cost.
 */
#ifndef BENCH_ADAPTERS_H
#define BENCH_ADAPTERS_H

#include "harness.h"

#include <usync/usync.h>

#include <ck_spinlock.h>
#include <pthread.h>
#include <time.h>

/* One thread's acquisition state, whichever lock it is for. */
union lock_ctx {
	usync_mcs_node_t mcs;
	usync_mcs_tp_node_t mcs_tp;
	usync_clh_ctx_t clh;
	unsigned slot;
	usync_lock_ctx_t generic;
	usync_rw_mcs_node_t rw_mcs;
	usync_bravo_ctx_t bravo;
	struct ck_spinlock_mcs ck_mcs;
	struct ck_spinlock_anderson_thread *ck_anderson;
	struct ck_spinlock_clh *ck_clh;
};

enum cs_kind { CS_EMPTY, CS_SHARED, CS_WORK100 };

/* The timed workload's short deadline (workloads/lock_loops.h). */
#define BENCH_TIMED_SHORT_NS 2000u

/* Shared state of one lock trial (workloads/locks.c, readmostly.c). */
struct lock_job {
	const struct lock_series *series;
	void *lock;
	enum cs_kind cs;
	uint64_t delay_iters_2d; /* random delay in [0, this] iterations */
	uint64_t work_iters;     /* CS_WORK100 */
	/* Plain (non-atomic) on purpose: incremented in every critical
	 * section; equals the acquisitions iff mutual exclusion held. */
	USYNC_ALIGNED uint64_t check_count;
	USYNC_ALIGNED uint64_t shared_line[USYNC_CACHELINE / 8];
	/* Read-mostly: the protected structure, four lines, every word the
	 * same value while consistent. */
	USYNC_ALIGNED uint64_t rm_words[4 * USYNC_CACHELINE / 8];
	USYNC_ALIGNED _Atomic(unsigned) rm_torn; /* a reader saw a mix */
	/* Read-mostly with a shared lock: percentage of operations that
	 * read (workloads/rwlock_loops.h); 0 for the exclusive locks. */
	unsigned read_pct;
	/* Read-mostly reads<P>, 0 < P: time every write acquisition
	 * (rwlock_mix); off for reads0, the 1-thread write-only point,
	 * whose figure is the lock's own uncontended cost. */
	bool time_writes;
	/* Timed workload: percentage of attempts made with a short
	 * deadline (workloads/lock_loops.h), and what happened to them. */
	unsigned abort_pct;
	_Atomic(uint64_t) timeouts, attempts;
	/* Condition-variable workload: a bounded buffer under the lock,
	 * "not full" (cv 0) and "not empty" (cv 1); usync's and pthread's
	 * condition variables both, the series uses its own. */
	USYNC_ALIGNED usync_cond_t cond[2];
	pthread_cond_t pcond[2];
	USYNC_ALIGNED unsigned buffer[16];
	unsigned first, count;     /* under the lock */
	uint64_t produced;         /* under the lock */
	bool stopping;             /* under the lock */
};

typedef void (*lock_loop_fn)(struct trial *t, struct worker *w,
			     struct lock_job *j, union lock_ctx *c);

struct lock_series {
	char name[48];         /* the CSV series, e.g. "usync:mcs@spin" */
	const char *impl;      /* usync | ck | pthread */
	const char *algorithm; /* bare name */
	int policy;            /* usync_wait_policy_t, or -1 for peers */
	const char *ck_match;  /* uncontended partner series, usync only */
	/* 0 or an errno; *out is an opaque lock for up to nthreads. */
	int (*create)(void **out, unsigned nthreads, int policy);
	void (*destroy)(void *lock);
	int (*ctx_init)(void *lock, union lock_ctx *c); /* may be NULL */
	void (*ctx_fini)(void *lock, union lock_ctx *c); /* may be NULL */
	lock_loop_fn run;   /* acquire, critical section, release, delay */
	lock_loop_fn tight; /* acquire + release, nothing else */
	lock_loop_fn read;  /* read-mostly reader/writer loop */
	lock_loop_fn timed; /* timed acquisitions; NULL: none */
	lock_loop_fn cond;  /* producer/consumer hand-off; NULL: none */
};

struct barrier_series {
	char name[48];
	const char *impl;
	const char *algorithm;
	int policy;
	int (*create)(void **out, unsigned nthreads, int policy,
		      const char *algorithm);
	void (*destroy)(void *barrier);
	/* Per-thread state (may set *state NULL); 0 or an errno. */
	int (*thread_init)(void *barrier, unsigned tid, void **state);
	void (*thread_fini)(void *barrier, void *state);
	void (*wait)(void *barrier, void *state, unsigned tid);
};

/* The tables: base entries (usync ones with policy -1 = "fill in"). */
extern const struct lock_series usync_lock_table[];
extern const unsigned usync_lock_table_len;
extern const struct lock_series peer_lock_table[];
extern const unsigned peer_lock_table_len;
/* Shared locks: only .read is set (the read-fraction mix). */
extern const struct lock_series usync_rwlock_table[];
extern const unsigned usync_rwlock_table_len;
extern const struct lock_series peer_rwlock_table[];
extern const unsigned peer_rwlock_table_len;
extern const struct barrier_series usync_barrier_table[];
extern const unsigned usync_barrier_table_len;
extern const struct barrier_series peer_barrier_table[];
extern const unsigned peer_barrier_table_len;

/* aligned_alloc of size rounded up to whole lines, zeroed; NULL on error. */
void *bench_alloc_lines(size_t size);

#endif /* BENCH_ADAPTERS_H */
