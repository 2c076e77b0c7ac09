"""Two versions of crisisflow stepping one scenario in one process, taking turns day by day:
`crisisflow-bench --side-by-side REV`.

On this machine class whole runs in separate processes move by a third from run to run, and more between spells, so
a change of a few percent shows only when the old and the new code run side by side. Version A is this checkout; B is
the git revision REV of it (`git archive`), unpacked into a temporary folder as the package `crisisflow_side_b` and
imported beside A (its kernels compile into a cache of their own there, about a minute). Both build the same scenario;
then, day after day, A and B each step once, in the order AB on even days and BA on odd ones, so that a slow spell
falls on both alike. Each version's day, movement pass and returns are timed, and the records' digests at the end say
whether the two gave the same results (a change meant to keep them must). Every earlier session rebuilt this in a
scratch script (experiments/SPEED.md quotes their ratios as "two versions taking turns day by day").
"""
from __future__ import annotations

import contextlib
import importlib
import io
import subprocess
import sys
import tarfile
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

from numba.core import config as numba_config

from .bench import FLEE_MALI, REPO  # A's checkout, and A's copy of the data for both versions
from .stage_timer import timed

#: the scenarios a comparison can run: the bench's two synthetic ones, mali2012 under Flee's rules, the default run
SCENARIOS = ("persons", "households", "mali2012", "libya_2011")
#: the package's folders, as the checkout holds them
PARTS = ("model", "experiments", "agents", "configs")
#: the kernels timed within each day, by their name in `model.kernels`
KERNELS = ("move_agents", "return_home")
PACKAGE_B = "crisisflow_side_b"
#: how a config names a class of the package for Hydra to instantiate
TARGET_A = "_target_: crisisflow."


def unpack_revision(revision: str, into: Path) -> str:
    """Unpack the package folders of git `revision` of this checkout into `into`/PACKAGE_B; return the package name."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", revision, *PARTS],
                             capture_output=True, check=False)
    if archive.returncode != 0:
        raise SystemExit(f"crisisflow-bench: --side-by-side {revision}: git archive failed in {REPO}: "
                         f"{archive.stderr.decode(errors='replace').strip()}")
    root = into / PACKAGE_B
    root.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        # the archive is this checkout's own; the "data" filter where this Python has it (3.11.4 on)
        tar.extractall(root, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
    (root / "__init__.py").write_text('"""crisisflow at another revision, for `experiments.side_by_side`."""\n')
    # the operations' configs name their classes by module (`_target_: crisisflow.model.policies...`): B's must be
    # B's own, or B's model would run A's operations
    for config in (root / "configs").rglob("*.yaml"):
        text = config.read_text()
        if TARGET_A in text:
            config.write_text(text.replace(TARGET_A, f"_target_: {PACKAGE_B}."))
    return PACKAGE_B


def model_factory(package: str, scenario: str, scale: float, days: int | None) -> Callable[[], object]:
    """A function that builds `scenario` with `package`'s own code and configs, after a short run that loads (or
    compiles) its kernels. The configs are composed here, before another version registers its config schema."""
    run = importlib.import_module(f"{package}.experiments.run")
    from hydra import compose, initialize_config_dir

    def composed(overrides: list[str]):
        with initialize_config_dir(run.CONFIG_DIR, version_base="1.3"):
            return compose("config", overrides=overrides)

    if scenario in ("persons", "households"):
        synthetic = importlib.import_module(f"{package}.experiments.synthetic")
        crisis_model = importlib.import_module(f"{package}.model.model").CrisisModel
        persons_per_agent = 1 if scenario == "persons" else 4
        rules = composed([]).rules
        crisis_model(synthetic.haiti_like(persons_per_agent, 0, scale=0.002, days=100), rules, seed=0).run()
        length = {} if days is None else {"days": days}  # else the scenario's own year
        return lambda: crisis_model(synthetic.haiti_like(persons_per_agent, 0, scale=scale, **length), rules, seed=0)
    overrides = ["scenario=flee", f"scenario.path={FLEE_MALI}", "rules=flee"] if scenario == "mali2012" else []
    cfg = composed(overrides + ([f"sim.days={days}"] if days else []) + ["sim.progress=false"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the scenario's events and operations dated after the short run's 5 days
        run.build_model(composed(overrides + ["sim.days=5", "sim.progress=false"])).run()

    def build():
        with warnings.catch_warnings():
            if days:
                warnings.simplefilter("ignore")  # as above, after a run shortened by --days
            return run.build_model(cfg)
    return build


@contextlib.contextmanager
def timed_kernels(package: str, seconds: dict[str, float]) -> Iterator[None]:
    """Within the block, the seconds in each of `package`'s KERNELS add up in `seconds`."""
    kernels = importlib.import_module(f"{package}.model.kernels")
    originals = {name: getattr(kernels, name) for name in KERNELS}
    for name, function in originals.items():
        setattr(kernels, name, timed(function, name, seconds))
    try:
        yield
    finally:
        for name, function in originals.items():
            setattr(kernels, name, function)


def side_by_side(revision: str, scenario: str = "persons", scale: float = 1.0, days: int | None = None,
                 progress: Callable[[str], None] | None = None) -> dict:
    """Run `scenario` with this checkout (A) and with git `revision` (B) in turns, day by day; return each one's
    seconds (the day, and within it KERNELS), B over A, and whether the records are identical."""
    if scenario not in SCENARIOS:
        raise SystemExit(f"crisisflow-bench: --scenario {scenario}: expected one of {', '.join(SCENARIOS)}")
    say = progress or (lambda text: None)
    with tempfile.TemporaryDirectory(prefix="crisisflow-side-") as folder:
        say(f"A: this checkout; loading its kernels for {scenario} ...")
        make_a = model_factory("crisisflow", scenario, scale, days)
        package_b = unpack_revision(revision, Path(folder))
        sys.path.insert(0, folder)
        cache_dir = numba_config.CACHE_DIR  # B's `model.kernel_cache` points it at B's folder as B is imported
        try:
            say(f"B: {revision}, unpacked; compiling its kernels (about a minute) ...")
            make_b = model_factory(package_b, scenario, scale, days)
            models = {"a": make_a(), "b": make_b()}
            seconds = {tag: {"day": 0.0, **{name: 0.0 for name in KERNELS}} for tag in models}
            n_days = models["a"].days
            say(f"stepping {n_days} days in turns ...")
            with timed_kernels("crisisflow", seconds["a"]), timed_kernels(package_b, seconds["b"]):
                for day in range(n_days):
                    for tag in ("a", "b") if day % 2 == 0 else ("b", "a"):
                        t0 = time.perf_counter()
                        models[tag].step()
                        seconds[tag]["day"] += time.perf_counter() - t0
            digests = {tag: model.recorder.digest() for tag, model in models.items()}
        finally:
            # B's import replaced process-wide settings of A's: Numba's cache folder, and the config schemas and
            # resolver in Hydra's ConfigStore and OmegaConf (`model.config.register_configs`)
            numba_config.CACHE_DIR = cache_dir
            importlib.import_module("crisisflow.model.config").register_configs()
            sys.path.remove(folder)
            for name in [m for m in sys.modules if m == package_b or m.startswith(package_b + ".")]:
                del sys.modules[name]
    ratio = {k: round(seconds["b"][k] / seconds["a"][k], 3) if seconds["a"][k] > 0 else None for k in seconds["a"]}
    return {"scenario": scenario, "revision": revision, "scale": scale, "days": n_days,
            "a_s": {k: round(v, 4) for k, v in seconds["a"].items()},
            "b_s": {k: round(v, 4) for k, v in seconds["b"].items()},
            "b_over_a": ratio, "identical": digests["a"] == digests["b"], "digests": digests}


def print_comparison(result: dict) -> None:
    """One line per timed part: A's and B's seconds and B over A; then whether the records are identical."""
    print(f"{result['scenario']} (scale {result['scale']}, {result['days']} days), A: this checkout, "
          f"B: {result['revision']}, taking turns day by day")
    for part in result["a_s"]:
        ratio = result["b_over_a"][part]
        print(f"  {part:12s}  A {result['a_s'][part]:8.3f} s   B {result['b_s'][part]:8.3f} s   B/A "
              f"{'-' if ratio is None else f'{ratio:.3f}'}")
    print(f"  identical records: {result['identical']}")
