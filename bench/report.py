#!/usr/bin/env python3
"""bench/report.py - turn a usync-bench results directory into REPORT.md + figures.

    bench/report.py DIR              read DIR/results.csv + DIR/meta.json,
                                     write DIR/REPORT.md and DIR/figures/*.png
    bench/report.py DIR --no-figures REPORT.md only (no matplotlib needed)
    bench/report.py --selftest [--keep OUT]
                                     generate synthetic fixtures
                                     (bench/report_test_data/make_fixture.py),
                                     report on them and sanity-check the output

The figures follow Mellor-Crummey & Scott 1991 (ACM TOCS 9(1)): x = threads,
y = time per acquisition / per barrier episode, one line per implementation,
median markers with min-max bars over the repetitions.

Only the standard library and matplotlib (Agg; numpy comes with it) are used.
If the running interpreter lacks matplotlib (e.g. a pyenv python), the script
re-executes itself once under /usr/bin/python3, where Debian's
python3-matplotlib lives.

Exit status: 0 on success, 2 if results.csv is missing or its header is not
the expected one, 1 if --selftest fails.
"""
import argparse
import csv
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile

import report_grading

HEADER = ("workload,series,impl,algorithm,policy,threads,oversubscribed,placement,"
          "cpus,cs,delay_ns,rep,duration_ns,ops,ns_per_op,ops_per_s,fair_min,"
          "fair_max,fair_cv,check,csw_per_op,wait_max_ns").split(",")
# Headers of earlier usync-bench versions, still read: the columns they lack
# were not recorded (their values read as NaN).
OLD_HEADERS = (HEADER[:20], HEADER[:21])

WORKLOAD_ORDER = ["uncontended", "lock", "barrier", "readmostly", "timed", "cond", "handoff"]
WORKLOAD_TITLE = {
    "uncontended": "Uncontended locks (1 thread)",
    "lock": "Contended locks",
    "barrier": "Barriers",
    "readmostly": "Read-mostly",
    "handoff": "Cache-line handoff (hardware floor)",
    "timed": "Timed acquisition",
    "cond": "Condition variable hand-off",
}
YLABEL = {
    "uncontended": "ns per acquisition (1 thread)",
    "lock": "ns per acquisition",
    "barrier": "ns per barrier episode",
    "readmostly": "ns per read",
    "handoff": "ns per one-way cache-line transfer",
    "timed": "ns per successful acquisition",
    "cond": "ns per item handed off",
}
LOCK_ORDER = ["tas", "ttas", "backoff", "ticket", "anderson", "mcs", "clh", "mcs_tp"]
BARRIER_ORDER = ["counter", "tree", "mcs", "tournament", "dissemination"]
IMPL_ORDER = ["usync", "ck", "pthread", "urcu", "hw"]
HW_ORDER = ["smt", "same-l3", "other-l3", "other-package"]
# usync lock -> matched ck lock (MCS'91 algorithm correspondence).  ck has no
# pure test-and-set lock: ck_spinlock_fas polls with loads between its
# exchanges (test-and-test-and-set), so it is the nearest peer of both tas
# and ttas, and tas / fas also measures TAS against TTAS.
LOCK_PEER = {"tas": "fas", "ttas": "fas", "backoff": "fas-eb", "ticket": "ticket",
             "anderson": "anderson", "mcs": "mcs", "clh": "clh",
             # no preemption-tolerant peer in ck: its MCS is the nearest
             "mcs_tp": "mcs"}
# extra comparisons shown if the peer exists
LOCK_PEER_EXTRA = [("ticket", "ticket_pb")]
BARRIER_PEER = {"counter": "centralized", "tree": "combining", "mcs": "mcs",
                "tournament": "tournament", "dissemination": "dissemination"}
# ck algorithm -> usync family (for colours / grouping)
CK_LOCK_FAMILY = {"fas": "tas", "fas-eb": "backoff", "ticket": "ticket",
                  "ticket_pb": "ticket", "anderson": "anderson", "mcs": "mcs",
                  "clh": "clh"}
CK_BARRIER_FAMILY = {v: k for k, v in BARRIER_PEER.items()}

NAN = float("nan")
DAGGER = "\u2020"    # oversubscribed
DDAGGER = "\u2021"   # below the cache-line transfer floor
EN = "\u2013"


# --------------------------------------------------------------------------
# matplotlib bootstrap
# --------------------------------------------------------------------------

def import_pyplot():
    """Return matplotlib.pyplot (Agg) or None."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        return plt
    except ImportError:
        return None


def maybe_reexec_for_matplotlib():
    try:
        import matplotlib  # noqa: F401
        return
    except ImportError:
        pass
    syspy = "/usr/bin/python3"
    if (os.path.exists(syspy) and not os.environ.get("USYNC_REPORT_REEXEC")
            and os.path.realpath(sys.executable) != os.path.realpath(syspy)):
        os.environ["USYNC_REPORT_REEXEC"] = "1"
        os.execv(syspy, [syspy, os.path.abspath(__file__)] + sys.argv[1:])


# --------------------------------------------------------------------------
# parsing
# --------------------------------------------------------------------------

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


# --------------------------------------------------------------------------
# series naming / styling
# --------------------------------------------------------------------------

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


_TAB20 = None


def tab20():
    global _TAB20
    if _TAB20 is None:
        import matplotlib
        cmap = matplotlib.colormaps["tab20"] if hasattr(matplotlib, "colormaps") else \
            matplotlib.cm.get_cmap("tab20")
        _TAB20 = [cmap(i) for i in range(20)]
    return _TAB20


OTHER_COLOURS = {
    "pthread:mutex": "#000000", "pthread:mutex-adaptive": "#555555",
    "pthread:spin": "#999999", "pthread:barrier": "#000000",
    "pthread:rwlock": "#777777", "urcu:rcu": "#8c6d31",
}


def series_style(si, workload, extra_idx):
    """colour, linestyle, marker, fill for a series in a line figure."""
    t = tab20()
    order = order_for(workload)
    fam = si.family
    if fam is not None and fam in order:
        fi = order.index(fam)
        dark, light = t[(2 * fi) % 20], t[(2 * fi + 1) % 20]
    elif fam is not None:
        # usync/ck algorithm not in the canonical list: use the spare pairs
        fi = 7 + (extra_idx.setdefault(fam, len(extra_idx)) % 3)
        dark, light = t[2 * fi], t[2 * fi + 1]
    else:
        dark = light = OTHER_COLOURS.get(si.name)
        if dark is None:
            fi = 7 + (extra_idx.setdefault(si.name, len(extra_idx)) % 3)
            dark = light = t[2 * fi]
    markers = "osD^v<>ph*"
    mk = markers[(order.index(fam) if fam in order else len(si.name)) % len(markers)]
    if si.impl == "usync":
        ls = "-"
        colour = light if si.spin else dark
        fill = not si.generic
        if si.generic:
            mk = "X"
    elif si.impl == "ck":
        ls, colour, fill = "--", dark, True
        if si.alg.endswith("_pb") or si.alg.endswith("-eb"):
            mk = "P"
    elif si.impl == "hw":
        ls, colour, fill = "-.", dark, True
    else:
        ls, colour, fill = ":", dark, True
        mk = {"pthread:mutex": "s", "pthread:mutex-adaptive": "D",
              "pthread:spin": "^", "urcu:rcu": "*"}.get(si.name, "o")
    return colour, ls, mk, fill


# --------------------------------------------------------------------------
# aggregation
# --------------------------------------------------------------------------

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


# --------------------------------------------------------------------------
# formatting
# --------------------------------------------------------------------------

def fmt(v):
    if v is None or (isinstance(v, float) and (math.isnan(v) or math.isinf(v))):
        return "n/a"
    r = float("%.3g" % v)
    a = abs(r)
    for scale, suf in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if a >= scale:
            return "%.3g%s" % (r / scale, suf)
    return "%.3g" % r


def fmt_ratio(r):
    if r is None or math.isnan(r) or math.isinf(r):
        return "n/a"
    if 0.1 <= abs(r) < 10:
        return "%.2f" % r
    return fmt(r)


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


# --------------------------------------------------------------------------
# figures
# --------------------------------------------------------------------------

FIGSIZE = (9, 5.5)
DPI = 110


def machine_name(meta, d=None):
    for k in ("name", "machine", "hostname"):
        if meta.get(k):
            return str(meta[k])
    if d:
        return os.path.basename(os.path.normpath(os.path.abspath(d))) or "unknown machine"
    return "unknown machine"


def line_figure(plt, v, over, path, machine, series=None, family=None):
    """One line per series (default: every series of v).  With family (a
    main figure: one family, default policy only), the title names the
    family and every peer is dashed."""
    import matplotlib.ticker as mticker
    fig, ax = plt.subplots(figsize=FIGSIZE)
    extra = {}
    allv = []
    series = v.series if series is None else series
    for s in series:
        si = v.info[s]
        ts = [t for t in sorted(v.stats[s]) if v.stats[s][t].n > 0]
        if not ts:
            continue
        med = [v.stats[s][t].med for t in ts]
        lo = [v.stats[s][t].lo for t in ts]
        hi = [v.stats[s][t].hi for t in ts]
        allv += med + lo + hi
        colour, ls, mk, fill = series_style(si, v.workload, extra)
        if family is not None and si.impl != "usync":
            ls = "--"
        yerr = [[m - l for m, l in zip(med, lo)], [h - m for m, h in zip(med, hi)]]
        ax.errorbar(ts, med, yerr=yerr, color=colour, linestyle=ls, marker=mk,
                    markersize=5 if not si.spin else 4,
                    linewidth=(1.1 if si.spin else 1.7) if si.impl == "usync" else 1.3,
                    markerfacecolor=colour if fill else "white", markeredgecolor=colour,
                    capsize=2.5, elinewidth=0.9, label=s)
    ts_all = [t for t in v.threads if t and t > 0]
    if not ts_all:
        plt.close(fig)
        return False
    xmin, xmax = min(ts_all), max(ts_all)
    ax.set_xscale("log", base=2)
    ax.set_xlim(xmin / 1.4, xmax * 1.4)
    ax.set_xticks(ts_all)
    ax.xaxis.set_major_formatter(mticker.FuncFormatter(
        lambda x, _: ("%d" % x) + (DAGGER if int(round(x)) in over else "")))
    ax.xaxis.set_minor_locator(mticker.NullLocator())
    pos = [x for x in allv if x > 0 and not math.isnan(x)]
    logy = bool(pos) and max(pos) / min(pos) > 30
    if logy:
        ax.set_yscale("log")
        ax.set_ylim(min(pos) / 1.5, max(pos) * 4.0)
    elif pos:
        ax.set_ylim(0, max(pos) * 1.18)
    else:
        ax.set_ylim(bottom=0)
    ov = sorted(t for t in ts_all if t in over)
    nov = sorted(t for t in ts_all if t not in over)
    if ov:
        left = math.sqrt(max(nov) * min(ov)) if nov and max(nov) < min(ov) else min(ov) / 1.2
        ax.axvspan(left, xmax * 1.4, color="#d62728", alpha=0.08, zorder=0)
        ax.axvline(left, color="#d62728", alpha=0.4, linewidth=0.8, zorder=0)
        ax.text(math.sqrt(left * xmax * 1.4), 0.985, "oversubscribed\n(threads > cores)",
                transform=ax.get_xaxis_transform(), ha="center", va="top", fontsize=9,
                color="#a01010", bbox=dict(facecolor="white", alpha=0.7, edgecolor="none", pad=1.5))
    ax.set_xlabel("threads" + (" (%s = oversubscribed)" % DAGGER if ov else ""))
    ax.set_ylabel(YLABEL.get(v.workload, "ns per op") + (" (log scale)" if logy else ""))
    title = "%s - %s" % (machine, WORKLOAD_TITLE.get(v.workload, v.workload))
    if family is not None:
        title += ": %s, default policy" % family
    if v.label:
        title += "\n" + v.label
    ax.set_title(title, fontsize=11)
    ax.grid(True, which="major", alpha=0.3)
    if logy:
        ax.grid(True, which="minor", axis="y", alpha=0.1)
    n = len(series)
    if n > 6:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8,
                  ncol=1 if n <= 22 else 2, frameon=False, borderaxespad=0)
    else:
        ax.legend(loc="best", fontsize=8, framealpha=0.85)
    impls = {v.info[x].impl for x in series}
    key = ["usync solid"] if "usync" in impls else []
    if family is not None:
        if impls - {"usync"}:
            key.append("peers (%s) dashed" % ", ".join(i for i in IMPL_ORDER
                                                       if i in impls and i != "usync"))
    else:
        if "ck" in impls:
            key.append("ck dashed")
        dotted = [i for i in ("pthread", "urcu") if i in impls]
        if dotted:
            key.append("/".join(dotted) + " dotted")
    if any(v.info[x].spin for x in series):
        key.append("usync@%s lighter" % sorted({v.info[x].alt_policy for x in series
                                                if v.info[x].spin})[0])
    ax.text(1.0, -0.11, "median, bars = min-max over repetitions; " + ", ".join(key),
            transform=ax.transAxes, ha="right", va="top", fontsize=7, color="#555555")
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return True


def bar_colour(si):
    if si.impl == "usync":
        if si.spin:
            return "#9ecae1"
        if si.generic:
            return "#4f8fc0"
        return "#1f5fa0"
    if si.impl == "ck":
        return "#ff7f0e"
    if si.impl == "hw":
        return "#2ca02c"
    if si.impl == "urcu":
        return "#8c6d31"
    return "#7f7f7f"


def bar_figure(plt, v, path, machine, threads=None):
    """Grouped bars (one group per lock family), min-max error bars."""
    from matplotlib.patches import Patch
    # choose the thread count: the only one, or the requested / most common
    if threads is None:
        counts = {}
        for s in v.series:
            for t in v.stats[s]:
                counts[t] = counts.get(t, 0) + 1
        if not counts:
            return False
        threads = max(counts, key=lambda t: (counts[t], -t))
    groups = []
    if v.workload == "handoff":
        groups = [(None, [s for s in v.series if v.get(s, threads)])]
    else:
        fams = {}
        order = order_for(v.workload)
        for s in v.series:
            if not v.get(s, threads):
                continue
            si = v.info[s]
            key = si.family if si.family else si.name
            fams.setdefault(key, []).append(s)

        def gkey(k):
            return (0, order.index(k)) if k in order else (1, k)
        for k in sorted(fams, key=gkey):
            groups.append((k, sorted(fams[k], key=lambda s: v.info[s].sort_key(order))))
    xs, hs, los, his, cols, labels, hatches = [], [], [], [], [], [], []
    x = 0.0
    centres = []
    for g, ss in groups:
        start = x
        for s in ss:
            st = v.get(s, threads)
            si = v.info[s]
            xs.append(x)
            hs.append(st.med if st.n else 0)
            los.append(st.med - st.lo if st.n else 0)
            his.append(st.hi - st.med if st.n else 0)
            cols.append(bar_colour(si))
            labels.append(s)
            hatches.append("//" if si.impl == "ck" else ("" if si.impl in ("usync", "hw") else ".."))
            x += 1
        centres.append(((start + x - 1) / 2, g))
        x += 0.8
    if not xs:
        return False
    width = max(6.0, min(16.0, 1.2 + 0.38 * len(xs)))
    fig, ax = plt.subplots(figsize=(width, 5.5))
    bars = ax.bar(xs, hs, color=cols, edgecolor="#333333", linewidth=0.5, width=0.8,
                  yerr=[los, his], capsize=2, error_kw=dict(elinewidth=0.8))
    for b, h in zip(bars.patches, hatches):
        if h:
            b.set_hatch(h)
    top = max((h + e for h, e in zip(hs, his)), default=1)
    for xi, h, hi in zip(xs, hs, his):
        if h:
            ax.text(xi, h + hi + top * 0.012, fmt(h), ha="center", va="bottom", fontsize=7,
                    rotation=90)
    ax.set_xticks(xs)
    ax.set_xticklabels(labels, rotation=60, ha="right", fontsize=8)
    top = max((h + e for h, e in zip(hs, his)), default=1)
    ax.set_ylim(0, top * 1.2 if top > 0 else 1)
    ax.set_ylabel(YLABEL.get(v.workload, "ns per op"))
    title = "%s - %s" % (machine, WORKLOAD_TITLE.get(v.workload, v.workload))
    sub = []
    if v.label:
        sub.append(v.label)
    if v.workload == "handoff":
        sub.append("%d threads" % threads)
    if sub:
        title += "\n" + ", ".join(sub)
    ax.set_title(title, fontsize=11)
    ax.grid(True, axis="y", alpha=0.3)
    # separators between families
    prev_end = None
    xi = 0
    for g, ss in groups:
        if prev_end is not None:
            ax.axvline(prev_end + 0.9, color="#cccccc", linewidth=0.6, zorder=0)
        xi += len(ss)
        prev_end = xs[xi - 1]
    impls = []
    for s in labels:
        si = v.info[s]
        key = ("usync@spin" if si.spin else "usync generic" if si.generic else "usync") \
            if si.impl == "usync" else si.impl
        if key not in [k for k, _ in impls]:
            impls.append((key, si))
    handles = [Patch(facecolor=bar_colour(si), edgecolor="#333333",
                     hatch="//" if si.impl == "ck" else ("" if si.impl in ("usync", "hw") else ".."),
                     label=k) for k, si in impls]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8,
              frameon=False, borderaxespad=0)
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return True


# --------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------

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


def p_idx(p):
    return ("spin", "yield", "park").index(p) if p in ("spin", "yield", "park") else 9


def ratio(a, b):
    if a is None or b is None or math.isnan(a) or math.isnan(b) or b == 0:
        return NAN
    return a / b


class Report:
    def __init__(self, outdir, rows, meta, figures=True):
        self.dir = outdir
        self.rows = rows
        self.meta = meta
        self.figures = figures
        self.machine = machine_name(meta, outdir)
        try:
            self.nproc = int(meta.get("nproc")) if meta.get("nproc") not in (None, "") else None
        except (TypeError, ValueError):
            self.nproc = None
        self.over = oversub_threads(rows, self.nproc)
        self.variants = build_variants(rows)
        self.written = []
        self.plt = import_pyplot() if figures else None
        if figures and self.plt is None:
            print("report: WARNING: matplotlib not importable - writing REPORT.md without figures",
                  file=sys.stderr)
        self.floor = self.transfer_floor()
        self.notes = []
        # Columns an older usync-bench did not write (see OLD_HEADERS).
        self.has_csw = any("csw_per_op" in r.raw for r in rows)
        self.has_wait = any("wait_max_ns" in r.raw for r in rows)

    # -- helpers ---------------------------------------------------------
    def transfer_floor(self):
        vs = self.variants.get("handoff", [])
        best = None
        for v in vs:
            for s in v.series:
                for t, st in v.stats[s].items():
                    if st.n and (best is None or st.med < best[0]):
                        best = (st.med, s)
        return best

    def tmax(self, v):
        nov = [t for t in v.threads if t not in self.over]
        return max(nov) if nov else None

    def fig(self, v, kind, family=None):
        """Draw one figure of v; family = (key, title, series) for a main
        line figure of one family, else every series (v.slug + ".png")."""
        if not self.plt:
            return None
        figdir = os.path.join(self.dir, "figures")
        os.makedirs(figdir, exist_ok=True)
        name = (v.slug if family is None else "%s-%s" % (v.slug, family[0])) + ".png"
        path = os.path.join(figdir, name)
        try:
            if kind == "line" and family is not None:
                ok = line_figure(self.plt, v, self.over, path, self.machine,
                                 series=family[2], family=family[1])
            elif kind == "line":
                ok = line_figure(self.plt, v, self.over, path, self.machine)
            else:
                ok = bar_figure(self.plt, v, path, self.machine)
        except Exception as e:  # a broken figure must not lose the report
            print("report: WARNING: figure %s failed: %r" % (name, e), file=sys.stderr)
            return None
        if ok:
            self.written.append(path)
            return "figures/" + name
        return None

    # Main figures: one per family, the default policy only; every policy
    # together goes to the appendix.
    FIG_FAMILIES = (("tas", "TAS family"), ("queue", "queue locks"),
                    ("shared", "shared locks"), ("barriers", "barriers"))

    def fig_family(self, v, si):
        """The family key of a series in v's main figures; None: a reference
        line (pthread:mutex, RCU) drawn in every family's figure."""
        if v.workload == "barrier":
            return "barriers"
        if read_pct(v.cs) is not None:
            return "shared"
        if si.family in self.TAS_FAMILY or si.name == "pthread:spin":
            return "tas"
        if si.family in self.QUEUE_LOCKS:
            return "queue"
        return None

    def main_families(self, v):
        """[(key, title, series)]: v's default-policy series by family, each
        with the reference lines; [] for a variant drawn as bars."""
        if v.workload in ("uncontended", "handoff"):
            return []
        default = [s for s in v.series if v.info[s].impl != "usync" or not v.info[s].spin]
        fams = {}
        refs = []
        for s in default:
            k = self.fig_family(v, v.info[s])
            if k is None:
                refs.append(s)
            else:
                fams.setdefault(k, []).append(s)
        if not fams:
            return [("default", "default policy", default)] if default else []
        return [(k, t, [s for s in default if s in fams[k] or s in refs])
                for k, t in self.FIG_FAMILIES if k in fams]

    def every_policy(self, v):
        """Whether v has series beyond its main figures (other policies)."""
        return v.workload not in ("uncontended", "handoff") and any(
            v.info[s].impl == "usync" and v.info[s].spin for s in v.series)

    def main_fig_names(self, v):
        if v.workload in ("uncontended", "handoff"):
            return ["%s.png" % v.slug]
        return ["%s-%s.png" % (v.slug, k) for k, _, _ in self.main_families(v)]

    def appendix_section(self):
        """The every-policy figures, moved here from the workload sections."""
        vs = [v for wl in WORKLOAD_ORDER + sorted(w for w in self.variants
                                                   if w not in WORKLOAD_ORDER)
              for v in self.variants.get(wl, []) if self.every_policy(v)]
        if not vs:
            return []
        out = ["## Appendix: every waiting policy", "",
               "Each workload's figure with every series of the run on one plot: every usync "
               "series under every waiting policy (`@<policy>` lighter), ck dashed, pthread "
               "and RCU dotted. The figures in the sections above show the default policy "
               "only, one per family.", ""]
        for v in vs:
            f = self.fig(v, "line") if self.figures else None
            if f:
                out += ["### %s%s" % (WORKLOAD_TITLE.get(v.workload, v.workload),
                                      ": " + v.label if v.label else ""), "",
                        "![%s %s, every policy](%s)" % (v.workload, v.label, f), ""]
        return out if len(out) > 4 else []

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
                "descheduled, so on a loaded machine it is bounded below by the scheduler's "
                "slices.", "", md_table(head, body), ""]

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

    # oversubscription goals ---------------------------------------------
    POLICIES = ("spin", "yield", "park")
    TAS_FAMILY = ("tas", "ttas", "backoff")
    QUEUE_LOCKS = ("ticket", "anderson", "mcs", "clh", "mcs_tp", "mcs-generic")

    def default_policy(self):
        uc = self.meta.get("usync_config")
        pol = uc.get("default_wait_policy") if isinstance(uc, dict) else None
        return pol if pol in self.POLICIES else "yield"

    def ncpus(self):
        pc = self.meta.get("placement_cpus")
        if isinstance(pc, list) and pc:
            return len(pc)
        return self.nproc

    @staticmethod
    def floored(st):
        """Some repetition completed no operation: its ns_per_op is a floor."""
        return st is not None and any((r.raw.get("ops") or "").strip() == "0" for r in st.rows)

    def usync_by_policy(self, v):
        """{base name (usync:mcs, usync:mcs-generic): {policy: series}}."""
        default = self.default_policy()
        out = {}
        for s in v.series:
            si = v.info[s]
            if si.impl != "usync":
                continue
            base, _, pol = s.partition("@")
            pol = pol or default
            if pol in self.POLICIES:
                out.setdefault(base, {})[pol] = s
        return out

    def goal_cell(self, num, den, goal):
        """ratio num/den with met/missed against goal (ratio <= goal)."""
        a = num.med if num else NAN
        b = den.med if den else NAN
        r = ratio(a, b)
        if math.isnan(r):
            return "n/a", None
        pre = "\u2265" if self.floored(num) else ""
        if r <= goal:
            return "%s%s met" % (pre, fmt_ratio(r)), True
        # within the run-to-run spread of the two medians?
        spread = 0.0
        for st in (num, den):
            if st and st.n > 1 and st.med > 0:
                spread = max(spread, (st.hi - st.lo) / st.med)
        if goal == 1 and r <= 1 + spread:
            return "%s%s **missed** (within spread)" % (pre, fmt_ratio(r)), False
        return "%s%s **missed**" % (pre, fmt_ratio(r)), False

    def pol_label(self, pol):
        return pol + (" (default)" if pol == self.default_policy() else "")

    def oversub_section(self):
        out = ["## Oversubscription goals", ""]
        lock = primary_variant(self.variants.get("lock", []))
        bar = primary_variant(self.variants.get("barrier", []))
        n = self.ncpus()
        default = self.default_policy()
        tally = [0, 0]

        def count(ok):
            if ok is not None:
                tally[0 if ok else 1] += 1

        def over_cols(v):
            ts = sorted(t for t in v.threads if t in self.over)
            return [(t, "%d thr (%s)" % (t, ("%gx" % (t / n)) if n else "over")) for t in ts]

        out += ["Ratios of medians (ns per acquisition or episode) from this run; the build's "
                "default policy is `%s` (series without `@`). `\u2265` marks a ratio whose "
                "numerator is a floor: some repetition completed no operation in its interval. "
                "Cells are marked met or **missed**." % default, ""]
        ls, le = self.meta.get("loadavg_start"), self.meta.get("loadavg_end")
        if ls or le:
            out += ["Load average (1, 5, 15 min) when the run started: %s; when it ended: %s, on %s "
                    "CPUs. Other work on the machine takes cores from the benchmark's threads: with "
                    "a load near or above the CPU count, even the \"threads \u2264 cores\" points "
                    "run oversubscribed." % (ls or "n/a", le or "n/a", self.meta.get("nproc", "?")), ""]
        if lock and "pthread:mutex" in lock.stats:
            cols = over_cols(lock)
            if cols:
                body = []
                for base, pols in sorted(self.usync_by_policy(lock).items(),
                                         key=lambda kv: ((LOCK_ORDER + ["mcs-generic"]).index(kv[0][6:])
                                                         if kv[0][6:] in LOCK_ORDER + ["mcs-generic"]
                                                         else 99, kv[0])):
                    alg = base.split(":", 1)[1]
                    goal = 2.0 if alg in self.TAS_FAMILY else 20.0 if alg in self.QUEUE_LOCKS else None
                    if goal is None:
                        continue
                    peer = "ck:%s" % LOCK_PEER.get(alg.replace("-generic", ""), "")
                    first = True
                    for pol in self.POLICIES:
                        if pol not in pols:
                            continue
                        s = pols[pol]
                        row = ["`%s`" % base if first else "", self.pol_label(pol),
                               "\u2264 %gx" % goal if first else ""]
                        for t, _ in cols:
                            c, ok = self.goal_cell(lock.get(s, t), lock.get("pthread:mutex", t), goal)
                            count(ok)
                            row.append(c)
                        if first and peer in lock.stats:
                            row.append("`%s`" % peer)
                            for t, _ in cols:
                                st = lock.get(peer, t)
                                r = ratio(st.med if st else NAN, lock.med("pthread:mutex", t))
                                row.append(("\u2265" if self.floored(st) else "") + fmt_ratio(r))
                        else:
                            row += [""] * (1 + len(cols))
                        body.append(row)
                        first = False
                if body:
                    out += ["### Locks vs `pthread:mutex`, oversubscribed (%s)" % lock.label, "",
                            "Goal: TAS family (tas, ttas, backoff) within 2x of `pthread:mutex`, "
                            "queue locks (ticket, anderson, mcs, clh, mcs_tp) within 20x. ck's ratio is "
                            "shown for comparison (no goal).", "",
                            md_table(["usync lock", "policy", "goal"] + [c[1] for c in cols] +
                                     ["ck peer"] + ["ck " + c[1] for c in cols], body), ""]
        if bar and "pthread:barrier" in bar.stats:
            cols = over_cols(bar)
            if cols:
                body = []
                for base, pols in sorted(self.usync_by_policy(bar).items(),
                                         key=lambda kv: (BARRIER_ORDER.index(kv[0][6:])
                                                         if kv[0][6:] in BARRIER_ORDER else 99, kv[0])):
                    alg = base.split(":", 1)[1]
                    peer = "ck:%s" % BARRIER_PEER.get(alg, "")
                    first = True
                    for pol in self.POLICIES:
                        if pol not in pols:
                            continue
                        s = pols[pol]
                        row = ["`%s`" % base if first else "", self.pol_label(pol)]
                        for t, _ in cols:
                            c, ok = self.goal_cell(bar.get(s, t), bar.get("pthread:barrier", t), 1.0)
                            count(ok)
                            row.append(c)
                        if first and peer in bar.stats:
                            row.append("`%s`" % peer)
                            for t, _ in cols:
                                st = bar.get(peer, t)
                                r = ratio(st.med if st else NAN, bar.med("pthread:barrier", t))
                                row.append(("\u2265" if self.floored(st) else "") + fmt_ratio(r))
                        else:
                            row += [""] * (1 + len(cols))
                        body.append(row)
                        first = False
                if body:
                    out += ["### Barriers vs `pthread:barrier`, oversubscribed (%s)" % bar.label, "",
                            "Goal: every usync barrier no slower than `pthread:barrier` (\u2264 1x).", "",
                            md_table(["usync barrier", "policy"] + [c[1] for c in cols] +
                                     ["ck peer"] + ["ck " + c[1] for c in cols], body), ""]
        # threads <= cores: policy / spin
        body = []
        under_cols = []
        for v, what in ((lock, "lock"), (bar, "barrier")):
            if not v:
                continue
            ts = [t for t in v.threads if t not in self.over]
            for base, pols in self.usync_by_policy(v).items():
                if "spin" not in pols:
                    continue
                for pol in self.POLICIES:
                    if pol == "spin" or pol not in pols:
                        continue
                    for t in ts:
                        c, ok = self.goal_cell(v.get(pols[pol], t), v.get(pols["spin"], t), 1.0)
                        count(ok)
                        under_cols.append((what, base, pol, t, c))
        if under_cols:
            keys = sorted({(w, t) for w, _, _, t, _ in under_cols}, key=lambda k: (k[0] != "lock", k[1]))
            cells = {(w, b, p, t): c for w, b, p, t, c in under_cols}
            rowkeys = []
            for w, b, p, _, _ in under_cols:
                if (w, b, p) not in rowkeys:
                    rowkeys.append((w, b, p))
            order = {"lock": LOCK_ORDER + ["mcs-generic"], "barrier": BARRIER_ORDER}
            rowkeys.sort(key=lambda k: (k[0] != "lock", order[k[0]].index(k[1][6:])
                                        if k[1][6:] in order[k[0]] else 99,
                                        k[1], p_idx(k[2])))
            for w, b, p in rowkeys:
                body.append(["%s `%s`" % (w, b), self.pol_label(p)] +
                            [cells.get((w, b, p, t), EN) if w == kw else EN for kw, t in keys])
            out += ["### Threads \u2264 cores: policy / `@spin`", "",
                    "Time under the default policy (and the other non-spin policies) divided by the "
                    "same primitive's `@spin` time, lock: %s; barrier: %s. Goal \u2264 1 (no slower "
                    "than spinning). \"within spread\" = above 1 by less than the spread "
                    "(max - min) / median of either point's repetitions." % (
                        lock.label if lock else "-", bar.label if bar else "-"), "",
                    md_table(["usync", "policy"] + ["%s %d thr" % k for k in keys], body), ""]
        if tally[0] + tally[1]:
            out += ["Goals: %d met, %d missed (of %d cells)." % (tally[0], tally[1], sum(tally)), ""]
        out += self.default_policy_par(lock, bar)
        if len(out) <= 4:
            out += ["No oversubscribed or policy-varied points in the data.", ""]
        return out

    FIFO_LOCKS = ("ticket", "anderson", "mcs", "clh")

    def csw_section(self):
        """Context switches per acquisition of the lock workload, oversubscribed."""
        lock = primary_variant(self.variants.get("lock", []))
        if not lock:
            return []
        out = ["## Context switches per operation, oversubscribed", ""]
        if not self.has_csw:
            return out + ["This run did not record context switches (its `results.csv` "
                          "predates the `csw_per_op` column).", ""]
        ts = sorted(t for t in lock.threads if t in self.over)
        if not ts:
            return out + ["This run has no oversubscribed lock points.", ""]
        n = self.ncpus()
        series = [s for s in lock.series
                  if lock.info[s].impl != "usync" or not lock.info[s].spin]

        def over(t):
            return "%d thr (%s)" % (t, ("%gx" % (t / n)) if n else "over")
        head = ["series"]
        for t in ts:
            head += ["%s csw/op" % over(t), "%s ns/op" % over(t)]
        body = []
        for s in series:
            row = ["`%s`" % s]
            for t in ts:
                st = lock.get(s, t)
                pre = "\u2265" if self.floored(st) else ""
                row += [EN if st is None else pre + fmt(st.csw_med),
                        EN if st is None else pre + fmt(st.med)]
            body.append(row)
        out += ["Median over the repetitions of `csw_per_op` (voluntary + involuntary context "
                "switches of the worker threads over the measured interval, per acquisition) "
                "with the median ns per acquisition beside it, %s, default policy (`%s`; "
                "series without `@`) and the peers. `\u2265` marks a floor: some repetition "
                "completed no acquisition. A strict-FIFO lock oversubscribed hands the lock "
                "to a waiter that is mostly not running, so its floor is one switch per "
                "acquisition; the TAS family lets a running thread re-take it instead." % (
                    lock.label, self.default_policy()), "",
                md_table(head, body), ""]
        t4 = 4 * n if n else None
        goal = ("Goal: strict-FIFO locks (ticket, anderson, mcs, clh; usync series) \u2264 2 "
                "switches per acquisition at 4x oversubscription")
        if t4 is None or t4 not in ts:
            return out + ["%s: n/a, this run has no 4x point." % goal, ""]
        cells, met, missed = [], 0, 0
        for alg in self.FIFO_LOCKS:
            st = lock.get("usync:" + alg, t4)
            if st is None or math.isnan(st.csw_med):
                cells.append("%s n/a" % alg)
                continue
            ok = st.csw_med <= 2.0
            met, missed = met + ok, missed + (not ok)
            cells.append("%s %s %s" % (alg, fmt(st.csw_med), "met" if ok else "**missed**"))
        verdict = ("n/a" if met + missed == 0 else "met" if missed == 0 else
                   "**missed** (%d of %d)" % (missed, met + missed))
        out += ["%s (%d threads on %d CPUs): %s - %s." % (goal, t4, n, verdict,
                                                          ", ".join(cells)), ""]
        return out

    def default_policy_par(self, lock, bar):
        """Geometric mean of time(policy) / time(best policy) per regime."""
        acc = {}  # (regime, policy) -> [log ratios]
        prims = 0
        for v in (lock, bar):
            if not v:
                continue
            for base, pols in self.usync_by_policy(v).items():
                if len(pols) < 2:
                    continue
                prims += 1
                for t in v.threads:
                    regime = "over" if t in self.over else "under"
                    meds = {p: v.med(s, t) for p, s in pols.items()}
                    meds = {p: m for p, m in meds.items() if not math.isnan(m) and m > 0}
                    if len(meds) < len(pols):
                        continue
                    best = min(meds.values())
                    for p, m in meds.items():
                        acc.setdefault((regime, p), []).append(math.log(m / best))
        pols = [p for p in self.POLICIES if any(k[1] == p for k in acc)]
        if len(pols) < 2:
            return []
        gm = {k: math.exp(sum(x) / len(x)) for k, x in acc.items() if x}
        regimes = [r for r in ("under", "over") if any((r, p) in gm for p in pols)]
        overall = {}
        for p in pols:
            vals = [gm[(r, p)] for r in regimes if (r, p) in gm]
            overall[p] = math.exp(sum(math.log(x) for x in vals) / len(vals)) if vals else NAN
        best = min(pols, key=lambda p: overall[p])
        name = {"under": "threads \u2264 cores", "over": "oversubscribed"}
        body = [["`%s`%s" % (p, " (build default)" if p == self.default_policy() else "")] +
                [fmt_ratio(gm.get((r, p), NAN)) for r in regimes] + [fmt_ratio(overall[p])]
                for p in pols]
        per = "; ".join("%s: %s" % (name[r], ", ".join(
            "%s %s" % (p, fmt_ratio(gm[(r, p)])) for p in sorted(pols, key=lambda p: gm.get((r, p), 9e9))
            if (r, p) in gm)) for r in regimes)
        n_pts = {r: len(acc.get((r, pols[0]), [])) for r in regimes}
        return ["### Default policy", "",
                "Geometric mean, across %d usync locks and barriers and every thread count of the "
                "regime (lock: %s; barrier: %s), of time(policy) / time(that primitive's best policy "
                "at that count); 1 = always the best. %s. **Best overall (geometric mean of the two "
                "regimes): `%s`**%s." % (
                    prims, lock.label if lock else "-", bar.label if bar else "-", per, best,
                    " - the build default" if best == self.default_policy() else
                    " (the build default is `%s`)" % self.default_policy()), "",
                md_table(["policy"] + ["%s (%d points)" % (name[r], n_pts[r]) for r in regimes] +
                         ["overall"], body), ""]

    # MCS'91 ------------------------------------------------------------
    def ranking_lines(self, var, tm, kind):
        """'- At N threads: fastest usync <kind> ...' lines at 2 and tm threads."""
        lines = []
        for t in sorted(set(t for t in (2, tm) if t and t >= 2 and t in var.threads)):
            r_us = self.ranking(var, t, True)
            r_all = self.ranking(var, t, False)
            if not r_us and not r_all:
                continue
            line = "- At %d threads: " % t
            if r_us:
                line += "fastest usync %s `%s` (%s ns), slowest `%s` (%s ns); order %s" % (
                    kind, r_us[0][1], fmt(r_us[0][0]), r_us[-1][1], fmt(r_us[-1][0]),
                    " < ".join(a for _, _, a in r_us))
            if r_all:
                line += ". Fastest of all series: `%s` (%s ns)." % (r_all[0][1], fmt(r_all[0][0]))
            lines.append(line)
        return lines

    def ranking(self, v, t, usync_only):
        res = []
        for s in v.series:
            si = v.info[s]
            if usync_only and not si.default_usync:
                continue
            m = v.med(s, t)
            if not math.isnan(m):
                res.append((m, s, si.alg))
        res.sort()
        return res

    def shared_goals_section(self):
        """Issue 11's goals for the shared locks, measured (never asserted in tests)."""
        vs = {v.cs: v for v in self.variants.get("readmostly", [])}
        fr = {p: vs.get("reads%d" % p) for p in (100, 99, 90, 50)}
        if not any(fr.values()):
            return []
        out = ["## Shared-lock goals", "",
               "Ratios of medians (ns per operation) from this run, default policy (series "
               "without `@`). Goals from issue 11; each cell says met or **missed**, or n/a "
               "where the run lacks the point.", ""]

        def default_usync(v, prefix=None):
            return [s for s in v.series if s.startswith("usync:") and "@" not in s
                    and (prefix is None or s.startswith(prefix))]

        def best(v, series, t):
            cands = [(v.med(s, t), s) for s in series if not math.isnan(v.med(s, t))]
            return min(cands) if cands else (NAN, None)

        def cell(r, ok):
            if math.isnan(r):
                return "n/a"
            return "%s (%s)" % (fmt_ratio(r), "met" if ok(r) else "**missed**")

        rows = []
        v = fr[100]
        if v:
            t = self.tmax(v)
            b, bs = best(v, default_usync(v, "usync:bravo:"), t)
            rcu = v.med("urcu:rcu", t)
            r1 = ratio(b, rcu)
            rows.append(("100 %% reads, %s threads: best BRAVO (`%s`) / RCU" % (t, bs),
                         "<= 5x", cell(r1, lambda r: r <= 5.0)))
            ex = primary_variant([x for x in self.variants.get("readmostly", [])
                                  if x.cs == "shared"])
            if ex:
                e, es = best(ex, default_usync(ex), t)
                r2 = ratio(e, b)
                rows.append(("100 %% reads, %s threads: best usync exclusive lock (`%s`, "
                             "read-mostly 1/1024 writes) / best BRAVO" % (t, es),
                             ">= 20x", cell(r2, lambda r: r >= 20.0)))
        v = fr[99]
        if v:
            t = self.tmax(v)
            b, bs = best(v, default_usync(v), t)
            r3 = ratio(v.med("pthread:rwlock", t), b)
            rows.append(("99 %% reads, %s threads: `pthread:rwlock` / best usync shared (`%s`)"
                         % (t, bs), ">= 3x", cell(r3, lambda r: r >= 3.0)))
            c, cs_ = best(v, [s for s in v.series if s.startswith("ck:")], t)
            r4 = ratio(b, c)
            rows.append(("99 %% reads, %s threads: best usync shared / best ck (`%s`)" % (t, cs_),
                         "<= 1.0x", cell(r4, lambda r: r <= 1.0)))
            for tt in sorted(x for x in v.threads if x in self.over):
                pt = v.med("pthread:rwlock", tt)
                worst = max(((v.med(s, tt), s) for s in default_usync(v)
                             if not math.isnan(v.med(s, tt))), default=(NAN, None))
                rows.append(("99 %% reads, %s threads (oversubscribed): slowest usync shared "
                             "(`%s`) / `pthread:rwlock`" % (tt, worst[1]), "<= 3x",
                             cell(ratio(worst[0], pt), lambda r: r <= 3.0)))
        v = fr[100]
        if v and 1 in v.threads:
            for ours, twin in (("usync:rw_counter", "ck:rwlock"),
                               ("usync:rw_phasefair", "ck:pflock")):
                rows.append(("1 thread, read lock + unlock (100 %% reads): `%s` / `%s`" % (ours, twin),
                             "<= 1.1x", cell(ratio(v.med(ours, 1), v.med(twin, 1)),
                                             lambda r: r <= 1.1)))
        v = vs.get("reads0")
        if v and 1 in v.threads:
            for ours, twin in (("usync:rw_counter", "ck:rwlock"),
                               ("usync:rw_phasefair", "ck:pflock")):
                rows.append(("1 thread, write lock + unlock (`reads0`): `%s` / `%s`" % (ours, twin),
                             "<= 1.1x", cell(ratio(v.med(ours, 1), v.med(twin, 1)),
                                             lambda r: r <= 1.1)))
        out += ["| goal | target | this run |", "|---|---|---|"]
        out += ["| %s | %s | %s |" % r for r in rows]
        out += ["", "On a machine with few cores these ratios are dominated by noise and by the "
                "scheduler; they are reported, not judged.", ""]
        return out

    def timed_cond_goals_section(self):
        """Issue 13's goals for timed acquisition and the condition variable, measured."""
        tv = {v.cs: v for v in self.variants.get("timed", [])}
        cv = primary_variant(self.variants.get("cond", []), cs_pref=("handoff",))
        if not tv and not cv:
            return []
        out = ["## Timed-acquisition and condition-variable goals", "",
               "Ratios of medians from this run, default policy (series without `@`). Goals "
               "from issue 13; each cell says met or **missed**, or n/a where the run lacks "
               "the point. Throughput ratios: above 1 means the first named is faster.", ""]

        def cell(r, ok):
            if math.isnan(r):
                return "n/a"
            return "%s (%s)" % (fmt_ratio(r), "met" if ok(r) else "**missed**")

        rows = []
        t0, t25 = tv.get("timed0"), tv.get("timed25")
        if t0 and t25:
            ts = sorted(t for t in t0.threads if t >= 2)
            for alg in ("ticket", "anderson", "mcs", "clh", "mcs_tp"):
                s = "usync:" + alg
                for t in ts:
                    # ns per successful acquisition: no-timeout / 25 %-leaving
                    # is the survivors' throughput ratio.
                    r = ratio(t0.med(s, t), t25.med(s, t))
                    rows.append(("`%s`, %d threads%s: survivors' throughput with 25 %% of "
                                 "attempts on a 2 us deadline / with none" % (
                                     s, t, DAGGER if t in self.over else ""),
                                 ">= 0.8x", cell(r, lambda x: x >= 0.8)))
        if cv:
            pt = "pthread:mutex"
            for t in sorted(cv.threads):
                if t != 2 and t not in self.over:
                    continue
                us = [(cv.med(s, t), s) for s in cv.series
                      if s.startswith("usync:") and "@" not in s
                      and not math.isnan(cv.med(s, t))]
                if not us:
                    continue
                best, worst = min(us), max(us)
                for (v, s), what in ((best, "best"), (worst, "slowest")):
                    rows.append(("hand-off, %d threads%s: %s usync cond (`%s`) / `pthread_cond` "
                                 "+ `pthread_mutex`, items per second" % (
                                     t, DAGGER if t in self.over else "", what, s),
                                 ">= 1.0x", cell(ratio(cv.med(pt, t), v), lambda x: x >= 1.0)))
        out += ["| goal | target | this run |", "|---|---|---|"]
        out += ["| %s | %s | %s |" % r for r in rows]
        out += ["", "%s oversubscribed. How many of the short-deadline attempts actually timed "
                "out is the `timeout_frac` counter of each `timed25` point in `gbench.json`. On "
                "a machine with few cores these ratios are dominated by the scheduler; they are "
                "reported, not judged." % DAGGER, ""]
        return out

    def verdict(self, claim, v, detail, tm):
        """One MCS'91 claim checked at tm threads (the largest non-oversubscribed count)."""
        if tm <= 2:
            return ("%s: **not testable here** - it is a claim about scaling and only %d threads "
                    "run without oversubscription. At %d threads %s (this %s, but one hand-off "
                    "between two cores says little about scaling)." % (
                        claim, tm, tm, detail,
                        "is consistent with it" if v == "agrees" else
                        ("partly matches it" if v == "partly agrees" else "does not match it")))
        weak = " (weak evidence: only %d threads)" % tm if tm < 8 else ""
        return "%s: **%s** at %d threads%s - %s." % (claim, v, tm, weak, detail)

    def mcs91_section(self):
        out = ["## Comparison with MCS'91", ""]
        lock = primary_variant(self.variants.get("lock", []))
        bar = primary_variant(self.variants.get("barrier", []))
        if not lock and not bar:
            return out + ["No lock or barrier data.", ""]
        cores = self.nproc
        small = []
        # ---- locks
        if lock:
            tm = self.tmax(lock)
            out.append("**Locks** (%s):" % lock.label)
            out.append("")
            out.extend(self.ranking_lines(lock, tm, "lock"))
            verdicts = []
            r_tm = self.ranking(lock, tm, True) if tm else []
            algs_tm = [a for _, _, a in r_tm]
            if tm and tm >= 2 and len(r_tm) >= 3:
                best = r_tm[0][0]
                queue = [a for a in ("mcs", "ticket", "anderson", "clh") if a in algs_tm]
                top = algs_tm[:max(3, len(queue))]
                good = [a for a in queue if a in top]
                if queue:
                    ok = len(good) == len(queue) or (algs_tm[0] in queue and len(good) >= len(queue) - 1)
                    detail = ("%s among the fastest" % ", ".join(good)) if ok else (
                        "the fastest are %s; %s" % (", ".join(algs_tm[:3]), ", ".join(
                            "%s is %.2fx the best" % (a, lock.med("usync:" + a, tm) / best) for a in queue)))
                    verdicts.append(self.verdict(
                        "MCS'91 found the queue locks (MCS, Anderson) and the ticket lock with "
                        "proportional backoff to scale best", "agrees" if ok else "disagrees", detail, tm))
                if "tas" in algs_tm:
                    if algs_tm[-1] == "tas":
                        detail = "tas is slowest, %.2fx the fastest" % (r_tm[-1][0] / best)
                    else:
                        detail = "tas ranks %d of %d; the slowest is %s" % (
                            algs_tm.index("tas") + 1, len(algs_tm), algs_tm[-1])
                    verdicts.append(self.verdict("MCS'91 found test_and_set worst under contention",
                                                 "agrees" if algs_tm[-1] == "tas" else "disagrees",
                                                 detail, tm))
                # scaling: growth from 2 threads to tm
                if tm > 2 and 2 in lock.threads:
                    growth = []
                    for _, s, a in r_tm:
                        g = ratio(lock.med(s, tm), lock.med(s, 2))
                        if not math.isnan(g):
                            growth.append((g, a))
                    growth.sort()
                    if growth:
                        verdicts.append("Growth from 2 to %d threads (ns per acquisition, ratio): %s. "
                                        "MCS'91's scalable locks stay nearly flat (ratio ~1)." % (
                                            tm, ", ".join("%s %.2fx" % (a, g) for g, a in growth)))
            r2 = self.ranking(lock, 2, True) if 2 in lock.threads else []
            if "backoff" in [a for _, _, a in r2] and len(r2) >= 2:
                b = lock.med("usync:backoff", 2)
                best2 = r2[0][0]
                rel = b / best2 if best2 else NAN
                verdicts.append("MCS'91 found test_and_set with exponential backoff good at low "
                                "contention: %s at 2 threads - %s." % (
                                    "**agrees**" if rel <= 1.25 else "**disagrees**",
                                    "backoff is the fastest usync lock" if r2[0][2] == "backoff" else
                                    "backoff is %.2fx the fastest usync lock (%s)" % (rel, r2[0][2])))
            if self.floor and r2:
                below = [(m, a) for m, _, a in r2 if m < self.floor[0]]
                if below:
                    cvs = []
                    for m, a in below:
                        st = lock.get("usync:" + a, 2)
                        if st and not math.isnan(st.cv_med):
                            cvs.append("%s cv %.2f" % (a, st.cv_med))
                    verdicts.append("At 2 threads %s run below the %s ns transfer floor, i.e. the "
                                    "lock is mostly re-taken by the same thread%s; that is speed "
                                    "bought with unfairness, not a faster hand-off." % (
                                        ", ".join(a for _, a in below), fmt(self.floor[0]),
                                        " (" + ", ".join(cvs) + ")" if cvs else ""))
            ov = [t for t in lock.threads if t in self.over]
            if ov:
                t = max(ov)
                pairs = []
                for s in lock.series:
                    si = lock.info[s]
                    if si.default_usync and (s + "@spin") in lock.stats and \
                            lock.info[s + "@spin"].base == si.base:
                        r = ratio(lock.med(s, t), lock.med(s + "@spin", t))
                        if not math.isnan(r):
                            pairs.append((r, si.alg))
                if pairs:
                    sp = sorted((1.0 / r, a) for r, a in pairs if r > 0)
                    lo, hi = sp[0][0], sp[-1][0]
                    rng = "%sx" % fmt_ratio(lo) if len(sp) == 1 else "%sx-%sx" % (fmt_ratio(lo), fmt_ratio(hi))
                    if lo >= 1:
                        what = "the default waiting policy is %s faster than pure spinning" % rng
                    elif hi <= 1:
                        what = "the default waiting policy is slower than pure spinning (@spin / default %s)" % rng
                    else:
                        what = "@spin / default ranges %s" % rng
                    verdicts.append("Beyond MCS'91 (which never oversubscribed): at %d%s threads %s "
                                    "(@spin / default: %s)." % (
                                        t, DAGGER, what, ", ".join("%s %s" % (a, fmt_ratio(r)) for r, a in sp)))
            out += ["- " + x for x in verdicts] if verdicts else []
            out.append("")
            out += report_grading.mcs91_lock_lines(self, lock)
            if not tm or tm < 8:
                small.append("lock")
        # ---- barriers
        if bar:
            tm = self.tmax(bar)
            out.append("**Barriers** (%s):" % (bar.label or "barrier"))
            out.append("")
            out.extend(self.ranking_lines(bar, tm, "barrier"))
            verdicts = []
            r_tm = self.ranking(bar, tm, True) if tm else []
            algs = [a for _, _, a in r_tm]
            if len(algs) >= 3:
                best = r_tm[0][0]
                if "dissemination" in algs:
                    d = bar.med("usync:dissemination", tm)
                    if algs[0] == "dissemination":
                        v, detail = "agrees", "dissemination is fastest"
                    elif algs[0] == "mcs":
                        v, detail = "partly agrees", (
                            "the MCS tree barrier is fastest, as on their Butterfly; dissemination "
                            "is %.2fx it" % (d / best))
                    else:
                        v, detail = "disagrees", "`%s` is fastest, dissemination is %.2fx it" % (
                            algs[0], d / best)
                    verdicts.append(self.verdict(
                        "MCS'91 found the dissemination barrier fastest on the bus-based Symmetry "
                        "(and it or the MCS tree barrier best on the Butterfly)", v, detail, tm))
                if "counter" in algs:
                    if algs[-1] == "counter":
                        detail = "counter is slowest, %.2fx the fastest" % (r_tm[-1][0] / best)
                    else:
                        detail = "counter ranks %d of %d, %.2fx the fastest" % (
                            algs.index("counter") + 1, len(algs), bar.med("usync:counter", tm) / best)
                        if tm <= 4:
                            detail += "; with only %d threads one shared counter is cheap" % tm
                    verdicts.append(self.verdict(
                        "MCS'91 found the centralized counter barrier worst at scale",
                        "agrees" if algs[-1] == "counter" else "disagrees", detail, tm))
            out += ["- " + x for x in verdicts]
            out.append("")
            if not tm or tm < 8:
                small.append("barrier")
        # ---- honesty about the machine
        tms = [self.tmax(v) for v in (lock, bar) if v]
        tms = [t for t in tms if t]
        biggest = max(tms) if tms else None
        if small or (cores is not None and cores < 8):
            figs = []
            for wl in small + (["readmostly"] if "readmostly" in self.variants else []):
                for v in self.variants.get(wl, []):
                    figs += ["`figures/%s`" % n for n in self.main_fig_names(v)]
            out.append("**Caveat: this machine cannot show scaling.** It has %s core%s, so the largest "
                       "non-oversubscribed thread count is %s; MCS'91's conclusions are about how the "
                       "curves grow from a few to 80 (Symmetry) or 256 (Butterfly) processors. "
                       "Rankings here are about single hand-off costs and uncontended overheads, "
                       "and the oversubscribed points measure the scheduler, which MCS'91 never tested. "
                       "The figures that need a many-core run (>= 16, ideally 64+ cores, several L3 "
                       "groups/sockets) to test the paper: %s." % (
                           cores if cores else "few", "" if cores == 1 else "s",
                           biggest if biggest else "n/a", ", ".join(figs) if figs else "the lock and barrier figures"))
            out.append("")
        else:
            out.append("This run goes up to %s threads without oversubscription, enough to see the "
                       "shape of the curves; MCS'91 measured up to 80 (Symmetry) / 256 (Butterfly) "
                       "processors on machines without coherent caches (Butterfly) or with a shared "
                       "bus (Symmetry), so absolute ratios will differ." % biggest)
            out.append("")
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

    def write(self):
        fails = [r for r in self.rows if r.check.lower() != "ok"]
        md = ["# usync benchmark report: %s" % self.machine, ""]
        if fails:
            md += ["> **\u26a0 %d FAILED CHECK%s - see [Checks](#checks).**" % (
                len(fails), "" if len(fails) == 1 else "S"), ""]
        md += self.machine_section() + [""]
        md += self.howto_section()
        for wl in WORKLOAD_ORDER + sorted(w for w in self.variants if w not in WORKLOAD_ORDER):
            md += self.workload_section(wl)
        md += self.ratio_section()
        md += self.oversub_section()
        md += self.csw_section()
        md += report_grading.grading_section(self)
        md += self.shared_goals_section()
        md += self.timed_cond_goals_section()
        md += self.mcs91_section()
        md += self.checks_section()
        md += self.appendix_section()
        path = os.path.join(self.dir, "REPORT.md")
        with open(path, "w") as f:
            f.write("\n".join(md).rstrip("\n") + "\n")
        self.written.insert(0, path)
        return fails


def run_report(d, figures=True):
    csvp = os.path.join(d, "results.csv")
    if not os.path.isfile(csvp):
        print("report: %s not found" % csvp, file=sys.stderr)
        return 2
    try:
        rows = load_csv(csvp)
    except (ValueError, csv.Error, UnicodeDecodeError) as e:
        print("report: %s: %s" % (csvp, e), file=sys.stderr)
        return 2
    meta = load_meta(os.path.join(d, "meta.json"))
    rep = Report(d, rows, meta, figures=figures)
    fails = rep.write()
    for p in rep.written:
        print(p)
    if fails:
        print("report: WARNING: %d rows with check != ok (listed in REPORT.md)" % len(fails),
              file=sys.stderr)
    return 0


# --------------------------------------------------------------------------
# self-test
# --------------------------------------------------------------------------

def selftest(keep=None):
    here = os.path.dirname(os.path.abspath(__file__))
    gen = os.path.join(here, "report_test_data", "make_fixture.py")
    base = keep or tempfile.mkdtemp(prefix="usync-report-")
    os.makedirs(base, exist_ok=True)
    failures = []

    def check(cond, msg):
        if not cond:
            failures.append(msg)
            print("selftest: FAIL: " + msg, file=sys.stderr)

    cases = [("nproc2", ["--nproc", "2", "--reps", "3"]),
             ("nproc16", ["--nproc", "16", "--reps", "3", "--fail", "--mode", "full"]),
             ("nproc2-1rep", ["--nproc", "2", "--reps", "1", "--seed", "7"])]
    for name, args in cases:
        d = os.path.join(base, name)
        subprocess.check_call([sys.executable, gen, d] + args, stdout=subprocess.DEVNULL)
        rc = run_report(d)
        check(rc == 0, "%s: rc %d" % (name, rc))
        rp = os.path.join(d, "REPORT.md")
        text = open(rp).read() if os.path.exists(rp) else ""
        for sec in ("## Machine", "## How to read", "## Contended locks", "## Barriers",
                    "## usync / peer ratios", "## Oversubscription goals", "## Grading table",
                    "## Comparison with MCS'91", "## Checks"):
            check(sec in text, "%s: section %r missing" % (name, sec))
        if import_pyplot():
            figs = os.listdir(os.path.join(d, "figures"))
            check(len(figs) >= 6, "%s: only %d figures" % (name, len(figs)))
        if "--fail" in args:
            check("FAILED CHECK" in text, "%s: FAIL not reported loudly" % name)
    # workloads missing entirely, single thread count, missing meta
    d = os.path.join(base, "partial")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(base, "nproc2", "results.csv")) as f:
        lines = f.read().splitlines()
    keepl = [lines[0]] + [ln for ln in lines[1:] if ln.startswith("handoff,") or
                          (ln.startswith("lock,usync:mcs,") and ",2,0,compact," in ln)]
    with open(os.path.join(d, "results.csv"), "w") as f:
        f.write("\n".join(keepl) + "\n")
    rc = run_report(d)
    check(rc == 0, "partial: rc %d" % rc)
    # wrong header / missing csv
    d = os.path.join(base, "badheader")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "results.csv"), "w") as f:
        f.write("workload,series,threads\nlock,usync:mcs,2\n")
    check(run_report(d) == 2, "bad header not rejected")
    check(run_report(os.path.join(base, "nonexistent")) == 2, "missing csv not rejected")
    print("selftest: fixtures in %s" % base)
    print("selftest: %s" % ("FAILED (%d)" % len(failures) if failures else "ok"))
    return 1 if failures else 0


def main(argv=None):
    ap = argparse.ArgumentParser(description="usync benchmark report generator")
    ap.add_argument("dir", nargs="?", help="results directory (results.csv, meta.json)")
    ap.add_argument("--no-figures", action="store_true", help="write REPORT.md only")
    ap.add_argument("--selftest", action="store_true",
                    help="generate synthetic fixtures and report on them")
    ap.add_argument("--keep", metavar="OUT", help="with --selftest: write fixtures under OUT")
    a = ap.parse_args(argv)
    if not a.no_figures:
        maybe_reexec_for_matplotlib()
    if a.selftest:
        return selftest(a.keep)
    if not a.dir:
        ap.error("DIR is required (or --selftest)")
    return run_report(a.dir, figures=not a.no_figures)


if __name__ == "__main__":
    sys.exit(main())
