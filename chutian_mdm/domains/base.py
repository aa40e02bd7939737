"""What a domain module can do during ingest, shared by all domains."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Columns = dict[str, list[Any]]
Report = Callable[[int, str, str, str], None]  # (row index, field, rule code, message)

# Extra staging columns a domain computes itself: name -> SQL type.
NO_EXTRA_COLUMNS: dict[str, str] = {}


def no_cross_checks(columns: Columns, report: Report) -> None:
    """Default: the domain has no checks spanning several fields."""
