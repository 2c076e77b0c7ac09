"""The `crisisflow-calibrate` command: a smoke run (--quick --no-write) on two conflicts, and its report."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from crisisflow.experiments import calibrate
from crisisflow.model.config import RulesConfig

from command_helpers import command, run_command

EXE = command("crisisflow-calibrate")
FLEE = Path(__file__).resolve().parents[2] / "shared" / "data" / "flee"
TWO = [FLEE / "mali2012", FLEE / "burundi2015"]
pytestmark = [pytest.mark.skipif(EXE is None, reason="the crisisflow-calibrate command is not installed"),
              pytest.mark.skipif(not all(f.is_dir() for f in TWO), reason="../shared/data/flee is not beside the project")]


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("calibrate") / "run"
    written = calibrate.CALIBRATED
    before = written.read_text() if written.is_file() else None
    proc = run_command(EXE, ["--quick", "--no-write", "--maxiter", "2", "--conflicts", *TWO, "--out", out,
                             "sim.days=20", "sim.threads=1"], out.parent, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert (written.read_text() if written.is_file() else None) == before  # --no-write leaves configs/ alone
    return proc, out


def test_report_has_in_and_out_of_sample_errors(quick):
    proc, out = quick
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report == json.loads((out / "report.json").read_text())
    assert set(report["table"]) == {"mali2012", "burundi2015"}
    for name, row in report["table"].items():
        assert {"in_sample_loo_mean", "out_of_sample", "in_sample_final"} <= set(row)
        assert all(0 <= v < 5 for v in row.values())
    assert [fold["left_out"] for fold in report["loo"]] == ["mali2012", "burundi2015"]
    for fold in report["loo"]:
        assert fold["left_out"] not in fold["trained_on"] and set(fold["in_sample"]) == set(fold["trained_on"])
        assert fold["out_of_sample"] == report["table"][fold["left_out"]]["out_of_sample"]
    final = report["final"]
    assert set(final["in_sample"]) == {"mali2012", "burundi2015"}
    assert {p.key for p in calibrate.PARAMETERS} <= set(final["setting"])
    for p in calibrate.PARAMETERS:
        assert p.low <= final["setting"][p.key] <= p.high
    assert "written" not in report and report["overrides"][-2:] == ["sim.days=20", "sim.threads=1"]
    assert "in-sample" in proc.stderr and "out-of-sample" in proc.stderr


def test_written_config_matches_the_schema(quick):
    """The YAML the full command would write is a valid rules config carrying the fitted values."""
    proc, _ = quick
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    text = calibrate.calibrated_yaml(report, report["command"])
    assert text.startswith("# ") and "crisisflow-calibrate --quick" in text and "out-of-sample" in text
    body = OmegaConf.create(text)
    assert body.name == "crisisflow" and list(body.defaults) == ["rules_schema", "_self_"]
    assert body.pull_site.idp == report["final"]["setting"]["rules.pull_site.idp"]
    values = OmegaConf.masked_copy(body, [k for k in body if k != "defaults"])
    rules = OmegaConf.merge(OmegaConf.structured(RulesConfig), values)  # checked against the schema
    assert rules.name == "crisisflow" and rules.day0_in_sites is True
    assert rules.awareness_hops == report["final"]["setting"]["rules.awareness_hops"]


def test_site_data_options_are_off_by_default_and_follow_the_sites_when_on():
    """day0_in_sites / displaced_from_sites: neutral by default; when on, the sites' own series drive the inflow."""
    from crisisflow.experiments.run import build_model
    from crisisflow.model.scenario import daily_increase

    def model(*extra):
        cfg = calibrate.compose(calibrate.overrides_for(TWO[0], ["rules=crisisflow", "sim.days=5", *extra]))
        return build_model(cfg)

    plain = model()
    assert plain.rules.day0_stock() is None and plain.observed_new is plain.scenario.observed_new
    on = model("rules.day0_in_sites=true", "rules.displaced_from_sites=true")
    camps = on.scenario.flee.camps
    assert on.rules.day0_stock().sum() == sum(int(s[0]) for s in camps.values())
    assert on.observed_new == pytest.approx(daily_increase(sum(s[:5] for s in camps.values())))
