"""crisisflow-brief: the briefing figures exist and are not empty, and the PDF is one A4 page."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from crisisflow.experiments import brief, collect

from command_helpers import call_main, run_module

PNG = b"\x89PNG\r\n\x1a\n"



def pdf_pages(path: Path) -> list[bytes]:
    """The page objects of a PDF (`/Type /Page`, not `/Pages`) and their sizes."""
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    return re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data), re.findall(rb"/MediaBox\s*\[([^\]]*)\]", data)


def test_brief_writes_every_figure_and_one_a4_page(sweep, tmp_path):
    out = tmp_path / "brief"
    proc = run_module("brief", [sweep, "--by", "policy", "--out", out, "--no-progress"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    pdf = Path(proc.stdout.strip().splitlines()[-1])
    assert pdf == out / "brief.pdf"
    pages, boxes = pdf_pages(pdf)
    assert len(pages) == 1
    w, h = [float(x) for x in boxes[0].split()[2:4]]
    assert abs(w - 595.3) < 1 and abs(h - 841.9) < 1  # A4 portrait, in points
    for name in brief.FIGURES:  # two swept keys besides the seed: every figure is drawn
        f = out / name
        assert f.is_file() and f.stat().st_size > 5_000, name
        assert f.read_bytes()[:8] == PNG
    assert not list(out.glob(".partial-*"))


def test_brief_of_a_one_key_sweep_skips_the_heatmap_with_a_note(sweep, tmp_path, capsys):
    collected = sweep / "collected.parquet"
    if not collected.exists():
        collect.collect(sweep, progress=False)
    table = pq.read_table(collected)
    one_key = table.filter(pc.equal(table.column("scenario.hosting_spare_share"), 0.1)).drop_columns(
        ["scenario.hosting_spare_share"])
    one_key = one_key.replace_schema_metadata({b"crisisflow.swept": json.dumps(["policy"]).encode()})
    subset = sweep / "one_key.parquet"  # beside the runs, whose metadata give the footer and the network
    pq.write_table(one_key, subset)
    out = tmp_path / "brief"
    code, stdout, stderr = call_main(brief.main, [subset, "--out", out, "--outcome", "stranded_person_days",
                                                  "--no-progress"], capsys)
    assert code == 0, stderr
    assert Path(stdout.strip().splitlines()[-1]) == out / "brief.pdf"
    assert len(pdf_pages(out / "brief.pdf")[0]) == 1
    assert "heatmap skipped" in stderr and not (out / "heatmap.png").exists()
    for name in ("displaced.png", "stranded.png", "flow_map.png", "capacity_gap.png", "tornado.png"):
        assert (out / name).stat().st_size > 5_000, name


def test_unknown_outcome_is_refused(sweep, tmp_path, capsys):
    with pytest.raises(SystemExit):
        brief.main([str(sweep), "--outcome", "nope", "--out", str(tmp_path)])
    assert "nope" in capsys.readouterr().err
