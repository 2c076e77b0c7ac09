"""model/__init__.py: the process settings crisisflow chooses, and that a user's own setting wins."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

# NumPy is imported first, as a user's script would: it has read NUMPY_MADVISE_HUGEPAGE before crisisflow sets it
PROBE = """
import os
import numpy
import crisisflow.model
print(crisisflow.model._numpy_huge_pages(True), os.environ["OMP_WAIT_POLICY"])  # the setting it found
"""


def _probe(**env: str) -> list[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("NUMPY_MADVISE_HUGEPAGE", "OMP_WAIT_POLICY")}
    out = subprocess.run([sys.executable, "-c", PROBE], env={**clean, **env}, capture_output=True, text=True,
                         check=True)
    return out.stdout.split()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="NumPy asks for huge pages on Linux only")
def test_numpy_huge_pages_off_and_idle_threads_asleep_by_default():
    assert _probe() == ["False", "PASSIVE"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="NumPy asks for huge pages on Linux only")
def test_a_users_settings_win():
    assert _probe(NUMPY_MADVISE_HUGEPAGE="1", OMP_WAIT_POLICY="ACTIVE") == ["True", "ACTIVE"]
