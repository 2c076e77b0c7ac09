"""Compile once: a new process loads every kernel from Numba's cache instead of compiling it again."""
from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = """
import importlib, json, pkgutil
from numba.core.registry import CPUDispatcher
import crisisflow.model
# every compiled function with an explicit signature in the model's modules: at import those, and only those, have
# a signature (the others compile, or load, on their first call from compiled code)
found = {}
for info in pkgutil.walk_packages(crisisflow.model.__path__, "crisisflow.model."):
    module = importlib.import_module(info.name)
    for f in vars(module).values():
        if isinstance(f, CPUDispatcher) and f.signatures and f.py_func.__module__ == info.name:
            found[f"{info.name.rsplit('.', 1)[-1]}.{f.__name__}"] = f
print(json.dumps({name: [sum(f.stats.cache_hits.values()), sum(f.stats.cache_misses.values()), len(f.signatures)]
                  for name, f in found.items()}))
"""
#: compiled functions the probe must find (a check that it finds them at all; it finds every one with a signature)
EXPECTED = {"kernels.move_agents", "kernels.tally", "kernels.return_home", "kernels.choice_tables",
            "kernels.summed_counts", "rng.splitmix64", "ranking.fit_contested", "admission._admit_queue",
            "admission._slots", "hosting._host_rows", "return_reintegration._chosen_for_solutions"}


def probe() -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=300, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_second_process_loads_kernels_from_cache():
    probe()  # the first process may compile and fill the cache
    found = probe()
    assert EXPECTED <= set(found), f"the probe missed {sorted(EXPECTED - set(found))}"
    for name, (hits, misses, signatures) in found.items():
        assert signatures == 1, f"{name} has {signatures} signatures; expected one explicit signature"
        assert misses == 0 and hits == 1, f"{name} compiled again in a new process (hits {hits}, misses {misses})"


PARALLEL_LOOPS = """
import contextlib, io, json, re
from numba.core.registry import CPUDispatcher
import crisisflow.model.kernels as k
loops = {}
for name, f in sorted(vars(k).items()):
    if isinstance(f, CPUDispatcher) and f.targetoptions.get("parallel"):
        listing = io.StringIO()
        with contextlib.redirect_stdout(listing):
            f.parallel_diagnostics(f.signatures[0], level=1)
        loops[name] = len(re.findall(r"[|] #[0-9]+ *$", listing.getvalue(), flags=re.M))
print(json.dumps(loops))
"""


def test_each_parallel_kernel_is_one_parallel_loop(tmp_path):
    """Every parallel loop of a kernel wakes the other threads and waits for them (about 70 us here with idle
    threads asleep): a kernel is one loop. np.zeros in a kernel compiled with parallel=True is a parallel loop of
    its own (two of them made choice_tables 575 us a call on two threads against 253 without); the listing of
    Numba's parallel diagnostics counts them, from a fresh compile (a kernel loaded from the cache has none)."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", PARALLEL_LOOPS], capture_output=True, text=True, timeout=600,
                         check=True, env=env)
    loops = json.loads(out.stdout.strip().splitlines()[-1])
    assert {"move_agents", "return_home", "tally", "choice_tables", "count_of_type"} <= set(loops)
    for name, n in loops.items():
        assert n == 1, f"kernels.{name} runs {n} parallel loops; expected one"
