"""Flee's validation error, so crisisflow's runs are scored on the same scale as Flee's published figures.

The averaged relative difference (ARD) is what Flee's post-processing prints
as "Error (normal)" and "Error (rescaled)": flee/postprocessing/extract-validation-results.py
(lines 334-339), used by FabFlee's validate_flee. Flee's own scores on the
shipped conflicts are in shared/reference/flee_baseline.md; the formula is in
the "Validation metric" section of shared/reference/flee_rules.md.
"""
from __future__ import annotations

import numpy as np


def ard(sim: np.ndarray, obs: np.ndarray, rescaled: bool = False) -> tuple[float, np.ndarray]:
    """Averaged relative difference of simulated and observed camp populations, and each camp's share of it.

    `sim` and `obs` are [days, camps]. Each day
    E(t) = sum_c |sim_c(t) - obs_c(t)| / max(sum_c obs_c(t), 1), and the score is
    the mean of E over days. With `rescaled`, each day's simulated counts are
    first scaled to the observed total in camps (days with no one simulated stay
    at 0), which removes the error in the total and keeps the error in how people
    spread across camps. The per-camp contributions are the mean over days of
    |sim_c - obs_c| / max(obs total, 1); they sum to the score.
    """
    sim = np.asarray(sim, dtype=np.float64)
    obs = np.asarray(obs, dtype=np.float64)
    if sim.ndim != 2 or sim.shape != obs.shape:
        raise ValueError(f"sim {sim.shape} and obs {obs.shape}: expected two arrays of the same shape [days, camps]")
    if sim.shape[0] == 0:
        raise ValueError("no days to score")
    obs_total = obs.sum(axis=1, keepdims=True)
    if rescaled:
        sim_total = sim.sum(axis=1, keepdims=True)
        scale = np.divide(obs_total, sim_total, out=np.ones_like(sim_total), where=sim_total > 0)
        sim = sim * scale
    per_camp = (np.abs(sim - obs) / np.maximum(obs_total, 1.0)).mean(axis=0)
    return float(per_camp.sum()), per_camp
