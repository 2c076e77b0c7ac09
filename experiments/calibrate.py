"""`crisisflow-calibrate`: fit crisisflow's own rules to Flee-format conflicts, one parameter set for all.

    crisisflow-calibrate                                  # the shipped conflicts, then configs/rules/crisisflow_calibrated.yaml
    crisisflow-calibrate --conflicts DIR DIR --maxiter 60 # any Flee-format folders
    crisisflow-calibrate --quick --no-write               # a smoke test: tiny budget, short runs, configs/ untouched

The parameters in PARAMETERS (dotted RulesConfig keys with bounds) are fitted with
scipy's bounded Nelder-Mead on the mean of Flee's error (ARD, plain) over the
training conflicts; the discrete choices in GRID are picked by trying each
combination at the start and again at the optimum. Leave-one-conflict-out: for
each conflict the rules are fitted on the others and scored on it; the final
parameter set is then fitted on all of them. Seeds 0..N-1 are the same for every
candidate (common random numbers), so the objective is deterministic.

Runs during the fit use `scenario.persons_per_agent` (default 20; camp counts
barely move, runs are ~5x faster); the config written is for ordinary runs.
The result folder (default results/calibrate/<date_time>/) gets report.json; the
last line printed is the report as one line of JSON.
"""
from __future__ import annotations

import argparse
import copy
import json
import shlex
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable, NoReturn, Sequence

import numpy as np
from hydra.errors import HydraException
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException
from scipy.optimize import minimize

from ..model.errors import InputError
from . import output
from .run import CONFIG_DIR
from .validate import compose, overrides_for, positive_int, run_ensemble, score

PROG = "crisisflow-calibrate"
DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "flee"
DEFAULT_CONFLICTS = ("mali2012", "burundi2015", "car2013")
CALIBRATED = Path(CONFIG_DIR) / "rules" / "crisisflow_calibrated.yaml"


@dataclass(frozen=True)
class Parameter:
    """A fitted rules key, its bounds and the starting value."""

    key: str  # dotted key under the config root, e.g. rules.pull_site.idp
    low: float
    high: float
    start: float
    why: str = ""


#: Everyone who enters a Flee-format conflict is an IDP (the rules' agent type for the newly displaced), so the
#: IDP entries of the per-type keys are the ones that act. Starting values: a hand search on exploratory runs
#: (IDPs free to cross borders towards sites, and moving on from towns they pass through), else the defaults.
PARAMETERS: tuple[Parameter, ...] = (
    Parameter("rules.pull_site.idp", -1.0, 6.0, 3.0, "attraction of sites (camps) over towns"),
    Parameter("rules.border_penalty.idp", -3.0, 4.0, 0.0, "cost of a path that crosses a border"),
    Parameter("rules.distance_power.idp", 0.2, 2.5, 1.0, "weight of log distance in the choice"),
    Parameter("rules.softening_km", 1.0, 300.0, 50.0, "km added to every path before the log"),
    Parameter("rules.speed_km_per_day.road", 80.0, 600.0, 200.0, "km travelled per day by road"),
    Parameter("rules.move_settled.self_settled", -3.0, 6.0, 1.0, "leaving / moving on from a town"),
    Parameter("rules.move_settled.in_site", -10.0, -1.0, -6.0, "leaving a site"),
    Parameter("rules.move_settled.waiting", -5.0, 3.0, -3.0, "giving up a place in a full site's queue"),
    Parameter("rules.move_crowding", 0.0, 8.0, 2.0, "push out of sites beyond 90% of capacity"),
    Parameter("rules.pull_crowding", 0.5, 10.0, 2.0, "pull lost as a site fills (x log free share)"),
    Parameter("rules.pull_safety", 0.0, 8.0, 4.0, "pull lost at places in conflict"),
)

#: Discrete choices, tried in every combination at the start and at the optimum of each fit.
GRID: dict[str, tuple] = {
    "rules.awareness_hops": (2, 3),
    "rules.displaced_from_sites": (False, True),
}

#: Held fixed: how the data enter (the sites' day-0 registrations start in the sites, as Flee's insert_day0).
FIXED: dict[str, object] = {"rules.day0_in_sites": True}

#: Overrides of every run during the fit (no figures, flows or progress bars).
RUN_OVERRIDES = ("rules=crisisflow", "sim.progress=false", "output.figure=false", "output.flows=false")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=PROG, description="Fit crisisflow's rules to Flee-format conflicts "
                                     "(leave-one-conflict-out, then on all).")
    parser.add_argument("--conflicts", type=Path, nargs="+", metavar="DIR",
                        default=[DATA_DIR / name for name in DEFAULT_CONFLICTS],
                        help=f"Flee-format folders (default: {', '.join(DEFAULT_CONFLICTS)} under {DATA_DIR})")
    parser.add_argument("--seeds", type=positive_int, default=1, help="seeds per candidate during the fit (default 1)")
    parser.add_argument("--maxiter", type=positive_int, default=None,
                        help="model evaluations per fit for Nelder-Mead (default 150; --quick: 3)")
    parser.add_argument("--persons-per-agent", type=positive_int, default=None,
                        help="scenario.persons_per_agent during the fit (default 20; --quick: 50)")
    parser.add_argument("--quick", action="store_true", help="tiny budget and 30-day runs, for a smoke test")
    parser.add_argument("--no-write", action="store_true", help=f"do not write {CALIBRATED.name} in configs/rules/")
    parser.add_argument("--out", type=Path, help="result folder (default results/calibrate/<date_time>)")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides for every run, e.g. sim.threads=1")
    args = parser.parse_intermixed_args(argv)
    if args.maxiter is None:
        args.maxiter = 3 if args.quick else 150
    if args.persons_per_agent is None:
        args.persons_per_agent = 50 if args.quick else 20
    if args.quick and not any(o.startswith("sim.days=") for o in args.overrides):
        args.overrides.append("sim.days=30")
    return args


class Objective:
    """Mean ARD of candidate rule settings over some conflicts; every (conflict, setting) is run once and cached."""

    def __init__(self, folders: Sequence[Path], seeds: int, overrides: Sequence[str], log: Callable[[str], None]):
        self.names = [f.resolve().name for f in folders]
        if len(set(self.names)) != len(self.names):
            raise InputError(", ".join(map(str, folders)), "two conflict folders share a name; expected distinct names")
        self.base = {name: compose(overrides_for(f, list(overrides))) for name, f in zip(self.names, folders)}
        self.seeds = seeds
        self.log = log
        self.cache: dict[tuple, float] = {}
        self.runs = 0

    def ard(self, name: str, setting: dict) -> float:
        key = (name, tuple(sorted((k, round(v, 6) if isinstance(v, float) else v) for k, v in setting.items())))
        if key not in self.cache:
            cfg = copy.deepcopy(self.base[name])
            for k, v in setting.items():
                OmegaConf.update(cfg, k, v, merge=False)
            self.cache[key] = score(run_ensemble(cfg, self.seeds, Path.cwd()))["ard"]
            self.runs += 1
        return self.cache[key]

    def mean(self, names: Sequence[str], setting: dict) -> float:
        return float(np.mean([self.ard(n, setting) for n in names]))


def _setting(x: np.ndarray, choice: dict) -> dict:
    """Unit-cube point and grid choice -> {dotted key: value}, fixed keys included."""
    values = {p.key: float(p.low + xi * (p.high - p.low)) for p, xi in zip(PARAMETERS, np.clip(x, 0.0, 1.0))}
    return {**FIXED, **choice, **values}


def _grid() -> list[dict]:
    keys = list(GRID)
    combos: list[dict] = [{}]
    for k in keys:
        combos = [{**c, k: v} for c in combos for v in GRID[k]]
    return combos


def _best_choice(obj: Objective, names: Sequence[str], x: np.ndarray) -> tuple[dict, float]:
    scored = [(obj.mean(names, _setting(x, c)), i, c) for i, c in enumerate(_grid())]
    f, _, choice = min(scored, key=lambda s: (s[0], s[1]))
    return choice, f


def fit(obj: Objective, names: Sequence[str], maxiter: int, label: str) -> dict:
    """Grid at the start, bounded Nelder-Mead in the unit cube, grid again at the optimum."""
    t0 = time.perf_counter()
    runs0 = obj.runs
    x0 = np.array([(p.start - p.low) / (p.high - p.low) for p in PARAMETERS])
    choice, f_start = _best_choice(obj, names, x0)
    obj.log(f"{label}: start {f_start:.4f} with {choice}")
    best = {"f": f_start, "x": x0.copy(), "n": 0}

    def f(x: np.ndarray) -> float:
        value = obj.mean(names, _setting(x, choice))
        best["n"] += 1
        if value < best["f"]:
            best.update(f=value, x=np.clip(x, 0.0, 1.0))
            obj.log(f"{label}: eval {best['n']}: {value:.4f} (best)")
        return value

    n = len(PARAMETERS)
    simplex = np.vstack([x0] + [x0 + np.where(np.arange(n) == i, 0.15 if x0[i] <= 0.85 else -0.15, 0.0)
                                for i in range(n)])
    result = minimize(f, x0, method="Nelder-Mead", bounds=[(0.0, 1.0)] * n,
                      options={"maxfev": maxiter, "initial_simplex": simplex, "xatol": 0.005, "fatol": 5e-4})
    x = best["x"] if best["f"] <= result.fun else np.clip(result.x, 0.0, 1.0)
    new_choice, f_end = _best_choice(obj, names, x)
    if f_end < obj.mean(names, _setting(x, choice)):
        choice = new_choice
    setting = _setting(x, choice)
    in_sample = {n_: round(obj.ard(n_, setting), 6) for n_ in names}
    obj.log(f"{label}: done, {np.mean(list(in_sample.values())):.4f} after {obj.runs - runs0} runs")
    return {"trained_on": list(names), "start_mean": round(f_start, 6), "setting": _plain(setting),
            "in_sample": in_sample, "in_sample_mean": round(float(np.mean(list(in_sample.values()))), 6),
            "nelder_mead": {"evaluations": int(result.nfev), "message": str(result.message)},
            "runs": obj.runs - runs0, "wall_s": round(time.perf_counter() - t0, 1)}


def _plain(setting: dict) -> dict:
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in setting.items()}


def calibrate(args: argparse.Namespace, log: Callable[[str], None]) -> dict:
    overrides = [*RUN_OVERRIDES, f"scenario.persons_per_agent={args.persons_per_agent}", *args.overrides]
    obj = Objective(args.conflicts, args.seeds, overrides, log)
    names = obj.names
    folds = []
    if len(names) > 1:
        for left in names:
            train = [n for n in names if n != left]
            fold = fit(obj, train, args.maxiter, f"without {left}")
            fold["left_out"] = left
            fold["out_of_sample"] = round(obj.ard(left, fold["setting"]), 6)
            log(f"without {left}: out of sample {fold['out_of_sample']:.4f}")
            folds.append(fold)
    final = fit(obj, names, args.maxiter, "all")
    table = {}
    for n in names:
        row = {"in_sample_final": final["in_sample"][n]}
        for fold in folds:
            if fold["left_out"] == n:
                row["out_of_sample"] = fold["out_of_sample"]
        inside = [fold["in_sample"][n] for fold in folds if n in fold["in_sample"]]
        if inside:
            row["in_sample_loo_mean"] = round(float(np.mean(inside)), 6)
        table[n] = row
    return {
        "conflicts": {n: str(f.resolve()) for n, f in zip(names, args.conflicts)},
        "table": table,
        "loo": folds,
        "final": final,
        "parameters": [{"key": p.key, "low": p.low, "high": p.high, "start": p.start, "why": p.why}
                       for p in PARAMETERS],
        "grid": {k: list(v) for k, v in GRID.items()},
        "fixed": FIXED,
        "seeds": args.seeds,
        "persons_per_agent": args.persons_per_agent,
        "maxiter": args.maxiter,
        "overrides": list(args.overrides),
        "runs": obj.runs,
    }


def table_lines(report: dict) -> list[str]:
    """The leave-one-out table as fixed-width text."""
    lines = [f"{'conflict':<14} {'in-sample (LOO folds)':>22} {'out-of-sample':>14} {'in-sample (all)':>16}"]
    for n, row in report["table"].items():
        cells = [row.get("in_sample_loo_mean"), row.get("out_of_sample"), row.get("in_sample_final")]
        lines.append(f"{n:<14} " + " ".join(f"{'-' if c is None else f'{c:.3f}':>{w}}"
                                              for c, w in zip(cells, (22, 14, 16))))
    means = [np.mean([r[k] for r in report["table"].values()]) if all(k in r for r in report["table"].values())
             else None for k in ("in_sample_loo_mean", "out_of_sample", "in_sample_final")]
    lines.append(f"{'mean':<14} " + " ".join(f"{'-' if c is None else f'{c:.3f}':>{w}}"
                                              for c, w in zip(means, (22, 14, 16))))
    return lines


def calibrated_yaml(report: dict, command: str) -> str:
    """configs/rules/crisisflow_calibrated.yaml: header (command, date, table, data) and the fitted values."""
    body: dict = {"defaults": ["rules_schema", "_self_"], "name": "crisisflow"}
    for key, value in report["final"]["setting"].items():
        node = body
        parts = key.split(".")[1:]  # under rules.
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    header = [
        "crisisflow's own push/pull rules (rules=crisisflow), calibrated: one parameter set for every conflict.",
        f"Produced by: {command}",
        f"Date: {datetime.now().strftime('%Y-%m-%d %H:%M')}; git commit {report.get('git_commit') or 'unknown'}",
        f"Fitted on {len(report['conflicts'])} Flee-format folders (camp registrations scored with Flee's ARD, plain; "
        f"{report['seeds']} seed(s), persons_per_agent={report['persons_per_agent']}, Nelder-Mead, "
        f"{report['maxiter']} evaluations per fit), by leave-one-conflict-out, then on all of them.",
        "No conflict is named in rules: which folders, and the in-sample and out-of-sample errors, are in the run's",
        "report.json (results/calibrate/<date_time>/) and in README.md, Validation.",
        "Keys not set here keep RulesConfig's defaults (model/config.py). Use: rules=crisisflow_calibrated",
    ]
    return "\n".join(f"# {h}" for h in header) + "\n" + OmegaConf.to_yaml(OmegaConf.create(body))


def _fail(message: str) -> NoReturn:
    print(f"{PROG}: {message}", file=sys.stderr)
    raise SystemExit(2)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    command = shlex.join([PROG, *(sys.argv[1:] if argv is None else argv)])
    for folder in args.conflicts:
        if not folder.is_dir():
            _fail(f"bad input: {folder}: not a folder; expected a Flee-format conflict folder")
    stamp = datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    out_dir = args.out or Path("results", "calibrate", stamp)

    def log(message: str) -> None:
        print(f"{PROG}: {message}", file=sys.stderr, flush=True)

    t0 = time.perf_counter()
    try:
        report = calibrate(args, log)
    except (HydraException, OmegaConfBaseException) as err:
        cause = f"\n{err.__cause__}" if err.__cause__ is not None else ""
        _fail(f"bad config: {err}{cause}")
    except InputError as err:
        _fail(f"bad input: {err}")
    report.update(command=command, wall_s=round(time.perf_counter() - t0, 1), git_commit=output.git_commit(),
                  versions=output.package_versions(), out=str(out_dir))
    for line in table_lines(report):
        log(line)
    if not args.no_write:
        CALIBRATED.write_text(calibrated_yaml(report, command))
        report["written"] = str(CALIBRATED)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.json").write_text(json.dumps(report, indent=2, default=str))
    print(json.dumps(report, default=str))
