"""`crisisflow-bench`: speed and memory as measured figures.

    crisisflow-bench            # the full benchmark (under 10 minutes on 2 cores)
    crisisflow-bench --quick    # a smoke test: short runs of a downscaled scenario, one repetition each
    crisisflow-bench --one persons --stages   # one persons run, with the seconds spent in each stage
    crisisflow-bench --thread-stages 3        # each stage on two threads and on one, three rounds taking turns

Prints a readable table; the LAST line is one JSON object with:
- `flee_rules`: the default-config run on Flee's mali2012 folder (`scenario=flee`, with `rules=flee` where
  configs/rules/flee.yaml exists), full 300 days: agent-steps, wall seconds (build and run, as
  `crisisflow` reports them in metadata.json), agent-steps per second, and the ratio to Flee 3.1, on all
  threads (`vs_flee`) and on one (`vs_flee_one_thread`: Flee runs on one core);
- `households`, `persons`: the synthetic Haiti-like scenario (experiments/synthetic.py) at 4 and 1 persons
  per agent, 365 days, crisisflow rules: build_s (scenario and CrisisModel), run_s, total_s, peak_gb
  (peak resident memory of the measuring process, GiB), agent_steps_per_s, and floor_ratio;
- `floor_ratio`: the whole day's cost per agent-step of the persons run over a bare floor kernel measured
  in the same process on the same arrays (one counter-based draw and one write per agent): the median run's
  cost over the lowest floor of the two-thread runs (a busy spell of the machine can slow a floor series to
  one thread's speed, which would flatter the ratio; `floor_ns_per_agent_runs` lists them); the households'
  floor_ratio is taken the same way over its own runs;
- `thread_speedup`: persons run_s on 1 thread over run_s on 2 threads, the median over pairs of runs made one
  after the other (one- and two-thread runs take turns, in alternating order), and `identical`: whether every run
  recorded bit-identical indicators (hashes of the recorder arrays); `floor_thread_speedup`, the same ratio for
  the floor kernel, shows what the machine gives a second thread on the simplest parallel pass;
  `thread_cores_busy` (the two-thread runs' CPU time over their wall time, median) and `thread_cpu_ratio` (each
  pair's two-thread CPU time over its one-thread CPU time, median; `thread_cpu_ratio_pairs`) split the speed-up in
  two: a one-thread run keeps one core busy, so a pair's speed-up is its cores busy over its CPU ratio. The first
  falls with the stages that run on one thread; the second is what the same work costs in CPU time when both cores
  are busy (the passes' memory traffic on this machine: the floor kernel's hashes cost little more) and how much
  more a spell slowed one run of the pair than the other;
- `warm_start_s`: wall time of a default `crisisflow` run in a new process with warm caches: Numba's and Python's
  bytecode, as a default Python keeps it (see `warm_start`);
- `cpu_steal_share`: the share of the machine's CPU time that the hypervisor gave to others over the bench
  (/proc/stat; None off Linux), as a reading of the spell the figures were measured in;
- `cpu_model`: the processor's name (/proc/cpuinfo; None off Linux), as instances of one machine class differ.

Every synthetic measurement runs in its own fresh subprocess (`--one households|persons`), so its peak
memory is its own; each process first runs a tiny copy of the scenario so Numba's cached kernels are
loaded before the clock starts (that load is reported as `warmup_s`). Figures are medians over repetitions.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numba
import numpy as np
from numba import njit, prange

from ..model import rng
from .stage_timer import stage_times

#: Flee 3.1 (PyPI) on its own mali2012 inputs, 300 days, on a 2-core machine of this project's class:
#: 30.7 M agent-steps in 850 s = 36,100 agent-steps per second (shared/reference/flee_baseline.md)
FLEE_31_AGENT_STEPS_PER_S = 36_100
REPO = Path(__file__).resolve().parents[1]
FLEE_MALI = REPO.parent / "shared" / "data" / "flee" / "mali2012"
RESOLUTIONS = {"households": 4, "persons": 1}


# ---- the floor ------------------------------------------------------------------------------------------------
@njit(parallel=True, cache=True)
def floor_kernel(seed, day, active, n_locations, location_out):
    """The least a daily pass can do: one counter-based draw per active agent, and a write of its location."""
    n = active.shape[0]
    for i in prange(n):
        if active[i]:
            location_out[i] = np.int32(rng.uniform(seed, i, day, rng.LEAVE) * n_locations)


def floor_ns_per_agent(model, calls: int = 21) -> float:
    """Median time of the floor kernel per active agent, on the model's own population arrays."""
    pop = model.population
    active = pop.active
    out = pop.location.copy()
    n_active = max(int(active.sum()), 1)
    L = model.network.n_locations
    for d in range(3):
        floor_kernel(model.seed_value, d, active, L, out)
    times = []
    for d in range(calls):
        t0 = time.perf_counter()
        floor_kernel(model.seed_value, 100 + d, active, L, out)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e9 / n_active


# ---- single measurements (each in its own process) -----------------------------------------------------------------
def peak_gb() -> float:
    """Peak resident memory of this process, GiB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def _compose(overrides: list[str]):
    from hydra import compose, initialize_config_dir

    from .run import CONFIG_DIR

    with initialize_config_dir(CONFIG_DIR, version_base="1.3"):
        return compose("config", overrides=overrides)


def flee_rule_name() -> str:
    return "flee" if (REPO / "configs" / "rules" / "flee.yaml").is_file() else "crisisflow"


def measure_flee(days: int | None = None, reps: int = 3, path: Path = FLEE_MALI, budget_s: float = 60.0) -> dict:
    """The default-config run on a Flee folder, timed as `crisisflow` times it (build and run)."""
    from .run import build_model

    rules = flee_rule_name()
    overrides = ["scenario=flee", f"scenario.path={path}", f"rules={rules}"]
    if days is not None:
        overrides.append(f"sim.days={days}")
    cfg = _compose(overrides)
    warm = _compose([o for o in overrides if not o.startswith("sim.days=")] + ["sim.days=5"])
    t0 = time.perf_counter()
    build_model(warm).run()  # load the cached kernels before the clock starts
    warmup = time.perf_counter() - t0
    walls, steps, hashes = [], None, set()
    spent = 0.0
    while len(walls) < reps and (not walls or spent + walls[-1] < budget_s):
        t0 = time.perf_counter()
        model = build_model(cfg)
        model.run()
        wall = time.perf_counter() - t0
        walls.append(wall)
        spent += wall
        steps = int(model.recorder.rows_alive.sum())
        hashes.add(model.recorder.digest())
    wall = statistics.median(walls)
    return {"rules": rules, "days": int(model.days), "agent_steps": steps, "wall_s": round(wall, 3),
            "agent_steps_per_s": round(steps / wall), "vs_flee": round(steps / wall / FLEE_31_AGENT_STEPS_PER_S, 1),
            "reps": len(walls), "walls_s": [round(w, 3) for w in walls], "warmup_s": round(warmup, 3),
            "identical_reps": len(hashes) == 1, "threads": numba.get_num_threads()}


def measure_synthetic(persons_per_agent: int, seed: int = 0, scale: float = 1.0, days: int | None = None,
                      floor: bool = True, stages: bool = False) -> dict:
    """Build and run the Haiti-like scenario once in this process; return timings, memory and a result hash, and
    with `stages` the seconds spent in each stage of the days (`experiments.stage_timer`; a profile, which the
    timers slow a little)."""
    from ..model.codes import DISPLACED_STATUSES
    from ..model.model import CrisisModel
    from .synthetic import DAYS, haiti_like

    days = DAYS if days is None else days
    rules = _compose([]).rules  # the default crisisflow rules, as configs/ compose them
    t0 = time.perf_counter()
    # a tiny copy that reaches the recovery phase (day 96), so every kernel is loaded before the clock starts
    CrisisModel(haiti_like(persons_per_agent, seed, scale=0.002, days=min(days, 100)), rules, seed=seed).run()
    warmup = time.perf_counter() - t0

    t0 = time.perf_counter()
    scenario = haiti_like(persons_per_agent, seed, scale=scale, days=days)
    model = CrisisModel(scenario, rules, seed=seed)
    t1 = time.perf_counter()
    c1 = time.process_time()
    with stage_times(model) if stages else contextlib.nullcontext({}) as stage_seconds:
        model.run()
    t2 = time.perf_counter()
    cpu = time.process_time() - c1
    rec = model.recorder
    steps = int(rec.rows_alive.sum())
    displaced = rec.type_status[:, :, list(DISPLACED_STATUSES)].sum(axis=(1, 2))
    out = {
        "persons_per_agent": persons_per_agent, "days": days, "scale": scale, "threads": numba.get_num_threads(),
        "locations": int(model.network.n_locations), "agents": int(model.population.n),
        "persons": int(rec.entered.sum()), "peak_displaced": int(displaced.max()),
        "build_s": round(t1 - t0, 3), "run_s": round(t2 - t1, 3), "total_s": round(t2 - t0, 3),
        "run_cpu_s": round(cpu, 3),  # CPU time of all threads: run_cpu_s / run_s shows the parallelism obtained
        "agent_steps": steps, "agent_steps_per_s": round(steps / (t2 - t1)),
        "ns_per_agent_step": round((t2 - t1) * 1e9 / steps, 2), "warmup_s": round(warmup, 3),
        "hash": rec.digest(),
    }
    if stages:
        out["stages_s"] = {k: round(v, 3) for k, v in sorted(stage_seconds.items(), key=lambda kv: -kv[1])}
    if floor:
        f = floor_ns_per_agent(model)
        out["floor_ns_per_agent"] = round(f, 3)
        out["floor_ratio"] = round(out["ns_per_agent_step"] / f, 2)
    out["peak_gb"] = round(peak_gb(), 3)
    return out


# ---- the orchestrator ------------------------------------------------------------------------------------------
def set_floor_ratio(series: dict, runs: list[dict]) -> None:
    """Set a series' floor and floor_ratio (households, persons) from its runs on the same thread count: the
    median run's cost per agent-step over the lowest of the runs' floors.

    Each run's floor is the median of 21 calls made just after it; a busy spell of the machine (another tenant on
    the second core) can slow a whole series to one thread's speed, which would flatter the ratio (seen here: a
    series at 0.83-0.93 ns against 0.46). The floor is the least disturbed series."""
    floor = min(r["floor_ns_per_agent"] for r in runs)
    series["floor_ns_per_agent"] = floor
    series["floor_ns_per_agent_runs"] = [r["floor_ns_per_agent"] for r in runs]
    series["floor_ratio"] = round(series["ns_per_agent_step"] / floor, 2)


def run_child(args: list[str], timeout: float = 600.0) -> dict:
    """Run one measurement in a fresh Python process and read the JSON object on its last line."""
    cmd = [sys.executable, "-m", "crisisflow.experiments.bench", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1])


def median_of(runs: list[dict]) -> dict:
    """Median of each timing and memory figure over repeated measurements; the rest from the first run (the
    floor is set apart, `set_floor_ratio`)."""
    out = dict(runs[0])
    for key in ("build_s", "run_s", "run_cpu_s", "total_s", "peak_gb", "agent_steps_per_s", "ns_per_agent_step",
                "warmup_s"):
        if key in out:
            out[key] = round(statistics.median(r[key] for r in runs), 3)
    out["agent_steps_per_s"] = round(out["agent_steps_per_s"])
    out["reps"] = len(runs)
    out["run_s_all"] = [r["run_s"] for r in runs]
    return out


def synthetic_series(kind: str, threads: tuple[int, ...], reps: int, common: list[str],
                     budget_s: float) -> dict[int, list[dict]]:
    """Up to `reps` runs of one synthetic scenario for each thread count, the thread counts taking turns, so that
    a spell of load on the machine falls on all of them alike (their ratio is measured side by side). The order
    alternates by round (2, 1, then 1, 2, ...): on a machine whose speed drifts, neither count always runs first."""
    runs: dict[int, list[dict]] = {t: [] for t in threads}
    spent = 0.0
    while len(runs[threads[0]]) < reps and (not spent or spent * (1 + 1 / len(runs[threads[0]])) < budget_s):
        t0 = time.perf_counter()
        for t in (threads if len(runs[threads[0]]) % 2 == 0 else threads[::-1]):
            runs[t].append(run_child(["--one", kind, "--threads", str(t), *common]))
            r = runs[t][-1]
            _progress(f"  {kind} on {t} thread(s): run {r['run_s']:.2f} s, build {r['build_s']:.2f} s, "
                      f"peak {r['peak_gb']:.2f} GiB")
        spent += time.perf_counter() - t0
    return runs


def synthetic_figures(households_runs: list[dict], two_threads: list[dict], one_thread: list[dict],
                      two: int = 2) -> dict:
    """The households and persons figures from their runs: medians of each series (`median_of`), each series'
    floor ratio over the lowest floor of its own runs (`set_floor_ratio`), `thread_speedup` the median of the
    pairs' ratios (each one-thread run over the `two`-thread run of its round: they ran side by side),
    `floor_thread_speedup` the same for the floors (lowest over lowest), `thread_cores_busy` and
    `thread_cpu_ratio` the speed-up's two parts (module docstring), and `identical` whether every persons run, on
    either thread count, and every households run recorded the same indicators."""
    households, persons = median_of(households_runs), median_of(two_threads)
    single = median_of(one_thread)
    hashes = {r["hash"] for r in two_threads + one_thread}
    same_households = len({r["hash"] for r in households_runs}) == 1
    pair_ratios = [one["run_s"] / many["run_s"] for one, many in zip(one_thread, two_threads)]
    cpu_ratios = [many["run_cpu_s"] / one["run_cpu_s"] for one, many in zip(one_thread, two_threads)]
    for h in (households, persons):
        h.pop("hash", None)
    set_floor_ratio(households, households_runs)
    set_floor_ratio(persons, two_threads)
    single_floor = min(r["floor_ns_per_agent"] for r in one_thread)  # the same rule as set_floor_ratio's
    return {
        "households": households,
        "persons": persons,
        "floor_ratio": persons.get("floor_ratio"),
        "thread_speedup": round(statistics.median(pair_ratios), 2),
        "thread_speedup_pairs": [round(r, 2) for r in pair_ratios],
        # what the machine gives two threads on the simplest parallel pass: the bound on thread_speedup here
        "floor_thread_speedup": round(single_floor / persons["floor_ns_per_agent"], 2),
        "thread_cores_busy": round(statistics.median(r["run_cpu_s"] / r["run_s"] for r in two_threads), 2),
        "thread_cpu_ratio": round(statistics.median(cpu_ratios), 2),
        "thread_cpu_ratio_pairs": [round(r, 2) for r in cpu_ratios],
        "thread_runs": {"threads_1_run_s": single["run_s"], f"threads_{two}_run_s": persons["run_s"]},
        "identical": len(hashes) == 1 and same_households,
    }


def warm_start(reps: int = 3, args: tuple[str, ...] = ()) -> dict:
    """Wall time of the default `crisisflow` run in a new process, caches warm: one run to warm, then reps.
    `args` are overrides (only --quick uses any, to shorten the smoke test).

    The runs keep Python's bytecode cache as a default Python does, also where the caller's environment turns it
    off (PYTHONDONTWRITEBYTECODE, as on the machine the README's figures come from): otherwise every start compiles
    crisisflow's own modules from source again, which a user's second run does not (the import of the app took
    0.25 s longer, the median of five pairs of fresh processes taking turns, their differences -0.07 to 0.50 s,
    2026-11-30). The bytecode goes where Python puts it, into `__pycache__` beside the sources, as Numba's cache
    does."""
    exe = shutil.which("crisisflow", path=str(Path(sys.executable).parent)) or shutil.which("crisisflow")
    if exe is None:
        return {"warm_start_s": None, "error": "the crisisflow command is not installed"}
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    walls = []
    with tempfile.TemporaryDirectory(prefix="crisisflow-bench-") as tmp:
        for k in range(reps + 1):
            t0 = time.perf_counter()
            proc = subprocess.run([exe, *args], cwd=tmp, capture_output=True, text=True, timeout=300, env=env)
            wall = time.perf_counter() - t0
            if proc.returncode != 0:
                raise RuntimeError(f"crisisflow failed:\n{proc.stderr[-3000:]}")
            if k > 0:
                walls.append(wall)
    return {"warm_start_s": round(statistics.median(walls), 3), "walls_s": [round(w, 3) for w in walls],
            "args": list(args)}


def _threading_layer() -> str:
    """Numba's threading layer, as a parallel kernel reports it after its first call."""
    floor_kernel(0, 0, np.ones(4, dtype=np.bool_), 1, np.zeros(4, dtype=np.int32))
    try:
        return numba.threading_layer()
    except ValueError:
        return "unknown"


def cpu_ticks(stat_text: str | None = None) -> tuple[int, int] | None:
    """(steal, all) clock ticks of the machine's CPUs since boot, from the first line of /proc/stat (or
    `stat_text`): steal is the time the hypervisor ran something else while this machine's cores wanted to run, one
    cause of a shared virtual machine's slow spells (not the only one: the 10:41 bench of 2026-11-30 ran slow with
    0.5% stolen). None where there is no /proc/stat (not Linux)."""
    if stat_text is None:
        try:
            stat_text = Path("/proc/stat").read_text()
        except OSError:
            return None
    fields = stat_text.splitlines()[0].split()
    if fields[0] != "cpu" or len(fields) < 9:
        return None
    ticks = [int(v) for v in fields[1:9]]  # user nice system idle iowait irq softirq steal (guest is in user)
    return ticks[7], sum(ticks)


def steal_share(before: tuple[int, int] | None, after: tuple[int, int] | None) -> float | None:
    """The share of the machine's CPU time stolen between two `cpu_ticks` readings."""
    if before is None or after is None or after[1] <= before[1]:
        return None
    return round((after[0] - before[0]) / (after[1] - before[1]), 3)


def _cpuinfo(cpuinfo_text: str | None) -> str:
    """`cpuinfo_text`, or /proc/cpuinfo's text where it is None (empty where there is none)."""
    if cpuinfo_text is not None:
        return cpuinfo_text
    try:
        return Path("/proc/cpuinfo").read_text()
    except OSError:
        return ""


def cpu_model(cpuinfo_text: str | None = None) -> str | None:
    """The processor's name as the machine reports it (the first `model name` of /proc/cpuinfo, or of
    `cpuinfo_text`); None where there is none. Instances of one machine class differ: on 2026-11-30 the bench's floor
    kernel took 0.9-1.5 ns an agent on one, 2.2-3.5 ns on a later one (an Intel Xeon at 2.00GHz), so each bench says
    which processor its figures come from."""
    for line in _cpuinfo(cpuinfo_text).splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name" and value.strip():
            return value.strip()
    return None


def cpu_identity(cpuinfo_text: str | None = None) -> dict:
    """The processor's family and model numbers and whether it has AVX-512 (`avx512f` among its flags), from the
    first processor of /proc/cpuinfo (or `cpuinfo_text`); None for what it does not say. The name is not enough:
    two instances of 2026-12-01 and 12-02 both print "AMD EPYC", family 25, one of model 17 with AVX-512, one of
    model 1 without, and the floor kernel, whose hash multiplies 64-bit words, took 0.46-0.50 ns an agent on the
    first and 2.0-2.3 on the second (the floor ratio 5.61-7.36 against 1.86-2.29)."""
    fields: dict[str, str] = {}
    for line in _cpuinfo(cpuinfo_text).splitlines():
        if not line.strip() and fields:
            break  # the end of the first processor's block
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())

    def number(name: str) -> int | None:
        value = fields.get(name, "")
        return int(value) if value.isdigit() else None

    flags = fields.get("flags")
    return {"cpu_family": number("cpu family"), "cpu_model_number": number("model"),
            "avx512": None if flags is None else "avx512f" in flags.split()}


def cpu_description(s: dict) -> str:
    """The bench's processor in words: its name, then family, model and AVX-512 where known."""
    parts = [f"family {s['cpu_family']}" if s.get("cpu_family") is not None else "",
             f"model {s['cpu_model_number']}" if s.get("cpu_model_number") is not None else "",
             {True: "AVX-512", False: "no AVX-512"}.get(s.get("avx512"), "")]
    details = ", ".join(part for part in parts if part)
    return f"{s.get('cpu_model')} ({details})" if details else str(s.get("cpu_model"))


def _progress(text: str) -> None:
    print(text, flush=True)


def bench(quick: bool = False, seed: int = 0) -> dict:
    t_start = time.perf_counter()
    load_before = os.getloadavg()
    ticks_before = cpu_ticks()
    common = ["--seed", str(seed)]
    if quick:
        common += ["--scale", "0.02", "--days", "15"]
    reps = 1 if quick else 5  # five runs of each: a median of three moved with one slow run on this noisy machine
    # pairs of one- and two-thread persons runs: their ratios moved from 1.36 to 1.77 within one bench run here
    pairs = 1 if quick else 9
    _progress(f"crisisflow-bench{' --quick' if quick else ''}: {os.cpu_count()} cores, "
              f"Numba {numba.__version__} ({numba.config.NUMBA_NUM_THREADS} threads), load {load_before[0]:.2f}")

    _progress("Flee mali2012, default config ...")
    flee_reps = 1 if quick else 11  # a half-second run, whose time moves by up to a third from run to run here
    flee_args = ["--one", "flee", *(["--days", "20"] if quick else []), "--reps", str(flee_reps)]
    flee = run_child(flee_args)
    _progress(f"  {flee['agent_steps']:,} agent-steps in {flee['wall_s']:.2f} s on {flee['threads']} thread(s)")
    flee_one = run_child([*flee_args, "--threads", "1"])
    _progress(f"  {flee_one['agent_steps']:,} agent-steps in {flee_one['wall_s']:.2f} s on 1 thread")
    flee["vs_flee_one_thread"] = flee_one["vs_flee"]  # Flee runs on one core: the like-for-like ratio
    flee["wall_s_one_thread"] = flee_one["wall_s"]

    two = min(2, numba.config.NUMBA_NUM_THREADS)
    _progress("synthetic Haiti-like, households ...")
    households_runs = synthetic_series("households", (two,), reps, common, budget_s=120.0)[two]
    _progress(f"synthetic Haiti-like, persons on {two} and on 1 thread, in turns ...")
    persons_runs = synthetic_series("persons", tuple(dict.fromkeys((two, 1))), pairs, common, budget_s=240.0)
    two_threads, one_thread = persons_runs[two], persons_runs[1]

    _progress("warm start of `crisisflow` ...")
    warm = warm_start(1, ("sim.days=30", "output.figure=false")) if quick else warm_start(reps)

    summary = {
        "flee_rules": flee,
        "rules": flee["rules"],
        **synthetic_figures(households_runs, two_threads, one_thread, two),
        "warm_start_s": warm["warm_start_s"],
        "warm_start_walls_s": warm.get("walls_s"),
        "warm_start_args": warm.get("args"),
        "quick": quick,
        "cores": os.cpu_count(),
        "cpu_model": cpu_model(),
        **cpu_identity(),
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", ""),
        "numpy_madvise_hugepage": os.environ.get("NUMPY_MADVISE_HUGEPAGE", ""),
        "threading_layer": _threading_layer(),
        "loadavg_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "cpu_steal_share": steal_share(ticks_before, cpu_ticks()),
        "bench_s": round(time.perf_counter() - t_start, 1),
    }
    return summary


def print_table(s: dict) -> None:
    f, h, p = s["flee_rules"], s["households"], s["persons"]
    rows = [
        ("Flee mali2012, default config", f"rules={f['rules']}, {f['days']} days",
         f"{f['agent_steps']:,} agent-steps in {f['wall_s']:.2f} s = {f['agent_steps_per_s']:,}/s",
         f"{f['vs_flee']:,}x Flee 3.1 (36,100/s); on 1 thread {f['vs_flee_one_thread']:,}x"),
    ]
    for name, r in (("households", h), ("persons", p)):
        rows.append((f"Haiti-like, {name}", f"{r['agents']:,} agents, {r['persons']:,} persons, {r['days']} days",
                     f"build {r['build_s']:.2f} s + run {r['run_s']:.2f} s = {r['total_s']:.2f} s; "
                     f"{r['agent_steps_per_s']:,} agent-steps/s",
                     f"peak {r['peak_gb']:.2f} GiB; floor ratio {r.get('floor_ratio')}"))
    rows.append(("threads", "persons, 1 vs 2 threads", f"speed-up {s['thread_speedup']}x "
                 f"(the floor kernel: {s['floor_thread_speedup']}x)", f"identical results: {s['identical']}"))
    rows.append(("", "the speed-up's parts", f"{s['thread_cores_busy']} cores busy on 2 threads",
                 f"{s['thread_cpu_ratio']}x the CPU time of 1 thread"))
    rows.append(("warm start", "`crisisflow` default run, new process, warm caches", f"{s['warm_start_s']} s", ""))
    widths = [max(len(r[k]) for r in rows) for k in range(4)]
    print()
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    print(f"(median of repetitions; {s['cores']} cores, {cpu_description(s)}; load average before/after "
          f"{s['loadavg_before_after']}; "
          f"CPU time stolen by the hypervisor {s['cpu_steal_share']}; bench {s['bench_s']} s)")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="crisisflow-bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="short runs of a downscaled scenario (a smoke test)")
    ap.add_argument("--one", choices=["flee", *RESOLUTIONS], help="one measurement in this process (internal)")
    ap.add_argument("--threads", type=int, default=0, help="Numba threads for --one (0: all)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--scale", type=float, default=1.0, help="synthetic scenario population scale (--one)")
    ap.add_argument("--days", type=int, default=None, help="days to run (--one)")
    ap.add_argument("--reps", type=int, default=3, help="repetitions of the Flee run (--one flee)")
    ap.add_argument("--stages", action="store_true",
                    help="with --one households|persons: also the seconds spent in each stage of the days")
    ap.add_argument("--thread-stages", type=int, metavar="ROUNDS", default=0,
                    help="each stage's time on two threads and on one, persons runs taking turns in this process for "
                         "ROUNDS rounds (experiments/thread_stages.py; --scale, --days and --seed apply)")
    ap.add_argument("--side-by-side", metavar="REV", default=None,
                    help="this checkout against git revision REV, stepping one scenario in turns day by day in this "
                         "process (experiments/side_by_side.py; --scenario, --scale and --days apply)")
    ap.add_argument("--scenario", default="persons", help="with --side-by-side: persons, households, mali2012 or "
                                                           "libya_2011")
    args = ap.parse_args(argv)
    if args.side_by_side:
        from .side_by_side import print_comparison, side_by_side

        result = side_by_side(args.side_by_side, args.scenario, scale=args.scale, days=args.days, progress=_progress)
        print_comparison(result)
        print(json.dumps(result))
        return
    if args.thread_stages:
        from .thread_stages import print_stage_table, thread_stages

        result = thread_stages(_compose([]).rules, args.thread_stages, scale=args.scale, days=args.days,
                               seed=args.seed, progress=_progress)
        print_stage_table(result)
        print(json.dumps(result))
        return
    if args.one:
        from .run import set_threads

        set_threads(args.threads)
        if args.one == "flee":
            out = measure_flee(days=args.days, reps=args.reps)
        else:
            out = measure_synthetic(RESOLUTIONS[args.one], seed=args.seed, scale=args.scale, days=args.days,
                                    stages=args.stages)
        print(json.dumps(out))
        return
    summary = bench(quick=args.quick, seed=args.seed)
    print_table(summary)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
