"""The Flee-format reader: shipped conflicts, Flee's interpolation and closure rules, and one test per bad input."""
from __future__ import annotations

import warnings
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from crisisflow.model.codes import LocationKind
from crisisflow.model.errors import InputError
from crisisflow.model.io_csv import interpolate_daily
from crisisflow.model.io_flee import closed_edges, read_flee_folder

FLEE_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "flee"

# shared/data/flee/README.md: folder, start, days, locations, routes, camps, refugees registered at the end
SHIPPED = [
    ("mali2012", date(2012, 2, 29), 300, 23, 35, 7, 147_263),
    ("burundi2015", date(2015, 5, 1), 396, 30, 41, 5, 265_492),
    ("car2013", date(2013, 12, 1), 820, 63, 86, 14, 462_867),
]


def _read_quietly(folder: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_flee_folder(folder)


@pytest.mark.parametrize("name,start,days,n_loc,n_routes,n_camps,total", SHIPPED)
def test_shipped_folder_matches_readme(name, start, days, n_loc, n_routes, n_camps, total):
    folder = FLEE_DATA / name
    if not folder.is_dir():
        pytest.skip(f"{folder} not present")
    f = _read_quietly(folder)
    net = f.network
    assert (f.start_date, f.days) == (start, days)
    assert net.n_locations == n_loc and net.n_edges == 2 * n_routes and len(f.camps) == n_camps
    assert round(f.refugees_total[-1]) == total
    assert f.hazard.shape == (days, n_loc) and f.hazard.dtype == np.float32
    assert all(s.shape == (days,) and s.dtype == np.float64 for s in f.camps.values())
    assert net.countries[net.home_country] == net.countries[net.country[0]]
    sites = net.kind == LocationKind.SITE
    assert sorted(np.asarray(net.names)[sites]) == sorted(f.camps)
    assert np.all(net.population[sites] == 0) and np.all(net.capacity[sites] > 0)
    assert f.settings["move_rules"]


def test_burundi_location_closure_holds_bujumbura_until_day_91():
    folder = FLEE_DATA / "burundi2015"
    if not folder.is_dir():
        pytest.skip(f"{folder} not present")
    f = _read_quietly(folder)
    net = f.network
    closed = closed_edges(net, f.closures, f.days)
    buj = net.index()["Bujumbura"]
    touching = (net.edge_from == buj) | (net.edge_to == buj)
    assert closed[0, touching].all() and closed[90, touching].all()
    assert not closed[91, touching].any()
    assert not closed[:, ~touching].any()  # the camp and forced-redirection rows close no edge


def test_car_skips_the_layout_row_with_no_camp():
    folder = FLEE_DATA / "car2013"
    if not folder.is_dir():
        pytest.skip(f"{folder} not present")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        f = read_flee_folder(folder)
    assert any("data_layout.csv, row 10: 'Bossobolo'" in str(w.message) for w in caught)
    assert "Bossobolo" not in f.camps


def test_interpolation_by_hand():
    # points (day 2, 10) and (day 6, 30): constant before and after, 5 a day between
    got = interpolate_daily(np.array([2, 6]), np.array([10.0, 30.0]), 9)
    assert got.tolist() == [10, 10, 10, 15, 20, 25, 30, 30, 30]
    # a day listed twice: the earlier value ends the segment before it, the later one holds from that day
    got = interpolate_daily(np.array([-2, 2, 2, 4]), np.array([0.0, 10.0, 20.0, 40.0]), 5)
    assert got.tolist() == [5, 7.5, 20, 30, 40]


# ---- tiny hand-made folders ------------------------------------------------------------------

LOCATIONS = """#name,region,country,latitude,longitude,location_type,conflict_date,population
A,r,X,0,0,conflict_zone,0,1000
B,r,X,0,1,town,0,500
C,r,Y,1,1,camp,0,300
D,r,Y,1,0,camp,0,
"""
ROUTES = """#name1,name2,distance,forced_redirection
A,B,10,0
B,C,20,
A,D,30,0
C,D,5,0
"""


def flee_folder(tmp_path: Path, **files: str | None) -> Path:
    """A four-location Flee folder (A,B in X; C,D camps in Y) starting 2020-01-01 for 10 days; `files` override or drop files."""
    default = {
        "input_csv/locations.csv": LOCATIONS,
        "input_csv/routes.csv": ROUTES,
        "input_csv/sim_period.csv": "StartDate,2020-01-01\nLength,10\n",
        "input_csv/closures.csv": "#closure_type,name1,name2,closure_start,closure_end\n",
        "input_csv/conflicts.csv": "#Day,A,B\n" + "".join(f"{d},1,{int(d >= 3)}\n" for d in range(10)),
        "input_csv/registration_corrections.csv": "",
        "source_data/data_layout.csv": "total,refugees.csv\nC,c.csv\nD,d.csv\n",
        "source_data/refugees.csv": "2020-01-01,0\n2020-01-11,100\n",
        "source_data/c.csv": "2020-01-01,0\n2020-01-05,40\n",
        "source_data/d.csv": "2019-12-30,0\n2020-01-03,8\n",
    }
    default.update(files)
    for rel, text in default.items():
        if text is not None:
            (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / rel).write_text(text)
    return tmp_path


def test_tiny_folder(tmp_path):
    f = read_flee_folder(flee_folder(tmp_path))
    net = f.network
    assert net.names == ["A", "B", "C", "D"] and f.flee_type[2] == "camp"
    assert net.kind.tolist() == [LocationKind.TOWN, LocationKind.TOWN, LocationKind.SITE, LocationKind.SITE]
    assert net.population.tolist() == [1000, 500, 0, 0]
    assert net.capacity.tolist() == [-1, -1, 300, -1]  # an empty camp population means no limit, as Flee's capacity < 1
    assert net.edge_border[net.edge_between(1, 2)] and not net.edge_border[net.edge_between(0, 1)]
    assert f.hazard[:, 0].tolist() == [1] * 10 and f.hazard[:, 1].tolist() == [0, 0, 0] + [1] * 7
    assert not f.hazard[:, 2:].any()
    assert f.camps["C"].tolist() == [0, 10, 20, 30, 40, 40, 40, 40, 40, 40]
    assert f.camps["D"].tolist() == [4, 6, 8] + [8] * 7  # 2019-12-30 is day -2
    assert f.refugees_total.tolist() == [0, 10, 20, 30, 40, 50, 60, 70, 80, 90]
    assert f.settings == {}


def test_hazard_from_conflict_dates_without_conflicts_csv(tmp_path):
    locations = LOCATIONS.replace("B,r,X,0,1,town,0,500", "B,r,X,0,1,conflict_zone,4,500")
    f = read_flee_folder(flee_folder(tmp_path, **{"input_csv/conflicts.csv": None, "input_csv/locations.csv": locations}))
    assert f.hazard[:, 0].tolist() == [1] * 10
    assert f.hazard[:, 1].tolist() == [0] * 4 + [1] * 6


def test_normalize_rescales_points_before_the_correction_date(tmp_path):
    # C: 100 registered by day 10 (level 1), then 50 on day 20 (level 2): earlier points x 50/100
    folder = flee_folder(
        tmp_path,
        **{
            "input_csv/sim_period.csv": "StartDate,2020-01-01\nLength,31\n",
            "input_csv/conflicts.csv": None,
            "input_csv/registration_corrections.csv": "C,2020-01-21,normalize\n",
            "source_data/c.csv": "2020-01-01,0\n2020-01-11,100\n2020-01-21,50\n2020-01-31,60\n",
        },
    )
    c = read_flee_folder(folder).camps["C"]
    assert c[[0, 5, 10, 15, 20, 25, 30]].tolist() == [0, 25, 50, 50, 50, 55, 60]


def test_several_files_are_summed_as_flee_does(tmp_path):
    # Flee's AddCSVTables: day 5 exists only in the second file and gets the first file's *next* value (100);
    # the first file's day 20 comes after the second file ends and is dropped
    folder = flee_folder(
        tmp_path,
        **{
            "input_csv/sim_period.csv": "StartDate,2020-01-01\nLength,21\n",
            "input_csv/conflicts.csv": None,
            "source_data/data_layout.csv": "total,refugees.csv\nC,c.csv,c2.csv\nD,d.csv\n",
            "source_data/c.csv": "2020-01-01,0\n2020-01-11,100\n2020-01-21,200\n",
            "source_data/c2.csv": "2020-01-01,0\n2020-01-06,10\n2020-01-11,20\n",
        },
    )
    c = read_flee_folder(folder).camps["C"]
    assert c[[0, 5, 10, 15, 20]].tolist() == [0, 110, 120, 120, 120]


def _closed(tmp_path: Path, rows: str, days: int = 10) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Closed flags [days] per undirected route 'AB', 'BC', 'AD', 'CD' (both directions must agree)."""
    f = read_flee_folder(flee_folder(tmp_path, **{"input_csv/closures.csv": "#closure_type,name1,name2,closure_start,closure_end\n" + rows}))
    net, idx = f.network, f.network.index()
    closed = closed_edges(net, f.closures, days)
    out = {}
    for a, b in ("AB", "BC", "AD", "CD"):
        there, back = closed[:, net.edge_between(idx[a], idx[b])], closed[:, net.edge_between(idx[b], idx[a])]
        assert (there == back).all()
        out[a + b] = there.astype(int).tolist()
    return closed, out


def test_country_closure_shuts_border_routes_both_ways_end_exclusive(tmp_path):
    _, by_route = _closed(tmp_path, "country,X,Y,1,3\n")
    assert by_route["BC"] == by_route["AD"] == [0, 1, 1, 0, 0, 0, 0, 0, 0, 0]
    assert by_route["AB"] == by_route["CD"] == [0] * 10


def test_location_closure_shuts_every_route_in_and_out(tmp_path):
    _, by_route = _closed(tmp_path, "location,B,C,4,6\n")
    assert by_route["AB"] == by_route["BC"] == [0, 0, 0, 0, 1, 1, 0, 0, 0, 0]
    assert by_route["AD"] == by_route["CD"] == [0] * 10


def test_link_closure_and_flee_reopening_rule(tmp_path):
    _, by_route = _closed(tmp_path, "link,C,D,2,5\nlocation,B,,0,10\nlink,A,B,2,4\ncamp,C,,0,5\n")
    assert by_route["CD"] == [0, 0, 1, 1, 1, 0, 0, 0, 0, 0]
    # one flag per edge, as in Flee: the link row reopens A-B on day 4 though B's closure runs to day 10
    assert by_route["AB"] == [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
    assert by_route["BC"] == [1] * 10 and by_route["AD"] == [0] * 10


def test_closure_ending_on_or_before_its_start(tmp_path):
    # start == end: closed and reopened the same day; end < start: the reopening comes first, then closed for good
    _, by_route = _closed(tmp_path, "country,X,Y,7,7\nlocation,C,,8,1\n")
    assert by_route["BC"] == by_route["CD"] == [0] * 8 + [1, 1]
    assert by_route["AB"] == by_route["AD"] == [0] * 10


# ---- bad input: each error names the file and the row ---------------------------------------------


def _error(tmp_path: Path, **files: str | None) -> str:
    with pytest.raises(InputError) as err:
        read_flee_folder(flee_folder(tmp_path, **files))
    return str(err.value)


def test_not_a_flee_folder(tmp_path):
    with pytest.raises(InputError, match="expected input_csv/locations.csv") as err:
        read_flee_folder(tmp_path)
    assert str(tmp_path) in str(err.value)


CLOSURES_HEADER = "#closure_type,name1,name2,closure_start,closure_end\n"
BAD_INPUT = {
    "location_row_with_too_few_fields": ("input_csv/locations.csv", LOCATIONS + "E,r,Y,1\n", ["locations.csv, row 6", "expected at least 8"]),
    "empty_locations_file": ("input_csv/locations.csv", "", ["locations.csv, row 1: no data rows"]),
    "unparseable_distance": ("input_csv/routes.csv", ROUTES + "A,C,far,0\n", ["routes.csv, row 6, key 'distance'", "got 'far'"]),
    "negative_distance": ("input_csv/routes.csv", ROUTES + "A,C,-4,0\n", ["routes.csv, row 6"]),
    "route_to_unknown_location": ("input_csv/routes.csv", ROUTES + "A,Nowhere,4,0\n", ["routes.csv, row 6", "'Nowhere'"]),
    "negative_population": ("input_csv/locations.csv", LOCATIONS.replace("0,1000", "0,-1000"), ["locations.csv, row 2, key 'population'"]),
    "unknown_location_type": ("input_csv/locations.csv", LOCATIONS.replace(",town,", ",village,"), ["locations.csv, row 3, key 'location_type'"]),
    "conflicts_column_naming_unknown_location": ("input_csv/conflicts.csv", "#Day,A,Atlantis\n" + "".join(f"{d},1,0\n" for d in range(10)),
                                                 ["conflicts.csv, row 1, key 'Atlantis'"]),
    "conflicts_with_fewer_days_than_the_period": ("input_csv/conflicts.csv", "#Day,A\n" + "".join(f"{d},1\n" for d in range(4)),
                                                  ["conflicts.csv, row 5", "expected one per simulated day (10"]),
    "unknown_closure_type": ("input_csv/closures.csv", CLOSURES_HEADER + "border,X,Y,0,5\n", ["closures.csv, row 2, key 'closure_type'"]),
    "camp_without_layout_row": ("source_data/data_layout.csv", "total,refugees.csv\nC,c.csv\n", ["locations.csv, row 5", "camp 'D' has no row"]),
    "camp_data_file_missing": ("source_data/d.csv", None, ["data_layout.csv, row 3", "'d.csv'"]),
    "camp_data_file_empty": ("source_data/d.csv", "", ["d.csv, row 1: no data rows"]),
    "camp_data_unparseable_count": ("source_data/d.csv", "2020-01-01,0\n2020-01-03,many\n", ["d.csv, row 2, key 'count'"]),
    "camp_dates_all_outside_the_period": ("source_data/d.csv", "2019-01-01,0\n2019-06-01,8\n2021-01-01,9\n",
                                          ["d.csv: no date falls in the simulated period"]),
    "correction_date_not_a_data_date": ("input_csv/registration_corrections.csv", "C,2020-01-03,normalize\n",
                                        ["registration_corrections.csv, row 1, key 'date'"]),
    "closure_naming_unknown_country": ("input_csv/closures.csv", CLOSURES_HEADER + "country,X,Narnia,0,5\n", ["closures.csv, row 2", "'Narnia'"]),
}


@pytest.mark.parametrize("file,text,expected", BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_names_file_and_row(tmp_path, file, text, expected):
    msg = _error(tmp_path, **{file: text})
    for part in expected:
        assert part in msg


def test_layout_row_for_unknown_location_warns(tmp_path):
    layout = "total,refugees.csv\nC,c.csv\nD,d.csv\nAtlantis,c.csv\n"
    with pytest.warns(UserWarning, match=r"data_layout\.csv, row 4: 'Atlantis' is not a camp"):
        f = read_flee_folder(flee_folder(tmp_path, **{"source_data/data_layout.csv": layout}))
    assert sorted(f.camps) == ["C", "D"]
