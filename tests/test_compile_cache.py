"""Compile once: a new process loads every kernel from Numba's cache instead of compiling it again."""
from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = """
import json
import crisisflow.model.kernels as k
from crisisflow.model import admission, hosting, ranking, rng
from crisisflow.model.policies import aid_information, base, return_reintegration
kernels = [k.move_agents, k.tally, k.return_home, k.choice_tables, rng.splitmix64, rng._uniform_rows,
           k.months_displaced_term, k.listed_rows, k.count_of_type, k.count_rows, k.path_weights,
           ranking.uncontested,
           ranking.fit_contested, admission._settle_queue, admission._admit_queue, admission._priorities,
           admission.queued_facts,
           hosting._host_rows,
           aid_information._reach_and_unmet, return_reintegration._chosen_for_solutions, base._rows_at]
print(json.dumps({f.__name__: [sum(f.stats.cache_hits.values()), sum(f.stats.cache_misses.values()),
                               len(f.signatures)] for f in kernels}))
"""


def probe() -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=300, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_second_process_loads_kernels_from_cache():
    probe()  # the first process may compile and fill the cache
    for name, (hits, misses, signatures) in probe().items():
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
