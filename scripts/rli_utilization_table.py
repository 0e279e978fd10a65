#!/usr/bin/env python3
"""RLI across utilization: one run per (profile, utilization), one markdown table.

Runs `rlisim run` on configs/rli.toml with the source rate set to utilization * link rate (so
the egress stays near the link rate while the load changes) and prints, per point: the
achieved utilization, RLI's per-flow median relative error of the mean and of the standard
deviation, the reference overhead, the interference split and the regular-packet loss-rate
difference (with references minus without).

  python3 scripts/rli_utilization_table.py --rlisim build/rlisim --out results/rli-table
"""
import argparse
import json
import pathlib
import subprocess
import sys


def run_point(args, profile, rho):
    out = pathlib.Path(args.out) / f"{profile}-{rho:.2f}"
    rate = rho * args.link_gbps * 1e9
    overrides = [
        f"source.0.profile={profile}",
        f"source.0.rate={rate:.0f}",
        f'source.0.duration="{args.duration}"',
        f"utilization.target={rho}",
        f"router.port.0.buffer_packets={args.buffer}",
        f"seed={args.seed}",
    ] + args.set
    cmd = [args.rlisim, "run", args.config, "--quiet", "--out", str(out)]
    for o in overrides:
        cmd += ["--set", o]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return json.loads((out / "summary.json").read_text())


def fmt_pct(x, digits=2):
    return "-" if x is None else f"{100 * x:.{digits}f}"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rlisim", default="build/rlisim")
    p.add_argument("--config", default="configs/rli.toml")
    p.add_argument("--out", default="results/rli-table")
    p.add_argument("--profiles", nargs="+", default=["chic", "sanj"])
    p.add_argument("--utilizations", nargs="+", type=float,
                   default=[0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])
    p.add_argument("--link-gbps", type=float, default=10.0)
    p.add_argument("--duration", default="1s")
    p.add_argument("--buffer", type=int, default=1000, help="buffer_packets of the port")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--set", action="append", default=[], help="extra --set override")
    args = p.parse_args()

    print("| profile | target | util. | flows | median err mean (%) | median err std (%) "
          "| err mean, >=100 pkts (%) | refs (% pkts) | refs (% bytes) | PI flows | NI flows "
          "| NI frac. | max abs delta (us) | loss with | loss without | loss diff |")
    print("|" + "---|" * 16)
    for profile in args.profiles:
        for rho in args.utilizations:
            s = run_point(args, profile, rho)
            rli = s["estimators"]["rli"]
            mean = rli["error"]["mean"]
            std = rli["error"]["std"]
            ov = rli["overhead"]
            i = rli.get("interference", {})
            big = next((c for c in mean if c["min_packets"] == 100), None)
            delta = i.get("max_abs_delta_s")
            print(f"| {profile} | {rho:.2f} | {s['ports'][0]['utilization']:.3f} "
                  f"| {mean[0]['flows']} | {fmt_pct(mean[0]['median'])} "
                  f"| {fmt_pct(std[0]['median'])} | {fmt_pct(big and big['median'])} "
                  f"| {fmt_pct(ov['packet_share'], 3)} | {fmt_pct(ov['byte_share'], 4)} "
                  f"| {i.get('positive', '-')} | {i.get('negative', '-')} "
                  f"| {fmt_pct(i.get('negative_fraction'), 1)} "
                  f"| {'-' if delta is None else f'{delta * 1e6:.2f}'} "
                  f"| {i.get('loss_rate_with', 0):.2e} | {i.get('loss_rate_without', 0):.2e} "
                  f"| {i.get('loss_rate_difference', 0):.2e} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
