#!/usr/bin/env python3
"""Tests of bench/report_grading.py (the grading table and the two-workload
MCS'91 verdicts), on synthetic results from report_test_data/make_fixture.py.

    bench/report_grading_test.py        (meson test: report-grading)

Only the standard library; no figures are drawn.  Exits 0 when every test
passes and prints unittest's summary.
"""
import csv
import math
import os
import statistics
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import report  # noqa: E402
import report_grading as rg  # noqa: E402

FIXTURE = os.path.join(HERE, "report_test_data", "make_fixture.py")


def make(d, *args):
    subprocess.check_call([sys.executable, FIXTURE, d] + list(args), stdout=subprocess.DEVNULL)
    return d


def load(d):
    rows = report.load_csv(os.path.join(d, "results.csv"))
    meta = report.load_meta(os.path.join(d, "meta.json"))
    return report.Report(d, rows, meta, figures=False)


def csv_median(d, workload, series, threads, cs, delay, col="ns_per_op"):
    with open(os.path.join(d, "results.csv"), newline="") as f:
        vals = [float(r[col]) for r in csv.DictReader(f)
                if r["workload"] == workload and r["series"] == series and
                int(r["threads"]) == threads and r["cs"] == cs and int(r["delay_ns"]) == delay]
    return statistics.median(vals)


def point(alg, ns, cv=0.0, starved=None, t=16):
    """A hand-made Point (what claims() and unfair_winners() read)."""
    p = rg.Point.__new__(rg.Point)
    p.alg, p.ns, p.cv, p.t = alg, ns, cv, t
    p.fmin = p.fmax = p.ratio = p.share = math.nan
    p.starved = ns if starved is None else starved
    p.ok = True
    return p


class Fixture16(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="usync-grading-")
        cls.dir = make(os.path.join(cls.tmp.name, "n16"), "--nproc", "16", "--reps", "3",
                       "--mode", "full", "--seed", "3")
        cls.rep = load(cls.dir)
        cls.rows, cls.ctx = rg.grading_rows(cls.rep)
        cls.by = {r["alg"]: r for r in cls.rows}

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_one_row_per_lock_in_order(self):
        self.assertEqual([r["alg"] for r in self.rows], rg.GRADING_LOCKS)

    def test_workloads_and_thread_counts(self):
        self.assertEqual(self.ctx["empty"].delay, 0)
        self.assertEqual((self.ctx["work"].cs, self.ctx["work"].delay), ("work100", 200))
        # 16 cores: 16 is the largest count that is not oversubscribed
        self.assertEqual(self.ctx["tm_empty"], 16)
        self.assertEqual(self.ctx["tm_work"], 16)

    def test_measured_values_are_the_csv_medians(self):
        for a in ("tas", "mcs", "mcs_tp"):
            ns, _, _ = self.by[a]["latency"]
            self.assertAlmostEqual(ns, csv_median(self.dir, "uncontended", "usync:" + a, 1, "-", 0))
            p = self.by[a]["empty"][0]
            self.assertAlmostEqual(p.ns, csv_median(self.dir, "lock", "usync:" + a, 16, "", 0))
            self.assertAlmostEqual(p.cv, csv_median(self.dir, "lock", "usync:" + a, 16, "", 0,
                                                    "fair_cv"))
            w = self.by[a]["work"][0]
            self.assertAlmostEqual(w.ns, csv_median(self.dir, "lock", "usync:" + a, 16,
                                                    "work100", 200))

    def test_ratio_to_best(self):
        best = min(r["empty"][0].ns for r in self.rows)
        for r in self.rows:
            self.assertAlmostEqual(r["empty"][1], r["empty"][0].ns / best)

    def test_course_rows_and_mcs_tp(self):
        self.assertEqual(self.by["clh"]["course_row"], "list queue")
        self.assertEqual(self.by["anderson"]["course_row"], "array queue")
        self.assertIsNone(self.by["mcs_tp"]["grade"])
        self.assertEqual(self.by["mcs_tp"]["latency"][2], "")

    def test_fair_marks(self):
        # the fixture's FIFO locks have cv 0.015, its TAS family 0.18-0.53
        self.assertEqual(self.by["mcs"]["fair"], ("yes", rg.AGREE))
        self.assertEqual(self.by["tas"]["fair"], ("no", rg.AGREE))

    def test_algorithmic_columns(self):
        self.assertEqual(self.by["mcs"]["spin"], ("local", rg.AGREE))
        self.assertEqual(self.by["ticket"]["signal"], ("all", rg.AGREE))
        self.assertEqual(self.by["clh"]["space"][1], rg.DIFFER)  # node pool per lock
        self.assertEqual(self.by["mcs"]["space"][0][:2], ("16 B", "64 B node"))

    def test_section_text(self):
        text = "\n".join(rg.grading_section(self.rep))
        self.assertTrue(text.startswith("## Grading table"))
        for a in rg.GRADING_LOCKS:
            self.assertIn("| `%s` |" % a, text)
        self.assertIn("RMW / CS (derived)", text)
        self.assertIn("meta.json does not record sizeof", text)
        self.assertIn("`work100-d200`", text)
        self.assertNotIn("needs a re-run)", text)

    def test_verdicts_on_both_workloads(self):
        text = "\n".join(rg.mcs91_lock_lines(self.rep))
        for wl in ("empty", "work100-d200"):
            for m in ("raw", "fairness-adjusted"):
                self.assertIn("  - %s, %s, 16 threads: **" % (wl, m), text)
        self.assertIn("ns / acq at the starved rate", text)

    def test_report_order(self):
        self.rep.write()
        with open(os.path.join(self.dir, "REPORT.md")) as f:
            text = f.read()
        g = text.index("## Grading table")
        self.assertLess(text.index("## Oversubscription goals"), g)
        self.assertLess(g, text.index("## Comparison with MCS'91"))
        c = text.index("## Comparison with MCS'91")
        self.assertLess(c, text.index("**The same verdicts on two workloads"))
        self.assertLess(text.index("**The same verdicts on two workloads"), text.index("**Barriers**"))


class TwoCoresWithoutWork(unittest.TestCase):
    """2 cores, and a CSV without the work100 variant: the gaps are named."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="usync-grading-")
        d = make(os.path.join(cls.tmp.name, "n2"), "--nproc", "2", "--reps", "2")
        p = os.path.join(d, "results.csv")
        with open(p) as f:
            lines = f.read().splitlines()
        with open(p, "w") as f:
            f.write("\n".join([lines[0]] + [ln for ln in lines[1:] if ",work100," not in ln]) + "\n")
        cls.rep = load(d)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_rerun_named(self):
        rows, ctx = rg.grading_rows(self.rep)
        self.assertIsNone(ctx["work"])
        self.assertEqual(ctx["tm_empty"], 2)
        self.assertTrue(all(r["work"] is None for r in rows))
        text = "\n".join(rg.grading_section(self.rep))
        self.assertIn("n/a (needs a re-run)", text)
        self.assertIn("**contention, work100-d200** and its **fair** cells need", text)
        self.assertIn("every contention grade needs a machine with more cores", text)

    def test_two_threads_not_testable(self):
        text = "\n".join(rg.mcs91_lock_lines(self.rep))
        self.assertIn("No `work100` / delay 200 ns lock data", text)
        self.assertIn("empty, raw: **not testable** with 2 threads", text)


class Claims(unittest.TestCase):
    """claims() on hand-made points: unfairness cannot fake a verdict."""

    def test_unfair_winner_loses_when_adjusted(self):
        pts = {"backoff": point("backoff", 50, cv=0.6, starved=900),
               "tas": point("tas", 400, cv=0.3, starved=1200),
               "ticket": point("ticket", 300), "anderson": point("anderson", 200),
               "mcs": point("mcs", 210), "clh": point("clh", 205)}
        raw = dict((k, v) for k, v, _ in rg.claims(pts, {}, 16, "ns"))
        adj = dict((k, v) for k, v, _ in rg.claims(pts, {}, 16, "starved"))
        self.assertEqual(raw["queue"], "disagrees")
        self.assertEqual(adj["queue"], "agrees")
        self.assertEqual(raw["tas"], "agrees")
        self.assertEqual([p.alg for p in rg.unfair_winners(pts, 16)], ["backoff"])

    def test_fair_fast_lock_is_not_flagged(self):
        pts = {"backoff": point("backoff", 50, cv=0.05), "mcs": point("mcs", 210)}
        self.assertEqual(rg.unfair_winners(pts, 16), [])

    def test_growth_and_backoff_at_two(self):
        p16 = {"mcs": point("mcs", 120), "ticket": point("ticket", 130),
               "tas": point("tas", 900), "backoff": point("backoff", 400)}
        p2 = {"mcs": point("mcs", 100, t=2), "ticket": point("ticket", 100, t=2),
              "tas": point("tas", 60, t=2), "backoff": point("backoff", 50, t=2)}
        got = {k: (v, d) for k, v, d in rg.claims(p16, p2, 16, "ns")}
        self.assertEqual(got["growth"][0], "agrees")
        self.assertIn("mcs 1.20x", got["growth"][1])
        self.assertEqual(got["backoff2"][0], "agrees")

    def test_levels(self):
        self.assertEqual(rg.level_of_ratio(1.0), "low")
        self.assertEqual(rg.level_of_ratio(1.5), "low")
        self.assertEqual(rg.level_of_ratio(2.0), "low+")
        self.assertEqual(rg.level_of_ratio(4.0), "medium")
        self.assertEqual(rg.level_of_ratio(6.0), "high")
        self.assertEqual(rg.mark_levels("high", "low"), rg.DIFFER)
        self.assertEqual(rg.mark_levels("low+", "low"), rg.CLOSE)
        self.assertEqual(rg.mark_levels("low", "low"), rg.AGREE)


if __name__ == "__main__":
    res = unittest.main(exit=False, verbosity=1).result
    n = res.testsRun
    bad = len(res.failures) + len(res.errors)
    print("report-grading: %d passed, %d failed" % (n - bad, bad))
    sys.exit(1 if bad or not res.wasSuccessful() else 0)
