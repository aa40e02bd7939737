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


def disagreeing_pairs() -> sa.Select[Any]:
    """Pairs for a steward: for every (indicator, division code, period) in which another
    source's latest revision differs from the golden value by more than the tolerance, the
    record that gives the golden value and that source's record farthest from it
    (``record_id_l``, ``record_id_r``). A source revising its own figure is not a disagreement:
    its latest revision is what counts."""
    m = tables.staging_table(DOMAIN)
    golden = reconciled_values().order_by(None).subquery("golden")
    same_group = sa.and_(m.c.indicator == golden.c.indicator, m.c.division_code == golden.c.division_code,
                         m.c.period == golden.c.period)
    latest = (
        sa.select(golden.c.record_id.label("golden_record_id"), golden.c.value.label("golden_value"),
                  m.c.record_id, m.c.value_canonical,
                  sa.func.row_number().over(
                      partition_by=(golden.c.record_id, m.c.source),
                      order_by=(m.c.release_date.desc().nulls_last(), m.c.updated_at.desc().nulls_last(),
                                m.c.source_record_id)).label("revision"))
        .join(golden, same_group)
        .where(golden.c.sources > 1, m.c.source != golden.c.source, m.c.superseded_by_batch_id.is_(None),
               m.c.value_canonical.is_not(None))
        .subquery("latest")
    )
    tolerance = sa.literal(catalog().relative_tolerance, sa.Numeric())
    distance = sa.func.abs(latest.c.value_canonical - latest.c.golden_value)
    ranked = (
        sa.select(latest.c.golden_record_id.label("record_id_l"), latest.c.record_id.label("record_id_r"),
                  sa.func.row_number().over(partition_by=latest.c.golden_record_id,
                                            order_by=(distance.desc(), latest.c.record_id)).label("pick"))
        .where(latest.c.revision == 1, distance > tolerance * sa.func.abs(latest.c.golden_value))
        .subquery("ranked")
    )
    return sa.select(ranked.c.record_id_l, ranked.c.record_id_r).where(ranked.c.pick == 1)


def published_values(connection: sa.Connection | sa.Engine, indicator: str,
                     division_code: str) -> tuple[int | None, list[ReconciledValue]]:
    """The golden values of one indicator for one division in the latest published release of
    the domain (``golden.macroeconomic``), as :class:`ReconciledValue` (the record the value
    came from, per its lineage; the spread over the golden record's current source records),
    and that release — or (None, []) when nothing was published yet."""
    if isinstance(connection, sa.Engine):
        with connection.connect() as conn:
            return published_values(conn, indicator, division_code)
    release = connection.execute(sa.text(
        "SELECT max(release) FROM golden.releases WHERE domain = :domain"), {"domain": DOMAIN}).scalar_one()
    if release is None:
        return None, []
    ranks = source_ranks()
    rank = " ".join(f"WHEN '{s}' THEN {r}" for s, r in ranks.items() if s.isidentifier())
    rows = connection.execute(sa.text(f"""
        SELECT g.indicator, g.division_code, g.period, g.period_type, g.value_canonical AS value,
               g.unit_canonical AS unit, w.source, w.source_record_id, w.record_id,
               CASE w.source {rank} ELSE {max(ranks.values(), default=0) + 1} END AS source_rank,
               g.release_date, w.updated_at, spread.records, spread.sources, spread.low, spread.high,
               (spread.high - spread.low) > :tolerance * abs(g.value_canonical) AS disagrees
        FROM golden.macroeconomic g
        JOIN golden.macroeconomic_xref wx ON wx.valid_to_release IS NULL
             AND wx.source = g.lineage -> 'value' ->> 'source'
             AND wx.source_record_id = g.lineage -> 'value' ->> 'source_record_id'
        JOIN staging.macroeconomic w ON w.record_id = wx.record_id
        CROSS JOIN LATERAL (
          SELECT count(*) AS records, count(DISTINCT x.source) AS sources, min(s.value_canonical) AS low,
                 max(s.value_canonical) AS high
          FROM golden.macroeconomic_xref x JOIN staging.macroeconomic s ON s.record_id = x.record_id
          WHERE x.golden_id = g.golden_id AND x.valid_to_release IS NULL) spread
        WHERE g.indicator = :indicator AND g.division_code = :division AND g.value_canonical IS NOT NULL
        ORDER BY CASE g.period_type WHEN 'year' THEN 0 WHEN 'quarter' THEN 1 WHEN 'month' THEN 2 ELSE 3 END,
                 g.period"""), {"indicator": indicator, "division": division_code,
                                "tolerance": catalog().relative_tolerance}).all()
    return int(release), [ReconciledValue(**row._asdict()) for row in rows]
