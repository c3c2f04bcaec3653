#!/usr/bin/env python3
"""Synthetic results directory for testing bench/report.py.

    make_fixture.py OUTDIR [--nproc N] [--reps R] [--seed S] [--fail] [--mode quick|full]

Writes OUTDIR/results.csv and OUTDIR/meta.json shaped like usync-bench's
output.  The numbers are invented (a crude contention model with noise); they
only have to look plausible enough to exercise the report: spin-policy and
spinning peers blow up when oversubscribed, queue locks stay flat, and so on.
--fail marks one row check=FAIL and blanks a few fields (NaN handling).
"""
import argparse
import csv
import json
import math
import os
import random

HEADER = ("workload,series,impl,algorithm,policy,threads,oversubscribed,placement,"
          "cpus,cs,delay_ns,rep,duration_ns,ops,ns_per_op,ops_per_s,fair_min,"
          "fair_max,fair_cv,check").split(",")

# base uncontended cost (ns) and growth per doubling of threads (multiplier),
# and whether the waiter spins on a shared line (bad when oversubscribed)
LOCKS = {
    # name: (base, growth, fifo)
    "tas": (9.0, 2.2, False),
    "ttas": (9.5, 1.9, False),
    "backoff": (10.0, 1.35, False),
    "ticket": (10.5, 1.30, True),
    "anderson": (13.0, 1.12, True),
    "mcs": (14.0, 1.10, True),
    "clh": (13.5, 1.11, True),
    "mcs_tp": (14.5, 1.12, True),
}
CK_LOCKS = {  # ck series -> (usync model it resembles, factor)
    "fas": ("tas", 1.05), "fas-eb": ("backoff", 0.95), "ticket": ("ticket", 1.02),
    "ticket_pb": ("ticket", 0.97), "anderson": ("anderson", 1.08),
    "mcs": ("mcs", 1.03), "clh": ("clh", 0.98),
}
BARRIERS = {
    "counter": (60.0, 1.9), "tree": (80.0, 1.35), "mcs": (75.0, 1.3),
    "tournament": (70.0, 1.32), "dissemination": (55.0, 1.25),
}
CK_BARRIERS = {"centralized": ("counter", 1.1), "combining": ("tree", 1.2),
               "mcs": ("mcs", 1.0), "tournament": ("tournament", 1.05),
               "dissemination": ("dissemination", 1.02)}


def cpus_for(threads, nproc):
    return " ".join(str(i % nproc) for i in range(threads))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--nproc", type=int, default=2)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--fail", action="store_true")
    ap.add_argument("--mode", default="quick")
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    nproc = a.nproc
    tcounts = [1, 2, 4, 8] if nproc <= 2 else [t for t in (1, 2, 4, 8, 16, 32, 64)]
    duration_ns = 200_000_000 if a.mode == "quick" else 1_000_000_000
    rows = []

    def emit(workload, series, impl, alg, policy, t, cs, delay, ns, fair=True):
        over = 1 if t > nproc else 0
        for rep in range(a.reps):
            v = ns * math.exp(rnd.gauss(0, 0.06 if not over else 0.25))
            ops = int(duration_ns * max(t, 1) / v) if workload != "barrier" else int(duration_ns / v)
            if workload in ("lock", "readmostly"):
                ops = int(duration_ns / v)
            per = ops / max(t, 1)
            if fair:
                lo, hi, cv = per * 0.97, per * 1.03, 0.015
            else:
                skew = 0.3 + rnd.random() * 0.6
                lo, hi, cv = per * (1 - skew), per * (1 + skew), skew / 1.7
            if t == 1:
                lo = hi = per
                cv = 0.0
            rows.append({
                "workload": workload, "series": series, "impl": impl, "algorithm": alg,
                "policy": policy, "threads": t, "oversubscribed": over,
                "placement": "compact", "cpus": cpus_for(t, nproc) if workload != "handoff" else "0 1",
                "cs": cs, "delay_ns": delay, "rep": rep, "duration_ns": duration_ns,
                "ops": ops, "ns_per_op": f"{v:.3f}", "ops_per_s": f"{1e9 / v:.1f}",
                "fair_min": int(lo), "fair_max": int(hi), "fair_cv": f"{cv:.4f}", "check": "ok",
            })

    def lock_ns(name, t, policy, cs, delay):
        base, g, fifo = LOCKS[name]
        active = min(t, nproc)
        ns = base * (g ** math.log2(active)) if active > 1 else base
        if cs == "shared":
            ns += 25 * (1.0 if active == 1 else 1.8)
        elif cs == "work100":
            ns += 100
        if active >= 2 and fifo:
            ns += 40  # at least one cache-line transfer per hand-off
        if t == 2 and nproc == 2 and not fifo:
            ns *= 0.6  # one thread re-taking the lock: below the transfer floor
        if t > nproc:
            if policy == "spin":
                ns *= (2000 if fifo else 60) * (t / nproc)
            else:
                ns *= (8 if fifo else 3) * (t / nproc) ** 0.5
        if delay:
            ns = max(ns, delay / max(1, active) * 1.05)
        return ns

    # usync-bench's quick variants: empty/0, shared/0, work100/D (D = 200)
    lock_variants = [("", 0), ("shared", 0), ("work100", 200)]
    for cs, delay in lock_variants:
        for t in tcounts:
            for name in LOCKS:
                emit("lock", f"usync:{name}", "usync", name, "yield", t, cs, delay,
                     lock_ns(name, t, "yield", cs, delay), fair=LOCKS[name][2])
                emit("lock", f"usync:{name}@spin", "usync", name, "spin", t, cs, delay,
                     lock_ns(name, t, "spin", cs, delay) * 0.97, fair=LOCKS[name][2])
            emit("lock", "usync:mcs-generic", "usync", "mcs", "yield", t, cs, delay,
                 lock_ns("mcs", t, "yield", cs, delay) * 1.06)
            for ck, (model, f) in CK_LOCKS.items():
                emit("lock", f"ck:{ck}", "ck", ck, "spin", t, cs, delay,
                     lock_ns(model, t, "spin", cs, delay) * f, fair=LOCKS[model][2])
            mt = lock_ns("ttas", min(t, nproc), "yield", cs, delay) * 2.0
            if t > nproc:
                mt *= 1.4
            emit("lock", "pthread:mutex", "pthread", "mutex", "-", t, cs, delay, mt, fair=False)
            emit("lock", "pthread:mutex-adaptive", "pthread", "mutex-adaptive", "-", t, cs, delay,
                 mt * 0.9, fair=False)
            emit("lock", "pthread:spin", "pthread", "spin", "-", t, cs, delay,
                 lock_ns("ttas", t, "spin", cs, delay) * 1.1, fair=False)

    for name, (base, _, _) in LOCKS.items():
        emit("uncontended", f"usync:{name}", "usync", name, "yield", 1, "-", 0, base)
        emit("uncontended", f"usync:{name}@spin", "usync", name, "spin", 1, "-", 0, base * 0.99)
    for ck, (model, f) in CK_LOCKS.items():
        emit("uncontended", f"ck:{ck}", "ck", ck, "spin", 1, "-", 0, LOCKS[model][0] * f)
    emit("uncontended", "pthread:mutex", "pthread", "mutex", "-", 1, "-", 0, 17.0)
    emit("uncontended", "pthread:spin", "pthread", "spin", "-", 1, "-", 0, 9.0)

    for cs in ("none", "skewed"):
        for t in tcounts:
            if t == 1:
                continue
            active = min(t, nproc)
            for name, (base, g) in BARRIERS.items():
                ns = base * g ** math.log2(active) + (400 if cs == "skewed" else 0)
                for pol, mult in (("yield", 1.0), ("spin", 0.95)):
                    v = ns * mult
                    if t > nproc:
                        v *= (500 if pol == "spin" else 6) * t / nproc
                    emit("barrier", f"usync:{name}" + ("@spin" if pol == "spin" else ""),
                         "usync", name, pol, t, cs, 0, v)
            for ck, (model, f) in CK_BARRIERS.items():
                base, g = BARRIERS[model]
                v = (base * g ** math.log2(active) + (400 if cs == "skewed" else 0)) * f
                if t > nproc:
                    v *= 500 * t / nproc
                emit("barrier", f"ck:{ck}", "ck", ck, "spin", t, cs, 0, v)
            v = 900 * (1.5 ** math.log2(active)) * (1.3 if t > nproc else 1)
            emit("barrier", "pthread:barrier", "pthread", "barrier", "-", t, cs, 0, v)

    for t in tcounts:
        active = min(t, nproc)
        emit("readmostly", "urcu:rcu", "urcu", "rcu", "-", t, "shared", 0, 3.0)
        emit("readmostly", "usync:mcs", "usync", "mcs", "yield", t, "shared", 0,
             lock_ns("mcs", t, "yield", "shared", 0))
        emit("readmostly", "ck:mcs", "ck", "mcs", "spin", t, "shared", 0,
             lock_ns("mcs", t, "spin", "shared", 0))
        emit("readmostly", "pthread:mutex", "pthread", "mutex", "-", t, "shared", 0,
             35.0 * active ** 0.8)
    # a series with a single thread count
    emit("readmostly", "pthread:rwlock", "pthread", "rwlock", "-", 2, "shared", 0, 60.0)

    emit("handoff", "hw:smt", "hw", "handoff", "-", 2, "-", 0, 18.0)
    emit("handoff", "hw:same-l3", "hw", "handoff", "-", 2, "-", 0, 45.0)
    if nproc > 2:
        emit("handoff", "hw:other-l3", "hw", "handoff", "-", 2, "-", 0, 95.0)
        emit("handoff", "hw:other-package", "hw", "handoff", "-", 2, "-", 0, 160.0)

    if a.fail:
        rows[5]["check"] = "FAIL"
        rows[7]["fair_cv"] = ""
        rows[8]["ns_per_op"] = "nan"
        rows[9]["ops_per_s"] = ""

    os.makedirs(a.outdir, exist_ok=True)
    with open(os.path.join(a.outdir, "results.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=HEADER)
        w.writeheader()
        w.writerows(rows)
    if nproc <= 2:
        topo = {"packages": 1, "numa_nodes": 1,
                "l3_groups": [{"l3": 0, "size_kib": 32768, "cores": [0, 1]}], "smt": False}
    else:
        topo = {"packages": 2, "numa_nodes": 2, "smt": True,
                "l3_groups": [{"l3": i, "package": i // 2, "cores": list(range(i * 4, i * 4 + 4))}
                              for i in range(4)]}
    meta = {
        "name": f"fixture-{nproc}cpu", "hostname": "fixture-host",
        "kernel": "Linux 6.1.0-fixture x86_64", "cpu_model": "Synthetic CPU @ 3.0GHz",
        "nproc": nproc, "topology": topo, "compiler": "gcc 12.2.0 -O2",
        "versions": {"usync": "0.1.0", "ck": "0.7.1", "liburcu": "0.13.2", "glibc": "2.36"},
        "usync_config": {"wait_policy": "yield", "spin_budget_ns": 4000, "cacheline": 64},
        "relax_ns": 4.2, "command": "usync-bench --mode " + a.mode + " --out " + a.outdir,
        "mode": a.mode, "duration_ms": duration_ns // 1_000_000, "warmup_ms": 50,
        "reps": a.reps, "date": "2024-11-29T20:00:00Z",
    }
    with open(os.path.join(a.outdir, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2)
    print(os.path.join(a.outdir, "results.csv"))


if __name__ == "__main__":
    main()
