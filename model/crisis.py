"""The crisis timeline: hazard per location per day, damage to shelter and services, and the phase of each day.

Hazard comes from data (Flee's conflicts.csv) or from events in the scenario
config. Sudden-onset events (conflict outbreak, earthquake, flash flood) jump to
their intensity and decay with a half-life; slow-onset events (river flood,
drought) rise over weeks and move along a list of places. The phase
(pre-crisis, emergency, recovery: IOM MCOF, 2012) is set by dates or by
thresholds on the hazard and is visible to every rule.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from .codes import Phase
from .errors import InputError


@dataclass(frozen=True)
class HazardEvent:
    """One event of the scenario config, with its places already resolved to location indices."""

    kind: str  # "sudden" or "slow"
    locations: tuple[int, ...]
    start_day: int
    intensity: float
    half_life_days: float  # sudden: decay of intensity; 0 = no decay
    duration_days: int  # sudden: days until it ends (0 = to the end of the run); slow: days the peak is held after it is reached
    rise_days: int  # slow: days from 0 to peak in each place
    travel_days: int  # slow: days between the onsets of successive places


@dataclass
class Timeline:
    start_date: dt.date
    hazard: np.ndarray  # float32 [days, L], 0..1
    damage: np.ndarray  # float32 [days, L]: share of shelter and services lost, 0..1
    phase: np.ndarray  # int8 [days], Phase

    @property
    def days(self) -> int:
        return self.hazard.shape[0]

    def dates(self) -> np.ndarray:
        return np.datetime64(self.start_date, "D") + np.arange(self.days)


def event_hazard(events: list[HazardEvent], days: int, n_locations: int) -> np.ndarray:
    """Hazard [days, L] from events; overlapping events take the larger intensity."""
    hazard = np.zeros((days, n_locations), dtype=np.float32)
    t = np.arange(days, dtype=np.float64)
    for ev in events:
        if ev.kind == "sudden":
            since = t - ev.start_day
            curve = np.where(since >= 0, ev.intensity, 0.0)
            if ev.half_life_days > 0:
                curve = curve * np.power(0.5, np.clip(since, 0, None) / ev.half_life_days)
            if ev.duration_days > 0:
                curve = np.where(since < ev.duration_days, curve, 0.0)
            for loc in ev.locations:
                hazard[:, loc] = np.maximum(hazard[:, loc], curve)
        else:
            for k, loc in enumerate(ev.locations):
                onset = ev.start_day + k * ev.travel_days
                curve = _slow_curve(t - onset, ev)
                hazard[:, loc] = np.maximum(hazard[:, loc], curve)
    return hazard


def _slow_curve(since: np.ndarray, ev: HazardEvent) -> np.ndarray:
    """Linear rise over `rise_days` to the peak, held for `duration_days` more days, then a fall as long as
    the rise; with no rise, the peak comes on the onset day and ends at once."""
    after_peak = since - ev.rise_days - ev.duration_days
    if ev.rise_days <= 0:
        return ev.intensity * ((since >= 0) & (after_peak <= 0))
    up = np.clip(since / ev.rise_days, 0.0, 1.0)
    down = np.clip(1.0 - after_peak / ev.rise_days, 0.0, 1.0)
    return ev.intensity * np.where(since < 0, 0.0, np.minimum(up, down))


def damage_from_hazard(hazard: np.ndarray, rebuild_per_day: float) -> np.ndarray:
    """Lost shelter and services: follows the hazard up at once, is rebuilt at `rebuild_per_day` of what remains."""
    damage = np.empty_like(hazard)
    current = np.zeros(hazard.shape[1], dtype=np.float32)
    keep = np.float32(1.0 - rebuild_per_day)
    for d in range(hazard.shape[0]):  # a loop over days, not agents
        current = np.maximum(current * keep, hazard[d])
        damage[d] = current
    return damage


def phases(hazard: np.ndarray, start_date: dt.date, emergency_start: dt.date | None, recovery_start: dt.date | None,
           emergency_threshold: float, recovery_threshold: float) -> np.ndarray:
    """Phase per day: from dates where given, else from the highest hazard anywhere crossing the thresholds.

    Emergency begins on the first day the highest hazard reaches `emergency_threshold`; recovery on the
    first later day it falls below `recovery_threshold`.
    """
    days = hazard.shape[0]
    peak = hazard.max(axis=1) if hazard.shape[1] else np.zeros(days)
    if emergency_start is not None:
        e_day = (emergency_start - start_date).days
    else:
        hits = np.nonzero(peak >= emergency_threshold)[0]
        e_day = int(hits[0]) if len(hits) else days
    if recovery_start is not None:
        r_day = (recovery_start - start_date).days
    else:
        calm = np.nonzero((np.arange(days) > e_day) & (peak < recovery_threshold))[0]
        r_day = int(calm[0]) if len(calm) else days
    phase = np.full(days, Phase.PRE_CRISIS, dtype=np.int8)
    phase[max(e_day, 0):] = Phase.EMERGENCY
    phase[max(r_day, 0):] = Phase.RECOVERY
    return phase


def parse_date(text: str, source: str, key: str) -> dt.date:
    """A config date, strictly YYYY-MM-DD; a bad one is an InputError naming its source and key (CSV tables
    take Flee's lenient dates instead, see io_csv)."""
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        raise InputError(source, f"'{text}' is not a date; expected YYYY-MM-DD", key=key) from None
