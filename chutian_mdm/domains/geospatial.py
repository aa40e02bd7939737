"""自然资源和空间地理 — places and addresses: no cross-field checks at ingest yet."""

from __future__ import annotations

from .base import NO_EXTRA_COLUMNS, no_cross_checks

EXTRA_COLUMNS = NO_EXTRA_COLUMNS
cross_checks = no_cross_checks
