#!/usr/bin/env python3
"""Checks the CSV exports of a Slurm-sharded sweep (slurm_sweep_test.sh).

WORK holds merged-csv/, local-csv/ and shard-K-csv/ (K < TASKS), each written by
`rlisim sweep export DB --csv DIR`. Checks that the merged database holds every point exactly
once with status done, that each shard ran exactly its round-robin share (index % TASKS == K),
and that every exported table of the merged database equals the local unsharded run's, row for
row in any order, after dropping the timing columns. Exits 1 with one line per problem.
"""

import argparse
import csv
import pathlib
import sys

# Names the exporter may give a point's position in the manifest, most specific first.
INDEX_COLUMNS = ("point_index", "index", "point")


def read_csv(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        raise SystemExit(f"FAIL: {path} is empty (no header)")
    return rows[0], rows[1:]


def status_table(folder):
    """The first exported table with a 'status' column: (path, header, rows)."""
    for name in ("points.csv", "results.csv"):
        path = folder / name
        if path.exists():
            header, rows = read_csv(path)
            if "status" in header:
                return path, header, rows
    raise SystemExit(f"FAIL: no points.csv or results.csv with a 'status' column in {folder}")


def done_rows(folder):
    path, header, rows = status_table(folder)
    status = header.index("status")
    return path, header, [r for r in rows if r[status] == "done"], rows


def index_column(header):
    return next((header.index(c) for c in INDEX_COLUMNS if c in header), None)


def without(header, rows, ignored):
    keep = [i for i, name in enumerate(header) if name not in ignored]
    return [header[i] for i in keep], sorted(tuple(r[i] for i in keep) for r in rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--expected", type=int, required=True, help="points in the manifest")
    parser.add_argument("--tasks", type=int, required=True, help="shards (array tasks)")
    parser.add_argument("--ignore", default="", help="comma-separated timing columns")
    parser.add_argument("--work", type=pathlib.Path, required=True)
    args = parser.parse_args()
    ignored = set(filter(None, args.ignore.split(",")))
    problems = []

    merged = args.work / "merged-csv"
    path, header, done, rows = done_rows(merged)
    if len(rows) != args.expected or len(done) != args.expected:
        problems.append(
            f"{path}: {len(rows)} rows, {len(done)} done; expected {args.expected} done")
    _, identities = without(header, done, ignored | {"status"})
    if len(set(identities)) != len(identities):
        problems.append(f"{path}: a point appears more than once")
    index = index_column(header)
    if index is not None and sorted(int(r[index]) for r in done) != list(range(args.expected)):
        problems.append(f"{path}: point indices are not 0..{args.expected - 1} once each")

    for k in range(args.tasks):
        share = [i for i in range(args.expected) if i % args.tasks == k]
        path, header, done, _ = done_rows(args.work / f"shard-{k}-csv")
        index = index_column(header)
        got = sorted(int(r[index]) for r in done) if index is not None else None
        if len(done) != len(share) or (got is not None and got != share):
            problems.append(f"{path}: shard {k} ran points {got or len(done)}, expected {share}")

    local = args.work / "local-csv"
    merged_tables = sorted(p.name for p in merged.glob("*.csv"))
    local_tables = sorted(p.name for p in local.glob("*.csv"))
    if merged_tables != local_tables:
        problems.append(f"tables differ: merged {merged_tables}, local {local_tables}")
    for name in sorted(set(merged_tables) & set(local_tables)):
        m_header, m_rows = without(*read_csv(merged / name), ignored)
        l_header, l_rows = without(*read_csv(local / name), ignored)
        if m_header != l_header:
            problems.append(f"{name}: columns differ: merged {m_header}, local {l_header}")
        elif m_rows != l_rows:
            only_m = sorted(set(m_rows) - set(l_rows))[:3]
            only_l = sorted(set(l_rows) - set(m_rows))[:3]
            problems.append(f"{name}: rows differ (merged {len(m_rows)}, local {len(l_rows)}); "
                            f"only merged: {only_m}; only local: {only_l}")

    for p in problems:
        print(f"FAIL: {p}", file=sys.stderr)
    if not problems:
        print(f"merged = local over {', '.join(merged_tables)} ({args.expected} points)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
