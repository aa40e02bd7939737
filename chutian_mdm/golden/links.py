"""Links across the four databases, published in the same transaction as each release.

``schemas/links.yaml`` declares the links — from which domain to which, their methods with a
confidence each, and whether ``open.links`` shows them; the module of the ``from`` domain
(``chutian_mdm/domains/<domain>.py``) gives, in ``LINKS``, the SQL that finds them: a SELECT of
``from_golden_id``, ``to_golden_id``, ``method`` over the current golden records.

When release N of a domain is written, every link to or from that domain is computed afresh from
the golden records as they are *in that transaction* (release N of this domain, the latest
committed release of the others) and written as **link release L**: links that ended are closed
(``valid_to_link_release = L``), new ones opened, and ``golden.link_releases`` records which
release of every domain link release L was computed against. Readers therefore never see a
link to a golden ID of a release they cannot see. Publishes of all domains take one advisory
lock, so two of them never compute links at the same time. ``golden.regions`` (GB/T 2260: code →
name, full name, level, parents) is brought up to date with the bundled division table in the
same step.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import sqlalchemy as sa

from ..domains import domain_module, domain_names
from ..domains.schema import _load_yaml
from ..errors import ConfigError
from ..resources import schemas_dir
from ..standardize import divisions

# pg_advisory_xact_lock(LINKS_LOCK): publishes of every domain take it (see the module docstring).
LINKS_LOCK = 0x601DE11


@dataclass(frozen=True)
class LinkMethod:
    name: str
    confidence: float
    label: str


@dataclass(frozen=True)
class LinkType:
    """One kind of link (``legal_representative``: legal_entity → population)."""

    name: str
    label: str
    from_domain: str
    to_domain: str
    open: bool
    methods: tuple[LinkMethod, ...]  # in order of preference

    def query(self) -> str:
        """SELECT from_golden_id, to_golden_id, method (from the ``from`` domain's module)."""
        builders: dict[str, Callable[[], str]] = getattr(domain_module(self.from_domain), "LINKS", {})
        return builders[self.name]()


@cache
def link_types() -> dict[str, LinkType]:
    """The links of ``schemas/links.yaml``, checked against the domain modules' ``LINKS``."""
    path = schemas_dir() / "links.yaml"
    declared = _load_yaml(path).get("links") or {}
    known = domain_names()
    out: dict[str, LinkType] = {}
    for name, spec in declared.items():
        where = f"{path}: links.{name}"
        source, target = spec.get("from"), spec.get("to")
        if source not in known or target not in known:
            raise ConfigError(f"{where}: from and to must be domains ({', '.join(known)})")
        builders = getattr(domain_module(source), "LINKS", {})
        if name not in builders:
            raise ConfigError(f"{where}: chutian_mdm/domains/{source}.py declares no LINKS[{name!r}] query")
        methods = tuple(
            LinkMethod(str(m), float(v["confidence"]), str(v.get("label", m)))
            for m, v in (spec.get("methods") or {}).items())
        if not methods or not all(0.0 < m.confidence <= 1.0 for m in methods):
            raise ConfigError(f"{where}: methods need a confidence in (0, 1]")
        out[str(name)] = LinkType(str(name), str(spec.get("label", name)), source, target,
                                  bool(spec.get("open", False)), methods)
    for domain in known:
        for name in getattr(domain_module(domain), "LINKS", {}):
            if name not in out:
                raise ConfigError(f"chutian_mdm/domains/{domain}.py: LINKS[{name!r}] is not declared in {path}")
    return out


def links_of(domain: str) -> list[LinkType]:
    """The link types to or from ``domain``."""
    return [t for t in link_types().values() if domain in (t.from_domain, t.to_domain)]


def open_link_names() -> list[str]:
    return [t.name for t in link_types().values() if t.open]


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class LinkRelease:
    """What publishing the links with a release did."""

    link_release: int
    links: int  # current links after it (of every type)
    opened: int
    closed: int


def publish_links(conn: sa.Connection, domain: str, release: int) -> LinkRelease | None:
    """Within the transaction publishing release ``release`` of ``domain`` (which holds
    :data:`LINKS_LOCK`): bring ``golden.regions`` up to date and recompute the links to and from
    ``domain`` as link release L. None when the domain takes part in no link."""
    sync_regions(conn)
    types = links_of(domain)
    if not types:
        return None
    run = conn.exec_driver_sql
    # A million links are compared with the current ones by hashing, never by sorting text (golden
    # IDs are ASCII: where an order helps, the "C" collation gives it cheaply). The publishing
    # transaction ends with this step, so the setting ends with it.
    run("SET LOCAL enable_mergejoin = off")
    run("""CREATE TEMP TABLE w_links (link text, from_domain text, from_golden_id text, to_domain text,
                                      to_golden_id text, method text, confidence double precision) ON COMMIT DROP""")
    for link in types:
        confidence = " ".join(f"WHEN {_literal(m.name)} THEN {m.confidence!r}" for m in link.methods)
        rank = " ".join(f"WHEN {_literal(m.name)} THEN {i}" for i, m in enumerate(link.methods))
        methods = ", ".join(_literal(m.name) for m in link.methods)
        run(f"""INSERT INTO w_links
                SELECT DISTINCT ON (from_golden_id COLLATE "C", to_golden_id COLLATE "C") {_literal(link.name)},
                       {_literal(link.from_domain)}, from_golden_id, {_literal(link.to_domain)}, to_golden_id, method,
                       CASE method {confidence} END
                FROM ({link.query()}) found
                WHERE method IN ({methods}) AND from_golden_id IS NOT NULL AND to_golden_id IS NOT NULL
                ORDER BY from_golden_id COLLATE "C", to_golden_id COLLATE "C", CASE method {rank} END""")
    run("ANALYZE w_links")
    last = run("SELECT link_release, links FROM golden.link_releases ORDER BY link_release DESC LIMIT 1").first()
    number, before = (int(last[0]) + 1, int(last[1])) if last else (1, 0)
    names = ", ".join(_literal(t.name) for t in types)
    same = ("w.link = h.link AND w.from_golden_id = h.from_golden_id AND w.to_golden_id = h.to_golden_id "
            "AND w.method = h.method AND w.confidence = h.confidence")
    closed = run(f"""UPDATE golden.links_history h SET valid_to_link_release = {number}
                     WHERE h.valid_to_link_release IS NULL AND h.link IN ({names})
                       AND NOT EXISTS (SELECT 1 FROM w_links w WHERE {same})""").rowcount
    opened = run(f"""INSERT INTO golden.links_history (link, from_domain, from_golden_id, to_domain, to_golden_id,
                                                       method, confidence, valid_from_link_release)
                     SELECT link, from_domain, from_golden_id, to_domain, to_golden_id, method, confidence, {number}
                     FROM w_links w
                     WHERE NOT EXISTS (SELECT 1 FROM golden.links_history h
                                       WHERE h.valid_to_link_release IS NULL AND {same})
                     ORDER BY link COLLATE "C", from_golden_id COLLATE "C", to_golden_id COLLATE "C"
                  """).rowcount
    current = before - int(closed or 0) + int(opened or 0)
    run(f"""INSERT INTO golden.link_releases (link_release, domain, release, releases, published_at, links, opened,
                                              closed)
            SELECT {number}, %(domain)s, %(release)s,
                   (SELECT jsonb_object_agg(domain, release) FROM (SELECT domain, max(release) AS release
                                                                   FROM golden.releases GROUP BY domain) r),
                   now(), {current}, {int(opened or 0)}, {int(closed or 0)}""",
        {"domain": domain, "release": release})
    return LinkRelease(number, current, int(opened or 0), int(closed or 0))


# -- queries the domain modules share ------------------------------------------------------------

def address_link_query(from_domain: str, standard_column: str) -> str:
    """SELECT of links from ``golden.<from_domain>`` to every golden place whose standard address
    is the record's standard address (``address``), the building it lies in (``building``:
    …18栋 for …18栋4单元1202室) or its door (``door``: …303号)."""
    column = f"g.{standard_column}"
    return f"""
        WITH addresses AS (
          SELECT g.golden_id, {column} AS address FROM golden.{from_domain} g WHERE {column} IS NOT NULL),
        targets AS (
          SELECT golden_id, address, address AS target, 'address' AS method FROM addresses
          UNION ALL
          SELECT golden_id, address, regexp_replace(address, '栋([0-9]+单元)?([0-9]+室)?$', '栋'), 'building'
          FROM addresses WHERE address ~ '栋([0-9]+单元|[0-9]+室)'
          UNION ALL
          -- up to the first 号 after a digit (string functions: a regular expression is ~10× slower)
          SELECT golden_id, address, left(address, strpos(address, '号')), 'door'
          FROM addresses WHERE strpos(address, '号') BETWEEN 2 AND char_length(address) - 1
                           AND substr(address, strpos(address, '号') - 1, 1) BETWEEN '0' AND '9')
        SELECT t.golden_id AS from_golden_id, p.golden_id AS to_golden_id, t.method
        FROM targets t JOIN golden.geospatial p ON p.address_standard = t.target
        WHERE t.method = 'address' OR t.target <> t.address"""


# -- golden.regions ------------------------------------------------------------------------------

REGION_COLUMNS = ("code", "name", "full_name", "level", "province_code", "city_code", "parent_code",
                  "first_year", "last_year", "retired")


@cache
def region_rows() -> tuple[tuple[Any, ...], ...]:
    """Every code of the bundled GB/T 2260 table as a ``golden.regions`` row, by code."""
    rows = []
    for code, division in sorted(divisions.table().items()):
        region = divisions.region(code)
        city_code = region.city_code if region is not None else None
        parent = (None if division.level == "province"
                  else division.province_code if division.level == "city" or city_code is None else city_code)
        rows.append((code, division.name, division.full_name, division.level, division.province_code,
                     city_code if division.level == "county" else None, parent, division.first_year,
                     division.last_year, division.retired))
    return tuple(rows)


def _digest(rows: Sequence[Sequence[Any]]) -> str:
    text = "\n".join("|".join(str(v) for v in row[:-1] if v is not None) for row in rows)
    return hashlib.md5(text.encode("utf-8")).hexdigest()  # a fingerprint, not security


def sync_regions(conn: sa.Connection) -> bool:
    """Make ``golden.regions`` the bundled division table; True if it had to change."""
    rows = region_rows()
    run = conn.exec_driver_sql
    names = ", ".join(REGION_COLUMNS[:-1])
    stored = run(f"SELECT md5(coalesce(string_agg(concat_ws('|', {names}), E'\\n' ORDER BY code), '')) "
                 "FROM golden.regions").scalar_one()
    if stored == _digest(rows):
        return False
    run("DELETE FROM golden.regions")
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY golden.regions ({', '.join(REGION_COLUMNS)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    return True
