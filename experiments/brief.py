"""`crisisflow-brief`: the briefing figures and a one-page A4 PDF from a sweep or a comparison.

    crisisflow-brief SWEEP_DIR                                  # compare by the first swept key
    crisisflow-brief SWEEP_DIR --by policy --baseline none --outcome stranded_person_days
    crisisflow-brief SWEEP_DIR/collected.parquet --out brief/

SWEEP_DIR is collected first (crisisflow-collect); a folder holding several sweeps
is a comparison of all their runs. Written into SWEEP_DIR/brief/ (or --out):

- `displaced.png`, `stranded.png`: median and 10-90% band over runs per group of `--by`, phases shaded
  (the baseline group's phases);
- `flow_map.png`: the baseline group's network over longitude and latitude, each route's width the persons
  who travelled it (both directions, summed over days; median over runs); locations rebuilt from the run's
  saved scenario config;
- `heatmap.png`: the median of `--outcome` over the first two swept keys (seed aside) when there are two;
- `capacity_gap.png`: per site, the largest excess of persons at the site (admitted or queued at its gate)
  over its capacity that day (median, 10-90% over runs; negative: places left), the `--top` largest;
- `tornado.png`: per swept key, `--outcome` at each of its values with the other keys at their middle value
  (numbers) or baseline/first value (names), with the spread over seeds for scale;
- `brief.pdf`: one A4 page with all of them, the comparison table (crisisflow-compare's outcomes) and a
  footer with the config (scenario, policy, rules, seeds, swept values) and the scenario's sources.

Every figure is drawn by experiments/plotting.py. The last line printed is the PDF's path.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from . import collect, compare, ensemble, output, plotting
from .output import METADATA_FILE

FIGURES = ["displaced.png", "stranded.png", "flow_map.png", "heatmap.png", "capacity_gap.png", "tornado.png"]
PDF_FILE = "brief.pdf"


# ----------------------------------------------------------------------------------------------- data for figures
def _dates(values) -> np.ndarray:
    return pd.to_datetime(pd.Series(values)).to_numpy().astype("datetime64[D]")


def _is_number(values) -> bool:
    return all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in values)


def _levels(values, first=None) -> list:
    """Sorted distinct values (numbers numerically), `first` moved to the front."""
    vals = list(pd.unique(pd.Series(values).dropna()))
    vals = sorted(vals) if _is_number(vals) else sorted(vals, key=str)
    if first is not None and first in vals:
        vals = [first, *[v for v in vals if v != first]]
    return vals


def bands_by_group(df: pd.DataFrame, indicator: str, by: str, groups: list) -> dict:
    b = ensemble.series_band(df, indicator, "", by=[by])
    out = {}
    for g in groups:
        s = b[b[by] == g].sort_values("day")
        if len(s):
            out[str(g)] = (_dates(s["date"]), s["p10"].to_numpy(), s["median"].to_numpy(), s["p90"].to_numpy())
    return out


def phase_of(df: pd.DataFrame, by: str, group) -> tuple[np.ndarray, np.ndarray] | None:
    b = ensemble.series_band(df[df[by] == group], "phase", "", by=[])
    if b.empty:
        return None
    b = b.sort_values("day")
    return _dates(b["date"]), np.rint(b["median"].to_numpy()).astype(int)


def run_metadata(folder: Path, run: str) -> dict:
    path = folder / run / METADATA_FILE
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _run_cwd(folder: Path, run: str) -> Path | None:
    try:
        hydra = yaml.safe_load((folder / run / ".hydra" / "hydra.yaml").read_text())
        return Path(hydra["hydra"]["runtime"]["cwd"])
    except (OSError, KeyError, TypeError, yaml.YAMLError):
        return None


def network_of(folder: Path, run: str):
    """The network of a run, rebuilt from its saved scenario config (one day; nothing is simulated)."""
    from omegaconf import OmegaConf

    from ..model.config import ScenarioConfig
    from ..model.scenario import build_scenario

    meta = run_metadata(folder, run)
    scenario = (meta.get("config") or {}).get("scenario")
    if not scenario:
        raise ValueError(f"{folder / run / METADATA_FILE}: no scenario config")
    cfg = OmegaConf.merge(OmegaConf.structured(ScenarioConfig), scenario)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return build_scenario(cfg, days_override=1, cwd=_run_cwd(folder, run)).network


def route_flows(df: pd.DataFrame, runs: list[str]) -> dict[tuple[str, str], float]:
    """Persons over each route (both directions, summed over days), median over `runs`; runs without a row count 0."""
    f = df[(df["indicator"] == "flow") & df["run"].isin(runs)]
    if f.empty:
        return {}
    per_run = f.groupby(["run", "key"], observed=True)["value"].sum().unstack(fill_value=0.0)
    per_run = per_run.reindex(index=runs, fill_value=0.0)
    med = per_run.median(axis=0)
    out: dict[tuple[str, str], float] = {}
    for label, persons in med.items():
        a, _, b = str(label).partition(" -> ")
        pair = tuple(sorted((a, b)))
        out[pair] = out.get(pair, 0.0) + float(persons)
    return out


def capacity_gaps(df: pd.DataFrame) -> pd.DataFrame:
    """Per run and site: the largest excess, over the run, of persons at the site (admitted or queued at its gate)
    over its capacity that day (compare.site_load); negative: places left at the fullest day."""
    load = compare.site_load(df[df["indicator"].isin(["persons", "persons_in_sites", "site_capacity"])])
    if load.empty:
        return pd.DataFrame(columns=["run", "key", "gap"])
    load["gap"] = load["persons"] - load["capacity"]
    return load.groupby(["run", "key"], observed=True)["gap"].max().reset_index()


def tornado_rows(outcomes: pd.DataFrame, keys: list[str], outcome: str, by: str | None, baseline):
    """Rows for plotting.tornado_panel and the reference outcome (every key at its middle value)."""
    levels = {k: _levels(outcomes[k], baseline if k == by else None) for k in keys}
    ref = {}
    for k, lv in levels.items():
        ref[k] = lv[0] if (k == by or not _is_number(lv)) else lv[(len(lv) - 1) // 2]
    at_ref = np.ones(len(outcomes), dtype=bool)
    for k in keys:
        at_ref &= (outcomes[k] == ref[k]).to_numpy()
    ref_values = outcomes.loc[at_ref, outcome] if at_ref.any() else outcomes[outcome]
    base = float(np.nanmedian(ref_values)) if ref_values.notna().any() else np.nan
    rows = []
    for k in keys:
        others = np.ones(len(outcomes), dtype=bool)
        for o in keys:
            if o != k:
                others &= (outcomes[o] == ref[o]).to_numpy()
        row = []
        for lv in levels[k]:
            sel = (outcomes[k] == lv).to_numpy()
            vals = outcomes.loc[sel & others, outcome] if (sel & others).any() else outcomes.loc[sel, outcome]
            row.append((_label(lv), float(np.nanmedian(vals)) if vals.notna().any() else np.nan))
        rows.append((k, row))
    if ref_values.notna().sum() >= 2:
        p10, p90 = np.nanpercentile(ref_values, [10, 90])
        rows.append(("seed (10-90%)", [("p10", float(p10)), ("p90", float(p90))]))
    return rows, base


def _label(v) -> str:
    return f"{v:g}" if isinstance(v, (float, np.floating)) else str(v)


def _compact(values: list[int]) -> str:
    """1,2,3,5 -> '1-3, 5'."""
    values = sorted(set(int(v) for v in values))
    parts, start = [], None
    for k, v in enumerate(values):
        if start is None:
            start = v
        if k + 1 == len(values) or values[k + 1] != v + 1:
            parts.append(str(start) if start == v else f"{start}-{v}")
            start = None
    return ", ".join(parts)


def footer_text(df: pd.DataFrame, folder: Path, swept: list[str], by: str, baseline, failed: int) -> str:
    runs = list(pd.unique(df["run"]))
    metas = [run_metadata(folder, r) for r in runs]
    cfgs = [m.get("config") or {} for m in metas]
    uniq = lambda xs: sorted({str(x) for x in xs if x not in (None, "")})  # noqa: E731
    scen = uniq(c.get("scenario", {}).get("name") for c in cfgs)
    desc = uniq(c.get("scenario", {}).get("description") for c in cfgs)
    pol = uniq(c.get("policy", {}).get("name") for c in cfgs)
    rules = uniq(c.get("rules", {}).get("name") for c in cfgs)
    days = uniq(m.get("days") for m in metas)
    start = uniq(m.get("start_date") for m in metas)
    commits = uniq(m.get("git_commit") for m in metas)
    version = uniq((m.get("versions") or {}).get("crisisflow") for m in metas)
    sources: list[str] = []
    for c in cfgs:
        s = c.get("scenario", {})
        for src in [*(s.get("sources") or []), *[e.get("source") for e in s.get("events") or []]]:
            if src and src not in sources:
                sources.append(str(src))
    sweep_vals = "; ".join(f"{k} = {', '.join(_label(v) for v in _levels(df[k]))}" for k in swept) or "none"
    lines = [
        f"Scenario: {', '.join(scen) or '?'} ({'; '.join(desc) or 'no description'}); start {', '.join(start) or '?'}, "
        f"{', '.join(days) or '?'} days. Policy: {', '.join(pol) or '?'}. Rules: {', '.join(rules) or '?'}.",
        f"Runs: {len(runs)} finished, {failed} failed; seeds {_compact(df['seed'].dropna().unique())} (common random "
        f"numbers across groups). Swept: {sweep_vals}.",
        f"Bands and intervals: 10-90% over runs; differences paired on seed against {by} = {baseline}. Outcome "
        f"definitions: crisisflow-compare (experiments/compare.py).",
        f"crisisflow {', '.join(version) or '?'}, git {', '.join(commits) or '?'}; sweep {folder}; "
        f"made {dt.date.today().isoformat()}.",
        f"Sources: {' | '.join(sources) or 'none given in the scenario config'}",
    ]
    return "\n".join(textwrap.fill(ln, 150, subsequent_indent="  ") for ln in lines)


# ----------------------------------------------------------------------------------------------------- the brief
def brief(source: Path, by: str | None = None, baseline=None, outcome: str = "peak_displaced",
          out: Path | None = None, top: int = 8, progress: bool = True, log=None) -> Path:
    log = log or sys.stderr
    if outcome not in compare.OUTCOMES:
        raise ValueError(f"unknown outcome '{outcome}' (one of {', '.join(compare.OUTCOMES)})")
    df, swept, folder = collect.load(Path(source), progress=progress)
    if df.empty:
        raise ValueError(f"{source}: no finished runs")
    if by is not None and by not in df.columns:
        raise ValueError(f"'{by}' is not a swept key of {source} (swept: {', '.join(swept) or 'none'})")
    by = by if by is not None else compare.default_by(swept)
    outcomes = compare.run_outcomes(df, swept, progress)
    if by is None:
        by = "all"
        df = df.assign(all="all")
        outcomes = outcomes.assign(all="all")
    table = compare.compare_outcomes(outcomes, by, baseline, swept)
    base_name = table["baseline"].iloc[0]
    groups = _levels(outcomes[by])
    baseline = groups[[str(g) for g in groups].index(base_name)]
    groups = _levels(outcomes[by], baseline)
    failures_file = folder / collect.FAILURES_FILE
    failed = len(json.loads(failures_file.read_text())) if failures_file.is_file() else 0
    base_runs = list(outcomes.loc[outcomes[by] == baseline, "run"])
    label = compare.OUTCOME_LABELS[outcome]
    notes: list[str] = []

    # time series
    displaced = bands_by_group(df, "displaced", by, groups)
    stranded = bands_by_group(df, "stranded", by, groups)
    phase = phase_of(df, by, baseline)
    per = "" if by == "all" else f" by {by}"
    draw_displaced = lambda ax: plotting.band_panel(ax, displaced, phase, "persons displaced",  # noqa: E731
                                                    f"Persons displaced{per} (median, 10-90% of runs)")
    draw_stranded = lambda ax: plotting.band_panel(ax, stranded, phase, "persons stranded",  # noqa: E731
                                                   f"Persons stranded{per} (median, 10-90% of runs)")

    # flow map
    net = None
    try:
        net = network_of(folder, base_runs[0])
    except Exception as err:  # a moved data folder must not stop the brief
        notes.append(f"flow map skipped: the network could not be rebuilt ({err})")
    draw_map = None
    if net is not None:
        index = net.index()
        flows = route_flows(df, base_runs)
        pairs = {tuple(sorted((net.names[a], net.names[b]))) for a, b in zip(net.edge_from, net.edge_to)}
        routes = [(index[a], index[b], flows.get((a, b), 0.0)) for a, b in sorted(pairs)]
        if not flows:
            notes.append("flow map: no `flow` rows (output.flows=false); routes drawn without flows")
        draw_map = lambda ax: plotting.flow_map_panel(  # noqa: E731
            ax, net.lon, net.lat, net.names, net.kind, routes,
            "Persons who travelled each route (median of runs" + ("" if by == "all" else
                                                                  f", {by} = {_label(baseline)}") + ")")

    # heatmap over two swept keys
    axes_keys = [k for k in swept if k in outcomes.columns]
    draw_heat = None
    if len(axes_keys) >= 2:
        rk, ck = axes_keys[0], axes_keys[1]
        rows = _levels(outcomes[rk], baseline if rk == by else None)
        cols = _levels(outcomes[ck], baseline if ck == by else None)
        cells = outcomes.groupby([rk, ck])[outcome].median()
        values = np.array([[cells.get((r, c), np.nan) for c in cols] for r in rows], dtype=float)
        pooled = f"; pooled over {', '.join(axes_keys[2:])}" if len(axes_keys) > 2 else ""
        draw_heat = lambda ax: plotting.heatmap_panel(  # noqa: E731
            ax, values, [_label(r) for r in rows], [_label(c) for c in cols], rk, ck,
            f"{label}: median over seeds{pooled}", label)
    else:
        notes.append(f"heatmap skipped: it needs a sweep over two keys besides the seed "
                     f"(swept: {', '.join(axes_keys) or 'seed only'})")

    # capacity gap
    gaps = capacity_gaps(df)
    draw_gap = None
    if not gaps.empty:
        gaps = gaps.merge(outcomes[["run", by]], on="run")
        stats = gaps.groupby([by, "key"])["gap"].quantile([0.1, 0.5, 0.9]).unstack()
        order = stats[0.5].groupby(level="key").max().sort_values(ascending=False).index[:top].tolist()
        pick = lambda q: np.array([[stats[q].get((g, s), np.nan) for s in order] for g in groups])  # noqa: E731
        med, lo, hi = pick(0.5), pick(0.1), pick(0.9)
        draw_gap = lambda ax: plotting.capacity_gap_panel(  # noqa: E731
            ax, order, [str(g) for g in groups], med, lo, hi, f"Capacity gap at sites (top {len(order)})")
    else:
        notes.append("capacity-gap bars skipped: no site with a capacity")

    # tornado
    draw_tornado = None
    if axes_keys:
        t_rows, t_base = tornado_rows(outcomes, axes_keys, outcome, by, baseline)
        draw_tornado = lambda ax: plotting.tornado_panel(  # noqa: E731
            ax, t_rows, t_base, label, f"Sensitivity: {label}")
    else:
        notes.append("tornado skipped: nothing swept besides the seed")

    for n in notes:
        print(f"crisisflow-brief: {n}", file=log)

    out = Path(out) if out is not None else folder / "brief"
    drawn = {"displaced.png": draw_displaced, "stranded.png": draw_stranded, "flow_map.png": draw_map,
             "heatmap.png": draw_heat, "capacity_gap.png": draw_gap, "tornado.png": draw_tornado}
    sizes = {"flow_map.png": (7.0, 6.0)}
    writers = {name: (lambda path, draw=draw, size=sizes.get(name, (7.0, 4.2)): plotting.save_panel(draw, path, size))
               for name, draw in drawn.items() if draw is not None}
    frame = compare.readable_frame(table, max_groups=3)
    draw_table = lambda ax: plotting.table_panel(  # noqa: E731
        ax, frame.to_numpy().tolist(), list(frame.columns), list(frame.index),
        "Key outcomes: median [10%, 90%] over runs; differences paired on seed")
    skipped = lambda title, what: (lambda ax: plotting.note_panel(  # noqa: E731
        ax, next((n for n in notes if n.startswith(what)), f"{what} skipped"), title))
    panels = [draw_displaced, draw_stranded,
              draw_map or skipped("Flow map", "flow map"),
              draw_gap or skipped("Capacity gap", "capacity-gap"),
              draw_heat or skipped("Two-parameter sweep", "heatmap"),
              draw_tornado or skipped("Sensitivity", "tornado"),
              ("wide", draw_table)]
    scen = ", ".join(sorted({str((run_metadata(folder, r).get("config") or {}).get("scenario", {}).get("name", "?"))
                             for r in base_runs[:1] + list(outcomes["run"])[:50]}))
    title = f"crisisflow brief: {scen}"
    subtitle = (f"{len(outcomes)} runs" + ("" if by == "all" else
                f" by {by} ({', '.join(_label(g) for g in groups)}); baseline {by} = {_label(baseline)}")
                + "; phases shaded: emergency (orange), recovery (green)")
    footer = footer_text(df, folder, swept, by, baseline, failed)
    writers[PDF_FILE] = lambda path: plotting.brief_page(title, subtitle, panels, footer, path)
    output.write_staged(out, writers)
    for name in FIGURES:  # a figure left from an earlier brief that this one skipped would mislead
        if name not in writers and (out / name).exists():
            (out / name).unlink()
    return out / PDF_FILE


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="crisisflow-brief", description=__doc__.split("\n")[0])
    parser.add_argument("source", type=Path, help="a sweep folder (or a folder of sweeps) or a collected .parquet")
    parser.add_argument("--by", default=None, help="the swept key whose values are compared (default: the first)")
    parser.add_argument("--baseline", default=None, help="the baseline value of --by (default: none, else the first)")
    parser.add_argument("--outcome", default="peak_displaced", choices=compare.OUTCOMES,
                        help="the outcome of the heatmap and the tornado chart")
    parser.add_argument("--top", type=int, default=8, help="sites in the capacity-gap bars")
    parser.add_argument("--out", type=Path, default=None, help="folder for the figures (default SWEEP_DIR/brief)")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    try:
        pdf = brief(args.source, args.by, args.baseline, args.outcome, args.out, args.top,
                    progress=not args.no_progress)
    except (ValueError, FileNotFoundError) as err:
        print(f"crisisflow-brief: {err}", file=sys.stderr)
        raise SystemExit(2) from None
    print(pdf)


if __name__ == "__main__":
    main()
