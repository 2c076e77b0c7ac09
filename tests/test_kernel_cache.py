"""Numba's cache is kept per state of the model's sources, so that no kernel is loaded with a callee's old code."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from crisisflow.model import kernel_cache

MODULE_A = """
from numba import njit

@njit(cache=True)
def step(x):
    return x + {increment}
"""
MODULE_B = """
from numba import int64, njit

from cachepkg.a import step

@njit(int64(int64), cache=True)
def ten_steps(x):
    return step(x) * 10
"""
RUN = """
import sys
from pathlib import Path
sys.path.insert(0, {root!r})
from crisisflow.model.kernel_cache import use_kernel_cache
use_kernel_cache(Path({root!r}) / "cachepkg")
from cachepkg.b import ten_steps
print(ten_steps(1))
"""


def write_package(root: Path, increment: int) -> None:
    package = root / "cachepkg"
    package.mkdir(exist_ok=True)
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text(MODULE_A.format(increment=increment))
    (package / "b.py").write_text(MODULE_B)


def run_in_new_process(root: Path) -> int:
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    out = subprocess.run([sys.executable, "-c", RUN.format(root=str(root))], capture_output=True, text=True,
                         timeout=300, env=env, check=True)
    return int(out.stdout.strip().splitlines()[-1])


def test_a_kernel_whose_callee_changed_in_another_file_is_compiled_again(tmp_path):
    """Numba alone would load ten_steps from its cache, keyed on b.py, with a.py's old `step` compiled in (20)."""
    write_package(tmp_path, increment=1)
    assert run_in_new_process(tmp_path) == 20
    assert run_in_new_process(tmp_path) == 20  # loaded from the cache
    write_package(tmp_path, increment=2)
    assert run_in_new_process(tmp_path) == 30


def test_the_digest_follows_every_source_by_path_and_content(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "sub" / "b.py").write_text("y = 2\n")
    (tmp_path / "notes.txt").write_text("not a source")
    first = kernel_cache.sources_digest(tmp_path)
    assert kernel_cache.sources_digest(tmp_path) == first
    (tmp_path / "notes.txt").write_text("changed, still not a source")
    assert kernel_cache.sources_digest(tmp_path) == first
    (tmp_path / "sub" / "b.py").write_text("y = 3\n")
    second = kernel_cache.sources_digest(tmp_path)
    assert second != first
    (tmp_path / "sub" / "b.py").rename(tmp_path / "sub" / "c.py")
    assert kernel_cache.sources_digest(tmp_path) not in (first, second)


def test_the_cache_is_in_the_checkout_and_other_states_left_for_an_hour_go(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    cache = tmp_path / "__pycache__"
    old, recent, other = cache / "numba-old", cache / "numba-recent", cache / "not-numba"
    for folder in (old, recent, other):
        folder.mkdir(parents=True)
    hours_ago = time.time() - 2 * kernel_cache.STALE_AFTER_S
    os.utime(old, (hours_ago, hours_ago))
    os.utime(other, (hours_ago, hours_ago))
    folder = kernel_cache.kernel_cache_dir(tmp_path)
    assert folder == cache / ("numba-" + kernel_cache.sources_digest(tmp_path)) and folder.is_dir()
    assert not old.exists() and recent.exists() and other.exists()


def test_the_cache_goes_to_the_users_cache_where_the_checkout_is_not_writable(tmp_path, monkeypatch):
    package = tmp_path / "package"
    package.mkdir()
    (package / "a.py").write_text("x = 1\n")
    (package / "__pycache__").write_text("a file where the folder would go")  # so the folder cannot be made
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    folder = kernel_cache.kernel_cache_dir(package)
    assert folder == tmp_path / "user-cache" / "crisisflow" / ("numba-" + kernel_cache.sources_digest(package))
    assert folder.is_dir()


def test_a_users_numba_cache_dir_wins(tmp_path, monkeypatch):
    from numba.core import config

    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "mine"))
    monkeypatch.setattr(config, "CACHE_DIR", str(tmp_path / "mine"))
    (tmp_path / "a.py").write_text("x = 1\n")
    assert kernel_cache.use_kernel_cache(tmp_path) is None
    assert config.CACHE_DIR == str(tmp_path / "mine")
    assert not (tmp_path / "__pycache__").exists()


@pytest.mark.parametrize("module", ["kernels", "admission", "ranking"])
def test_the_models_kernels_are_cached_in_the_folder_of_its_sources(module):
    probe = textwrap.dedent(f"""
        import numba, crisisflow.model.{module}
        print(numba.config.CACHE_DIR)
    """)
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=600, env=env,
                         check=True)
    folder = Path(out.stdout.strip().splitlines()[-1])
    package = Path(kernel_cache.__file__).resolve().parent
    assert folder.name == "numba-" + kernel_cache.sources_digest(package)
    assert any(path.name.startswith(f"{module}.") for path in folder.rglob("*.nbi"))
