"""crisisflow's simulation core: network, crisis timeline, population arrays, Numba kernels, CrisisModel."""

import os

# Idle Numba (OpenMP) threads sleep instead of spinning: on a shared or busy machine a spinning waiter
# stalls short parallel kernels by milliseconds each (measured: rules=flee on mali2012 7.2 s -> 0.9 s).
# Set before any kernel starts the thread pool; a user's own setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
