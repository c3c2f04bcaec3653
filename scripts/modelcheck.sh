#!/usr/bin/env bash
# scripts/modelcheck.sh - model-check usync's locks, barriers and park
# protocol with GenMC under RC11 (the C11 model) and IMM (a hardware model
# covering Armv8 and POWER).  The clients in tests/modelcheck/ compile the
# library's own headers and sources; see tests/modelcheck/prelude.h.
#
#   scripts/modelcheck.sh               the quick set (what scripts/test.sh runs)
#   scripts/modelcheck.sh --full        larger bounds (3 threads x 2, 4-thread barriers)
#   scripts/modelcheck.sh --mutate [--write-doc]
#                                       weaken every order, one at a time, and
#                                       report which check catches each (see
#                                       tests/modelcheck/mutate.py); --write-doc
#                                       puts the table into docs/memory-ordering.md
#   scripts/modelcheck.sh --list        the quick set's check names, one a line
#   scripts/modelcheck.sh --find        print the genmc binary, or fail
#   scripts/modelcheck.sh [--full] NAME-GLOB...   only the checks matching
#
# Options: --models "rc11 imm" (default both), --tree DIR (check the library
# in DIR instead of this checkout), --first-error (stop at the first check
# that does not go as expected), --counts FILE (write "passed failed" there).
#
# One line per check and model: name, model, executions explored, time,
# verdict.  A check either must pass ("ok") or, for the regression fixtures
# (a historical bug, seeded weakenings), must be caught ("caught"); anything
# else is "FAILED", "MISSED" or "TIMEOUT".  Exit status 0 iff all went as
# expected.
#
# --jobs N: run N checks at once (default: the number of CPUs, or 1 with
# --first-error); lines still come in the order of the checks.
#
# GenMC: $GENMC, else `genmc` on PATH, else ../shared/tools/genmc/build.sh
# (builds GenMC 0.10.3 once per machine and prints its path).  Elsewhere:
# see "Model checking" in README.md.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tree=$here
mode=quick
models="rc11 imm"
first_error=0
counts=""
jobs=""
write_doc=""
filters=()
while (($#)); do
	case $1 in
	--full) mode=full ;;
	--mutate) mode=mutate ;;
	--write-doc) write_doc=--write-doc ;;
	--list) mode=list ;;
	--find) mode=find ;;
	--models) models=$2; shift ;;
	--tree) tree=$(cd "$2" && pwd); shift ;;
	--first-error) first_error=1 ;;
	--counts) counts=$2; shift ;;
	--jobs) jobs=$2; shift ;;
	-h|--help) sed -n '2,34p' "$0"; exit 0 ;;
	-*) echo "modelcheck: unknown option $1" >&2; exit 2 ;;
	*) filters+=("$1") ;;
	esac
	shift
done

find_genmc() {
	if [[ -n ${GENMC:-} && -x $GENMC ]]; then echo "$GENMC"; return 0; fi
	if command -v genmc >/dev/null 2>&1; then command -v genmc; return 0; fi
	local build=$here/../shared/tools/genmc/build.sh
	if [[ -x $build ]]; then
		local log=${TMPDIR:-/tmp}/usync-genmc-build.$$.log path
		if path=$("$build" 2>"$log") && [[ -x $path ]]; then
			rm -f "$log"; echo "$path"; return 0
		fi
		echo "modelcheck: building GenMC failed, see $log" >&2
	fi
	return 1
}

# ------------------------------------------------------------- the checks
#
# name | client | -D knobs | GenMC flags | expect | seeded weakening
# (fixtures only: FILE:FUNCTION:OLD=>NEW).  expect: pass; pass-ww (pass,
# and two atomic writes to one location that nothing orders are by design:
# the TAS family's failed exchange against the unlock's store); pass-ww-imm
# (pass, and unordered writes are not counted under IMM only: see the
# mcs_tp park checks); fail (must be caught).
#
# Names are KIND-ALG-BOUND.  KIND: lock (spin policy, per-algorithm API),
# generic (usync_lock_*), park (park policy: waits sleep on the futex
# model, liveness checked), timed and tpark (timed acquisition, spin and
# park policies; tgeneric through usync_lock_acquire_until), barrier, bpark, rw, rwpark, rwgeneric (shared
# locks), fixture.  The mutation run picks
# the checks covering a file by KIND and ALG (tests/modelcheck/mutate.py).
#
# CLH: GenMC 0.10.3 takes the node pool's CAS retry loop for a spin loop
# that cannot terminate, so CLH checks run without --check-liveness.  The
# generic API (calls through the ops table) needs
# --disable-instruction-caching: without it GenMC 0.10.3 reports a bogus
# access to freed stack memory (generic clh at 2 threads, mcs and ticket
# at 3).  Every check: --disable-confirmation-annotation
# (that transformation aborts with an internal error on these sources).
LV=--check-liveness
quick_checks=(
	"lock-tas-2x2|lock|MC_ALG_tas MC_TRY|$LV|pass-ww"
	"lock-ttas-2x2|lock|MC_ALG_ttas MC_TRY|$LV|pass-ww"
	"lock-backoff-2x2|lock|MC_ALG_backoff MC_TRY|$LV|pass-ww"
	"lock-ticket-2x2|lock|MC_ALG_ticket MC_TRY|$LV|pass"
	"lock-anderson-2x2|lock|MC_ALG_anderson MC_TRY|$LV|pass"
	"lock-mcs-2x2|lock|MC_ALG_mcs MC_TRY|$LV|pass"
	"lock-mcs_tp-2x2|lock|MC_ALG_mcs_tp MC_TRY|$LV|pass"
	"lock-clh-2x2|lock|MC_ALG_clh MC_TRY||pass"
	"lock-tas-3x1|lock|MC_ALG_tas NTHREADS=3 ITERS=1|$LV|pass-ww"
	"lock-ttas-3x1|lock|MC_ALG_ttas NTHREADS=3 ITERS=1|$LV|pass-ww"
	"lock-ticket-3x1|lock|MC_ALG_ticket NTHREADS=3 ITERS=1|$LV|pass"
	"lock-anderson-3x1|lock|MC_ALG_anderson NTHREADS=3 ITERS=1|$LV|pass"
	"lock-mcs-3x1|lock|MC_ALG_mcs NTHREADS=3 ITERS=1|$LV|pass"
	"lock-mcs_tp-3x1|lock|MC_ALG_mcs_tp NTHREADS=3 ITERS=1|$LV|pass"
	"pool-clh-2x1|clh_pool|ITERS=1||pass"
	"generic-mcs-2x2|lock|MC_GENERIC_mcs MC_TRY|$LV --disable-instruction-caching|pass"
	"generic-clh-2x2|lock|MC_GENERIC_clh|--disable-instruction-caching|pass"
	"generic-clh-2x1|lock|MC_GENERIC_clh MC_TRY ITERS=1|--disable-instruction-caching|pass"
	"park-tas-2x2|lock|MC_ALG_tas MC_PARK|$LV|pass"
	"park-ttas-2x2|lock|MC_ALG_ttas MC_PARK|$LV|pass"
	"park-backoff-2x2|lock|MC_ALG_backoff MC_PARK|$LV|pass"
	"park-ticket-2x2|lock|MC_ALG_ticket MC_PARK|$LV|pass"
	"park-anderson-2x2|lock|MC_ALG_anderson MC_PARK|$LV|pass"
	"park-mcs-2x2|lock|MC_ALG_mcs MC_PARK|$LV|pass"
	"park-mcs_tp-2x1|lock|MC_ALG_mcs_tp MC_PARK ITERS=1|$LV|pass-ww-imm" # see tpark-mcs_tp
	"park-clh-2x2|lock|MC_ALG_clh MC_PARK||pass"
	# Timed acquisition (MC_TIMED: thread 1 times out wherever it could).
	# The queue locks' and ticket's spin-policy timed checks also report
	# hangs (MC_HANGS with --disable-spin-assume, tests/modelcheck/
	# prelude.h): a waiter left behind a leaver for ever -- a grant that
	# nobody will make, a ticket nobody settles -- is a liveness violation,
	# where the plain await reduction counts it a blocked execution.
	"timed-tas-2x2|lock|MC_ALG_tas MC_TIMED|$LV|pass-ww"
	"timed-ttas-2x2|lock|MC_ALG_ttas MC_TIMED|$LV|pass-ww"
	"timed-backoff-2x2|lock|MC_ALG_backoff MC_TIMED|$LV|pass-ww"
	"tpark-tas-2x2|lock|MC_ALG_tas MC_TIMED MC_PARK|$LV|pass"
	"tpark-ttas-2x2|lock|MC_ALG_ttas MC_TIMED MC_PARK|$LV|pass"
	"tpark-backoff-2x2|lock|MC_ALG_backoff MC_TIMED MC_PARK|$LV|pass"
	"timed-clh-2x2|lock|MC_ALG_clh MC_TIMED||pass"
	"tpark-clh-2x1|lock|MC_ALG_clh MC_TIMED MC_PARK ITERS=1||pass"
	"tgeneric-clh-2x2|lock|MC_GENERIC_clh MC_TIMED|--disable-instruction-caching|pass"
	"timed-anderson-2x2|lock|MC_ALG_anderson MC_TIMED MC_HANGS|$LV --disable-spin-assume|pass"
	"timed-anderson-3x1|lock|MC_ALG_anderson MC_TIMED MC_TIMED2 NTHREADS=3 ITERS=1 MC_HANGS|$LV --disable-spin-assume|pass"
	"tpark-anderson-2x2|lock|MC_ALG_anderson MC_TIMED MC_PARK|$LV|pass"
	"tpark-anderson-3x1|lock|MC_ALG_anderson MC_TIMED MC_TIMED2 MC_PARK NTHREADS=3 ITERS=1|$LV|pass"
	# The ticket lock's abandoned tickets: a small mark table (2 slots, so
	# probing and a second occupant are explored); timed2 has two timed
	# threads (give-back cascades).  All check the lock is free at the end
	# (MC_CHECK_FREE).  tpark keeps the deadline's first reading
	# (MC_FIRST_READING): with expiry at any reading it ran past 300 s.
	"timed-ticket-2x2|lock|MC_ALG_ticket MC_TIMED MC_CHECK_FREE USYNC_TICKET_MARKS=2 MC_HANGS|$LV --disable-function-inliner --disable-spin-assume|pass"
	"timed-ticket-3x1|lock|MC_ALG_ticket MC_TIMED MC_CHECK_FREE NTHREADS=3 ITERS=1 USYNC_TICKET_MARKS=2 MC_HANGS|$LV --disable-function-inliner --disable-spin-assume|pass"
	"timed2-ticket-3x1|lock|MC_ALG_ticket MC_TIMED2 MC_CHECK_FREE NTHREADS=3 ITERS=1 USYNC_TICKET_MARKS=2 MC_HANGS|$LV --disable-function-inliner --disable-spin-assume|pass"
	# A timed waiter behind a leaver (MC_TIMED_STAY: thread 2's deadline
	# never passes), so that a look it misses is a hang, not a timeout.
	"timed3-ticket-3x1|lock|MC_ALG_ticket MC_TIMED MC_TIMED_STAY MC_CHECK_FREE NTHREADS=3 ITERS=1 USYNC_TICKET_MARKS=2 MC_HANGS|$LV --disable-function-inliner --disable-spin-assume|pass"
	"tpark-ticket-2x2|lock|MC_ALG_ticket MC_TIMED MC_PARK MC_FIRST_READING MC_CHECK_FREE USYNC_TICKET_MARKS=2|$LV --disable-function-inliner|pass"
	# The timed sleep's own store-buffering pair (park_ticket_until's
	# fence): with a deadline that never passes, a lost wake-up is a sleep
	# for ever, which a timeout would otherwise end.
	"tsleep-ticket-2x2|lock|MC_ALG_ticket MC_TIMED MC_PARK MC_NEVER_EXPIRES MC_CHECK_FREE USYNC_TICKET_MARKS=2|$LV --disable-function-inliner|pass"
	"tgeneric-ticket-2x2|lock|MC_GENERIC_ticket MC_TIMED MC_CHECK_FREE USYNC_TICKET_MARKS=2|$LV --disable-instruction-caching --disable-function-inliner|pass"
	# Queue locks: MC_FRESH_CTX frees a timed waiter's node as soon as
	# it is the caller's again; 3x1: two adjacent leavers (MC_TIMED2).
	"timed-mcs-2x2|lock|MC_ALG_mcs MC_TIMED MC_FRESH_CTX MC_HANGS|$LV --disable-spin-assume|pass"
	"timed-mcs-3x1|lock|MC_ALG_mcs MC_TIMED MC_TIMED2 MC_FRESH_CTX NTHREADS=3 ITERS=1|$LV|pass"
	"tpark-mcs-2x1|lock|MC_ALG_mcs MC_TIMED MC_PARK MC_FRESH_CTX ITERS=1|$LV|pass"
	"tgeneric-mcs-2x2|lock|MC_GENERIC_mcs MC_TIMED MC_FRESH_CTX|$LV --disable-instruction-caching|pass"
	# park-mcs_tp and tpark-mcs_tp: pass-ww-imm because under IMM GenMC
	# 0.10.3 reports a waiter's own successive relaxed stores of its
	# stamp (one thread, program order: publish_running, then
	# publish_not_running before it parks) as unordered writes; under
	# RC11 they pass as pass.
	"timed-mcs_tp-2x1|lock|MC_ALG_mcs_tp MC_TIMED MC_FRESH_CTX ITERS=1 MC_HANGS|$LV --disable-spin-assume|pass"
	"tpark-mcs_tp-2x1|lock|MC_ALG_mcs_tp MC_TIMED MC_PARK MC_FRESH_CTX ITERS=1|$LV|pass-ww-imm"
	"tgeneric-mcs_tp-2x1|lock|MC_GENERIC_mcs_tp MC_TIMED MC_FRESH_CTX ITERS=1|$LV --disable-instruction-caching|pass"
	"barrier-counter-2x2|barrier|MC_BAR_counter|$LV|pass"
	"barrier-tree-2x2|barrier|MC_BAR_tree MC_FANIN=2|$LV|pass"
	"barrier-mcs-2x2|barrier|MC_BAR_mcs|$LV|pass"
	"barrier-tournament-2x2|barrier|MC_BAR_tournament|$LV|pass"
	"barrier-dissemination-2x2|barrier|MC_BAR_dissemination|$LV|pass"
	"barrier-counter-3x2|barrier|MC_BAR_counter NTHREADS=3|$LV|pass"
	"barrier-tree-3x2|barrier|MC_BAR_tree MC_FANIN=2 NTHREADS=3|$LV|pass"
	"barrier-mcs-3x2|barrier|MC_BAR_mcs NTHREADS=3|$LV|pass"
	"barrier-tournament-3x2|barrier|MC_BAR_tournament NTHREADS=3|$LV|pass"
	"barrier-dissemination-3x2|barrier|MC_BAR_dissemination NTHREADS=3|$LV|pass"
	"bpark-counter-2x2|barrier|MC_BAR_counter MC_PARK|$LV|pass"
	"bpark-tree-2x2|barrier|MC_BAR_tree MC_FANIN=2 MC_PARK|$LV|pass"
	"bpark-mcs-2x2|barrier|MC_BAR_mcs MC_PARK|$LV|pass"
	"bpark-tournament-2x2|barrier|MC_BAR_tournament MC_PARK|$LV|pass"
	"bpark-dissemination-2x2|barrier|MC_BAR_dissemination MC_PARK|$LV|pass"
	# Shared locks (tests/modelcheck/rwlock_client.c): W writers and R
	# readers, once each.
	"rw-rw_counter-1w2r|rwlock|MC_RW_rw_counter NREADERS=2|$LV|pass"
	"rw-rw_counter-2w1r|rwlock|MC_RW_rw_counter NWRITERS=2 MC_TRY|$LV|pass"
	"rwpark-rw_counter-1w1r|rwlock|MC_RW_rw_counter MC_PARK|$LV|pass"
	"rw-rw_ticket-1w2r|rwlock|MC_RW_rw_ticket NREADERS=2|$LV|pass"
	"rw-rw_ticket-2w1r|rwlock|MC_RW_rw_ticket NWRITERS=2 MC_TRY|$LV|pass"
	"rwpark-rw_ticket-1w1r|rwlock|MC_RW_rw_ticket MC_PARK|$LV|pass"
	"rw-rw_phasefair-1w2r|rwlock|MC_RW_rw_phasefair NREADERS=2|$LV|pass"
	"rw-rw_phasefair-2w1r|rwlock|MC_RW_rw_phasefair NWRITERS=2 MC_TRY|$LV|pass"
	"rwpark-rw_phasefair-1w1r|rwlock|MC_RW_rw_phasefair MC_PARK|$LV|pass"
	"rw-rw_mcs-1w2r|rwlock|MC_RW_rw_mcs NREADERS=2|$LV|pass"
	"rw-rw_mcs-2w1r|rwlock|MC_RW_rw_mcs NWRITERS=2 MC_TRY|$LV|pass"
	"rwpark-rw_mcs-1w1r|rwlock|MC_RW_rw_mcs MC_PARK|$LV|pass"
	"rw-bravo-1w2r|rwlock|MC_RW_bravo NREADERS=2 USYNC_BRAVO_TABLE_BITS=2|$LV|pass"
	"rw-bravo-2w1r|rwlock|MC_RW_bravo NWRITERS=2 MC_TRY USYNC_BRAVO_TABLE_BITS=2|$LV|pass"
	"rwpark-bravo-1w1r|rwlock|MC_RW_bravo MC_PARK USYNC_BRAVO_TABLE_BITS=2|$LV|pass"
	"rwgeneric-bravo_rw_mcs-1w1r|rwlock|MC_RW_GENERIC USYNC_BRAVO_TABLE_BITS=2|$LV|pass"
	# --- Shared locks, added for the mutation run: bravo twice in a row (a
	# fast reader after a reader's slot clear; 77 executions), and rw_mcs
	# twice with trylocks first (a node published by a trylock's CAS is
	# read by the next arrival).
	"rw-rw_mcs-1w1rx2t|rwlock|MC_RW_rw_mcs ITERS=2 MC_TRY|$LV|pass"
	"rw-bravo-1w1rx2|rwlock|MC_RW_bravo ITERS=2 USYNC_BRAVO_TABLE_BITS=2|$LV|pass"
	# --- end of the shared locks' additions.
	# --- The condition variable (tests/modelcheck/cond_client.c): signal
	# (one waiter, one signal under the lock; outside: the signal after the
	# unlock), broadcast (two waiters), timed (a timed waiter, an untimed
	# one and a signal; the deadline passes anywhere).  pass-ww: the cond's
	# guard is a tas lock (its failed exchange against the unlock's store).
	"cond-signal-tas|cond|MC_COND_signal MC_LOCK_tas|$LV|pass-ww"
	"cond-signal-mcs|cond|MC_COND_signal MC_LOCK_mcs|$LV|pass-ww"
	"cond-signal-generic|cond|MC_COND_signal MC_LOCK_generic|$LV --disable-instruction-caching|pass-ww"
	"cond-outside-tas|cond|MC_COND_signal MC_OUTSIDE MC_LOCK_tas|$LV|pass-ww"
	"cond-outside-mcs|cond|MC_COND_signal MC_OUTSIDE MC_LOCK_mcs|$LV|pass-ww"
	"cond-broadcast-tas|cond|MC_COND_broadcast MC_LOCK_tas|$LV|pass-ww"
	"cond-timed-tas|cond|MC_COND_timed MC_LOCK_tas|$LV|pass-ww"
	# --- end of the condition variable.
	# Regression fixtures: a checker that stops catching these is broken.
	"fixture-anderson_flag-2x2|lock|MC_FIXTURE_anderson_flag|$LV|fail"
	"fixture-mcs_handoff_relaxed-2x2|lock|MC_ALG_mcs|$LV|fail|include/usync/spin.h:usync_wake_store:atomic_store_explicit(word, v, memory_order_release)=>atomic_store_explicit(word, v, memory_order_relaxed)"
	"fixture-mcs_tail_relaxed-2x2|lock|MC_ALG_mcs|$LV|fail|include/usync/mcs.h:usync_mcs_lock:memory_order_acq_rel)=>memory_order_relaxed)"
	"fixture-park_no_wake-2x2|lock|MC_ALG_mcs MC_PARK|$LV|fail|include/usync/spin.h:usync_wake_store:usync_futex_wake(word, nwake)=>(void)nwake"
	# A ticket waiter that never looks for abandoned tickets waits for ever
	# behind one: only a check that reports hangs (MC_HANGS) catches it.
	"fixture-ticket_never_looks-3x1|lock|MC_ALG_ticket MC_TIMED MC_CHECK_FREE NTHREADS=3 ITERS=1 USYNC_TICKET_MARKS=2 MC_HANGS|$LV --disable-function-inliner --disable-spin-assume|fail|src/locks/ticket.c:usync_ticket_lock_slow:look && epoch != 0=>false"
	"fixture-rw_counter_unlock_relaxed-1w2r|rwlock|MC_RW_rw_counter NREADERS=2|$LV|fail|include/usync/rw_counter.h:usync_rw_counter_write_unlock:memory_order_release)=>memory_order_relaxed)"
	# --- The condition variable: a timed-out waiter that ignores a TAKEN
	# set before its TIMED_OUT (the signal is lost: the untimed waiter sleeps
	# for ever).
	"fixture-cond_timeout_steals-tas|cond|MC_COND_timed MC_LOCK_tas|$LV|fail|src/cond/cond.c:cond_wait:old & (COND_TAKEN | COND_WOKEN)=>old & COND_WOKEN"
	# --- end of the condition variable's fixtures.
)
full_checks=(
	"tpark-mcs-2x2|lock|MC_ALG_mcs MC_TIMED MC_PARK MC_FRESH_CTX|$LV|pass"
	# 45 936 executions with expiry at any reading: 83 s RC11, 235 s IMM.
	"tpark-clh-2x2|lock|MC_ALG_clh MC_TIMED MC_PARK||pass"
	"timed-mcs_tp-2x2|lock|MC_ALG_mcs_tp MC_TIMED MC_FRESH_CTX|$LV|pass"
	# Hangs reported (MC_HANGS) at the bounds too costly for the quick set.
	"hang-mcs-3x1|lock|MC_ALG_mcs MC_TIMED MC_TIMED2 MC_FRESH_CTX NTHREADS=3 ITERS=1 MC_HANGS|$LV --disable-spin-assume|pass"
	"hang-clh-2x2|lock|MC_ALG_clh MC_TIMED MC_HANGS|$LV --disable-spin-assume|pass"
	"timed-mcs_tp-3x1|lock|MC_ALG_mcs_tp MC_TIMED MC_FRESH_CTX NTHREADS=3 ITERS=1|$LV|pass"
	# Adjacent mcs_tp leavers (threads 1 and 2 timed): a relink behind a
	# leaver whose successor is leaving too, and its ack.
	"timed2-mcs_tp-3x1|lock|MC_ALG_mcs_tp MC_TIMED MC_TIMED2 MC_FRESH_CTX NTHREADS=3 ITERS=1|$LV|pass"
	"lock-tas-3x2|lock|MC_ALG_tas NTHREADS=3 MC_TRY|$LV|pass-ww"
	"lock-ttas-3x2|lock|MC_ALG_ttas NTHREADS=3 MC_TRY|$LV|pass-ww"
	"lock-backoff-3x2|lock|MC_ALG_backoff NTHREADS=3 MC_TRY|$LV|pass-ww"
	"lock-ticket-3x2|lock|MC_ALG_ticket NTHREADS=3 MC_TRY|$LV|pass"
	"lock-anderson-3x2|lock|MC_ALG_anderson NTHREADS=3 MC_TRY|$LV|pass"
	"lock-mcs-3x2|lock|MC_ALG_mcs NTHREADS=3 MC_TRY|$LV|pass"
	"lock-mcs_tp-3x2|lock|MC_ALG_mcs_tp NTHREADS=3 MC_TRY|$LV|pass"
	"lock-mcs_tp-2x3|lock|MC_ALG_mcs_tp ITERS=3|$LV|pass"
	"lock-clh-3x1|lock|MC_ALG_clh NTHREADS=3 ITERS=1 MC_TRY||pass"
	"pool-clh-2x2|clh_pool|ITERS=2||pass"
	"pool-clh-3x1|clh_pool|NTHREADS=3 ITERS=1||pass"
	"generic-mcs-3x2|lock|MC_GENERIC_mcs NTHREADS=3 MC_TRY|$LV --disable-instruction-caching|pass"
	"generic-ticket-3x2|lock|MC_GENERIC_ticket NTHREADS=3 MC_TRY|$LV --disable-instruction-caching|pass"
	"generic-clh-2x2t|lock|MC_GENERIC_clh MC_TRY|--disable-instruction-caching|pass"
	"generic-clh-3x1|lock|MC_GENERIC_clh NTHREADS=3 ITERS=1|--disable-instruction-caching|pass"
	"park-tas-3x1|lock|MC_ALG_tas MC_PARK NTHREADS=3 ITERS=1|$LV|pass"
	"park-ticket-3x1|lock|MC_ALG_ticket MC_PARK NTHREADS=3 ITERS=1|$LV|pass"
	"park-anderson-3x1|lock|MC_ALG_anderson MC_PARK NTHREADS=3 ITERS=1|$LV|pass"
	"park-mcs-3x1|lock|MC_ALG_mcs MC_PARK NTHREADS=3 ITERS=1|$LV|pass"
	"park-mcs_tp-3x1|lock|MC_ALG_mcs_tp MC_PARK NTHREADS=3 ITERS=1|$LV|pass"
	"barrier-counter-4x2|barrier|MC_BAR_counter NTHREADS=4|$LV|pass"
	"barrier-tree-4x2|barrier|MC_BAR_tree MC_FANIN=2 NTHREADS=4|$LV|pass"
	"barrier-mcs-4x2|barrier|MC_BAR_mcs NTHREADS=4|$LV|pass"
	"barrier-tournament-4x2|barrier|MC_BAR_tournament NTHREADS=4|$LV|pass"
	"barrier-dissemination-4x2|barrier|MC_BAR_dissemination NTHREADS=4|$LV|pass"
	"barrier-mcs-4x3|barrier|MC_BAR_mcs NTHREADS=4 EPISODES=3|$LV|pass"
	"bpark-tournament-3x1|barrier|MC_BAR_tournament MC_PARK NTHREADS=3 EPISODES=1|$LV|pass"
	"bpark-dissemination-3x1|barrier|MC_BAR_dissemination MC_PARK NTHREADS=3 EPISODES=1|$LV|pass"
	"rwpark-rw_counter-1w2r|rwlock|MC_RW_rw_counter MC_PARK NREADERS=2|$LV|pass"
	"rw-rw_counter-1w1rx2|rwlock|MC_RW_rw_counter ITERS=2|$LV|pass"
	"rwpark-rw_ticket-1w2r|rwlock|MC_RW_rw_ticket MC_PARK NREADERS=2|$LV|pass"
	"rw-rw_ticket-1w1rx2|rwlock|MC_RW_rw_ticket ITERS=2|$LV|pass"
	"rwpark-rw_phasefair-1w2r|rwlock|MC_RW_rw_phasefair MC_PARK NREADERS=2|$LV|pass"
	"rw-rw_phasefair-1w1rx2|rwlock|MC_RW_rw_phasefair ITERS=2|$LV|pass"
	"rwpark-rw_mcs-1w2r|rwlock|MC_RW_rw_mcs MC_PARK NREADERS=2|$LV|pass"
	"rw-rw_mcs-1w1rx2|rwlock|MC_RW_rw_mcs ITERS=2|$LV|pass"
	"rwpark-bravo-1w2r|rwlock|MC_RW_bravo MC_PARK NREADERS=2 USYNC_BRAVO_TABLE_BITS=2|$LV|pass"
	"rwgeneric-bravo_rw_mcs-1w2r|rwlock|MC_RW_GENERIC NREADERS=2 USYNC_BRAVO_TABLE_BITS=2|$LV|pass"
	# rw_mcs with the four threads that MCS'91's last-reader race needs (a
	# reader delayed between its decrement and its swap of next_writer; a
	# reader inside; one that empties the queue behind it; an empty-queue
	# writer).  The published two-word handshake fails it under RC11 in
	# 73 s (132 853 executions, a non-atomic race).  The one-word
	# announcement has not yet been explored to the end: RC11 ran past
	# 20 minutes without symmetry reduction and past 10 with it, so this
	# check may time out even in --full.
	"rw-rw_mcs-1w3r|rwlock|MC_RW_rw_mcs NREADERS=3 MC_SYM_READERS|$LV|pass"
	# --- The condition variable: broadcast through a queue lock.
	"cond-broadcast-ticket|cond|MC_COND_broadcast MC_LOCK_ticket|$LV|pass-ww"
	# --- end of the condition variable.
)

if [[ $mode == mutate ]]; then
	exec python3 "$here/tests/modelcheck/mutate.py" --root "$here" --models "$models" $write_doc
fi

case $mode in
quick|list|find) checks=("${quick_checks[@]}"); budget=${USYNC_MC_BUDGET_S:-300} ;;
full) checks=("${quick_checks[@]}" "${full_checks[@]}"); budget=${USYNC_MC_BUDGET_S:-1800} ;;
esac

# With name globs: the matching checks, in the order of the globs (the
# mutation run puts the cheapest likely killers first), each once.
selected=()
if ((${#filters[@]})); then
	declare -A taken=()
	for f in "${filters[@]}"; do
		for c in "${checks[@]}"; do
			name=${c%%|*}
			# shellcheck disable=SC2053
			if [[ $name == $f && -z ${taken[$name]:-} ]]; then
				taken[$name]=1
				selected+=("$c")
			fi
		done
	done
else
	selected=("${checks[@]}")
fi

if [[ $mode == list ]]; then
	for c in "${selected[@]}"; do
		for m in $models; do echo "${c%%|*} $m"; done
	done
	exit 0
fi

if [[ -z $jobs ]]; then
	if ((first_error)); then jobs=1; else jobs=$(nproc 2>/dev/null || echo 1); fi
fi
[[ $jobs =~ ^[1-9][0-9]*$ ]] || { echo "modelcheck: --jobs needs a positive count" >&2; exit 2; }

genmc=$(find_genmc) || { echo "modelcheck: GenMC not found (see README.md, Model checking)" >&2; exit 3; }
if [[ $mode == find ]]; then echo "$genmc"; exit 0; fi

# The generated configuration: spin policy by default (clients choose park
# per object), debug checks off, a single spin-and-yield round before
# parking.  Kept with the tree being checked.
cfgdir=$tree/build-modelcheck/include/usync
mkdir -p "$cfgdir"
sed -e 's/@version@/modelcheck/' -e 's/@cacheline@/64/' -e 's/@wait_policy@/0/' \
	-e 's/@spin_budget_ns@/1000/' -e 's/@park_spin_ns@/0/' \
	-e 's/@aarch64_relax_yield@/0/' -e 's/@debug_checks@/0/' \
	-e 's/@version_major@/0/' -e 's/@version_minor@/0/' -e 's/@version_patch@/0/' \
	-e 's/@soversion@/0/' \
	"$tree/include/usync/config.h.in" >"$cfgdir/config.h.new"
if cmp -s "$cfgdir/config.h.new" "$cfgdir/config.h"; then rm "$cfgdir/config.h.new"; else mv "$cfgdir/config.h.new" "$cfgdir/config.h"; fi

# seed TREE SPEC: apply a fixture's weakening (FILE:FUNCTION:OLD=>NEW, OLD
# taken inside FUNCTION's body) to a scratch copy of TREE; prints the copy.
seed() {
	local src=$1 spec=$2 dst
	dst=$(mktemp -d "${TMPDIR:-/tmp}/usync-mc-seed.XXXXXX")
	(cd "$src" && { git ls-files --cached --others --exclude-standard 2>/dev/null ||
		find include src tests -type f; } | grep -E '^(include|src|tests)/' |
		tar -cf - -T - | tar -xf - -C "$dst")
	mkdir -p "$dst/build-modelcheck" && cp -r "$src/build-modelcheck/include" "$dst/build-modelcheck/"
	python3 "$here/tests/modelcheck/mutate.py" --seed "$dst" "$spec" >&2 || { rm -rf "$dst"; return 1; }
	echo "$dst"
}

# One check, both models: its lines to stdout, log paths to stderr, and
# "passed failed" to $1.cnt (written last: the check is done).
run_check() {
	local res=$1 c=$2 ok=0 bad=0
	local name client knobs flags expect weaken where defs k m log t0 rc
	local secs execs error bug verdict
	IFS='|' read -r name client knobs flags expect weaken <<<"$c"
	where=$tree
	if [[ -n ${weaken:-} ]]; then
		where=$(seed "$tree" "$weaken") || {
			printf '%-34s %-5s %9s %8s  %s\n' "$name" "-" "-" "-" "FAILED (seeded weakening no longer applies)"
			echo "0 1" >"$res.cnt"; return
		}
	fi
	defs=()
	for k in $knobs; do defs+=("-D$k"); done
	for m in $models; do
		log=$(mktemp "${TMPDIR:-/tmp}/usync-mc.XXXXXX")
		t0=$(date +%s.%N)
		rc=0
		# shellcheck disable=SC2086
		timeout "$budget" "$genmc" -$m --disable-estimation \
			--disable-confirmation-annotation $flags -- \
			-I"$where/include" -I"$where/build-modelcheck/include" \
			-I"$where/tests/modelcheck" "${defs[@]}" \
			"$where/tests/modelcheck/${client}_client.c" >"$log" 2>&1 || rc=$?
		secs=$(echo "$(date +%s.%N) $t0" | awk '{ printf "%.1f", $1 - $2 }')
		execs=$(awk '/complete executions explored/ { print $NF }' "$log")
		# An error GenMC found; else a write-write race it only warns
		# about (two writes to one location that nothing orders: in a
		# lock or barrier, a lost update), which counts as an error here.
		error=$(grep -m1 -E '^Error' "$log" || true)
		if [[ -z $error && $expect != pass-ww &&
			! ($expect == pass-ww-imm && $m == imm) ]]; then
			error=$(grep -m1 -E '^Warning: Unordered writes' "$log" || true)
		fi
		bug=$(grep -m1 -E '^ERROR|BUG' "$log" || true)
		if ((rc == 124)); then
			verdict=TIMEOUT
		elif [[ $expect == pass* && ${execs:-0} == 0 ]] && grep -q "^No errors were detected" "$log"; then
			# Every execution ended at a failed poll: nothing was checked
			# (say, a wait added to initialisation, before the threads).
			verdict="FAILED (no complete execution: the check is vacuous)"
		elif [[ -z $error && -z $bug ]] && grep -q "^No errors were detected" "$log" && ((rc == 0)); then
			[[ $expect == pass* ]] && verdict=ok || verdict="MISSED (the fixture was not caught)"
		elif [[ -n $error && -z $bug ]]; then
			[[ $expect == fail ]] && verdict="caught: ${error%!*}" || verdict="FAILED: $error"
		else
			verdict="FAILED (genmc: $(grep -m1 -iE 'error|bug' "$log" || echo "exit $rc"))"
		fi
		printf '%-34s %-5s %9s %8s  %s\n' "$name" "$m" "${execs:--}" "${secs}s" "$verdict"
		if [[ $verdict == ok || $verdict == caught* ]]; then
			ok=$((ok + 1)); rm -f "$log"
		else
			bad=$((bad + 1))
			echo "    log: $log" >&2
			if ((first_error)); then break; fi
		fi
	done
	if [[ $where != "$tree" ]]; then rm -rf "$where"; fi
	echo "$ok $bad" >"$res.cnt"
}

# Checks run $jobs at a time (default: one per CPU; one with --first-error,
# so that the mutation run stops at its first killer in the order it gave);
# their lines are printed in the order of the checks as each finishes.
resdir=$(mktemp -d "${TMPDIR:-/tmp}/usync-mc-run.XXXXXX")
trap 'rm -rf "$resdir"' EXIT
passed=0
failed=0
printed=0
stop=0
start_all=$SECONDS
# Print the finished checks that are next in order; stop launching after a
# failure under --first-error.
flush() {
	local a b
	while ((printed < ${#selected[@]})) && [[ -s $resdir/$printed.cnt ]]; do
		cat "$resdir/$printed.out"
		cat "$resdir/$printed.err" >&2
		read -r a b <"$resdir/$printed.cnt"
		passed=$((passed + a)); failed=$((failed + b))
		if ((b && first_error)); then stop=1; fi
		printed=$((printed + 1))
	done
}
for i in "${!selected[@]}"; do
	while (($(jobs -rp | wc -l) >= jobs)); do
		wait -n || true
		flush
	done
	flush
	((stop)) && break
	run_check "$resdir/$i" "${selected[$i]}" >"$resdir/$i.out" 2>"$resdir/$i.err" &
done
wait
flush
# A job that ended without writing its count (an error in this script, a
# kill) must not pass silently: report it failed and go on with the rest.
while ((printed < ${#selected[@]} && !stop)); do
	cat "$resdir/$printed.out" 2>/dev/null || true
	echo "${selected[$printed]%%|*}: FAILED (its job ended without a result)"
	failed=$((failed + 1)); printed=$((printed + 1))
	flush
done
echo "modelcheck: $passed passed, $failed failed in $((SECONDS - start_all)) s"
if [[ -n $counts ]]; then echo "$passed $failed" >"$counts"; fi
((failed == 0))
