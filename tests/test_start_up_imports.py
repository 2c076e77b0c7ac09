"""The app's start-up leaves out what it never uses (Mesa's other subpackages, pandas, pyarrow's compute functions),
and nothing is lost by it: `import mesa` keeps its whole API, and the results table is the one `pa.array` would
build."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pyarrow as pa
import pytest

from crisisflow.experiments.output import _fixed_width, tidy_table


def _python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_the_app_imports_and_writes_results_without_pandas_or_scipy_spatial_and_mesa_keeps_its_api(tmp_path):
    out = _python(f"""
        import sys
        from importlib import metadata
        from pathlib import Path
        import numpy as np
        import crisisflow.experiments.run
        from crisisflow.experiments import output
        from crisisflow.model import mesa_core

        series = [("displaced", "total", np.arange(4.0)), ("idp", "Tripoli", np.ones(4))]
        dates = np.arange("2011-02-15", "2011-02-19", dtype="datetime64[D]")
        output.write_results(Path({str(tmp_path)!r}), output.tidy_table(series, dates), {{}}, None)
        loaded = [name for name in ("pandas", "scipy.spatial", "mesa.datacollection", "mesa.experimental",
                                    "pyarrow.compute") if name in sys.modules]
        print("loaded before use:", loaded)

        import mesa
        assert mesa.__version__ == metadata.version("mesa"), mesa.__version__
        assert mesa.Agent is mesa_core.Agent and mesa.Model is mesa_core.Model
        assert mesa.agent.AgentSet is mesa_core.AgentSet
        from mesa import DataCollector, batch_run
        from mesa.experimental.devs import ABMSimulator
        assert not hasattr(mesa, "no_such_name")
        print("mesa's API: whole")
    """)
    assert "loaded before use: []" in out
    assert "mesa's API: whole" in out
    assert (tmp_path / "results.parquet").exists()


def test_mesa_imported_before_crisisflow_stays_as_it_was():
    out = _python("""
        import sys
        import types
        import mesa
        from crisisflow.model import mesa_core
        assert sys.modules["mesa"] is mesa and type(sys.modules["mesa"]) is types.ModuleType, type(sys.modules["mesa"])
        assert mesa.Agent is mesa_core.Agent and mesa.Model is mesa_core.Model
        print("plain mesa")
    """)
    assert "plain mesa" in out


def test_the_results_table_is_the_one_pa_array_builds():
    dates = np.arange("2011-02-15", "2011-02-18", dtype="datetime64[D]")
    series = [("displaced", "total", np.array([1.0, 2.5, 3.0])), ("idp", "Benghazi", np.zeros(3)),
              ("idp", "Zuwārah", np.array([4.0, np.nan, 6.0]))]
    table = tidy_table(series, dates)
    table.validate(full=True)
    n = len(dates)
    by_hand = pa.table({
        "day": pa.array([0, 1, 2] * 3, type=pa.int32()),
        "date": pa.array(np.tile(dates, 3)),
        "indicator": pa.array(["displaced"] * n + ["idp"] * 2 * n).dictionary_encode(),
        "key": pa.array(["total"] * n + ["Benghazi"] * n + ["Zuwārah"] * n).dictionary_encode(),
        "value": pa.array([1.0, 2.5, 3.0, 0.0, 0.0, 0.0, 4.0, np.nan, 6.0]),
    })
    assert table.schema == by_hand.schema
    for name in ("day", "date", "indicator", "key"):  # the words decoded: dictionaries may order them differently
        assert table[name].to_pylist() == by_hand[name].to_pylist(), name
    assert np.array_equal(table["value"].to_numpy(), by_hand["value"].to_numpy(), equal_nan=True)

    empty = tidy_table([], dates)
    empty.validate(full=True)
    assert empty.num_rows == 0 and empty.schema == by_hand.schema


def test_a_column_of_the_wrong_width_is_refused_not_misread():
    """Columns are read from their buffers as they lie: int64 days read as int32 would be wrong numbers."""
    assert _fixed_width(np.arange(3, dtype=np.int32), pa.int32()).to_pylist() == [0, 1, 2]
    with pytest.raises(TypeError, match="int32 column needs int32 values, not int64"):
        _fixed_width(np.arange(3, dtype=np.int64), pa.int32())
    with pytest.raises(TypeError, match="date32"):
        _fixed_width(np.zeros(3), pa.date32())


def test_a_deferred_package_whose_init_fails_fails_again_on_the_next_read(tmp_path, monkeypatch):
    """A failed `__init__` is not taken for a finished one (which would turn its error into a missing attribute)."""
    from crisisflow.model import mesa_core

    (tmp_path / "flaky_init").mkdir()
    (tmp_path / "flaky_init" / "__init__.py").write_text(
        "import os\nif not os.environ.get('FLAKY_INIT_OK'):\n    raise RuntimeError('init failed')\nvalue = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "flaky_init", raising=False)
    monkeypatch.delenv("FLAKY_INIT_OK", raising=False)
    mesa_core._defer_package_init("flaky_init")
    package = sys.modules["flaky_init"]
    for _ in range(2):
        with pytest.raises(RuntimeError, match="init failed"):
            package.value
    monkeypatch.setenv("FLAKY_INIT_OK", "1")
    assert package.value == 1
    assert not hasattr(package, "no_such_name")
    monkeypatch.delitem(sys.modules, "flaky_init")
