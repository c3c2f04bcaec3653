"""bench/reportlib/figures.py - figures (matplotlib, Agg): line figures
after MCS'91 (threads on x, time per operation on y), bar figures, the main
figures (default policy, one per family, peers dashed) and the appendix with
every policy on one plot."""

import math
import os
import sys

from .common import (WORKLOAD_ORDER, WORKLOAD_TITLE, YLABEL, IMPL_ORDER,
                     DAGGER, fmt)
from .load import order_for, read_pct


def import_pyplot():
    """Return matplotlib.pyplot (Agg) or None."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        return plt
    except ImportError:
        return None


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


FIGSIZE = (9, 5.5)
DPI = 110


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


class Figures:
    """Report parts that draw figures (a mixin of document.Report)."""

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
