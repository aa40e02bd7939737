"""Links across the four databases, and the region table.

Revision ID: 0006_links
Revises: 0005_steward
Create Date: 2026-11-25

- ``golden.regions``: every GB/T 2260 division code with its name, full name, level and parents
  (filled and kept up to date by publishing, from the table chutian-mdm bundles);
- ``golden.link_releases``: one row per release of a domain that takes part in links (link
  release L, written in the same transaction as that release);
- ``golden.links_history``: one row per link per version (``valid_from_link_release``,
  ``valid_to_link_release``), and the view ``golden.links`` of current links;
- ``open.links`` (the link types ``schemas/links.yaml`` marks ``open``, frozen here) and
  ``open.regions``, readable by ``chutian_open``.

tests/test_links.py checks that what this creates is what chutian_mdm/db/golden_tables.py and
schemas/links.yaml describe.
"""

from __future__ import annotations

from alembic import op

revision = "0006_links"
down_revision = "0005_steward"
branch_labels = None
depends_on = None

READER_ROLE = "chutian_reader"
OPEN_ROLE = "chutian_open"
OPEN_LINKS = ("registered_address",)  # frozen from schemas/links.yaml (open: true)
LINK_COLUMNS = "link, from_domain, from_golden_id, to_domain, to_golden_id, method, confidence"


def upgrade() -> None:
    op.execute("""
        CREATE TABLE golden.regions (
          code text PRIMARY KEY,
          name text NOT NULL,
          full_name text NOT NULL,
          level text NOT NULL,
          province_code text NOT NULL,
          city_code text,
          parent_code text,
          first_year integer,
          last_year integer,
          retired boolean NOT NULL
        )""")
    op.execute("CREATE INDEX regions_parent_code ON golden.regions (parent_code)")
    op.execute("""
        CREATE TABLE golden.link_releases (
          link_release integer PRIMARY KEY,
          domain text NOT NULL,
          release integer NOT NULL,
          releases jsonb NOT NULL,
          published_at timestamptz NOT NULL,
          links integer NOT NULL,
          opened integer NOT NULL,
          closed integer NOT NULL,
          FOREIGN KEY (domain, release) REFERENCES golden.releases (domain, release),
          CONSTRAINT link_releases_one_per_release UNIQUE (domain, release)
        )""")
    op.execute("""
        CREATE TABLE golden.links_history (
          link text NOT NULL,
          from_domain text NOT NULL,
          from_golden_id text NOT NULL,
          to_domain text NOT NULL,
          to_golden_id text NOT NULL,
          method text NOT NULL,
          confidence double precision NOT NULL,
          valid_from_link_release integer NOT NULL,
          valid_to_link_release integer,
          PRIMARY KEY (link, from_golden_id, to_golden_id, valid_from_link_release),
          CONSTRAINT links_history_validity CHECK (valid_to_link_release > valid_from_link_release)
        )""")
    op.execute("CREATE UNIQUE INDEX links_history_current ON golden.links_history (link, from_golden_id, to_golden_id)"
               " WHERE valid_to_link_release IS NULL")
    op.execute("CREATE INDEX links_history_to ON golden.links_history (to_golden_id)"
               " WHERE valid_to_link_release IS NULL")
    op.execute(f"""
        CREATE VIEW golden.links AS
        SELECT {LINK_COLUMNS}, valid_from_link_release
        FROM golden.links_history WHERE valid_to_link_release IS NULL""")
    kinds = ", ".join(f"'{name}'" for name in OPEN_LINKS)
    op.execute(f"""
        CREATE VIEW open.links WITH (security_barrier) AS
        SELECT {LINK_COLUMNS}
        FROM golden.links_history WHERE valid_to_link_release IS NULL AND link IN ({kinds})""")
    op.execute("CREATE VIEW open.regions AS SELECT * FROM golden.regions")
    op.execute(f"GRANT SELECT ON golden.regions, golden.link_releases, golden.links_history, golden.links, "
               f"open.links, open.regions TO {READER_ROLE}")
    op.execute(f"GRANT SELECT ON open.links, open.regions TO {OPEN_ROLE}")


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS open.regions")
    op.execute("DROP VIEW IF EXISTS open.links")
    op.execute("DROP VIEW IF EXISTS golden.links")
    op.execute("DROP TABLE IF EXISTS golden.links_history")
    op.execute("DROP TABLE IF EXISTS golden.link_releases")
    op.execute("DROP TABLE IF EXISTS golden.regions")
