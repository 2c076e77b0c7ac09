"""model/admission.py and model/ranking.py: ranked_fit by hand, queue_slots per kind of place, and admit() at sites,
borders and hubs."""
from __future__ import annotations

import numpy as np
import pytest

from crisisflow.model import kernels_numpy
from crisisflow.model.admission import Queue, admit, queue_priority, queue_slots, queued_facts
from crisisflow.model.codes import N_STATUS, N_TYPE, Status
from crisisflow.model.codes import LocationKind as K
from crisisflow.model.network import LocationTable, RouteTable, build_network
from crisisflow.model.population import Population
from crisisflow.model.ranking import ranked_fit

T, S, B, H, Y = range(5)  # town, site (capacity 5), border (throughput 2), hub (throughput 1), abroad


def tiny_net(site_capacity=5, border_throughput=2, hub_throughput=1):
    locs = LocationTable(
        source="locs.csv", names=["Town", "Site", "Border", "Hub", "Abroad"],
        kinds=[K.TOWN, K.SITE, K.BORDER, K.HUB, K.ABROAD], countries=["X", "X", "X", "X", "Y"],
        lat=[0.0] * 5, lon=[0.0] * 5, population=[1000, 0, 0, 0, 0],
        capacity=[-1, site_capacity, -1, -1, -1], throughput=[-1, -1, border_throughput, hub_throughput, -1],
        rows=[2, 3, 4, 5, 6],
    )
    routes = RouteTable(
        source="routes.csv", a=["Town", "Town", "Border", "Town", "Hub"], b=["Site", "Border", "Abroad", "Hub", "Abroad"],
        distance=[10.0, 20.0, 5.0, 30.0, 900.0], mode=[0, 0, 0, 0, 2], crosses_border=[None] * 5, rows=[2, 3, 4, 5, 6],
    )
    return build_network(locs, routes)


def slots_for(net, in_site=None):
    in_site = np.zeros(net.n_locations, dtype=np.int64) if in_site is None else np.asarray(in_site, dtype=np.int64)
    return queue_slots(net, in_site, net.capacity, net.throughput)


# ---------------------------------------------------------------- ranked_fit


def test_ranked_fit_hand_example():
    # place 0, 5 slots: the priority row (1 person) first, then by key: row 1 (2 persons, key .1), row 0 (3, key .5)
    #   cumulative 1, 3, 6 -> rows 2 and 1 fit, row 0 does not
    # place 1, 4 slots: row 3 (4 persons, key .2) fits exactly; row 4 (1 person, key .3) would make 5
    rows = np.arange(5)
    places = np.array([0, 0, 0, 1, 1])
    sizes = np.array([3, 2, 1, 4, 1])
    priority = np.array([False, False, True, False, False])
    key = np.array([0.5, 0.1, 0.9, 0.2, 0.3])
    slots = np.array([5, 4])
    assert ranked_fit(rows, places, sizes, priority, key, slots).tolist() == [False, True, True, True, False]


def test_ranked_fit_stops_at_first_group_that_does_not_fit():
    # a big group that does not fit blocks the smaller ones behind it (cumulative persons, not a knapsack)
    rows = np.arange(3)
    ok = ranked_fit(rows, np.zeros(3, int), np.array([1, 5, 1]), np.zeros(3, bool), np.array([.1, .2, .3]), np.array([3]))
    assert ok.tolist() == [True, False, False]


def test_ranked_fit_zero_slots_admits_nobody():
    ok = ranked_fit(np.arange(2), np.array([1, 1]), np.array([1, 1]), np.zeros(2, bool), np.array([.3, .4]), np.array([9, 0]))
    assert ok.tolist() == [False, False]


def test_ranked_fit_places_in_any_order():
    places = np.array([1, 0, 1, 0])
    ok = ranked_fit(np.arange(4), places, np.array([1, 1, 1, 1]), np.zeros(4, bool), np.array([.9, .8, .1, .2]),
                    np.array([1, 1]))
    # place 0: rows 1 (.8) and 3 (.2) -> row 3; place 1: rows 0 (.9) and 2 (.1) -> row 2
    assert ok.tolist() == [False, False, True, True]


def test_ranked_fit_refuses_a_place_outside_the_slots_table():
    with pytest.raises(IndexError, match="slots table"):
        ranked_fit(np.arange(2), np.array([0, 2]), np.array([1, 1]), np.zeros(2, bool), np.array([.3, .4]),
                   np.array([1, 1]))


def test_ranked_fit_empty_queue():
    assert ranked_fit(np.zeros(0, int), np.zeros(0, int), np.zeros(0, int), np.zeros(0, bool), np.zeros(0), np.array([3])).shape == (0,)


def full_sort_fit(places, sizes, priority, key, slots):
    """Reference for ranked_fit: sort every queue whole (place, priority first, key, then position) and admit
    each place's head while the cumulative persons fit."""
    order = np.lexsort((np.arange(len(places)), key, ~priority, places))
    admitted = np.zeros(len(places), dtype=bool)
    used = {}
    for i in order:
        p = places[i]
        if used.get(p, 0) is None:
            continue
        total = used.get(p, 0) + sizes[i]
        if total <= slots[p]:
            admitted[i] = True
            used[p] = total
        else:
            used[p] = None  # the first that does not fit closes the queue
    return admitted


@pytest.mark.parametrize("seed", range(12))
def test_ranked_fit_long_queues_match_a_full_sort(seed):
    # long queues with a short admitted head take the cut-off path; mixed sizes and many priority rows make
    # the cut-off hold too few in some places, which then sort their whole queue
    rs = np.random.default_rng(seed)
    n, n_places = 5000, 7
    places = rs.integers(0, n_places, n)
    sizes = rs.choice([1, 1, 1, 4, 30], n)
    priority = rs.random(n) < (0.4 if seed % 3 == 0 else 0.01)
    key = np.round(rs.random(n), 3 if seed % 2 else 12)  # coarse keys: ties, broken by position
    slots = rs.integers(0, 400, n_places)
    slots[seed % n_places] = 10**6  # one place admits its whole queue
    got = ranked_fit(np.arange(n), places, sizes, priority, key, slots)
    want = full_sort_fit(places, sizes, priority, key * 4294967296.0 // 1, slots)
    assert np.array_equal(got, want)
    assert got.sum() > 0


def test_ranked_fit_sorts_the_whole_queue_where_the_cut_off_holds_too_few():
    # the head is sized from the mean group (about 100 persons), but the first rows by key are single persons:
    # everyone under the cut-off fits, so the place sorts its whole queue and admits 9 groups of 100 as well
    rs = np.random.default_rng(3)
    key = rs.random(5000)
    sizes = np.where(key < 0.01, 1, 100)
    places, priority, slots = np.zeros(5000, int), np.zeros(5000, bool), np.array([1000])
    got = ranked_fit(np.arange(5000), places, sizes, priority, key, slots)
    assert np.array_equal(got, full_sort_fit(places, sizes, priority, key, slots))
    assert (sizes[got] == 100).sum() == 9 and (sizes[got] == 1).sum() == (key < 0.01).sum()


def test_ranked_fit_sorts_the_whole_queue_afresh_where_a_tied_key_lies_across_the_cut_off():
    # 100 single persons, 1 slot: the cut-off is 2 x (1 + 8) / 100 = 0.18 of the keys. Row 60's key is just under
    # it, row 30's exactly on it (not under): the head holds row 60 alone, which fits, so the place sorts its whole
    # queue, where the two keys tie in their first 32 bits and row 30 comes first by position. Row 60, admitted by
    # the head, must not stay admitted
    key = np.linspace(0.5, 0.99, 100)
    key[60], key[30] = np.nextafter(0.18, 0.0), 0.18
    places, sizes, priority, slots = np.zeros(100, int), np.ones(100, int), np.zeros(100, bool), np.array([1])
    got = ranked_fit(np.arange(100), places, sizes, priority, key, slots)
    assert np.nonzero(got)[0].tolist() == [30]
    assert np.array_equal(got, full_sort_fit(places, sizes, priority, key * 4294967296.0 // 1, slots))


# ---------------------------------------------------------------- queue_slots


def test_queue_slots_site_is_capacity_minus_occupants():
    net = tiny_net(site_capacity=5)
    assert slots_for(net, [0, 2, 0, 0, 0])[S] == 3


def test_queue_slots_site_never_negative():
    net = tiny_net(site_capacity=5)
    assert slots_for(net, [0, 7, 0, 0, 0])[S] == 0


def test_queue_slots_unlimited_site():
    net = tiny_net(site_capacity=-1)
    assert slots_for(net, [0, 10**6, 0, 0, 0])[S] >= 10**15


def test_queue_slots_borders_and_hubs_are_throughput():
    net = tiny_net(border_throughput=2, hub_throughput=7)
    s = slots_for(net, [0, 4, 0, 0, 0])
    assert s[B] == 2 and s[H] == 7


def test_queue_slots_unlimited_throughput_and_towns():
    net = tiny_net(border_throughput=-1, hub_throughput=0)
    s = slots_for(net)
    assert s[B] >= 10**15 and s[H] == 0 and s[T] >= 10**15


def test_queue_slots_use_the_given_capacity_not_the_networks():
    net = tiny_net(site_capacity=5, border_throughput=2)
    s = queue_slots(net, np.zeros(5, np.int64), np.array([-1, 9, -1, -1, -1]), np.array([-1, -1, 4, 6, -1]))
    assert (s[S], s[B], s[H]) == (9, 4, 6)


# ---------------------------------------------------------------- admit


def queued_rows(pop):
    """The rows the movement kernel lists for admission: active, waiting or stranded, in row order."""
    return np.nonzero(pop.active & np.isin(pop.status, (Status.WAITING, Status.STRANDED)))[0]


def queue(pop, n, location, **fields):
    return pop.add(n, status=Status.WAITING, location=location, **fields)


def test_site_admission_sets_in_site_and_respects_capacity():
    net = tiny_net(site_capacity=5)
    for seed in range(5):
        pop = Population()
        rows = queue(pop, 3, S, size=2)
        res = admit(pop, net, queued_rows(pop), slots_for(net, [0, 2, 0, 0, 0]), seed=seed, day=0, stranded_after=10)
        # 3 free places, groups of 2: exactly one group gets in
        assert (pop.status[rows] == Status.IN_SITE).sum() == 1
        assert (pop.status[rows] == Status.WAITING).sum() == 2
        assert res.admitted_persons.tolist() == [0, 2, 0, 0, 0]
        assert 2 + pop.persons(pop.status == Status.IN_SITE) <= 5
        assert len(res.evacuated_rows) == 0


def test_site_admission_fills_to_capacity_with_single_persons():
    net = tiny_net(site_capacity=5)
    pop = Population()
    rows = queue(pop, 6, S)
    res = admit(pop, net, queued_rows(pop), slots_for(net, [0, 2, 0, 0, 0]), seed=1, day=3, stranded_after=10)
    assert (pop.status[rows] == Status.IN_SITE).sum() == 3
    assert res.admitted_persons[S] == 3


def test_full_site_admits_nobody():
    net = tiny_net(site_capacity=5)
    pop = Population()
    rows = queue(pop, 2, S)
    admit(pop, net, queued_rows(pop), slots_for(net, [0, 5, 0, 0, 0]), seed=0, day=0, stranded_after=10)
    assert (pop.status[rows] == Status.WAITING).all()
    assert pop.wait_days[rows].tolist() == [1, 1]


def test_border_admission_clears_and_moves_on_when_a_path_remains():
    net = tiny_net(border_throughput=2)
    pop = Population()
    with_path = queue(pop, 1, B, path=4)
    without = queue(pop, 1, B, path=-1)
    admit(pop, net, queued_rows(pop), slots_for(net), seed=0, day=0, stranded_after=10)
    assert pop.cleared[with_path[0]] and pop.cleared[without[0]]
    assert pop.status[with_path[0]] == Status.ON_THE_MOVE
    assert pop.status[without[0]] == Status.SELF_SETTLED
    assert pop.active[with_path[0]] and pop.active[without[0]]


def test_border_throughput_limits_clearance():
    net = tiny_net(border_throughput=2)
    pop = Population()
    rows = queue(pop, 3, B, path=1)
    admit(pop, net, queued_rows(pop), slots_for(net), seed=2, day=0, stranded_after=10)
    assert pop.cleared[rows].sum() == 2
    waiting = rows[pop.status[rows] == Status.WAITING]
    assert len(waiting) == 1 and not pop.cleared[waiting[0]] and pop.wait_days[waiting[0]] == 1


def test_hub_admission_evacuates():
    net = tiny_net(hub_throughput=1)
    pop = Population()
    row = queue(pop, 1, H, size=1)[0]
    res = admit(pop, net, queued_rows(pop), slots_for(net), seed=0, day=0, stranded_after=10)
    assert pop.status[row] == Status.EVACUATED
    assert not pop.active[row]
    assert res.evacuated_rows.tolist() == [row]
    assert res.admitted_persons[H] == 1


@pytest.mark.parametrize("flag", ["unaccompanied_child", "trafficking_victim", "referred"])
def test_vulnerable_admitted_first(flag):
    net = tiny_net(hub_throughput=1)
    for seed in range(10):  # whatever the random keys
        pop = Population()
        others = queue(pop, 3, H)
        vulnerable = queue(pop, 1, H, **{flag: True})[0]
        res = admit(pop, net, queued_rows(pop), slots_for(net), seed=seed, day=seed, stranded_after=10)
        assert res.evacuated_rows.tolist() == [vulnerable], seed
        assert (pop.status[others] == Status.WAITING).all()


def test_queue_priority_is_the_rule_admission_applies():
    pop = Population()
    rows = np.concatenate([queue(pop, 1, H), queue(pop, 1, H, unaccompanied_child=True),
                           queue(pop, 1, H, trafficking_victim=True), queue(pop, 1, H, referred=True)])
    assert queue_priority(pop, rows[::-1]).tolist() == [True, True, True, False]


def test_waiting_days_increase_then_stranded_at_threshold():
    net = tiny_net(hub_throughput=0)
    pop = Population()
    row = queue(pop, 1, H)[0]
    seen = []
    for day in range(4):
        admit(pop, net, queued_rows(pop), slots_for(net), seed=0, day=day, stranded_after=3)
        seen.append((int(pop.wait_days[row]), int(pop.status[row])))
    assert seen == [(1, Status.WAITING), (2, Status.WAITING), (3, Status.STRANDED), (4, Status.STRANDED)]


def test_stranded_agents_are_still_admitted_and_wait_resets():
    net = tiny_net(site_capacity=5)
    pop = Population()
    row = pop.add(1, status=Status.STRANDED, location=S, wait_days=20)[0]
    admit(pop, net, queued_rows(pop), slots_for(net), seed=0, day=0, stranded_after=14)
    assert pop.status[row] == Status.IN_SITE
    assert pop.wait_days[row] == 0


def test_only_active_queued_agents_take_part():
    net = tiny_net(site_capacity=1)
    pop = Population()
    moving = pop.add(1, status=Status.ON_THE_MOVE, location=S)[0]
    gone = queue(pop, 1, S)[0]
    pop.active[gone] = False
    waiting = queue(pop, 1, S)[0]
    res = admit(pop, net, queued_rows(pop), slots_for(net), seed=0, day=0, stranded_after=10)
    assert pop.status[moving] == Status.ON_THE_MOVE and pop.wait_days[moving] == 0
    assert pop.status[gone] == Status.WAITING and pop.wait_days[gone] == 0
    assert pop.status[waiting] == Status.IN_SITE  # the one slot was not taken by the inactive row
    assert res.admitted_persons[S] == 1


def test_admission_is_reproducible_for_the_same_seed_and_day():
    net = tiny_net(site_capacity=10)
    first, second = Population(), Population()
    for pop in (first, second):
        queue(pop, 20, S)
        admit(pop, net, queued_rows(pop), slots_for(net), seed=5, day=2, stranded_after=10)
    assert np.array_equal(first.status, second.status)
    assert (first.status == Status.IN_SITE).sum() == 10


def counted(pop, n_locations):
    """The four counts of `kernels.tally` over every row, one per-thread row."""
    counts = (np.zeros((1, n_locations, N_STATUS, N_TYPE), dtype=np.int64), np.zeros((1, N_TYPE, N_STATUS), np.int64),
              np.zeros((1, n_locations), dtype=np.int64), np.zeros((1, 2), dtype=np.int64))
    kernels_numpy.tally(pop.active, pop.agent_type, pop.status, pop.location, pop.origin, pop.size, *counts)
    return counts


def test_admission_keeps_the_counts():
    """Rows admitted into a site, cleared at a border, evacuated from a hub and stranded move in the counts the
    model keeps, as a count of every row after admission finds them."""
    net = tiny_net(site_capacity=5, border_throughput=1, hub_throughput=2)
    pop = Population()
    queue(pop, 4, S, size=2, origin=T)
    queue(pop, 3, B, path=1, origin=T)
    queue(pop, 3, H, origin=T)
    queue(pop, 2, S, size=3, wait_days=9, origin=T)  # stranded after this day's wait, unless admitted
    kept = counted(pop, net.n_locations)
    admit(pop, net, queued_rows(pop), slots_for(net), seed=0, day=0, stranded_after=10, counts=kept)
    statuses = set(pop.status.tolist())
    assert {Status.IN_SITE, Status.ON_THE_MOVE, Status.EVACUATED, Status.STRANDED, Status.WAITING} <= statuses
    for k, c in zip(kept, counted(pop, net.n_locations)):
        np.testing.assert_array_equal(k, c)


def test_a_queue_read_in_segments_is_admitted_as_the_queue_in_one_piece():
    """The movement pass leaves each row block's queued rows in the block's own slots, and admission reads them there
    (`segments`): the same admissions, strandings, waits, counts and evacuations as from the queue in one piece.
    The slots between the segments name a row at home as queued at the site, to be stranded: read, they would
    change it and the site's demand."""
    net = tiny_net(site_capacity=5, border_throughput=1, hub_throughput=2)

    def build():
        pop = Population()
        queue(pop, 6, S, size=2, origin=T)
        queue(pop, 3, B, path=1, origin=T)
        queue(pop, 3, H, origin=T)
        queue(pop, 2, S, size=3, wait_days=9, origin=T)  # stranded after this day's wait, unless admitted
        pop.add(1, status=Status.AT_HOME, location=S)
        return pop

    whole_pop, split_pop = build(), build()
    kept_whole, kept_split = counted(whole_pop, net.n_locations), counted(split_pop, net.n_locations)
    res_whole = admit(whole_pop, net, queued_rows(whole_pop), slots_for(net), seed=3, day=1, stranded_after=10,
                      counts=kept_whole)

    rows = queued_rows(split_pop)
    facts = queued_facts(rows, split_pop.location, split_pop.size, split_pop.agent_type, split_pop.status,
                         split_pop.wait_days, 10)  # counts the day's wait, as the pass does
    at_home = int(np.nonzero(split_pop.status == Status.AT_HOME)[0][0])
    filler = (at_home, S, 1, 0, 1)  # row, place, size, type, stranded today
    lists = [[] for _ in range(5)]
    starts, lengths = [], []
    for lo, hi in ((0, 5), (5, 6), (6, 6), (6, len(rows))):  # blocks of 5, 1, none and the rest
        starts.append(len(lists[0]))
        lengths.append(hi - lo)
        for values, column in zip(lists, (rows, *facts)):
            values.extend(column[lo:hi].tolist())
        for values, fill in zip(lists, filler):
            values.extend([fill] * 2)
    padded = [np.array(values, dtype=np.int64) for values in lists]
    res_split = admit(split_pop, net, padded[0], slots_for(net), seed=3, day=1, stranded_after=10, counts=kept_split,
                      facts=tuple(padded[1:]), segments=(np.array(starts), np.array(lengths)))

    assert split_pop.status[at_home] == Status.AT_HOME
    assert {Status.IN_SITE, Status.ON_THE_MOVE, Status.EVACUATED, Status.STRANDED} <= set(split_pop.status.tolist())
    for field in ("status", "wait_days", "cleared", "active"):
        np.testing.assert_array_equal(getattr(split_pop, field), getattr(whole_pop, field), err_msg=field)
    assert res_split.evacuated_rows.tolist() == res_whole.evacuated_rows.tolist()
    np.testing.assert_array_equal(res_split.admitted_persons, res_whole.admitted_persons)
    for split, whole in zip(kept_split, kept_whole):
        np.testing.assert_array_equal(split, whole)


def test_a_filter_needs_the_queue_in_one_piece():
    net = tiny_net()
    pop = Population()
    rows = queue(pop, 2, S)
    with pytest.raises(ValueError, match="one piece"):
        admit(pop, net, rows, slots_for(net), seed=0, day=0, stranded_after=10, eligible=np.ones(2, dtype=bool),
              segments=(np.array([0]), np.array([2])))


def test_a_queue_in_segments_is_as_long_as_its_segments():
    """The model hands hosting to the helper thread by the queue's length: the rows in its segments, not the
    slots of the lists it lies in."""
    lists = np.zeros((5, 100), dtype=np.int64)
    in_place = Queue(lists[0], tuple(lists[1:]), (np.array([0, 40, 80]), np.array([3, 0, 7])))
    assert len(in_place) == 10
    assert len(Queue(np.arange(4), tuple(np.zeros((4, 4), dtype=np.int64)))) == 4
