"""Seed ensembles: median and 10-90% band per group, and paired differences on common random numbers.

An ensemble is N seeds per scenario, run as one sweep so every scenario gets the
same seeds:

    crisisflow -m "sim.seed=range(1,21)" policy=none,evacuation

crisisflow draws every random number from (seed, agent, day, purpose) alone
(model/rng.py), so two scenarios run with the same seed give each agent the same
draws: common random numbers. A difference between two scenarios is then taken
seed by seed (paired), which removes most of the seed-to-seed noise that two
independent ensembles would carry.

Percentiles are NumPy's default (linear interpolation between order statistics);
with fewer than 10 seeds the 10% and 90% points lie between the two lowest and
the two highest values.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

SERIES_KEYS = ["day", "indicator", "key"]
QUANTILES = {"p10": 0.1, "median": 0.5, "p90": 0.9}


def summarise(values) -> dict[str, float]:
    """Median and 10-90% interval of a set of values (NaN left out), with the count used."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return {"median": np.nan, "p10": np.nan, "p90": np.nan, "n": 0}
    p10, med, p90 = np.percentile(v, [10, 50, 90])
    return {"median": float(med), "p10": float(p10), "p90": float(p90), "n": int(len(v))}


def _quantile_frame(grouped, value: str) -> pd.DataFrame:
    out = grouped[value].quantile(list(QUANTILES.values())).unstack()
    out.columns = list(QUANTILES)
    out["n"] = grouped[value].count()
    return out[["median", "p10", "p90", "n"]].reset_index()


def bands(table: pd.DataFrame, by: Sequence[str] = (), *, value: str = "value",
          on: Sequence[str] = SERIES_KEYS, indicators: Sequence[str] | None = None) -> pd.DataFrame:
    """Reduce a collected table to median, p10, p90 and n (runs) per (group, day, indicator, key).

    `by` are the grouping columns (e.g. ["policy"]); runs in a group are the seeds (and any other swept values).
    `indicators` limits the work to some indicators. A `date` column is carried along when present.
    """
    t = table if indicators is None else table[table["indicator"].isin(list(indicators))]
    keys = [*by, *on]
    out = _quantile_frame(t.groupby(keys, observed=True, sort=True, dropna=False), value)
    if "date" in t.columns and "day" in on:
        dates = t.drop_duplicates([*by, "day"])[[*by, "day", "date"]]
        out = out.merge(dates, on=[*by, "day"], how="left")
    return out


def series_band(table: pd.DataFrame, indicator: str, key: str = "", by: Sequence[str] = ()) -> pd.DataFrame:
    """Bands of one series (e.g. displaced, key '') per group and day."""
    t = table[(table["indicator"] == indicator) & (table["key"] == key)]
    return bands(t, by, on=["day"])


def paired_differences(table: pd.DataFrame, by: str, baseline, *, value: str = "value",
                       on: Sequence[str] = SERIES_KEYS, match: Sequence[str] | None = None) -> pd.DataFrame:
    """Seed-by-seed differences `value(group) - value(baseline)` for every group of column `by` but the baseline.

    Rows are matched on `seed`, on `on` (day, indicator, key for a collected table; nothing for a table of
    outcomes per run) and on `match`: the other swept columns, so a sweep over policy x hosting share pairs
    each policy run with the baseline run of the same seed and hosting share. `match=None` takes every column
    that is not `by`, `seed`, `run`, `date`, `value` or in `on` (right for a collected table; pass the swept
    keys for other tables). Returns the matched rows with `diff`
    (and `baseline_value`); groups without a baseline run of the same seed are left out.
    """
    if match is None:
        skip = {by, "seed", "run", "date", value, *on}
        match = [c for c in table.columns if c not in skip]
    keys = ["seed", *on, *match]
    is_base = table[by].astype(str) == str(baseline)
    base = table.loc[is_base, [*keys, value]].rename(columns={value: "baseline_value"})
    other = table.loc[~is_base]
    paired = other.merge(base, on=keys, how="inner")
    paired["diff"] = paired[value] - paired["baseline_value"]
    return paired


def difference_bands(table: pd.DataFrame, by: str, baseline, *, value: str = "value",
                     on: Sequence[str] = SERIES_KEYS, match: Sequence[str] | None = None) -> pd.DataFrame:
    """Median and 10-90% interval of the paired differences, per (group, *on)."""
    paired = paired_differences(table, by, baseline, value=value, on=on, match=match)
    return _quantile_frame(paired.groupby([by, *on], observed=True, sort=True), "diff")
