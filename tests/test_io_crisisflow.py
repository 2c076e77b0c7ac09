"""crisisflow's own folder format: a tiny folder, the shipped Flee networks written and read back, and one test per bad input."""
from __future__ import annotations

import warnings
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from crisisflow.model.codes import AgentType, LocationKind, RouteMode
from crisisflow.model.errors import InputError
from crisisflow.model.io_crisisflow import read_crisisflow_folder, read_locations, read_observed_total, read_routes
from crisisflow.model.io_flee import read_flee_folder
from crisisflow.model.network import build_network

FLEE_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "flee"

LOCATIONS = """name,kind,country,latitude,longitude,population,capacity,throughput
Port City,town,X,1.0,2.0,5000,,
Camp One,site,X,1.5,2.5,0,800,
Crossing,border,X,2.0,3.0,0,-1,150
Airport,hub,X,1.1,2.1,0,,40
Beyond,abroad,Y,3.0,4.0,0,,
"""
ROUTES = """from,to,distance_km,mode,crosses_border
Port City,Camp One,12.5,,
Port City,Crossing,80,road,
Crossing,Beyond,5,,true
Port City,Airport,20,road,false
Airport,Beyond,900,air,
"""
POPULATIONS = """location,agent_type,nationality,persons,group_size,documents_share,unaccompanied_child_share,trafficking_victim_share,no_language_access_share
Port City,host_household,,4000,5,1,0,0,0
Port City,migrant,Z,600,1,0.4,0.05,0.02,0.6
Camp One,idp,,300,4,0.8,0.1,0,0
"""
DISPLACED = """date,count
2020-01-03,100
2020-01-07,300
"""


def cf_folder(tmp_path: Path, **files: str | None) -> Path:
    """The five-location folder above; `files` override or drop files by name."""
    default = {"locations.csv": LOCATIONS, "routes.csv": ROUTES, "populations.csv": POPULATIONS, "displaced.csv": DISPLACED}
    default.update(files)
    for name, text in default.items():
        if text is not None:
            (tmp_path / name).write_text(text)
    return tmp_path


def test_tiny_folder(tmp_path):
    cf = read_crisisflow_folder(cf_folder(tmp_path))
    net = cf.network
    assert net.names == ["Port City", "Camp One", "Crossing", "Airport", "Beyond"]
    assert net.kind.tolist() == [LocationKind.TOWN, LocationKind.SITE, LocationKind.BORDER, LocationKind.HUB, LocationKind.ABROAD]
    assert net.population.tolist() == [5000, 0, 0, 0, 0]
    assert net.capacity.tolist() == [-1, 800, -1, -1, -1]
    assert net.throughput.tolist() == [-1, -1, 150, 40, -1]
    assert net.countries == ["X", "Y"] and net.home_country == 0
    idx = net.index()
    edge = lambda a, b: net.edge_between(idx[a], idx[b])  # noqa: E731
    assert net.edge_km[edge("Camp One", "Port City")] == 12.5
    assert net.edge_mode[edge("Airport", "Beyond")] == RouteMode.AIR and net.edge_mode[edge("Port City", "Camp One")] == RouteMode.ROAD
    assert net.edge_border[edge("Airport", "Beyond")]  # derived: X to Y
    assert not net.edge_border[edge("Port City", "Airport")]  # given: false
    pops = cf.populations
    assert pops.agent_type == [AgentType.HOST_HOUSEHOLD, AgentType.MIGRANT, AgentType.IDP]
    assert pops.nationality == ["", "Z", ""] and pops.persons == [4000, 600, 300] and pops.group_size == [5, 1, 4]
    assert pops.no_language_access_share[1] == 0.6 and pops.rows == [2, 3, 4]
    assert cf.displaced_path == tmp_path / "displaced.csv"
    observed = read_observed_total(cf.displaced_path, date(2020, 1, 1), 10)
    assert observed.tolist() == [100, 100, 100, 150, 200, 250, 300, 300, 300, 300]


def test_a_folder_without_observed_displacement(tmp_path):
    bare = tmp_path / "bare"
    bare.mkdir()
    assert read_crisisflow_folder(cf_folder(bare, **{"displaced.csv": None})).displaced_path is None


def test_home_country_is_chosen_by_name(tmp_path):
    assert read_crisisflow_folder(cf_folder(tmp_path), home_country="Y").network.home_country == 1


def _write_own_format(net, folder: Path) -> None:
    """The network as crisisflow's locations.csv and routes.csv (one route per pair of edges)."""
    kinds = {int(k): k.name.lower() for k in LocationKind}
    lines = ["name,kind,country,latitude,longitude,population,capacity,throughput"]
    for i, name in enumerate(net.names):
        lines.append(f"{name},{kinds[int(net.kind[i])]},{net.countries[net.country[i]]},{float(net.lat[i])!r},{float(net.lon[i])!r},{net.population[i]},{net.capacity[i]},{net.throughput[i]}")
    (folder / "locations.csv").write_text("\n".join(lines) + "\n")
    lines = ["from,to,distance_km,mode,crosses_border"]
    for e in np.nonzero(net.edge_from < net.edge_to)[0]:
        lines.append(f"{net.names[net.edge_from[e]]},{net.names[net.edge_to[e]]},{float(net.edge_km[e])!r},road,{str(bool(net.edge_border[e])).lower()}")
    (folder / "routes.csv").write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("name", ["mali2012", "burundi2015", "car2013"])
def test_shipped_networks_round_trip_through_own_format(tmp_path, name):
    folder = FLEE_DATA / name
    if not folder.is_dir():
        pytest.skip(f"{folder} not present")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = read_flee_folder(folder).network
        _write_own_format(net, tmp_path)
        back = build_network(read_locations(tmp_path / "locations.csv"), read_routes(tmp_path / "routes.csv"))
    assert back.names == net.names and back.countries == net.countries
    for col in ("kind", "country", "lat", "lon", "population", "capacity", "throughput"):
        assert np.array_equal(getattr(back, col), getattr(net, col)), col
    pairs = lambda n: sorted(zip(n.edge_from.tolist(), n.edge_to.tolist(), n.edge_km.tolist(), n.edge_border.tolist()))  # noqa: E731
    assert pairs(back) == pairs(net)


# ---- bad input: each error names the file and the row ---------------------------------------------


def _error(tmp_path: Path, **files: str | None) -> str:
    """The message of reading the folder, and its observed series over ten days from 2020-01-01, as a run does."""
    with pytest.raises(InputError) as err:
        cf = read_crisisflow_folder(cf_folder(tmp_path, **files))
        read_observed_total(cf.displaced_path, date(2020, 1, 1), 10)
    return str(err.value)


def test_not_a_crisisflow_folder(tmp_path):
    msg = _error(tmp_path, **{"populations.csv": None})
    assert str(tmp_path) in msg and "populations.csv missing" in msg


BAD_INPUT = {
    "empty_locations_file": ("locations.csv", "", ["locations.csv, row 1: file is empty"]),
    "missing_column": ("locations.csv", LOCATIONS.replace(",throughput", ",speed"), ["locations.csv, row 1, key 'throughput'"]),
    "row_with_wrong_number_of_fields": ("locations.csv", LOCATIONS + "Extra,town,X,1,2\n", ["locations.csv, row 7", "expected 8"]),
    "unknown_kind": ("locations.csv", LOCATIONS.replace("Crossing,border", "Crossing,gate"), ["locations.csv, row 4, key 'kind'"]),
    "unparseable_latitude": ("locations.csv", LOCATIONS.replace("Port City,town,X,1.0", "Port City,town,X,north"),
                             ["locations.csv, row 2, key 'latitude'", "got 'north'"]),
    "negative_population": ("locations.csv", LOCATIONS.replace("1.0,2.0,5000", "1.0,2.0,-5"), ["locations.csv, row 2, key 'population'"]),
    "capacity_below_minus_one": ("locations.csv", LOCATIONS.replace("0,800,", "0,-800,"), ["locations.csv, row 3, key 'capacity'"]),
    "route_to_unknown_location": ("routes.csv", ROUTES + "Beyond,Atlantis,4,,\n", ["routes.csv, row 7", "'Atlantis'"]),
    "unknown_mode": ("routes.csv", ROUTES.replace("900,air", "900,rail"), ["routes.csv, row 6, key 'mode'"]),
    "bad_crosses_border": ("routes.csv", ROUTES.replace("5,,true", "5,,maybe"), ["routes.csv, row 4, key 'crosses_border'"]),
    "negative_distance": ("routes.csv", ROUTES.replace("12.5", "-12.5"), ["routes.csv, row 2"]),
    "population_at_unknown_location": ("populations.csv", POPULATIONS.replace("Camp One,idp", "Camp Two,idp"),
                                       ["populations.csv, row 4, key 'location'"]),
    "unknown_agent_type": ("populations.csv", POPULATIONS.replace("Camp One,idp", "Camp One,tourist"),
                           ["populations.csv, row 4, key 'agent_type'"]),
    "migrant_without_nationality": ("populations.csv", POPULATIONS.replace("migrant,Z", "migrant,"),
                                    ["populations.csv, row 3, key 'nationality'"]),
    "share_above_one": ("populations.csv", POPULATIONS.replace("0.4,0.05", "1.4,0.05"), ["populations.csv, row 3, key 'documents_share'"]),
    "group_size_zero": ("populations.csv", POPULATIONS.replace("300,4", "300,0"), ["populations.csv, row 4, key 'group_size'"]),
    "negative_persons": ("populations.csv", POPULATIONS.replace("600,1", "-600,1"), ["populations.csv, row 3, key 'persons'"]),
    "displaced_bad_date": ("displaced.csv", DISPLACED.replace("2020-01-07", "07/01/2020"), ["displaced.csv, row 3, key 'date'"]),
    "displaced_dates_out_of_order": ("displaced.csv", "date,count\n2020-01-07,300\n2020-01-03,100\n",
                                     ["displaced.csv, row 3, key 'date'", "ascending"]),
}


@pytest.mark.parametrize("file,text,expected", BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_names_file_row_and_key(tmp_path, file, text, expected):
    msg = _error(tmp_path, **{file: text})
    for part in expected:
        assert part in msg


def test_displaced_dates_all_outside_the_period(tmp_path):
    path = cf_folder(tmp_path, **{"displaced.csv": "date,count\n2021-01-03,100\n"}) / "displaced.csv"
    with pytest.raises(InputError, match="displaced.csv: no date falls in the simulated period"):
        read_observed_total(path, date(2020, 1, 1), 10)
