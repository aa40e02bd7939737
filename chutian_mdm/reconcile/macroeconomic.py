"""One value per (indicator, division code, period) from the staged macro-economic records.

The records of a group are ranked by

1. source authority: the trust rank of ``value`` in the source's profile for the domain
   (``schemas/sources/<source>.yaml``: 统计 1, 税务 2 — lower is more trusted);
2. revision: the latest ``release_date``, then the latest ``updated_at``;
3. a stable tie-break: source, then source_record_id;

and the first is the golden value. A group whose values (in the canonical unit) span more than
``reconciliation.relative_tolerance`` (``schemas/indicators.yaml``) of the golden value disagrees.

Everything happens in one SQL statement over the current staging rows (:func:`reconciled_values`
builds it, so other stages can ``INSERT … SELECT`` from it); :func:`reconcile` runs it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from ..db import tables
from ..domains.indicators import catalog
from ..domains.schema import load_source, source_names

DOMAIN = "macroeconomic"
_PERIOD_ORDER = {"year": 0, "quarter": 1, "month": 2}


@dataclass(frozen=True)
class ReconciledValue:
    """The golden value of one (indicator, division_code, period) with how it was chosen."""

    indicator: str
    division_code: str
    period: str
    period_type: str | None
    value: Decimal
    unit: str
    source: str  # the record the value was taken from
    source_record_id: str
    record_id: int
    source_rank: int
    release_date: dt.date | None
    updated_at: dt.datetime | None
    records: int  # records in the group
    sources: int  # distinct sources in the group
    low: Decimal  # smallest and largest value in the group
    high: Decimal
    disagrees: bool  # (high - low) > tolerance × |value|

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def source_ranks() -> dict[str, int]:
    """Trust rank of ``value`` per source delivering macro-economic data (lower = more trusted)."""
    ranks: dict[str, int] = {}
    for name in source_names():
        profile = load_source(name)
        if DOMAIN in profile.domains:
            ranks[name] = profile.domains[DOMAIN].trust_of("value")
    return ranks


def reconciled_values(indicator: str | None = None, division_code: str | None = None) -> sa.Select[Any]:
    """The SELECT of the golden values (columns as :class:`ReconciledValue`), ordered by
    indicator, division code, period type and period."""
    m = tables.staging_table(DOMAIN)
    ranks = source_ranks()
    unranked = max(ranks.values(), default=0) + 1
    rank = sa.case(ranks, value=m.c.source, else_=unranked) if ranks else sa.literal(unranked)
    group = (m.c.indicator, m.c.division_code, m.c.period)
    conditions: list[sa.ColumnElement[bool]] = [m.c.superseded_by_batch_id.is_(None), m.c.indicator.is_not(None),
                  m.c.division_code.is_not(None), m.c.period.is_not(None), m.c.value_canonical.is_not(None)]
    if indicator is not None:
        conditions.append(m.c.indicator == indicator)
    if division_code is not None:
        conditions.append(m.c.division_code == division_code)
    ranked = (
        sa.select(
            m.c.indicator, m.c.division_code, m.c.period, m.c.period_type,
            m.c.value_canonical.label("value"), m.c.unit_canonical.label("unit"),
            m.c.source, m.c.source_record_id, m.c.record_id, rank.label("source_rank"),
            m.c.release_date, m.c.updated_at,
            sa.func.row_number().over(partition_by=group, order_by=(
                rank, m.c.release_date.desc().nulls_last(), m.c.updated_at.desc().nulls_last(),
                m.c.source, m.c.source_record_id)).label("pick"),
            sa.func.count().over(partition_by=group).label("records"),
            sa.func.min(m.c.value_canonical).over(partition_by=group).label("low"),
            sa.func.max(m.c.value_canonical).over(partition_by=group).label("high"),
        )
        .where(*conditions)
        .subquery("ranked")
    )
    sources = (
        sa.select(m.c.indicator, m.c.division_code, m.c.period,
                  sa.func.count(sa.distinct(m.c.source)).label("sources"))
        .where(*conditions)
        .group_by(*group)
        .subquery("sources")
    )
    tolerance = sa.literal(catalog().relative_tolerance, sa.Numeric())
    period_order = sa.case(_PERIOD_ORDER, value=ranked.c.period_type, else_=len(_PERIOD_ORDER))
    return (
        sa.select(
            ranked.c.indicator, ranked.c.division_code, ranked.c.period, ranked.c.period_type,
            ranked.c.value, ranked.c.unit, ranked.c.source, ranked.c.source_record_id, ranked.c.record_id,
            ranked.c.source_rank, ranked.c.release_date, ranked.c.updated_at, ranked.c.records,
            sources.c.sources, ranked.c.low, ranked.c.high,
            ((ranked.c.high - ranked.c.low) > tolerance * sa.func.abs(ranked.c.value)).label("disagrees"),
        )
        .join(sources, sa.and_(sources.c.indicator == ranked.c.indicator,
                               sources.c.division_code == ranked.c.division_code,
                               sources.c.period == ranked.c.period))
        .where(ranked.c.pick == 1)
        .order_by(ranked.c.indicator, ranked.c.division_code, period_order, ranked.c.period)
    )


def reconcile(connection: sa.Connection | sa.Engine, indicator: str | None = None,
              division_code: str | None = None) -> list[ReconciledValue]:
    """The golden value of every (indicator, division code, period) in staging (optionally of
    one indicator and/or one division), with the groups that disagree marked."""
    query = reconciled_values(indicator, division_code)
    if isinstance(connection, sa.Engine):
        with connection.connect() as conn:
            rows = conn.execute(query).all()
    else:
        rows = connection.execute(query).all()
    return [ReconciledValue(**row._asdict()) for row in rows]
