#!/usr/bin/env python3
"""Validate a usync-bench output directory (see bench/FORMAT.md).

    check_output.py DIR                 check DIR
    check_output.py --run BENCH ARGS..  run BENCH ARGS --out TMPDIR, check it

Checks: results.csv has the exact header, every row has every column with
well-formed values, every workload appears, every check is ok; gbench.json
and meta.json parse as JSON.  Timing is never asserted.
"""
import csv
import json
import math
import os
import subprocess
import sys
import tempfile

HEADER = ("workload,series,impl,algorithm,policy,threads,oversubscribed,"
          "placement,cpus,cs,delay_ns,rep,duration_ns,ops,ns_per_op,"
          "ops_per_s,fair_min,fair_max,fair_cv,check,csw_per_op,"
          "wait_max_ns").split(",")
WORKLOADS = {"lock", "uncontended", "barrier", "readmostly", "handoff",
             "timed", "cond"}
IMPLS = {"usync", "ck", "pthread", "urcu", "hw"}
CS = {"lock": {"empty", "shared", "work100"},
      "readmostly": {"shared", "reads100", "reads99", "reads90", "reads50", "reads0"},
      "barrier": {"none", "skewed"}, "handoff": {"-"}, "uncontended": {"-"},
      "timed": {"timed0", "timed25"}, "cond": {"handoff"}}
NAN = float("nan")


def fail(msg):
    print("check_output: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def check_dir(d, expect_workloads=WORKLOADS):
    path = os.path.join(d, "results.csv")
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows or rows[0] != HEADER:
        fail("%s: header is %r" % (path, rows[0] if rows else None))
    seen = set()
    for n, row in enumerate(rows[1:], start=2):
        if len(row) != len(HEADER):
            fail("%s:%d: %d columns" % (path, n, len(row)))
        r = dict(zip(HEADER, row))
        w = r["workload"]
        if w not in WORKLOADS:
            fail("%s:%d: workload %r" % (path, n, w))
        seen.add(w)
        if r["impl"] not in IMPLS:
            fail("%s:%d: impl %r" % (path, n, r["impl"]))
        if not r["series"].startswith(r["impl"] + ":"):
            fail("%s:%d: series %r vs impl" % (path, n, r["series"]))
        if r["policy"] not in ("spin", "yield", "park", "-"):
            fail("%s:%d: policy %r" % (path, n, r["policy"]))
        if r["oversubscribed"] not in ("0", "1"):
            fail("%s:%d: oversubscribed %r" % (path, n, r["oversubscribed"]))
        if r["placement"] not in ("compact", "scatter", "list"):
            fail("%s:%d: placement %r" % (path, n, r["placement"]))
        if r["cs"] not in CS[w]:
            fail("%s:%d: cs %r for %s" % (path, n, r["cs"], w))
        threads = int(r["threads"])
        cpus = r["cpus"].split(" ")
        if len(cpus) != threads or not all(c.isdigit() for c in cpus):
            fail("%s:%d: cpus %r for %d threads" % (path, n, r["cpus"],
                                                     threads))
        for k in ("delay_ns", "rep", "duration_ns", "ops", "fair_min",
                  "fair_max"):
            if int(r[k]) < 0:
                fail("%s:%d: %s negative" % (path, n, k))
        for k in ("ns_per_op", "ops_per_s", "fair_cv"):
            float(r[k])
        try:
            csw = float(r["csw_per_op"])
        except ValueError:
            csw = NAN
        if not (math.isfinite(csw) and csw >= 0):
            fail("%s:%d: csw_per_op %r is not a finite number >= 0"
                 % (path, n, r["csw_per_op"]))
        # wait_max_ns: a finite whole number >= 0 exactly where writes are
        # timed (readmostly reads<P>, P >= 1; 0 at reads100), else "nan".
        timed = (w == "readmostly" and r["cs"].startswith("reads")
                 and r["cs"] != "reads0")
        wm = r["wait_max_ns"]
        if timed:
            if not wm.isdigit():
                fail("%s:%d: wait_max_ns %r on a timed point"
                     % (path, n, wm))
            if r["cs"] == "reads100" and wm != "0":
                fail("%s:%d: wait_max_ns %r with no writes" % (path, n, wm))
        elif wm != "nan":
            fail("%s:%d: wait_max_ns %r on a point that times no writes"
                 % (path, n, wm))
        if r["check"] != "ok":
            fail("%s:%d: check %r (%s %s)" % (path, n, r["check"], w,
                                               r["series"]))
    missing = set(expect_workloads) - seen
    if missing:
        fail("%s: no rows for %s" % (path, ", ".join(sorted(missing))))
    for name in ("gbench.json", "meta.json"):
        with open(os.path.join(d, name)) as f:
            doc = json.load(f)
        if name == "gbench.json" and not doc.get("benchmarks"):
            fail("gbench.json has no benchmarks")
        if name == "meta.json":
            for k in ("machine", "cpu_model", "topology", "versions",
                      "usync_config", "command_line", "mode"):
                if k not in doc:
                    fail("meta.json lacks %r" % k)
    print("check_output: %s: %d rows, workloads %s: ok"
          % (d, len(rows) - 1, ", ".join(sorted(seen))))


def main(argv):
    if len(argv) >= 2 and argv[0] == "--run":
        with tempfile.TemporaryDirectory(prefix="usync-bench-") as d:
            cmd = argv[1:] + ["--out", d]
            print("check_output: running " + " ".join(cmd), flush=True)
            rc = subprocess.call(cmd)
            if rc != 0:
                fail("usync-bench exited with %d" % rc)
            check_dir(d)
        return 0
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    check_dir(argv[0])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
