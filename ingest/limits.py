"""Resource bounds on what a reader takes in: the size of a file and the records of a source.

The bounds come from ``[limits]`` in kg.toml (``kg.config.Limits``); ``kg.build`` applies the
configured ones while it reads sources, other callers get the defaults. Every reader checks a
file's size before reading it and counts records as it goes, so a hostile or runaway input stops
with a :class:`~kg.errors.LimitError` naming the bound and how to raise it, not with memory
exhausted.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kg.errors import LimitError

_MB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """The bounds in force: the largest file a reader opens, the most records one source gives."""

    max_file_mb: float = 2048
    max_records: int = 5_000_000


DEFAULT_LIMITS = Limits()
_current: contextvars.ContextVar[Limits] = contextvars.ContextVar("kg_limits", default=DEFAULT_LIMITS)


def current_limits() -> Limits:
    """Return the bounds readers apply now."""
    return _current.get()


@contextlib.contextmanager
def applied(limits: Limits | None) -> Iterator[Limits]:
    """Apply ``limits`` (None: the defaults) to every reader called inside the block."""
    token = _current.set(limits or DEFAULT_LIMITS)
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def check_file_size(path: os.PathLike | str, name: str | None = None) -> int:
    """Raise :class:`LimitError` if the file at ``path`` is larger than ``max_file_mb``; return its size."""
    try:
        size = Path(path).stat().st_size
    except OSError:
        return 0  # the reader reports an unreadable file itself
    limit = current_limits().max_file_mb
    if size > limit * _MB:
        raise LimitError(f"{name or path}: the file is {size / _MB:,.1f} MB, larger than the limit "
                         f"max_file_mb = {limit:g}; raise [limits] max_file_mb in kg.toml or split the file")
    return size


class RecordCounter:
    """Count the records of one source; raise :class:`LimitError` past ``max_records``."""

    def __init__(self, name: str):
        self.name = name
        self.limit = current_limits().max_records
        self.count = 0

    def add(self, n: int = 1, where: str | None = None) -> None:
        """Count ``n`` more records (``where``: the position of the last one, for the message)."""
        self.count += n
        if self.count > self.limit:
            raise LimitError(f"{where or self.name}: the source has more than max_records = "
                             f"{self.limit:,} records; raise [limits] max_records in kg.toml or split it")


class CountedRows:
    """The non-blank rows of a ``csv.reader`` with the line each starts on, counted against ``max_records``.

    ``line`` is the line of the row being read, also while the reader raises (for the error's location).
    """

    def __init__(self, reader, name: str, line: int = 1):
        self.reader, self.name, self.line = reader, name, line
        self.counter = RecordCounter(name)

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        while True:
            self.line = self.reader.line_num + 1  # where the next row starts (a quoted cell may span lines)
            try:
                cells = next(self.reader)
            except StopIteration:
                return
            if any(c.strip() for c in cells):
                self.counter.add(where=f"{self.name}:{self.line}")
                yield self.line, cells
