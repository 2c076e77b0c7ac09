"""`crisisflow-compare`: key outcomes per scenario with intervals, and paired differences against a baseline.

    crisisflow-compare SWEEP_DIR --by policy --baseline none
    crisisflow-compare SWEEP_DIR/collected.parquet --by scenario.hosting_spare_share

SWEEP_DIR is collected first (crisisflow-collect). Every run is reduced to six
outcomes, read from its tidy table (totals are the rows with key ''):

- `peak_displaced`: the largest daily value of `displaced`.
- `stranded_person_days`: `stranded` summed over the days of the run.
- `evacuated`: `evacuated_cumulative` on the last day.
- `days_to_90pct_safe`: days from the first day anyone is displaced until 90% of the persons displaced so far
  are safe, and stay so to the end of the run. "Displaced so far" are the persons in a displaced status (on the
  move, waiting, stranded, in a site, hosted, self-settled) plus those who left that status for good (crossed a
  border, evacuated, resettled, returned, locally integrated), from `persons_by_status`; "safe" are all of them
  but those on the move, waiting or stranded. NaN when the run ends before that (or no one is displaced).
- `site_overcapacity_days`: the number of days on which at least one site has more persons at it than places:
  persons at the site's location (`persons`: admitted, or queued at its gate because it is full) above its
  places that day (`site_capacity`: opening, closing or growing sites count; 0 while closed). Sites without a
  capacity are left out.
- `returns_by_day_365`: `returned_cumulative` on day 364 (the 365th day), or on the last day of a shorter run.

Per group of `--by` the table gives the number of runs, the median and the 10-90% interval over runs (NaN
values left out; `n` counts the rest), and the median and 10-90% interval of the paired differences against
the baseline group: runs with the same seed (and the same values of any other swept key) minus the baseline
run (common random numbers; see experiments/ensemble.py). Writes compare.csv, compare.parquet (one row per
group and outcome) and outcomes.csv (one row per run) into the sweep folder (or --out), prints the table, and
prints the path of compare.csv last.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from . import collect, ensemble

OUTCOMES = ["peak_displaced", "stranded_person_days", "evacuated", "days_to_90pct_safe",
            "site_overcapacity_days", "returns_by_day_365"]
OUTCOME_LABELS = {
    "peak_displaced": "peak displaced (persons)",
    "stranded_person_days": "stranded (person-days)",
    "evacuated": "evacuated (persons)",
    "days_to_90pct_safe": "days until 90% of displaced are safe",
    "site_overcapacity_days": "site over-capacity days",
    "returns_by_day_365": "returns by day 365 (persons)",
}
UNSAFE_STATUSES = ["on_the_move", "waiting", "stranded"]
SAFE_STATUSES = ["in_site", "hosted", "self_settled", "crossed_border", "evacuated", "resettled", "returned",
                 "locally_integrated"]
COMPARE_COLUMNS = ["by", "group", "outcome", "runs", "n", "median", "p10", "p90", "baseline", "pairs",
                   "diff_median", "diff_p10", "diff_p90"]
_NEEDED = {"displaced", "stranded", "evacuated_cumulative", "persons_by_status", "site_capacity",
           "persons_in_sites", "persons", "returned_cumulative"}
SITE_COLUMNS = ["persons", "persons_in_sites", "capacity"]


def _total(run: pd.DataFrame, indicator: str) -> np.ndarray:
    s = run[(run["indicator"] == indicator) & (run["key"] == "")].sort_values("day")
    return s["value"].to_numpy(dtype=np.float64)


def days_to_safe(safe: np.ndarray, unsafe: np.ndarray, share: float = 0.9) -> float:
    """Days from the first day anyone is displaced until `share` of the displaced so far are safe for good."""
    total = safe + unsafe
    started = np.nonzero(total > 0)[0]
    if len(started) == 0:
        return np.nan
    onset = started[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = np.where(total > 0, safe / np.where(total > 0, total, 1) >= share, True)
    if not ok[-1]:
        return np.nan
    below = np.nonzero(~ok[onset:])[0]
    return float(below[-1] + 1) if len(below) else 0.0


def site_load(rows: pd.DataFrame) -> pd.DataFrame:
    """Per ([run,] day, site): persons at the site (in it or queued at it), persons in it, and its places that day
    (`site_capacity`: 0 while closed, NaN on a day without a limit). Only sites with a capacity."""
    group = ["run"] if "run" in rows.columns else []
    sites = rows.loc[rows["indicator"] == "site_capacity", "key"].unique()
    sub = rows[rows["indicator"].isin(["persons", "persons_in_sites", "site_capacity"]) & rows["key"].isin(sites)]
    if sub.empty:
        return pd.DataFrame(columns=[*group, "day", "key", *SITE_COLUMNS])
    sub = sub.assign(indicator=sub["indicator"].astype(str), key=sub["key"].astype(str))
    w = sub.set_index([*group, "key", "day", "indicator"])["value"].unstack("indicator").sort_index()
    inside = w["persons_in_sites"] if "persons_in_sites" in w else pd.Series(0.0, index=w.index)
    persons = w["persons"] if "persons" in w else inside
    out = pd.DataFrame({"persons": persons.fillna(inside), "persons_in_sites": inside, "capacity": w["site_capacity"]})
    return out.reset_index()


def run_outcomes_one(run: pd.DataFrame) -> dict[str, float]:
    """The six outcomes of one run's tidy rows (columns day, indicator, key, value)."""
    out: dict[str, float] = {}
    displaced = _total(run, "displaced")
    out["peak_displaced"] = float(displaced.max()) if len(displaced) else np.nan
    stranded = _total(run, "stranded")
    out["stranded_person_days"] = float(stranded.sum()) if len(stranded) else np.nan
    evac = _total(run, "evacuated_cumulative")
    out["evacuated"] = float(evac[-1]) if len(evac) else np.nan
    status = run[run["indicator"] == "persons_by_status"].pivot_table(index="day", columns="key", values="value",
                                                                      aggfunc="sum", observed=True)
    if len(status):
        pick = lambda names: status.reindex(columns=names).fillna(0.0).sum(axis=1).to_numpy()  # noqa: E731
        out["days_to_90pct_safe"] = days_to_safe(pick(SAFE_STATUSES), pick(UNSAFE_STATUSES))
    else:
        out["days_to_90pct_safe"] = np.nan
    load = site_load(run)
    over = load["persons"] > load["capacity"]  # NaN capacity (unknown) never counts
    out["site_overcapacity_days"] = float(load.loc[over, "day"].nunique())
    ret = _total(run, "returned_cumulative")[:365]  # days 0..364
    out["returns_by_day_365"] = float(ret[-1]) if len(ret) else np.nan
    return out


def run_outcomes(table: pd.DataFrame, swept: list[str], progress: bool = True) -> pd.DataFrame:
    """One row per run: run, seed, the swept keys and the six outcomes."""
    t = table[table["indicator"].isin(_NEEDED)]
    info_cols = ["run", "seed", *[k for k in swept if k in table.columns]]
    info = table.drop_duplicates("run")[info_cols].set_index("run")
    rows = []
    runs = t.groupby("run", sort=False, observed=True)
    for run, rows_of_run in tqdm(runs, total=runs.ngroups, desc="outcomes", unit="run", file=sys.stderr,
                                 disable=not progress):
        rows.append({"run": run, **run_outcomes_one(rows_of_run)})
    outcomes = pd.DataFrame(rows, columns=["run", *OUTCOMES])
    return info.join(outcomes.set_index("run"), how="inner").reset_index()


def default_by(swept: list[str]) -> str | None:
    """The swept key to compare by when none is given: the first one swept."""
    return swept[0] if swept else None


def default_baseline(groups: list) -> object:
    names = [str(g) for g in groups]
    for pref in ("none", "default", "baseline"):
        if pref in names:
            return groups[names.index(pref)]
    return groups[0]


def compare_outcomes(outcomes: pd.DataFrame, by: str | None, baseline=None,
                     swept: list[str] | None = None) -> pd.DataFrame:
    """Long comparison table (COMPARE_COLUMNS): per group and outcome, intervals over runs and paired differences."""
    o = outcomes.copy()
    if by is None:
        by = "all"
        o[by] = "all"
    groups = sorted(o[by].dropna().unique().tolist(), key=lambda g: (str(type(g)), g))
    if baseline is None:
        baseline = default_baseline(groups)
    names = [str(g) for g in groups]
    if str(baseline) not in names:
        raise ValueError(f"baseline '{baseline}' is not a value of '{by}' (values: {', '.join(names)})")
    baseline = groups[names.index(str(baseline))]
    groups = [baseline, *[g for g in groups if g != baseline]]
    match = [k for k in (swept or []) if k != by and k in o.columns]
    rows = []
    for outcome in OUTCOMES:
        paired = ensemble.paired_differences(o[[by, "seed", *match, outcome]], by, baseline, value=outcome,
                                             on=[], match=match)
        for g in groups:
            vals = o.loc[o[by] == g, outcome]
            s = ensemble.summarise(vals)
            row = {"by": by, "group": str(g), "outcome": outcome, "runs": int(len(vals)), "n": s["n"],
                   "median": s["median"], "p10": s["p10"], "p90": s["p90"], "baseline": str(baseline)}
            if g == baseline:
                row.update(pairs=0, diff_median=np.nan, diff_p10=np.nan, diff_p90=np.nan)
            else:
                d = ensemble.summarise(paired.loc[paired[by] == g, "diff"])
                row.update(pairs=d["n"], diff_median=d["median"], diff_p10=d["p10"], diff_p90=d["p90"])
            rows.append(row)
    return pd.DataFrame(rows, columns=COMPARE_COLUMNS)


def _fmt(x: float) -> str:
    if x is None or not np.isfinite(x):
        return "-"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def readable_frame(table: pd.DataFrame, max_groups: int | None = None) -> pd.DataFrame:
    """Outcomes as rows, groups as columns: 'median [p10, p90]' and, against the baseline, 'diff [p10, p90]'."""
    cols: dict[str, list[str]] = {}
    base = table["baseline"].iloc[0] if len(table) else ""
    for g in list(table["group"].unique())[:max_groups]:
        sub = table[table["group"] == g].set_index("outcome").reindex(OUTCOMES)
        cols[g] = [f"{_fmt(r.median)} [{_fmt(r.p10)}, {_fmt(r.p90)}]" for r in sub.itertuples()]
        if g != base:
            cols[f"{g} - {base}"] = [f"{_fmt(r.diff_median)} [{_fmt(r.diff_p10)}, {_fmt(r.diff_p90)}]"
                                     for r in sub.itertuples()]
    return pd.DataFrame(cols, index=[OUTCOME_LABELS[o] for o in OUTCOMES])


def readable(table: pd.DataFrame) -> str:
    """The comparison as printed text, with a line saying how to read it."""
    frame = readable_frame(table)
    by = table["by"].iloc[0] if len(table) else ""
    base = table["baseline"].iloc[0] if len(table) else ""
    runs = table.groupby("group", sort=False)["runs"].first()
    head = (f"by {by}; median [10%, 90%] over runs; differences paired on seed against {by}={base}; "
            f"runs per group: {', '.join(f'{g}={n}' for g, n in runs.items())}")
    with pd.option_context("display.width", 200, "display.max_colwidth", 40):
        return head + "\n" + frame.to_string()


def compare(source: Path, by: str | None = None, baseline=None, out: Path | None = None,
            progress: bool = True) -> tuple[Path, pd.DataFrame, pd.DataFrame]:
    """Collect (if a folder), compute outcomes and the comparison, write them. Returns (csv path, table, outcomes)."""
    df, swept, folder = collect.load(Path(source), progress=progress)
    if df.empty:
        raise ValueError(f"{source}: no finished runs to compare")
    if by is not None and by not in df.columns:
        raise ValueError(f"'{by}' is not a swept key of {source} (swept: {', '.join(swept) or 'none'})")
    by = by if by is not None else default_by(swept)
    outcomes = run_outcomes(df, swept, progress)
    table = compare_outcomes(outcomes, by, baseline, swept)
    out = Path(out) if out is not None else folder
    out.mkdir(parents=True, exist_ok=True)
    csv = out / "compare.csv"
    collect._staged_write(csv, lambda p: table.to_csv(p, index=False))
    collect._staged_write(out / "compare.parquet", lambda p: table.to_parquet(p, index=False))
    collect._staged_write(out / "outcomes.csv", lambda p: outcomes.to_csv(p, index=False))
    return csv, table, outcomes


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="crisisflow-compare", description=__doc__.split("\n")[0])
    parser.add_argument("source", type=Path, help="a sweep folder or a collected .parquet")
    parser.add_argument("--by", default=None, help="the swept key whose values are compared (default: the first)")
    parser.add_argument("--baseline", default=None, help="the baseline value of --by (default: none, else the first)")
    parser.add_argument("--out", type=Path, default=None, help="folder for compare.csv etc. (default: the sweep's)")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    try:
        csv, table, _ = compare(args.source, args.by, args.baseline, args.out, progress=not args.no_progress)
    except (ValueError, FileNotFoundError) as err:
        print(f"crisisflow-compare: {err}", file=sys.stderr)
        raise SystemExit(2) from None
    print(readable(table))
    print(csv)


if __name__ == "__main__":
    main()
