"""The `crisisflow` command: default run end to end, overrides, multirun, Flee folders, bad input."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from command_helpers import command, run_command
from conftest import write_folder

EXE = command("crisisflow")
pytestmark = pytest.mark.skipif(EXE is None, reason="the crisisflow command is not installed")
METADATA_KEYS = {"config", "seed", "versions", "git_commit", "wall_s", "agent_steps"}


def run_cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return run_command(EXE, args, cwd)


def test_default_run_writes_table_metadata_and_figure(tmp_path):
    proc = run_cli(["sim.days=40", "sim.seed=5"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = Path(proc.stdout.strip().splitlines()[-1])
    assert out.is_dir() and out.is_relative_to(tmp_path / "results")
    table = pq.read_table(out / "results.parquet")
    assert table.column_names == ["day", "date", "indicator", "key", "value"]
    assert table.num_rows > 0 and set(table.column("day").to_pylist()) == set(range(40))
    meta = json.loads((out / "metadata.json").read_text())
    assert METADATA_KEYS <= set(meta)
    assert meta["seed"] == 5 and meta["config"]["sim"]["days"] == 40 and meta["agent_steps"] > 0
    assert (out / "figure.png").stat().st_size > 10_000


def test_multirun_over_seeds(tmp_path):
    proc = run_cli(["-m", "sim.seed=1,2", "sim.days=10", f"hydra.sweep.dir={tmp_path / 'sweep'}"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    seeds = sorted(json.loads((d / "metadata.json").read_text())["seed"] for d in (tmp_path / "sweep").iterdir()
                   if (d / "metadata.json").exists())
    assert seeds == [1, 2]


@pytest.mark.parametrize("override, named", [("sim.dayz=3", "dayz"), ("sim.days=abc", "sim.days"),
                                             ("scenario.format=xml", "scenario.format")])
def test_wrong_key_or_value_stops_before_the_run(tmp_path, override, named):
    proc = run_cli([override], tmp_path)
    assert proc.returncode != 0
    assert named in proc.stderr and "Traceback" not in proc.stderr
    assert not list(tmp_path.rglob("results.parquet"))


def test_bad_input_names_file_and_row_and_writes_nothing(tmp_path):
    folder = write_folder(tmp_path / "broken", ["A,town,Home,0,0,10,,", "B,town,Home,0,1,10,,"],
                          ["A,B,10,road,", "A,Nowhere,5,road,"], ["A,host_household,,10,5,1,0,0,0"])
    proc = run_cli([f"scenario.path={folder}"], tmp_path)
    assert proc.returncode == 2
    assert "routes.csv" in proc.stderr and "row 3" in proc.stderr and "Nowhere" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not list(tmp_path.rglob("results.parquet")) and not list(tmp_path.rglob("metadata.json"))


def test_flee_folder_runs(tmp_path, shared_flee):
    proc = run_cli(["scenario=flee", f"scenario.path={shared_flee / 'mali2012'}", "sim.days=20"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = Path(proc.stdout.strip().splitlines()[-1])
    assert out.parent.name == "mali2012"
    table = pq.read_table(out / "results.parquet").to_pydict()
    in_sites = [v for i, k, v in zip(table["indicator"], table["key"], table["value"]) if i == "persons_in_sites" and k == ""]
    assert in_sites[-1] > 0
