"""crisisflow's simulation core: network, crisis timeline, population arrays, Numba kernels, CrisisModel."""
