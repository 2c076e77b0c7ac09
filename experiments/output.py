"""Write a run's results: the tidy Parquet table, metadata.json and the figure, all or nothing.

Files are written into a hidden staging folder and moved into place only when
all of them are complete, so a failed run leaves no partial results and never
overwrites earlier ones.
"""
from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..model.indicators import Series

RESULTS_FILE = "results.parquet"
METADATA_FILE = "metadata.json"
FIGURE_FILE = "figure.png"
_PACKAGES = ("crisisflow", "mesa", "numpy", "numba", "scipy", "matplotlib", "hydra-core", "omegaconf", "pyarrow")


def tidy_table(series: list[Series], dates: np.ndarray) -> pa.Table:
    """Long table: one row per (day, indicator, key); names are dictionary-encoded from integer codes, so a
    national run's millions of rows never become millions of Python strings."""
    n, k = len(dates), len(series)
    values = np.concatenate([s[2] for s in series]) if k else np.zeros(0)

    def encoded(names: list[str]) -> pa.DictionaryArray:
        vocabulary, codes = np.unique(np.asarray(names, dtype=object).astype(str), return_inverse=True)
        return pa.DictionaryArray.from_arrays(_fixed_width(np.repeat(codes.astype(np.int32), n), pa.int32()),
                                              _utf8(vocabulary.tolist()))

    return pa.table({
        "day": _fixed_width(np.tile(np.arange(n, dtype=np.int32), k), pa.int32()),
        "date": _fixed_width(np.tile(dates.astype("datetime64[D]").astype(np.int32), k), pa.date32()),
        "indicator": encoded([s[0] for s in series]),
        "key": encoded([s[1] for s in series]),
        "value": _fixed_width(np.asarray(values, dtype=np.float64), pa.float64()),
    })


#: the NumPy dtype whose buffer each Arrow type of the table reads as it lies
_NUMPY_TWIN = {pa.int32(): np.int32, pa.date32(): np.int32, pa.float64(): np.float64}


# The columns are built from their buffers, not with `pa.array`: pyarrow asks pandas whether a NumPy array or a list
# of strings is a pandas object, and the question imports pandas (0.5 s of the default run, which otherwise never
# loads it; see model.mesa_core).
def _fixed_width(values: np.ndarray, arrow_type: pa.DataType) -> pa.Array:
    """An Arrow array of `arrow_type` over `values`, whose dtype must be its NumPy twin (int32 for date32): the
    buffer is read as it lies, so any other dtype would give wrong numbers, not an error."""
    twin = _NUMPY_TWIN[arrow_type]
    if values.dtype != twin:
        raise TypeError(f"a {arrow_type} column needs {np.dtype(twin)} values, not {values.dtype}")
    values = np.ascontiguousarray(values)
    return pa.Array.from_buffers(arrow_type, len(values), [None, pa.py_buffer(values)])


def _utf8(strings: list[str]) -> pa.Array:
    """An Arrow string array: UTF-8 bytes end to end, with offsets where each string starts."""
    encoded = [s.encode("utf-8") for s in strings]
    offsets = np.concatenate(([0], np.cumsum([len(b) for b in encoded], dtype=np.int64))).astype(np.int32)
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))]
    return pa.Array.from_buffers(pa.string(), len(encoded), buffers)


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def git_commit() -> str | None:
    """The commit of the crisisflow checkout that ran (with '-dirty' if it had local changes), or None."""
    repo = Path(__file__).resolve().parents[1]
    try:
        sha = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10)
        if sha.returncode != 0:
            return None
        dirty = subprocess.run(["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return sha.stdout.strip() + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


def write_staged(out_dir: Path, writers: dict[str, Callable[[Path], object]]) -> list[Path]:
    """Call every `writers[name](path)` on a path in a hidden staging folder, then move all the files into
    `out_dir`. Returns the final paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".partial-", dir=out_dir))
    try:
        for name, write in writers.items():
            write(staging / name)
        final = []
        for f in sorted(staging.iterdir()):
            os.replace(f, out_dir / f.name)
            final.append(out_dir / f.name)
        return final
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def write_results(out_dir: Path, table: pa.Table, meta: dict, figure_writer=None) -> list[Path]:
    """Stage results.parquet, metadata.json and the figure, then move them all into `out_dir`."""
    writers = {RESULTS_FILE: lambda path: pq.write_table(table, path),
               METADATA_FILE: lambda path: path.write_text(json.dumps(meta, indent=2, default=str))}
    if figure_writer is not None:
        writers[FIGURE_FILE] = figure_writer
    return write_staged(out_dir, writers)
