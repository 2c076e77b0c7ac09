"""`crisisflow-collect`: gather every run of a sweep into one tidy Parquet table.

    crisisflow-collect results/multirun/default/2025-01-01_12-00-00
    crisisflow-collect SWEEP_DIR --out all_runs.parquet

A job is any folder under SWEEP_DIR with Hydra's `.hydra/overrides.yaml` or a
`results.parquet` (so a folder holding several sweeps collects them all). Each
finished job contributes its `results.parquet`; the table has one row per run,
day, indicator and key:

    run, seed, <swept keys...>, day, date, indicator, key, value

`run` is the job folder relative to SWEEP_DIR, `seed` comes from the job's
metadata.json, and every override key whose value differs between finished
jobs (`sim.seed` aside) becomes a column with its value parsed (numbers as
numbers, `policy=none` as the text `none`). The swept keys are also stored in
the file's schema metadata (`crisisflow.swept`, JSON).

A job without `results.parquet` failed: it is logged on stderr with its
overrides and the error found in its folder (`error.txt`, else the last error
lines of its Hydra log `*.log`), and listed in `failures.json` beside the table.
The table is written to SWEEP_DIR/collected.parquet by default, staged and
moved into place only when complete; the last line printed is its path.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml
from tqdm import tqdm

from .output import METADATA_FILE, RESULTS_FILE

COLLECTED_FILE = "collected.parquet"
FAILURES_FILE = "failures.json"
SEED_KEY = "sim.seed"
BASE_COLUMNS = ["day", "date", "indicator", "key", "value"]
#: Hydra's own keys never become columns
_IGNORED_PREFIXES = ("hydra.", "hydra/")


@dataclass
class Job:
    folder: Path
    run: str  # folder relative to the sweep
    overrides: list[str] = field(default_factory=list)
    values: dict[str, object] = field(default_factory=dict)  # parsed overrides, key -> value
    seed: int | None = None
    error: str | None = None

    @property
    def finished(self) -> bool:
        return (self.folder / RESULTS_FILE).is_file()


def parse_value(text: str) -> object:
    """An override's value as YAML reads it (1 -> int, 0.3 -> float, none -> 'none', [a,b] -> 'a,b')."""
    if text.lower() in ("none", "null", "~"):  # a config-group choice such as policy=none stays text
        return text
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    if isinstance(value, bool) or isinstance(value, (int, float, str)):
        return value
    return text  # lists, dicts, dates: keep the text as written


def parse_overrides(lines: list[str]) -> dict[str, object]:
    """`key=value` overrides -> {key: value}; `+key=` and `++key=` count as `key`, deletions (`~key`) are left out."""
    out: dict[str, object] = {}
    for line in lines:
        line = str(line).strip()
        if not line or line.startswith("~") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        key = key.lstrip("+").strip()
        if key.startswith(_IGNORED_PREFIXES) or key == "hydra":
            continue
        out[key] = parse_value(value.strip())
    return out


def _read_error(folder: Path) -> str:
    """The error a failed job left: error.txt, else the error lines of its Hydra log, else a note."""
    err = folder / "error.txt"
    if err.is_file():
        text = err.read_text(errors="replace").strip()
        if text:
            return text
    for log in sorted(folder.glob("*.log")):
        lines = [ln.rstrip() for ln in log.read_text(errors="replace").splitlines() if ln.strip()]
        if not lines:
            continue
        hits = [k for k, ln in enumerate(lines) if "Error" in ln or "error" in ln or "Traceback" in ln]
        if hits:
            return "\n".join(lines[hits[0]:][-20:])
        return "\n".join(lines[-5:])
    return f"no {RESULTS_FILE} and no error recorded (error.txt or *.log)"


def find_jobs(sweep: Path) -> list[Job]:
    """Every job folder under `sweep` (including `sweep` itself for a single run), sorted by path."""
    folders = {p.parent.parent for p in sweep.rglob("overrides.yaml") if p.parent.name == ".hydra"}
    folders |= {p.parent for p in sweep.rglob(RESULTS_FILE)}
    # hidden folders (.hydra, .partial-* staging) are never jobs
    folders = {f for f in folders if not any(part.startswith(".") for part in f.relative_to(sweep).parts)}
    jobs = []
    for folder in sorted(folders, key=_natural_key(sweep)):
        run = folder.relative_to(sweep).as_posix()
        job = Job(folder=folder, run="." if run == "" else run)
        ov = folder / ".hydra" / "overrides.yaml"
        if ov.is_file():
            job.overrides = [str(x) for x in (yaml.safe_load(ov.read_text()) or [])]
        job.values = parse_overrides(job.overrides)
        meta = folder / METADATA_FILE
        if meta.is_file():
            try:
                job.seed = int(json.loads(meta.read_text())["seed"])
            except (ValueError, KeyError, TypeError):
                job.seed = None
        if job.seed is None and isinstance(job.values.get(SEED_KEY), int):
            job.seed = int(job.values[SEED_KEY])
        if not job.finished:
            job.error = _read_error(folder)
        jobs.append(job)
    return jobs


def _natural_key(sweep: Path):
    """Sort 2 before 10 in job numbers."""
    def key(folder: Path):
        return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in folder.relative_to(sweep).parts]
    return key


def swept_keys(jobs: list[Job]) -> list[str]:
    """Override keys (sim.seed aside) whose value differs between finished jobs, in order of first appearance."""
    done = [j for j in jobs if j.finished]
    keys: list[str] = []
    for j in done:
        keys += [k for k in j.values if k not in keys and k != SEED_KEY]
    return [k for k in keys if len({repr(j.values.get(k)) for j in done}) > 1]


def _column_type(values: list[object]) -> pa.DataType:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return pa.int64()
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return pa.float64()
    if present and all(isinstance(v, bool) for v in present):
        return pa.bool_()
    return pa.string()


def _constant(value: object, n: int, dtype: pa.DataType) -> pa.Array:
    """A column of n copies of one value (dictionary-encoded for text, so large sweeps stay small)."""
    if pa.types.is_string(dtype):
        text = None if value is None else str(value)
        return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, dtype=np.int32)), pa.array([text], pa.string()))
    return pa.array([value] * n, type=dtype) if value is None else pa.array(np.full(n, value), type=dtype)


def _job_table(job: Job, keys: list[str], types: dict[str, pa.DataType]) -> pa.Table:
    t = pq.read_table(job.folder / RESULTS_FILE)
    t = t.select(BASE_COLUMNS)
    n = t.num_rows
    cols = {"run": _constant(job.run, n, pa.string()), "seed": _constant(job.seed, n, pa.int64())}
    for k in keys:
        v = job.values.get(k)
        if v is not None and pa.types.is_floating(types[k]):
            v = float(v)
        cols[k] = _constant(v, n, types[k])
    for name in BASE_COLUMNS:
        col = t.column(name)
        if name in ("indicator", "key") and not pa.types.is_dictionary(col.type):
            col = col.dictionary_encode()
        if name in ("indicator", "key"):
            col = col.cast(pa.dictionary(pa.int32(), pa.string()))
        cols[name] = col
    return pa.table(cols)


def collect_table(jobs: list[Job], progress: bool = True) -> tuple[pa.Table, list[str]]:
    """One tidy table of every finished job, and the swept keys."""
    keys = swept_keys(jobs)
    done = [j for j in jobs if j.finished]
    types = {k: _column_type([j.values.get(k) for j in done]) for k in keys}
    tables = []
    for job in tqdm(done, desc="collect", unit="run", file=sys.stderr, disable=not progress or not done):
        try:
            tables.append(_job_table(job, keys, types))
        except (OSError, pa.ArrowException, KeyError) as err:  # an unreadable table counts as a failure
            job.error = f"{RESULTS_FILE} could not be read: {err}"
    if tables:
        table = pa.concat_tables(tables)
    else:
        schema = pa.schema([("run", pa.string()), ("seed", pa.int64()), *[(k, types[k]) for k in keys],
                            ("day", pa.int32()), ("date", pa.date32()), ("indicator", pa.string()),
                            ("key", pa.string()), ("value", pa.float64())])
        table = schema.empty_table()
    meta = {b"crisisflow.swept": json.dumps(keys).encode()}
    return table.replace_schema_metadata(meta), keys


def failures(jobs: list[Job]) -> list[dict]:
    return [{"run": j.run, "folder": str(j.folder), "overrides": j.overrides, "error": j.error}
            for j in jobs if j.error is not None]


def _staged_write(path: Path, writer) -> None:
    """Write to a hidden file beside `path`, then move it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".partial-{path.name}-", dir=path.parent)
    os.close(fd)
    try:
        writer(Path(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def collect(sweep: Path, out: Path | None = None, progress: bool = True, log=None) -> tuple[Path, list[dict]]:
    """Collect `sweep` into `out` (default SWEEP_DIR/collected.parquet) and failures.json beside it."""
    log = log or sys.stderr
    sweep = Path(sweep).resolve()
    if not sweep.is_dir():
        raise FileNotFoundError(f"{sweep}: not a folder")
    jobs = find_jobs(sweep)
    if not jobs:
        raise FileNotFoundError(f"{sweep}: no job folders (.hydra/overrides.yaml or {RESULTS_FILE}) found")
    table, _ = collect_table(jobs, progress)
    out = Path(out).resolve() if out is not None else sweep / COLLECTED_FILE
    _staged_write(out, lambda p: pq.write_table(table, p))
    failed = failures(jobs)
    _staged_write(out.parent / FAILURES_FILE, lambda p: p.write_text(json.dumps(failed, indent=2)))
    for f in failed:
        first = f["error"].strip().splitlines()[0] if f["error"].strip() else ""
        print(f"crisisflow-collect: failed run {f['run']} ({' '.join(f['overrides']) or 'no overrides'}): {first}",
              file=log)
    finished = sum(j.finished and j.error is None for j in jobs)
    print(f"crisisflow-collect: {finished} run(s) collected, {len(failed)} failed ({out.parent / FAILURES_FILE})",
          file=log)
    return out, failed


def read_collected(path: Path):
    """A collected table as a pandas DataFrame (indicator and key as text), and the swept keys."""
    table = pq.read_table(path)
    meta = table.schema.metadata or {}
    keys = json.loads(meta.get(b"crisisflow.swept", b"[]"))
    df = table.to_pandas()
    for c in ("run", "indicator", "key", *[k for k in keys if k in df.columns]):
        if c in df.columns and isinstance(df[c].dtype, pd.CategoricalDtype):
            df[c] = df[c].astype(object)
    return df, keys


def load(source: Path, progress: bool = True):
    """A sweep folder (collected now) or a collected .parquet -> (DataFrame, swept keys, folder for outputs)."""
    source = Path(source)
    if source.is_file():
        df, keys = read_collected(source)
        return df, keys, source.resolve().parent
    path, _ = collect(source, progress=progress)
    df, keys = read_collected(path)
    return df, keys, path.parent


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="crisisflow-collect", description=__doc__.split("\n")[0])
    parser.add_argument("sweep", type=Path, help="a sweep folder (results/multirun/<scenario>/<time>/)")
    parser.add_argument("--out", type=Path, default=None, help=f"the table (default SWEEP_DIR/{COLLECTED_FILE})")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    try:
        path, _ = collect(args.sweep, args.out, progress=not args.no_progress)
    except FileNotFoundError as err:
        print(f"crisisflow-collect: {err}", file=sys.stderr)
        raise SystemExit(2) from None
    print(path)
    if pq.read_metadata(path).num_rows == 0:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
