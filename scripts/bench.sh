#!/usr/bin/env bash
# scripts/bench.sh - build usync-bench in release mode and run the sweep.
#
#   scripts/bench.sh                 quick sweep (the default here: under
#                                    3 minutes on a 2-core machine): lock
#                                    (empty CS, no delay) and barrier (no
#                                    work) at 1 .. 4x cores under every wait
#                                    policy (spin, yield, park) beside ck
#                                    and pthread; the other workloads
#                                    trimmed (bench/FORMAT.md)
#   scripts/bench.sh --full          the full sweep (1 s trials, 5 reps,
#                                    everything; about two hours on 2 cores)
#   scripts/bench.sh [usync-bench flags]   e.g. --filter 'lock/.*mcs'
#
# Installs what is missing (scripts/setup.sh --bench), configures
# build-bench/ (--buildtype=release -Dtests=disabled -Dbench=enabled),
# builds, runs bench/usync-bench, then bench/report.py on the output
# directory if that script exists.  Non-interactive (fine with CI=true and
# no stdin).  Output: bench/results/<machine>/ unless --out DIR is given.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --bench </dev/null

builddir=build-bench
if [[ ! -f $builddir/build.ninja ]]; then
  meson setup "$builddir" --buildtype=release -Dtests=disabled \
    -Dbench=enabled </dev/null
fi
meson compile -C "$builddir" usync-bench </dev/null

# Quick unless the caller asked for --full or --quick explicitly.
args=("$@")
mode=(--quick)
for a in "${args[@]}"; do
  if [[ $a == --full || $a == --quick ]]; then mode=(); fi
done

# Where the results go: --out DIR if given, else what usync-bench picks
# (it prints "results: DIR/{...}" as its last line).
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
"$builddir/bench/usync-bench" "${mode[@]}" "${args[@]}" </dev/null \
  | tee "$log" || status=$?
outdir=$(sed -n 's|^results: \(.*\)/{results.csv,gbench.json,meta.json}$|\1|p' "$log" | tail -n1)
if [[ -z $outdir ]]; then
  echo "bench.sh: usync-bench did not finish (exit $status)" >&2
  [[ $status -ne 0 ]] || status=1
  exit "$status"
fi

if [[ -f bench/report.py ]]; then
  if ! python3 bench/report.py "$outdir" </dev/null; then
    echo "bench.sh: bench/report.py failed" >&2
    [[ $status -ne 0 ]] || status=1
  fi
  echo "bench.sh: report in $outdir/ (REPORT.md and figures)"
else
  echo "bench.sh: results in $outdir/ (bench/report.py not present: no report)"
fi
exit "$status"
