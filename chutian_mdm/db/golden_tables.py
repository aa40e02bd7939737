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


# -- Links across the databases and the region table (alembic/versions/0006_links.py) ------------

# GB/T 2260: every division code of the bundled table (chutian_mdm/standardize/divisions.py).
regions = sa.Table(
    "regions",
    metadata,
    sa.Column("code", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),  # 洪山区
    sa.Column("full_name", sa.Text, nullable=False),  # 湖北省武汉市洪山区
    sa.Column("level", sa.Text, nullable=False),  # province | city | county
    sa.Column("province_code", sa.Text, nullable=False),
    sa.Column("city_code", sa.Text),  # a county's city; NULL for a county under the province directly
    sa.Column("parent_code", sa.Text),  # the city, else the province; NULL for a province
    sa.Column("first_year", sa.Integer),  # NULL: in the first edition (1980) already
    sa.Column("last_year", sa.Integer),  # NULL: still in use
    sa.Column("retired", sa.Boolean, nullable=False),
    schema="golden",
)
sa.Index("regions_parent_code", regions.c.parent_code)

# One row per publish of a domain that takes part in links: link release L, and the release of
# every domain the links were computed against.
link_releases = sa.Table(
    "link_releases",
    metadata,
    sa.Column("link_release", sa.Integer, primary_key=True),
    sa.Column("domain", sa.Text, nullable=False),  # the domain whose release published it …
    sa.Column("release", sa.Integer, nullable=False),  # … in the same transaction
    sa.Column("releases", pg.JSONB, nullable=False),  # domain -> its current release at that time
    sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("links", sa.Integer, nullable=False),  # current links after it
    sa.Column("opened", sa.Integer, nullable=False),
    sa.Column("closed", sa.Integer, nullable=False),
    sa.ForeignKeyConstraint(["domain", "release"], ["golden.releases.domain", "golden.releases.release"]),
    sa.UniqueConstraint("domain", "release", name="link_releases_one_per_release"),
    schema="golden",
)

# One row per link per version: valid for link releases valid_from ≤ L < valid_to.
links_history = sa.Table(
    "links_history",
    metadata,
    sa.Column("link", sa.Text, nullable=False),  # schemas/links.yaml: legal_representative, address …
    sa.Column("from_domain", sa.Text, nullable=False),
    sa.Column("from_golden_id", sa.Text, nullable=False),
    sa.Column("to_domain", sa.Text, nullable=False),
    sa.Column("to_golden_id", sa.Text, nullable=False),
    sa.Column("method", sa.Text, nullable=False),
    sa.Column("confidence", sa.Double, nullable=False),
    sa.Column("valid_from_link_release", sa.Integer, nullable=False),
    sa.Column("valid_to_link_release", sa.Integer),
    sa.PrimaryKeyConstraint("link", "from_golden_id", "to_golden_id", "valid_from_link_release"),
    sa.CheckConstraint("valid_to_link_release > valid_from_link_release", name="links_history_validity"),
    schema="golden",
)
sa.Index("links_history_current", links_history.c.link, links_history.c.from_golden_id,
         links_history.c.to_golden_id, unique=True, postgresql_where=links_history.c.valid_to_link_release.is_(None))
sa.Index("links_history_to", links_history.c.to_golden_id,
         postgresql_where=links_history.c.valid_to_link_release.is_(None))

# ``golden.links``: the current links (a view).
links_view = sa.Table(
    "links",
    sa.MetaData(),
    *(sa.Column(c.name, c.type) for c in links_history.columns if c.name != "valid_to_link_release"),
    schema="golden",
)
