#!/usr/bin/python3
"""Figures of an `rlisim sweep` results database: RLI and the baselines across utilization.

  scripts/plot_sweep.py results/rli-reproduce/results.sqlite --out results/rli-reproduce/figures

Writes PNG and PDF files into --out (one set per facet: parameters other than trace,
utilization and policy, such as a buffer axis):

  a_error_cdf_<trace>   per-flow relative error CDFs, one panel per utilization, a line per
                        estimator (RLI: per policy); all flows and flows of >= 100 packets
  b_median_error        median per-flow relative error against achieved utilization, a panel
                        per trace (mean over runs, with the min-max spread when there are several)
  c_overhead            reference bandwidth overhead (byte and packet share, log y) per policy
                        and trace against achieved utilization
  d_interference_cdf    CDF of |delta| (true mean delay with references - without) for flows
                        with positive (PI) and negative (NI) interference, per trace, at the
                        highest utilization (log x); a panel per policy
  e_loss_difference     regular-packet loss rate with references minus without, against
                        achieved utilization, per trace and policy; plus both loss rates
  f_equal_budget        when the baselines ran at several budgets (a [compare] budget per
                        static RLI policy): median error against utilization, a row of panels
                        per budget 1/n and a column per trace, a line per estimator; all flows
                        and flows of >= 100 packets
  g_sensitivity         Multiflow / RLI median-error ratio at equal budget against per-flow
                        burstiness (--burstiness: median CoV of inter-packet gaps per trace)
                        and against the delay autocorrelation at RLI's reference spacing

With baselines at several budgets, figure a shows one policy (--cdf-policy, default
static-100) and figure b shows RLI's policies only (the baselines are in f). --points FILE
keeps only the listed point hashes (the points of one grid), so a database that also holds
other grids draws only this one.

A figure without data (no baselines, interference off, no drops) is skipped with a message.
Needs Debian's python3-pandas and python3-matplotlib (run with /usr/bin/python3).
"""
import argparse
import json
import pathlib
import re
import sys

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
    import sweepdb
except ImportError as e:
    sys.exit(f"plot_sweep: {e}: needs Debian's python3-pandas and python3-matplotlib; run it "
             f"with /usr/bin/python3 (this is {sys.executable})")

TRACE_STYLES = ["-", "--", ":", "-."]
MARKERS = ["o", "s", "^", "v", "D", "P", "X", "*"]
LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1))]
ERR_FLOOR = 1e-4  # relative errors below this (exact estimates) are drawn at it
LOSS_LINTHRESH = 1e-7  # loss-rate differences: linear within +-1e-7 (one lost packet in 1e7)


class Plotter:
    def __init__(self, data, out, cdf_utils=None, cdf_policy=None, burstiness=None):
        self.data = data
        self.burstiness = burstiness or {}
        # Baselines at several budgets: the figures that pool policies show one of them.
        res = data.results
        based = sorted(set(res[~res["estimator"].isin(sweepdb.RLI_ESTIMATORS)]["policy"]))
        self.multi_budget = len(based) > 1
        self.cdf_policy = cdf_policy or (
            ("static-100" if "static-100" in based else based[0]) if self.multi_budget else None)
        self.out = pathlib.Path(out)
        self.cdf_utils = cdf_utils
        self.written = []
        self.skipped = []
        self.facet = ""
        self.color = series_colors(data.series_order())
        pcmap = plt.get_cmap("tab10")
        self.policy_color = {p: pcmap(i % 10) for i, p in enumerate(data.policies())}
        self.trace_style = {t: TRACE_STYLES[i % len(TRACE_STYLES)]
                            for i, t in enumerate(data.traces())}

    def skip(self, name, why):
        self.skipped.append({"name": name, "facet": self.facet, "why": why})
        print(f"plot_sweep: skipping {name}: {why}", file=sys.stderr)

    def save(self, fig, name, title, legend_axes=None, legend_title=None):
        """Titles the figure, adds one legend for all of `legend_axes`, lays out, writes it."""
        if legend_axes is not None:
            handles, labels = unique_legend(legend_axes)
            fig.legend(handles, labels, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8,
                       title=legend_title)
        fig.suptitle(title, fontsize=10)
        fig.tight_layout()
        self.out.mkdir(parents=True, exist_ok=True)
        for ext in ("png", "pdf"):
            path = self.out / f"{name}.{ext}"
            fig.savefig(path, dpi=130 if ext == "png" else None, bbox_inches="tight")
        self.written.append({"name": name, "facet": self.facet, "kind": name[0]})
        plt.close(fig)
        print(f"plot_sweep: wrote {self.out / name}.png/.pdf", file=sys.stderr)

    def all(self):
        for facet in self.data.facets():
            self.facet = facet
            suffix = facet_suffix(facet)
            for trace in self.data.traces():
                self.error_cdfs(facet, trace, suffix)
            self.median_error(facet, suffix)
            self.overhead(facet, suffix)
            self.interference(facet, suffix)
            self.loss_difference(facet, suffix)
            self.equal_budget(facet, suffix)
        self.facet = ""
        self.sensitivity()
        self.out.mkdir(parents=True, exist_ok=True)
        manifest = {"figures": self.written, "skipped": self.skipped}
        (self.out / "figures.json").write_text(json.dumps(manifest, indent=1) + "\n")

    # (a) per-flow relative-error CDFs
    def error_cdfs(self, facet, trace, suffix):
        name = f"a_error_cdf_{safe(trace)}{suffix}"
        pts = self.data.points
        sel = pts[(pts["facet"] == facet) & (pts["trace"] == trace)]
        cdfs = self.data.cdfs.merge(sel[["point_hash", "util_target", "policy"]], on="point_hash")
        cdfs = cdfs[cdfs["metric"] == "mean_rel_err"]
        if self.cdf_policy:
            cdfs = cdfs[cdfs["policy"] == self.cdf_policy]
        if cdfs.empty:
            return self.skip(name, f"no per-flow error CDFs for trace {trace}")
        cdfs = cdfs.assign(series=sweepdb.series_labels(cdfs))
        utils = pick_utils(sorted(cdfs["util_target"].dropna().unique()), self.cdf_utils)
        classes = [c for c in (1, 100) if not cdfs[cdfs["min_packets"] == c].empty]
        # Up to where the slowest curve passes 99.5 % (the last flows' errors reach 1000s of %).
        body = cdfs[cdfs["fraction"] <= 0.995]["x"]
        xmax = 10 ** np.ceil(np.log10(max(1.0, body.max() if not body.empty else 1.0)))
        grid = np.logspace(np.log10(ERR_FLOOR), np.log10(xmax), 400)
        fig, axes = plt.subplots(len(classes), len(utils), squeeze=False, sharex=True,
                                 sharey=True, figsize=(3.6 * len(utils) + 1.5, 3.2 * len(classes)))
        order = self.data.series_order(cdfs)
        # The series of one policy are labelled without it: colour them among themselves.
        color = series_colors(order) if self.cdf_policy else self.color
        for r, cls in enumerate(classes):
            for c, u in enumerate(utils):
                ax = axes[r][c]
                here = cdfs[(cdfs["min_packets"] == cls) & (cdfs["util_target"] == u)]
                achieved = sel[sel["util_target"] == u]["utilization"].mean()
                for i, s in enumerate([s for s in order if s in set(here["series"])]):
                    rows = here[here["series"] == s]
                    y = sweepdb.cdf_on_grid(rows, grid)
                    ax.plot(grid, y, color=color.get(s, "0.3"), label=s, lw=1.4,
                            ls=LINESTYLES[i % len(LINESTYLES)])
                ax.set_xscale("log")
                ax.set_xlim(ERR_FLOOR, xmax)
                ax.set_ylim(0, 1.01)
                ax.axvline(0.1, color="0.6", lw=0.6, ls=":")
                ax.grid(True, which="major", alpha=0.3)
                cls_text = "all flows" if cls == 1 else f"flows >= {cls} packets"
                ax.set_title(f"target {u:g} (achieved {achieved:.2f}), {cls_text}", fontsize=9)
                if r == len(classes) - 1:
                    ax.set_xlabel("per-flow relative error of the mean delay")
                if c == 0:
                    ax.set_ylabel("fraction of flows (CDF)")
        policy = f", policy {self.cdf_policy} (equal budget)" if self.cdf_policy else ""
        self.save(fig, name,
                  f"Per-flow relative error CDF, trace {trace}{facet_title(facet)}{policy}"
                  f"{runs_note(sel)}\n(errors below {sci(ERR_FLOOR)} drawn at {sci(ERR_FLOOR)}; "
                  f"dotted line: 10 %)", legend_axes=axes)

    # (b) median error against utilization
    def median_error(self, facet, suffix):
        name = f"b_median_error{suffix}"
        res = self.data.results[self.data.results["facet"] == facet]
        if self.multi_budget:
            # One line per policy of the paper's receiver; every estimator is in figure f.
            res = res[res["estimator"] == "rli"]
        metrics = [(m, t) for m, t in [("mean_err_median", "all flows"),
                                       ("mean_err_median_100", "flows >= 100 packets")]
                   if m in res.columns and res[m].notna().any()]
        if res.empty or not metrics:
            return self.skip(name, "no median errors in the database")
        traces = sorted(res["trace"].unique())
        fig, axes = plt.subplots(len(metrics), len(traces), squeeze=False, sharex=True,
                                 figsize=(4.6 * len(traces) + 1.8, 3.4 * len(metrics)))
        multi = False
        for r, (metric, what) in enumerate(metrics):
            for c, trace in enumerate(traces):
                ax = axes[r][c]
                agg = sweepdb.aggregate(res[res["trace"] == trace],
                                        ["series", "util_target"], metric)
                for i, s in enumerate(self.data.series_order(res)):
                    a = agg[agg["series"] == s].sort_values("utilization")
                    if a.empty:
                        continue
                    multi = multi or a["n"].max() > 1
                    draw_line(ax, a, 100.0, self.color.get(s, "0.3"), MARKERS[i % len(MARKERS)],
                              s, ls=LINESTYLES[i % len(LINESTYLES)])
                log_axis(ax.yaxis)
                ax.grid(True, which="both", alpha=0.3)
                ax.set_title(f"trace {trace}: {what}", fontsize=9)
                if r == len(metrics) - 1:
                    ax.set_xlabel("achieved utilization of the egress port")
                if c == 0:
                    ax.set_ylabel("median per-flow relative error\nof the mean delay (%)")
        spread = "; mean over runs, bars: min-max" if multi else ""
        what = ("RLI (the paper's receiver) per policy" if self.multi_budget
                else "per estimator and RLI policy")
        self.save(fig, name,
                  f"Median per-flow relative error vs utilization, {what}{facet_title(facet)}"
                  f"{spread}", legend_axes=axes)

    # (c) reference overhead against utilization
    def policy_trace_lines(self, ax, agg):
        """One line per (policy, trace) of an aggregate over policy, trace and util_target:
        colour by policy, line style by trace. True if any point averages several runs."""
        multi = False
        for i, p in enumerate(self.data.policies()):
            for t in self.data.traces():
                a = agg[(agg["policy"] == p) & (agg["trace"] == t)].sort_values("utilization")
                if a.empty:
                    continue
                multi = multi or a["n"].max() > 1
                draw_line(ax, a, 1.0, self.policy_color[p], MARKERS[i % len(MARKERS)],
                          f"{p}, {t}", ls=self.trace_style[t])
        return multi

    def overhead(self, facet, suffix):
        name = f"c_overhead{suffix}"
        res = self.data.results
        rli = res[(res["facet"] == facet) & (res["estimator"] == "rli")]
        metrics = [(m, t) for m, t in [("ref_byte_share", "byte share"),
                                       ("ref_packet_share", "packet share")]
                   if m in rli.columns and (rli[m] > 0).any()]
        if rli.empty or not metrics:
            return self.skip(name, "no RLI reference overhead in the database")
        fig, axes = plt.subplots(1, len(metrics), squeeze=False,
                                 figsize=(5.2 * len(metrics) + 2, 4))
        multi = False
        for c, (metric, what) in enumerate(metrics):
            ax = axes[0][c]
            agg = sweepdb.aggregate(rli[rli[metric] > 0], ["policy", "trace", "util_target"],
                                    metric)
            multi = self.policy_trace_lines(ax, agg) or multi
            log_axis(ax.yaxis)
            ax.grid(True, which="both", alpha=0.3)
            ax.set_xlabel("achieved utilization of the egress port")
            ax.set_ylabel(f"reference {what}\n(references / all {what.split()[0]}s sent)")
            ax.set_title(f"RLI reference overhead: {what}", fontsize=9)
        self.save(fig, name,
                  f"Reference bandwidth overhead vs utilization{facet_title(facet)}"
                  f"{'; mean over runs, bars: min-max' if multi else ''}",
                  legend_axes=axes, legend_title="policy, trace")

    # (d) interference CDFs at the highest utilization
    def interference(self, facet, suffix):
        name = f"d_interference_cdf{suffix}"
        pts = self.data.points[self.data.points["facet"] == facet]
        cdfs = self.data.cdfs[self.data.cdfs["metric"].isin(
            ["interference_positive_s", "interference_negative_s"])]
        cdfs = cdfs.merge(pts[["point_hash", "trace", "util_target", "policy", "utilization"]],
                          on="point_hash")
        if cdfs.empty:
            return self.skip(name, "no interference CDFs (rli.interference off, or no flow "
                             "changed its mean delay)")
        top = cdfs["util_target"].max()
        cdfs = cdfs[cdfs["util_target"] == top]
        res = self.data.results
        counts = res[(res["facet"] == facet) & (res["estimator"] == "rli")
                     & (res["util_target"] == top)]
        policies = [p for p in self.data.policies() if p in set(cdfs["policy"])]
        lo = max(1e-10, cdfs[cdfs["x"] > 0]["x"].min() / 2)
        xmin = min(1e-6, 10 ** np.floor(np.log10(lo)))
        xmax = max(1e-1, 10 ** np.ceil(np.log10(cdfs["x"].max())))
        grid = np.logspace(np.log10(xmin), np.log10(xmax), 500)
        ncols = min(4, len(policies))
        nrows = -(-len(policies) // ncols)
        fig, axes = plt.subplots(nrows, ncols, squeeze=False, sharey=True,
                                 figsize=(4.6 * ncols + 0.5, 3.6 * nrows + 0.6))
        for extra in range(len(policies), nrows * ncols):
            fig.delaxes(axes[extra // ncols][extra % ncols])
        cmap = plt.get_cmap("tab10")
        for c, p in enumerate(policies):
            ax = axes[c // ncols][c % ncols]
            for ti, t in enumerate(self.data.traces()):
                here = cdfs[(cdfs["policy"] == p) & (cdfs["trace"] == t)]
                cnt = counts[(counts["policy"] == p) & (counts["trace"] == t)]
                for kind, metric, col, ls in [("PI", "interference_positive_s",
                                               "interference_positive", "-"),
                                              ("NI", "interference_negative_s",
                                               "interference_negative", "--")]:
                    rows = here[here["metric"] == metric]
                    flows = int(cnt[col].sum()) if col in cnt.columns else 0
                    runs = f" in {len(cnt)} runs" if len(cnt) > 1 else ""
                    if rows.empty:
                        # A curve with no flows cannot be drawn; the legend still says so.
                        ax.plot([], [], color=cmap(ti), ls=ls,
                                label=f"{t.upper()}-{kind} (0 flows{runs})")
                        continue
                    ax.plot(grid, sweepdb.cdf_on_grid(rows, grid), color=cmap(ti), ls=ls,
                            lw=1.5, label=f"{t.upper()}-{kind} ({flows} flows{runs})")
            achieved = here_util(pts, top, p)
            ax.axvspan(1e-6, 1e-1, color="0.9", zorder=0)
            ax.set_xscale("log")
            ax.set_xlim(xmin, xmax)
            ax.set_ylim(0, 1.01)
            ax.grid(True, which="major", alpha=0.3)
            ax.set_xlabel("|per-flow change of the true mean delay| (s)")
            if c % ncols == 0:
                ax.set_ylabel("fraction of flows (CDF)")
            ax.set_title(f"policy {p}, utilization target {top:g} (achieved {achieved:.2f})",
                         fontsize=9)
            ax.legend(fontsize=7, loc="lower right")
        self.save(fig, name,
                  f"Delay interference of RLI references, PI: delay rose, NI: fell"
                  f"{facet_title(facet)}\n(shaded: the paper's axis range 1e-6 to 1e-1 s)")

    # (e) loss-rate difference against utilization
    def loss_difference(self, facet, suffix):
        name = f"e_loss_difference{suffix}"
        res = self.data.results
        rli = res[(res["facet"] == facet) & (res["estimator"] == "rli")]
        if rli.empty or "loss_rate_difference" not in rli.columns \
                or rli["loss_rate_difference"].isna().all():
            return self.skip(name, "no loss-rate difference (rli.interference off)")
        if not ((rli["loss_rate_with"] > 0) | (rli["loss_rate_without"] > 0)).any():
            return self.skip(name, "no regular packet was dropped with or without references: "
                             "the loss-rate difference is 0 at every point")
        fig, axes = plt.subplots(1, 2, squeeze=False, figsize=(13, 4.2),
                                 gridspec_kw={"width_ratios": [1.25, 1]})
        ax = axes[0][0]
        agg = sweepdb.aggregate(rli, ["policy", "trace", "util_target"], "loss_rate_difference")
        multi = False
        multi = self.policy_trace_lines(ax, agg) or multi
        ax.axhline(0, color="0.3", lw=0.8)
        ax.axhline(1e-5, color="tab:red", lw=0.8, ls=":", label="paper: at most 1e-5 up to ~0.8")
        # Symmetric log: differences span 1e-7 to 1e-2 and may be negative.
        symlog_axis(ax, agg["min"].min(), agg["max"].max())
        ax.grid(True, alpha=0.3)
        ax.set_xlabel("achieved utilization of the egress port")
        ax.set_ylabel("loss rate with references - without\n(regular packets; symlog, linear "
                      "within +-1e-7)")
        ax.set_title("loss-rate difference", fontsize=9)
        ax.legend(fontsize=7, title="policy, trace", title_fontsize=7, loc="upper left",
                  bbox_to_anchor=(1.01, 1.0))
        # Loss rates themselves: without references (the same for every policy) and with the
        # references of the first policy that dropped anything.
        ax2 = axes[0][1]
        ax2.sharex(ax)
        policy = next(p for p in self.data.policies()
                      if (rli[rli["policy"] == p][["loss_rate_with", "loss_rate_without"]] > 0)
                      .any().any())
        one = rli[rli["policy"] == policy]
        for col, ls, what in [("loss_rate_without", "--", "without refs"),
                              ("loss_rate_with", "-", f"with refs ({policy})")]:
            agg = sweepdb.aggregate(one[one[col] > 0], ["trace", "util_target"], col)
            for ti, t in enumerate(self.data.traces()):
                a = agg[agg["trace"] == t].sort_values("utilization")
                if not a.empty:
                    draw_line(ax2, a, 1.0, plt.get_cmap("tab10")(ti), MARKERS[ti],
                              f"{t}, {what}", ls=ls)
        ax2.set_yscale("log")
        ax2.grid(True, which="both", alpha=0.3)
        ax2.set_xlabel("achieved utilization of the egress port")
        ax2.set_ylabel("regular-packet loss rate")
        ax2.set_title("loss rates (points with no loss are not drawn)", fontsize=9)
        ax2.legend(fontsize=7)
        self.save(fig, name,
                  f"Loss-rate difference vs utilization{facet_title(facet)}"
                  f"{'; mean over runs, bars: min-max' if multi else ''}")


    # (f) every estimator at each budget
    def equal_budget(self, facet, suffix):
        name = f"f_equal_budget{suffix}"
        if not self.multi_budget:
            return self.skip(name, "the baselines ran at one budget only (figure b has them)")
        res = self.data.results[self.data.results["facet"] == facet]
        res = res[res["policy"].map(sweepdb.static_n).notna()]
        policies = sorted(res[~res["estimator"].isin(sweepdb.RLI_ESTIMATORS)]["policy"].unique(),
                          key=sweepdb.static_n)
        if res.empty or not policies:
            return self.skip(name, "no static policy with baselines in this facet")
        traces = sorted(res["trace"].unique())
        estimators = [e for e in sweepdb.ESTIMATOR_ORDER if e in set(res["estimator"])]
        estimators += sorted(set(res["estimator"]) - set(estimators))
        cmap = plt.get_cmap("tab10")
        metrics = [(m, t) for m, t in [("mean_err_median", "all flows"),
                                       ("mean_err_median_100", "flows >= 100 packets")]
                   if m in res.columns and res[m].notna().any()]
        fig, axes = plt.subplots(len(policies), len(traces) * len(metrics), squeeze=False,
                                 sharex=True, sharey=True,
                                 figsize=(3.4 * len(traces) * len(metrics) + 2,
                                          2.6 * len(policies) + 0.8))
        for r, p in enumerate(policies):
            for m, (metric, what) in enumerate(metrics):
                for c, trace in enumerate(traces):
                    ax = axes[r][m * len(traces) + c]
                    here = res[(res["policy"] == p) & (res["trace"] == trace)]
                    if here.empty:
                        # Not a point of the grid (e.g. a traffic variant run at some budgets
                        # only): no empty frame that reads as "nothing estimated".
                        ax.set_visible(False)
                        continue
                    for i, e in enumerate(estimators):
                        agg = sweepdb.aggregate(here[here["estimator"] == e], ["util_target"],
                                                metric).sort_values("utilization")
                        if agg.empty:
                            continue
                        draw_line(ax, agg, 100.0, cmap(i % 10), MARKERS[i % len(MARKERS)],
                                  sweepdb.ESTIMATOR_NAMES.get(e, e),
                                  ls=LINESTYLES[i % len(LINESTYLES)])
                    ax.set_yscale("log")
                    ax.grid(True, which="both", alpha=0.3)
                    ax.set_title(f"{trace}, budget 1/{sweepdb.static_n(p)}: {what}", fontsize=8)
                    if r == len(policies) - 1:
                        ax.set_xlabel("achieved utilization")
                    if m == 0 and c == 0:
                        ax.set_ylabel("median per-flow relative\nerror of the mean (%)")
        self.save(fig, name,
                  f"Every estimator at an equal budget of exact delay samples per regular "
                  f"packet (RLI static 1-in-n: budget 1/n){facet_title(facet)}; log y",
                  legend_axes=axes)

    # (g) what the Multiflow / RLI ratio follows
    def sensitivity(self):
        name = "g_sensitivity"
        res = self.data.results
        rli = res[res["estimator"] == "rli"].set_index("point_hash")
        mf = res[res["estimator"] == "multiflow"].set_index("point_hash")
        both = mf.index.intersection(rli.index)
        if both.empty:
            return self.skip(name, "no point with both RLI and Multiflow")
        pts = rli.loc[both, ["trace", "policy", "util_target", "facet"]].copy()
        for col, what in [("mean_err_median", "all"), ("mean_err_median_100", "100")]:
            pts[f"ratio_{what}"] = mf.loc[both, col] / rli.loc[both, col]
        pts["acf"] = rli.loc[both, "delay_acf_at_n"] if "delay_acf_at_n" in rli.columns \
            else np.nan
        pts["cov"] = [(self.burstiness.get(t) or {}).get("gap_cov_ge100") for t in pts["trace"]]
        pts["cov"] = pts["cov"].astype(float)
        panels = [("cov", "per-flow burstiness of the traffic: median CoV of the inter-packet "
                   "gaps of flows >= 100 packets\n(rlisim trace stats; marker: median over "
                   "the utilizations, bar: their range)"),
                  ("acf", "autocorrelation of the per-packet delay at RLI's reference "
                   "spacing (lag n)")]
        panels = [(x, t) for x, t in panels if pts[x].notna().any()]
        if not panels:
            return self.skip(name, "neither burstiness (--burstiness) nor delay autocorrelation "
                             "(a schema-3 database) is known")
        ns = sorted({sweepdb.static_n(p) for p in pts["policy"]} - {None})
        shades = dict(zip(ns, plt.get_cmap("viridis")(np.linspace(0, 0.85, max(1, len(ns))))))
        traces = sorted(pts["trace"].unique())
        fig, axes = plt.subplots(2, len(panels), squeeze=False, figsize=(6 * len(panels) + 2, 8))
        for c, (x, xlabel) in enumerate(panels):
            for r, (what, title) in enumerate([("all", "all flows"),
                                               ("100", "flows >= 100 packets")]):
                ax = axes[r][c]
                span = pts[x].max() - pts[x].min()
                for ti, t in enumerate(traces):
                    for k, n in enumerate(ns):
                        sel = pts[(pts["trace"] == t) & (pts["policy"] == f"static-{n}")]
                        sel = sel.dropna(subset=[x, f"ratio_{what}"])
                        if sel.empty:
                            continue
                        y = sel[f"ratio_{what}"]
                        if x == "cov":
                            # One burstiness per trace: the median over the utilizations,
                            # bars from the lowest to the highest, budgets side by side.
                            xs = sel[x].iloc[0] + (k - (len(ns) - 1) / 2) * 0.02 * max(span, 1)
                            med = y.median()
                            ax.errorbar([xs], [med], yerr=[[med - y.min()], [y.max() - med]],
                                        color=shades[n], marker=MARKERS[ti % len(MARKERS)],
                                        ms=6, capsize=3, ls="none", label=f"{t}, budget 1/{n}")
                        else:
                            ax.scatter(sel[x], y, color=shades[n], s=22,
                                       marker=MARKERS[ti % len(MARKERS)], alpha=0.85,
                                       label=f"{t}, budget 1/{n}")
                ax.axhline(1, color="0.3", lw=0.8)
                ax.axhline(10, color="tab:red", lw=0.8, ls=":", label="paper: 10-100x")
                ax.set_yscale("log")
                ax.grid(True, which="both", alpha=0.3)
                ax.set_xlabel(xlabel, fontsize=8)
                ax.set_ylabel(f"Multiflow / RLI median error\n({title})")
        self.save(fig, name,
                  "Multiflow / RLI (paper's receiver) median-error ratio at equal budget, every "
                  "point of the grid (marker: trace, colour: budget)", legend_axes=axes)


def series_colors(order):
    """RLI static-n series in shades of one sequential map (n ordered), every other series in
    its own tab10 colour, so that a grid over n stays readable next to the baselines."""
    static = [s for s in order if s.startswith("RLI static")]
    tab = plt.get_cmap("tab10")
    colors = {}
    palette = list(range(10))
    if len(static) > 1:
        shades = plt.get_cmap("viridis")(np.linspace(0.0, 0.85, len(static)))
        colors.update(dict(zip(static, shades)))
        palette = [1, 3, 4, 5, 6, 7, 8]  # no blue, green or cyan next to the viridis shades
    others = [s for s in order if s not in colors]
    colors.update({s: tab(palette[i % len(palette)]) for i, s in enumerate(others)})
    return colors


def draw_line(ax, a, scale, color, marker, label, ls="-"):
    x = a["utilization"].to_numpy()
    y = a["mean"].to_numpy() * scale
    if a["n"].max() > 1:
        err = np.vstack([y - a["min"].to_numpy() * scale, a["max"].to_numpy() * scale - y])
        ax.errorbar(x, y, yerr=err, color=color, marker=marker, ms=4, ls=ls, lw=1.3,
                    capsize=2, label=label)
    else:
        ax.plot(x, y, color=color, marker=marker, ms=4, ls=ls, lw=1.3, label=label)


def here_util(pts, target, policy):
    sel = pts[(pts["util_target"] == target) & (pts["policy"] == policy)]
    return sel["utilization"].mean()


def pick_utils(available, wanted):
    if wanted:
        return [min(available, key=lambda a: abs(a - w)) for w in wanted]
    if len(available) <= 4:
        return list(available)
    idx = np.unique(np.round(np.linspace(0, len(available) - 1, 4)).astype(int))
    return [available[i] for i in idx]


def unique_legend(axes):
    seen = {}
    for row in axes:
        for ax in row:
            for h, l in zip(*ax.get_legend_handles_labels()):
                seen.setdefault(l, h)
    return list(seen.values()), list(seen.keys())


def symlog_axis(ax, lo, hi):
    """Symmetric log y axis from the data's range: ticks at 0 and at every decade from the
    linear threshold up (and down, when there are negative values)."""
    ax.set_yscale("symlog", linthresh=LOSS_LINTHRESH)
    top = int(np.ceil(np.log10(max(hi, 1e-5, LOSS_LINTHRESH))))
    bottom = int(np.ceil(np.log10(-lo))) if lo < -LOSS_LINTHRESH else None
    first = int(np.log10(LOSS_LINTHRESH))
    ticks = [0.0] + [10.0 ** k for k in range(first, top + 1)]
    if bottom is not None:
        ticks = [-(10.0 ** k) for k in range(bottom, first - 1, -1)] + ticks
    ax.set_yticks(ticks)
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(
        lambda v, _pos: "0" if v == 0 else sci(v)))
    ax.yaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.set_ylim(-(10.0 ** bottom) * 1.3 if bottom is not None else -LOSS_LINTHRESH * 0.5,
                10.0 ** top * 1.3)


def log_axis(axis):
    """Log scale labelled at 1, 2 and 5 of every decade: the ranges here span few decades."""
    axis.axes.set_yscale("log") if axis.axis_name == "y" else axis.axes.set_xscale("log")
    axis.set_major_locator(matplotlib.ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _pos: f"{v:g}"))
    axis.set_minor_formatter(matplotlib.ticker.NullFormatter())


def runs_note(sel):
    n = sel.groupby(["util_target", "policy"]).size().max() if not sel.empty else 0
    return f" (CDF pooled over {n} runs per point)" if n > 1 else ""


def sci(v):
    """1e-4, not 0.0001 or 1e-04."""
    return f"{v:.0e}".replace("e-0", "e-").replace("e+0", "e")


def facet_title(facet):
    return f", {facet}" if facet else ""


def facet_suffix(facet):
    """File-name suffix of a facet: the last part of each key ("buffer_packets-100")."""
    parts = [f"{k.rsplit('.', 1)[-1]}-{v}" for k, _, v in
             (p.partition("=") for p in facet.split(", "))] if facet else []
    return "".join(f"_{safe(p)}" for p in parts)


def safe(text):
    return re.sub(r"[^A-Za-z0-9.+-]+", "_", text).strip("_")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("db", help="results database of rlisim sweep")
    p.add_argument("--out", required=True, help="folder for the figures")
    p.add_argument("--trace-param", help="parameter naming the trace (default: trace, "
                   "source.0.profile or source.0.path, whichever the sweep has)")
    p.add_argument("--util-param", help="parameter holding the utilization target (default: "
                   "utilization.target)")
    p.add_argument("--policy-param", help="parameter naming the RLI policy (default: policy)")
    p.add_argument("--points", help="file of point hashes to draw (default: every point)")
    p.add_argument("--burstiness", help="JSON of per-trace burstiness (reproduce-rli's "
                   "traffic/burstiness.json) for figure g")
    p.add_argument("--cdf-policy", help="policy of the error-CDF panels when the baselines ran "
                   "at several budgets (default: static-100)")
    p.add_argument("--cdf-utils", type=float, nargs="+",
                   help="utilization targets of the error-CDF panels (default: up to 4 spread "
                   "over the sweep)")
    args = p.parse_args(argv)
    data = sweepdb.load(p, args)
    if isinstance(data, int):
        return data
    burstiness = json.loads(pathlib.Path(args.burstiness).read_text()) if args.burstiness \
        else None
    plotter = Plotter(data, args.out, args.cdf_utils, args.cdf_policy, burstiness)
    plotter.all()
    print(f"plot_sweep: {len(plotter.written)} figures in {args.out}, "
          f"{len(plotter.skipped)} skipped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
