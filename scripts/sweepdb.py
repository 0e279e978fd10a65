"""Reads an `rlisim sweep` results database into pandas tables for figures and reports.

Shared by scripts/plot_sweep.py and scripts/sweep_report.py. Every finished point gets the
columns the figures group by:

- `trace`: the trace the point replayed (the `trace` parameter by default; a label "chic/2"
  means trace chic, trace seed 2, so that several traces of one profile pool as repetitions);
- `util_target`: the utilization the point asked for (`utilization.target`), while the
  achieved `utilization` (busy time / window) is what the figures put on their x axes;
- `policy`: RLI's reference policy (the `policy` variants axis, or built from `rli.policy` /
  `rli.n` / `rli.preset` parameters);
- `facet`: every other parameter, "name=value, ..." ("" when there is none); each facet gets
  its own figures;
- `run`: which repetition of the grid point this is (trace seed and repetition).
"""
import json
import math
import pathlib
import sqlite3
import sys

import numpy as np
import pandas as pd

ESTIMATOR_NAMES = {
    "rli": "RLI",
    "rli_corrected": "RLI corrected",
    "lda": "LDA",
    "netflow": "NetFlow (naive)",
    "multiflow": "Multiflow",
    "trajectory": "Trajectory sampling",
}
ESTIMATOR_ORDER = ["rli", "rli_corrected", "lda", "netflow", "multiflow", "trajectory"]
# Point columns that explain RLI's error (schema 3), carried into every results row.
POINT_DIAGNOSTICS = ["delay_acf_at_n", "delay_acf_at_spacing_time", "delay_acf_lag_100",
                     "reference_spacing_packets"]
# RLI's two receivers on the same references: the paper's (no serialization correction) and
# rlisim's corrected one; both are labelled by policy, like the policy they measure.
RLI_ESTIMATORS = ("rli", "rli_corrected")
POLICY_ORDER_HINT = ["static", "adaptive-A", "adaptive-B"]


class SweepData:
    """The finished points, estimator results and CDFs of one database, with grouping columns.

    points: one row per finished point; results: one row per point and estimator (with the
    point's grouping columns and a `series` label); cdfs: the CDF rows of finished points.
    failed: rows of failed points (point_key, error).
    """

    def __init__(self, path, trace_param=None, util_param=None, policy_param=None, only=None):
        """`only`: point hashes to keep (the points of one grid); None keeps every point."""
        self.path = path
        self.only = only
        # Not read-only: the last connection to a WAL database removes its -wal and -shm files.
        con = sqlite3.connect(f"file:{path}?mode=rw", uri=True)
        try:
            tables = {r[0] for r in
                      con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            missing = {"points", "params", "results", "cdfs"} - tables
            if missing:
                raise ValueError(f"{path}: not an rlisim sweep database (no table "
                                 f"{', '.join(sorted(missing))})")
            points = pd.read_sql_query("SELECT * FROM points", con)
            params = pd.read_sql_query("SELECT point_hash, name, value, number FROM params", con)
            results = pd.read_sql_query("SELECT * FROM results", con)
            cdfs = pd.read_sql_query(
                "SELECT point_hash, estimator, metric, min_packets, x, fraction FROM cdfs", con)
            self.sweeps = (pd.read_sql_query("SELECT * FROM sweeps", con)
                           if "sweeps" in tables else pd.DataFrame())
        finally:
            con.close()
        if only is not None:
            points = points[points["point_hash"].isin(set(only))]
            if not self.sweeps.empty and "sweep_hash" in points.columns:
                self.sweeps = self.sweeps[self.sweeps["sweep_hash"].isin(
                    set(points["sweep_hash"]))]
        self.failed = points[points["status"] != "done"][["point_key", "repetition", "error"]]
        points = points[points["status"] == "done"].copy()
        # The same run recorded twice (a point hash also covers how the trace path was spelled,
        # so one sweep started from two folders records each point twice): keep the newest.
        if "config_toml" in points.columns:
            points = (points.sort_values("finished_at")
                      .drop_duplicates(["config_toml", "seed"], keep="last"))
        self.param_names = list(dict.fromkeys(params["name"]))
        self.trace_param = _pick(trace_param, self.param_names,
                                 ["trace", "source.0.profile", "source.0.path"], "trace")
        self.util_param = _pick(util_param, self.param_names, ["utilization.target"], "utilization")
        self.policy_param = _pick(policy_param, self.param_names, ["policy"], "policy")
        wide = self._wide_params(params)
        points = points.merge(wide, on="point_hash", how="left")
        self.points = self._add_groups(points)
        keep = ["point_hash", "trace", "run", "util_target", "utilization", "policy", "facet",
                "loss_rate", "point_key"] + [c for c in POINT_DIAGNOSTICS if c in points.columns]
        res = results.merge(self.points[keep], on="point_hash", how="inner")
        res["series"] = series_labels(res)
        self.results = res
        self.cdfs = cdfs[cdfs["point_hash"].isin(self.points["point_hash"])]

    def _wide_params(self, params):
        if params.empty:
            return pd.DataFrame({"point_hash": []})
        p = params.copy()
        p["v"] = [n if n is not None and not (isinstance(n, float) and math.isnan(n)) else v
                  for v, n in zip(p["value"], p["number"])]
        wide = p.pivot(index="point_hash", columns="name", values="v").reset_index()
        wide.columns.name = None
        return wide.rename(columns={n: f"param:{n}" for n in self.param_names})

    def _add_groups(self, points):
        def col(name):
            key = f"param:{name}" if name else None
            return points[key] if key in points.columns else None

        trace = col(self.trace_param)
        if trace is None:
            points["trace"] = "trace"
            points["run"] = points["repetition"].astype(str)
        else:
            text = trace.astype(str)
            if self.trace_param == "source.0.path":
                text = text.map(lambda s: s.rsplit("/", 1)[-1].split(".")[0])
            points["trace"] = text.map(lambda s: s.split("/", 1)[0])
            points["run"] = [f"{s.split('/', 1)[1] if '/' in s else ''}#{r}"
                             for s, r in zip(text, points["repetition"])]
        util = col(self.util_param)
        if util is None:
            # No target parameter: group by the achieved utilization, to two decimals.
            points["util_target"] = points["utilization"].round(2)
        else:
            points["util_target"] = pd.to_numeric(util, errors="coerce")
        points["policy"] = self._policy(points, col)
        others = [n for n in self.param_names
                  if n not in {self.trace_param, self.util_param, self.policy_param}
                  and not n.startswith("rli.")]
        self.facet_params = others
        points["facet"] = [", ".join(f"{n}={_fmt_param(r[f'param:{n}'])}" for n in others)
                           for _, r in points.iterrows()] if others else ""
        return points

    def _policy(self, points, col):
        direct = col(self.policy_param)
        if direct is not None:
            return direct.astype(str)
        kind, n, preset = col("rli.policy"), col("rli.n"), col("rli.preset")
        labels = []
        for i in range(len(points)):
            k = None if kind is None else kind.iloc[i]
            if k is None or k == "static":
                labels.append("static" if n is None else f"static-{_fmt_param(n.iloc[i])}")
            elif k == "adaptive" and preset is not None:
                labels.append(f"adaptive-{preset.iloc[i]}")
            else:
                labels.append(str(k))
        return pd.Series(labels, index=points.index)

    def policies(self):
        return _ordered(self.points["policy"].unique(), POLICY_ORDER_HINT)

    def traces(self):
        return sorted(self.points["trace"].unique())

    def facets(self):
        return sorted(self.points["facet"].unique())

    def series_order(self, res=None):
        """Series labels: RLI per policy first (in policy order), then the baselines."""
        res = self.results if res is None else res
        present = set(res["series"])
        out = [s for p in self.policies() for s in [f"RLI {p}"] if s in present]
        for e in ESTIMATOR_ORDER[1:] + sorted(set(res["estimator"]) - set(ESTIMATOR_ORDER)):
            out += sorted(s for s in present if s.startswith(ESTIMATOR_NAMES.get(e, e))
                          and s not in out)
        return out

    def runs(self):
        return self.points.groupby(["trace", "util_target", "policy", "facet"]).size().max()


def load(parser, args):
    """The SweepData of args.db (with the --*-param choices), or an exit code after saying why."""
    if not pathlib.Path(args.db).is_file():
        parser.error(f"{args.db}: no such database")
    only = None
    if getattr(args, "points", None):
        path = pathlib.Path(args.points)
        if not path.is_file():
            parser.error(f"--points {args.points}: no such file")
        only = [h.strip() for h in path.read_text().split() if h.strip()]
    try:
        data = SweepData(args.db, args.trace_param, args.util_param, args.policy_param, only)
    except ValueError as e:
        print(f"{parser.prog}: {e}", file=sys.stderr)
        return 2
    if data.points.empty:
        print(f"{parser.prog}: {args.db} holds no finished point", file=sys.stderr)
        return 1
    return data


def series_labels(res):
    """RLI rows (both receivers) are labelled by policy; baselines by name, and by policy only
    when they ran under several policies (at several budgets, or on traffic that differs by the
    references RLI injected)."""
    base_policies = res[~res["estimator"].isin(RLI_ESTIMATORS)].groupby("estimator")[
        "policy"].nunique()
    out = []
    for e, p in zip(res["estimator"], res["policy"]):
        name = ESTIMATOR_NAMES.get(e, e)
        if e in RLI_ESTIMATORS:
            out.append(f"{name} {p}")
        elif base_policies.get(e, 1) > 1:
            out.append(f"{name} [{p}]")
        else:
            out.append(name)
    return out


def static_n(policy):
    """n of a "static-n" policy label, else None."""
    head, _, tail = str(policy).partition("-")
    return int(tail) if head == "static" and tail.isdigit() else None


def aggregate(df, by, value):
    """Mean, min, max and count of `value` over the runs of each group, plus achieved
    utilization (mean) when present."""
    df = df.dropna(subset=[value])
    if df.empty:
        return pd.DataFrame(columns=by + ["mean", "min", "max", "n", "utilization"])
    g = df.groupby(by)
    out = g[value].agg(["mean", "min", "max", "count"]).rename(columns={"count": "n"})
    if "utilization" in df.columns:
        out["utilization"] = g["utilization"].mean()
    return out.reset_index()


def cdf_on_grid(cdfs, grid):
    """Averages step CDFs (x, fraction rows of one or more runs) on `grid`: the CDF of the
    runs pooled with equal weight. Each run's CDF is right-continuous: F(g) = the fraction at
    the largest x <= g, 0 below its first x."""
    curves = []
    for _, run in cdfs.groupby("point_hash"):
        run = run.sort_values("x")
        idx = np.searchsorted(run["x"].to_numpy(), grid, side="right") - 1
        frac = run["fraction"].to_numpy()
        curves.append(np.where(idx >= 0, frac[np.clip(idx, 0, None)], 0.0))
    return np.mean(curves, axis=0) if curves else None


def _pick(given, names, candidates, what):
    if given:
        if given not in names:
            raise ValueError(f"--{what}-param {given!r}: no such parameter in the database "
                             f"(parameters: {', '.join(names) or 'none'})")
        return given
    return next((c for c in candidates if c in names), None)


def _ordered(values, hint):
    def key(v):
        for i, h in enumerate(hint):
            if str(v).startswith(h):
                return (i, _natural(str(v)))
        return (len(hint), _natural(str(v)))
    return sorted(values, key=key)


def _natural(s):
    head, _, tail = s.rpartition("-")
    try:
        return (head, float(tail), "")
    except ValueError:
        return (s, 0.0, s)


def _fmt_param(v):
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def sweep_texts(data):
    """(sweep file text, base config path) of every sweep recorded in the database."""
    if data.sweeps.empty:
        return []
    cols = data.sweeps.columns
    return [(r.get("sweep_toml", ""), r.get("base_config", ""), r.get("name", ""))
            for _, r in data.sweeps[[c for c in ["sweep_toml", "base_config", "name"]
                                     if c in cols]].iterrows()]


def summary_of(data, point_hash):
    """The parsed summary.json of one point (None if absent)."""
    row = data.points[data.points["point_hash"] == point_hash]
    if row.empty or not isinstance(row.iloc[0].get("summary_json"), str):
        return None
    return json.loads(row.iloc[0]["summary_json"])
