"""`crisisflow`: the Hydra app that runs one scenario and writes its results.

    crisisflow                                   # the default scenario
    crisisflow sim.days=30 sim.seed=2            # any key can be overridden
    crisisflow scenario=flee scenario.path=DIR   # any Flee-format folder
    crisisflow -m sim.seed=1,2,3                 # a sweep (Hydra multirun)

The last line printed is the result folder. In a sweep, a job whose folder already holds the results of the same
config is skipped (re-run a sweep with `hydra.sweep.dir=<its folder>` to resume it), and a failed job writes
`error.txt` (message and overrides) into its folder while the other jobs go on; the sweep then exits non-zero.
With `objective.name` set, the app returns that number (for sweepers such as Optuna) instead of the folder.
"""
from __future__ import annotations

import gc

# Importing the app's dependencies (Hydra, Numba and LLVM, Mesa's core, matplotlib, pyarrow) creates some 280,000
# objects that live as long as the process. The cyclic collector's full passes over them cost about 0.3 s
# during these imports and 0.5 s at interpreter exit (measured when they were 350,000, with pandas and SciPy's
# spatial module); so it pauses while they are imported, and they are then
# frozen out of its sight (gc.freeze) before it resumes for what the run creates.
gc.disable()

# Mesa's core first (model.mesa_core: Agent and Model without Mesa's unused subpackages, which bring SciPy's spatial
# module and pandas): as mesa.model is imported, Mesa's module logger looks its module up from the call stack
# (mesa_logging.create_module_logger, method_logger), reading the source of every frame and scanning every module
# loaded so far. From here, with a shallow stack and few modules loaded, that took 34-69 ms; imported last, through
# model.model, 84-242 ms (mesa.model's own time under -X importtime, four fresh processes each, 2026-11-30).
from ..model import mesa_core  # noqa: E402, F401

import logging  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import hydra  # noqa: E402
import numba  # noqa: E402
from hydra.core.hydra_config import HydraConfig  # noqa: E402
from hydra.types import RunMode  # noqa: E402
from hydra.utils import get_original_cwd, instantiate  # noqa: E402
from omegaconf import DictConfig, OmegaConf  # noqa: E402
from tqdm import tqdm  # noqa: E402

from ..model.config import register_configs  # noqa: E402
from ..model.errors import InputError  # noqa: E402
from ..model.indicators import indicator_series  # noqa: E402
from ..model.model import CrisisModel  # noqa: E402
from ..model.scenario import build_scenario  # noqa: E402
from . import output, plotting  # noqa: E402
from .objectives import objective_value  # noqa: E402
from .sweeps import ERROR_FILE, finished_before, job_failed  # noqa: E402

gc.freeze()
gc.enable()

# Mesa logs every step at INFO, which Hydra's logging would print for every day of every run
logging.getLogger("MESA").setLevel(logging.WARNING)
# input warnings (a place nothing reaches, an event after the run) read as one line, not as a code location
warnings.formatwarning = lambda message, category, *args, **kwargs: f"crisisflow: warning: {message}\n"
CONFIG_DIR = str(Path(__file__).resolve().parents[1] / "configs")
register_configs()


def build_model(cfg: DictConfig, cwd: Path | None = None) -> CrisisModel:
    """Config -> scenario -> model. Every input is read and checked here, before the first day."""
    scenario = build_scenario(cfg.scenario, days_override=cfg.sim.days, cwd=cwd)
    # operations read their nested settings with plain() and hold no nested _target_: Hydra need not walk and
    # copy every node below them (about 0.04 s of the default run)
    policies = [instantiate(item, _recursive_=False) for item in cfg.policy.operations]
    return CrisisModel(scenario, cfg.rules, seed=cfg.sim.seed, policies=policies, record_flows=cfg.output.flows)


def set_threads(threads: int) -> None:
    """Numba threads for the kernels: `sim.threads` (0: all), at most NUMBA_NUM_THREADS."""
    if threads > 0:
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))


def run_scenario(cfg: DictConfig, out_dir: Path, cwd: Path | None = None) -> Path:
    """Run one scenario and write results.parquet, metadata.json and figure.png into out_dir."""
    set_threads(cfg.sim.threads)
    t0 = time.perf_counter()
    model = build_model(cfg, cwd)
    with tqdm(total=model.days, desc=cfg.scenario.name, unit="day", delay=3.0, disable=not cfg.sim.progress,
              file=sys.stderr, leave=False) as bar:
        model.run(progress=lambda day: bar.update(1))
    wall = time.perf_counter() - t0
    series = list(indicator_series(model))
    dates = model.scenario.timeline.dates()[: model.recorder.days_recorded]
    meta = {
        "config": OmegaConf.to_container(cfg, resolve=True, enum_to_str=True),
        "seed": int(cfg.sim.seed),
        "versions": output.package_versions(),
        "git_commit": output.git_commit(),
        "wall_s": round(wall, 3),
        "agent_steps": int(model.recorder.rows_alive.sum()),
        "scenario": cfg.scenario.name,
        "start_date": str(model.scenario.timeline.start_date),
        "days": int(model.recorder.days_recorded),
        "threads": numba.get_num_threads(),
        "rules_settings": model.rules.effective_settings(),  # settings read from the data (a Flee simsetting.yml)
    }
    figure = None
    if cfg.output.figure:
        lookup = {(name, key): values for name, key, values in series}
        figure = lambda path: plotting.main_figure(lookup, dates, f"{cfg.scenario.name}: persons displaced by status", path)  # noqa: E731
    output.write_results(out_dir, output.tidy_table(series, dates), meta, figure)
    return out_dir


@hydra.main(config_path=CONFIG_DIR, config_name="config", version_base="1.3")
def _app(cfg: DictConfig) -> str | float:
    hydra_cfg = HydraConfig.get()
    out_dir = Path(hydra_cfg.runtime.output_dir)
    sweep = hydra_cfg.mode == RunMode.MULTIRUN
    try:
        if sweep and finished_before(out_dir, cfg):
            print(f"crisisflow: skipped, finished before: {out_dir}")
        else:
            run_scenario(cfg, out_dir, cwd=Path(get_original_cwd()))
            (out_dir / ERROR_FILE).unlink(missing_ok=True)
        value = objective_value(cfg, out_dir)
    except InputError as err:
        if sweep:  # an exception (not SystemExit) marks this job failed and lets the launcher run the others
            raise job_failed(out_dir, err) from None
        print(f"crisisflow: bad input: {err}", file=sys.stderr)
        raise SystemExit(2) from None
    except Exception as err:
        if sweep:
            raise job_failed(out_dir, err, trace=True) from None
        raise
    print(out_dir)
    return str(out_dir) if value is None else value


def main() -> None:
    _app()
