"""bench/reportlib/load.py - loading: results.csv rows (current and older
headers), meta.json, what a series label means, and the grouping of rows
into variants (one figure / table each) with per-point statistics."""

import csv
import json
import math
import os
import statistics
import sys

from .common import (HEADER, OLD_HEADERS, LOCK_ORDER, BARRIER_ORDER,
                     IMPL_ORDER, HW_ORDER, CK_LOCK_FAMILY, CK_BARRIER_FAMILY,
                     NAN)


def fnum(s):
    if s is None:
        return NAN
    s = str(s).strip()
    if s == "" or s == "-":
        return NAN
    try:
        return float(s)
    except ValueError:
        return NAN


def inum(s, default=None):
    v = fnum(s)
    if math.isnan(v):
        return default
    return int(round(v))


def finite(xs):
    return [x for x in xs if x is not None and not math.isnan(x)]


class Row:
    __slots__ = ("raw", "workload", "series", "impl", "algorithm", "policy", "threads",
                 "over", "placement", "cs", "delay", "rep", "ns", "fair_min", "fair_max",
                 "fair_cv", "check", "csw", "wait", "lineno")

    def __init__(self, d, lineno):
        self.raw = d
        self.lineno = lineno
        self.workload = (d.get("workload") or "").strip()
        self.series = (d.get("series") or "").strip()
        self.impl = (d.get("impl") or "").strip() or self.series.split(":")[0]
        self.algorithm = (d.get("algorithm") or "").strip()
        self.policy = (d.get("policy") or "").strip()
        self.threads = inum(d.get("threads"))
        ov = inum(d.get("oversubscribed"))
        self.over = None if ov is None else bool(ov)
        self.placement = (d.get("placement") or "").strip()
        self.cs = (d.get("cs") or "").strip()
        self.delay = inum(d.get("delay_ns"), 0)
        self.rep = inum(d.get("rep"))
        self.ns = fnum(d.get("ns_per_op"))
        self.fair_min = fnum(d.get("fair_min"))
        self.fair_max = fnum(d.get("fair_max"))
        self.fair_cv = fnum(d.get("fair_cv"))
        self.check = (d.get("check") or "").strip()
        # NaN where not recorded (an older header) or not measured ("nan").
        self.csw = fnum(d.get("csw_per_op"))
        self.wait = fnum(d.get("wait_max_ns"))


def load_csv(path):
    with open(path, newline="") as f:
        rd = csv.reader(f)
        try:
            header = next(rd)
        except StopIteration:
            raise ValueError("empty file")
        header = [h.strip() for h in header]
        if header and header[0].startswith("\ufeff"):
            header[0] = header[0][1:]
        if header != HEADER and header not in [list(h) for h in OLD_HEADERS]:
            missing = [h for h in HEADER if h not in header]
            extra = [h for h in header if h not in HEADER]
            raise ValueError("unexpected header\n  expected: %s\n  got:      %s%s%s" % (
                ",".join(HEADER), ",".join(header),
                "\n  missing: " + ",".join(missing) if missing else "",
                "\n  extra: " + ",".join(extra) if extra else ""))
        rows = []
        for i, rec in enumerate(rd, start=2):
            if not rec or all(not c.strip() for c in rec):
                continue
            d = dict(zip(header, rec + [""] * (len(header) - len(rec))))
            r = Row(d, i)
            if not r.workload or not r.series or r.threads is None:
                print("report: skipping malformed line %d" % i, file=sys.stderr)
                continue
            rows.append(r)
    return rows


def load_meta(path):
    try:
        with open(path) as f:
            m = json.load(f)
        if not isinstance(m, dict):
            return {"_raw": m}
        return m
    except FileNotFoundError:
        print("report: warning: %s missing" % path, file=sys.stderr)
        return {}
    except (OSError, ValueError) as e:
        print("report: warning: cannot read %s: %s" % (path, e), file=sys.stderr)
        return {}


class SeriesInfo:
    """What a series label means: impl, algorithm, policy flavour, family."""

    def __init__(self, name, impl, algorithm, policy, kind):
        self.name = name
        self.impl = impl or name.split(":")[0]
        rest = name.split(":", 1)[1] if ":" in name else name
        # "@spin" (or any "@policy" suffix) = the non-default waiting policy variant
        self.alt_policy = rest.split("@", 1)[1] if "@" in rest else None
        self.spin = self.alt_policy is not None
        self.generic = "-generic" in rest
        base = rest.split("@")[0]
        if base.endswith("-generic"):
            base = base[: -len("-generic")]
        self.alg = algorithm or base
        if self.impl == "usync":
            self.alg = base or self.alg
        self.base = "%s:%s" % (self.impl, base)  # usync:mcs for usync:mcs@spin
        self.default_usync = self.impl == "usync" and not self.spin and not self.generic
        if self.impl == "usync":
            self.family = base
        elif self.impl == "ck":
            fam = CK_BARRIER_FAMILY if kind == "barrier" else CK_LOCK_FAMILY
            self.family = fam.get(base)
        else:
            self.family = None

    def sort_key(self, order):
        impl_i = IMPL_ORDER.index(self.impl) if self.impl in IMPL_ORDER else len(IMPL_ORDER)
        sub = 0 if self.default_usync else (1 if self.spin else 2)
        fam = self.family if self.family is not None else self.alg
        fam_i = order.index(fam) if fam in order else len(order)
        if self.impl == "hw":
            b = self.base.split(":", 1)[1]
            fam_i = HW_ORDER.index(b) if b in HW_ORDER else len(HW_ORDER)
        return (impl_i, sub, fam_i, self.name)


def order_for(workload):
    return BARRIER_ORDER if workload == "barrier" else LOCK_ORDER


class Stat:
    def __init__(self, rows):
        self.rows = rows
        v = finite([r.ns for r in rows])
        self.n = len(v)
        self.med = statistics.median(v) if v else NAN
        self.lo = min(v) if v else NAN
        self.hi = max(v) if v else NAN
        cv = finite([r.fair_cv for r in rows])
        self.cv_med = statistics.median(cv) if cv else NAN
        self.cv_lo = min(cv) if cv else NAN
        self.cv_hi = max(cv) if cv else NAN
        fmin = finite([r.fair_min for r in rows])
        fmax = finite([r.fair_max for r in rows])
        self.fmin = statistics.median(fmin) if fmin else NAN
        self.fmax = statistics.median(fmax) if fmax else NAN
        ratios = [r.fair_min / r.fair_max for r in rows
                  if not math.isnan(r.fair_min) and not math.isnan(r.fair_max) and r.fair_max > 0]
        self.ratio_med = statistics.median(ratios) if ratios else NAN
        self.fails = [r for r in rows if r.check and r.check.lower() != "ok"]
        csw = finite([r.csw for r in rows])
        self.csw_med = statistics.median(csw) if csw else NAN
        wait = finite([r.wait for r in rows])
        self.wait_med = statistics.median(wait) if wait else NAN


class Variant:
    """One figure / table: a workload with one (cs, delay, placement)."""

    def __init__(self, workload, cs, delay, placement, rows, label_parts):
        self.workload = workload
        self.cs = cs
        self.delay = delay
        self.placement = placement
        self.rows = rows
        self.label_parts = label_parts
        by = {}
        info = {}
        for r in rows:
            by.setdefault(r.series, {}).setdefault(r.threads, []).append(r)
            if r.series not in info:
                info[r.series] = SeriesInfo(r.series, r.impl, r.algorithm, r.policy, workload)
        order = order_for(workload)
        self.series = sorted(by, key=lambda s: info[s].sort_key(order))
        self.info = info
        self.stats = {s: {t: Stat(rs) for t, rs in by[s].items()} for s in by}
        self.threads = sorted({r.threads for r in rows})

    def get(self, series, threads):
        return self.stats.get(series, {}).get(threads)

    def med(self, series, threads):
        st = self.get(series, threads)
        return st.med if st else NAN

    @property
    def label(self):
        return ", ".join(self.label_parts)

    @property
    def slug(self):
        parts = [self.workload]
        if self.workload in ("lock", "readmostly", "barrier", "timed"):
            parts.append(cs_name(self.cs).replace(" ", ""))
            if self.delay or self.workload != "barrier":
                parts.append("d%d" % self.delay)
        if len(self.label_parts) and any(p.startswith("placement") for p in self.label_parts):
            parts.append(self.placement or "na")
        s = "-".join(parts)
        return "".join(c if c.isalnum() or c in "-_." else "_" for c in s)


def cs_name(cs):
    return cs if cs and cs != "-" else ("empty" if cs == "" else "-")


def read_pct(cs):
    """The read percentage of a shared-lock read-mostly point ("reads99" -> 99), else None."""
    if cs and cs.startswith("reads") and cs[5:].isdigit():
        return int(cs[5:])
    return None


def build_variants(rows):
    by_wl = {}
    for r in rows:
        by_wl.setdefault(r.workload, []).append(r)
    out = {}
    for wl, rs in by_wl.items():
        placements = sorted({r.placement for r in rs})
        # Shared-lock read fractions after the rest, 100 % first.
        keys = sorted({(r.cs, r.delay, r.placement) for r in rs},
                      key=lambda k: (k[0] not in ("", "empty", "none", "-"),
                                     -(read_pct(k[0]) or 1000), k[0], k[1], k[2]))
        css = {k[0] for k in keys}
        delays = {k[1] for k in keys}
        vs = []
        for cs, delay, pl in keys:
            vrows = [r for r in rs if (r.cs, r.delay, r.placement) == (cs, delay, pl)]
            parts = []
            if wl == "barrier":
                parts.append("work between episodes: %s" % cs_name(cs))
            elif wl == "readmostly" and read_pct(cs) is not None:
                parts.append("shared locks, %d%% reads" % read_pct(cs))
            elif wl in ("lock", "readmostly") or len(css) > 1:
                parts.append("critical section: %s" % cs_name(cs))
            if wl in ("lock", "readmostly") or len(delays) > 1 or delay:
                parts.append("delay %d ns" % delay)
            if len(placements) > 1:
                parts.append("placement %s" % (pl or "n/a"))
            vs.append(Variant(wl, cs, delay, pl, vrows, parts))
        out[wl] = vs
    return out


def oversub_threads(rows, nproc):
    """Thread counts that are oversubscribed (per the column, else threads > nproc)."""
    over = set()
    known = set()
    for r in rows:
        if r.over is not None:
            known.add(r.threads)
            if r.over:
                over.add(r.threads)
    if nproc:
        for r in rows:
            if r.threads not in known and r.threads > nproc:
                over.add(r.threads)
    return over


def machine_name(meta, d=None):
    for k in ("name", "machine", "hostname"):
        if meta.get(k):
            return str(meta[k])
    if d:
        return os.path.basename(os.path.normpath(os.path.abspath(d))) or "unknown machine"
    return "unknown machine"


def primary_variant(vs, cs_pref=("", "empty", "none", "-")):
    if not vs:
        return None
    for v in vs:
        if v.cs in cs_pref and v.delay == 0 and v.placement in ("compact", ""):
            return v
    for v in vs:
        if v.cs in cs_pref and v.delay == 0:
            return v
    return vs[0]
