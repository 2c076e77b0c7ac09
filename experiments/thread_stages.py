"""Where a second thread gains, stage by stage: `crisisflow-bench --thread-stages ROUNDS`.

The thread speed-up of a persons run is its cores busy on two threads over the CPU time the same work takes on two
threads against one (`bench.synthetic_figures`). This splits both by stage of the day: the persons scenario runs on
two threads and on one, taking turns in this one process (so that a slow spell of the machine falls on both alike),
with a timer around each stage (`stage_timer.stage_times`) reading wall and CPU time. For each stage, medians over
the rounds: its seconds on one thread and on two, the gain, the cores it kept busy on two threads, its CPU time on two
threads over one, and the core-seconds the second core idled while it ran. Nested stages are timed inside their
callers (`_move` holds the movement pass), so the rows do not add up to the run.

Earlier sessions rebuilt this by hand each time they looked for what holds the speed-up (experiments/SPEED.md, "Two
threads"); the same split is now one command.
"""
from __future__ import annotations

import statistics
import time
from collections import defaultdict
from collections.abc import Callable

import numba
from omegaconf import DictConfig

from ..model.model import CrisisModel
from .stage_timer import stage_times
from .synthetic import DAYS, haiti_like

#: the thread counts compared, in the order the first round runs them; the order alternates by round, so that on a
#: machine whose speed drifts neither count always runs first
THREADS = (2, 1)


def _one_run(model_factory: Callable[[], CrisisModel], threads: int) -> dict:
    """One run on `threads` threads: wall and CPU seconds of the run and of each stage, the records' digest, and the
    thread counts its days ran the movement pass on, as the model read them (`CrisisModel.step`)."""
    before = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        model = model_factory()
        pass_threads: set[int] = set()
        day = model._day

        def day_seen(threads_of_pass: int) -> None:
            pass_threads.add(threads_of_pass)
            day(threads_of_pass)

        model._day = day_seen
        cpu: dict[str, float] = defaultdict(float)
        with stage_times(model, cpu) as wall:
            t0, c0 = time.perf_counter(), time.process_time()
            model.run()
            run_wall, run_cpu = time.perf_counter() - t0, time.process_time() - c0
    finally:
        numba.set_num_threads(before)
    return {"wall": {"run": run_wall, **wall}, "cpu": {"run": run_cpu, **cpu}, "digest": model.recorder.digest(),
            "pass_threads": pass_threads}


def thread_stages(rules: DictConfig, rounds: int = 3, scale: float = 1.0, days: int | None = None, seed: int = 0,
                  progress: Callable[[str], None] | None = None) -> dict:
    """Run the persons scenario under `rules` (a composed `rules` config) `rounds` times on two threads and on one,
    taking turns in this process; return the medians by stage (see the module docstring) and whether every run
    recorded the same indicators, and the thread counts the movement pass ran on by the thread count set."""
    days = DAYS if days is None else days
    if numba.config.NUMBA_NUM_THREADS < 2:
        raise ValueError(f"thread stages: two Numba threads needed, NUMBA_NUM_THREADS is "
                         f"{numba.config.NUMBA_NUM_THREADS}")
    # a tiny copy that reaches the recovery phase, so every kernel is loaded before the first timed run
    CrisisModel(haiti_like(1, seed, scale=0.002, days=min(days, 100)), rules, seed=seed).run()
    runs: dict[int, list[dict]] = {threads: [] for threads in THREADS}
    for round_index in range(rounds):
        for threads in (THREADS if round_index % 2 == 0 else THREADS[::-1]):
            run = _one_run(lambda: CrisisModel(haiti_like(1, seed, scale=scale, days=days), rules, seed=seed),
                           threads)
            runs[threads].append(run)
            if progress is not None:
                progress(f"  persons on {threads} thread(s): run {run['wall']['run']:.2f} s, "
                         f"CPU {run['cpu']['run']:.2f} s")
    return {"rounds": rounds, "threads": THREADS[0], "scale": scale, "days": days,
            "identical": len({r["digest"] for rs in runs.values() for r in rs}) == 1,
            "run_s": {str(t): [round(r["wall"]["run"], 3) for r in rs] for t, rs in runs.items()},
            "pass_threads": {str(t): sorted(set().union(*(r["pass_threads"] for r in rs))) for t, rs in runs.items()},
            "stages": _stage_medians(runs[1], runs[THREADS[0]], THREADS[0])}


def _stage_medians(one: list[dict], many: list[dict], threads: int) -> dict[str, dict[str, float]]:
    """Per stage (the run first, then by seconds on `threads` threads, the runs `many`): medians of its wall and CPU
    seconds on one thread and on `threads`, and what follows from them."""
    def median(rs: list[dict], clock: str, name: str) -> float:
        return statistics.median(r[clock].get(name, 0.0) for r in rs)

    out = {}
    for name in many[0]["wall"]:
        wall_1, wall_2 = median(one, "wall", name), median(many, "wall", name)
        cpu_1, cpu_2 = median(one, "cpu", name), median(many, "cpu", name)
        out[name] = {"wall_1": round(wall_1, 3), "wall_2": round(wall_2, 3), "cpu_1": round(cpu_1, 3),
                     "cpu_2": round(cpu_2, 3),
                     "gain": round(wall_1 / wall_2, 2) if wall_2 > 0 else None,
                     "cores_busy_2": round(cpu_2 / wall_2, 2) if wall_2 > 0 else None,
                     "cpu_ratio": round(cpu_2 / cpu_1, 2) if cpu_1 > 0 else None,
                     "idle_core_s_2": round(max(threads * wall_2 - cpu_2, 0.0), 3)}
    run, rest = out.pop("run"), out
    return {"run": run, **dict(sorted(rest.items(), key=lambda kv: -kv[1]["wall_2"]))}


def print_stage_table(result: dict) -> None:
    """The stages as a table, the run first."""
    header = ("stage", "1 thread s", f"{result['threads']} threads s", "gain", "cores busy", "CPU ratio",
              "idle core-s")
    rows = [header]
    for name, s in result["stages"].items():
        rows.append((name, f"{s['wall_1']:.3f}", f"{s['wall_2']:.3f}", f"{s['gain']}", f"{s['cores_busy_2']}",
                     f"{s['cpu_ratio']}", f"{s['idle_core_s_2']:.3f}"))
    widths = [max(len(r[k]) for r in rows) for k in range(len(header))]
    print()
    for r in rows:
        print("  ".join(c.ljust(w) if k == 0 else c.rjust(w) for k, (c, w) in enumerate(zip(r, widths))))
    print(f"(medians of {result['rounds']} rounds, the thread counts taking turns in one process; identical results: "
          f"{result['identical']}; nested stages count inside their callers)")
