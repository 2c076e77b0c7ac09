"""Sweeps (Hydra multirun) through the launchers: joblib on local processes and Ray on a local instance;
a failed job does not stop the others and leaves error.txt; re-running a sweep skips the jobs already finished."""
from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from command_helpers import command, run_command

EXE = command("crisisflow")
pytestmark = pytest.mark.skipif(EXE is None, reason="the crisisflow command is not installed")
SMALL = ["scenario=demo", "sim.days=5", "output.figure=false", "output.flows=false", "sim.progress=false"]


def sweep(args: list[str], cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return run_command(EXE, ["-m", *SMALL, *args], cwd, env)


def seeds_of(sweep_dir: Path) -> list[int]:
    return sorted(json.loads((d / "metadata.json").read_text())["seed"] for d in sweep_dir.iterdir()
                  if (d / "metadata.json").is_file() and (d / "results.parquet").is_file())


def test_sweep_through_joblib(tmp_path):
    proc = sweep(["hydra/launcher=local", "sim.seed=1,2", f"hydra.sweep.dir={tmp_path / 'sweep'}"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Joblib.Parallel(n_jobs=2" in proc.stdout + proc.stderr
    assert seeds_of(tmp_path / "sweep") == [1, 2]


def test_sweep_through_ray_on_a_local_instance(tmp_path):
    if importlib.util.find_spec("ray") is None or importlib.util.find_spec("hydra_plugins.hydra_ray_launcher") is None:
        pytest.skip("ray and hydra-ray-launcher are not installed (pip install -e '.[launchers]')")
    # Ray's own state goes to a short private folder (its socket paths must stay under ~100 characters); no token
    # authentication (Ray 2.60 would otherwise save a token under ~/.ray) and no usage reports. The local instance
    # belongs to the crisisflow process and stops with it.
    ray_tmp = tempfile.mkdtemp(prefix="cfray")
    env = {"RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0", "RAY_TMPDIR": ray_tmp}
    try:
        proc = sweep(["hydra/launcher=ray_local", "sim.seed=1,2", f"hydra.sweep.dir={tmp_path / 'sweep'}"],
                     tmp_path, env)
    finally:
        shutil.rmtree(ray_tmp, ignore_errors=True)
    assert proc.returncode == 0, proc.stderr
    assert "Ray Launcher is launching 2 jobs" in proc.stdout + proc.stderr
    assert seeds_of(tmp_path / "sweep") == [1, 2]
    threads = {json.loads((d / "metadata.json").read_text())["threads"] for d in (tmp_path / "sweep").iterdir()
               if d.is_dir()}
    assert threads == {1}  # NUMBA_NUM_THREADS=1 in every Ray worker (configs/hydra/launcher/ray_local.yaml)


def test_failed_job_does_not_stop_the_others_and_a_rerun_resumes(tmp_path):
    # the first job fails (no such folder); the basic launcher runs jobs in order, so the second one must still run
    args = ["scenario.path=/nonexistent,demo", f"hydra.sweep.dir={tmp_path / 'sweep'}"]
    proc = sweep(args, tmp_path)
    failed, good = tmp_path / "sweep" / "0", tmp_path / "sweep" / "1"
    assert proc.returncode != 0
    assert "scenario.path=/nonexistent" in proc.stderr and "scenario folder not found" in proc.stderr
    error = (failed / "error.txt").read_text()
    assert "scenario folder not found" in error and "overrides: " in error and "scenario.path=/nonexistent" in error
    assert not (failed / "results.parquet").exists()
    assert (good / "results.parquet").is_file() and (good / "metadata.json").is_file()
    assert not (good / "error.txt").exists()

    mtime = (good / "results.parquet").stat().st_mtime_ns
    proc = sweep(args, tmp_path)
    assert proc.returncode != 0  # the bad job fails again ...
    assert f"skipped, finished before: {good}" in proc.stdout  # ... the finished one is not run again
    assert (good / "results.parquet").stat().st_mtime_ns == mtime
    assert (failed / "error.txt").is_file()
