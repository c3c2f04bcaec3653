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

/*
 * One definition for C and C++ (C++11 to C++23).  Every atomic object in a
 * public type is declared USYNC_ATOMIC(T): _Atomic(T) in C, std::atomic<T>
 * in C++.  The two are the same object: both are lock-free, and have the
 * size and alignment of T on every ABI usync supports (GCC's and Clang's
 * <atomic> and <stdatomic.h> share their representation, which C++23's
 * <stdatomic.h> relies on too); the static assertions below check it for
 * each type the headers use, in both languages.
 *
 * The inline functions call the C names (atomic_load_explicit(p,
 * memory_order_acquire), ...).  In C++ these are found without any macro:
 * the functions by argument-dependent lookup in namespace std (their first
 * argument is a std::atomic<T> *, or a std::memory_order for the fences),
 * the memory_order constants through using-declarations at global scope.
 * Those are the declarations C++23's <stdatomic.h> makes too, and a
 * using-declaration may be repeated, so <atomic>, <stdatomic.h> and the
 * usync headers can be included in any order.
 *
 * Static initializers wrap each atomic member's value in
 * USYNC_ATOMIC_INIT(v): in C++ before 17 a std::atomic member cannot be
 * copy-initialised from a value, only list-initialised from {v}.
 */
#ifdef __cplusplus
#include <atomic>
#include <cstddef>
#include <cstdint>
#define USYNC_ATOMIC(T) std::atomic<T>
#define USYNC_ATOMIC_INIT(v) { v }
using std::memory_order;
using std::memory_order_relaxed;
using std::memory_order_consume;
using std::memory_order_acquire;
using std::memory_order_release;
using std::memory_order_acq_rel;
using std::memory_order_seq_cst;
#else
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#define USYNC_ATOMIC(T) _Atomic(T)
#define USYNC_ATOMIC_INIT(v) v
#endif

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

/*
 * USYNC_LOCK_MAX_THREADS: the largest max_threads (or capacity) any lock
 * accepts, in the generic API and in the per-algorithm inits that size
 * memory by it (anderson, clh); larger values are EINVAL.  2^20, as for
 * the barriers (USYNC_BARRIER_MAX_THREADS): far above any thread count a
 * Linux machine runs, and low enough that sizes computed from it cannot
 * overflow.
 */
#define USYNC_LOCK_MAX_THREADS (1u << 20)

#ifdef __cplusplus
#define USYNC_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define USYNC_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

/*
 * ABI guard (see USYNC_ABI_SYMBOL in usync/config.h): a reference from
 * every translation unit that includes usync, to the symbol the library
 * defines for its build's layout choices.
 */
#ifdef __cplusplus
extern "C" {
#endif
extern const int USYNC_ABI_SYMBOL;
#ifdef __cplusplus
}
#endif
#if defined(__GNUC__) || defined(__clang__)
__attribute__((used, unused)) static const int *const usync_abi_guard =
	&USYNC_ABI_SYMBOL;
#endif

/* The C and C++ views of an atomic word are the same object. */
USYNC_STATIC_ASSERT(sizeof(USYNC_ATOMIC(uint32_t)) == sizeof(uint32_t) &&
			    alignof(USYNC_ATOMIC(uint32_t)) == alignof(uint32_t),
		    "atomic 32-bit words must have the layout of uint32_t");
USYNC_STATIC_ASSERT(sizeof(USYNC_ATOMIC(uint64_t)) == sizeof(uint64_t) &&
			    alignof(USYNC_ATOMIC(uint64_t)) == sizeof(uint64_t),
		    "atomic 64-bit words must have the size and natural "
		    "alignment of uint64_t");
USYNC_STATIC_ASSERT(sizeof(USYNC_ATOMIC(void *)) == sizeof(void *) &&
			    alignof(USYNC_ATOMIC(void *)) == alignof(void *),
		    "atomic pointers must have the layout of a pointer");

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
 * mcs_tp).  In debug builds the lock has `USYNC_ATOMIC(void *) debug_holder`, the
 * node that holds it (relaxed: diagnostic state, ordered by the lock
 * itself).  Which nodes are in use is kept on the thread's side, in a small
 * thread-local set (src/atomics/spin.c), never in the node: a caller's
 * fresh node is uninitialised memory, and reading a field of it would be a
 * read of indeterminate bytes (and a stale value could fake "in use").  The
 * set assumes the thread that acquires also releases, as pthread_mutex
 * does; a thread with more nodes in use at once than the set holds
 * (USYNC_DEBUG_NODES_TRACKED) goes unchecked for the extra ones, never
 * falsely accused.  Each macro is expanded in the public function, so a
 * failed check names it ("usync: usync_mcs_unlock: ...").
 *
 *   USYNC_DEBUG_NODE_ENTER(lock, node)     a node starts an acquisition
 *   USYNC_DEBUG_NODE_ACQUIRED(lock, node)  ... and got the lock
 *   USYNC_DEBUG_NODE_FAILED(node)          ... a trylock did not
 *   USYNC_DEBUG_NODE_RELEASE(lock, node)   the holder unlocks
 */
#if USYNC_DEBUG_CHECKS
#define USYNC_DEBUG_NODES_TRACKED 32
#ifdef __cplusplus
extern "C" {
#endif
/* Add node to the calling thread's set of nodes in use; false if it is
 * already there. */
USYNC_API bool usync_debug_node_claim(const void *node);
/* Remove node from that set (no-op if absent). */
USYNC_API void usync_debug_node_unclaim(const void *node);
#ifdef __cplusplus
}
#endif
#define USYNC_DEBUG_NODE_ENTER(lock, node)                                     \
	do {                                                                   \
		USYNC_CHECK(atomic_load_explicit(&(lock)->debug_holder,        \
						 memory_order_relaxed) !=      \
				    (void *)(node),                            \
			    "node already holds this lock");                   \
		bool usync_fresh_ = usync_debug_node_claim(node);              \
		USYNC_CHECK(usync_fresh_,                                      \
			    "node is still in use by another acquisition");    \
	} while (0)
#define USYNC_DEBUG_NODE_ACQUIRED(lock, node)                                  \
	atomic_store_explicit(&(lock)->debug_holder, (void *)(node),           \
			      memory_order_relaxed)
#define USYNC_DEBUG_NODE_FAILED(node) usync_debug_node_unclaim(node)
#define USYNC_DEBUG_NODE_RELEASE(lock, node)                                   \
	do {                                                                   \
		USYNC_CHECK(atomic_load_explicit(&(lock)->debug_holder,        \
						 memory_order_relaxed) ==      \
				    (void *)(node),                            \
			    "unlock with a node that does not hold the lock"); \
		atomic_store_explicit(&(lock)->debug_holder, (void *)NULL,     \
				      memory_order_relaxed);                   \
		usync_debug_node_unclaim(node);                                \
	} while (0)
#else
#define USYNC_DEBUG_NODE_ENTER(lock, node) ((void)0)
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
 *   POWER (ppc64, ppc64le, ppc): `or 27,27,27`, the "yield" hint of
 *     Power ISA 2.06: this hardware thread is spinning, give its issue
 *     slots to the other SMT threads of the core.  It leaves the thread's
 *     priority as it was (unlike `or 1,1,1`, which lowers it until
 *     something raises it again).
 *   RISC-V: PAUSE from Zihintpause.  It is encoded as a FENCE with
 *     pred = W, succ = 0, which orders nothing, so a core without the
 *     extension executes it as a no-op; emitted as its word (0x0100000f)
 *     so that assemblers without the extension accept it.
 *   everywhere else (s390x, ...): no hint, but still an empty volatile asm,
 *     so that a delay loop (backoff, the calibration burst) is not deleted
 *     by the compiler: without it the backoff lock would not back off and
 *     calibration would time two back-to-back clock reads.
 *
 * None of these orders memory; they only pace the loop.  Each is a volatile
 * asm, which the compiler may neither delete nor merge.
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
#elif defined(__powerpc__) || defined(__powerpc64__)
	__asm__ __volatile__("or 27,27,27");
#elif defined(__riscv)
	__asm__ __volatile__(".4byte 0x0100000f"); /* pause */
#else
	__asm__ __volatile__("");
#endif
}
#endif /* USYNC_CPU_RELAX_OVERRIDE */

#endif /* USYNC_ATOMICS_H */
