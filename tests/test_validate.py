"""The `crisisflow-validate` command: a short ensemble on mali2012, and bad input stopped with a one-line message."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from command_helpers import command, run_command

EXE = command("crisisflow-validate")
MALI = Path(__file__).resolve().parents[2] / "shared" / "data" / "flee" / "mali2012"
SUMMARY_KEYS = {"conflict", "ard", "ard_rescaled", "ard_sd", "ard_rescaled_sd", "ard_per_camp", "seeds", "days", "rules",
                "wall_s", "agent_steps", "versions", "git_commit"}
pytestmark = [pytest.mark.skipif(EXE is None, reason="the crisisflow-validate command is not installed"),
              pytest.mark.skipif(not MALI.is_dir(), reason="../shared/data/flee/mali2012 is not beside the project")]


def validate(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return run_command(EXE, args, cwd)


@pytest.fixture(scope="module")
def short_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("validate") / "mali2012"
    proc = validate([str(MALI), "--seeds", "2", "sim.days=30", "--out", str(out)], out.parent)
    assert proc.returncode == 0, proc.stderr
    return proc, out


def test_last_line_is_the_summary(short_run):
    proc, out = short_run
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert SUMMARY_KEYS <= set(summary) and "config" not in summary
    assert summary["conflict"] == "mali2012" and summary["seeds"] == 2 and summary["days"] == 30
    assert summary["rules"] in ("flee", "crisisflow") and summary["agent_steps"] > 0
    assert 0 < summary["ard"] < 2 and 0 <= summary["ard_rescaled"] < 2 and summary["ard_sd"] >= 0
    assert len(summary["ard_per_camp"]) == 7
    # with two seeds the median contribution is the mean, so the contributions add up to the mean score
    assert sum(summary["ard_per_camp"].values()) == pytest.approx(summary["ard"], abs=1e-4)
    written = json.loads((out / "summary.json").read_text())
    assert written["ard"] == summary["ard"] and written["config"]["sim"]["days"] == 30


def test_table_and_figures(short_run):
    _, out = short_run
    table = pq.read_table(out / "camps.parquet")
    assert table.column_names == ["day", "date", "camp", "seed", "simulated", "observed"]
    assert table.num_rows == 2 * 30 * 7
    assert set(table.column("seed").to_pylist()) == {0, 1}
    figures = sorted(out.glob("camp*.png"))
    assert len(figures) == 1 + 7 and all(f.stat().st_size > 10_000 for f in figures)
    assert not list(out.glob(".partial-*"))


def _copy_mali(tmp_path: Path) -> Path:
    return Path(shutil.copytree(MALI, tmp_path / "mali2012"))


def _camp_renamed_in_layout(folder: Path) -> None:
    layout = folder / "source_data" / "data_layout.csv"
    layout.write_text(layout.read_text().replace("Niamey,", "Niamey-Ville,"))  # a name locations.csv lacks


def _camp_file_emptied(folder: Path) -> None:
    (folder / "source_data" / "bf-bobo.csv").write_text("")


@pytest.mark.parametrize("edit, named", [
    (None, "not a Flee folder"),
    (_camp_renamed_in_layout, "camp 'Niamey' has no row in"),
    (_camp_file_emptied, "bf-bobo.csv"),
])
def test_bad_input_exits_2_naming_the_file(tmp_path, edit, named):
    if edit is None:
        folder = tmp_path / "not_flee"
        folder.mkdir()
        (folder / "locations.csv").write_text("name\n")
    else:
        folder = _copy_mali(tmp_path)
        edit(folder)
    proc = validate([str(folder), "--seeds", "1", "sim.days=5", "--out", str(tmp_path / "out")], tmp_path)
    assert proc.returncode == 2
    assert "crisisflow-validate: bad input:" in proc.stderr and named in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "out").exists()


def test_wrong_override_stops_with_hydra_message(tmp_path):
    proc = validate([str(MALI), "sim.dayz=3", "--out", str(tmp_path / "out")], tmp_path)
    assert proc.returncode != 0 and "dayz" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()
