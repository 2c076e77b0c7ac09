"""The day's indicators, held in arrays preallocated for the whole run (no per-agent Python objects)."""
from __future__ import annotations

import hashlib

import numpy as np

from .codes import N_STATUS, N_TYPE


class Recorder:
    """One array per indicator family, first axis = day."""

    def __init__(self, days: int, n_locations: int, n_edges: int, n_countries: int, n_nationalities: int,
                 record_flows: bool = True):
        self.days_recorded = 0
        self.loc_status = np.zeros((days, n_locations, N_STATUS), dtype=np.int32)  # persons per place fit int32
        self.type_status = np.zeros((days, N_TYPE, N_STATUS), dtype=np.int64)
        self.flows = np.zeros((days, n_edges), dtype=np.int64) if record_flows else None
        self.crossings = np.zeros((days, n_countries), dtype=np.int64)
        self.newly_displaced = np.zeros((days, N_TYPE), dtype=np.int64)
        self.evacuated = np.zeros((days, n_nationalities + 1), dtype=np.int64)  # column 0: nationals
        self.returned = np.zeros(days, dtype=np.int64)
        self.entered = np.zeros(days, dtype=np.int64)  # persons who entered the network (initial + observed)
        self.host_places = np.zeros((days, n_locations), dtype=np.int64)
        self.host_members = np.zeros((days, n_locations), dtype=np.int32)  # host household members at home
        self.site_capacity = np.zeros((days, n_locations), dtype=np.int64)
        self.rows_alive = np.zeros(days, dtype=np.int64)
        self.rows_in_sites = np.zeros(days, dtype=np.int64)  # agents (households or groups) in sites

    def digest(self) -> str:
        """sha256 over every array, in name order (16 hex digits): equal digests mean bit-identical indicators, the
        check that a run repeats on any thread count."""
        h = hashlib.sha256()
        for name in sorted(vars(self)):
            value = getattr(self, name)
            if isinstance(value, np.ndarray):
                h.update(name.encode())
                h.update(np.ascontiguousarray(value).tobytes())
        return h.hexdigest()[:16]
