#!/usr/bin/python3
"""Recomputes the ground truth's delay quantiles of a run with numpy and compares them.

Reads the per-packet log (`rlisim run --packets-out`), groups the delivered packets by flow
(5-tuple) and computes numpy.quantile(delays, q) with numpy's default method ("linear") for
q = 0.5 and 0.99. Then checks, against flows.csv and summary.json of the same run:

- flows with at most exact_packets delivered packets: delay_p50_ns and delay_p99_ns equal
  numpy's, formatted as rlisim prints them (ns with 3 decimals);
- larger flows, and the totals of summary.json (truth.all / regular / cross): within the
  documented bound, |rlisim - numpy| <= relative_accuracy * numpy, plus half a unit of the
  printed precision for flows.csv.

Usage: check_truth_quantiles.py PACKETS_CSV OUT_DIR
Prints the number of flows checked in each regime and the largest relative error seen beyond
exact_packets; exits 1 on any mismatch.
"""

import csv
import json
import sys
from collections import defaultdict

import numpy as np

QUANTILES = {"p50": 0.5, "p99": 0.99}
# flows.csv prints ns with 3 decimals; a value within the bound can print up to half a unit
# further away.
PRINT_SLACK_NS = 0.0005
# The bound is exact in real arithmetic; this leaves room for floating-point rounding only.
ROUNDING = 1e-9


def printed_ns(ps):
    # rlisim writes fmt::format("{:.3f}", ps * 1e-3): the same double, correctly rounded.
    return f"{float(ps) * 1e-3:.3f}"


def flow_key(row):
    return (row["src"], row["dst"], row["src_port"], row["dst_port"], row["protocol"])


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    packets_csv, out_dir = sys.argv[1], sys.argv[2]
    with open(f"{out_dir}/summary.json") as f:
        summary = json.load(f)
    settings = summary["truth"]["quantiles"]
    exact_packets = settings["exact_packets"]
    alpha = settings["relative_accuracy"]

    delays = defaultdict(list)
    by_kind = defaultdict(list)
    with open(packets_csv, newline="") as f:
        for row in csv.DictReader(f):
            if row["dropped"] == "1":
                continue
            delays[flow_key(row)].append(int(row["delay_ps"]))

    failures = []
    exact_flows = 0
    bounded_flows = 0
    worst = 0.0
    with open(f"{out_dir}/flows.csv", newline="") as f:
        for row in csv.DictReader(f):
            delivered = int(row["delivered"])
            values = np.array(delays.pop(flow_key(row), []), dtype=np.float64)
            flow = f"flow {row['flow']} ({delivered} delivered)"
            if len(values) != delivered:
                failures.append(f"{flow}: the packet log has {len(values)} delivered packets")
                continue
            by_kind[row["kind"]].append(values)
            if delivered == 0:
                continue
            exact = delivered <= exact_packets
            exact_flows += exact
            bounded_flows += not exact
            for name, q in QUANTILES.items():
                want = np.quantile(values, q)
                got = row[f"delay_{name}_ns"]
                if exact:
                    if got != printed_ns(want):
                        failures.append(f"{flow}: {name} {got} ns, numpy {printed_ns(want)} ns")
                    continue
                want_ns = float(want) * 1e-3
                error = abs(float(got) - want_ns)
                if want_ns > 0:
                    worst = max(worst, error / want_ns)
                if error > alpha * want_ns * (1 + ROUNDING) + PRINT_SLACK_NS:
                    failures.append(
                        f"{flow}: {name} {got} ns, numpy {want_ns:.3f} ns: relative error "
                        f"{error / want_ns:.3g} > {alpha}")
    if delays:
        failures.append(f"{len(delays)} flows of the packet log are missing from flows.csv")

    # summary.json has totals over all flows and over each of the kinds below (reference
    # packets count only in "all").
    totals = {"all": [v for vs in by_kind.values() for v in vs]}
    totals.update({kind: by_kind[kind] for kind in ("regular", "cross")})
    worst_total = 0.0
    for kind, arrays in totals.items():
        values = np.concatenate(arrays) if arrays else np.array([])
        delay = summary["truth"][kind]["delay"]
        if delay["delivered_packets"] != len(values):
            failures.append(f"truth.{kind}: {delay['delivered_packets']} delivered packets, the "
                            f"packet log {len(values)}")
            continue
        if len(values) == 0:
            continue
        for name, q in QUANTILES.items():
            want_ns = float(np.quantile(values, q)) * 1e-3
            got_ns = delay[f"{name}_ns"]
            bound = 0 if len(values) <= exact_packets else alpha
            error = abs(got_ns - want_ns)
            if want_ns > 0:
                worst_total = max(worst_total, error / want_ns)
            if error > bound * want_ns + ROUNDING * want_ns:
                failures.append(f"truth.{kind}.delay.{name}_ns: {got_ns}, numpy {want_ns} "
                                f"(allowed relative error {bound})")

    print(f"flows with <= {exact_packets} delivered packets, p50/p99 checked for equality with numpy: "
          f"{exact_flows}")
    print(f"flows with more: {bounded_flows}, largest relative error {worst:.3g} "
          f"(bound {alpha}); totals: largest relative error {worst_total:.3g}")
    for failure in failures[:20]:
        print(f"FAIL: {failure}", file=sys.stderr)
    if len(failures) > 20:
        print(f"FAIL: ... and {len(failures) - 20} more", file=sys.stderr)
    if bounded_flows == 0 or exact_flows == 0:
        print("FAIL: the run must have flows on both sides of exact_packets", file=sys.stderr)
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
