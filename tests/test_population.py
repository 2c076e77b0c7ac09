"""model/population.py: the schema's defaults, add(), amortised growth, attribute views and persons()."""
from __future__ import annotations

import numpy as np
import pytest

from crisisflow.model.codes import AgentType, Status
from crisisflow.model.population import SCHEMA, Population


def test_fresh_rows_take_schema_defaults_and_are_active():
    pop = Population(capacity=4)
    rows = pop.add(3)
    assert rows.tolist() == [0, 1, 2]
    assert len(pop) == 3
    for name, (dtype, fill) in SCHEMA.items():
        values = getattr(pop, name)
        assert values.dtype == dtype
        if name == "active":
            assert values.tolist() == [True] * 3
        else:
            assert (values == fill).all(), name


def test_some_defaults_by_hand():
    pop = Population()
    pop.add(1)
    assert pop.agent_type[0] == AgentType.IDP
    assert pop.status[0] == Status.AT_HOME
    assert pop.size[0] == 1
    assert pop.location[0] == -1 and pop.path[0] == -1
    assert pop.has_documents[0] and not pop.cleared[0]


def test_add_with_scalars():
    pop = Population()
    rows = pop.add(2, size=5, status=Status.IN_SITE, location=3, has_documents=False)
    assert pop.size[rows].tolist() == [5, 5]
    assert pop.status[rows].tolist() == [Status.IN_SITE] * 2
    assert pop.location[rows].tolist() == [3, 3]
    assert pop.has_documents[rows].tolist() == [False, False]
    assert pop.wait_days[rows].tolist() == [0, 0]  # not given: default


def test_add_with_arrays_appends_after_earlier_rows():
    pop = Population()
    pop.add(1, size=7)
    rows = pop.add(3, size=np.array([1, 2, 3]), location=np.array([4, 5, 6]))
    assert rows.tolist() == [1, 2, 3]
    assert pop.size.tolist() == [7, 1, 2, 3]
    assert pop.location.tolist() == [-1, 4, 5, 6]


def test_add_zero_rows_is_a_no_op():
    pop = Population()
    assert len(pop.add(0, size=3)) == 0
    assert len(pop) == 0


def test_unknown_field_is_a_key_error():
    pop = Population()
    with pytest.raises(KeyError, match="colour"):
        pop.add(1, colour=3)
    assert len(pop) == 0


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError):
        Population().colour


def test_growth_keeps_earlier_rows():
    pop = Population(capacity=2)
    pop.add(2, size=np.array([10, 11]), location=np.array([0, 1]), status=Status.WAITING)
    pop.add(5, size=3)  # forces growth
    assert pop.capacity >= 7
    assert pop.size.tolist() == [10, 11, 3, 3, 3, 3, 3]
    assert pop.location.tolist() == [0, 1, -1, -1, -1, -1, -1]
    assert pop.status[:2].tolist() == [Status.WAITING] * 2
    assert pop.status[2:].tolist() == [Status.AT_HOME] * 5
    assert pop.active.all()


def test_growth_fills_unused_rows_with_defaults():
    pop = Population(capacity=1)
    pop.add(1, size=9)
    pop.add(1)
    # rows beyond n in the grown arrays hold the schema default, so a later add starts clean
    assert (pop.arrays["size"][pop.n:] == 1).all()
    assert not pop.arrays["active"][pop.n:].any()


def test_growth_is_geometric():
    pop = Population(capacity=1)
    reallocations = 0
    last = pop.arrays["size"]
    for i in range(10_000):
        pop.add(1, size=i % 7 + 1)
        if pop.arrays["size"] is not last:
            reallocations += 1
            last = pop.arrays["size"]
    assert len(pop) == 10_000
    # factor 1.5 from capacity 1: about log(10000)/log(1.5) = 23; linear growth would be thousands
    assert reallocations <= 2 * int(np.ceil(np.log(10_000) / np.log(1.5)))
    assert pop.capacity < 3 * 10_000
    assert pop.size.tolist() == [i % 7 + 1 for i in range(10_000)]


def test_attribute_views_write_through():
    pop = Population()
    pop.add(3)
    pop.status[1] = Status.STRANDED
    pop.wait_days[[0, 2]] += 4
    view = pop.size
    view[:] = 6
    assert pop.arrays["status"][1] == Status.STRANDED
    assert pop.arrays["wait_days"][:3].tolist() == [4, 0, 4]
    assert pop.size.tolist() == [6, 6, 6]


def test_attribute_view_covers_used_rows_only():
    pop = Population(capacity=100)
    pop.add(3)
    assert pop.size.shape == (3,)
    assert pop.capacity == 100


def test_views_of_counted_fields_are_noted_while_tracking_only():
    """The model counts every row again after a day on which code outside its stages took a view of a field its
    counts read (`COUNTED_FIELDS`); its own stages read untracked, and the other fields are never noted."""
    pop = Population()
    pop.add(3)
    before = pop.views_out
    pop.status, pop.location, pop.size  # noqa: B018 - taking the views is what is noted
    assert pop.views_out == before + 3
    pop.wait_days, pop.has_documents, pop.referred  # noqa: B018
    assert pop.views_out == before + 3
    with pop.tracking(False):
        pop.status, pop.active, pop.origin, pop.agent_type  # noqa: B018
    assert pop.views_out == before + 3
    pop.agent_type  # noqa: B018
    assert pop.views_out == before + 4


def test_persons_counts_active_rows_only():
    pop = Population()
    pop.add(3, size=np.array([2, 3, 5]))
    assert pop.persons() == 10
    pop.active[1] = False
    assert pop.persons() == 7


def test_persons_with_mask():
    pop = Population()
    pop.add(4, size=np.array([2, 3, 5, 7]), status=np.array([Status.IN_SITE, Status.HOSTED, Status.IN_SITE, Status.IN_SITE]))
    pop.active[3] = False
    assert pop.persons(pop.status == Status.IN_SITE) == 7  # 2 + 5, the inactive 7 not counted
    assert pop.persons(np.zeros(4, dtype=bool)) == 0


def test_persons_does_not_overflow_int32():
    pop = Population()
    pop.add(3, size=2_000_000_000)
    assert pop.persons() == 6_000_000_000
