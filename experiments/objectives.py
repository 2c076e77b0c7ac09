"""Objectives: one number per run for sweepers such as Optuna (`objective.name` in the config)."""
from __future__ import annotations

import logging
from pathlib import Path

import pyarrow.parquet as pq
from omegaconf import DictConfig, OmegaConf

from ..model.errors import InputError
from . import output

log = logging.getLogger(__name__)


def _total(table, indicator: str, key: str | None = None) -> float:
    """Sum over days (and keys, unless one is given) of an indicator of the tidy table."""
    # imported here: only a run that asks for an objective uses it, and its import took 0.05 s of every start
    # (`python -X importtime`, 2026-12-02)
    import pyarrow.compute as pc

    mask = pc.equal(table.column("indicator").cast("string"), indicator)
    if key is not None:
        mask = pc.and_(mask, pc.equal(table.column("key").cast("string"), key))
    return float(pc.sum(table.filter(mask).column("value")).as_py() or 0.0)


def _seats_for_stranded(table, spec: DictConfig) -> float:
    """Evacuation seat-days offered at the hubs, plus `penalty` for each stranded person-day above `target`."""
    seats = _total(table, "evacuation_seats")
    stranded = _total(table, "stranded", "")
    value = seats + float(spec.penalty) * max(0.0, stranded - float(spec.target))
    log.info("objective: %.6g (evacuation seat-days %.6g, stranded person-days %.6g, target %.6g)",
             value, seats, stranded, float(spec.target))
    return value


#: objective.name -> function(results table, objective config) -> the number a sweeper minimises
OBJECTIVES = {"evacuation_seats_for_stranded": _seats_for_stranded}


def objective_value(cfg: DictConfig, out_dir: Path) -> float | None:
    """The objective the config asks for (`objective.name`), from the run's results; None when it asks for none."""
    spec = OmegaConf.select(cfg, "objective", default=None)
    name = OmegaConf.select(cfg, "objective.name", default=None)
    if name is None:
        return None
    if name not in OBJECTIVES:
        raise InputError("config", f"{name!r}; expected one of {sorted(OBJECTIVES)}", key="objective.name")
    return OBJECTIVES[name](pq.read_table(out_dir / output.RESULTS_FILE), spec)
