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

The code lives in bench/reportlib/, by concern: load.py (results.csv,
meta.json, variants and statistics), tables.py, figures.py, verdicts.py
(goals and MCS'91 claims), common.py (constants, formatting) and
document.py (the Report and its section order); report_grading.py has the
grading table.  This file is the command line, and re-exports what the
tests use (load_csv, load_meta, Report, HEADER, primary_variant).
"""
import argparse
import csv
import os
import subprocess
import sys
import tempfile

from reportlib.common import HEADER, OLD_HEADERS  # noqa: F401 (re-exported)
from reportlib.document import Report
from reportlib.figures import import_pyplot
from reportlib.load import load_csv, load_meta, primary_variant  # noqa: F401


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
