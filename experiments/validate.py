"""`crisisflow-validate`: run a seed ensemble on a Flee-format folder and score it with Flee's own error.

    crisisflow-validate DIR                            # 10 seeds, the whole period
    crisisflow-validate DIR --seeds 3 sim.days=100     # any Hydra override after the folder
    crisisflow-validate DIR --out results/x rules=crisisflow

Flee's rules (`rules=flee`) are the default when configs/rules/flee.yaml exists,
so the score compares with Flee's published figures. The result folder (default
results/validate/<folder>/<date_time>/) gets summary.json, camps.parquet,
camps.png and one camp_<name>.png per camp. The last line printed is the
summary (without the config) as one line of JSON.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable, NoReturn, Sequence

import hydra
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException
from tqdm import tqdm

from ..model.codes import EXIT_STATUSES, Status
from ..model.errors import InputError
from ..model.metrics import ard
from ..model.model import CrisisModel
from . import output, plotting
from .run import CONFIG_DIR, build_model, set_threads

PROG = "crisisflow-validate"
FLEE_RULES = Path(CONFIG_DIR) / "rules" / "flee.yaml"
#: statuses of persons still in the network: everyone at a camp in one of these counts as in the camp
IN_NETWORK = [int(s) for s in Status if s not in EXIT_STATUSES]


@dataclass
class Ensemble:
    """Camp populations of every seed, beside the observations they are scored against."""

    camps: list[str]  # in location order
    dates: np.ndarray  # datetime64[D] [days]
    simulated: np.ndarray  # float64 [seeds, days, camps]
    observed: np.ndarray  # float64 [days, camps]
    agent_steps: int
    wall_s: float


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Plain options first, so `--seeds` need not be a key of the Hydra schema; the rest are Hydra overrides."""
    parser = argparse.ArgumentParser(prog=PROG, description="Score a crisisflow ensemble against a Flee folder's camps.")
    parser.add_argument("folder", type=Path, help="a Flee-format folder (input_csv/, source_data/)")
    parser.add_argument("--seeds", type=positive_int, default=10, help="seeds, run as sim.seed=0..N-1 (default 10)")
    parser.add_argument("--out", type=Path, help="result folder (default results/validate/<folder>/<date_time>)")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. sim.days=100 rules=crisisflow")
    return parser.parse_intermixed_args(argv)


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value}; expected at least 1")
    return value


def overrides_for(folder: Path, user: Sequence[str]) -> list[str]:
    """The Flee scenario on `folder`, Flee's rules unless the user picks rules, then the user's overrides."""
    path = str(folder.expanduser().resolve()).replace("\\", "\\\\").replace("'", "\\'")
    base = ["scenario=flee", f"scenario.path='{path}'"]
    picks_rules = any(o.split("=", 1)[0].lstrip("+~") == "rules" for o in user)
    if FLEE_RULES.is_file() and not picks_rules:
        base.insert(1, "rules=flee")
    return base + list(user)


def compose(overrides: list[str]) -> DictConfig:
    """The run's config from configs/, checked against the schema as `crisisflow` checks it."""
    with hydra.initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        return hydra.compose(config_name="config", overrides=overrides)


def camp_populations(model: CrisisModel) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Camp names in location order, simulated persons there [days, camps] and the observed series [days, camps]."""
    flee = model.scenario.flee
    if flee is None:
        raise InputError(model.scenario.name, "not a Flee-format scenario; expected scenario.format=flee",
                         key="scenario.format")
    net = model.network
    index = net.index()
    columns = sorted(index[name] for name in flee.camps)
    names = [net.names[i] for i in columns]
    days = model.recorder.days_recorded
    simulated = model.recorder.loc_status[:days][:, columns][:, :, IN_NETWORK].sum(axis=2)
    observed = np.stack([flee.camps[name][:days] for name in names], axis=1)
    return names, simulated.astype(np.float64), observed


def run_ensemble(cfg: DictConfig, seeds: int, cwd: Path) -> Ensemble:
    """Seeds 0..seeds-1 in this process, one after the other."""
    set_threads(cfg.sim.threads)
    t0 = time.perf_counter()
    runs, agent_steps = [], 0
    for seed in tqdm(range(seeds), desc=f"{cfg.scenario.name}: seeds", unit="seed", file=sys.stderr,
                     delay=3.0, disable=not cfg.sim.progress, leave=False):
        model = build_model(OmegaConf.merge(cfg, {"sim": {"seed": seed}}), cwd)
        model.run()
        names, simulated, observed = camp_populations(model)
        runs.append(simulated)
        agent_steps += int(model.recorder.rows_alive.sum())
    dates = model.scenario.timeline.dates()[: model.recorder.days_recorded]
    return Ensemble(names, dates, np.stack(runs), observed, agent_steps, time.perf_counter() - t0)


def score(ens: Ensemble) -> dict:
    """ARD plain and rescaled: mean and SD over seeds, each seed's score, and each camp's median contribution."""
    result: dict = {}
    for key, rescaled in (("ard", False), ("ard_rescaled", True)):
        scores, parts = zip(*(ard(sim, ens.observed, rescaled) for sim in ens.simulated))
        scores = np.asarray(scores)
        result[key] = round(float(scores.mean()), 6)
        result[f"{key}_sd"] = round(float(scores.std(ddof=1)) if len(scores) > 1 else 0.0, 6)
        result[f"{key}_by_seed"] = [round(float(s), 6) for s in scores]
        median = np.median(np.stack(parts), axis=0)
        result[f"{key}_per_camp"] = {camp: round(float(v), 6) for camp, v in zip(ens.camps, median)}
    return result


def camps_table(ens: Ensemble) -> pa.Table:
    """Tidy table: one row per (seed, day, camp)."""
    seeds, days, n = ens.simulated.shape
    return pa.table({
        "day": pa.array(np.tile(np.repeat(np.arange(days, dtype=np.int32), n), seeds)),
        "date": pa.array(np.tile(np.repeat(ens.dates.astype("datetime64[D]"), n), seeds)),
        "camp": pa.array(np.tile(np.asarray(ens.camps, dtype=object), seeds * days)).dictionary_encode(),
        "seed": pa.array(np.repeat(np.arange(seeds, dtype=np.int32), days * n)),
        "simulated": pa.array(ens.simulated.reshape(-1), type=pa.float64()),
        "observed": pa.array(np.tile(ens.observed.reshape(-1), seeds), type=pa.float64()),
    })


def figure_writers(ens: Ensemble, title: str) -> dict[str, Callable[[Path], None]]:
    """camps.png with every camp, and camp_<name>.png for each one."""
    writers = {"camps.png": lambda path: plotting.validation_figure(ens.dates, ens.camps, ens.simulated, ens.observed,
                                                                    title, path)}
    for k, camp in enumerate(ens.camps):
        writers[f"camp_{re.sub(r'[^A-Za-z0-9_-]+', '_', camp)}.png"] = (
            lambda path, k=k, camp=camp: plotting.camp_figure(ens.dates, ens.simulated[:, :, k], ens.observed[:, k],
                                                              f"{title}: {camp}", path))
    return writers


def validate(folder: Path, seeds: int, out_dir: Path, cfg: DictConfig) -> dict:
    """Run, score and write; returns the summary written to summary.json."""
    ens = run_ensemble(cfg, seeds, Path.cwd())
    summary = {
        "conflict": folder.resolve().name,
        **score(ens),
        "seeds": seeds,
        "days": len(ens.dates),
        "start_date": str(ens.dates[0]),
        "rules": cfg.rules.name,
        "camps": ens.camps,
        "wall_s": round(ens.wall_s, 3),
        "agent_steps": ens.agent_steps,
        "out": str(out_dir),
        "versions": output.package_versions(),
        "git_commit": output.git_commit(),
        "config": OmegaConf.to_container(cfg, resolve=True, enum_to_str=True),
    }
    writers = {
        "summary.json": lambda path: path.write_text(json.dumps(summary, indent=2, default=str)),
        "camps.parquet": lambda path: pq.write_table(camps_table(ens), path),
    }
    if cfg.output.figure:
        title = (f"{summary['conflict']} ({summary['rules']} rules, {seeds} seeds): "
                 f"ARD {summary['ard']:.3f}, rescaled {summary['ard_rescaled']:.3f}")
        writers.update(figure_writers(ens, title))
    output.write_staged(out_dir, writers)
    return summary


def _fail(message: str) -> NoReturn:
    print(f"{PROG}: {message}", file=sys.stderr)
    raise SystemExit(2)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    try:
        cfg = compose(overrides_for(args.folder, args.overrides))
    except (HydraException, OmegaConfBaseException) as err:
        cause = f"\n{err.__cause__}" if err.__cause__ is not None else ""
        _fail(f"bad config: {err}{cause}")
    stamp = datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    out_dir = args.out or Path("results", "validate", args.folder.resolve().name, stamp)
    try:
        summary = validate(args.folder, args.seeds, out_dir, cfg)
    except InputError as err:
        _fail(f"bad input: {err}")
    print(json.dumps({k: v for k, v in summary.items() if k != "config"}))
