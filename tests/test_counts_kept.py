"""CrisisModel's day's counts, kept up to date by the stages that change rows, against a full count of every row
each day; and a full count after any day on which other code read or wrote the rows."""
from __future__ import annotations

import hashlib
import time
import warnings

import numba
import numpy as np
import pytest

from crisisflow.model import kernels
from crisisflow.model.admission import Queue
from crisisflow.model.codes import HOME_STATUSES, N_STATUS, N_TYPE, AgentType, Status
from crisisflow.model.model import CrisisModel

from conftest import SHARED_FLEE


def compose(*overrides: str):
    from crisisflow.experiments.run import CONFIG_DIR
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir

    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        return hydra_compose(config_name="config", overrides=list(overrides))


def build(*overrides: str) -> CrisisModel:
    from crisisflow.experiments.run import build_model

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # policy dates after a shortened run
        return build_model(compose(*overrides, "sim.progress=false"))


def synthetic(days: int) -> CrisisModel:
    """The benchmark's Haiti-like scenario, small: site queues, stranding, hosting, returns."""
    from crisisflow.experiments.synthetic import haiti_like

    return CrisisModel(haiti_like(1, 0, scale=0.002, days=days), compose().rules, seed=0)


def full_count(model: CrisisModel) -> dict[str, np.ndarray]:
    """Every row counted by `kernels.tally`, read without the population noting it (as the model's stages do)."""
    pop, L = model.population, model.network.n_locations
    out = dict(by_place=np.zeros((kernels.N_PARTIALS, L, N_STATUS, N_TYPE), dtype=np.int64),
               exits=np.zeros((kernels.N_PARTIALS, N_TYPE, N_STATUS), dtype=np.int64),
               by_origin=np.zeros((kernels.N_PARTIALS, L), dtype=np.int64),
               rows=np.zeros((kernels.N_PARTIALS, 2), dtype=np.int64))
    with pop.tracking(False):
        kernels.tally(pop.active, pop.agent_type, pop.status, pop.location, pop.origin, pop.size, *out.values(),
                      False, 0, 0, pop.displaced_since, np.zeros(L), 0.0, np.zeros(1), np.zeros(kernels.N_PARTIALS,
                                                                                                dtype=np.int64))
    return {k: v.sum(axis=0) for k, v in out.items()}


def assert_counts_kept(model: CrisisModel, when: str) -> None:
    full = full_count(model)
    by_place = full["by_place"]
    np.testing.assert_array_equal(model._loc_status, by_place.sum(axis=2), err_msg=f"by place and status {when}")
    np.testing.assert_array_equal(model._type_status, by_place.sum(axis=0).T + full["exits"],
                                  err_msg=f"by type and status {when}")
    np.testing.assert_array_equal(model._displaced_by_origin, full["by_origin"], err_msg=f"by origin {when}")
    np.testing.assert_array_equal(model._host_members, by_place[:, Status.AT_HOME, AgentType.HOST_HOUSEHOLD],
                                  err_msg=f"host members {when}")
    np.testing.assert_array_equal(model._at_home, by_place[:, list(HOME_STATUSES)].sum(axis=(1, 2)),
                                  err_msg=f"at home {when}")
    np.testing.assert_array_equal(model._persons_at, by_place.sum(axis=(1, 2)), err_msg=f"persons by place {when}")
    assert (model._rows_alive, model._rows_in_sites) == tuple(full["rows"]), when


def run_checking(model: CrisisModel) -> None:
    for day in range(model.days):
        model.step()
        assert_counts_kept(model, f"after day {day}")


def test_counts_kept_through_queues_hosting_and_returns() -> None:
    model = synthetic(days=130)
    run_checking(model)
    rec = model.recorder
    assert model.full_counts == 1  # the counts were kept, not counted again
    # every stage that changes rows acted, so the comparison is not vacuous
    assert rec.returned.sum() > 0 and rec.newly_displaced.sum() > 0
    assert rec.loc_status[:, :, Status.HOSTED].sum() > 0 and rec.loc_status[:, :, Status.STRANDED].sum() > 0
    assert np.diff(rec.loc_status[:, :, Status.IN_SITE].sum(axis=1)).max() > 0  # admitted into sites


def test_counts_kept_through_exits() -> None:
    """The Libya scenario without its operations: migrants cross borders, queue at crossing points and leave the
    network; exits count by type and status, and by origin."""
    model = build("policy=none", "sim.days=40")
    run_checking(model)
    exits = model.recorder.type_status[-1][:, list(range(Status.CROSSED_BORDER, N_STATUS))]
    assert model.full_counts == 1 and exits.sum() > 0


@pytest.mark.skipif(not (SHARED_FLEE / "mali2012").is_dir(), reason="../shared/data/flee is not beside the project")
def test_counts_kept_with_arrivals_from_data() -> None:
    """Flee's mali2012 under Flee's rules: newly displaced rows enter every day from the observed totals."""
    model = build("scenario=flee", f"scenario.path={SHARED_FLEE / 'mali2012'}", "rules=flee", "sim.days=40")
    n0 = model.population.n
    run_checking(model)
    assert model.population.n > n0 and model.full_counts == 1


def test_rows_read_or_written_between_days_are_counted_again() -> None:
    model = synthetic(days=8)
    model.run(3)
    assert model.full_counts == 1
    pop = model.population
    at_home = np.flatnonzero(pop.active & (pop.status == Status.AT_HOME))[:10]
    pop.status[at_home] = Status.TRAPPED  # written between days through the attribute
    model.step()
    assert model.full_counts == 2
    assert_counts_kept(model, "after a write between days")
    model.step()
    assert model.full_counts == 2  # nothing outside the stages since

    face = model.agent_at_row(int(np.flatnonzero(pop.arrays["active"][:pop.n])[0]))  # the Mesa face reads the rows
    model.step()
    assert model.full_counts == 3
    face.status = Status.IN_SITE  # written through a Mesa agent
    model.step()
    assert model.full_counts == 4
    assert_counts_kept(model, "after a write through a Mesa agent")


@pytest.mark.parametrize("overrides, days", [
    (("scenario=libya_2011",), 60),  # border management, documents, sites, pick-up evacuations, referral, returns
    (("scenario=haiti_2010",), 700),  # host support, return support, site closures (relocation, return, subsidy)
    (("scenario=pakistan_floods_2010",), 165),
    (("scenario=thailand_floods_2011",), 92),  # aid and information
    (("scenario=demo", "policy=return_reintegration"), 240),  # local integration and resettlement
    (("scenario=demo", "policy=early_warning"), 40),  # pre-emptive evacuation
], ids=["libya", "haiti", "pakistan", "thailand", "demo_solutions", "demo_early_warning"])
def test_operations_keep_the_counts(overrides: tuple[str, ...], days: int) -> None:
    """Every shipped operation changes rows only through `CrisisModel.rows_changing`: the counts stay those of a
    full count every day, and nothing is counted again."""
    model = build(*overrides, f"sim.days={days}")
    run_checking(model)
    assert model.full_counts == 1


class _Rewrites:
    """An operation that moves rows without saying so (a user's, say): the model must count every row again."""

    stage = "after_admission"
    writes_rows = True
    keeps_counts = False

    def setup(self, model: CrisisModel) -> None:
        pass

    def apply(self, model: CrisisModel) -> None:
        pop = model.population
        pop.status[np.flatnonzero(pop.active & (pop.status == Status.IN_SITE))[:5]] = Status.SELF_SETTLED


def test_an_operation_that_does_not_keep_the_counts_brings_a_full_count() -> None:
    from crisisflow.experiments.synthetic import haiti_like

    model = CrisisModel(haiti_like(1, 0, scale=0.002, days=30), compose().rules, seed=0, policies=[_Rewrites()])
    run_checking(model)
    assert model.full_counts == model.days + 1


def test_any_of_type_sums_the_threads_rows() -> None:
    """`kernels.any_of_type` reads the threads' rows summed: one person of the type anywhere counts; a thread's
    addition that another's removal cancels does not."""
    counts = kernels.zero_counts(5, 2)[0]
    counts[0, 3, Status.IN_SITE, AgentType.MIGRANT] = 1
    counts[1, 3, Status.IN_SITE, AgentType.MIGRANT] = -1
    counts[1, 1, Status.WAITING, AgentType.IDP] = 7
    assert not kernels.any_of_type(counts, int(AgentType.MIGRANT))
    counts[1, 4, Status.AT_HOME, AgentType.MIGRANT] = 1
    assert kernels.any_of_type(counts, int(AgentType.MIGRANT)) and kernels.any_of_type(counts, int(AgentType.IDP))
    assert not kernels.any_of_type(counts, int(AgentType.HOST_HOUSEHOLD))


def test_migrants_get_choice_tables_while_any_is_in_the_network() -> None:
    """`CrisisModel._choosing_types` reads the kept counts: migrants choose while any is active in the network, here
    until every one is taken out of it by code that keeps the counts (`CrisisModel.rows_changing`)."""
    model = build("policy=none", "sim.days=12")
    pop = model.population
    choosing, seen = model._choosing_types, []

    def checked() -> np.ndarray:
        out = choosing()
        n, rows = pop.n, pop.arrays
        in_network = rows["active"][:n] & (rows["agent_type"][:n] == AgentType.MIGRANT)
        assert out[AgentType.MIGRANT] == in_network.any(), f"day {model.day}"
        seen.append(bool(out[AgentType.MIGRANT]))
        return out

    model._choosing_types = checked
    model.run(6)
    n, rows = pop.n, pop.arrays
    migrants = np.flatnonzero(rows["active"][:n] & (rows["agent_type"][:n] == AgentType.MIGRANT))
    with model.rows_changing(migrants):
        rows["active"][migrants] = False
        rows["status"][migrants] = Status.EVACUATED
    model.run()
    assert seen == [True] * 6 + [False] * 6
    assert model.full_counts == 1  # read from the kept counts every day


def filtered_queue(model: CrisisModel, seen: list) -> CrisisModel:
    """`model` with an operation's admission filter that keeps every third queued row out and notes the digest of
    every row's status each time it reads the queue, a few milliseconds after it is called (by when hosting, had it
    started beside, would have changed rows)."""
    def every_third_waits(rows: np.ndarray, places: np.ndarray) -> np.ndarray:
        time.sleep(0.005)
        seen.append(hashlib.sha256(model.population.status.tobytes()).hexdigest())
        return rows % 3 != 0

    model.admission_filters.append(every_third_waits)
    return model


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="needs two Numba threads")
@pytest.mark.parametrize("filtered", [False, True], ids=["no filter", "an operation filters the queue"])
def test_hosting_beside_admission_gives_the_results_of_one_after_the_other(monkeypatch, filtered: bool) -> None:
    """On two threads hosting runs beside admission on a helper thread, counting into the second thread's row of
    the day's counts (`CrisisModel._admit_and_host`): the same records, rows and kept counts as on one thread,
    where one runs after the other. An operation's filter of the queue reads the rows before hosting starts: it
    sees every row as on one thread, where hosting comes after admission."""
    from crisisflow.model import model as model_module

    monkeypatch.setattr(model_module, "SERIAL_BELOW_ROWS", 0)  # its days really run on two threads
    monkeypatch.setattr(model_module, "BESIDE_FROM_ROWS", 0)  # and hand hosting over however short their lists
    host = model_module.place_with_hosts

    def slow_host(*args):  # hosting outlasts admission, so that a day that did not wait for it would show
        time.sleep(0.002)
        return host(*args)

    monkeypatch.setattr(model_module, "place_with_hosts", slow_host)
    beside = []
    pool = model_module._helper_thread()
    submit = pool.submit
    monkeypatch.setattr(pool, "submit", lambda *args: beside.append(1) or submit(*args))
    runs = {}
    seen = {1: [], 2: []}
    before = numba.get_num_threads()
    try:
        for threads in (1, 2):
            numba.set_num_threads(threads)
            runs[threads] = model = synthetic(days=130)
            if filtered:
                filtered_queue(model, seen[threads])
            run_checking(model)
            if threads == 1:
                assert not beside
    finally:
        numba.set_num_threads(before)
    assert len(beside) > 30  # the days with both queues and self-settled rows to host (47)
    assert seen[1] == seen[2] and (len(seen[1]) > 30) == filtered
    one, two = runs[1], runs[2]
    for name in ("loc_status", "type_status", "flows", "returned", "evacuated", "host_places"):
        assert np.array_equal(getattr(one.recorder, name), getattr(two.recorder, name)), name
    for field in ("status", "location", "wait_days"):
        assert np.array_equal(one.population.arrays[field], two.population.arrays[field]), field


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="needs two Numba threads")
def test_hosting_is_handed_over_only_where_both_lists_are_long(monkeypatch) -> None:
    """Hosting goes to the helper thread only on the days when the queue and the self-settled rows to host both
    hold at least `BESIDE_FROM_ROWS` rows; on the others it runs after admission, on the model's thread."""
    from crisisflow.model import model as model_module

    monkeypatch.setattr(model_module, "SERIAL_BELOW_ROWS", 0)
    lengths = {}  # day -> [queued rows, self-settled rows to host]
    admit, host = model_module.admit, model_module.place_with_hosts

    def noting_admit(pop, net, queued, slots, seed, day, stranded_after, eligible, counts, facts, segments):
        # the queue's rows, as the model counts them for the hand-over (`admission.Queue`)
        lengths.setdefault(day, [0, 0])[0] = len(Queue(queued, facts, segments))
        return admit(pop, net, queued, slots, seed, day, stranded_after, eligible, counts, facts, segments)

    def noting_host(pop, rows, places, hosted, seed, day, *args):
        lengths.setdefault(day, [0, 0])[1] = len(rows)
        return host(pop, rows, places, hosted, seed, day, *args)

    monkeypatch.setattr(model_module, "admit", noting_admit)
    monkeypatch.setattr(model_module, "place_with_hosts", noting_host)
    handed = []
    pool = model_module._helper_thread()
    submit = pool.submit
    monkeypatch.setattr(pool, "submit", lambda fn, *args: handed.append(fn.args[5]) or submit(fn, *args))
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(2)
        monkeypatch.setattr(model_module, "BESIDE_FROM_ROWS", 10**9)  # a first run notes the lists' lengths
        synthetic(days=130).run()
        assert not handed
        both = sorted(min(pair) for pair in lengths.values() if min(pair) > 0)
        threshold = both[len(both) // 2]  # about half the days with both lists hand hosting over
        monkeypatch.setattr(model_module, "BESIDE_FROM_ROWS", threshold)
        synthetic(days=130).run()
    finally:
        numba.set_num_threads(before)
    expected = [day for day, pair in sorted(lengths.items()) if min(pair) >= threshold]
    assert handed == expected and 0 < len(expected) < len(both)


@pytest.mark.skipif(not (SHARED_FLEE / "mali2012").is_dir(), reason="../shared/data/flee is not beside the project")
def test_rows_entered_from_data_count_their_first_day() -> None:
    """Rows spawned from the observed totals enter before the day's movement pass, which counts their first day
    displaced (`population.displaced_before_pass`): after the day, each has been displaced one day."""
    from crisisflow.model.codes import DISPLACED_STATUSES
    from crisisflow.model.population import days_displaced

    model = build("scenario=flee", f"scenario.path={SHARED_FLEE / 'mali2012'}", "rules=flee", "sim.days=15")
    pop = model.population
    entered = 0
    while model.day < model.days:
        n_before = pop.n
        model.step()
        new = np.arange(n_before, pop.n)
        new = new[pop.active[new] & np.isin(pop.status[new], DISPLACED_STATUSES)]
        assert np.all(days_displaced(pop.displaced_since[new], model.last_pass_day) == 1)
        entered += len(new)
    assert entered > 0
