"""The plotting module draws on figures of its own (matplotlib's object API), not through pyplot's global state."""
from __future__ import annotations

import subprocess
import sys


def test_importing_and_drawing_leaves_the_users_matplotlib_as_it_was(tmp_path) -> None:
    """A notebook user who imports crisisflow's plotting keeps the backend they chose (the module used to switch
    every importer to Agg), and a figure it draws is not left open in pyplot's list of figures."""
    code = f"""
import matplotlib
matplotlib.use("svg")
import matplotlib.pyplot as plt
import numpy as np
from crisisflow.experiments import plotting

dates = np.arange("2011-01-01", "2011-02-01", dtype="datetime64[D]")
plotting.camp_figure(dates, np.ones((2, len(dates))), np.ones(len(dates)), "a camp", {str(tmp_path / "camp.png")!r})
print(matplotlib.get_backend(), len(plt.get_fignums()))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["svg", "0"]
    assert (tmp_path / "camp.png").stat().st_size > 0
