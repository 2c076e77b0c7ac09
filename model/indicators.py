"""Named daily indicators derived from the recorder's arrays: (indicator, key, values per day).

`key` is a location, a country, a nationality, a status or an agent type, and
empty for totals. Every figure and table reads these series, never the agents.
"""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from .codes import DISPLACED_STATUSES, EXIT_STATUSES, AgentType, LocationKind, Status
from .hosting import host_strain

Series = tuple[str, str, np.ndarray]


def indicator_series(model) -> Iterator[Series]:
    """Every indicator of a finished (or partly run) model, day axis cut to the days recorded."""
    rec, net, tl = model.recorder, model.network, model.scenario.timeline
    n = rec.days_recorded
    ls = rec.loc_status[:n]  # int32 [days, L, S]: sums stay integers, only the series become floats
    ts = rec.type_status[:n].astype(np.float64)
    in_network = [s for s in Status if s not in EXIT_STATUSES]
    displaced = list(DISPLACED_STATUSES)
    site = net.kind == LocationKind.SITE

    yield "phase", "", tl.phase[:n].astype(np.float64)
    yield "hazard_max", "", tl.hazard[:n].max(axis=1).astype(np.float64)
    for loc in np.nonzero(tl.hazard[:n].max(axis=0) > 0)[0]:
        yield "hazard", net.names[loc], tl.hazard[:n, loc].astype(np.float64)

    persons_loc = ls[:, :, in_network].sum(axis=2).astype(np.float64)
    yield "persons_present", "", persons_loc.sum(axis=1)
    for loc, name in enumerate(net.names):
        yield "persons", name, persons_loc[:, loc]
    for s in Status:
        yield "persons_by_status", s.name.lower(), ts[:, :, s].sum(axis=1)
    for t in AgentType:
        yield "persons_by_type", t.name.lower(), ts[:, t, in_network].sum(axis=1)
    yield "displaced", "", ts[:, :, displaced].sum(axis=(1, 2))
    for t in AgentType:
        yield "displaced", t.name.lower(), ts[:, t, displaced].sum(axis=1)
    for t in AgentType:
        yield "newly_displaced", t.name.lower(), rec.newly_displaced[:n, t].astype(np.float64)

    in_site = ls[:, :, Status.IN_SITE].astype(np.float64)
    cap = rec.site_capacity[:n].astype(np.float64)
    yield "persons_in_sites", "", in_site[:, site].sum(axis=1)
    yield "households_in_sites", "", rec.rows_in_sites[:n].astype(np.float64)  # agents: households or groups
    yield "open_sites", "", (site[None, :] & (cap != 0)).sum(axis=1).astype(np.float64)
    for loc in np.nonzero(site)[0]:
        yield "persons_in_sites", net.names[loc], in_site[:, loc]
        if (cap[:, loc] > 0).any():
            yield "site_occupancy", net.names[loc], np.where(cap[:, loc] > 0, in_site[:, loc] / np.maximum(cap[:, loc], 1), np.nan)
            # places that day: 0 while the site is closed, NaN on a day it has no limit
            yield "site_capacity", net.names[loc], np.where(cap[:, loc] >= 0, cap[:, loc], np.nan)

    for s in (Status.WAITING, Status.STRANDED, Status.TRAPPED):
        yield s.name.lower(), "", ts[:, :, s].sum(axis=1)

    foreign = np.arange(len(net.countries)) != net.home_country
    cross = np.cumsum(rec.crossings[:n], axis=0).astype(np.float64)
    yield "border_arrivals_cumulative", "", cross[:, foreign].sum(axis=1)
    for c in np.nonzero(foreign)[0]:
        yield "border_arrivals_cumulative", net.countries[c], cross[:, c]

    evac = np.cumsum(rec.evacuated[:n], axis=0).astype(np.float64)
    yield "evacuated_cumulative", "", evac.sum(axis=1)
    for k, nat in enumerate(model.scenario.nationalities):
        yield "evacuated_cumulative", nat, evac[:, k + 1]
    yield "returned_cumulative", "", np.cumsum(rec.returned[:n]).astype(np.float64)

    hosted = ls[:, :, Status.HOSTED].astype(np.float64)
    places = rec.host_places[:n].astype(np.float64)
    yield "hosted", "", hosted.sum(axis=1)
    yield "hosting_places", "", places.sum(axis=1)
    yield "host_strain", "", host_strain(hosted.sum(axis=1), places.sum(axis=1))
    for loc in np.nonzero((places > 0).any(axis=0) | (hosted > 0).any(axis=0))[0]:
        yield "host_strain", net.names[loc], host_strain(hosted[:, loc], places[:, loc])

    entered = np.cumsum(rec.entered[:n]).astype(np.float64)
    exited = ts[:, :, list(EXIT_STATUSES)].sum(axis=(1, 2))
    yield "entered_cumulative", "", entered
    yield "exited_cumulative", "", exited
    yield "agents_alive", "", rec.rows_alive[:n].astype(np.float64)

    for policy in model.policies:
        yield from policy.series(model)

    if rec.flows is not None:
        labels = net.edge_labels()
        flows = rec.flows[:n]
        for e in np.nonzero(flows.any(axis=0))[0]:
            yield "flow", labels[e], flows[:, e].astype(np.float64)

