"""rules=flee on a toy network, against Flee's link weights worked out by hand."""
from __future__ import annotations

import dataclasses

import numpy as np
from omegaconf import OmegaConf

from crisisflow.model.codes import Status
from crisisflow.model.config import FleeRulesConfig
from crisisflow.model.model import CrisisModel
from crisisflow.model.rules_flee import FleeRules
from crisisflow.model.scenario import build_scenario

from conftest import scenario_cfg, write_folder

CONFLICT_AT_A = [{"kind": "sudden", "locations": ["A"], "start": "2020-01-01", "intensity": 1.0}]


def flee_rules(**overrides):
    cfg = OmegaConf.structured(FleeRulesConfig)
    cfg.merge_with(overrides)
    return cfg


def toy(tmp_path, days: int = 3, events: list[dict] = CONFLICT_AT_A):
    """A conflict zone A with 20,000 displaced persons, a camp B 100 km away and a town C 300 km away."""
    folder = write_folder(
        tmp_path / "toy",
        ["A,town,Home,0,0,1000,,", "B,site,Home,0,1,0,100000,", "C,town,Home,1,0,1000,,"],
        ["A,B,100,road,", "A,C,300,road,"],
        ["A,idp,,20000,1,1,0,0,0"],
    )
    return build_scenario(scenario_cfg(folder, days, events))


def test_first_day_split_follows_flee_link_weights(tmp_path):
    # Flee: w = (weight_softening + score) / (softening + km) ** distance_power; camp score = camp_weight
    # with softening 10, distance power 1, camp weight 2: w_B = 2 / 110, w_C = 1 / 310, p_B = 0.8493
    rules = flee_rules(camp_weight=2.0, softening=10.0, distance_power=1.0, avoid_short_stints=False,
                       default_movechance=0.0)
    model = CrisisModel(toy(tmp_path), rules, seed=4)
    model.step()
    net = model.network
    to_b = model.recorder.flows[0, net.edge_between(0, 1)]
    to_c = model.recorder.flows[0, net.edge_between(0, 2)]
    assert to_b + to_c == 20_000  # conflict move chance 1: everyone leaves A on day 0
    p_b = (2 / 110) / (2 / 110 + 1 / 310)
    assert abs(to_b / 20_000 - p_b) < 4 * np.sqrt(p_b * (1 - p_b) / 20_000)  # within 4 standard errors


def test_camp_move_chance_keeps_people_in_camps(tmp_path):
    rules = flee_rules(camp_weight=1000.0, camp_movechance=0.0, avoid_short_stints=False, default_movechance=0.0)
    model = CrisisModel(toy(tmp_path), rules, seed=1)
    model.run()
    in_b = model.recorder.loc_status[:, 1, :].sum(axis=1)
    assert (np.diff(in_b) >= 0).all() and in_b[-1] > 19_000


def test_spawn_weights_follow_flee_conflict_decay(tmp_path):
    """Flee's spawning (spawning.refresh_spawn_weights): population x conflict intensity x the decay factor of the
    whole intervals since the conflict began at the place, its last factor held after; nothing before the conflict
    or where there is none."""
    conflict_from_day_2 = [{"kind": "sudden", "locations": ["A"], "start": "2020-01-03", "intensity": 0.8}]
    scenario = toy(tmp_path, 12, conflict_from_day_2)
    rules = FleeRules(flee_rules(conflict_spawn_decay=[1.0, 0.5, 0.25], conflict_spawn_decay_interval=3), scenario)
    population_a = scenario.network.population[0]
    factors = [0.0, 0.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25]
    for day, factor in enumerate(factors):
        weights = rules.spawn_weights(day)
        assert np.isclose(weights[0], population_a * 0.8 * factor), day
        assert (weights[1:] == 0).all()


def test_move_chances_follow_the_days_conflicts(tmp_path):
    """Flee's move chances (moving.calculateMoveChance) and conflict scores follow each day's conflicts, also when
    a conflict ends and starts again (the rule set keeps the last day's tables while the conflicts stay the same),
    and each day's tables are the caller's own to change."""
    rules = flee_rules(conflict_movechance=0.9, default_movechance=0.2, camp_movechance=0.01, conflict_weight=0.5,
                       avoid_short_stints=False)
    model = CrisisModel(toy(tmp_path), rules, seed=0)
    at_home = model.location_state(0)
    ruleset = model.rules
    days = ((1.0, 0.9, 0.5), (1.0, 0.9, 0.5), (0.0, 0.2, 1.0), (1.0, 0.9, 0.5), (2.0, 0.9, 0.25))
    for hazard, chance_a, score_a in days:
        state = dataclasses.replace(at_home, hazard=np.array([hazard, 0.0, 0.0]))
        tables = ruleset.daily(state)
        settled = tables.p_depart[:, Status.SELF_SETTLED]
        assert np.allclose(settled, [chance_a, 0.01, 0.2]), hazard
        assert (tables.p_depart[:, Status.ON_THE_MOVE] == 0).all()
        assert np.allclose(tables.p_continue, [chance_a, 0.01, 0.2]), hazard
        # pull = log(score x capacity multiplier); A and C are towns without a capacity (multiplier 1)
        assert np.allclose(tables.pull[:, [0, 2]], np.log([score_a, 1.0])), hazard
        tables.p_depart[:] = -1.0  # the caller's copy
        tables.p_continue[:] = -1.0
