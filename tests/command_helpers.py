"""Running the project's commands from tests: find them, run them in a new process or in this one, and the
small sweep that the tests of crisisflow-collect, -compare and -brief share."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def command(name: str) -> str | None:
    """The path of one of the project's commands (crisisflow, crisisflow-validate, ...) in this environment."""
    return shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)


CRISISFLOW = command("crisisflow")


def run_command(exe: str, args: list, cwd: Path, env: dict | None = None,
                timeout: float = 300) -> subprocess.CompletedProcess:
    """Run a command to its end, output captured, with Hydra's one-line error messages."""
    env = {**os.environ, "HYDRA_FULL_ERROR": "0", **(env or {})}
    return subprocess.run([exe, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env,
                          check=False)


def run_module(name: str, args: list, cwd: Path) -> subprocess.CompletedProcess:
    """`python -m crisisflow.experiments.<name> args` (the same code as the crisisflow-<name> command)."""
    return run_command(sys.executable, ["-m", f"crisisflow.experiments.{name}", *args], cwd)


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
    """`crisisflow -m args` into the sweep folder `sweep`."""
    return run_command(CRISISFLOW, ["-m", *args, f"hydra.sweep.dir={sweep}"], cwd)


SWEEP_ARGS = ["scenario=demo", "sim.seed=1,2", "policy=none,evacuation", "scenario.hosting_spare_share=0.1,0.3",
              "sim.days=25", "sim.progress=false", "output.figure=false"]
SWEEP_DAYS = 25
FAILED_JOB = "99"


def tiny_sweep(tmp_path_factory) -> Path:
    """One 8-run sweep (2 seeds x 2 policies x 2 hosting shares, 25 days) for the whole test session, plus a
    job folder that failed (overrides and error.txt, no results), in the session's base temporary folder."""
    if CRISISFLOW is None:
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
