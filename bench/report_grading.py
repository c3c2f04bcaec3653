"""bench/report_grading.py - the lock grading table and the fairness-checked
MCS'91 verdicts of REPORT.md (imported by bench/report.py).

Two pieces, both computed from one Report (bench/report.py) object:

- grading_section(rep): "## Grading table" - one row per usync lock with the
  columns of the course's comparison table (latency, contention, fair, spin,
  RMW operations per critical section, space, signal one).  Measured columns
  name the workload they come from; every cell carries the course's grade and
  a mark where the measurement disagrees with it.
- mcs91_lock_lines(rep, lock): lines appended to the locks part of
  "## Comparison with MCS'91": every scaling verdict on the empty critical
  section and on work100 with a 200 ns delay (think time between
  acquisitions), each also on a fairness-adjusted metric, and a per-lock
  table of time per acquisition beside its fairness.

bench/FORMAT.md ("Grading table") says how each column is measured and what
the marks mean.  Nothing here reads the benchmark's code: the algorithmic
columns are constants below, derived from include/usync/*.h and
src/locks/*.c, and stated in the report as derived.
"""
import math
import statistics

NAN = float("nan")
EN = "\u2013"
DAGGER = "\u2020"

GRADING_LOCKS = ["tas", "ttas", "backoff", "ticket", "anderson", "mcs", "clh", "mcs_tp"]

# The course's rows, and the usync lock each stands for.  clh is a list
# queue like MCS (the course's "list queue" row covers both); mcs_tp has no
# row: passing over preempted waiters is not among the course's algorithms.
COURSE_ROW = {
    "tas": "spin on test-and-set",
    "ttas": "spin on read",
    "backoff": "spin with delay",
    "ticket": "ticket",
    "anderson": "array queue",
    "mcs": "list queue",
    "clh": "list queue",
    "mcs_tp": None,
}

# The course's grades, one row per algorithm: latency, contention, fair,
# spin, RMW per critical section, space, signal one.  Ordered levels for the
# two graded-by-size measured columns: low < low+ < medium < high.
COURSE_GRADE = {
    "spin on test-and-set": dict(latency="low", contention="high", fair="no", spin="shared",
                                 rmw="high", space="low", signal="no"),
    "spin on read": dict(latency="low", contention="medium", fair="no", spin="shared",
                         rmw="medium", space="low", signal="no"),
    "spin with delay": dict(latency="low+", contention="low+", fair="no", spin="shared",
                            rmw="low+", space="low", signal="no"),
    "ticket": dict(latency="low", contention="low", fair="yes", spin="shared",
                   rmw="low", space="low", signal="no"),
    "array queue": dict(latency="low+", contention="low", fair="yes", spin="local",
                        rmw="1", space="high", signal="yes"),
    "list queue": dict(latency="low+", contention="low", fair="yes", spin="local",
                       rmw="1 (max 2)", space="medium", signal="yes"),
}
LEVELS = ["low", "low+", "medium", "high"]

# usync's algorithms, derived from the headers and src/locks/*.c (default
# policy yield or spin; the park policy's extra RMWs are in the notes).
#   fifo:   the FIFO promise;  spin: where a waiter polls;
#   rmw:    atomic read-modify-writes per critical section (lock + unlock),
#           uncontended and contended, and the level it corresponds to;
#   signal: what a release writes: "one" waiter's line or the line "all"
#           waiters poll.
ALGO = {
    "tas": dict(fifo="no", spin="shared", spin_level="shared",
                rmw="1 + 1 per poll",
                rmw_note="one exchange to acquire; every waiter's poll is an exchange, so a "
                         "critical section costs 1 + (waiters x polls while held)",
                rmw_level="high", signal="all", signal_level="no"),
    "ttas": dict(fifo="no", spin="shared", spin_level="shared",
                 rmw="1 + 1 per lost race",
                 rmw_note="waiters poll with loads; after each release every waiter that "
                          "saw it free tries one exchange, one wins",
                 rmw_level="medium", signal="all", signal_level="no"),
    "backoff": dict(fifo="no", spin="shared", spin_level="shared",
                    rmw="1 + 1 per failed try",
                    rmw_note="as tas, but each failed exchange is followed by a randomised, "
                             "capped exponential delay, so fewer attempts per hold",
                    rmw_level="low+", signal="all", signal_level="no"),
    "ticket": dict(fifo="yes", spin="shared", spin_level="shared", rmw="1",
                   rmw_note="one fetch-and-increment of `next_ticket`; release is a store to "
                            "`now_serving`, which every waiter polls (proportional backoff)",
                   rmw_level="low", signal="all", signal_level="no"),
    "anderson": dict(fifo="yes", spin="local", spin_level="local", rmw="1",
                     rmw_note="one fetch-and-increment picks the slot; each waiter polls its "
                              "own slot's line; release is a store to the next slot",
                     rmw_level="1", signal="one", signal_level="yes"),
    "mcs": dict(fifo="yes", spin="local", spin_level="local", rmw="1-2",
                rmw_note="one swap on the tail; the release CASes the tail only when no "
                         "successor has linked in (2 uncontended, 1 when one waits); each "
                         "waiter polls its own node",
                rmw_level="1 (max 2)", signal="one", signal_level="yes"),
    "clh": dict(fifo="yes", spin="local", spin_level="local", rmw="1",
                rmw_note="one swap on the tail; each waiter polls its predecessor's node "
                         "(one waiter per line); release is a store to its own node",
                rmw_level="1 (max 2)", signal="one", signal_level="yes"),
    "mcs_tp": dict(fifo="among running waiters", spin="local", spin_level="local",
                   rmw="1-2, + re-enqueues",
                   rmw_note="as mcs, plus a swap for each passed-over waiter that enqueues "
                            "again, and a clock read per contended handoff",
                   rmw_level=None, signal="one", signal_level=None),
}

# sizeof in a release build with 64-byte lines (USYNC_CACHELINE = 64; the
# headers' static asserts and README's lock table).  (per lock, per waiter,
# space level).  meta.json does not record sizeof.
SPACE = {
    "tas": ("8 B", "0", "low"),
    "ttas": ("8 B", "0", "low"),
    "backoff": ("12 B", "0", "low"),
    "ticket": ("128 B", "0", "low"),
    "anderson": ("128 B + 64 B x capacity", "0", "high"),
    "mcs": ("16 B", "64 B node", "medium"),
    "clh": ("128 B + 64 B x (2 max_threads + 1)", "16 B context", "high"),
    "mcs_tp": ("16 B", "64 B node", "medium"),
}
SPACE_NOTE = ("ticket: two counters on their own lines; anderson: one 64 B slot per "
              "contender, capacity rounded up to a power of two, allocated with the lock; "
              "mcs / mcs_tp: the caller's queue node, may live on the stack; clh: a node pool "
              "sized by `max_threads` at init, plus a 16 B context per thread")

FAIR_CV = 0.10      # measured "fair": cv of per-thread acquisitions at or below this
AGREE, DIFFER, CLOSE = "\u2713", "\u2717", "\u2248"


# --------------------------------------------------------------------------
# data access
# --------------------------------------------------------------------------

def lock_variants(rep):
    """(empty / delay 0, work100 / delay 200) lock variants, either may be None."""
    vs = rep.variants.get("lock", [])
    empty = work = None
    for v in vs:
        if v.cs in ("", "empty") and v.delay == 0 and empty is None:
            empty = v
    for v in vs:
        if v.cs == "work100" and v.delay == 200 and work is None:
            work = v
    if work is None:  # another think time: use it, the label says which
        cands = [v for v in vs if v.cs == "work100" and v.delay]
        if cands:
            work = min(cands, key=lambda v: abs(v.delay - 200))
    return empty, work


def wl_name(v):
    if v is None:
        return "n/a"
    return "`%s` (%s)" % (v.slug.replace("lock-", ""), v.label)


def short(v):
    return "empty" if v.cs in ("", "empty") else "%s-d%d" % (v.cs, v.delay)


def default_series(v, alg):
    """The default-policy usync series of alg in v, or None."""
    s = "usync:" + alg
    return s if v is not None and s in v.stats else None


def row_fair(st):
    """(median top-thread share of acquisitions, median starved-thread ns)."""
    shares, starved = [], []
    for r in st.rows:
        try:
            ops = float(r.raw.get("ops"))
            dur = float(r.raw.get("duration_ns"))
        except (TypeError, ValueError):
            continue
        if math.isnan(ops) or ops <= 0 or math.isnan(dur):
            continue
        if not math.isnan(r.fair_max):
            shares.append(r.fair_max / ops)
        if not math.isnan(r.fair_min) and r.threads:
            starved.append(dur / (r.threads * r.fair_min) if r.fair_min > 0 else math.inf)
    return (statistics.median(shares) if shares else NAN,
            statistics.median(starved) if starved else NAN)


class Point:
    """One lock at one thread count of one variant: what the table needs."""

    def __init__(self, v, alg, t):
        self.alg = alg
        s = default_series(v, alg)
        st = v.get(s, t) if s else None
        self.ok = bool(st and st.n)
        self.ns = st.med if self.ok else NAN
        self.cv = st.cv_med if self.ok else NAN
        self.fmin = st.fmin if self.ok else NAN
        self.fmax = st.fmax if self.ok else NAN
        self.ratio = st.ratio_med if self.ok else NAN
        self.share, self.starved = row_fair(st) if self.ok else (NAN, NAN)
        self.t = t


def points(v, t):
    if v is None or t is None:
        return {}
    out = {}
    for a in GRADING_LOCKS:
        p = Point(v, a, t)
        if p.ok:
            out[a] = p
    return out


# --------------------------------------------------------------------------
# formatting and grading
# --------------------------------------------------------------------------

def fmt(v):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    if isinstance(v, float) and math.isinf(v):
        return "\u221e"
    r = float("%.3g" % v)
    for scale, suf in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(r) >= scale:
            return "%.3g%s" % (r / scale, suf)
    return "%.3g" % r


def level_of_ratio(r):
    """Measured level from the ratio to the best usync lock at the point."""
    if math.isnan(r):
        return None
    if r <= 1.5:
        return "low"
    if r <= 2.5:
        return "low+"
    if r <= 5:
        return "medium"
    return "high"


def mark_levels(measured, grade):
    """Agree (same level or adjacent), close, or differ (two levels or more apart)."""
    if measured is None or grade not in LEVELS:
        return ""
    d = abs(LEVELS.index(measured) - LEVELS.index(grade))
    return AGREE if d == 0 else (CLOSE if d == 1 else DIFFER)


def mark_equal(ours, grade):
    if ours is None or grade is None:
        return ""
    return AGREE if ours == grade else DIFFER


def grade_of(alg):
    row = COURSE_ROW.get(alg)
    return COURSE_GRADE.get(row) if row else None


def cell(value, grade, mark):
    g = ("course: %s" % grade) if grade is not None else "no course row"
    return "%s (%s)%s" % (value, g, (" " + mark) if mark else "")


# --------------------------------------------------------------------------
# the grading table
# --------------------------------------------------------------------------

def uncontended_points(rep):
    vs = rep.variants.get("uncontended", [])
    v = vs[0] if vs else None
    out = {}
    if v is None:
        return v, out
    for a in GRADING_LOCKS:
        s = default_series(v, a)
        if s:
            st = v.get(s, 1) or next(iter(v.stats[s].values()), None)
            if st and st.n:
                out[a] = st.med
    return v, out


def grading_rows(rep):
    """Structured rows of the grading table (what the tests check)."""
    uv, unc = uncontended_points(rep)
    best_unc = min(unc.values()) if unc else NAN
    empty, work = lock_variants(rep)
    tm = {id(v): rep.tmax(v) for v in (empty, work) if v is not None}
    pts = {}
    for v in (empty, work):
        if v is not None:
            pts[id(v)] = points(v, tm[id(v)]) if tm[id(v)] and tm[id(v)] >= 2 else {}
    rows = []
    for a in GRADING_LOCKS:
        present = a in unc or any(a in p for p in pts.values())
        if not present:
            continue
        g = grade_of(a)
        row = {"alg": a, "course_row": COURSE_ROW.get(a), "grade": g}
        # latency
        ns = unc.get(a, NAN)
        lvl = level_of_ratio(ns / best_unc) if unc and not math.isnan(ns) else None
        row["latency"] = (ns, lvl, mark_levels(lvl, g["latency"]) if g else "")
        # contention, per workload
        for key, v in (("empty", empty), ("work", work)):
            p = pts.get(id(v), {}) if v is not None else {}
            if a in p:
                best = min(q.ns for q in p.values())
                lv = level_of_ratio(p[a].ns / best)
                row[key] = (p[a], p[a].ns / best, lv, mark_levels(lv, g["contention"]) if g else "")
            else:
                row[key] = None
        # fairness: measured on both workloads; disagree when a FIFO lock is
        # measured unfair, "close" when a lock without the promise is fair here
        cvs = [row[k][0].cv for k in ("empty", "work") if row[k] and not math.isnan(row[k][0].cv)]
        fifo = ALGO[a]["fifo"]
        if g and cvs:
            worst = max(cvs)
            if g["fair"] == "yes":
                fm = AGREE if worst <= FAIR_CV else DIFFER
            else:
                fm = AGREE if worst > FAIR_CV else CLOSE
        else:
            fm = ""
        row["fair"] = (fifo, fm)
        al = ALGO[a]
        row["spin"] = (al["spin"], mark_equal(al["spin_level"], g["spin"]) if g else "")
        row["rmw"] = (al["rmw"], (mark_equal(al["rmw_level"], g["rmw"])
                                  if g and al["rmw_level"] else ""))
        sp = SPACE[a]
        row["space"] = (sp, mark_equal(sp[2], g["space"]) if g else "")
        row["signal"] = (al["signal"], mark_equal(al["signal_level"], g["signal"])
                         if g and al["signal_level"] else "")
        rows.append(row)
    return rows, {"uncontended": uv, "empty": empty, "work": work,
                  "tm_empty": tm.get(id(empty)) if empty else None,
                  "tm_work": tm.get(id(work)) if work else None}


def contention_cell(x, grade, tmx, over):
    if x is None:
        return "n/a (needs a re-run)"
    p, r, lv, mk = x
    v = "%s ns @%d%s, %sx best" % (fmt(p.ns), tmx, DAGGER if tmx in over else "", "%.2f" % r)
    return cell(v, grade, mk)


def fair_cell(row, grade):
    fifo, mk = row["fair"]
    parts = ["FIFO: %s" % fifo]
    for key, name in (("empty", "empty"), ("work", "work100-d200")):
        x = row[key]
        if x is None:
            continue
        p = x[0]
        mm = "n/a" if math.isnan(p.ratio) else "%.2f" % p.ratio
        parts.append("%s cv %s, min/max %s" % (
            name, "n/a" if math.isnan(p.cv) else "%.3f" % p.cv, mm))
    return cell("; ".join(parts), grade, mk)


def grading_section(rep):
    rows, ctx = grading_rows(rep)
    out = ["## Grading table", ""]
    if not rows:
        return out + ["No usync lock data.", ""]
    empty, work, uv = ctx["empty"], ctx["work"], ctx["uncontended"]
    te, tw = ctx["tm_empty"], ctx["tm_work"]
    out += [
        "The course's comparison table of spin locks, one row per usync lock, with what this "
        "run measured beside each qualitative grade. Measured columns (default-policy series "
        "`usync:<lock>`, medians over the repetitions):",
        "",
        "- **latency**: uncontended lock + unlock, ns per pair, 1 thread (`uncontended`%s);" % (
            "" if uv is not None else ": not in this run"),
        "- **contention**: ns per acquisition at the largest non-oversubscribed thread count, "
        "on %s at %s threads and on %s at %s threads; `Nx best` is the ratio to the fastest "
        "usync lock at that point;" % (
            wl_name(empty), te if te else "n/a", wl_name(work), tw if tw else "n/a"),
        "- **fair**: the FIFO promise (from the algorithm), then on each of those two points "
        "the cv of per-thread acquisition counts and min/max (fewest over most acquisitions "
        "by one thread, 1 = even).",
        "",
        "Algorithmic columns, from the code, not measured: **spin** (where a waiter polls), "
        "**RMW / CS** (atomic read-modify-writes per critical section, lock + unlock, "
        "*derived* from include/usync/*.h and src/locks/*.c under the yield and spin "
        "policies; the park policy adds one exchange per release in the TAS family and a "
        "CAS per waiter that sleeps), **space** (`sizeof` of the lock / of what each "
        "waiter brings, release build with 64-byte lines, from the headers' static asserts "
        "and README's lock table; meta.json does not record sizeof), **signal one** "
        "(whether a release writes one waiter's line or the line every waiter polls).",
        "",
        "Marks: %s the measurement or usync's code matches the course's grade, %s it is one "
        "level off (levels low < low+ < medium < high; measured level from the ratio to the "
        "best usync lock: <= 1.5x low, <= 2.5x low+, <= 5x medium, above high), %s it "
        "disagrees. Fair: %s when a FIFO lock measures cv > %.2f, %s when a lock without the "
        "promise measures cv <= %.2f (fair here, not promised). `clh` is graded against the "
        "course's list-queue row; `mcs_tp` has no course row (passing over preempted waiters "
        "is not among the course's algorithms), so its cells carry no grade." % (
            AGREE, CLOSE, DIFFER, DIFFER, FAIR_CV, CLOSE, FAIR_CV),
        "",
    ]
    cl = rep.meta.get("usync_config", {}) if isinstance(rep.meta.get("usync_config"), dict) else {}
    if cl.get("cacheline") not in (None, 64, "64"):
        out += ["This run's build used %s-byte lines: the aligned sizes below scale with it." %
                cl.get("cacheline"), ""]
    head = ["lock", "course row", "latency", "contention, empty", "contention, work100-d200",
            "fair", "spin", "RMW / CS (derived)", "space: lock / waiter", "signal one"]
    body = []
    for row in rows:
        g = row["grade"] or {}
        gg = (lambda k: g.get(k)) if g else (lambda k: None)
        ns, _, lmk = row["latency"]
        lat = cell("%s ns" % fmt(ns), gg("latency"), lmk) if not math.isnan(ns) else \
            "n/a (needs a re-run)"
        sp, smk = row["space"]
        sig, gmk = row["signal"]
        body.append([
            "`%s`" % row["alg"], row["course_row"] or "none",
            lat,
            contention_cell(row["empty"], gg("contention"), te, rep.over),
            contention_cell(row["work"], gg("contention"), tw, rep.over),
            fair_cell(row, gg("fair")),
            cell(row["spin"][0], gg("spin"), row["spin"][1]),
            cell(row["rmw"][0], gg("rmw"), row["rmw"][1]),
            cell("%s / %s" % (sp[0], sp[1]), gg("space"), smk),
            cell(sig, gg("signal"), gmk),
        ])
    out.append(md_table(head, body))
    out.append("")
    out.append("Derivations: " + "; ".join(
        "`%s`: %s" % (row["alg"], ALGO[row["alg"]]["rmw_note"]) for row in rows) +
        ". Space: " + SPACE_NOTE + ".")
    out.append("")
    out += disagreements(rows, te, tw)
    out += rerun_needs(rep, ctx)
    return out


def disagreements(rows, te, tw):
    lines = []
    for row in rows:
        g = row["grade"]
        if not g:
            continue
        a = row["alg"]
        ns, lvl, mk = row["latency"]
        if mk == DIFFER:
            lines.append("`%s` latency: course %s, measured %s (%s ns)" % (a, g["latency"], lvl, fmt(ns)))
        for key, name, t in (("empty", "empty", te), ("work", "work100-d200", tw)):
            x = row[key]
            if x and x[3] == DIFFER:
                lines.append("`%s` contention on %s at %s threads: course %s, measured %s "
                             "(%.2fx the best usync lock; cv %.3f)%s" % (
                                 a, name, t, g["contention"], x[2], x[1], x[0].cv,
                                 "; with 2 threads this is one hand-off, not contention "
                                 "at scale" if t and t <= 2 else ""))
        fifo, fm = row["fair"]
        if fm == DIFFER:
            lines.append("`%s` fairness: FIFO, but measured cv above %.2f" % (a, FAIR_CV))
        for key, name in (("spin", "spin"), ("rmw", "RMW / CS"), ("space", "space"),
                          ("signal", "signal one")):
            if row[key][1] == DIFFER:
                val = row[key][0]
                if key == "space":
                    val = "%s / %s" % (val[0], val[1])
                lines.append("`%s` %s: course %s, usync %s" % (a, name, g[key], val))
    if not lines:
        return ["No column disagrees with the course's grade by two levels or more.", ""]
    return ["Where the measurement or the code disagrees with the course (%s):" % DIFFER, ""] + \
        ["- " + ln for ln in lines] + [""]


def rerun_needs(rep, ctx):
    need = []
    if ctx["uncontended"] is None:
        need.append("**latency** needs the `uncontended` workload")
    if ctx["empty"] is None:
        need.append("**contention, empty** and the empty-workload **fair** cells need `lock` "
                    "with `cs` empty, `delay_ns` 0")
    elif not ctx["tm_empty"] or ctx["tm_empty"] < 2:
        need.append("**contention, empty** needs 2 or more non-oversubscribed threads")
    if ctx["work"] is None:
        need.append("**contention, work100-d200** and its **fair** cells need `lock` with `cs` "
                    "work100, `delay_ns` 200 (e.g. `usync-bench --quick`, or `--filter` "
                    "including `cs:work100/delay:200`)")
    elif ctx["work"].delay != 200:
        need.append("**contention, work100-d200** was measured with `delay_ns` %d, not 200" %
                    ctx["work"].delay)
    tms = [t for t in (ctx["tm_empty"], ctx["tm_work"]) if t]
    if tms and max(tms) <= 2:
        need.append("every contention grade needs a machine with more cores: at %d threads "
                    "a lock's cost is one hand-off between two cores, not scaling" % max(tms))
    need.append("**RMW / CS** is derived from the code: counting it would need an instrumented "
                "build (usync-bench has none)")
    return ["Columns that need a re-run or other data: " + "; ".join(need) + ".", ""]


def md_table(header, rows):
    out = ["| " + " | ".join(header) + " |",
           "|" + "|".join(["---"] * len(header)) + "|"]
    for r in rows:
        out.append("| " + " | ".join(str(c).replace("|", "\\|") for c in r) + " |")
    return "\n".join(out)


# --------------------------------------------------------------------------
# MCS'91 verdicts on two workloads, raw and fairness-adjusted
# --------------------------------------------------------------------------

QUEUE = ("mcs", "ticket", "anderson", "clh")
MCS91_ALGS = ["tas", "ttas", "backoff", "ticket", "anderson", "mcs", "clh", "mcs_tp"]


def claims(pts, pts2, tm, metric):
    """MCS'91's scaling claims on one workload.

    pts: {alg: Point} at tm threads, pts2: at 2 threads; metric: "ns" (time
    per acquisition) or "starved" (ns per acquisition at the most starved
    thread's rate: duration / (threads x fewest acquisitions)).
    Returns [(key, verdict, detail)]; verdict is agrees / disagrees / n/a.
    """
    val = (lambda p: p.ns) if metric == "ns" else (lambda p: p.starved)
    rk = sorted((val(p), a) for a, p in pts.items() if not math.isnan(val(p)))
    out = []
    if len(rk) >= 3:
        algs = [a for _, a in rk]
        best = rk[0][0]
        queue = [a for a in QUEUE if a in algs]
        top = algs[:max(3, len(queue))]
        good = [a for a in queue if a in top]
        if queue:
            ok = len(good) == len(queue) or (algs[0] in queue and len(good) >= len(queue) - 1)
            if ok:
                detail = "%s among the fastest (order %s)" % (", ".join(good), " < ".join(algs))
            else:
                detail = "the fastest are %s; %s" % (", ".join(algs[:3]), ", ".join(
                    "%s %.2fx" % (a, val(pts[a]) / best) for a in queue))
            out.append(("queue", "agrees" if ok else "disagrees", detail))
        if "tas" in algs:
            if algs[-1] == "tas":
                out.append(("tas", "agrees", "tas is slowest, %.2fx the fastest" % (rk[-1][0] / best)))
            else:
                out.append(("tas", "disagrees", "tas ranks %d of %d; the slowest is %s" % (
                    algs.index("tas") + 1, len(algs), algs[-1])))
        if pts2 and tm > 2:
            growth = sorted((val(pts[a]) / val(pts2[a]), a) for a in algs
                            if a in pts2 and val(pts2[a]) and not math.isnan(val(pts2[a])))
            if growth:
                flat = [a for g, a in growth if g <= 1.5]
                qflat = [a for a in queue if a in flat]
                v = "agrees" if queue and len(qflat) == len(queue) else (
                    "partly agrees" if qflat else "disagrees")
                out.append(("growth", v, "2 to %d threads: %s" % (
                    tm, ", ".join("%s %.2fx" % (a, g) for g, a in growth))))
    if pts2 and "backoff" in pts2 and len(pts2) >= 2:
        r2 = sorted((val(p), a) for a, p in pts2.items() if not math.isnan(val(p)))
        if r2:
            rel = val(pts2["backoff"]) / r2[0][0] if r2[0][0] else NAN
            out.append(("backoff2", "agrees" if rel <= 1.25 else "disagrees",
                        "backoff is the fastest at 2 threads" if r2[0][1] == "backoff" else
                        "backoff is %.2fx the fastest at 2 threads (%s)" % (rel, r2[0][1])))
    return out


CLAIM_TEXT = {
    "queue": "MCS'91 found the queue locks (MCS, Anderson) and the ticket lock with "
             "proportional backoff to scale best",
    "tas": "MCS'91 found test_and_set worst under contention",
    "growth": "MCS'91's scalable locks stay nearly flat from 2 threads up (queue locks "
              "grow <= 1.5x)",
    "backoff2": "MCS'91 found test_and_set with exponential backoff good at low contention",
}


def unfair_winners(pts, n):
    """Locks that beat every FIFO lock at this point while measuring unfair."""
    fifo = [p.ns for a, p in pts.items() if ALGO[a]["fifo"] == "yes"]
    if not fifo:
        return []
    best_fifo = min(fifo)
    out = []
    for a, p in sorted(pts.items(), key=lambda x: x[1].ns):
        if ALGO[a]["fifo"] != "yes" and p.ns < best_fifo and \
                (not math.isnan(p.cv) and p.cv > FAIR_CV):
            out.append(p)
    return out


def mcs91_lock_lines(rep, lock=None):
    """Lines for the locks part of "Comparison with MCS'91"."""
    empty, work = lock_variants(rep)
    out = ["**The same verdicts on two workloads, raw and fairness-adjusted.** Raw: ns per "
           "acquisition (wall time / all threads' acquisitions). Fairness-adjusted: ns per "
           "acquisition at the rate of the most starved thread, duration / (threads x fewest "
           "acquisitions by one thread), the cost per acquisition if every thread had to get "
           "as many as the unluckiest one; a lock that is fast because one thread keeps "
           "re-taking it loses that advantage there. `work100-d200` has ~100 ns of work in "
           "the critical section and a random delay (mean 200 ns) between acquisitions, "
           "think time as in MCS'91's own loop.", ""]
    wls = [(v, n) for v, n in ((empty, "empty"), (work, None)) if v is not None]
    if work is None:
        out += ["No `work100` / delay 200 ns lock data in this run: the verdicts below are on "
                "the empty critical section only, and the work100-d200 column needs a re-run "
                "(`usync-bench --quick` runs it).", ""]
    verdict_rows = {}
    views = []
    for v, _ in wls:
        tm = rep.tmax(v)
        if not tm or tm < 2:
            continue
        pt = points(v, tm)
        p2 = points(v, 2) if 2 in v.threads else {}
        views.append((v, tm, pt, p2))
        for metric in ("ns", "starved"):
            for key, verdict, detail in claims(pt, p2, tm, metric):
                verdict_rows.setdefault(key, {})[(short(v), metric)] = (verdict, detail, tm)
    if not views:
        return out + ["No lock point with 2 or more non-oversubscribed threads.", ""]
    for key in ("queue", "tas", "growth", "backoff2"):
        if key not in verdict_rows:
            continue
        cells = []
        for v, tm, _, _ in views:
            for metric, mname in (("ns", "raw"), ("starved", "fairness-adjusted")):
                x = verdict_rows[key].get((short(v), metric))
                if x:
                    t = 2 if key == "backoff2" else x[2]
                    if t > 2 or key == "backoff2":
                        cells.append("%s, %s, %d threads: **%s** - %s" % (
                            short(v), mname, t, x[0], x[1]))
                    else:
                        cells.append("%s, %s: **not testable** with 2 threads (the 2-thread "
                                     "ranking %s: %s)" % (short(v), mname, x[0], x[1]))
        out.append("- %s:" % CLAIM_TEXT[key])
        out += ["  - " + c for c in cells]
    out.append("")
    # fairness-adjusted view, one table per workload
    for v, tm, pt, _ in views:
        out += ["Time per acquisition beside fairness, %s at %d%s threads (default policy; "
                "fair share of one thread = %.1f%%):" % (
                    wl_name(v), tm, DAGGER if tm in rep.over else "", 100.0 / tm), ""]
        body = []
        raw_rank = [a for _, a in sorted((p.ns, a) for a, p in pt.items())]
        adj_rank = [a for _, a in sorted((p.starved, a) for a, p in pt.items()
                                         if not math.isnan(p.starved))]
        for a in raw_rank:
            p = pt[a]
            body.append(["`%s`" % a, ALGO[a]["fifo"], fmt(p.ns), str(raw_rank.index(a) + 1),
                         "n/a" if math.isnan(p.cv) else "%.3f" % p.cv,
                         "n/a" if math.isnan(p.ratio) else "%.2f" % p.ratio,
                         "n/a" if math.isnan(p.share) else "%.1f%%" % (100 * p.share),
                         fmt(p.starved),
                         str(adj_rank.index(a) + 1) if a in adj_rank else "n/a"])
        out.append(md_table(["lock", "FIFO", "ns / acq", "rank", "cv", "min/max",
                             "top thread's share", "ns / acq at the starved rate",
                             "rank (adjusted)"], body))
        out.append("")
        floor = rep.floor[0] if rep.floor else None
        for p in unfair_winners(pt, tm):
            why = ("%s beats every FIFO lock here while measuring unfair: cv %.2f, its "
                   "busiest thread took %.1f%% of the acquisitions (fair share %.1f%%), the "
                   "least busy %.2f of the busiest's count" % (
                       p.alg, p.cv, 100 * p.share, 100.0 / tm, p.ratio))
            if floor is not None and p.ns < floor:
                why += ("; at %s ns it is below the %s ns cache-line transfer floor, so most "
                        "acquisitions did not move the lock to another core at all (short "
                        "runs of re-taking that per-thread counts over the interval cannot "
                        "show)" % (fmt(p.ns), fmt(floor)))
            fifo_best = min((q.starved, q.alg) for q in pt.values() if ALGO[q.alg]["fifo"] == "yes")
            if p.starved <= fifo_best[0]:
                why += ("; at the starved thread's rate it is still ahead (%s ns vs %s's %s): "
                        "uneven shares explain only part of its lead" % (
                            fmt(p.starved), fifo_best[1], fmt(fifo_best[0])))
            else:
                why += ("; at the starved thread's rate it falls behind %s (%s ns vs %s): it is "
                        "fastest only because some threads take the lock more often than "
                        "others" % (fifo_best[1], fmt(p.starved), fmt(fifo_best[0])))
            out.append("- " + why + ".")
        if unfair_winners(pt, tm):
            out.append("")
    return out
