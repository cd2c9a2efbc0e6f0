"""Apps above this one that keep something in step with a case register here (reporting keeps its facts).

The case services call `case_written` inside the transaction of every write that changes a case's
status, dates or outcome, so an observer's rows commit or roll back with the case.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_observers: list[Callable[[Any], None]] = []


def register_case_observer(callback: Callable[[Any], None]) -> None:
    """Call `callback(case)` after each case write (idempotent registration)."""
    if callback not in _observers:
        _observers.append(callback)


def case_written(dsr: Any) -> None:
    for callback in _observers:
        callback(dsr)
