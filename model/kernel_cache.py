"""Where Numba caches the compiled kernels: a folder named after a hash of the model's sources.

Numba keys a cached function on its own file alone (the file's hash, `numba.core.caching`): a kernel that compiles
in a function of another file (admission and hosting call `ranking.fit_contested`, every kernel draws through
`rng`) would be loaded with the other file's old code after that file changed, and a checkout updated in place (the
README's editable install) would give other numbers, or run other code, than a fresh install of the same commit.
With one cache folder per state of the model's sources, any change starts from an empty cache (a minute of
compiling, once), and the same sources always run the same code.

A `NUMBA_CACHE_DIR` set by the user wins. The folder is `model/__pycache__/numba-<hash>` where the checkout is
writable, else under the user's cache (`$XDG_CACHE_HOME` or `~/.cache`, then `crisisflow/`); in the checkout, the
folders of other states of the sources left untouched for an hour are removed (a process writes its cache as it
imports the kernels, in its first seconds, so an hour leaves any process still starting alone).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import time
from pathlib import Path

#: the folders of other source states in the checkout are removed once untouched for this long (seconds)
STALE_AFTER_S = 3600.0
PREFIX = "numba-"


def sources_digest(package: Path) -> str:
    """A hash of every Python source under `package`, by relative path and content."""
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _user_cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "crisisflow"


def _usable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        os.utime(folder)  # in use: not stale for the checkout's pruning
    except OSError:
        return False
    return os.access(folder, os.W_OK)


def _prune(root: Path, keep: Path) -> None:
    """Remove the folders of other source states under `root` that nobody touched for STALE_AFTER_S."""
    now = time.time()
    for folder in root.glob(PREFIX + "*"):
        try:
            if folder != keep and folder.is_dir() and now - folder.stat().st_mtime > STALE_AFTER_S:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue


def kernel_cache_dir(package: Path) -> Path | None:
    """The cache folder for the current sources of `package` (created), or None where none is writable."""
    name = PREFIX + sources_digest(package)
    in_tree = package / "__pycache__" / name
    if _usable(in_tree):
        _prune(in_tree.parent, keep=in_tree)
        return in_tree
    in_user_cache = _user_cache_root() / name
    return in_user_cache if _usable(in_user_cache) else None


def use_kernel_cache(package: Path) -> Path | None:
    """Point Numba's cache at `kernel_cache_dir(package)` for the kernels compiled from now on in this process,
    unless the user set NUMBA_CACHE_DIR; return the folder used (None: Numba's own choice)."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return None
    folder = kernel_cache_dir(package)
    if folder is not None:
        from numba.core import config  # read by each kernel's cache as the kernel is defined

        config.CACHE_DIR = str(folder)
    return folder
