#!/usr/bin/env python3
"""bench/merge_results.py OUT DIR [DIR ...] - join sweeps run in pieces.

A many-core sweep is run in pieces that each fit a time slot (for example
one `--workloads` value per piece, each with its own --out).  This joins
their results.csv files (the header must be identical) into OUT/results.csv
and writes OUT/meta.json from the first piece's, with every piece's command
line under "pieces", so that bench/report.py OUT reports them as one run.
Google Benchmark's per-piece gbench.json files are copied as gbench-N.json.
"""
import json
import shutil
import sys
from pathlib import Path


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    out = Path(argv[1])
    pieces = [Path(p) for p in argv[2:]]
    out.mkdir(parents=True, exist_ok=True)
    header = None
    rows = 0
    with open(out / "results.csv", "w") as merged:
        for piece in pieces:
            with open(piece / "results.csv") as f:
                first = f.readline()
                if header is None:
                    header = first
                    merged.write(header)
                elif first != header:
                    print(f"{piece}: results.csv header differs", file=sys.stderr)
                    return 1
                for line in f:
                    merged.write(line)
                    rows += 1
    meta = json.loads((pieces[0] / "meta.json").read_text())
    meta["pieces"] = []
    for i, piece in enumerate(pieces):
        m = json.loads((piece / "meta.json").read_text())
        meta["pieces"].append({"dir": str(piece),
                               "command": m.get("command_line", m.get("command")),
                               "date": m.get("date")})
        if (piece / "gbench.json").exists():
            shutil.copy(piece / "gbench.json", out / f"gbench-{i}.json")
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"{out}/results.csv: {rows} rows from {len(pieces)} pieces")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
