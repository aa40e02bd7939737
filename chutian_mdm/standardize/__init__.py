"""Pure standardisers: a raw value in, a standardised value plus derived values and issues out.

No I/O here. Every function takes the raw text of one cell (already known to be non-empty) and
returns a :class:`Standardized`; none of them raises on any input. Ingest applies them column by
column over the distinct values of a column, so they must be fast and deterministic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Issue:
    """A data-quality finding. ``code`` is declared in ``schemas/rules.yaml`` (which gives its
    severity); ``message`` says specifically what is wrong with this value."""

    code: str
    message: str


@dataclass(slots=True)  # not frozen: created once per distinct value, a hot path
class Standardized:
    """Result of standardising one value.

    ``value`` is the canonical value, or None when there is no usable value. ``derived`` maps a
    column suffix to a derived value: for the field ``citizen_id``, ``{"birth_date": ...}``
    becomes the staging column ``citizen_id_birth_date``.
    """

    value: Any
    derived: Mapping[str, Any] = field(default_factory=dict)
    issues: tuple[Issue, ...] = ()
