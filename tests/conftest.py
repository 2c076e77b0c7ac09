"""Shared fixtures: tiny crisisflow-format scenarios written to a temporary folder, the shipped data, and the
small sweep of the collect, compare and brief tests."""
from __future__ import annotations

from pathlib import Path

import pytest
from omegaconf import OmegaConf

from crisisflow.model.config import RulesConfig, ScenarioConfig
from crisisflow.model.scenario import build_scenario

from command_helpers import tiny_sweep

REPO = Path(__file__).resolve().parents[1]
SHARED_FLEE = REPO.parent / "shared" / "data" / "flee"

LOC_HEADER = "name,kind,country,latitude,longitude,population,capacity,throughput"
ROUTE_HEADER = "from,to,distance_km,mode,crosses_border"
POP_HEADER = ("location,agent_type,nationality,persons,group_size,documents_share,unaccompanied_child_share,"
              "trafficking_victim_share,no_language_access_share")


def write_folder(folder: Path, locations: list[str], routes: list[str], populations: list[str]) -> Path:
    """A crisisflow-format folder from CSV lines (without headers)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "locations.csv").write_text("\n".join([LOC_HEADER, *locations]) + "\n")
    (folder / "routes.csv").write_text("\n".join([ROUTE_HEADER, *routes]) + "\n")
    (folder / "populations.csv").write_text("\n".join([POP_HEADER, *populations]) + "\n")
    return folder


def scenario_cfg(folder: Path, days: int, events: list[dict], **overrides):
    """A validated scenario config for a folder (same schema as configs/scenario/*.yaml)."""
    cfg = OmegaConf.structured(ScenarioConfig)
    cfg.merge_with({"name": folder.name, "path": str(folder), "start_date": "2020-01-01", "days": days,
                    "events": events, **overrides})
    return cfg


def toy_scenario(folder: Path, locations: list[str], routes: list[str], populations: list[str], days: int,
                 events: list[dict], **overrides):
    """A built scenario from CSV lines (see `write_folder`), for tests that only need the result."""
    return build_scenario(scenario_cfg(write_folder(folder, locations, routes, populations), days, events,
                                       **overrides))


def rules_cfg(**overrides):
    cfg = OmegaConf.structured(RulesConfig)
    cfg.merge_with(overrides)
    return cfg


@pytest.fixture
def shared_flee() -> Path:
    if not SHARED_FLEE.is_dir():
        pytest.skip("../shared/data/flee is not beside the project")
    return SHARED_FLEE


@pytest.fixture(scope="session")
def sweep(tmp_path_factory) -> Path:
    """The session's small sweep (see `command_helpers.tiny_sweep`)."""
    return tiny_sweep(tmp_path_factory)
