#!/usr/bin/env python3
"""RLI against the baselines across utilization: one markdown table per metric.

For each (profile, utilization) it runs configs/compare.toml (RLI static 1-in-n, LDA,
consistent NetFlow naive and Multiflow, packet-sampled NetFlow, trajectory sampling, all on the
same packets), then the
same traffic with RLI's adaptive presets alone, and prints: the per-flow median relative error
of the mean (all flows and flows of >= 100 packets), its p90, the median error of the std where
an estimator gives one, coverage, and each estimator's cost (state, export, injected packets).

  python3 scripts/compare_estimators.py --rlisim build/rlisim --out results/compare
"""
import argparse
import json
import pathlib
import subprocess
import sys

ADAPTIVE = {"rli-A": "fewer-at-high-load", "rli-B": "more-at-high-load"}
BASELINES = ["lda", "netflow", "multiflow", "sampled_netflow", "trajectory"]


def run(args, name, profile, rho, extra):
    out = pathlib.Path(args.out) / f"{profile}-{rho:.2f}-{name}"
    overrides = [
        f"source.0.profile={profile}",
        f"source.0.rate={rho * args.link_gbps * 1e9:.0f}",
        f'source.0.duration="{args.duration}"',
        f"utilization.target={rho}",
        f"router.port.0.buffer_packets={args.buffer}",
        f"seed={args.seed}",
    ] + ([f'source.0.flow_model="{args.flow_model}"'] if args.flow_model else []) \
      + extra + args.set
    cmd = [args.rlisim, "run", args.config, "--quiet", "--out", str(out)]
    for o in overrides:
        cmd += ["--set", o]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return json.loads((out / "summary.json").read_text())


def rows_of(summary, rename=None):
    """{estimator name: comparison row} from one summary.json."""
    rows = {}
    for row in summary["comparison"]["estimators"]:
        rows[(rename or {}).get(row["name"], row["name"])] = row
    return rows


def pct(x, digits=1):
    return "-" if x is None else f"{100 * x:.{digits}f}"


def cell(row, field, cls, stat="median"):
    c = (row.get(field) or {}).get(cls)
    return None if c is None else c[stat]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rlisim", default="build/rlisim")
    p.add_argument("--config", default="configs/compare.toml")
    p.add_argument("--out", default="results/compare")
    p.add_argument("--profiles", nargs="+", default=["chic", "sanj"])
    p.add_argument("--utilizations", nargs="+", type=float, default=[0.3, 0.6, 0.9])
    p.add_argument("--link-gbps", type=float, default=10.0)
    p.add_argument("--duration", default="1s")
    p.add_argument("--buffer", type=int, default=1000, help="buffer_packets of the port")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--no-adaptive", action="store_true", help="skip the adaptive RLI runs")
    p.add_argument("--flow-model", choices=["tcp", "paced"],
                   help="the synthetic flow model (default: the profile's, tcp)")
    p.add_argument("--set", action="append", default=[], help="extra --set override")
    args = p.parse_args()

    points = []
    for profile in args.profiles:
        for rho in args.utilizations:
            s = run(args, "all", profile, rho, [])
            rows = rows_of(s, {"rli": "rli-static"})
            if not args.no_adaptive:
                for name, preset in ADAPTIVE.items():
                    off = [f"{b}.enabled=false" for b in BASELINES]
                    a = run(args, name, profile, rho,
                            ["rli.policy=adaptive", f"rli.preset={preset}"] + off)
                    rows.update(rows_of(a, {"rli": name}))
            points.append((profile, rho, s["ports"][0]["utilization"], rows, s["ports"][0]))
            print(f"done: {profile} {rho}", file=sys.stderr, flush=True)

    names = list(points[0][3].keys())
    order = [n for n in ["rli-static", "rli-A", "rli-B"] if n in names] + \
            [n for n in names if not n.startswith("rli")]

    def table(title, value):
        print(f"\n**{title}**\n")
        print("| profile | util. | " + " | ".join(order) + " |")
        print("|---|---|" + "---|" * len(order))
        for profile, rho, util, rows, _ in points:
            cells = [value(rows[n]) if n in rows else "-" for n in order]
            print(f"| {profile} | {util:.2f} | " + " | ".join(cells) + " |")

    table("Median relative error of the per-flow mean, all flows (%)",
          lambda r: pct(cell(r, "mean_error", ">=1")))
    table("Median relative error of the per-flow mean, flows of >= 100 packets (%)",
          lambda r: pct(cell(r, "mean_error", ">=100")))
    table("p90 relative error of the per-flow mean, all flows (%)",
          lambda r: pct(cell(r, "mean_error", ">=1", "p90")))
    table("Median relative error of the per-flow std, flows of >= 2 packets (%)",
          lambda r: pct(cell(r, "std_error", ">=1")))
    table("Flow coverage (% of flows with an estimate)",
          lambda r: pct(r["flow_coverage"]))
    print("\n**The queue: loss (% of packets) / largest occupancy (packets)**\n")
    print("| profile | util. | loss | max queue |")
    print("|---|---|---|---|")
    for profile, rho, util, rows, port in points:
        c = port["counters"]
        loss = c["dropped_packets"] / max(1, c["offered_packets"])
        print(f"| {profile} | {util:.2f} | {100 * loss:.3f} | {c['max_occupancy_packets']} |")
    table("Cost: state KiB / export KiB / injected packets",
          lambda r: f"{r['cost']['state_bytes'] / 1024:.0f} / "
                    f"{r['cost']['export_bytes'] / 1024:.0f} / {r['cost']['injected_packets']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
