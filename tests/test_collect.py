"""crisisflow-collect: one tidy table of every run of a sweep, swept keys and seed as columns, failures listed."""
from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from crisisflow.experiments import collect
from crisisflow.experiments.collect import parse_overrides

from command_helpers import CRISISFLOW, FAILED_JOB, SWEEP_DAYS, call_main, run_module, run_sweep

COLLECTED_COLUMNS = ["run", "seed", "policy", "scenario.hosting_spare_share", "day", "date", "indicator", "key",
                     "value"]


def test_collected_table_schema_and_failures(sweep, tmp_path):
    proc = run_module("collect", [sweep], tmp_path)
    assert proc.returncode == 0, proc.stderr
    path = Path(proc.stdout.strip().splitlines()[-1])
    assert path == sweep / "collected.parquet" and path.is_file()
    table = pq.read_table(path)
    assert table.column_names == COLLECTED_COLUMNS
    types = {f.name: f.type for f in table.schema}
    assert types["seed"] == pa.int64() and types["scenario.hosting_spare_share"] == pa.float64()
    assert types["day"] == pa.int32() and types["value"] == pa.float64() and types["date"] == pa.date32()
    assert json.loads(table.schema.metadata[b"crisisflow.swept"]) == ["policy", "scenario.hosting_spare_share"]
    df = table.to_pandas()
    for c in ("run", "policy", "indicator", "key"):
        df[c] = df[c].astype(str)
    assert df["run"].nunique() == 8 and FAILED_JOB not in set(df["run"])
    assert set(df["policy"]) == {"none", "evacuation"} and set(df["scenario.hosting_spare_share"]) == {0.1, 0.3}
    assert set(df["day"]) == set(range(SWEEP_DAYS))
    # one row per run, day, indicator and key; seed and swept values are constant within a run
    assert not df.duplicated(["run", "day", "indicator", "key"]).any()
    per_run = df.groupby("run")[["seed", "policy", "scenario.hosting_spare_share"]].nunique()
    assert (per_run == 1).all().all()
    runs = df.drop_duplicates("run")
    seeds = runs.groupby(["policy", "scenario.hosting_spare_share"])["seed"].apply(sorted).tolist()
    assert seeds == [[1, 2]] * 4  # the same seeds in every cell: common random numbers
    assert {"displaced", "stranded", "flow", "site_occupancy"} <= set(df["indicator"])
    # the failed job: listed with its overrides and error, in failures.json and on stderr
    failures = json.loads((sweep / "failures.json").read_text())
    assert [f["run"] for f in failures] == [FAILED_JOB]
    assert "policy=none" in failures[0]["overrides"] and "boom" in failures[0]["error"]
    assert f"failed run {FAILED_JOB}" in proc.stderr and "sim.seed=3" in proc.stderr


def test_out_option_writes_the_same_table_elsewhere(sweep, tmp_path, capsys):
    out = tmp_path / "all.parquet"
    code, stdout, _ = call_main(collect.main, [sweep, "--out", out, "--no-progress"], capsys)
    assert code == 0 and Path(stdout.strip().splitlines()[-1]) == out
    again = tmp_path / "again.parquet"
    call_main(collect.main, [sweep, "--out", again, "--no-progress"], capsys)
    assert pq.read_table(out).equals(pq.read_table(again))  # collecting twice gives the same table
    assert (tmp_path / "failures.json").is_file() and not list(tmp_path.glob(".partial-*"))


def test_sweep_whose_jobs_all_fail_lists_each_error(tmp_path, capsys):
    if CRISISFLOW is None:
        pytest.skip("the crisisflow command is not installed")
    sweep = tmp_path / "broken"
    run_sweep(["sim.seed=1", "scenario.path=/nonexistent", "sim.days=5"], sweep, tmp_path)
    code, stdout, stderr = call_main(collect.main, [sweep, "--no-progress"], capsys)
    assert code == 1  # nothing to collect, but the (empty) table and the failures are written
    assert Path(stdout.strip().splitlines()[-1]) == sweep / "collected.parquet"
    assert pq.read_table(sweep / "collected.parquet").num_rows == 0
    failures = json.loads((sweep / "failures.json").read_text())
    assert [f["run"] for f in failures] == ["0"]
    assert "scenario.path" in failures[0]["error"] and "scenario.path=/nonexistent" in failures[0]["overrides"]
    assert stderr.count("failed run") == 1 and "scenario.path=/nonexistent" in stderr


def test_folder_without_jobs_is_an_error(tmp_path, capsys):
    code, _, stderr = call_main(collect.main, [tmp_path], capsys)
    assert code == 2 and "no job folders" in stderr


def test_override_values_are_parsed():
    assert parse_overrides(["sim.seed=3", "scenario.hosting_spare_share=0.25", "policy=none", "+extra=abc",
                            "~rules.x", "hydra.sweep.dir=/x", "output.flows=false"]) == {
        "sim.seed": 3, "scenario.hosting_spare_share": 0.25, "policy": "none", "extra": "abc", "output.flows": False}
