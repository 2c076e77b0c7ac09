"""Sweep jobs: skip a job that finished before (resume), and turn a failure into error.txt while the others go on."""
from __future__ import annotations

import json
import logging
import traceback
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from . import output

log = logging.getLogger(__name__)
ERROR_FILE = "error.txt"


class JobFailed(RuntimeError):
    """A failed sweep job. A plain message, so every launcher (joblib, Ray, submitit) can send it back."""


def finished_before(out_dir: Path, cfg: DictConfig) -> bool:
    """out_dir already holds results.parquet and metadata.json written by a run of this same config."""
    meta_file = out_dir / output.METADATA_FILE
    if not ((out_dir / output.RESULTS_FILE).is_file() and meta_file.is_file()):
        return False
    try:
        done = json.loads(meta_file.read_text()).get("config")
    except (OSError, ValueError, AttributeError):
        return False
    config = OmegaConf.to_container(cfg, resolve=True, enum_to_str=True)
    return done == json.loads(json.dumps(config, default=str))


def job_failed(out_dir: Path, err: Exception, trace: bool = False) -> JobFailed:
    """Write error.txt (message and overrides; the traceback of an unexpected error) into the job's folder,
    log it, and return the error to raise."""
    overrides = " ".join(HydraConfig.get().overrides.task)
    message = f"{type(err).__name__}: {err}"
    out_dir.mkdir(parents=True, exist_ok=True)
    details = traceback.format_exc() if trace else ""
    (out_dir / ERROR_FILE).write_text(f"{message}\noverrides: {overrides}\n{details}")
    log.error("job failed: %s\n  overrides: %s\n  folder: %s", message, overrides, out_dir)
    return JobFailed(f"{message} (overrides: {overrides}; folder: {out_dir})")
