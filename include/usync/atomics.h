/*
 * usync/atomics.h - the one atomics layer every usync primitive stands on.
 *
 * What is here:
 *   - C11 <stdatomic.h> (or its C++23 counterpart when included from C++),
 *     nothing else: no volatile, no inline-asm fences.
 *   - USYNC_CACHELINE and USYNC_ALIGNED: the one padding rule.
 *   - The read-modify-write operations under the names the literature uses
 *     (test_and_set, fetch_and_increment, fetch_and_store, compare_and_swap).
 *     Each takes its memory_order explicitly, so every call site states, and
 *     comments, the order it needs.
 *   - usync_cpu_relax(): the per-architecture spin-loop hint.
 *
 * Callers must pass an explicit memory_order at every use; the wrappers add
 * no ordering of their own.
 */
#ifndef USYNC_ATOMICS_H
#define USYNC_ATOMICS_H

#include <usync/config.h>

#ifdef __cplusplus
/* C++23 provides <stdatomic.h> with _Atomic(T) and the *_explicit functions
 * (libstdc++ 12 and later, libc++ 17 and later). */
#include <stdatomic.h>
#else
#include <stdalign.h>
#include <stdatomic.h>
#endif
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * USYNC_CACHELINE: the unit of false sharing.
 *
 * 64 bytes is the coherence granule of every x86-64 and most aarch64 parts.
 * Intel's adjacent-line ("spatial") prefetcher fetches 128-byte pairs, and
 * Apple M-series and some Neoverse parts use 128-byte lines, so a build for
 * such a machine may raise it with -Dcacheline=128; the constant is the only
 * place the number appears.  Every word that is written by a different
 * thread than its neighbours is declared USYNC_ALIGNED, so it starts its own
 * line, and the struct's size rounds up to whole lines.
 */
#ifndef USYNC_CACHELINE
#define USYNC_CACHELINE 64
#endif
#define USYNC_ALIGNED alignas(USYNC_CACHELINE)

#ifdef __cplusplus
#define USYNC_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define USYNC_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

/* Branch hints for the fast paths; a no-op where unsupported. */
#if defined(__GNUC__) || defined(__clang__)
#define USYNC_LIKELY(x) __builtin_expect(!!(x), 1)
#define USYNC_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define USYNC_NOINLINE __attribute__((noinline))
#else
#define USYNC_LIKELY(x) (x)
#define USYNC_UNLIKELY(x) (x)
#define USYNC_NOINLINE
#endif

/* Library entry points that are not part of the documented API but must be
 * reachable from the inline fast paths in the headers (slow paths). */
#if defined(__GNUC__) || defined(__clang__)
#define USYNC_API __attribute__((visibility("default")))
#else
#define USYNC_API
#endif

/*
 * Misuse checks (-Ddebug_checks, on in debug builds).  USYNC_CHECK(cond,
 * what) aborts with "usync: <function>: <what>" when cond is false; with
 * checks off it expands to nothing, so release builds carry no trace of
 * them.  Conditions have no side effects.
 */
#ifdef __cplusplus
extern "C" {
#endif
#if defined(__GNUC__) || defined(__clang__)
__attribute__((noreturn, cold))
#endif
USYNC_API void usync_misuse(const char *function, const char *what);
#ifdef __cplusplus
}
#endif
#if USYNC_DEBUG_CHECKS
#define USYNC_CHECK(cond, what)                                                \
	do {                                                                   \
		if (USYNC_UNLIKELY(!(cond)))                                   \
			usync_misuse(__func__, (what));                        \
	} while (0)
#else
#define USYNC_CHECK(cond, what) ((void)0)
#endif

/*
 * The ownership checks of the locks whose caller brings a queue node (mcs,
 * mcs_tp).  In debug builds the lock has `_Atomic(void *) debug_holder`, the
 * node that holds it, and each node `uint32_t debug_busy`, set to the lock's
 * tag from lock (or successful trylock) to unlock.  All accesses relaxed:
 * diagnostic state, ordered by the lock itself.  Release builds: nothing.
 *
 *   USYNC_DEBUG_NODE_ENTER(lock, node, tag)  a node starts an acquisition
 *   USYNC_DEBUG_NODE_ACQUIRED(lock, node)    ... and got the lock
 *   USYNC_DEBUG_NODE_FAILED(node)            ... a trylock did not
 *   USYNC_DEBUG_NODE_RELEASE(lock, node)     the holder unlocks
 */
#if USYNC_DEBUG_CHECKS
static inline void usync_debug_node_enter(_Atomic(void *) *holder,
					  const void *node, uint32_t *busy,
					  uint32_t tag)
{
	USYNC_CHECK(atomic_load_explicit(holder, memory_order_relaxed) != node,
		    "node already holds this lock");
	USYNC_CHECK(*busy != tag,
		    "node is still in use by another acquisition");
	*busy = tag;
}
static inline void usync_debug_node_release(_Atomic(void *) *holder,
					    const void *node, uint32_t *busy)
{
	USYNC_CHECK(atomic_load_explicit(holder, memory_order_relaxed) == node,
		    "unlock with a node that does not hold the lock");
	atomic_store_explicit(holder, (void *)NULL, memory_order_relaxed);
	*busy = 0;
}
#define USYNC_DEBUG_NODE_ENTER(lock, node, tag)                                \
	usync_debug_node_enter(&(lock)->debug_holder, (node),                  \
			       &(node)->debug_busy, (tag))
#define USYNC_DEBUG_NODE_ACQUIRED(lock, node)                                  \
	atomic_store_explicit(&(lock)->debug_holder, (void *)(node),           \
			      memory_order_relaxed)
#define USYNC_DEBUG_NODE_FAILED(node) ((node)->debug_busy = 0)
#define USYNC_DEBUG_NODE_RELEASE(lock, node)                                   \
	usync_debug_node_release(&(lock)->debug_holder, (node),                \
				 &(node)->debug_busy)
#else
#define USYNC_DEBUG_NODE_ENTER(lock, node, tag) ((void)0)
#define USYNC_DEBUG_NODE_ACQUIRED(lock, node) ((void)0)
#define USYNC_DEBUG_NODE_FAILED(node) ((void)0)
#define USYNC_DEBUG_NODE_RELEASE(lock, node) ((void)0)
#endif

/*
 * Named read-modify-write operations.  They are macros so that they work on
 * any atomic integer or pointer type; each is exactly one C11 call.
 *
 *   usync_test_and_set(obj, mo)      -> previous value; stores 1
 *   usync_fetch_and_increment(obj, mo) -> previous value; adds 1
 *   usync_fetch_and_store(obj, v, mo)  -> previous value; stores v (swap)
 *   usync_compare_and_swap(obj, expected_ptr, desired, success_mo, fail_mo)
 *       -> true if *obj was *expected_ptr and now is desired; otherwise
 *          *expected_ptr receives the current value.  Strong CAS: it fails
 *          only when the values differ (no spurious LL/SC failure), so a
 *          trylock that decides by this CAS alone (mcs) never fails on a
 *          free lock.  Trylocks that first read a possibly stale value
 *          (ttas, ticket, anderson, clh) can fail on a lock freed an
 *          instant before; none ever succeeds on a held lock.
 */
#define usync_test_and_set(obj, mo) atomic_exchange_explicit((obj), 1, (mo))
#define usync_fetch_and_increment(obj, mo) \
	atomic_fetch_add_explicit((obj), 1, (mo))
#define usync_fetch_and_store(obj, v, mo) \
	atomic_exchange_explicit((obj), (v), (mo))
#define usync_compare_and_swap(obj, expected, desired, smo, fmo) \
	atomic_compare_exchange_strong_explicit((obj), (expected), (desired), \
						(smo), (fmo))

/*
 * usync_cpu_relax(): tell the core we are in a spin loop.
 *
 *   x86-64: PAUSE.  It de-pipelines the loop (no memory-order mis-speculation
 *     flush on exit) and yields issue slots to an SMT sibling.  Costs ~26 ns
 *     on the EPYC parts we measure on, ~140 cycles on Skylake and later.
 *   aarch64: ISB.  YIELD is a hint that current cores implement as a NOP, so a
 *     YIELD loop hammers the line as fast as a bare loop; ISB flushes the
 *     pipeline and so actually spaces the polls out (tens of ns), which is
 *     what the x86 PAUSE gives.  The choice is a build option
 *     (-Daarch64_relax=isb|yield) so it can be measured on a given part;
 *     it has not yet been measured on Arm hardware here (the project's
 *     aarch64 runs are under qemu-user, which models no timing).
 *   elsewhere: a compiler barrier-free no-op; the spin-wait helper's
 *     yielding policy bounds the waste.
 *
 * None of these orders memory; they only pace the loop.
 *
 * A build that cannot execute the hint (the model checker, see
 * tests/modelcheck/prelude.h) defines USYNC_CPU_RELAX_OVERRIDE and its own
 * usync_cpu_relax() before including this header.
 */
#ifndef USYNC_CPU_RELAX_OVERRIDE
static inline void usync_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
#if USYNC_AARCH64_RELAX_YIELD
	__asm__ __volatile__("yield");
#else
	__asm__ __volatile__("isb");
#endif
#else
	/* Portable fallback: nothing to tell the core. */
#endif
}
#endif /* USYNC_CPU_RELAX_OVERRIDE */

#endif /* USYNC_ATOMICS_H */
