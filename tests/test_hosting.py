"""model/hosting.py: hosting places, placing self-settled agents with hosts in towns, host strain."""
from __future__ import annotations

import numpy as np

from crisisflow.model.codes import LocationKind as K
from crisisflow.model.codes import Status
from crisisflow.model.hosting import host_places, host_strain, hostable, place_with_hosts
from crisisflow.model.population import Population

KINDS = np.array([K.TOWN, K.TOWN, K.SITE, K.TOWN], dtype=np.int8)


def host(pop, places, hosted, seed, day):
    """Hosting as the model runs it: on the self-settled rows at hostable places (the kernel's list)."""
    places, hosted = np.asarray(places), np.asarray(hosted)
    at = hostable(KINDS, places, hosted)
    rows = np.nonzero(pop.active & (pop.status == Status.SELF_SETTLED) & at[pop.location])[0]
    return place_with_hosts(pop, rows, places, hosted, seed=seed, day=day)


def test_hostable_towns_with_a_free_place():
    """Towns where hosting places exceed the hosted persons; not full towns, not sites (whatever their places)."""
    at = hostable(KINDS, np.array([2, 3, 5, 1]), np.array([1, 3, 0, 0]))
    assert at.dtype == np.bool_ and at.tolist() == [True, False, False, True]


def test_host_places_floor_of_share():
    assert host_places(np.array([10, 7, 0, 4]), 0.2).tolist() == [2, 1, 0, 0]


def test_host_places_share_per_location():
    got = host_places(np.array([10, 7, 3]), np.array([0.5, 0.5, 1.0]))
    assert got.dtype == np.int64 and got.tolist() == [5, 3, 3]


def test_only_self_settled_in_towns_up_to_free_places():
    pop = Population()
    town0 = pop.add(3, status=Status.SELF_SETTLED, location=0)
    town1 = pop.add(2, status=Status.SELF_SETTLED, location=1)  # no free place there
    in_site_loc = pop.add(2, status=Status.SELF_SETTLED, location=2)  # a site, not a town
    other = pop.add(1, status=Status.IN_SITE, location=0)
    home = pop.add(1, status=Status.AT_HOME, location=0)
    places = np.array([3, 0, 10, 0])
    hosted = np.array([1, 0, 0, 0])  # free: 2, 0, 10, 0
    n = host(pop, places, hosted, seed=0, day=0)
    assert n == 2
    assert (pop.status[town0] == Status.HOSTED).sum() == 2
    assert (pop.status[town0] == Status.SELF_SETTLED).sum() == 1
    assert (pop.status[town1] == Status.SELF_SETTLED).all()
    assert (pop.status[in_site_loc] == Status.SELF_SETTLED).all()
    assert pop.status[other[0]] == Status.IN_SITE and pop.status[home[0]] == Status.AT_HOME


def test_groups_are_hosted_while_they_fit():
    pop = Population()
    rows = pop.add(2, status=Status.SELF_SETTLED, location=3, size=2)
    n = host(pop, np.array([0, 0, 0, 3]), np.zeros(4, np.int64), seed=1, day=2)
    assert n == 2  # 3 free places: one group of 2, not both
    assert (pop.status[rows] == Status.HOSTED).sum() == 1


def test_inactive_rows_are_not_hosted():
    pop = Population()
    row = pop.add(1, status=Status.SELF_SETTLED, location=0)[0]
    pop.active[row] = False
    assert host(pop, np.array([5, 0, 0, 0]), np.zeros(4, np.int64), seed=0, day=0) == 0
    assert pop.status[row] == Status.SELF_SETTLED


def test_more_hosted_than_places_means_no_free_place():
    pop = Population()
    row = pop.add(1, status=Status.SELF_SETTLED, location=0)[0]
    assert host(pop, np.array([2, 0, 0, 0]), np.array([5, 0, 0, 0]), seed=0, day=0) == 0
    assert pop.status[row] == Status.SELF_SETTLED


def test_nobody_to_host_returns_zero():
    pop = Population()
    assert host(pop, np.array([5, 5, 5, 5]), np.zeros(4, np.int64), seed=0, day=0) == 0


def test_host_strain():
    hosted = np.array([2, 0, 3, 0, 6])
    places = np.array([4, 0, 0, 5, 3])
    strain = host_strain(hosted, places)
    assert strain[0] == 0.5
    assert strain[1] == 0.0  # no places, none hosted
    assert np.isinf(strain[2])  # no places, some hosted
    assert strain[3] == 0.0
    assert strain[4] == 2.0


def test_hosting_keeps_the_counts():
    """Rows placed with hosts move from self-settled to hosted at their place in the counts the model keeps, as
    a count of every row after hosting finds them."""
    from crisisflow.model import kernels_numpy
    from crisisflow.model.codes import AgentType, N_STATUS, N_TYPE

    def counted(pop):
        counts = (np.zeros((1, 4, N_STATUS, N_TYPE), dtype=np.int64), np.zeros((1, N_TYPE, N_STATUS), np.int64),
                  np.zeros((1, 4), dtype=np.int64), np.zeros((1, 2), dtype=np.int64))
        kernels_numpy.tally(pop.active, pop.agent_type, pop.status, pop.location, pop.origin, pop.size, *counts)
        return counts

    pop = Population()
    pop.add(6, status=Status.SELF_SETTLED, location=0, size=2, origin=1)
    pop.add(4, status=Status.SELF_SETTLED, location=3, origin=1, agent_type=AgentType.MIGRANT)
    places, hosted = np.array([5, 0, 0, 2]), np.zeros(4, dtype=np.int64)
    rows = np.nonzero(hostable(KINDS, places, hosted)[pop.location])[0]
    kept = counted(pop)
    n = place_with_hosts(pop, rows, places, hosted, seed=0, day=0, counts=kept)
    assert n == 6 and (pop.status == Status.HOSTED).sum() == 4  # two groups of two at 0, two migrants at 3
    for k, c in zip(kept, counted(pop)):
        np.testing.assert_array_equal(k, c)
