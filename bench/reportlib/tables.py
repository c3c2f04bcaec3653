"""bench/reportlib/tables.py - tables: Markdown helpers, the machine and
how-to-read sections, each workload's tables (results, fairness, longest
writer wait), the usync / peer ratios and the checks."""

import math

from .common import (WORKLOAD_TITLE, LOCK_ORDER, BARRIER_ORDER, LOCK_PEER,
                     LOCK_PEER_EXTRA, BARRIER_PEER, NAN, DAGGER, DDAGGER, EN,
                     fmt, fmt_ratio, ratio)
from .load import cs_name, read_pct, primary_variant


def cell(st):
    if st is None or st.n == 0:
        return "n/a" if st is not None else EN
    if st.n == 1 or st.lo == st.hi:
        return fmt(st.med)
    return "%s [%s%s%s]" % (fmt(st.med), fmt(st.lo), EN, fmt(st.hi))


def md_table(header, rows):
    out = ["| " + " | ".join(header) + " |",
           "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
    for r in rows:
        out.append("| " + " | ".join(str(c).replace("|", "\\|") for c in r) + " |")
    return "\n".join(out)


# meta.json keys as the brief names them -> aliases usync-bench may use instead
META_ALIASES = {
    "name": ("name", "machine"),
    "relax_ns": ("relax_ns", "usync_spin_relax_ns", "spin_relax_ns"),
    "command": ("command", "command_line", "cmdline"),
    "reps": ("reps", "repetitions"),
    "versions": ("versions",),
    "usync_config": ("usync_config",),
}


def meta_raw(meta, key):
    for k in META_ALIASES.get(key, (key,)):
        v = meta.get(k)
        if v is not None and v != "":
            return v
    return None


def meta_get(meta, key):
    v = meta_raw(meta, key)
    if v is None:
        return "n/a"
    if key == "command" and isinstance(v, list):
        import shlex
        return shlex.join(str(x) for x in v)
    if isinstance(v, (dict, list)):
        return render_value(v)
    return v


def render_value(v):
    if isinstance(v, dict):
        return ", ".join("%s=%s" % (k, render_value(x)) for k, x in v.items()) or "n/a"
    if isinstance(v, list):
        return ", ".join("[%s]" % render_value(x) if isinstance(x, list) else render_value(x)
                         for x in v) or "n/a"
    return str(v)


def render_topology(topo, indent=0):
    """Free-form topology -> markdown bullet lines."""
    pad = "  " * indent
    lines = []
    if isinstance(topo, dict):
        for k, v in topo.items():
            if isinstance(v, (dict, list)) and v and any(isinstance(x, (dict, list))
                                                        for x in (v.values() if isinstance(v, dict) else v)):
                lines.append("%s- %s:" % (pad, k))
                lines.extend(render_topology(v, indent + 1))
            else:
                lines.append("%s- %s: %s" % (pad, k, render_value(v)))
    elif isinstance(topo, list):
        for x in topo:
            if isinstance(x, (dict, list)):
                if isinstance(x, dict) and not any(isinstance(y, (dict, list)) and y and
                                                   any(isinstance(z, (dict, list)) for z in
                                                       (y.values() if isinstance(y, dict) else y))
                                                   for y in x.values()):
                    lines.append("%s- %s" % (pad, render_value(x)))
                else:
                    lines.append("%s-" % pad)
                    lines.extend(render_topology(x, indent + 1))
            else:
                lines.append("%s- %s" % (pad, x))
    else:
        text = str(topo)
        if "\n" in text:
            lines.append("```")
            lines.extend(text.rstrip("\n").split("\n"))
            lines.append("```")
        else:
            lines.append("%s- %s" % (pad, text))
    return lines


class Tables:
    """Report sections that are tables (a mixin of document.Report)."""

    # -- sections --------------------------------------------------------
    def machine_section(self):
        m = self.meta
        out = ["## Machine", ""]
        cmd = meta_get(m, "command")
        items = [
            ("machine", meta_get(m, "name")),
            ("hostname", meta_get(m, "hostname")),
            ("CPU", meta_get(m, "cpu_model")),
            ("nproc", meta_get(m, "nproc")),
            ("kernel", meta_get(m, "kernel")),
            ("compiler", meta_get(m, "compiler")),
            ("versions", meta_get(m, "versions")),
            ("usync build config", meta_get(m, "usync_config")),
            ("relax (pause) ns", meta_get(m, "relax_ns")),
            ("date", meta_get(m, "date")),
            ("mode", meta_get(m, "mode")),
            ("duration per point", "%s ms" % m["duration_ms"] if m.get("duration_ms") not in (None, "") else "n/a"),
            ("warm-up", "%s ms" % m["warmup_ms"] if m.get("warmup_ms") not in (None, "") else "n/a"),
            ("repetitions", meta_get(m, "reps")),
            ("command", "`%s`" % cmd if cmd != "n/a" else "n/a"),
        ]
        for k, val in items:
            out.append("- **%s**: %s" % (k, val))
        out.append("- **topology**:")
        topo = m.get("topology")
        if topo in (None, "", {}, []):
            out.append("  - n/a")
        else:
            out.extend(["  " + ln for ln in render_topology(topo)])
        known = {a for v in META_ALIASES.values() for a in v} | {"name", "hostname", "cpu_model", "nproc", "kernel", "compiler", "versions",
                 "usync_config", "relax_ns", "date", "mode", "duration_ms", "warmup_ms", "reps",
                 "command", "topology"}
        rest = {k: v for k, v in m.items() if k not in known}
        if rest:
            out.append("- **other metadata**:")
            for k, v in rest.items():
                out.append("  - %s: %s" % (k, render_value(v)))
        return out

    def howto_section(self):
        floor = ""
        if self.floor:
            floor = (" On this machine the cheapest one-way cache-line transfer measured is "
                     "%s ns (`%s`, see the handoff table); lock cells with 2 or more threads "
                     "whose median is below it are marked %s." % (fmt(self.floor[0]), self.floor[1], DDAGGER))
        ncores = ("%d" % self.nproc) if self.nproc else "the number of cores"
        return ["## How to read", "",
                "Times are **ns per acquisition** (locks: wall time / total acquisitions by all "
                "threads, MCS'91's metric - so lower is better and a perfectly scalable lock gives "
                "a flat line), **ns per episode** (barriers: wall time / barrier episodes), "
                "**ns per read** (read-mostly) and **ns per one-way transfer** (handoff). "
                "Each cell is `median [min%smax]` over the repetitions (a single number when there "
                "was one repetition or all agreed), 3 significant figures, k = 10^3, M = 10^6. "
                "Columns marked %s are **oversubscribed** (more threads than %s cores); MCS'91 "
                "never ran there, and spinning waiters (the `@spin` policy, ck, pthread spin) "
                "are expected to collapse, while usync's yield and park policies should not. "
                "Two-thread figures below the cache-line transfer floor are not faster "
                "hand-offs: they come from one thread re-taking the lock several times before "
                "the other gets it (unfair short-term behaviour of TAS-style locks) - check the "
                "handoff table and the fairness columns (cv = coefficient of variation of "
                "per-thread acquisition counts; min/max = fewest/most acquisitions by one "
                "thread).%s" % (EN, DAGGER, ncores, floor), ""]

    def table_for(self, v, mark_floor=False):
        head = ["series \\ threads"] + ["%d%s" % (t, DAGGER if t in self.over else "") for t in v.threads]
        body = []
        floor = self.floor[0] if (mark_floor and self.floor) else None
        for s in v.series:
            row = [("`%s`" % s)]
            for t in v.threads:
                st = v.get(s, t)
                c = cell(st)
                if st and st.fails:
                    c += " **FAIL**"
                if floor is not None and st and st.n and t >= 2 and st.med < floor:
                    c += " " + DDAGGER
                row.append(c)
            body.append(row)
        return md_table(head, body)

    def fairness_table(self, v):
        t = self.tmax(v)
        if t is None or t < 2:
            cands = [x for x in v.threads if x >= 2]
            if not cands:
                return None, None
            t = min(cands)
        body = []
        for s in v.series:
            st = v.get(s, t)
            if not st:
                continue
            cv = "n/a" if math.isnan(st.cv_med) else (
                "%.3f" % st.cv_med if st.cv_lo == st.cv_hi else
                "%.3f [%.3f%s%.3f]" % (st.cv_med, st.cv_lo, EN, st.cv_hi))
            mm = "n/a" if math.isnan(st.fmin) else "%s / %s" % (fmt(st.fmin), fmt(st.fmax))
            rr = "n/a" if math.isnan(st.ratio_med) else "%.2f" % st.ratio_med
            body.append(["`%s`" % s, cv, mm, rr])
        if not body:
            return None, None
        return t, md_table(["series", "fair cv", "per-thread ops min / max", "min/max"], body)

    def wait_table(self, v):
        """Longest writer wait of a shared-lock mix with writes (reads1..99)."""
        p = read_pct(v.cs)
        if p is None or p <= 0 or p >= 100:
            return []
        if not self.has_wait:
            return ["Longest writer wait: not recorded by this run (its `results.csv` "
                    "predates the `wait_max_ns` column).", ""]
        head = ["series \\ threads"] + ["%d%s" % (t, DAGGER if t in self.over else "")
                                         for t in v.threads]
        body = []
        for s in v.series:
            row = ["`%s`" % s]
            for t in v.threads:
                st = v.get(s, t)
                row.append(EN if st is None else fmt(st.wait_med / 1000.0))
            body.append(row)
        return ["Longest writer wait, \u00b5s: each repetition's longest write acquisition "
                "(write-lock call to its return; RCU: the writers' mutex), the maximum over "
                "threads, median over the repetitions. It includes time the writer spent "
                "descheduled, so on a loaded or oversubscribed machine one preemption (a "
                "scheduler slice, milliseconds) can make it.", "", md_table(head, body), ""]

    def workload_section(self, wl):
        vs = self.variants.get(wl)
        if not vs:
            return []
        out = ["## %s" % WORKLOAD_TITLE.get(wl, wl), ""]
        for v in vs:
            if len(vs) > 1 or v.label:
                out += ["### %s" % (v.label or wl), ""]
            out.append(self.table_for(v, mark_floor=(wl == "lock")))
            out.append("")
            if wl in ("uncontended", "handoff"):
                f = self.fig(v, "bar") if self.figures else None
                if f:
                    out += ["![%s %s](%s)" % (wl, v.label, f), ""]
            elif self.figures:
                for fam in self.main_families(v):
                    f = self.fig(v, "line", fam)
                    if f:
                        out += ["![%s, %s](%s)" % (("%s %s" % (wl, v.label)).strip(),
                                                   fam[1], f), ""]
            if wl == "readmostly":
                out += self.wait_table(v)
            if wl == "lock":
                t, ft = self.fairness_table(v)
                if ft:
                    out += ["Fairness at %d threads%s (highest non-oversubscribed count):" % (
                        t, DAGGER if t in self.over else ""), "", ft, ""]
        return out

    # ratios --------------------------------------------------------------
    def ratio_section(self):
        out = ["## usync / peer ratios", "",
               "Ratio of medians, usync / peer: below 1 means usync is faster.", ""]
        lock = primary_variant(self.variants.get("lock", []))
        unc = primary_variant(self.variants.get("uncontended", []), cs_pref=("", "-", "none"))
        bar = primary_variant(self.variants.get("barrier", []))
        header_len = len(out)
        if lock:
            tm = self.tmax(lock)
            ov = [t for t in lock.threads if t in self.over]
            cols = [("1 (uncontended)", "unc", 1)]
            if 2 in lock.threads:
                cols.append(("2", "lock", 2))
            if tm and tm not in (1, 2):
                cols.append(("%d" % tm, "lock", tm))
            cols += [("%d%s" % (t, DAGGER), "lock", t) for t in ov]
            pairs = [(a, LOCK_PEER[a]) for a in LOCK_ORDER] + LOCK_PEER_EXTRA
            body = []
            for alg, peer in pairs:
                us, ps = "usync:%s" % alg, "ck:%s" % peer
                present = us in lock.stats or (unc and us in unc.stats)
                ppresent = ps in lock.stats or (unc and ps in unc.stats)
                if not present or not ppresent:
                    continue
                row = ["`%s`" % us, "`%s`" % ps]
                for _, src, t in cols:
                    if src == "unc":
                        a = unc.med(us, 1) if unc else NAN
                        b = unc.med(ps, 1) if unc else NAN
                        if math.isnan(a) or math.isnan(b):
                            a, b = lock.med(us, 1), lock.med(ps, 1)
                    else:
                        a, b = lock.med(us, t), lock.med(ps, t)
                    row.append(fmt_ratio(ratio(a, b)))
                body.append(row)
            if body:
                out += ["### Locks vs ck (%s)" % lock.label, "",
                        md_table(["usync", "ck"] + [c[0] for c in cols], body), ""]
                if not unc:
                    out += ["(no uncontended workload: the 1-thread column uses the lock workload)", ""]
        if bar:
            tm = self.tmax(bar)
            ov = [t for t in bar.threads if t in self.over]
            cols = []
            if 2 in bar.threads:
                cols.append(("2", 2))
            if tm and tm != 2:
                cols.append(("%d" % tm, tm))
            cols += [("%d%s" % (t, DAGGER), t) for t in ov]
            body = []
            for alg in BARRIER_ORDER:
                us, ps = "usync:%s" % alg, "ck:%s" % BARRIER_PEER[alg]
                if us not in bar.stats or ps not in bar.stats:
                    continue
                body.append(["`%s`" % us, "`%s`" % ps] +
                            [fmt_ratio(ratio(bar.med(us, t), bar.med(ps, t))) for _, t in cols])
            if body:
                out += ["### Barriers vs ck (%s)" % (bar.label or "barrier"), "",
                        md_table(["usync", "ck"] + [c[0] for c in cols], body), ""]
        if len(out) == header_len:
            out += ["No matched usync/peer pairs in the data.", ""]
        else:
            out += ["usync vs `pthread:mutex` / `pthread:barrier` when oversubscribed, and each "
                    "waiting policy vs `@spin` when every thread has a core: see "
                    "[Oversubscription goals](#oversubscription-goals).", ""]
        return out


    def checks_section(self):
        fails = [r for r in self.rows if r.check.lower() != "ok"]
        nan_ns = [r for r in self.rows if math.isnan(r.ns)]
        out = ["## Checks", ""]
        line = "Checks: %d rows, %d FAIL checks" % (len(self.rows), len(fails))
        if nan_ns:
            line += ", %d rows without a ns_per_op value" % len(nan_ns)
        out.append(line + ".")
        out.append("")
        if fails:
            out.append("**\u26a0 FAILED CHECKS - the numbers for these points are not trustworthy:**")
            out.append("")
            out.append(md_table(["line", "workload", "series", "threads", "cs", "delay_ns", "rep", "check"],
                                [[r.lineno, r.workload, "`%s`" % r.series, r.threads, cs_name(r.cs),
                                  r.delay, "" if r.rep is None else r.rep, "**%s**" % (r.check or "(empty)")]
                                 for r in fails]))
            out.append("")
        return out
