"""CrisisModel end to end on small networks: worked answers, conservation, capacities, threads, Mesa face."""
from __future__ import annotations

import numba
import numpy as np
import pytest

from crisisflow.agents import IDP, HostHousehold, Migrant
from crisisflow.model.codes import DISPLACED_STATUSES, EXIT_STATUSES, AgentType, Phase, Status
from crisisflow.model import model as model_module
from crisisflow.model.model import CrisisModel
from crisisflow.model.scenario import build_scenario

from conftest import rules_cfg, scenario_cfg, write_folder

CONFLICT_AT_A = [{"kind": "sudden", "locations": ["A"], "start": "2020-01-01", "intensity": 1.0}]
#: leaving a hazard is certain (sigmoid(100 + ...) == 1.0 in floating point) and nobody gives up a queue
CERTAIN = dict(push_hazard=100.0, move_settled={"waiting": -100.0, "stranded": -100.0, "in_site": -100.0})


def border_scenario(tmp_path, throughput=5):
    folder = write_folder(
        tmp_path / "border",
        ["A,town,Home,0,0,20,,", f"B,border,Home,0,1,0,,{throughput}", "Abroad,abroad,Other,0,2,0,,"],
        ["A,B,10,road,", "B,Abroad,10,road,"],
        ["A,migrant,Other,20,5,1.0,0,0,0"],
    )
    return build_scenario(scenario_cfg(folder, 8, CONFLICT_AT_A))


def test_border_queue_admits_throughput_per_day_worked_by_hand(tmp_path):
    """4 groups of 5 reach border B on day 0; B processes 5 persons a day; each cleared group crosses next day."""
    model = CrisisModel(border_scenario(tmp_path), rules_cfg(pull_border={"migrant": float("-inf")}, **CERTAIN), seed=1)
    model.run()
    rec = model.recorder
    crossed = rec.type_status[:, AgentType.MIGRANT, Status.CROSSED_BORDER]
    assert crossed.tolist() == [0, 5, 10, 15, 20, 20, 20, 20]
    assert rec.flows[:, model.network.edge_between(0, 1)].tolist() == [20, 0, 0, 0, 0, 0, 0, 0]
    assert np.cumsum(rec.crossings[:, 1]).tolist() == crossed.tolist()


def test_site_capacity_never_exceeded_and_queue_waits(tmp_path):
    folder = write_folder(
        tmp_path / "site",
        ["A,town,Home,0,0,20,,", "S,site,Home,0,1,0,10,"],
        ["A,S,100,road,"],
        ["A,host_household,,20,5,1,0,0,0"],
    )
    model = CrisisModel(build_scenario(scenario_cfg(folder, 5, CONFLICT_AT_A)), rules_cfg(**CERTAIN), seed=3)
    model.step()
    # all four households fled (and became IDPs), drove 100 km at 200 km/day, and queued at S; 10 places
    ls = model.recorder.loc_status[0]
    assert ls[1, Status.IN_SITE] == 10 and ls[1, Status.WAITING] == 10
    assert model.recorder.rows_in_sites[0] == 2  # two households of five
    assert model.recorder.newly_displaced[0, AgentType.HOST_HOUSEHOLD] == 20
    assert (model.population.agent_type == AgentType.IDP).all()
    model.run()
    assert (model.recorder.loc_status[:, 1, Status.IN_SITE] <= 10).all()


def test_no_push_no_departure(tmp_path):
    folder = write_folder(tmp_path / "calm", ["A,town,Home,0,0,100,,", "B,town,Home,0,1,100,,"], ["A,B,50,road,"],
                          ["A,host_household,,100,5,1,0,0,0", "A,migrant,X,10,1,1,0,0,0"])
    model = CrisisModel(build_scenario(scenario_cfg(folder, 30, [])), rules_cfg(), seed=0)
    model.run()
    assert model.recorder.loc_status[-1, 0, Status.AT_HOME] == 110
    assert (model.scenario.timeline.phase == Phase.PRE_CRISIS).all()


def test_a_row_made_a_migrant_between_days_gets_choice_tables(tmp_path):
    """Migrants get the day's choice tables only where some row is a migrant (CrisisModel._choosing_types): a
    row written a migrant between two days chooses a path the next day like any migrant, instead of finding
    none and staying trapped."""
    folder = write_folder(tmp_path / "edit", ["A,town,Home,0,0,20,,", "B,town,Home,0,1,20,,"], ["A,B,300,road,"],
                          ["A,host_household,,20,5,1,0,0,0"])
    model = CrisisModel(build_scenario(scenario_cfg(folder, 3, CONFLICT_AT_A)), rules_cfg(**CERTAIN), seed=2)
    assert not model._choosing_types()[AgentType.MIGRANT]  # no migrants: no tables for them
    model.step()  # every household fled towards B (300 km at 200 km a day) as IDPs
    pop, row = model.population, 0
    assert pop.status[row] == Status.ON_THE_MOVE
    pop.agent_type[row] = AgentType.MIGRANT
    agent = model.agent_at_row(row)
    agent.status = Status.AT_HOME  # back at A, in the conflict, deciding again
    agent.location = 0
    with pytest.raises(AttributeError, match="agent_type"):  # a face's type is its class: not written through it
        agent.agent_type = AgentType.IDP
    model.step()
    assert pop.status[row] == Status.ON_THE_MOVE  # it chose the road to B, not trapped at A
    assert pop.location[row] == 0 and pop.path[row] >= 0


@pytest.fixture(scope="module")
def default_run():
    from hydra import compose, initialize_config_dir

    from crisisflow.experiments.run import CONFIG_DIR, build_model

    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = compose(config_name="config", overrides=["scenario=demo"])
    model = build_model(cfg)
    model.run()
    return model


def test_persons_are_conserved_every_day(default_run):
    rec = default_run.recorder
    present = rec.loc_status.sum(axis=(1, 2))
    exits = rec.type_status[:, :, list(EXIT_STATUSES)].sum(axis=(1, 2))
    assert (present == np.cumsum(rec.entered) - exits).all()
    assert exits[-1] > 0  # the check covers real exits, not an empty run


def test_capacities_never_exceeded(default_run):
    rec, net = default_run.recorder, default_run.network
    limited = net.capacity > 0
    assert (rec.loc_status[:, limited, Status.IN_SITE] <= rec.site_capacity[:, limited]).all()
    assert rec.loc_status[:, limited, Status.IN_SITE].max() > 0


def test_demo_scenario_covers_all_types_and_phases(default_run):
    rec = default_run.recorder
    assert set(np.unique(default_run.scenario.timeline.phase)) == {0, 1, 2}
    assert (rec.type_status[-1].sum(axis=1) > 0).all()
    assert rec.returned.sum() > 0 and rec.evacuated.sum() > 0


def _run_default_days(days: int, threads: int) -> CrisisModel:
    from hydra import compose, initialize_config_dir

    from crisisflow.experiments.run import CONFIG_DIR, build_model

    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = compose(config_name="config", overrides=["scenario=demo", f"sim.days={days}"])
    before = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        model = build_model(cfg)
        model.run()
    finally:
        numba.set_num_threads(before)
    return model


def test_a_run_longer_than_the_days_displaced_can_count_is_refused():
    """The day a row's displacement began is kept in 16 bits: a longer run would wrap it round, not fail."""
    from hydra import compose, initialize_config_dir

    from crisisflow.experiments.run import CONFIG_DIR, build_model
    from crisisflow.model.errors import InputError
    from crisisflow.model.population import MOST_DAYS

    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        longest, too_long = (compose(config_name="config", overrides=["scenario=demo", f"sim.days={days}"])
                             for days in (MOST_DAYS, MOST_DAYS + 1))
    assert build_model(longest).days == MOST_DAYS == 32_767
    with pytest.raises(InputError, match=r"key 'sim.days'.*32,768 days long; expected at most 32,767"):
        build_model(too_long)


def test_days_displaced_count_each_day_of_a_displacement():
    """Rows keep the day their displacement is counted from (`displaced_since`): through every day, a displaced
    row's days displaced equal a count kept here, a day added for each day it spent displaced since it left home
    (0 on the day it leaves, 1 on day 0 for a row displaced from the start, and for a row entered displaced on its
    first day)."""
    from hydra import compose, initialize_config_dir

    from crisisflow.experiments.run import CONFIG_DIR, build_model
    from crisisflow.model.population import days_displaced

    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = compose(config_name="config", overrides=["scenario=demo", "policy=none"])  # through its recovery
    model = build_model(cfg)
    pop = model.population

    def displaced() -> np.ndarray:
        return pop.active & np.isin(pop.status, DISPLACED_STATUSES)

    count = np.zeros(pop.n, dtype=np.int64)
    checked = left_home = 0
    while model.day < model.days:
        n_before, before = pop.n, displaced()
        model.step()
        now = displaced()
        count = np.r_[count, np.zeros(pop.n - n_before, dtype=np.int64)]
        old = np.arange(pop.n) < n_before
        stayed = now & old & np.r_[before, np.zeros(pop.n - n_before, dtype=np.bool_)]
        count[stayed] += 1
        count[now & old & ~stayed] = 0  # left home today
        count[now & ~old] = 1  # entered displaced today
        np.testing.assert_array_equal(days_displaced(pop.displaced_since[now], model.last_pass_day), count[now])
        checked += int(now.sum())
        left_home += int((now & old & ~stayed).sum())
    assert model.last_pass_day == model.days - 1 and left_home > 0 and count.max() > 60 and checked > 0
    assert model.recorder.returned.sum() > 0  # some went home, and the returns read the days displaced


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="needs 2 threads")
def test_same_seed_same_results_on_one_and_two_threads(monkeypatch):
    monkeypatch.setattr(model_module, "SERIAL_BELOW_ROWS", 0)  # whatever the threshold, its days really use 2 threads
    one, two = _run_default_days(80, 1), _run_default_days(80, 2)
    for name in ("loc_status", "type_status", "flows", "crossings", "evacuated", "returned"):
        assert np.array_equal(getattr(one.recorder, name), getattr(two.recorder, name)), name
    for field in ("location", "status", "agent_type", "displaced_since"):
        assert np.array_equal(getattr(one.population, field), getattr(two.population, field)), field


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="needs 2 threads")
def test_small_population_moves_on_every_thread_and_runs_the_rest_on_one(monkeypatch):
    """Below SERIAL_BELOW_ROWS only the movement pass wakes the second thread (its journeys gain from it; the small
    kernels around it lose the wake); above it every kernel runs on the configured threads."""
    seen: dict[str, set[int]] = {"move_agents": set(), "choice_tables": set()}  # both called only within a day
    for name in seen:
        kernel = getattr(model_module.kernels, name)

        def noting(*args, _kernel=kernel, _name=name):
            seen[_name].add(numba.get_num_threads())
            return _kernel(*args)

        monkeypatch.setattr(model_module.kernels, name, noting)
    after_day: set[int] = set()  # the thread count the caller finds after each day: its own setting again
    step = model_module.CrisisModel.step

    def noting_step(self):
        step(self)
        after_day.add(numba.get_num_threads())

    monkeypatch.setattr(model_module.CrisisModel, "step", noting_step)
    model = _run_default_days(5, 2)
    assert model.population.n < model_module.SERIAL_BELOW_ROWS
    assert seen == {"move_agents": {2}, "choice_tables": {1}} and after_day == {2}
    for kernel_threads in seen.values():
        kernel_threads.clear()
    monkeypatch.setattr(model_module, "SERIAL_BELOW_ROWS", 0)
    _run_default_days(5, 2)
    assert seen == {"move_agents": {2}, "choice_tables": {2}} and after_day == {2}


def test_mesa_faces_read_and_write_the_arrays(default_run):
    model = default_run
    agents = model.agents
    assert len(agents) == int(model.population.active.sum())
    by_type = model.agents_by_type
    assert set(by_type) <= {Migrant, IDP, HostHousehold} and IDP in by_type
    agent = next(iter(by_type[Migrant]))
    assert agent.location == model.population.location[agent.row]
    agent.location = 3
    assert model.population.location[agent.row] == 3
    agent.has_documents = False
    assert not model.population.has_documents[agent.row]
    # fields the kernels index tables with take only values inside those tables, and say which
    for field, bad in (("location", -1), ("location", model.network.n_locations), ("status", 13), ("path", -2),
                       ("origin", 2.5), ("days_displaced", 2**15), ("days_displaced", -1),
                       ("displaced_since", 2**15)):  # 16 bits: 32,768 would wrap round
        with pytest.raises(ValueError, match=rf"row {agent.row}: {field} = {bad!r}; expected an integer from"):
            setattr(agent, field, bad)
    assert model.population.location[agent.row] == 3
    agent.origin = -1  # nowhere: allowed
    # days displaced are counted from the day a displacement began, through the last day run
    pop = model.population
    idp = model.agent_at_row(int(np.nonzero(pop.active & (pop.status == Status.IN_SITE))[0][0]))
    assert idp.displaced and idp.days_displaced == model.last_pass_day - pop.displaced_since[idp.row] > 0
    idp.days_displaced = 5
    assert idp.days_displaced == 5 and pop.displaced_since[idp.row] == model.last_pass_day - 5
    home = model.agent_at_row(int(np.nonzero(pop.active & (pop.status == Status.AT_HOME))[0][0]))
    assert not home.displaced and home.days_displaced == 0
    # a host household that fled is an IDP now: its face follows its row's type
    fled = np.nonzero(model.population.active & (model.population.agent_type == AgentType.IDP)
                      & (model.population.origin >= 0))[0]
    assert isinstance(model.agent_at_row(fled[0]), IDP)


def test_admission_reads_the_queue_where_the_movement_pass_left_it(monkeypatch):
    """Without operations that filter the queue, admission reads the movement pass's lists where the pass wrote them,
    block by block; with a filter, copied out in one piece. A filter that lets everyone through changes nothing:
    the same records, and the days read in place held queues in several blocks."""
    from crisisflow.experiments.synthetic import haiti_like

    blocks = {"in place": [], "in one piece": []}
    real_admit = model_module.admit

    def spy(pop, net, queued, slots, seed, day, stranded_after, eligible, counts, facts, segments):
        if segments is None:
            blocks["in one piece"].append(1)
        else:  # the segments hold the queued rows in row order, and their places
            blocks["in place"].append(int((segments[1] > 0).sum()))
            read = [np.concatenate([column[s:s + n] for s, n in zip(*segments)]) for column in (queued, facts[0])]
            waiting = np.flatnonzero(pop.active & np.isin(pop.status, (Status.WAITING, Status.STRANDED)))
            assert read[0].tolist() == waiting.tolist() and read[1].tolist() == pop.location[waiting].tolist()
        return real_admit(pop, net, queued, slots, seed, day, stranded_after, eligible, counts, facts, segments)

    monkeypatch.setattr(model_module, "admit", spy)
    hashes = []
    for filtered in (False, True):
        model = CrisisModel(haiti_like(1, 0, scale=0.002, days=40), rules_cfg(), seed=0)
        if filtered:
            model.admission_filters.append(lambda rows, places: np.ones(len(rows), dtype=np.bool_))
        model.run()
        hashes.append(model.recorder.digest())
    assert hashes[0] == hashes[1]
    assert len(blocks["in place"]) == len(blocks["in one piece"]) > 0
    assert max(blocks["in place"]) > 1


def test_recorder_digest_follows_every_array_and_nothing_else():
    """Equal records give equal digests; a change to one count of any array, or flows recorded or not, changes it."""
    from crisisflow.model.recorder import Recorder

    def recorder(flows=True):
        rec = Recorder(days=3, n_locations=4, n_edges=5, n_countries=2, n_nationalities=1, record_flows=flows)
        rec.loc_status[1, 2, 3] = 7
        return rec

    assert recorder().digest() == recorder().digest()
    assert len(recorder().digest()) == 16
    for name, value in vars(recorder()).items():
        if isinstance(value, np.ndarray):
            changed = recorder()
            getattr(changed, name).reshape(-1)[-1] += 1
            assert changed.digest() != recorder().digest(), name
    assert recorder(flows=False).digest() != recorder().digest()
    unrecorded = recorder()
    unrecorded.days_recorded = 2  # not an array: the digest reads the arrays only
    assert unrecorded.digest() == recorder().digest()
