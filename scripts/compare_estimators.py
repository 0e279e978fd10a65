#!/usr/bin/env python3
"""RLI against the baselines across utilization: markdown tables of error beside budget.

For each (profile, utilization) it runs configs/compare.toml as it stands (RLI static 1-in-n
with and without serialization correction, LDA, consistent NetFlow naive and Multiflow,
trajectory sampling, all on the same packets and at the equal budget of its [compare] table),
then the same traffic with RLI's adaptive presets alone, and prints per estimator the median
per-flow relative error of the mean (all flows and flows of >= 100 packets) beside the budget
it spent (exact delay samples per regular packet), with each point's achieved link rate and
source rate.

Utilization is set the one way a sweep of compare.toml sets it: only `utilization.target`
changes (compare.toml's `utilization.mode = "scale_source"` then sets the source rate and trims
the port rate). So a point here and the same point of `rlisim sweep` over a sweep file whose
base is configs/compare.toml (with `seed` set to compare.toml's in [set] and a
utilization.target axis) give byte-identical summaries. Profile, seed, duration and buffer are
changed only when asked for.

  python3 scripts/compare_estimators.py [--profiles chic sanj] [--utilizations 0.3 0.9] \\
      [--out results/compare] [--duration 1s] [--buffer 1000] [--flow-model tcp|paced]
"""
import argparse
import json
import pathlib
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parent.parent
ADAPTIVE = {"A": "fewer-at-high-load", "B": "more-at-high-load"}
BASELINES = ["lda", "netflow", "multiflow", "sampled_netflow", "trajectory"]


def overrides_for(args, profile, rho, extra):
    """The --set assignments of one run: the utilization target and the profile, and only what
    the user asked for beyond them."""
    sets = [f"source.0.profile={profile}", f"utilization.target={rho:g}"]
    if args.duration:
        sets.append(f'source.0.duration="{args.duration}"')
    if args.buffer is not None:
        sets.append(f"router.port.0.buffer_packets={args.buffer}")
    if args.flow_model:
        sets.append(f'source.0.flow_model="{args.flow_model}"')
    return sets + args.set + extra


def run(args, name, profile, rho, extra):
    out = pathlib.Path(args.out) / f"{profile}-{rho:g}-{name}"
    cmd = [str(args.rlisim), "run", str(args.config), "--quiet", "--out", str(out)]
    for o in overrides_for(args, profile, rho, extra):
        cmd += ["--set", o]
    if args.seed is not None:
        cmd += ["--seed", str(args.seed)]
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit(f"compare_estimators: {' '.join(cmd)}\nfailed (exit {r.returncode}):\n"
                 f"{r.stderr.strip()}")
    return json.loads((out / "summary.json").read_text())


def rows_of(summary, suffix=""):
    """{estimator name + suffix: comparison row} from one summary.json."""
    return {row["name"] + suffix: row for row in summary["comparison"]["estimators"]}


def pct(x, digits=1):
    return "-" if x is None else f"{100 * x:.{digits}f}"


def cell(row, field, cls, stat="median"):
    c = (row.get(field) or {}).get(cls)
    return None if c is None else c[stat]


def spent(row):
    b = (row.get("budget") or {}).get("samples_per_packet")
    return "-" if b is None else f"{b:.4f}"


def gbps(x):
    return "-" if x is None else f"{x / 1e9:.3f}"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n", 2)[2],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rlisim", default=str(REPO / "build" / "rlisim"),
                   help="rlisim binary (default: build/rlisim in the repository)")
    p.add_argument("--config", default=str(REPO / "configs" / "compare.toml"),
                   help="base configuration (default: configs/compare.toml in the repository)")
    p.add_argument("--out", default="results/compare", help="folder for the runs' outputs")
    p.add_argument("--profiles", nargs="+", default=["chic", "sanj"])
    p.add_argument("--utilizations", nargs="+", type=float, default=[0.3, 0.6, 0.9, 0.98])
    p.add_argument("--duration", help="source duration (default: the config's)")
    p.add_argument("--buffer", type=int, help="buffer_packets of the port (default: the config's)")
    p.add_argument("--seed", type=int, help="experiment seed (default: the config's)")
    p.add_argument("--no-adaptive", action="store_true", help="skip the adaptive RLI runs")
    p.add_argument("--flow-model", choices=["tcp", "paced"],
                   help="the synthetic flow model (default: the profile's, tcp)")
    p.add_argument("--set", action="append", default=[], help="extra --set override")
    args = p.parse_args()
    for key in ("rlisim", "config"):
        if not pathlib.Path(getattr(args, key)).is_file():
            p.error(f"--{key}: no file {getattr(args, key)}")

    points = []
    for profile in args.profiles:
        for rho in args.utilizations:
            s = run(args, "all", profile, rho, [])
            rows = rows_of(s)
            if not args.no_adaptive:
                off = [f"{b}.enabled=false" for b in BASELINES]
                for label, preset in ADAPTIVE.items():
                    a = run(args, f"rli-{label}", profile, rho,
                            ["rli.policy=adaptive", f"rli.preset={preset}"] + off)
                    rows.update(rows_of(a, f"-{label}"))
            points.append((profile, rho, s, rows))
            print(f"done: {profile} {rho:g}", file=sys.stderr, flush=True)

    names = list(dict.fromkeys(n for _, _, _, rows in points for n in rows))
    order = [n for n in names if n.startswith("rli")] + \
            [n for n in names if not n.startswith("rli")]

    print("\n**Points: achieved link and source rates, the queue**\n")
    print("| profile | target | achieved util. | link Gb/s | offered Gb/s | source | loss % "
          "| max queue (pkts) | delay ACF at n |")
    print("|---|---|---|---|---|---|---|---|---|")
    for profile, rho, s, _ in points:
        port = s["ports"][0]
        c = port["counters"]
        loss = c["dropped_packets"] / max(1, c["offered_packets"])
        acf = ((port.get("diagnostics") or {}).get("at_reference_spacing") or {}).get("r_packets")
        src = "; ".join(x["description"] for x in s["sources"])
        print(f"| {profile} | {rho:g} | {port['utilization']:.3f} | {gbps(port['rate_bps'])} | "
              f"{gbps(port.get('offered_bps'))} | {src} | {100 * loss:.3f} | "
              f"{c['max_occupancy_packets']} | {'-' if acf is None else f'{acf:.2f}'} |")

    print("\n**Per estimator: median relative error of the per-flow mean (%) beside the budget "
          "spent (exact delay samples per regular packet)**\n")
    print("| profile | target | estimator | all flows | flows >= 100 pkts | samples/pkt "
          "| injected pkts/pkt | coverage % |")
    print("|---|---|---|---|---|---|---|---|")
    for profile, rho, _, rows in points:
        for n in order:
            if n not in rows:
                continue
            r = rows[n]
            inj = (r.get("budget") or {}).get("injected_packets_per_packet")
            print(f"| {profile} | {rho:g} | {n} | {pct(cell(r, 'mean_error', '>=1'))} | "
                  f"{pct(cell(r, 'mean_error', '>=100'))} | {spent(r)} | "
                  f"{'-' if inj is None else f'{inj:.4f}'} | {pct(r['flow_coverage'])} |")

    def table(title, value):
        print(f"\n**{title}**\n")
        print("| profile | target | " + " | ".join(order) + " |")
        print("|---|---|" + "---|" * len(order))
        for profile, rho, _, rows in points:
            cells = [value(rows[n]) if n in rows else "-" for n in order]
            print(f"| {profile} | {rho:g} | " + " | ".join(cells) + " |")

    table("Median relative error of the per-flow mean, all flows (%)",
          lambda r: pct(cell(r, "mean_error", ">=1")))
    table("Median relative error of the per-flow mean, flows of >= 100 packets (%)",
          lambda r: pct(cell(r, "mean_error", ">=100")))
    table("Budget spent: exact delay samples per regular packet", spent)
    table("p90 relative error of the per-flow mean, all flows (%)",
          lambda r: pct(cell(r, "mean_error", ">=1", "p90")))
    table("Median relative error of the per-flow std, flows of >= 2 packets (%)",
          lambda r: pct(cell(r, "std_error", ">=1")))
    table("Flow coverage (% of flows with an estimate)",
          lambda r: pct(r["flow_coverage"]))
    table("Cost: state KiB / export KiB / injected packets",
          lambda r: f"{r['cost']['state_bytes'] / 1024:.0f} / "
                    f"{r['cost']['export_bytes'] / 1024:.0f} / {r['cost']['injected_packets']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
