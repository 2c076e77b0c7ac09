"""One error type for bad input, so the command line can print it without a traceback."""
from __future__ import annotations

from pathlib import Path


class InputError(ValueError):
    """Bad input: names the file, the row or key, and what was expected."""

    def __init__(self, source: str | Path, message: str, row: int | None = None, key: str | None = None):
        self.source = str(source)
        self.row = row
        self.key = key
        where = self.source
        if row is not None:
            where += f", row {row}"
        if key is not None:
            where += f", key '{key}'"
        super().__init__(f"{where}: {message}")
