"""Mesa's `Agent`, `AgentSet` and `Model`, imported without the rest of Mesa's package, for the app's start-up.

Mesa 3.3's package `__init__` imports its experimental spaces (SciPy's spatial module), its data collector (pandas)
and its batch runner. crisisflow uses none of them. With them left out, and pandas no longer imported by pyarrow
either (experiments.output), `import crisisflow.experiments.run` took 3.06 s against 3.43 s, and the default run
9.23 s against 10.3 s (medians of eight and six fresh processes taking turns, 2-vCPU Xeon @ 2.00GHz, 2026-12-01).

So, unless Mesa is imported already, `mesa` goes into `sys.modules` as its package with `__init__` not yet run;
the package runs it, in place, on the first attribute it lacks. `import mesa` then works as before:
`mesa.DataCollector`, `from mesa import batch_run` and `mesa.__version__` load the rest once, and `mesa.Agent` is
the class imported here.
"""
from __future__ import annotations

import importlib.util
import sys
import types


class _PackageInitOnFirstUse(types.ModuleType):
    """A package whose `__init__` runs the first time an attribute it lacks is read.

    Unlike `importlib.util.LazyLoader`, which runs the module on any attribute read, reading what the import system
    and Mesa's module logger read (`__spec__`, `__path__`, `__file__`) or a submodule already imported runs nothing.
    """

    def __getattr__(self, name: str) -> object:
        spec = self.__spec__
        if getattr(spec, "crisisflow_init_started", False):  # running now, or ran: the attribute does not exist
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        spec.crisisflow_init_started = True
        try:
            spec.loader.exec_module(self)
        except BaseException:
            spec.crisisflow_init_started = False  # the next read tries again, and shows the same error
            raise
        return getattr(self, name)


def _defer_package_init(name: str) -> None:
    """Put package `name` into `sys.modules` with its `__init__` deferred to first use (see the module docstring)."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.submodule_search_locations is None:
        raise ImportError(f"{name} is not an installed package")
    package = _PackageInitOnFirstUse(name)
    package.__spec__ = spec
    package.__loader__ = spec.loader
    package.__file__ = spec.origin
    package.__path__ = list(spec.submodule_search_locations)
    package.__package__ = name
    sys.modules[name] = package


if "mesa" not in sys.modules:
    _defer_package_init("mesa")

from mesa.agent import Agent, AgentSet  # noqa: E402
from mesa.model import Model  # noqa: E402

__all__ = ["Agent", "AgentSet", "Model"]
