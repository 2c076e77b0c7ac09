"""crisisflow's simulation core: network, crisis timeline, population arrays, Numba kernels, CrisisModel."""

import importlib
import os
from pathlib import Path


def _numpy_huge_pages(enabled: bool) -> bool | None:
    """Switch NumPy's request for transparent huge pages for new arrays (NumPy 2: numpy._core, 1.x: numpy.core) and
    return the setting it had; a NumPy without the switch is left as it is (None)."""
    for module in ("numpy._core.multiarray", "numpy.core.multiarray"):
        try:
            switch = importlib.import_module(module)._set_madvise_hugepage
        except (ImportError, AttributeError):
            continue
        return switch(enabled)
    return None


# Idle Numba (OpenMP) threads sleep instead of spinning: on a shared or busy machine a spinning waiter
# stalls short parallel kernels by milliseconds each (measured: rules=flee on mali2012 7.2 s -> 0.9 s).
# Set before any kernel starts the thread pool; a user's own setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

# NumPy asks the kernel for transparent huge pages for every array of 4 MiB or more. Here the first touch of such
# memory costs about four times that of ordinary pages, and the kernels' scattered reads gained nothing measurable
# from the larger pages. The Haiti-like persons scenario (2.77 M rows), `crisisflow-bench --one persons`, four pairs
# taking turns (2026-11-29): build 0.67-0.87 s with them, 0.42-0.60 s without; peak memory 0.72 -> 0.64 GiB; runs
# 3.52-3.92 against 3.58-3.67 s. NumPy reads NUMPY_MADVISE_HUGEPAGE as it is imported, before this; a user's
# setting wins.
if "NUMPY_MADVISE_HUGEPAGE" not in os.environ:
    os.environ["NUMPY_MADVISE_HUGEPAGE"] = "0"  # for child processes (NumPy reads it as it is imported)
    _numpy_huge_pages(False)  # for this one, whose NumPy read it already

# Numba's cache in a folder named after the model's sources (see kernel_cache: a kernel whose callee in another file
# changed is never loaded stale), set before any kernel is defined; a user's NUMBA_CACHE_DIR wins
from .kernel_cache import use_kernel_cache  # noqa: E402

use_kernel_cache(Path(__file__).resolve().parent)
