"""Compile once: a new process loads every kernel from Numba's cache instead of compiling it again."""
from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json
import crisisflow.model.kernels as k
from crisisflow.model import admission, rng
from crisisflow.model.policies import aid_information, base, return_reintegration
kernels = [k.move_agents, k.tally, k.return_home, k.choice_tables, rng.splitmix64, rng._uniform_rows,
           k.months_displaced_term, k.listed_rows, k.count_of_type, k.count_rows, k.path_weights,
           admission._uncontested,
           admission._fit_contested, admission._settle_queue, admission._admit_queue, admission._priorities,
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
