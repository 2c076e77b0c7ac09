"""Consular documents: issuing by place, date and nationality, queued first, the undocumented share, bad input."""
from __future__ import annotations

import numpy as np
import pytest

from crisisflow.model.codes import AgentType, Status
from crisisflow.model.errors import InputError
from crisisflow.model.model import CrisisModel
from crisisflow.model.policies.documents import ConsularDocuments

from conftest import rules_cfg, toy_scenario
from policy_helpers import CERTAIN_QUEUE, CONFLICT_AT_A, assert_conserved, compose_and_run, series

UNDOCUMENTED = ("A,migrant,X,20,1,0.0,0,0,0",)


def border_model(tmp_path, policy, populations=UNDOCUMENTED, days=10, events=CONFLICT_AT_A, **rules):
    """Town A -> border point B (10 persons a day) -> Abroad; crossing requires documents (the rules' default)."""
    scenario = toy_scenario(tmp_path / "border",
                            ["A,town,Home,0,0,20,,", "B,border,Home,0,1,0,,10", "Abroad,abroad,Other,0,2,0,,"],
                            ["A,B,10,road,", "B,Abroad,10,road,"], list(populations), days, events,
                            stranded_after_days=3)
    return CrisisModel(scenario, rules_cfg(**CERTAIN_QUEUE, **rules), seed=2, policies=[policy])


def crossed(model):
    return int(model.recorder.crossings[:, 1].sum())


def test_documents_issued_at_the_border_point_let_migrants_cross(tmp_path):
    without = border_model(tmp_path, ConsularDocuments())
    without.run()
    assert crossed(without) == 0  # undocumented migrants may reach B but not cross
    issued = border_model(tmp_path, ConsularDocuments(issuing_points=[{"location": "B", "per_day": 5}]))
    issued.run()
    assert crossed(issued) > 0
    s = series(issued)
    assert s["documents_issued_cumulative", ""][-1] == s["documents_issued_cumulative", "B"][-1] > 0
    assert (np.diff(s["documents_issued_cumulative", ""]) <= 5).all()
    assert s["undocumented_migrants", ""][-1] == 20 - s["documents_issued_cumulative", ""][-1]
    assert_conserved(issued)


def test_issuing_counts_persons_by_date_and_nationality(tmp_path):
    """No hazard, nobody moves: a consulate in A issues 3 a day from day 1 to day 3 to nationality X only."""
    pops = ("A,migrant,X,10,1,0.0,0,0,0", "A,migrant,Y,4,1,0.0,0,0,0")
    point = {"location": "A", "per_day": 3, "from": "2020-01-02", "to": "2020-01-04", "nationalities": ["X"]}
    model = border_model(tmp_path, ConsularDocuments(issuing_points=[point]), pops, days=6, events=[])
    model.run()
    s = series(model)
    assert s["documents_issued_cumulative", "A"].tolist() == [0, 3, 6, 9, 9, 9]
    assert s["undocumented_migrants", ""].tolist() == [14, 11, 8, 5, 5, 5]
    pop = model.population
    assert not pop.has_documents[pop.nationality == 1].any()


def consulate_at_a(tmp_path, per_day: int, rows: np.ndarray, status: Status) -> CrisisModel:
    """No hazard, the 20 undocumented migrants at A, a consulate there issuing `per_day`; `rows` set to `status`
    before one day."""
    model = border_model(tmp_path, ConsularDocuments(issuing_points=[{"location": "A", "per_day": per_day}]), days=3,
                         events=[])
    model.population.status[rows] = status
    model.step()
    return model


def test_waiting_migrants_get_documents_first(tmp_path):
    queued = np.array([4, 11])
    model = consulate_at_a(tmp_path, 2, queued, Status.WAITING)
    assert np.nonzero(model.population.has_documents)[0].tolist() == queued.tolist()


def test_migrants_passing_through_an_issuing_place_get_none(tmp_path):
    """A consulate issues to the undocumented migrants staying at its place, not to those on the move through it."""
    passing = np.array([3, 7])
    model = consulate_at_a(tmp_path, 20, passing, Status.ON_THE_MOVE)
    assert np.nonzero(~model.population.has_documents)[0].tolist() == passing.tolist()
    assert series(model)["undocumented_migrants", ""][0] == 2


def test_undocumented_share_overrides_the_data_reproducibly(tmp_path):
    pops = ("A,migrant,X,400,1,1.0,0,0,0", "A,migrant,Y,400,1,1.0,0,0,0")
    shares = {}
    for share in (0.0, 0.25, 1.0, {"Y": 0.5}):
        model = border_model(tmp_path, ConsularDocuments(undocumented_share=share), pops, events=[])
        pop = model.population
        shares[str(share)] = [1 - pop.has_documents[pop.nationality == k].mean() for k in (0, 1)]
    assert shares["0.0"] == [0, 0] and shares["1.0"] == [1, 1]
    assert all(0.18 < s < 0.32 for s in shares["0.25"])
    assert shares["{'Y': 0.5}"][0] == 0 and 0.42 < shares["{'Y': 0.5}"][1] < 0.58
    again = border_model(tmp_path, ConsularDocuments(undocumented_share=0.25), pops, events=[])
    first = border_model(tmp_path, ConsularDocuments(undocumented_share=0.25), pops, events=[])
    assert np.array_equal(again.population.has_documents, first.population.has_documents)


@pytest.mark.parametrize("kwargs, key", [
    (dict(issuing_points=[{"location": "Consulate", "per_day": 5}]), "policy.operations[0].issuing_points[0].location"),
    (dict(issuing_points=[{"location": "Abroad", "per_day": 5}]), "policy.operations[0].issuing_points[0].location"),
    (dict(issuing_points=[{"location": "A", "per_day": -1}]), "policy.operations[0].issuing_points[0].per_day"),
    (dict(issuing_points=[{"location": "A", "per_day": 1, "from": "2019-01-01"}]),
     "policy.operations[0].issuing_points[0].from"),
    (dict(issuing_points=[{"location": "A", "per_day": 1, "from": "2020-01-05", "to": "2020-01-01"}]),
     "policy.operations[0].issuing_points[0].to"),
    (dict(issuing_points=[{"location": "A", "per_day": 1, "nationalities": ["Z"]}]),
     "policy.operations[0].issuing_points[0].nationalities[0]"),
    (dict(issuing_points=[{"location": "A", "documents": 1}]), "policy.operations[0].issuing_points[0].documents"),
    (dict(undocumented_share=1.5), "policy.operations[0].undocumented_share"),
    (dict(undocumented_share={"Z": 0.5}), "policy.operations[0].undocumented_share.Z"),
])
def test_bad_input_names_the_key(tmp_path, kwargs, key):
    with pytest.raises(InputError) as err:
        border_model(tmp_path, ConsularDocuments(**kwargs))
    assert err.value.key == key and "policy config" in str(err.value)


def test_config_composes_and_runs_on_the_demo_scenario():
    model = compose_and_run("documents")
    s = series(model)
    assert s["documents_issued_cumulative", "Capital"][-1] > 0
    assert s["documents_issued_cumulative", "Border East"][-1] > 0
    assert s["undocumented_migrants", ""][-1] < s["undocumented_migrants", ""][0]
    assert model.recorder.type_status[-1, AgentType.MIGRANT, Status.CROSSED_BORDER] > 0
    assert_conserved(model)


def test_documents_taken_away_through_the_mesa_face_are_seen(tmp_path):
    """A change made to single agents between days (the Mesa face) reaches the operation's list of rows."""
    model = border_model(tmp_path, ConsularDocuments(), ("A,migrant,X,10,1,1.0,0,0,0",), days=4, events=[])
    model.run(2)
    for row in (3, 7):
        model.agent_at_row(row).has_documents = False
    model.run()
    assert series(model)["undocumented_migrants", ""].tolist() == [0, 0, 2, 2]


def test_the_days_issuing_follows_the_ranked_fit_rule_point_by_point():
    """`_issue` against `ranking.ranked_fit` called point by point on NumPy selections (the rule as first written):
    random undocumented rows at four places, six points, two of them at one place (the second sees only whom the
    first left undocumented), nationality lists, a closed point, households of one to six persons."""
    from crisisflow.model import rng
    from crisisflow.model.policies.documents import _issue
    from crisisflow.model.ranking import ranked_fit

    gen = np.random.default_rng(7)
    n, seed, day = 3_000, 11, 20
    location = gen.integers(0, 4, n).astype(np.int32)
    status = gen.choice([Status.SELF_SETTLED, Status.WAITING, Status.STRANDED, Status.IN_SITE], n).astype(np.int8)
    nationality = gen.integers(-1, 3, n).astype(np.int16)
    size = gen.integers(1, 7, n).astype(np.int32)
    has_documents = gen.random(n) < 0.3
    present = np.sort(gen.choice(n, 2_000, replace=False)).astype(np.int64)
    points = [(0, 400, 0, 50, None), (0, 150, 0, 50, [True, False, True, False]), (1, 10_000, 0, 50, None),
              (2, 90, 0, 50, [False, True, True, True]), (3, 500, 30, 50, None), (2, 0, 0, 50, None)]

    expected_docs, expected_issued = has_documents.copy(), np.zeros(len(points), dtype=np.int64)
    for p, (loc, per_day, first, stop, nations) in enumerate(points):
        if not first <= day < stop:
            continue
        rows = present[(location[present] == loc) & ~expected_docs[present]]
        if nations is not None:
            rows = rows[np.array(nations)[nationality[rows] + 1]]
        queued = (status[rows] == Status.WAITING) | (status[rows] == Status.STRANDED)
        issued = rows[ranked_fit(rows, np.zeros(len(rows), dtype=np.int64), size[rows], queued,
                                 lambda subset: rng.uniform_array(seed, subset, day, rng.ISSUE_ORDER),
                                 np.array([per_day], dtype=np.int64))]
        expected_docs[issued] = True
        expected_issued[p] = size[issued].sum()

    nations = np.array([[True] * 4 if q[4] is None else q[4] for q in points])
    docs, issued = has_documents.copy(), np.zeros(len(points), dtype=np.int64)
    _issue(present, *(np.array([q[k] for q in points], dtype=np.int64) for k in range(4)), nations, docs, location,
           status, nationality, size, np.uint64(seed), day, issued)
    assert issued.tolist() == expected_issued.tolist()
    assert np.array_equal(docs, expected_docs)
    assert 0 < issued[0] <= 400 and issued[1] > 0 and issued[3] <= 90 and issued[4] == 0 and issued[5] == 0
