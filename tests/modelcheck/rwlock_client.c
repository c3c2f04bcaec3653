/*
 * tests/modelcheck/rwlock_client.c - one GenMC client for every shared
 * (reader-writer) lock.
 *
 * NWRITERS threads each take the lock for writing ITERS times and update
 * two plain words, a then b; NREADERS threads each take it for reading
 * ITERS times and read both.  Relaxed counters check that a writer is
 * alone (no reader, no other writer inside), and the plain words race
 * unless the lock orders every write-side critical section before every
 * later critical section of either kind (GenMC reports the race), and a
 * reader that saw a != b would have seen half an update.  After joining,
 * both words must equal the writes made.
 *
 * Knobs (-D): MC_RW_<name> (rw_counter rw_ticket rw_phasefair rw_mcs
 * bravo, the last over rw_phasefair) or MC_RW_GENERIC (usync_rwlock_*,
 * "bravo:rw_mcs"), NWRITERS, NREADERS, ITERS, MC_TRY (the first
 * acquisition of each thread is a trylock, counted only if it succeeded),
 * MC_PARK (the park policy: waiters sleep on the futex model), MC_SYM_READERS
 * (readers spawned symmetric: GenMC explores one order of them).  BRAVO's
 * checks shrink its visible-readers table (USYNC_BRAVO_TABLE_BITS=2): a
 * revocation scans every slot, and 4096 of them are 4096 reads to explore
 * each time; four slots keep collisions and the scan, which is what the
 * protocol must get right.
 */
#include "prelude.h"

#include "../../src/atomics/spin.c"
#include "../../src/rwlocks/bravo.c"
#include "../../src/rwlocks/registry.c"
#include "../../src/rwlocks/rw_counter.c"
#include "../../src/rwlocks/rw_mcs.c"
#include "../../src/rwlocks/rw_phasefair.c"
#include "../../src/rwlocks/rw_ticket.c"

#ifndef NWRITERS
#define NWRITERS 1
#endif
#ifndef NREADERS
#define NREADERS 1
#endif
#ifndef ITERS
#define ITERS 1
#endif
#ifdef MC_PARK
#define MC_POLICY USYNC_WAIT_PARK
#else
#define MC_POLICY USYNC_WAIT_SPIN
#endif

#if defined(MC_RW_rw_counter) || defined(MC_RW_rw_ticket) ||                  \
	defined(MC_RW_rw_phasefair)
#if defined(MC_RW_rw_counter)
#define MC_NAME(verb) usync_rw_counter_##verb
#elif defined(MC_RW_rw_ticket)
#define MC_NAME(verb) usync_rw_ticket_##verb
#else
#define MC_NAME(verb) usync_rw_phasefair_##verb
#endif
typedef MC_NAME(t) mc_lock_t;
typedef int mc_ctx_t;
#define MC_SETUP(l) (MC_NAME(init)(l), MC_NAME(set_policy)((l), MC_POLICY))
#define MC_RLOCK(l, c) MC_NAME(read_lock)(l)
#define MC_RTRY(l, c) MC_NAME(read_trylock)(l)
#define MC_RUNLOCK(l, c) MC_NAME(read_unlock)(l)
#define MC_WLOCK(l, c) MC_NAME(write_lock)(l)
#define MC_WTRY(l, c) MC_NAME(write_trylock)(l)
#define MC_WUNLOCK(l, c) MC_NAME(write_unlock)(l)
#elif defined(MC_RW_rw_mcs)
typedef usync_rw_mcs_t mc_lock_t;
typedef usync_rw_mcs_node_t mc_ctx_t;
#define MC_SETUP(l) (usync_rw_mcs_init(l), usync_rw_mcs_set_policy((l), MC_POLICY))
#define MC_RLOCK(l, c) usync_rw_mcs_read_lock((l), (c))
#define MC_RTRY(l, c) usync_rw_mcs_read_trylock((l), (c))
#define MC_RUNLOCK(l, c) usync_rw_mcs_read_unlock((l), (c))
#define MC_WLOCK(l, c) usync_rw_mcs_write_lock((l), (c))
#define MC_WTRY(l, c) usync_rw_mcs_write_trylock((l), (c))
#define MC_WUNLOCK(l, c) usync_rw_mcs_write_unlock((l), (c))
#elif defined(MC_RW_bravo)
typedef usync_bravo_t mc_lock_t;
typedef usync_bravo_ctx_t mc_ctx_t;
#define MC_SETUP(l)                                                            \
	(assert(usync_bravo_init((l), USYNC_BRAVO_RW_PHASEFAIR) == 0),         \
	 usync_bravo_set_policy((l), MC_POLICY))
#define MC_RLOCK(l, c) usync_bravo_read_lock((l), (c))
#define MC_RTRY(l, c) usync_bravo_read_trylock((l), (c))
#define MC_RUNLOCK(l, c) usync_bravo_read_unlock((l), (c))
#define MC_WLOCK(l, c) usync_bravo_write_lock((l), (c))
#define MC_WTRY(l, c) usync_bravo_write_trylock((l), (c))
#define MC_WUNLOCK(l, c) usync_bravo_write_unlock((l), (c))
#elif defined(MC_RW_GENERIC)
typedef usync_rwlock_t *mc_lock_t;
typedef usync_rwlock_ctx_t mc_ctx_t;
#define MC_SETUP(l)                                                            \
	(assert(usync_rwlock_create((l), "bravo:rw_mcs",                       \
				    NWRITERS + NREADERS) == 0),                \
	 usync_rwlock_set_policy(*(l), MC_POLICY))
#define MC_RLOCK(l, c) usync_rwlock_read_acquire(*(l), (c))
#define MC_RTRY(l, c) usync_rwlock_read_try_acquire(*(l), (c))
#define MC_RUNLOCK(l, c) usync_rwlock_read_release(*(l), (c))
#define MC_WLOCK(l, c) usync_rwlock_write_acquire(*(l), (c))
#define MC_WTRY(l, c) usync_rwlock_write_try_acquire(*(l), (c))
#define MC_WUNLOCK(l, c) usync_rwlock_write_release(*(l), (c))
#else
#error "choose a shared lock: -DMC_RW_<name> or -DMC_RW_GENERIC"
#endif

static mc_lock_t lock;
static _Atomic(int) writers_inside, readers_inside;
static int a, b; /* plain: only the lock orders their accesses */

static void *writer(void *arg)
{
	(void)arg;
	mc_ctx_t ctx;
	intptr_t writes = 0;
	for (int i = 0; i < ITERS; i++) {
#ifdef MC_TRY
		if (i == 0) {
			if (!MC_WTRY(&lock, &ctx))
				continue;
		} else
#endif
			MC_WLOCK(&lock, &ctx);
		/* relaxed: the checks must add no ordering of their own. */
		int w = atomic_fetch_add_explicit(&writers_inside, 1,
						  memory_order_relaxed);
		int r = atomic_load_explicit(&readers_inside,
					     memory_order_relaxed);
		assert(w == 0 && r == 0 && "a writer is not alone");
		a++;
		b++;
		atomic_fetch_sub_explicit(&writers_inside, 1,
					  memory_order_relaxed);
		MC_WUNLOCK(&lock, &ctx);
		writes++;
	}
	return (void *)writes;
}

static void *reader(void *arg)
{
	(void)arg;
	mc_ctx_t ctx;
	for (int i = 0; i < ITERS; i++) {
#ifdef MC_TRY
		if (i == 0) {
			if (!MC_RTRY(&lock, &ctx))
				continue;
		} else
#endif
			MC_RLOCK(&lock, &ctx);
		/* relaxed: as in writer. */
		atomic_fetch_add_explicit(&readers_inside, 1,
					  memory_order_relaxed);
		int w = atomic_load_explicit(&writers_inside,
					     memory_order_relaxed);
		assert(w == 0 && "a reader is inside with a writer");
		assert(a == b && "a reader saw half an update");
		atomic_fetch_sub_explicit(&readers_inside, 1,
					  memory_order_relaxed);
		MC_RUNLOCK(&lock, &ctx);
	}
	return NULL;
}

int main(void)
{
	pthread_t threads[NWRITERS + NREADERS];
	/* relaxed: before any thread exists (see lock_client.c). */
	atomic_store_explicit(&usync_spin_budget_steps, 1000,
			      memory_order_relaxed);
	MC_SETUP(&lock);
	for (int i = 0; i < NWRITERS; i++)
		pthread_create(&threads[i], NULL, writer, NULL);
	for (int i = 0; i < NREADERS; i++)
#ifdef MC_SYM_READERS
		/* The readers run the same code: GenMC's symmetry reduction
		 * explores one order of them (sound for these assertions). */
		threads[NWRITERS + i] =
			i == 0 ? __VERIFIER_spawn(reader, NULL)
			       : __VERIFIER_spawn_symmetric(
					 reader, NULL, threads[NWRITERS + i - 1]);
#else
		pthread_create(&threads[NWRITERS + i], NULL, reader, NULL);
#endif
	intptr_t writes = 0;
	for (int i = 0; i < NWRITERS + NREADERS; i++) {
		void *ret;
		pthread_join(threads[i], &ret);
		if (i < NWRITERS)
			writes += (intptr_t)ret;
	}
	assert(a == writes && b == writes && "an update was lost");
#ifdef MC_RW_GENERIC
	usync_rwlock_destroy(lock);
#elif defined(MC_RW_bravo)
	usync_bravo_destroy(&lock);
#endif
	return 0;
}
