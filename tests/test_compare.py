"""crisisflow-compare and the ensemble reductions: outcome definitions, intervals, paired differences."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from crisisflow.experiments import compare, ensemble

from command_helpers import call_main



def test_comparison_table_columns_and_pairs(sweep, tmp_path, capsys):
    code, stdout, stderr = call_main(compare.main, [sweep, "--by", "policy", "--baseline", "none", "--out", tmp_path,
                                                    "--no-progress"], capsys)
    assert code == 0, stderr
    csv = Path(stdout.strip().splitlines()[-1])
    assert csv == tmp_path / "compare.csv"
    table = pd.read_csv(csv, keep_default_na=True)
    assert list(table.columns) == compare.COMPARE_COLUMNS
    assert list(pd.read_parquet(tmp_path / "compare.parquet").columns) == compare.COMPARE_COLUMNS
    assert set(table["outcome"]) == set(compare.OUTCOMES) == {
        "peak_displaced", "stranded_person_days", "evacuated", "days_to_90pct_safe", "site_overcapacity_days",
        "returns_by_day_365"}
    assert list(table["group"].unique()) == ["none", "evacuation"]  # the baseline first
    assert (table["runs"] == 4).all() and (table["baseline"] == "none").all()
    base, other = table[table["group"] == "none"], table[table["group"] == "evacuation"]
    assert base["diff_median"].isna().all() and (base["pairs"] == 0).all()
    # 2 seeds x 2 hosting shares, each paired with its own baseline run (fewer where an outcome is NaN)
    assert (other["pairs"] <= 4).all() and (other.loc[other["outcome"] == "peak_displaced", "pairs"] == 4).all()
    ok = table.dropna(subset=["median"])
    assert ((ok["p10"] <= ok["median"]) & (ok["median"] <= ok["p90"])).all()
    peak = table[(table["outcome"] == "peak_displaced")]
    assert (peak["median"] > 0).all()
    # the printed table names every outcome and the paired column
    assert "peak displaced" in stdout and "evacuation - none" in stdout
    outcomes = pd.read_csv(tmp_path / "outcomes.csv")
    assert len(outcomes) == 8 and {"run", "seed", "policy", *compare.OUTCOMES} <= set(outcomes.columns)


def test_unknown_key_or_baseline_is_an_error(sweep, tmp_path, capsys):
    code, _, stderr = call_main(compare.main, [sweep, "--by", "nope", "--out", tmp_path], capsys)
    assert code == 2 and "nope" in stderr
    code, _, stderr = call_main(compare.main, [sweep, "--by", "policy", "--baseline", "x", "--out", tmp_path], capsys)
    assert code == 2 and "baseline 'x'" in stderr


def _tidy(series: dict[tuple[str, str], list[float]]) -> pd.DataFrame:
    rows = [(d, ind, key, v) for (ind, key), vals in series.items() for d, v in enumerate(vals)]
    return pd.DataFrame(rows, columns=["day", "indicator", "key", "value"])


def test_outcomes_of_one_run_follow_their_definitions():
    run = _tidy({
        ("displaced", ""): [0, 10, 30, 20],
        ("stranded", ""): [0, 5, 5, 1],
        ("evacuated_cumulative", ""): [0, 2, 4, 7],
        ("returned_cumulative", ""): [0, 0, 1, 3],
        # site A holds 10: full on days 1-3, with 4 more queued at its gate on day 2
        ("site_capacity", "A"): [10, 10, 10, 10],
        ("persons_in_sites", "A"): [5, 10, 10, 10],
        ("persons", "A"): [5, 10, 14, 10],
        # site B holds 20, closed on day 3 with 2 persons left at its gate
        ("site_capacity", "B"): [20, 20, 20, 0],
        ("persons_in_sites", "B"): [0, 10, 20, 0],
        ("persons", "B"): [0, 10, 21, 2],
        # site D has no limit on day 1 (NaN): 99 persons there are no excess
        ("site_capacity", "D"): [5, np.nan, 5, 5],
        ("persons", "D"): [0, 99, 0, 0],
        # site C has no capacity: never counted
        ("persons", "C"): [50, 50, 50, 50],
        ("persons_by_status", "on_the_move"): [0, 8, 5, 0],
        ("persons_by_status", "in_site"): [0, 2, 20, 20],
        ("persons_by_status", "evacuated"): [0, 0, 5, 10],
    })
    out = compare.run_outcomes_one(run)
    assert out["peak_displaced"] == 30 and out["stranded_person_days"] == 11 and out["evacuated"] == 7
    assert out["site_overcapacity_days"] == 2  # day 2 (A and B over) and day 3 (B closed, 2 persons there)
    assert out["returns_by_day_365"] == 3  # a run shorter than a year: the last day
    # safe shares from day 1 (onset): 0.2, 25/30, 1.0 -> 90% reached on day 3 and held: 2 days after onset
    assert out["days_to_90pct_safe"] == 2


def test_days_to_safe_needs_the_share_to_hold_to_the_end():
    assert compare.days_to_safe(np.array([0, 9, 5, 9.0]), np.array([0, 1, 5, 1.0])) == 2  # onset day 1, dips on day 2
    assert np.isnan(compare.days_to_safe(np.array([0, 9, 5.0]), np.array([0, 1, 5.0])))  # ends below 90%
    assert np.isnan(compare.days_to_safe(np.zeros(3), np.zeros(3)))  # no one displaced


def test_bands_give_median_and_10_90_interval_per_group_and_day():
    seeds = np.arange(1, 12)
    df = pd.DataFrame([{"policy": p, "seed": s, "day": d, "indicator": "x", "key": "", "value": s * (d + 1)}
                       for p in ("a", "b") for s in seeds for d in range(3)])
    b = ensemble.bands(df, ["policy"])
    row = b[(b["policy"] == "a") & (b["day"] == 0)].iloc[0]
    assert (row["median"], row["p10"], row["p90"], row["n"]) == (6.0, 2.0, 10.0, 11)


def test_paired_differences_use_the_same_seed():
    # seeds differ a lot, the policy adds exactly 5: paired differences are exactly 5, unpaired would spread widely
    rng = np.random.default_rng(0)
    level = {s: rng.normal(100, 30) for s in range(1, 9)}
    df = pd.DataFrame([{"policy": p, "share": h, "seed": s, "day": 0, "indicator": "x", "key": "",
                        "value": level[s] + h + (5.0 if p == "b" else 0.0)}
                       for p in ("a", "b") for h in (0.0, 50.0) for s in level])
    paired = ensemble.paired_differences(df, "policy", "a")
    assert len(paired) == 16 and np.allclose(paired["diff"], 5.0)  # matched on seed and on the other swept key
    d = ensemble.difference_bands(df, "policy", "a")
    assert np.allclose(d[["median", "p10", "p90"]].to_numpy(), 5.0) and (d["n"] == 16).all()
    s = ensemble.summarise([1, 2, np.nan, 3])
    assert s == {"median": 2.0, "p10": 1.2, "p90": 2.8, "n": 3}
