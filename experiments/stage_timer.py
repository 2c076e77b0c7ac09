"""Where a day's time goes: wall time per stage of `CrisisModel._day`, for `crisisflow-bench --one ... --stages`.

A timer is put around the model's stages (its methods, the admission and hosting functions it calls, the kernels it
calls through `model.kernels`, and the rule set's daily tables) for the length of a `with` block, and taken off
after. Nested stages are timed inside their callers (`_move` holds the choice tables, the rules' tables and the
movement pass), so the figures do not add up to the run. A timer costs about a microsecond a call: it is a
profile of a run, not the benchmark's measurement.

Given a second dict, each stage's CPU time accumulates there too: the process's, on all its threads
(`time.process_time`), so that a stage's CPU time over its wall time is the cores it kept busy
(`experiments/thread_stages.py`).
"""
from __future__ import annotations

import contextlib
import functools
import time
from collections import defaultdict
from collections.abc import Iterator

#: the CrisisModel methods timed
MODEL_METHODS = ("_move", "_admit_and_host", "_count", "_returns", "_read_counts", "_record", "location_state",
                 "_choosing_types", "_spawn_observed", "_apply_policies")
#: the functions model.model calls by name (imported there from admission and hosting)
MODEL_FUNCTIONS = ("admit", "queue_slots", "gated_locations", "place_with_hosts", "hostable")
#: the kernels model.model calls through its `kernels` module
KERNELS = ("choice_tables", "move_agents", "return_home", "tally", "count_rows")


def timed(function, name: str, seconds: dict[str, float], cpu_seconds: dict[str, float] | None = None):
    """`function`, adding the wall seconds of each call to seconds[name] (and its CPU seconds to cpu_seconds[name])."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        t0, c0 = time.perf_counter(), time.process_time() if cpu_seconds is not None else 0.0
        try:
            return function(*args, **kwargs)
        finally:
            seconds[name] += time.perf_counter() - t0
            if cpu_seconds is not None:
                cpu_seconds[name] = cpu_seconds.get(name, 0.0) + time.process_time() - c0
    return wrapper


@contextlib.contextmanager
def stage_times(model, cpu_seconds: dict[str, float] | None = None) -> Iterator[dict[str, float]]:
    """Within the block, seconds spent in each stage of `model`'s days accumulate in the yielded dict, and where
    `cpu_seconds` is given, the process's CPU seconds (all threads) in it, by the same names."""
    from ..model import kernels
    from ..model import model as model_module

    seconds: dict[str, float] = defaultdict(float)
    patched: list[tuple[object, str, object]] = []

    def patch(owner, name: str, label: str) -> None:
        original = getattr(owner, name)
        patched.append((owner, name, original))
        setattr(owner, name, timed(original, label, seconds, cpu_seconds))

    for name in MODEL_METHODS:
        patch(type(model), name, name)
    for name in MODEL_FUNCTIONS:
        patch(model_module, name, name)
    for name in KERNELS:
        patch(kernels, name, f"kernels.{name}")
    patch(model.rules, "daily", "rules.daily")
    try:
        yield seconds
    finally:
        for owner, name, original in reversed(patched):
            if owner is model.rules:
                delattr(owner, name)  # the instance's timer hid the class's method
            else:
                setattr(owner, name, original)
