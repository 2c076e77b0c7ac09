"""crisisflow-collect: one tidy table of every run of a sweep, swept keys and seed as columns, failures listed."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from crisisflow.experiments import collect
from crisisflow.experiments.collect import parse_overrides

EXE = shutil.which("crisisflow", path=str(Path(sys.executable).parent)) or shutil.which("crisisflow")
SWEEP_ARGS = ["scenario=demo", "sim.seed=1,2", "policy=none,evacuation", "scenario.hosting_spare_share=0.1,0.3", "sim.days=25",
              "sim.progress=false", "output.figure=false"]
DAYS = 25
FAILED_JOB = "99"
COLLECTED_COLUMNS = ["run", "seed", "policy", "scenario.hosting_spare_share", "day", "date", "indicator", "key",
                     "value"]


def run_module(name: str, args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """`python -m crisisflow.experiments.<name> args` (the same code as the crisisflow-<name> command)."""
    env = {**os.environ, "HYDRA_FULL_ERROR": "0"}
    return subprocess.run([sys.executable, "-m", f"crisisflow.experiments.{name}", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=300, env=env)


def call_main(main, args: list, capsys) -> tuple[int, str, str]:
    """A command's main(argv) in this process (faster than a new interpreter): (exit code, stdout, stderr)."""
    code = 0
    try:
        main([str(a) for a in args])
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    out = capsys.readouterr()
    return code, out.out, out.err


def run_sweep(args: list[str], sweep: Path, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "HYDRA_FULL_ERROR": "0"}
    return subprocess.run([EXE, "-m", *args, f"hydra.sweep.dir={sweep}"], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=env)


def tiny_sweep(tmp_path_factory) -> Path:
    """One 8-run sweep (2 seeds x 2 policies x 2 hosting shares, 25 days) for the whole test session, plus a
    job folder that failed (overrides and error.txt, no results). Shared by test_collect, test_compare and
    test_brief through the session's base temporary folder."""
    if EXE is None:
        pytest.skip("the crisisflow command is not installed")
    base = tmp_path_factory.getbasetemp()
    sweep = base / "tiny_sweep"
    if (base / "tiny_sweep.done").exists():
        return sweep
    proc = run_sweep(SWEEP_ARGS, sweep, base)
    assert proc.returncode == 0, proc.stderr[-3000:]
    failed = sweep / FAILED_JOB
    (failed / ".hydra").mkdir(parents=True)
    (failed / ".hydra" / "overrides.yaml").write_text(
        "- sim.seed=3\n- policy=none\n- scenario.hosting_spare_share=0.1\n- sim.days=25\n")
    (failed / "error.txt").write_text("RuntimeError: boom in the kernel\noverrides: sim.seed=3 policy=none\n")
    (base / "tiny_sweep.done").write_text("")
    return sweep


@pytest.fixture(scope="session")
def sweep(tmp_path_factory) -> Path:
    return tiny_sweep(tmp_path_factory)


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
    assert set(df["day"]) == set(range(DAYS))
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
    if EXE is None:
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
