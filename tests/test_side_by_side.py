"""`crisisflow-bench --side-by-side REV`: this checkout and a git revision of it stepping one scenario in turns."""
from __future__ import annotations

import subprocess
import sys

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.config_store import ConfigStore
from numba.core import config as numba_config
from omegaconf import OmegaConf

from crisisflow.experiments import side_by_side as sbs
from crisisflow.experiments.run import CONFIG_DIR


def _git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(sbs.REPO), *args], capture_output=True, text=True, check=False)


def _needs_git_checkout() -> None:
    try:
        head = _git("rev-parse", "--verify", "HEAD")
    except FileNotFoundError:
        pytest.skip("git is not installed")
    if head.returncode != 0:
        pytest.skip("not a git checkout with a commit")


def test_head_against_this_checkout_steps_both_and_compares_their_records(capsys):
    _needs_git_checkout()
    cache_dir = numba_config.CACHE_DIR
    result = sbs.side_by_side("HEAD", "persons", scale=0.002)  # the scenario's own 365 days: recovery and returns
    assert numba_config.CACHE_DIR == cache_dir  # B's import pointed it elsewhere; restored
    assert result["days"] == 365 and result["revision"] == "HEAD"
    for part in ("day", "move_agents", "return_home"):
        assert result["a_s"][part] >= 0 and result["b_s"][part] >= 0
    assert result["a_s"]["day"] > result["a_s"]["move_agents"] > 0  # the pass is timed within the day
    assert result["a_s"]["return_home"] > 0 and result["b_s"]["return_home"] > 0
    assert result["b_over_a"]["day"] > 0
    clean = _git("diff", "--quiet", "HEAD", "--", *sbs.PARTS).returncode == 0
    if clean:  # the same code on both sides: the same records
        assert result["identical"] and result["digests"]["a"] == result["digests"]["b"]
    sbs.print_comparison(result)
    out = capsys.readouterr().out
    assert "B/A" in out and "identical records" in out
    assert not any(name.startswith(sbs.PACKAGE_B) for name in sys.modules)
    # A composes its configs as before: B's schemas left Hydra's ConfigStore
    with initialize_config_dir(CONFIG_DIR, version_base="1.3"):
        cfg = compose("config", overrides=["scenario=demo"])
    assert type(cfg.scenario).__name__ == "DictConfig" and cfg.scenario.name == "demo"
    schema = ConfigStore.instance().load("crisisflow_schema.yaml").node
    assert OmegaConf.get_type(schema).__module__.startswith("crisisflow.model")


def test_the_revision_runs_its_own_operations(tmp_path):
    """B's configs name B's operation classes: a model of B with A's operations would compare A with itself."""
    _needs_git_checkout()
    package = sbs.unpack_revision("HEAD", tmp_path)
    configs = list((tmp_path / package / "configs").rglob("*.yaml"))
    targets = [line for config in configs for line in config.read_text().splitlines() if "_target_:" in line]
    assert targets and all(f"_target_: {package}.model.policies." in line for line in targets)


def test_an_unknown_revision_or_scenario_is_refused_by_name():
    _needs_git_checkout()
    with pytest.raises(SystemExit, match="no-such-revision"):
        sbs.side_by_side("no-such-revision", "persons", scale=0.002, days=5)
    with pytest.raises(SystemExit, match="no-such-revision"):
        sbs.side_by_side("no-such-revision", "mali2012", days=5)
    with pytest.raises(SystemExit, match="expected one of persons, households, mali2012, libya_2011"):
        sbs.side_by_side("HEAD", "nowhere")
