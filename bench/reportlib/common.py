"""bench/reportlib/common.py - the constants and the number formatting that
every part of the report shares: the CSV header (and the older ones still
read), workload titles, algorithm orders, peer pairings, ratios."""

import math


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


def p_idx(p):
    return ("spin", "yield", "park").index(p) if p in ("spin", "yield", "park") else 9


def ratio(a, b):
    if a is None or b is None or math.isnan(a) or math.isnan(b) or b == 0:
        return NAN
    return a / b
