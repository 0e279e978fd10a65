#!/usr/bin/python3
"""Markdown report of an `rlisim sweep` results database, with the paper comparison.

  scripts/sweep_report.py results/rli-reproduce/results.sqlite --out results/rli-reproduce \
      [--figures DIR] [--timing timing.json] [--command "..."]...

Writes OUT/report.md: what ran (commands, sweep file), wall time, the comparison with the RLI
paper's numbers (shared/reference estimators.md §6: ours next to theirs), links to the figures
of scripts/plot_sweep.py, and the tables: median per-flow error per estimator x utilization x
trace, coverage, reference overhead per policy, interference (NI fraction, max |delta|) and the
loss-rate difference. Values are means over the runs of a grid point; with several runs the
min-max range follows in parentheses.
"""
import argparse
import json
import math
import os
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
try:
    import numpy as np
    import sweepdb
except ImportError as e:
    sys.exit(f"sweep_report: {e}: needs Debian's python3-pandas; run it with /usr/bin/python3 "
             f"(this is {sys.executable})")

FIGURES = [
    ("a", "Per-flow relative error CDFs per estimator and utilization"),
    ("b", "Median relative error vs utilization, per estimator and RLI policy"),
    ("c", "Reference bandwidth overhead vs utilization (Fig. 10(a))"),
    ("d", "Interference CDF, PI and NI, at the highest utilization (Fig. 10(b))"),
    ("e", "Loss-rate difference vs utilization (Fig. 10(c))"),
    ("f", "Every estimator at an equal budget, a row per budget 1/n"),
    ("g", "Multiflow / RLI error ratio against per-flow burstiness and delay autocorrelation"),
]


def cell(values, scale=1.0, fmt="{:.1f}"):
    v = values.dropna() * scale
    if v.empty:
        return "-"
    lo, hi = fmt.format(v.min()), fmt.format(v.max())
    if len(v) == 1 or lo == hi:
        return fmt.format(v.mean())
    return f"{fmt.format(v.mean())} ({lo}-{hi})"


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out) + "\n"


def grid_rows(data, facet):
    """(trace, target, achieved utilization text, selection of points) per grid row."""
    pts = data.points[data.points["facet"] == facet]
    for trace in data.traces():
        for u in sorted(pts[pts["trace"] == trace]["util_target"].dropna().unique()):
            sel = pts[(pts["trace"] == trace) & (pts["util_target"] == u)]
            yield trace, u, f"{sel['utilization'].mean():.3f}", sel


def series_table(data, facet, column, scale=100.0, fmt="{:.1f}"):
    res = data.results[(data.results["facet"] == facet)]
    if column not in res.columns or res[column].isna().all():
        return None
    order = [s for s in data.series_order(res) if res[res["series"] == s][column].notna().any()]
    rows = []
    for trace, u, achieved, _ in grid_rows(data, facet):
        here = res[(res["trace"] == trace) & (res["util_target"] == u)]
        rows.append([trace, f"{u:g}", achieved] +
                    [cell(here[here["series"] == s][column], scale, fmt) for s in order])
    return table(["trace", "target", "achieved util."] + order, rows)


def policy_table(data, facet, columns):
    """Rows trace x utilization, a column group per policy: RLI values only."""
    res = data.results[(data.results["facet"] == facet) & (data.results["estimator"] == "rli")]
    cols = [(c, t, s, f) for c, t, s, f in columns if c in res.columns and res[c].notna().any()]
    if res.empty or not cols:
        return None
    header = ["trace", "target"]
    for p in data.policies():
        header += [f"{p}: {t}" for _, t, _, _ in cols]
    rows = []
    for trace, u, _, _ in grid_rows(data, facet):
        here = res[(res["trace"] == trace) & (res["util_target"] == u)]
        row = [trace, f"{u:g}"]
        for p in data.policies():
            hp = here[here["policy"] == p]
            row += [cell(hp[c], s, f) for c, _, s, f in cols]
        rows.append(row)
    return table(header, rows)


def interference_table(data, facet):
    res = data.results[(data.results["facet"] == facet) & (data.results["estimator"] == "rli")]
    if "interference_flows" not in res.columns or res["interference_flows"].isna().all():
        return None
    rows = []
    for trace, u, _, _ in grid_rows(data, facet):
        for p in data.policies():
            h = res[(res["trace"] == trace) & (res["util_target"] == u) & (res["policy"] == p)]
            if h.empty or h["interference_flows"].isna().all():
                continue
            rows.append([trace, f"{u:g}", p, cell(h["interference_flows"], 1, "{:.0f}"),
                         cell(h["interference_positive"], 1, "{:.0f}"),
                         cell(h["interference_negative"], 1, "{:.0f}"),
                         cell(h["negative_fraction"], 100, "{:.1f}"),
                         cell(h["max_abs_delta_s"], 1e6, "{:.2f}"),
                         cell(h["fate_changes"], 1, "{:.0f}"),
                         cell(h["loss_rate_with"], 1, "{:.2e}"),
                         cell(h["loss_rate_without"], 1, "{:.2e}"),
                         cell(h["loss_rate_difference"], 1, "{:.2e}")])
    return table(["trace", "target", "policy", "flows", "PI", "NI", "NI fraction (%)",
                  "max abs delta (us)", "fate changes", "loss with", "loss without",
                  "loss diff"], rows)


def cost_table(data, facet):
    res = data.results[data.results["facet"] == facet]
    if not {"state_bytes", "export_bytes", "injected_packets"} <= set(res.columns):
        return None
    rows = []
    for sname in data.series_order(res):
        row = [sname]
        for t in data.traces():
            h = res[(res["series"] == sname) & (res["trace"] == t)]
            row.append(f"{h['state_bytes'].mean() / 2**20:.1f} / "
                       f"{h['export_bytes'].mean() / 2**20:.1f} / "
                       f"{h['injected_packets'].mean():.0f}" if not h.empty else "-")
        rows.append(row)
    return table(["estimator"] + data.traces(), rows)


def rng(values, scale=1.0, fmt="{:.1f}"):
    v = values.dropna() * scale
    if v.empty:
        return "-"
    lo, hi = fmt.format(v.min()), fmt.format(v.max())
    return lo if lo == hi else f"{lo}-{hi}"


def comparison(data, facet):
    """Rows of (number, claim, paper, ours, verdict), computed, never adjusted."""
    res = data.results[data.results["facet"] == facet]
    rli = res[res["estimator"] == "rli"]
    policies = data.policies()
    main = "static-100" if "static-100" in policies else policies[0]
    base_policy = next((p for p in policies
                        if not res[(res["policy"] == p) & (res["estimator"] != "rli")].empty), None)
    ref = rli[rli["policy"] == main]
    rows = []

    # 1: median error 10-12 %
    per_trace = []
    inside = total = 0
    for t in data.traces():
        r = ref[ref["trace"] == t].groupby("util_target")["mean_err_median"].mean() * 100
        if r.empty:
            continue
        inside += int(((r >= 10) & (r <= 12)).sum())
        total += len(r)
        per_trace.append(f"{t}: {r.min():.1f}-{r.max():.1f} % ({r.index.max():g}: "
                         f"{r[r.index.max()]:.1f} %)")
    if per_trace:
        lo = ref["mean_err_median"].min() * 100
        hi = ref["mean_err_median"].max() * 100
        verdict = ("matches" if inside == total else
                   f"inside 10-12 % at {inside} of {total} utilization points; "
                   f"ours spans {lo:.1f}-{hi:.1f} %")
        if "mean_err_median_100" in ref.columns and ref["mean_err_median_100"].notna().any():
            per_trace.append(f"flows of >= 100 packets (the paper's filter is unknown): "
                             f"{rng(ref['mean_err_median_100'], 100)} %")
        rows.append(["1", f"RLI median per-flow relative error ({main}, all flows)", "10-12 %",
                     "; ".join(per_trace), verdict])

    # 2: RLI vs previous solutions
    if base_policy:
        both = res[res["policy"] == base_policy]
        r_med = both[both["estimator"] == "rli"].set_index("point_hash")["mean_err_median"]
        parts, multi_lo = [], None
        for e in ["multiflow", "lda", "netflow", "trajectory"]:
            b = both[both["estimator"] == e].set_index("point_hash")["mean_err_median"]
            ratio = (b / r_med).dropna()
            if ratio.empty:
                continue
            parts.append(f"{sweepdb.ESTIMATOR_NAMES[e]} {ratio.min():.1f}-{ratio.max():.1f}x")
            if e == "multiflow":
                multi_lo = ratio.min()
        if parts:
            if multi_lo is None:
                verdict = "no Multiflow in the sweep"
            elif multi_lo >= 10:
                verdict = "reproduced against Multiflow"
            else:
                verdict = (f"not reproduced: Multiflow's median error is {multi_lo:.1f}-"
                           f"{ratio_max(both, 'multiflow'):.1f}x RLI's (below 1: Multiflow is "
                           f"more accurate), not 10-100x")
            rows.append(["2", f"RLI's error vs previous solutions (baseline median / RLI median, "
                         f"same packets, RLI {base_policy})", "10-100x lower",
                         "; ".join(parts), verdict])

    # 3: overhead
    parts = []
    for p in policies:
        rp = rli[rli["policy"] == p]
        if "ref_packet_share" in rp.columns and rp["ref_packet_share"].notna().any():
            parts.append(f"{p}: packets {rng(rp['ref_packet_share'], 100, '{:.3g}')} %, bytes "
                         f"{rng(rp['ref_byte_share'], 100, '{:.3g}')} %")
    if parts:
        rows.append(["3", "Fig. 10(a) reference overhead vs utilization 0.2-0.9",
                     "small; values not legible in our copy", "; ".join(parts),
                     "no numbers to compare; shape in figure c"])

    # 4: interference at high utilization
    if "negative_fraction" in rli.columns and rli["negative_fraction"].notna().any():
        top = rli["util_target"].max()
        hi = ref[ref["util_target"] == top]
        parts = []
        for t in data.traces():
            h = hi[hi["trace"] == t]
            if h.empty:
                continue
            parts.append(f"{t}: NI {cell(h['negative_fraction'], 100)} % of changed flows, max "
                         f"abs delta {cell(h['max_abs_delta_s'], 1e6, '{:.1f}')} us")
        if parts:
            nf = hi.groupby("trace")["negative_fraction"].mean() * 100
            md = hi["max_abs_delta_s"].max()
            close = [t for t, v in nf.items() if 5 <= v <= 15]
            far = [f"{t} ({v:.1f} %)" for t, v in nf.items() if not 5 <= v <= 15]
            verdict = (f"NI fraction near 10 % for {', '.join(close) or 'no trace'}"
                       f"{'; far from it for ' + ', '.join(far) if far else ''}; largest "
                       f"abs delta {md * 1e3:.3f} ms vs 20-30 ms: "
                       f"{'similar' if md > 5e-3 else 'two orders of magnitude smaller or more'}")
            rows.append(["4", f"Fig. 10(b) interference at the highest utilization ({main}, "
                         f"target {top:g})", "about 10 % of flows NI; some flows move by "
                         "+20-30 ms and almost as much the other way", "; ".join(parts), verdict])

    # 6: loss-rate difference
    if "loss_rate_difference" in rli.columns and rli["loss_rate_difference"].notna().any():
        utils = sorted(rli["util_target"].dropna().unique())
        near = min(utils, key=lambda u: abs(u - 0.8))
        parts = []
        for u in sorted({near, max(utils)}):
            h = rli[rli["util_target"] == u]
            d = h.groupby(["trace", "policy"])["loss_rate_difference"].mean()
            parts.append(f"at {u:g}: " + ", ".join(f"{t} {p} {v:.1e}" for (t, p), v in d.items()))
        d = rli[rli["util_target"] == near].groupby(["trace", "policy"])[
            "loss_rate_difference"].mean()
        over = [f"{t} {p} ({v:.1e})" for (t, p), v in d.items() if v > 1e-5]
        verdict = (f"within 1e-5 at {near:g} for every trace and policy" if not over else
                   f"exceeds 1e-5 at {near:g} for {', '.join(over)}; within it for the "
                   f"{len(d) - len(over)} other(s)")
        rows.append(["6", "Fig. 10(c) loss-rate difference (with - without references)",
                     "at most 1e-5 up to almost 80 % utilization", "; ".join(parts), verdict])

    # 10: Multiflow for flows of >= 100 packets
    mf = res[res["estimator"] == "multiflow"]
    if not mf.empty and mf["mean_err_median_100"].notna().any():
        v = mf["mean_err_median_100"] * 100
        rows.append(["10", "Multiflow median relative error, flows of >= 100 packets",
                     "< 20 % for flows > 100 packets", f"{v.min():.1f}-{v.max():.1f} %",
                     "matches" if v.max() < 20 else f"above 20 % at {int((v >= 20).sum())} of "
                     f"{len(v)} points"])

    # 11: Multiflow vs trajectory sampling
    tr = res[res["estimator"] == "trajectory"].set_index("point_hash")["mean_err_median"]
    mfm = mf.set_index("point_hash")["mean_err_median"] if not mf.empty else tr.iloc[0:0]
    ratio = (tr / mfm).dropna()
    if not ratio.empty:
        rate = effective_rate(data, mf["point_hash"])
        rows.append(["11", "Multiflow vs trajectory sampling (trajectory median / Multiflow "
                     "median, all flows)", "2-3x better at an equal packet sampling rate",
                     f"{ratio.min():.1f}-{ratio.max():.1f}x; sampling rates differ: trajectory "
                     f"1 % of packets, Multiflow {rate}",
                     "not comparable at equal rates in this sweep"])
    return rows


def ratio_max(both, e):
    r = both[both["estimator"] == "rli"].set_index("point_hash")["mean_err_median"]
    b = both[both["estimator"] == e].set_index("point_hash")["mean_err_median"]
    return (b / r).dropna().max()


def effective_rate(data, hashes):
    rates = []
    for h in hashes:
        s = sweepdb.summary_of(data, h)
        c = (s or {}).get("estimators", {}).get("multiflow", {}).get("counters", {})
        if "effective_packet_sampling_rate" in c:
            rates.append(c["effective_packet_sampling_rate"])
    if not rates:
        return "(rate not recorded)"
    return f"{100 * min(rates):.1f}-{100 * max(rates):.1f} % (2 x sampled flows / packets)"


def qualitative(data, facet):
    res = data.results[data.results["facet"] == facet]
    rli = res[res["estimator"] == "rli"]
    out = []
    s = rli.dropna(subset=["std_err_median", "mean_err_median"])
    if not s.empty:
        k = int((s["std_err_median"] > s["mean_err_median"]).sum())
        out.append(f"RLI's std error above its mean error (paper: yes): at {k} of {len(s)} "
                   f"points.")
    static = [p for p in data.policies() if p.startswith("static-") and p in set(rli["policy"])]
    if len(static) > 1:
        ns = sorted(static, key=lambda p: float(p.split("-")[1]))
        piv = rli[rli["policy"].isin(ns)].groupby(["trace", "util_target", "policy"])[
            "mean_err_median"].mean().unstack("policy")[ns]
        mono = int((piv.diff(axis=1).iloc[:, 1:] >= 0).all(axis=1).sum())
        out.append(f"RLI's error falls as n falls (more references; paper: yes): monotone in n "
                   f"at {mono} of {len(piv)} (trace, utilization) points.")
    mf = res[res["estimator"] == "multiflow"].dropna(subset=["mean_err_median_100"])
    if not mf.empty:
        k = int((mf["mean_err_median_100"] < mf["mean_err_median"]).sum())
        out.append(f"Multiflow improves with flow size (paper: yes): median error of flows >= 100 "
                   f"packets below that of all flows at {k} of {len(mf)} points.")
    m = rli.groupby(["policy", "util_target", "trace"])["mean_err_median"].mean().unstack()
    if {"sanj", "chic"} <= set(m.columns):
        k = int((m["sanj"] > m["chic"]).sum())
        out.append(f"RLI's error rises with burstiness (sanj above chic): at {k} of {len(m)} "
                   f"(policy, utilization) points.")
    return out


def wall_time_lines(data, timing):
    pts = data.points
    lines = []
    if "wall_s" in pts.columns and not pts.empty:
        span = (pd_time(pts["finished_at"]).max() - pd_time(pts["started_at"]).min())
        lines.append(f"- Sweep: {len(pts)} finished points; per-point wall time sums to "
                     f"{pts['wall_s'].sum():.0f} s (mean {pts['wall_s'].mean():.1f} s, max "
                     f"{pts['wall_s'].max():.1f} s); first start to last finish "
                     f"{span.total_seconds():.0f} s (spans any pause between resumed runs).")
        by = pts.groupby("policy")["wall_s"].mean()
        lines.append("- Mean wall time per point by policy: " +
                     ", ".join(f"{p} {by[p]:.1f} s" for p in data.policies() if p in by) + ".")
    inv = (timing or {}).get("invocations", [])
    if inv:
        lines.append("- Whole reproduction (scripts/reproduce-rli), every invocation; the last "
                     "one wrote this report, so its total stops here; an interrupted one counts "
                     "up to its last finished stage:\n")
        rows = []
        for e in inv:
            st = e.get("stages", {})
            rows.append([e.get("started", "?"), f"`{e.get('command', '')}`",
                         f"{st.get('traffic_s', st.get('traces_s', 0)):.0f}",
                         f"{st.get('sweep_s', 0):.0f}",
                         f"{st.get('figures_s', 0):.0f}", f"{e.get('total_s', 0):.0f}",
                         "yes" if e.get("complete") else "no"])
        lines.append(table(["started (UTC)", "command", "traffic (s)", "sweep (s)",
                            "figures (s)", "total (s)", "completed"], rows))
    return lines


def pd_time(col):
    import pandas as pd
    return pd.to_datetime(col, utc=True, errors="coerce")


def write_report(data, out, figures, timing, commands, burstiness=None, paper_claims=False):
    out = pathlib.Path(out)
    md = []
    pts = data.points
    names = [s[2] for s in sweepdb.sweep_texts(data) if s[2]]
    md.append(f"# Sweep report: {', '.join(dict.fromkeys(names)) or data.path}\n")
    runs = data.runs()
    present = set(data.results["estimator"])
    estimators = ", ".join(sweepdb.ESTIMATOR_NAMES.get(e, e) for e in sweepdb.ESTIMATOR_ORDER
                           if e in present)
    md.append(f"Database `{data.path}`: {len(pts)} finished points, {len(data.failed)} failed. "
              f"Traces: {', '.join(data.traces())}. Utilization targets: "
              f"{', '.join(f'{u:g}' for u in sorted(pts['util_target'].dropna().unique()))}. "
              f"RLI policies: {', '.join(data.policies())}. Estimators: {estimators}. "
              f"Runs per grid point: {runs}.\n")
    md.append("Errors are per-flow relative errors of the mean delay, |estimate - truth| / "
              "truth, over regular flows with at least one delivered packet; utilization is "
              "the achieved busy fraction of the egress port (the x axis of every figure). "
              "Cells with several runs show the mean and the (min-max) range.\n")
    if commands:
        md.append("## How this was produced\n")
        md.append("```sh\n" + "\n".join(commands) + "\n```\n")
    # Every sweep file of a --points grid (reproduce-rli runs three), else the last one run.
    texts = sweepdb.sweep_texts(data)
    for text, base, name in texts if getattr(data, "only", None) is not None else texts[-1:]:
        md.append(f"<details><summary>Sweep file {name} (base: {base})</summary>\n\n```toml\n"
                  f"{text.strip()}\n```\n</details>\n")
    md.append("## Wall time\n")
    md += [line for line in wall_time_lines(data, timing)]
    md.append("")
    if paper_claims:
        md += paper_claims_section(data, burstiness, figures, out)
        if figures:
            md.append("### Figures across facets\n")
            md += figure_lines(figures, out, "")
            md.append("")
    facets = data.facets()
    for facet in facets:
        if len(facets) > 1 or facet:
            md.append(f"# Facet: {facet}\n")
        if not paper_claims:
            md.append("## Comparison with the paper (estimators.md §6)\n")
            rows = comparison(data, facet)
            if rows:
                md.append(table(["#", "figure or claim", "paper", "ours", "verdict"], rows))
        md.append("Expected qualitative shapes (estimators.md §6):\n")
        md += [f"- {q}" for q in qualitative(data, facet)]
        if paper_claims:
            md.append("")
        else:
            md.append("\nSet-up differences that matter for the comparison: our traces are "
                  "synthetic CAIDA-like traces (`rlisim trace gen`), not the CAIDA CHIC/SANJ "
                  "captures; the link rate is scaled to reach each utilization; the buffer size, "
                  "trace dates and any added load of the paper are unknown, so delays here are "
                  "microseconds where the paper's interference reaches tens of milliseconds. "
                  "The NetFlow and Multiflow baselines run with their configured flow sampling "
                  "(configs/compare.toml's default 1.0: a record for every flow, see the cost "
                  "table), not with the sampled NetFlow the paper's comparison refers to.\n")
        md.append("## Figures\n")
        if figures:
            md += figure_lines(figures, out, facet)
            md.append("")
        for title, tab in [
                ("Median relative error of the per-flow mean (%), all flows",
                 series_table(data, facet, "mean_err_median")),
                ("Median relative error of the per-flow mean (%), flows of >= 100 packets",
                 series_table(data, facet, "mean_err_median_100")),
                ("p90 relative error of the per-flow mean (%), all flows",
                 series_table(data, facet, "mean_err_p90")),
                ("Median relative error of the per-flow std (%), flows of >= 2 packets",
                 series_table(data, facet, "std_err_median")),
                ("Coverage (% of flows with an estimate)",
                 series_table(data, facet, "flow_coverage")),
                ("Cost per run: measurement state (MiB, both taps) / export (MiB) / injected "
                 "packets; mean over the utilization points", cost_table(data, facet)),
                ("Reference overhead per policy (% of packets / % of bytes sent to the port)",
                 policy_table(data, facet, [("ref_packet_share", "pkts %", 100, "{:.3g}"),
                                            ("ref_byte_share", "bytes %", 100, "{:.3g}")])),
                ("Interference and loss (RLI, run with references vs the lock-step run "
                 "without); NI fraction = NI / flows whose mean changed",
                 interference_table(data, facet)),
                ("Loss-rate difference, with - without references (regular packets)",
                 policy_table(data, facet, [("loss_rate_difference", "diff", 1, "{:.2e}")]))]:
            if tab:
                md.append(f"### {title}\n")
                md.append(tab)
    if not data.failed.empty:
        md.append("## Failed points\n")
        md.append(table(["point", "repetition", "error (last line)"],
                        [[r.point_key, r.repetition, str(r.error).strip().splitlines()[-1:]]
                         for r in data.failed.itertuples()]))
    out.mkdir(parents=True, exist_ok=True)
    path = out / "report.md"
    path.write_text("\n".join(md) + "\n")
    return path


def figure_lines(figures, out, facet):
    """Links to the figures plot_sweep.py listed in figures.json for this facet, and the reason
    for each one it skipped."""
    manifest = pathlib.Path(figures) / "figures.json"
    if not manifest.is_file():
        return [f"- no figures.json in {figures}: run scripts/plot_sweep.py first"]
    listed = json.loads(manifest.read_text())
    rel = os.path.relpath(figures, out)
    lines = []
    for kind, what in FIGURES:
        for f in listed.get("figures", []):
            if f["facet"] == facet and f["kind"] == kind:
                lines.append(f"- {what}: [{f['name']}.png]({rel}/{f['name']}.png), "
                             f"[pdf]({rel}/{f['name']}.pdf)")
        for f in listed.get("skipped", []):
            if f["facet"] == facet and f["name"].startswith(kind):
                lines.append(f"- {what}: not drawn ({f['why']})")
    return lines



# --- The paper's claims at equal budgets (scripts/reproduce-rli) --------------------------

MAIN_BUFFER = "buffer=100 packets"


def _pct(v, digits=1):
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else \
        f"{100 * v:.{digits}f} %"


def _main(res):
    """Rows of the TCP traces at the shallow buffer: where every budget was run."""
    return res[(res["facet"] == MAIN_BUFFER) & ~res["trace"].str.contains("paced")]


def _ratio_rows(res):
    """One row per point that ran RLI and Multiflow: the two median errors and their ratio."""
    rli = res[res["estimator"] == "rli"].set_index("point_hash")
    mf = res[res["estimator"] == "multiflow"].set_index("point_hash")
    both = rli.index.intersection(mf.index)
    out = rli.loc[both, ["trace", "policy", "util_target", "facet", "utilization"] +
                  [c for c in sweepdb.POINT_DIAGNOSTICS if c in rli.columns]].copy()
    for col, tag in [("mean_err_median", ""), ("mean_err_median_100", "_100")]:
        out[f"rli{tag}"] = rli.loc[both, col]
        out[f"mf{tag}"] = mf.loc[both, col]
        out[f"ratio{tag}"] = mf.loc[both, col] / rli.loc[both, col]
    out["n"] = out["policy"].map(sweepdb.static_n)
    return out


def _bins(df, column, edges, what, fmt=_pct, name=None):
    """'median of `what` per bin of `column`': 'below 0.5: X (k points), 0.5-0.9: Y (...)'."""
    parts = []
    bounds = [-math.inf] + list(edges) + [math.inf]
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        v = df[(df[column] >= lo) & (df[column] < hi)][what].dropna()
        if v.empty:
            continue
        label = (f"below {hi:g}" if lo == -math.inf else f"{lo:g} and above"
                 if hi == math.inf else f"{lo:g}-{hi:g}")
        parts.append(f"{label} {fmt(v.median())} ({len(v)} points)")
    return (f"{name}: " if name else "") + ", ".join(parts)


def _med(v):
    """Median of the known values (NaN when none, without numpy's warning)."""
    v = v.dropna()
    return v.median() if len(v) else math.nan


def _num(v, fmt="{:.2f}"):
    """A value that a short trace may not have (a Hurst estimate needs enough blocks)."""
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else fmt.format(v)


def _times(v):
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.1f}x"


def claim_rows(data, burstiness):
    res = data.results
    main = _main(res)
    rli = main[main["estimator"] == "rli"]
    static100 = rli[rli["policy"] == "static-100"]
    rows = []

    # 1: RLI median error 10-12 %
    if not static100.empty:
        fig10 = static100[static100["util_target"] <= 0.9]
        inside = fig10[(fig10["mean_err_median"] >= 0.10) & (fig10["mean_err_median"] <= 0.12)]
        per = "; ".join(
            f"{t}: {rng(g['mean_err_median'], 100)} % (0.2-0.9), "
            f"{_pct(g[g['util_target'] == g['util_target'].max()]['mean_err_median'].mean())} "
            f"at {g['util_target'].max():g}"
            for t, g in static100.groupby("trace"))
        by_n = rli[rli["policy"].map(sweepdb.static_n).notna()].groupby("policy")[
            "mean_err_median"].median()
        reasons = ["budget: median over the points " + ", ".join(
            f"1/{sweepdb.static_n(p)} {_pct(v)}" for p, v in
            sorted(by_n.items(), key=lambda kv: sweepdb.static_n(kv[0])))]
        st = rli[rli["policy"].map(sweepdb.static_n).notna()]
        if "delay_acf_at_n" in rli.columns and rli["delay_acf_at_n"].notna().any():
            reasons.append(_bins(st, "delay_acf_at_n", [0.5, 0.9], "mean_err_median",
                                 name="delay autocorrelation at lag n (every budget)"))
        reasons.append(_bins(static100, "util_target", [0.5, 0.8, 0.95], "mean_err_median",
                             name="load (budget 1/100)"))
        corr = main[(main["estimator"] == "rli_corrected") & (main["policy"] == "static-100")]
        if not corr.empty:
            reasons.append(f"serialization: the same references with rli_corrected give "
                           f"{rng(corr['mean_err_median'], 100)} % (the uncorrected receiver "
                           f"charges each packet the trigger packet's transmission)")
        allbuf = res[(res["estimator"] == "rli") & (res["policy"] == "static-100") &
                     ~res["trace"].str.contains("paced")]
        if allbuf["facet"].nunique() > 1:
            parts = []
            for f, g in allbuf.groupby("facet"):
                high = g[g["util_target"] >= 0.9]["mean_err_median"]
                parts.append(f"{f.split('=', 1)[-1]} {_pct(_med(g['mean_err_median']))} / "
                             f"{_pct(_med(high))}")
            reasons.append("buffer (budget 1/100), median over the points / at load >= 0.9: " +
                           ", ".join(parts))
        paced = res[(res["estimator"] == "rli") & (res["policy"] == "static-100") &
                    res["trace"].str.contains("paced")]
        if not paced.empty:
            reasons.append(f"burstiness: evenly paced flows (budget 1/100) "
                           f"{_pct(paced['mean_err_median'].median())} median over the points")
        for t, g in static100.groupby("trace"):
            g = g.sort_values("util_target")
            inband = g[(g["mean_err_median"] >= 0.10) & (g["mean_err_median"] <= 0.12)]
            above = g[g["mean_err_median"] > 0.12]["util_target"]
            below = g[g["mean_err_median"] < 0.10]["util_target"]
            if not inband.empty:
                reasons.append(f"{t}: inside 10-12 % at " + ", ".join(
                    f"{u:g}" for u in inband["util_target"]))
            elif not above.empty and not below.empty and above.max() < below.min():
                reasons.append(f"{t}: the error passes 10-12 % between utilization "
                               f"{above.max():g} and {below.min():g}")
        flows100 = rng(static100["mean_err_median_100"], 100)
        reasons.append(f"flow filter: flows of >= 100 packets {flows100} %")
        verdict = ("reproduced" if len(inside) * 2 >= len(fig10) else "not reproduced") + \
            f": {len(inside)} of {len(fig10)} points at 0.2-0.9 inside 10-12 %"
        rows.append(["1", "RLI median per-flow relative error (receiver `rli`, budget 1/100, "
                     "all flows, buffer 100 packets)", "10-12 %", per, verdict,
                     "; ".join(reasons)])

    # 2: one to two orders of magnitude better than Multiflow
    rr = _ratio_rows(res)
    tcp = rr[~rr["trace"].str.contains("paced") & rr["n"].notna()]
    rm = tcp[tcp["facet"] == MAIN_BUFFER]
    if not tcp.empty:
        ok = tcp[tcp["ratio"] >= 10]
        ok100 = tcp[tcp["ratio_100"] >= 10]
        per = "; ".join(
            f"100 packets, 1/{int(n)}: {_times(g['ratio'].min())}-{_times(g['ratio'].max())} "
            f"(>= 100 pkts {_times(g['ratio_100'].min())}-{_times(g['ratio_100'].max())})"
            for n, g in rm.groupby("n"))
        for facet, g in tcp[tcp["facet"] != MAIN_BUFFER].groupby("facet"):
            for n, h in g.groupby("n"):
                per += (f"; {facet.split('=', 1)[-1]}, 1/{int(n)}: "
                        f"{_times(h['ratio'].min())}-{_times(h['ratio'].max())} (>= 100 pkts "
                        f"{_times(h['ratio_100'].min())}-{_times(h['ratio_100'].max())})")
        reasons = []
        pc = rr[rr["trace"].str.contains("paced") & rr["n"].notna()]
        if not pc.empty:
            # Like for like: the paced variant's budgets and buffer.
            same = rm[rm["n"].isin(set(pc["n"])) & (rm["facet"].isin(set(pc["facet"])))]
            hi_t, hi_p = same[same["util_target"] >= 0.9], pc[pc["util_target"] >= 0.9]
            reasons.append(
                "burstiness (budgets " + ", ".join(f"1/{int(n)}" for n in sorted(set(pc["n"])))
                + ", 100 packets): median ratio all flows / >= 100 pkts on TCP-shaped flows "
                f"{_times(_med(same['ratio']))} / {_times(_med(same['ratio_100']))} (load >= "
                f"0.9: {_times(_med(hi_t['ratio']))} / {_times(_med(hi_t['ratio_100']))}), on "
                f"evenly paced flows {_times(_med(pc['ratio']))} / "
                f"{_times(_med(pc['ratio_100']))} (load >= 0.9: {_times(_med(hi_p['ratio']))} / "
                f"{_times(_med(hi_p['ratio_100']))})")
            if burstiness:
                reasons[-1] += " (median CoV of inter-packet gaps, flows >= 100 packets: " + \
                    ", ".join(f"{t} {_num(b['gap_cov_ge100'])}" for t, b in sorted(
                        burstiness.items()) if b.get("gap_cov_ge100") is not None) + ")"
        reasons.append("budget (100 packets): median ratio " + ", ".join(
            f"1/{int(n)} {_times(_med(g['ratio']))}" for n, g in rm.groupby("n")))
        if "delay_acf_at_n" in tcp.columns and tcp["delay_acf_at_n"].notna().any():
            reasons.append(_bins(tcp, "delay_acf_at_n", [0.5, 0.9, 0.99], "ratio", _times,
                                 "delay autocorrelation at lag n, median ratio"))
        reasons.append(_bins(rm, "util_target", [0.5, 0.8, 0.95], "ratio", _times,
                             "load (100 packets), median ratio"))
        hi = tcp[tcp["util_target"] >= 0.95]
        if hi["facet"].nunique() > 1:
            reasons.append("buffer (load >= 0.95), median ratio all flows / >= 100 pkts: " +
                           ", ".join(f"{f.split('=', 1)[-1]} {_times(_med(g['ratio']))} / "
                                     f"{_times(_med(g['ratio_100']))}"
                                     for f, g in hi.groupby("facet")))
        corr = res[res["estimator"] == "rli_corrected"].set_index("point_hash")
        both = tcp.index.intersection(corr.index)
        if len(both):
            rc = tcp.loc[both, "mf"] / corr.loc[both, "mean_err_median"]
            reasons.append(f"serialization: against rli_corrected the median ratio is "
                           f"{_times(rc.median())}, >= 10x at {int((rc >= 10).sum())} of "
                           f"{len(rc)} points")
        share = len(ok) / len(tcp)
        verdict = ("reproduced" if share >= 0.5 else "not reproduced") + \
            f": Multiflow's median error is >= 10x RLI's at {len(ok)} of {len(tcp)} points " \
            f"(all flows), {len(ok100)} of {len(tcp)} (flows >= 100 packets): " + \
            (", ".join(f"{f.split('=', 1)[-1]} at " + ", ".join(
                f"{u:g}" for u in sorted(g["util_target"].unique()))
                for f, g in ok.groupby("facet")) or "nowhere")
        rows.append(["2", "RLI vs Multiflow at an equal budget (Multiflow median / RLI median, "
                     "same packets, TCP-shaped flows, every budget and buffer)",
                     "one to two orders of magnitude", per, verdict, "; ".join(reasons)])

    # 6: loss-rate difference at about 0.8
    rl = res[(res["estimator"] == "rli") & res["loss_rate_difference"].notna()]
    if not rl.empty:
        near = min(sorted(rl["util_target"].unique()), key=lambda u: abs(u - 0.8))
        at = rl[rl["util_target"] == near]
        parts, over = [], []
        for (facet, trace, policy), g in at.groupby(["facet", "trace", "policy"]):
            v = g["loss_rate_difference"].mean()
            parts.append(f"{facet.split('=', 1)[-1]} {trace} {policy}: {v:.1e}")
            if v > 1e-5:
                over.append((facet, trace, policy))
        reasons = []
        for facet, g in at.groupby("facet"):
            reasons.append(f"buffer {facet.split('=', 1)[-1]}: loss without references "
                           f"{rng(g['loss_rate_without'], 1, '{:.1e}')}, with "
                           f"{rng(g['loss_rate_with'], 1, '{:.1e}')}")
        b10 = at[at["policy"] == "static-10"]["loss_rate_difference"]
        b100 = at[at["policy"] == "static-100"]["loss_rate_difference"]
        if not b10.empty and not b100.empty:
            reasons.append(f"budget: mean difference {b10.mean():.1e} at 1/10, "
                           f"{b100.mean():.1e} at 1/100")
        for facet, g in rl.groupby("facet"):
            lossy = g[g["loss_rate_without"] > 0]["util_target"]
            top = g[g["util_target"] == g["util_target"].max()]
            reasons.append(f"load ({facet.split('=', 1)[-1]}): "
                           + (f"first loss without references at {lossy.min():g}; "
                              if not lossy.empty else "no loss at any load; ")
                           + f"at {g['util_target'].max():g} loss "
                           f"{top['loss_rate_without'].max():.1e}, difference up to "
                           f"{top['loss_rate_difference'].max():.1e}")
        s100 = [o for o in over if o[2] == "static-100"]
        lossless = not (at["loss_rate_without"] > 0).any() and not (at["loss_rate_with"] > 0).any()
        verdict = ("reproduced" if not s100 else "not reproduced") + \
            (" (trivially: no regular packet is lost at this load, with or without references)"
             if lossless else "") + \
            f" at budget 1/100: within 1e-5 at {near:g} for " \
            f"{len(at[at['policy'] == 'static-100']) - len(s100)} of " \
            f"{len(at[at['policy'] == 'static-100'])} (buffer, trace) points" + \
            (f"; exceeded at {', '.join(f'{f.split(chr(61), 1)[-1]} {t} {p}' for f, t, p in over)}"
             if over else "")
        higher = rl[(rl["util_target"] > near) & (rl["policy"] == "static-100")]
        if not higher.empty:
            nxt = higher["util_target"].min()
            h = higher[higher["util_target"] == nxt]
            verdict += (f"; at the next load, {nxt:g}, the difference is "
                        f"{h['loss_rate_difference'].min():.1e} to "
                        f"{h['loss_rate_difference'].max():.1e}, above 1e-5 for "
                        f"{int((h['loss_rate_difference'] > 1e-5).sum())} of {len(h)}")
        rows.append(["6", "Loss-rate difference, regular packets with - without references "
                     f"(at target {near:g})", "<= 1e-5 (0.001 %) at ~0.8, both traces",
                     "; ".join(parts), verdict, "; ".join(reasons)])

    # 4: about 10 % of flows with negative interference at high utilization
    ri = res[(res["estimator"] == "rli") & res["interference_flows"].notna()]
    if not ri.empty:
        top = ri["util_target"].max()
        at = ri[ri["util_target"] == top].copy()
        at["ni_all"] = at["interference_negative"] / at["interference_flows"]
        parts, fracs = [], []
        for (facet, trace, policy), g in at.groupby(["facet", "trace", "policy"]):
            fracs.append(g["ni_all"].mean())
            parts.append(f"{facet.split('=', 1)[-1]} {trace} {policy}: "
                         f"{_pct(g['ni_all'].mean())} of flows "
                         f"({_pct(g['negative_fraction'].mean())} of changed), max abs delta "
                         f"{g['max_abs_delta_s'].max() * 1e6:.0f} us")
        close = [f for f in fracs if 0.05 <= f <= 0.15]
        reasons = []
        for facet, g in at.groupby("facet"):
            reasons.append(f"buffer {facet.split('=', 1)[-1]}: fate changes "
                           f"{rng(g['fate_changes'], 1, '{:.0f}')}, loss without references "
                           f"{rng(g['loss_rate_without'], 1, '{:.1e}')}, largest change "
                           f"{g['max_abs_delta_s'].max() * 1e6:.0f} us (paper: 20-30 ms)")
        r100 = ri[(ri["facet"] == MAIN_BUFFER) & (ri["policy"] == "static-100")]
        if not r100.empty:
            share = (r100["interference_negative"] / r100["interference_flows"]).groupby(
                r100["util_target"]).mean()
            reasons.append("load (budget 1/100, 100 packets): NI share of flows " + ", ".join(
                f"{u:g} {_pct(v)}" for u, v in share.items() if u >= 0.7))
        # The paper's "high utilization" is not given: say at which loads the share is near
        # 10 % (budget 1/100, every buffer and trace).
        hi = ri[(ri["util_target"] >= 0.9) & (ri["policy"] == "static-100")].copy()
        hi["ni_all"] = hi["interference_negative"] / hi["interference_flows"]
        near10 = hi[(hi["ni_all"] >= 0.05) & (hi["ni_all"] <= 0.15)]
        where = ", ".join(f"{f.split('=', 1)[-1]} {t} at {u:g} ({_pct(v)})" for f, t, u, v in
                          near10[["facet", "trace", "util_target", "ni_all"]].itertuples(
                              index=False))
        md = at["max_abs_delta_s"].max()
        verdict = (("reproduced" if len(close) * 2 >= len(fracs) else "not reproduced") +
                   f" at {top:g}: NI share of flows within 5-15 % at {len(close)} of "
                   f"{len(fracs)} (buffer, trace, budget) points; near 10 % (budget 1/100, "
                   f"load >= 0.9) only for {where or 'none'}; the magnitude is not: largest "
                   f"change {md * 1e6:.0f} us against 20-30 ms")
        rows.append(["4", f"Flows with negative interference at the highest utilization "
                     f"({top:g})", "about 10 % of flows; some move by 20-30 ms",
                     "; ".join(parts), verdict, "; ".join(reasons)])
    return rows


def equal_budget_tables(data, utils=(0.3, 0.6, 0.9, 0.98)):
    """Per budget: rows (trace, utilization), a column per estimator, cells 'all / >= 100'."""
    res = _main(data.results)
    out = []
    for p in sorted({p for p in res["policy"] if sweepdb.static_n(p)}, key=sweepdb.static_n):
        rp = res[res["policy"] == p]
        est = [e for e in sweepdb.ESTIMATOR_ORDER if e in set(rp["estimator"])]
        rows = []
        for trace in sorted(rp["trace"].unique()):
            for u in utils:
                h = rp[(rp["trace"] == trace) & (rp["util_target"].round(4) == u)]
                if h.empty:
                    continue
                row = [trace, f"{u:g}", f"{h['utilization'].mean():.3f}"]
                for e in est:
                    he = h[h["estimator"] == e]
                    row.append(f"{cell(he['mean_err_median'], 100)} / "
                               f"{cell(he['mean_err_median_100'], 100)}")
                spent = h[h["estimator"].isin(["rli", "multiflow", "trajectory"])]
                row.append(" / ".join(f"{v:.4f}" for v in spent.groupby("estimator")[
                    "samples_per_packet"].mean().reindex(["rli", "multiflow", "trajectory"])
                    .dropna()))
                rows.append(row)
        if rows:
            out.append((sweepdb.static_n(p), table(
                ["trace", "target", "achieved"] + [sweepdb.ESTIMATOR_NAMES.get(e, e) for e in est]
                + ["samples/pkt spent (RLI / Multiflow / trajectory)"], rows)))
    return out


def adaptive_table(data):
    """Each adaptive point beside the static point of the nearest spent budget (same trace,
    utilization and buffer): RLI against RLI, and Multiflow at that budget against it."""
    res = data.results
    rli = res[res["estimator"] == "rli"]
    ada = rli[rli["policy"].str.startswith("adaptive")]
    if ada.empty or "samples_per_packet" not in rli.columns:
        return None
    rows = []
    for _, a in ada.sort_values(["trace", "policy", "util_target"]).iterrows():
        same = res[(res["trace"] == a["trace"]) & (res["util_target"] == a["util_target"]) &
                   (res["facet"] == a["facet"]) & res["policy"].map(sweepdb.static_n).notna()]
        st = same[same["estimator"] == "rli"].dropna(subset=["samples_per_packet"])
        if st.empty or not a["samples_per_packet"] > 0:
            continue
        near = st.iloc[(np.log(st["samples_per_packet"]) -
                        math.log(a["samples_per_packet"])).abs().argsort().iloc[0]]
        mf = same[(same["estimator"] == "multiflow") & (same["policy"] == near["policy"])]
        rows.append([a["trace"], f"{a['util_target']:g}", a["policy"],
                     f"{a['samples_per_packet']:.4f}", _pct(a["mean_err_median"]),
                     _pct(a["mean_err_median_100"]), near["policy"],
                     _pct(near["mean_err_median"]), _pct(near["mean_err_median_100"]),
                     _pct(mf["mean_err_median"].mean()) if not mf.empty else "-"])
    return table(["trace", "target", "policy", "samples/pkt spent", "RLI all", "RLI >= 100",
                  "nearest static", "static RLI all", "static RLI >= 100",
                  "Multiflow all (that budget)"], rows) if rows else None


def receivers_table(data):
    res = _main(data.results)
    r = res[res["estimator"].isin(sweepdb.RLI_ESTIMATORS) & (res["policy"] == "static-100")]
    if r.empty:
        return None
    rows = []
    for (trace, u), g in r.groupby(["trace", "util_target"]):
        row = [trace, f"{u:g}"]
        for e in sweepdb.RLI_ESTIMATORS:
            h = g[g["estimator"] == e]
            row += [cell(h["mean_err_median"], 100), cell(h["mean_err_median_100"], 100)]
        rows.append(row)
    return table(["trace", "target", "rli all", "rli >= 100", "rli_corrected all",
                  "rli_corrected >= 100"], rows)


def diagnostics_table(data, burstiness):
    pts = data.points
    if "delay_acf_at_n" not in pts.columns:
        return None
    rows = []
    for (facet, trace, u), g in pts[pts["policy"].map(sweepdb.static_n).notna()].groupby(
            ["facet", "trace", "util_target"]):
        row = [facet.split("=", 1)[-1], trace, f"{u:g}", f"{g['loss_rate'].mean():.1e}",
               cell(g["delay_acf_lag_100"], 1, "{:.2f}")]
        for p in sorted(g["policy"].unique(), key=sweepdb.static_n):
            row.append(f"1/{sweepdb.static_n(p)}: "
                       f"{cell(g[g['policy'] == p]['delay_acf_at_n'], 1, '{:.2f}')}")
        rows.append(row[:5] + [", ".join(row[5:])])
    return table(["buffer", "trace", "target", "loss", "delay ACF lag 100",
                  "delay ACF at lag n (per budget)"], rows)


def paper_claims_section(data, burstiness, figures, out):
    md = ["## The paper's claims at equal budgets (estimators.md §6)\n",
          "Every sampling estimator spends the same budget of exact delay samples per regular "
          "packet: RLI static 1-in-n injects one reference per n packets (budget 1/n), "
          "trajectory sampling keeps 1/n of the packets, NetFlow/Multiflow sample flows so that "
          "their first and last packets number 1/n of the packets ([compare] budget); LDA has no "
          "per-packet sample and runs as configured. Traffic: TCP-shaped synthetic CHIC and "
          "SANJ (windows per round trip, back to back), offered to a 10 Gb/s port whose rate "
          "is kept (`scale_source`: more load means more flows). The paper's receiver adds no "
          "serialization correction: its estimator is `rli`, which the claims use; "
          "`rli_corrected` (rlisim's correction, same references) is shown beside it.\n",
          "Verdicts are computed from the numbers in the row, never adjusted; the last column "
          "gives the measured conditions the result depends on.\n",
          "Set-up differences: the traffic is synthetic (rlisim's CHIC and SANJ profiles), not "
          "the CAIDA captures; the paper's buffer, trace dates and any added load are unknown, "
          "so the grid sweeps the buffer (100 packets, 10 and 50 ms); delays here are "
          "microseconds at 10 Gb/s, where the paper's interference reaches tens of "
          "milliseconds.\n"]
    rows = claim_rows(data, burstiness)
    if rows:
        md.append(table(["#", "claim", "paper", "ours", "verdict", "measured reason"], rows))
    ada = adaptive_table(data)
    if ada:
        md.append("### Adaptive presets at the budget they spent\n")
        md.append("An adaptive preset sets its own reference rate from the load, so its budget "
                  "is what it spent (references per regular packet). It is compared with the "
                  "static policy of the nearest spent budget (closest in log scale) on the "
                  "same packets, and with Multiflow at that static budget.\n")
        md.append(ada)
    tabs = equal_budget_tables(data)
    if tabs:
        md.append("### Median error at equal budget (%, all flows / flows of >= 100 packets; "
                  "TCP-shaped flows, buffer 100 packets)\n")
        for n, tab in tabs:
            md.append(f"Budget 1/{n} (RLI static 1-in-{n}):\n")
            md.append(tab)
    rt = receivers_table(data)
    if rt:
        md.append("### RLI's two receivers on the same references (%, budget 1/100)\n")
        md.append("`rli` is the paper's receiver (no serialization correction); "
                  "`rli_corrected` adds each packet's own transmission time minus the "
                  "reference's.\n")
        md.append(rt)
    if burstiness:
        md.append("### Per-flow burstiness of each traffic variant (rlisim trace stats)\n")
        md.append(table(["trace", "flow model", "median gap CoV, flows >= 10",
                         "median gap CoV, flows >= 100", "share of packets in trains "
                         "(>= 100)", "Hurst"],
                        [[t, b["flow_model"]] +
                         [_num(b.get(k)) for k in ("gap_cov_ge10", "gap_cov_ge100",
                                                   "train_share_ge100", "hurst")]
                         for t, b in sorted(burstiness.items())]))
    dt = diagnostics_table(data, burstiness)
    if dt:
        md.append("### Delay autocorrelation and loss per point\n")
        md.append(dt)
    return md


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("db", help="results database of rlisim sweep")
    p.add_argument("--out", required=True, help="folder for report.md")
    p.add_argument("--figures", help="folder of plot_sweep.py's figures, linked from the report")
    p.add_argument("--timing", help="timing.json of scripts/reproduce-rli (whole wall time)")
    p.add_argument("--command", action="append", default=[],
                   help="a command that produced the results, listed in the report")
    p.add_argument("--points", help="file of point hashes to report (default: every point)")
    p.add_argument("--burstiness", help="per-trace burstiness JSON (reproduce-rli's "
                   "traffic/burstiness.json)")
    p.add_argument("--paper-claims", action="store_true",
                   help="the RLI paper's claims at equal budgets (a reproduce-rli database: "
                   "RLI static n with the baselines at budget 1/n) instead of the generic "
                   "comparison")
    p.add_argument("--trace-param")
    p.add_argument("--util-param")
    p.add_argument("--policy-param")
    args = p.parse_args(argv)
    data = sweepdb.load(p, args)
    if isinstance(data, int):
        return data
    timing = None
    if args.timing and pathlib.Path(args.timing).is_file():
        timing = json.loads(pathlib.Path(args.timing).read_text())
    burstiness = None
    if args.burstiness and pathlib.Path(args.burstiness).is_file():
        burstiness = json.loads(pathlib.Path(args.burstiness).read_text())
    path = write_report(data, args.out, args.figures, timing, args.command, burstiness,
                        args.paper_claims)
    print(f"sweep_report: wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
