#!/usr/bin/env python3
"""tests/modelcheck/mutate.py - order mutation for usync (scripts/modelcheck.sh --mutate).

Weakens every non-relaxed memory order in include/usync/*.h and src/**/*.c,
one at a time, in a scratch copy of the tree, and runs the model-checking
checks that cover the file:

    release -> relaxed        acquire -> relaxed
    acq_rel -> acquire        acq_rel -> release
    seq_cst -> acq_rel        a fence removed

A mutant is killed when a check reports an error (a race, a failed
assertion, a liveness violation).  A survivor is either a gap in the checks
or an order stronger than the algorithm needs; the reasons for the ones that
stand are in JUSTIFIED below, keyed by file, function and mutation, and the
table printed (and, with --write-doc, written into docs/memory-ordering.md
between the mutation-table markers) shows for every access the check that
kills its weakening or that reason.

Also used by scripts/modelcheck.sh to apply a fixture's seeded weakening:
    mutate.py --seed DIR FILE:FUNCTION:OLD=>NEW
"""
import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ORDER_RE = re.compile(r"memory_order_(release|acquire|acq_rel|seq_cst)\b")
CALL_RE = re.compile(r"\b(atomic_\w+|usync_\w+)\s*\(")

# Which checks (scripts/modelcheck.sh names, shell globs) cover a file, in
# the order to try them: cheap and likely killers first.
EVERYTHING = ["lock-*-2x2", "park-*", "bpark-*", "barrier-*", "generic-*", "lock-*", "pool-*",
              "timed-*", "tpark-*", "tsleep-*", "tgeneric-*"]
COVER = {
    "include/usync/atomics.h": EVERYTHING,
    "include/usync/spin.h": EVERYTHING,
    "src/atomics/spin.c": ["park-*", "bpark-*", "tpark-*"],
    "include/usync/tas.h": ["*-tas-*"],
    "src/locks/tas.c": ["park-tas-*", "park-ttas-*", "park-backoff-*", "*-tas-*",
                        "*-ttas-*", "*-backoff-*"],
    "include/usync/ttas.h": ["*-ttas-*"],
    "src/locks/ttas.c": ["*-ttas-*"],
    "include/usync/backoff.h": ["*-backoff-*"],
    "src/locks/backoff.c": ["*-backoff-*"],
    "include/usync/ticket.h": ["lock-ticket-*", "park-ticket-*", "generic-ticket-*",
                               "timed-ticket-*", "timed2-ticket-*", "timed3-ticket-*", "tpark-ticket-*",
                               "tgeneric-ticket-*"],
    "src/locks/ticket.c": ["park-ticket-*", "lock-ticket-*", "generic-ticket-*",
                           "timed2-ticket-*", "timed3-ticket-*", "timed-ticket-*", "tpark-ticket-*",
                           "tsleep-ticket-*", "tgeneric-ticket-*"],
    "include/usync/anderson.h": ["*-anderson-*"],
    "src/locks/anderson.c": ["*-anderson-*"],
    "include/usync/mcs.h": ["lock-mcs-*", "timed-mcs-*", "park-mcs-*", "tpark-mcs-*",
                            "generic-mcs-*", "tgeneric-mcs-*"],
    "src/locks/mcs.c": ["lock-mcs-*", "timed-mcs-*", "park-mcs-*", "tpark-mcs-*",
                        "generic-mcs-*", "tgeneric-mcs-*"],
    "include/usync/mcs_tp.h": ["*-mcs_tp-*"],
    "src/locks/mcs_tp.c": ["*-mcs_tp-*"],
    "include/usync/clh.h": ["lock-clh-*", "generic-clh-*", "timed-clh-*", "tgeneric-clh-*",
                            "park-clh-*", "tpark-clh-*"],
    "src/locks/clh.c": ["pool-clh-*", "lock-clh-*", "generic-clh-*", "timed-clh-*",
                        "tgeneric-clh-*", "park-clh-*", "tpark-clh-*"],
    "src/locks/registry.c": ["generic-*"],
    "src/barriers/counter.c": ["barrier-counter-*", "bpark-counter-*"],
    "src/barriers/tree.c": ["barrier-tree-*", "bpark-tree-*"],
    "src/barriers/mcs.c": ["barrier-mcs-*", "bpark-mcs-*"],
    "src/barriers/tournament.c": ["barrier-tournament-*", "bpark-tournament-*"],
    "src/barriers/dissemination.c": ["barrier-dissemination-*", "bpark-dissemination-*"],
    # --- The shared locks (rwlock_client.c).  bravo runs over rw_phasefair;
    # the generic API check (rwgeneric) is bravo over rw_mcs.
    "include/usync/rw_counter.h": ["rw-rw_counter-*", "rwpark-rw_counter-*"],
    "src/rwlocks/rw_counter.c": ["rwpark-rw_counter-*", "rw-rw_counter-*"],
    "include/usync/rw_ticket.h": ["rw-rw_ticket-*", "rwpark-rw_ticket-*"],
    "src/rwlocks/rw_ticket.c": ["rwpark-rw_ticket-*", "rw-rw_ticket-*"],
    "include/usync/rw_phasefair.h": ["rw-rw_phasefair-*", "rwpark-rw_phasefair-*",
                                     "rw-bravo-*", "rwpark-bravo-*"],
    "src/rwlocks/rw_phasefair.c": ["rw-rw_phasefair-*", "rwpark-rw_phasefair-*",
                                   "rw-bravo-*", "rwpark-bravo-*"],
    "include/usync/rw_mcs.h": ["rw-rw_mcs-*", "rwpark-rw_mcs-*", "rwgeneric-*"],
    "src/rwlocks/rw_mcs.c": ["rw-rw_mcs-*", "rwpark-rw_mcs-*", "rwgeneric-*"],
    "include/usync/bravo.h": ["rw-bravo-*", "rwpark-bravo-*", "rwgeneric-*"],
    "src/rwlocks/bravo.c": ["rw-bravo-*", "rwpark-bravo-*", "rwgeneric-*"],
    "src/rwlocks/registry.c": ["rwgeneric-*"],
    # --- end of the shared locks.
    # --- The condition variable (cond_client.c).
    "include/usync/cond.h": ["cond-signal-*", "cond-outside-*", "cond-timed-*",
                             "cond-broadcast-*"],
    "src/cond/cond.c": ["cond-signal-*", "cond-outside-*", "cond-timed-*", "cond-broadcast-*"],
    # --- end of the condition variable.
}

# Survivors that stand, with the reason.  Key: "FILE:FUNCTION:ORDER->NEW"
# (NEW "removed" for a fence), with #N appended when a function has several
# accesses with the same order (N counts them from 1, in file order).
JUSTIFIED = {
    "src/locks/anderson.c:room_for:acquire->relaxed":
        "Needed by C11, not observable under RC11 or IMM: the load that finds slot x "
        "granted must make the previous lap's reads of slots t and t + 1 (by tickets "
        "t - C and t + 1 - C, or the inheritor that followed their marks, all before "
        "the unlock of x - 1) happen before this ticket's own writes there (its mark "
        "in slot t + 1).  Relaxed, such a read could only return that later mark "
        "through a cycle of program order and reads-from (the mark is control-"
        "dependent on the load), which RC11 forbids outright and IMM forbids through "
        "the dependency; ISO C11 promises neither (docs/memory-ordering.md 12.3).",
    "src/locks/mcs.c:mcs_hint_successor:acquire->relaxed":
        "Needed by C11, outside the model: the holder stores a CPU hint into the node "
        "of its successor's successor, which it found through this load; the acquire "
        "makes that node's allocation and reset (usync_mcs_node_prepare) happen before "
        "the store, else the store races with the allocation (ThreadSanitizer reports it "
        "in test_locks).  The checks build with USYNC_SPIN_EXTEND_MAX 0, which compiles "
        "the hint out (a CPU number is not memory).",
    "src/locks/clh.c:pool_pop:acquire->relaxed#3":
        "Needed, not observable by GenMC: after a failed CAS the loop reads the new head "
        "node's `next_free`, which must be the value its pusher wrote before its release CAS; "
        "without the acquire it may be stale, and the retried CAS would install a node in "
        "use (the argument of the first load's acquire, #1).  GenMC 0.10.3 gives a failed "
        "CAS's read the success order (Runtime/Execution.cpp, visitAtomicCmpXchgInst), so no "
        "check can see the failure order.",
    "src/locks/clh.c:pool_pop:acquire->relaxed#1":
        "Needed, not shown within the bounds: the pop reads the head node's `next_free` "
        "before its CAS, so only this load's acquire (pairing with the pusher's release CAS) "
        "makes that read the pusher's; the CAS's own acquire comes after it.  Stale, the CAS "
        "would install as the new head a node that is in use.  No check shows it: all passed "
        "but tgeneric-clh-2x2 under RC11, which ran out of its 300 s budget (a pop that "
        "reads a node pushed by another thread since the start needs more pool traffic than "
        "the bounded clients make).",
    # --- The shared locks.
    "src/rwlocks/bravo.c:maybe_rebias:release->relaxed":
        "Needed, not reachable in the model: a fast reader that reads this rbias = 1 gets "
        "the last writer's section only through it (the slow reader holds the inner lock "
        "after that writer).  rbias starts at 1, so a writer before a re-bias has revoked, "
        "which sets inhibit_until 9 scan-times ahead on the model clock; that clock moves "
        "only when read (3000 ns a reading), and no later maybe_rebias in the bounded checks "
        "reads it past that point, so no re-bias follows a writer there.",
    "src/rwlocks/bravo.c:revoke:release->relaxed":
        "Needed for the reason of maybe_rebias's release (a fast reader reading this "
        "rbias = 1 must get the sections before the trylock), not reachable in the model: "
        "rbias is 1 at a write trylock only if no writer came before (after a revocation no "
        "re-bias happens within the checks' bounds, see maybe_rebias), so there is nothing "
        "to publish.",
    "src/rwlocks/bravo.c:revoke:seq_cst->removed#2":
        "Stronger than needed in C11 and IMM as GenMC models them: the store-buffering pair "
        "(seq_cst store of rbias = 0 and seq_cst slot loads here, the reader's seq_cst slot "
        "CAS and seq_cst re-read of rbias) is ordered by the seq_cst accesses alone, as the "
        "comment at the fence says; the fence states the store-to-load order explicitly "
        "(docs/memory-ordering.md 10.5).",
    "src/rwlocks/bravo.c:revoke:seq_cst->acq_rel#2":
        "As revoke's fence removed: the seq_cst accesses order the store-buffering pair "
        "without it.",
    "src/rwlocks/rw_mcs.c:join:acquire->relaxed#3":
        "Not observable by GenMC: 0.10.3 gives a failed CAS's read the success order (see "
        "clh.c pool_pop).  Needed as the load's acquire (#1) is: a failure that reads pred "
        "admitted goes in beside it.",
    "src/rwlocks/rw_mcs.c:join:release->relaxed#4":
        "Needed, but only by a chain longer than the quick set holds: a reader that goes in "
        "beside us (join's go path) acquires our clear of BLOCKED, and through it what we "
        "acquired from pred (the last writer's section).  Showing it takes a writer, a "
        "reader it admits, a reader going in beside that one, and a fourth behind it "
        "(1 writer and 3 readers: rw-rw_mcs-1w3r, in --full, which GenMC 0.10.3 does not "
        "finish in 20 minutes).  With a count increment that was acq_rel, the increment "
        "published the same; the increments are now relaxed and this release carries it.",
    "src/rwlocks/rw_mcs.c:join:acquire->relaxed#1":
        "Stronger than needed: whoever cleared pred's BLOCKED (a writer's or a reader's "
        "admit, or pred itself) first incremented reader_count (an acq_rel-or-stronger RMW).  "
        "Our own increment, after this load, cannot precede that one in reader_count's "
        "modification order (it would then synchronise with it and happen before the write "
        "this load read: a coherence cycle), so it reads from that increment's release "
        "sequence, and every section before the admission happens-before ours.",
    "src/rwlocks/rw_mcs.c:join:release->relaxed#4":
        "Stronger than needed, by join's acquire argument (#1): a reader going in beside us "
        "synchronises with our increment of reader_count, which comes before this clear and "
        "after everything we acquired; the clear publishes nothing more.",
    "src/rwlocks/rw_mcs.c:reader_at_head:release->relaxed":
        "Stronger than needed, as join's clear (#4): a reader going in beside us "
        "synchronises with our increment of reader_count, which follows our tail swap (the "
        "acquire of the last holder's release).",
    "src/rwlocks/rw_phasefair.c:usync_rw_phasefair_write_unlock_park:release->relaxed#2":
        "Stronger than needed: usync_rw_wake(&rin, ...) just before it issues a seq_cst "
        "fence, which as a release fence makes this store, even relaxed, publish the section "
        "to the next writer's acquire load of wout (fence synchronisation; the spin-policy "
        "unlock, which has no fence there, needs the release, and its weakening is killed).",
    # --- end of the shared locks.
    # --- The ticket lock's mark table (src/locks/ticket.c).
    "src/locks/ticket.c:mark_publish:release->relaxed#1":
        "Stronger than needed: every finder of the entry gets its key by another edge.  A "
        "waiter looks right after its acquire snapshot of marks_epoch, which synchronises with "
        "this publication's release increment (after the key stores; weakening that increment "
        "is killed, as a hang, by timed2-ticket-3x1); any other finder (a give-back, an "
        "unclaimer, the park releaser) reads after the seq_cst fence at the top of a "
        "ticket_settle round, which pairs with the one the publisher makes after its key "
        "stores: whichever fence is first in the SC order, the other side reads every write "
        "made before it (RC11 psc), so the finder reads the key or the publisher reads the "
        "finder's own write and settles the ticket itself.  Kept so that the entry publishes "
        "its own key to whoever finds it ABANDONED.",
    "src/locks/ticket.c:mark_find:acquire->relaxed":
        "Stronger than needed, as mark_publish's release #1, its pair: a waiter's look is "
        "ordered by its epoch snapshot, every other look by the settle fences.",
    "src/locks/ticket.c:mark_unclaim:release->relaxed#1":
        "Stronger than needed, as mark_publish's release #1: the unclaim's epoch increment "
        "(release #2) orders the ABANDONED store for waiters, and the unclaimer's next "
        "ticket_settle round starts with the fence for everyone else.",
    "src/locks/ticket.c:mark_unclaim:release->relaxed#2":
        "Needed, not reachable in the quick set: a waiter whose epoch snapshot reads this "
        "increment must then find the entry ABANDONED again, not BUSY (as for mark_publish's "
        "increment, whose weakening timed2-ticket-3x1 reports as a hang).  An unclaim needs "
        "a give-back that claims ticket t as last and loses the CAS of next_ticket to a "
        "newcomer: a holder, a leaver of t, a leaver of t + 1 that gives it back, and an "
        "arrival between the claim and the CAS (four parties, or three threads with two "
        "acquisitions each), beyond the quick set's bounds.",
    # --- end of the ticket lock's mark table.
    "src/locks/mcs.c:usync_mcs_timedlock_slow:release->relaxed":
        "Needed, as usync_mcs_lock_slow's link (whose weakening lock-mcs-2x2 kills): the "
        "link is what the predecessor's acquire claim reads, and it must publish the timed "
        "waiter's initialisation (locked = 1, prev = pred) before the claimer exchanges "
        "prev and clears locked.  Weakened, timed-mcs-2x2, timed-mcs-3x1, tpark-mcs-2x1 "
        "and generic-mcs-2x2 find nothing and GenMC 0.10.3 fails in tgeneric-mcs-2x2 "
        "(a BUG in getStaticAddr, Runtime/Execution.cpp:171) instead of giving a verdict.",
    "src/locks/mcs.c:leave:acquire->relaxed#1":
        "Stronger than needed, kept as the stated contract of the take: the leaver uses the "
        "prev it takes only as the address of its detaching CAS (an atomic; the node is kept "
        "alive by rule 3, not by ordering), and what it needs from a rewriter of its prev (the "
        "rewriter's reset of its ack) is ordered by the acquire load in the wait that observes "
        "the rewrite (killed when weakened: leave:acquire->relaxed#2); GRANTED is followed by "
        "the acquire wait on `locked`.",
    "src/locks/mcs.c:leave:acquire->relaxed#3":
        "As leave:acquire->relaxed#1, for the take after an ack: the value it reads was "
        "observed by the acquire wait just before it, or is a later rewrite whose data the "
        "leaver does not read.",
    "src/locks/mcs.c:leave:acq_rel->acquire":
        "The release half of the detaching CAS is redundant: the leaver's last access to its "
        "predecessor after detaching is its relink store of prev->next or its tail CAS back to "
        "prev, both release and read by prev's acquire claim or acq_rel tail CAS, so every "
        "access before them happens before prev goes on.  Kept so that the detach alone "
        "publishes what the leaver did to prev, should a later change make it its last access.",
    "src/locks/mcs_tp.c:tp_leave:acquire->relaxed#1":
        "As src/locks/mcs.c:leave:acquire->relaxed#1 (the same take; TP_PREV_PASSED, like "
        "GRANTED, is followed by an acquire wait on `state`).",
    "src/locks/mcs_tp.c:tp_leave:acquire->relaxed#3":
        "As src/locks/mcs.c:leave:acquire->relaxed#3.",
    "src/locks/mcs_tp.c:tp_leave:acq_rel->acquire":
        "As src/locks/mcs.c:leave:acq_rel->acquire: the detach's release is redundant with "
        "the release relink store or tail CAS that is the leaver's last access to prev.",
}


def strip_comments(text):
    """The text with comments and string literals blanked (same length)."""
    out = list(text)
    i, n = 0, len(text)
    while i < n:
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            for k in range(i, j):
                if out[k] != "\n":
                    out[k] = " "
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            for k in range(i, j):
                out[k] = " "
            i = j
        elif text[i] == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            for k in range(i + 1, min(j, n)):
                out[k] = " "
            i = j + 1
        else:
            i += 1
    # Preprocessor lines (with their continuations): blanked too, so that
    # `extern "C" {` under #ifdef __cplusplus does not nest the functions.
    code = "".join(out)
    # C++-only blocks (extern "C" braces) go too.
    code = re.sub(r"(?ms)^[ \t]*#ifdef __cplusplus$.*?^[ \t]*#endif",
                  lambda m: re.sub(r"[^\n]", " ", m.group(0)), code)
    return re.sub(r"(?m)^[ \t]*#(?:.*\\\n)*.*$",
                  lambda m: re.sub(r"[^\n]", " ", m.group(0)), code)


def functions(code):
    """(name, start, end) of each top-level brace block that is a function."""
    result = []
    depth = 0
    last_top = 0
    start = None
    for i, ch in enumerate(code):
        if ch == "{":
            if depth == 0:
                head = code[last_top:i]
                m = re.search(r"(\w+)\s*\([^;{}]*\)\s*$", head)
                start = (m.group(1) if m else None, i)
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                if start and start[0]:
                    result.append((start[0], start[1], i + 1))
                start = None
                last_top = i + 1
        elif ch == ";" and depth == 0:
            last_top = i + 1
    return result


def enclosing(funcs, pos):
    for name, s, e in funcs:
        if s <= pos < e:
            return name
    return "(file scope)"


def describe_access(code, pos):
    """The atomic call an order token belongs to, and its role."""
    stmt_start = max(code.rfind(";", 0, pos), code.rfind("{", 0, pos),
                     code.rfind("}", 0, pos)) + 1
    seg = code[stmt_start:pos]
    calls = list(CALL_RE.finditer(seg))
    # The innermost call still open at the token.
    for m in reversed(calls):
        depth = 0
        for ch in seg[m.end():]:
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
                if depth < 0:
                    break
        if depth >= 0:
            args = seg[m.end():]
            # The argument index of the token and the first argument.
            depth, idx, first = 0, 0, []
            for ch in args:
                if ch in "([":
                    depth += 1
                elif ch in ")]":
                    depth -= 1
                elif ch == "," and depth == 0:
                    idx += 1
                    continue
                if idx == 0:
                    first.append(ch)
            op = m.group(1)
            obj = " ".join("".join(first).split())
            role = ""
            if "compare" in op:
                role = " (success)" if idx == 3 else " (failure)" if idx == 4 else ""
            return op, obj, role
    return "?", "", ""


def mutants(root):
    files = sorted(glob.glob(os.path.join(root, "include/usync/*.h")))
    files += sorted(glob.glob(os.path.join(root, "src/**/*.c"), recursive=True))
    for path in files:
        rel = os.path.relpath(path, root)
        text = open(path).read()
        code = strip_comments(text)
        funcs = functions(code)
        seen = {}
        for m in ORDER_RE.finditer(code):
            order = m.group(1)
            fn = enclosing(funcs, m.start())
            op, obj, role = describe_access(code, m.start())
            key = (rel, fn, order)
            seen[key] = seen.get(key, 0) + 1
            nth = seen[key]
            s, e = m.span()
            if op == "atomic_thread_fence":
                # The whole call, up to its semicolon.
                cs = code.rfind("atomic_thread_fence", 0, s)
                ce = code.find(";", e) + 1
                yield dict(file=rel, fn=fn, op=op, obj="", role="", order=order,
                           nth=nth, new="removed", span=(cs, ce),
                           repl="/* fence removed */;")
                if order == "seq_cst":
                    yield dict(file=rel, fn=fn, op=op, obj="", role="", order=order,
                               nth=nth, new="acq_rel", span=(s, e),
                               repl="memory_order_acq_rel")
                continue
            news = {"release": ["relaxed"], "acquire": ["relaxed"],
                    "acq_rel": ["acquire", "release"], "seq_cst": ["acq_rel"]}[order]
            for new in news:
                yield dict(file=rel, fn=fn, op=op, obj=obj, role=role, order=order,
                           nth=nth, new=new, span=(s, e), repl="memory_order_" + new)


def copy_tree(root, dst):
    listing = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                             cwd=root, capture_output=True, text=True)
    names = listing.stdout.split() if listing.returncode == 0 else []
    if not names:
        for top in ("include", "src", "tests"):
            for dp, _, fs in os.walk(os.path.join(root, top)):
                names += [os.path.relpath(os.path.join(dp, f), root) for f in fs]
    for rel in names:
        if not rel.startswith(("include/", "src/", "tests/")):
            continue
        if not os.path.exists(os.path.join(root, rel)):
            continue
        os.makedirs(os.path.dirname(os.path.join(dst, rel)), exist_ok=True)
        shutil.copy2(os.path.join(root, rel), os.path.join(dst, rel))


def seed(tree, spec):
    """Apply FILE:FUNCTION:OLD=>NEW inside FUNCTION of FILE, in place."""
    path, fn, change = spec.split(":", 2)
    old, new = change.split("=>", 1)
    full = os.path.join(tree, path)
    text = open(full).read()
    code = strip_comments(text)
    for name, s, e in functions(code):
        if name != fn:
            continue
        at = code.find(old, s, e)
        if at < 0:
            break
        open(full, "w").write(text[:at] + new + text[at + len(old):])
        return 0
    print(f"mutate: {spec}: not found", file=sys.stderr)
    return 1


def key_of(mu):
    k = f"{mu['file']}:{mu['fn']}:{mu['order']}->{mu['new']}"
    return k


def nth_counts(muts):
    """How many accesses share each (file, function, order): a key takes
    #N only when there are several."""
    counts = {}
    for mu in muts:
        counts[(mu["file"], mu["fn"], mu["order"])] = max(
            counts.get((mu["file"], mu["fn"], mu["order"]), 0), mu["nth"])
    return counts


def full_key(mu, counts):
    multi = counts[(mu["file"], mu["fn"], mu["order"])] > 1
    return key_of(mu) + (f"#{mu['nth']}" if multi else "")


def run(args):
    root = os.path.abspath(args.root)
    runner = os.path.join(root, "scripts/modelcheck.sh")
    muts = list(mutants(root))
    counts = nth_counts(muts)
    if args.only:
        muts = [mu for mu in muts if args.only in key_of(mu) + f"#{mu['nth']}"]
    scratch = tempfile.mkdtemp(prefix="usync-mutate.")
    copy_tree(root, scratch)
    rows = []
    t_all = time.time()
    try:
        for i, mu in enumerate(muts, 1):
            path = os.path.join(scratch, mu["file"])
            orig = open(os.path.join(root, mu["file"])).read()
            s, e = mu["span"]
            open(path, "w").write(orig[:s] + mu["repl"] + orig[e:])
            globs = args.checks.split(",") if args.checks else COVER.get(mu["file"], EVERYTHING)
            t0 = time.time()
            mode = ["--full"] if args.full else []
            killer, verdict, crashed = "", "survived", []
            while True:
                res = subprocess.run([runner, "--tree", scratch, "--first-error",
                                      "--models", args.models] + mode + globs,
                                     capture_output=True, text=True)
                crash = None
                for line in res.stdout.splitlines():
                    parts = line.split(None, 4)
                    if len(parts) < 5 or line.startswith("modelcheck:"):
                        continue
                    if parts[4].startswith("FAILED: "):
                        verdict = "killed"
                        killer = f"{parts[0]} ({parts[1]}): {parts[4][8:].strip()}"
                        break
                    if parts[4] != "ok":
                        verdict = "undecided"
                        killer = f"{parts[0]} ({parts[1]}): {parts[4]}"
                        crash = parts[0]
                        break
                else:
                    # No check failed: a survivor only if the checks did run.
                    if not any(len(l.split(None, 4)) == 5 and not l.startswith("modelcheck:")
                               for l in res.stdout.splitlines()):
                        verdict = "undecided"
                        killer = f"no check ran (runner exit {res.returncode}): " + \
                            (res.stderr.strip().splitlines() or [""])[-1]
                    elif crashed:
                        # The checks after the one GenMC failed on all
                        # passed: still undecided (that check might have
                        # killed it), said with what was tried.
                        verdict = "undecided"
                        killer = f"{crashed[0]}; the later checks pass"
                if crash is None:
                    break
                # GenMC itself failed on this check (a crash or a time-out,
                # not a verdict): go on with the checks after it.
                listed = subprocess.run([runner, "--list", "--models", "rc11"] + mode + globs,
                                        capture_output=True, text=True).stdout.split()
                names = listed[0::2]
                rest = names[names.index(crash) + 1:] if crash in names else []
                if not rest:
                    break
                crashed.append(killer)
                globs = rest
            open(path, "w").write(orig)
            key = full_key(mu, counts)
            access = f"{mu['op']}({mu['obj']}){mu['role']}" if mu["obj"] else mu["op"]
            row = {k: mu[k] for k in ("file", "fn", "order", "new", "nth")}
            row.update(key=key, verdict=verdict, evidence=killer, access=access)
            rows.append(row)
            print(f"[{i}/{len(muts)}] {key:70s} {verdict:9s} {time.time() - t0:6.1f}s  {killer}",
                  flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(os.path.join(root, "build-modelcheck"), exist_ok=True)
    results = os.path.join(root, "build-modelcheck/mutation-results.json")
    seconds = round(time.time() - t_all)
    if args.only and os.path.exists(results):
        # Re-run of some mutants: replace their rows in the last full run.
        old = json.load(open(results))
        fresh = {r["key"]: r for r in rows}
        rows = [fresh.pop(r["key"], r) for r in old["rows"]] + list(fresh.values())
        seconds = old["seconds"]
    with open(results, "w") as f:
        json.dump(dict(models=args.models, seconds=seconds, rows=rows), f,
                  indent=1)
    return render(args, results)


def render(args, results):
    """The table from a run's results, with the written reasons applied."""
    root = os.path.abspath(args.root)
    data = json.load(open(results))
    rows = data["rows"]
    # The tree may have moved on since a row was made: a mutant of the
    # current code with no row is open (not yet run), a row whose mutant no
    # longer exists is dropped, and a reason that matches no row is stale.
    muts = list(mutants(root))
    counts = nth_counts(muts)
    current = {full_key(mu, counts): mu for mu in muts}
    stale = [r["key"] for r in rows if r["key"] not in current]
    for k in stale:
        print(f"mutate: dropped a row for a mutant the code no longer has: {k}",
              file=sys.stderr)
    rows = [r for r in rows if r["key"] in current]
    have = {r["key"] for r in rows}
    for k, mu in current.items():
        if k not in have:
            print(f"mutate: not yet run: {k}", file=sys.stderr)
            access = f"{mu['op']}({mu['obj']}){mu['role']}" if mu["obj"] else mu["op"]
            row = {f: mu[f] for f in ("file", "fn", "order", "new", "nth")}
            row.update(key=k, verdict="not run", evidence="", access=access)
            rows.append(row)
    for k in JUSTIFIED:
        if k not in have:
            print(f"mutate: a written reason matches no mutant: {k}", file=sys.stderr)
    for r in rows:
        if r["verdict"] != "killed" and r["key"] in JUSTIFIED:
            r["verdict"] = "justified"
            r["evidence"] = JUSTIFIED[r["key"]]
    total = len(rows)
    killed = sum(r["verdict"] == "killed" for r in rows)
    justified = sum(r["verdict"] == "justified" for r in rows)
    summary = (f"{total} mutants: {killed} killed, {justified} justified, "
               f"{total - killed - justified} open; "
               f"kill rate {100.0 * killed / max(total, 1):.0f}%, "
               f"killed or justified {100.0 * (killed + justified) / max(total, 1):.0f}% "
               f"(models {data['models']}; " +
               (f"{data['seconds']} s on the machine that ran it)" if data['seconds'] else
                "joined from the runs made for each file as it changed, on the shared 2-core "
                "machine: `build-modelcheck/mutation-results.json`, merged with "
                "`mutate.py --merge` or re-run with `--only`)"))
    print("mutate: " + summary)
    table = ["| File | Function | Access | Order | Weakened to | Result | Evidence |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        ev = r["evidence"].replace("|", "\\|")
        table.append(f"| `{r['file']}` | `{r['fn']}` | `{r['access']}` | {r['order']} | "
                     f"{r['new']} | {r['verdict']} | {ev} |")
    table.append("")
    table.append(summary + ".")
    out = "\n".join(table) + "\n"
    open(os.path.join(root, "build-modelcheck/mutation-table.md"), "w").write(out)
    if args.write_doc:
        doc = os.path.join(root, "docs/memory-ordering.md")
        text = open(doc).read()
        begin, end = "<!-- mutation-table:begin -->", "<!-- mutation-table:end -->"
        if begin in text and end in text:
            a = text.index(begin) + len(begin)
            b = text.index(end)
            text = text[:a] + "\n" + out + text[b:]
            open(doc, "w").write(text)
        else:
            print("mutate: no mutation-table markers in docs/memory-ordering.md", file=sys.stderr)
    return 0 if killed + justified == total else 1


def merge(args, other):
    """Rows of another run (say, of some files only) into the last results."""
    results = os.path.join(os.path.abspath(args.root), "build-modelcheck/mutation-results.json")
    add = json.load(open(other))
    if os.path.exists(results):
        base = json.load(open(results))
        fresh = {r["key"]: r for r in add["rows"]}
        rows = [fresh.pop(r["key"], r) for r in base["rows"]] + list(fresh.values())
        base.update(rows=rows, seconds=base["seconds"] + add["seconds"])
    else:
        base = add
    os.makedirs(os.path.dirname(results), exist_ok=True)
    with open(results, "w") as f:
        json.dump(base, f, indent=1)
    return render(args, results)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=os.path.join(os.path.dirname(__file__), "../.."))
    ap.add_argument("--models", default="rc11 imm")
    ap.add_argument("--write-doc", action="store_true")
    ap.add_argument("--list", action="store_true", help="list the mutants only")
    ap.add_argument("--only", help="run only the mutants whose key contains this")
    ap.add_argument("--checks", help="comma-separated check-name globs to run each mutant "
                    "against, in this order, instead of the file's cover list")
    ap.add_argument("--full", action="store_true",
                    help="run each mutant against the --full checks too (larger bounds)")
    ap.add_argument("--seed", nargs=2, metavar=("DIR", "SPEC"))
    ap.add_argument("--render", action="store_true",
                    help="only rebuild the table from build-modelcheck/mutation-results.json")
    ap.add_argument("--merge", metavar="FILE",
                    help="merge the rows of another run's results (a JSON that run wrote) into "
                         "build-modelcheck/mutation-results.json, replacing rows with the same "
                         "key, then rebuild the table")
    args = ap.parse_args()
    if args.merge:
        return merge(args, args.merge)
    if args.render:
        return render(args, os.path.join(os.path.abspath(args.root),
                                         "build-modelcheck/mutation-results.json"))
    if args.seed:
        return seed(*args.seed)
    if args.list:
        for mu in mutants(os.path.abspath(args.root)):
            print(key_of(mu) + f"#{mu['nth']}", f"{mu['op']}({mu['obj']}){mu['role']}")
        return 0
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
