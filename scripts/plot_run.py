#!/usr/bin/python3
"""Figures of one `rlisim run` with estimators: the CDF of the per-flow relative error of the
mean delay for every estimator (all flows, and flows of >= 100 packets), each labelled with the
budget it spent (exact delay samples per regular packet).

  python3 scripts/plot_run.py RUN_DIR            # writes RUN_DIR/error_cdf.png
"""
import argparse
import json
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

STYLES = ["-", "--", "-.", ":"]
MARKERS = ["o", "s", "^", "v", "D", "x", "+", "*"]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("run_dir", type=pathlib.Path)
    p.add_argument("--out", type=pathlib.Path, help="figure path (default RUN_DIR/error_cdf.png)")
    args = p.parse_args()
    summary_path = args.run_dir / "summary.json"
    try:
        summary = json.loads(summary_path.read_text())
    except (OSError, json.JSONDecodeError) as e:
        sys.exit(f"plot_run: {summary_path}: cannot read a run summary ({e})")
    rows = (summary.get("comparison") or {}).get("estimators") or []
    if not rows:
        sys.exit(f"plot_run: {summary_path}: the run has no estimators to plot")
    budget = {r["name"]: (r.get("budget") or {}).get("samples_per_packet") for r in rows}

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    for ax, min_packets in zip(axes, (1, 100)):
        for i, row in enumerate(rows):
            name = row["name"]
            classes = summary["estimators"][name]["error"]["mean"]
            cls = next((c for c in classes if c["min_packets"] == min_packets), None)
            if not cls or not cls["cdf"]:
                continue
            xs = [max(x, 1e-5) for x, _ in cls["cdf"]]
            ys = [y for _, y in cls["cdf"]]
            spent = budget.get(name)
            label = f"{name} ({spent:.4f}/pkt)" if spent is not None else name
            ax.step(xs, ys, where="post", label=label, linestyle=STYLES[i % len(STYLES)],
                    marker=MARKERS[i % len(MARKERS)], markevery=max(1, len(xs) // 8),
                    markersize=4)
        ax.set_xscale("log")
        ax.set_xlabel("per-flow relative error of the mean delay")
        ax.set_title(f"flows of >= {min_packets} packet{'s' if min_packets > 1 else ''}")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("fraction of flows")
    axes[1].legend(fontsize=8, loc="lower right", title="estimator (samples/pkt)")
    util = summary["ports"][0]["utilization"] if summary.get("ports") else float("nan")
    fig.suptitle(f"{summary['sources'][0]['description']}, utilization {util:.2f}", fontsize=9)
    fig.tight_layout()
    out = args.out or args.run_dir / "error_cdf.png"
    fig.savefig(out, dpi=110)
    print(out)


if __name__ == "__main__":
    main()
