#!/usr/bin/env python3
"""Tests of bench/report.py's sections on the csw_per_op and wait_max_ns
columns and of its main / appendix figure split, on synthetic results from
report_test_data/make_fixture.py (which writes the 20-column header of
older runs; the tests append the new columns where they need them).

    bench/report_sections_test.py        (meson test: report-sections)

Only the standard library; no figures are drawn.
"""
import csv
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import report  # noqa: E402

FIXTURE = os.path.join(HERE, "report_test_data", "make_fixture.py")
# Context switches per acquisition given to the usync FIFO locks.
CSW = {"usync:ticket": 1.5, "usync:anderson": 1.8, "usync:mcs": 3.0, "usync:clh": 2.0}
WAITS_NS = (5000, 7000, 9000)  # reads50 rw_ticket, one per repetition


def make(d):
    subprocess.check_call([sys.executable, FIXTURE, d, "--nproc", "2", "--reps", "3"],
                          stdout=subprocess.DEVNULL)
    return d


def add_columns(d):
    """Rewrite d's results.csv with the current header: csw_per_op from CSW
    (0.25 elsewhere), wait_max_ns nan, plus three reads50 rows."""
    p = os.path.join(d, "results.csv")
    with open(p, newline="") as f:
        rows = list(csv.DictReader(f))
    extra = []
    for r in rows:
        r["csw_per_op"] = "%.3f" % CSW.get(r["series"], 0.25)
        r["wait_max_ns"] = "nan"
    tmpl = next(r for r in rows if r["workload"] == "readmostly" and r["threads"] == "2")
    for rep, w in enumerate(WAITS_NS):
        x = dict(tmpl, series="usync:rw_ticket", algorithm="rw_ticket", cs="reads50",
                 rep=str(rep), wait_max_ns=str(w))
        extra.append(x)
    with open(p, "w", newline="") as f:
        wr = csv.DictWriter(f, fieldnames=report.HEADER)
        wr.writeheader()
        wr.writerows(rows + extra)


def load(d):
    rows = report.load_csv(os.path.join(d, "results.csv"))
    meta = report.load_meta(os.path.join(d, "meta.json"))
    return report.Report(d, rows, meta, figures=False)


class NewColumns(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="usync-sections-")
        cls.old = load(make(os.path.join(cls.tmp.name, "old")))
        d = make(os.path.join(cls.tmp.name, "new"))
        add_columns(d)
        cls.new = load(d)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_old_header_reads_as_not_recorded(self):
        self.assertFalse(self.old.has_csw)
        text = "\n".join(self.old.csw_section())
        self.assertIn("did not record context switches", text)
        self.assertEqual(len([ln for ln in self.old.csw_section() if ln]), 2)

    def test_csw_table_and_verdict(self):
        self.assertTrue(self.new.has_csw)
        text = "\n".join(self.new.csw_section())
        self.assertIn("| `usync:mcs` | 3 |", text.replace("8 thr", ""))
        self.assertIn("8 thr (4x) csw/op", text)
        # 4x on 2 CPUs: mcs (3.0) misses, the others (<= 2) meet the goal.
        self.assertIn("(8 threads on 2 CPUs): **missed** (1 of 4)", text)
        self.assertIn("ticket 1.5 met", text)
        self.assertIn("clh 2 met", text)
        self.assertIn("mcs 3 **missed**", text)
        # default policy only: no @spin / @park rows
        self.assertNotIn("@spin`", text)

    def test_wait_table(self):
        v = next(v for v in self.new.variants["readmostly"] if v.cs == "reads50")
        text = "\n".join(self.new.wait_table(v))
        self.assertIn("Longest writer wait", text)
        self.assertIn("| `usync:rw_ticket` | 7 |", text)  # median of 5, 7, 9 us
        self.assertEqual(self.old.wait_table(v)[0][:38], "Longest writer wait: not recorded by t")

    def test_main_figures_default_policy_by_family(self):
        lock = report.primary_variant(self.new.variants["lock"])
        fams = self.new.main_families(lock)
        self.assertEqual([k for k, _, _ in fams], ["tas", "queue"])
        for k, _, series in fams:
            self.assertFalse(any("@" in s for s in series), k)
            self.assertIn("pthread:mutex", series)
        tas = dict((k, s) for k, _, s in fams)["tas"]
        self.assertIn("ck:fas", tas)
        self.assertNotIn("usync:mcs", tas)
        self.assertTrue(self.new.every_policy(lock))
        self.assertEqual(self.new.main_fig_names(lock),
                         ["%s-tas.png" % lock.slug, "%s-queue.png" % lock.slug])


if __name__ == "__main__":
    res = unittest.main(exit=False, verbosity=1).result
    n = res.testsRun
    bad = len(res.failures) + len(res.errors)
    print("report-sections: %d passed, %d failed" % (n - bad, bad))
    sys.exit(1 if bad or not res.wasSuccessful() else 0)
