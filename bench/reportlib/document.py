"""bench/reportlib/document.py - the Report: one results directory's rows
and metadata, the sections of the other modules (mixins), and REPORT.md in
its section order."""

import os
import sys

import report_grading

from .common import WORKLOAD_ORDER
from .load import build_variants, oversub_threads, machine_name
from .tables import Tables
from .figures import import_pyplot, Figures
from .verdicts import Verdicts


class Report(Tables, Figures, Verdicts):
    """One results directory: rows, meta.json, variants; write() makes REPORT.md."""

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
