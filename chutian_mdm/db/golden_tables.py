"""Table definitions (SQLAlchemy Core) of the ``golden`` schema: the product's public interface.

``alembic/versions/0003_golden.py`` creates these tables (with a frozen copy of the attribute
columns); ``tests/test_golden_migration.py`` checks that what it created is what this module, and
so ``schemas/<domain>.yaml``, describes. Per domain:

- ``golden.<domain>_history`` — one row per golden ID per version (``valid_to_release`` NULL =
  current), the survived attributes, ``record_count`` and ``lineage``;
- ``golden.<domain>`` — a view of the current rows;
- ``golden.<domain>_xref`` — source record → golden ID, with release validity;
- ``golden.<domain>_changes`` — what each release did to each golden ID;

and ``golden.releases``, one row per published release of any domain.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from ..golden.columns import golden_columns
from .tables import metadata

CHANGES = ("created", "updated", "merged", "split", "retired")

SQL_TYPES: dict[str, sa.types.TypeEngine[Any]] = {
    "text": sa.Text(),
    "date": sa.Date(),
    "timestamptz": sa.DateTime(timezone=True),
    "numeric": sa.Numeric(),
    "double precision": sa.Double(),
    "boolean": sa.Boolean(),
    "integer": sa.Integer(),
}

releases = sa.Table(
    "releases",
    metadata,
    sa.Column("domain", sa.Text, nullable=False),
    sa.Column("release", sa.Integer, nullable=False),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("mdm.runs.run_id"), nullable=False),
    sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("published_by", sa.Text, nullable=False),
    sa.Column("golden_records", sa.Integer, nullable=False),  # current golden records after it
    sa.Column("source_records", sa.Integer, nullable=False),  # current xref rows after it
    sa.Column("created", sa.Integer, nullable=False),
    sa.Column("updated", sa.Integer, nullable=False),
    sa.Column("merged", sa.Integer, nullable=False),
    sa.Column("split", sa.Integer, nullable=False),
    sa.Column("retired", sa.Integer, nullable=False),
    sa.Column("xref_changes", sa.Integer, nullable=False),  # xref rows opened or closed
    sa.Column("survivorship_digest", sa.Text, nullable=False),  # rules and trust ranks used
    sa.PrimaryKeyConstraint("domain", "release"),
    schema="golden",
)


@cache
def history_table(domain: str) -> sa.Table:
    table = sa.Table(
        f"{domain}_history",
        metadata,
        sa.Column("golden_id", sa.Text, nullable=False),
        sa.Column("valid_from_release", sa.Integer, nullable=False),
        sa.Column("valid_to_release", sa.Integer),  # NULL: the current version
        *(sa.Column(name, SQL_TYPES[sql_type]) for name, sql_type in golden_columns(domain).items()),
        sa.Column("record_count", sa.Integer, nullable=False),
        sa.Column("lineage", pg.JSONB, nullable=False),
        sa.PrimaryKeyConstraint("golden_id", "valid_from_release"),
        sa.CheckConstraint("valid_to_release > valid_from_release", name=f"{domain}_history_validity"),
        schema="golden",
    )
    sa.Index(f"{domain}_history_current", table.c.golden_id, unique=True,
             postgresql_where=table.c.valid_to_release.is_(None))
    return table


@cache
def current_view(domain: str) -> sa.Table:
    """``golden.<domain>``: the current version of every golden record (a view)."""
    return sa.Table(
        domain,
        sa.MetaData(),  # a view: not part of the metadata tables are created from
        sa.Column("golden_id", sa.Text),
        sa.Column("valid_from_release", sa.Integer),
        *(sa.Column(name, SQL_TYPES[sql_type]) for name, sql_type in golden_columns(domain).items()),
        sa.Column("record_count", sa.Integer),
        sa.Column("lineage", pg.JSONB),
        schema="golden",
    )


@cache
def xref_table(domain: str) -> sa.Table:
    table = sa.Table(
        f"{domain}_xref",
        metadata,
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("source_record_id", sa.Text, nullable=False),
        sa.Column("golden_id", sa.Text, nullable=False),
        sa.Column("match_probability", sa.Double, nullable=False),
        sa.Column("record_id", sa.BigInteger, nullable=False),  # the staging row (record version)
        sa.Column("valid_from_release", sa.Integer, nullable=False),
        sa.Column("valid_to_release", sa.Integer),
        sa.PrimaryKeyConstraint("source", "source_record_id", "valid_from_release"),
        sa.CheckConstraint("valid_to_release > valid_from_release", name=f"{domain}_xref_validity"),
        schema="golden",
    )
    sa.Index(f"{domain}_xref_current", table.c.source, table.c.source_record_id, unique=True,
             postgresql_where=table.c.valid_to_release.is_(None))
    sa.Index(f"{domain}_xref_golden_id", table.c.golden_id)
    return table


@cache
def changes_table(domain: str) -> sa.Table:
    return sa.Table(
        f"{domain}_changes",
        metadata,
        sa.Column("release", sa.Integer, nullable=False),
        sa.Column("golden_id", sa.Text, nullable=False),
        sa.Column("change", sa.Text, nullable=False),
        sa.Column("merged_into", sa.Text),  # change = merged: the golden ID that lives on
        sa.Column("split_from", sa.Text),  # change = created by a split: the ID it split from
        sa.PrimaryKeyConstraint("release", "golden_id"),
        sa.CheckConstraint(f"change IN ({', '.join(repr(c) for c in CHANGES)})", name=f"{domain}_changes_kind"),
        schema="golden",
    )
