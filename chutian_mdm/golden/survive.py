"""Survivorship: which member record gives each golden attribute its value — as SQL over whole
work tables, never a loop over clusters.

For every attribute group (one field, or fields that survive together) the candidates are the
member records with a value of the group's lead field and — when the chain starts with
``valid`` — those whose value failed validation (flagged, or kept only in ``_raw``), so that
lineage can say ``valid`` rejected them. Each candidate gets a sort key: one number per rule of
the chain packed into a bigint (smaller is better), the record_id as the tie-break. The winner
is the smallest key; lineage names the first rule on which the winner beats the best candidate with a
*different* value (the runner-up), or ``only_value`` / ``agreed`` / ``tiebreak`` (see
:mod:`chutian_mdm.domains.survivorship`).

A golden record of one source record needs no ranking: every valid attribute comes from it. For
the others one statement ranks every group at once: windows partitioned by golden ID find each
group's winner, one aggregation per golden ID collects the winners' values and the runner-ups'
keys.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from ..domains import load_domain
from ..domains.schema import load_source, source_names
from ..domains.survivorship import AGREED, ONLY_VALUE, TIEBREAK
from .columns import GoldenField, GoldenGroup, GoldenLayout, golden_layout

UNKNOWN_SOURCE_TRUST = 999  # a source without a profile for the domain ranks last
# A candidate's sort key is one bigint: a bit field per rule of the chain, the first rule in the
# most significant bits, smaller is better. Resolution: up to 15 invalid fields, trust ranks up
# to 1023, recency to the minute (1970–2097), frequencies up to 255 records, completeness up to
# 15 filled-in fields and 255 characters — beyond that, values tie and the next rule decides.
RULE_BITS = {"valid": 4, "trust": 10, "recent": 26, "frequent": 8, "complete": 12}


def trust_ranks(domain: str) -> dict[str, dict[str, int]]:
    """source -> field -> trust rank (1 = most trusted), for every source delivering the domain."""
    fields = list(load_domain(domain).fields)
    out: dict[str, dict[str, int]] = {}
    for source in source_names():
        profile = load_source(source)
        if domain in profile.domains:
            mapping = profile.domains[domain]
            out[source] = {f: mapping.trust_of(f) for f in fields}
    return out


def survivorship_digest(domain: str) -> str:
    """A fingerprint of everything survivorship depends on besides the data: when it changes,
    every golden record of the domain is computed afresh."""
    layout = golden_layout(domain)
    spec = {
        "groups": [[[c.name for c in f.columns] for f in g.fields] + [list(g.rules)] for g in layout.groups],
        "recency": load_domain(domain).survivorship.recency,
        "trust": trust_ranks(domain),
    }
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def invalid(field: GoldenField) -> str:
    """SQL: the member's value of ``field`` failed validation (flagged, or kept only in _raw)."""
    flagged = f"{_literal(field.name)} = ANY(_warned)"
    if field.raw_column:
        return f"(({field.name} IS NULL AND {field.raw_column} IS NOT NULL) OR {flagged})"
    return f"({flagged})"


def _checked(group: GoldenGroup, field: GoldenField, column: str) -> str:
    """A column's value, NULL when its field failed validation and the group's chain says ``valid``."""
    if "valid" not in group.rules:
        return column
    return f"CASE WHEN NOT {invalid(field)} THEN {column} END"


@dataclass(frozen=True)
class _Ranking:
    """The SQL pieces that rank one group's candidates: over the staging columns in PostgreSQL,
    or (``duckdb``) in DuckDB over the columns of :func:`ranking_inputs`, which come with the
    few things PostgreSQL computes best (``_bad_<field>``, ``_minutes``, ``_len<g>``) and the
    ``frequent`` counts ``_f<g>``."""

    group: GoldenGroup
    recency: str | None
    trust: dict[str, dict[str, int]]
    duckdb: bool = False

    @property
    def g(self) -> int:
        return self.group.index

    def invalid(self, field: GoldenField) -> str:
        return f"_bad_{field.name}" if self.duckdb else invalid(field)

    @property
    def candidate(self) -> str:
        lead = self.group.lead
        if "valid" in self.group.rules:
            return f"({lead.name} IS NOT NULL OR {self.invalid(lead)})"
        return f"({lead.name} IS NOT NULL)"

    def key(self) -> str:
        """bigint: one bit field per rule of the chain, the first rule most significant; smaller
        is better (see :data:`RULE_BITS`)."""
        shift = sum(RULE_BITS[r] for r in self.group.rules)
        parts = []
        for rule in self.group.rules:
            shift -= RULE_BITS[rule]
            parts.append(f"(({self._segment(rule)})::bigint << {shift})")
        return " | ".join(parts)

    def _segment(self, rule: str) -> str:
        top = (1 << RULE_BITS[rule]) - 1
        lead = self.group.lead.name
        if rule == "valid":
            return f"least({' + '.join(f'({self.invalid(f)})::int' for f in self.group.fields)}, {top})"
        if rule == "trust":
            return f"least(greatest({self._trust()}, 0), {top})"
        if rule == "recent":  # minutes since 1970, newest first
            minutes = "_minutes" if self.duckdb else f"floor(date_part('epoch', {self.recency}) / 60)::bigint"
            return f"{top} - coalesce(least(greatest({minutes}, 0), {top}), 0)"
        if rule == "frequent":
            count = f"_f{self.g}" if self.duckdb else f"count(*) OVER (PARTITION BY golden_id, {lead})"
            return f"{top} - least({count}, {top})"
        # complete: most filled-in fields of the group, then the longest lead value
        if self.duckdb:
            filled = f"least({' + '.join(f'({f.name} IS NOT NULL)::int' for f in self.group.fields)}, 15)"
            length = f"least(coalesce(_len{self.g}, 0), 255)"
        else:
            filled = f"least(num_nonnulls({', '.join(f.name for f in self.group.fields)}), 15)"
            length = f"least(coalesce(char_length({lead}::text), 0), 255)"
        return f"((15 - {filled}) << 8) | (255 - {length})"

    def _trust(self) -> str:
        ranks: dict[int, list[str]] = {}
        for source, per_field in self.trust.items():
            ranks.setdefault(per_field[self.group.lead.name], []).append(source)
        whens = " ".join(
            f"WHEN source IN ({', '.join(_literal(s) for s in sorted(sources))}) THEN {rank}"
            for rank, sources in sorted(ranks.items())
        )
        return f"CASE {whens} ELSE {UNKNOWN_SOURCE_TRUST} END" if whens else str(UNKNOWN_SOURCE_TRUST)

    def rule(self) -> str:
        """SQL over the aggregated row: the rule that chose the winning value — the first bit
        field in which the winner's key differs from the runner-up's."""
        g = self.g
        shift = sum(RULE_BITS[r] for r in self.group.rules)
        decided = []
        for rule in self.group.rules:
            shift -= RULE_BITS[rule]
            mask = (1 << RULE_BITS[rule]) - 1
            decided.append(f"WHEN ((_wk{g} >> {shift}) & {mask}) <> ((_rk{g} >> {shift}) & {mask}) "
                           f"THEN {_literal(rule)}")
        return (f"CASE WHEN _rk{g} IS NULL THEN CASE WHEN _n{g} = 1 THEN {_literal(ONLY_VALUE)} "
                f"ELSE {_literal(AGREED)} END {' '.join(decided)} ELSE {_literal(TIEBREAK)} END")


def _aggregate(column: str, sql_type: str, condition: str) -> str:
    function = "bool_or" if sql_type == "boolean" else "max"
    return f"{function}({column}) FILTER (WHERE {condition})"


def _entry(source: str, record: str, rule: str, constructors: bool) -> str:
    """SQL: one lineage entry (jsonb)."""
    if constructors:
        return f"JSON_OBJECT('source': {source}, 'source_record_id': {record}, 'rule': {rule} RETURNING jsonb)"
    return f"jsonb_build_object('source', {source}, 'source_record_id', {record}, 'rule', {rule})"


def _lineage(layout: GoldenLayout, entry: dict[int, str], value: dict[str, str], constructors: bool = False) -> str:
    """SQL: per attribute with a value, which source record gave it and which rule chose it.

    ``constructors``: the server has SQL/JSON constructors (PostgreSQL 16+). ``JSON_OBJECT(…
    ABSENT ON NULL RETURNING jsonb)`` builds the same jsonb about twice as fast as
    ``jsonb_strip_nulls(jsonb_build_object(…))`` (argument types are looked up once per
    statement, not per row, and no second pass strips the NULLs)."""
    cases = [(_literal(f.name), f"CASE WHEN {value[f.name]} IS NOT NULL THEN {entry[g.index]} END")
             for g in layout.groups for f in g.fields]
    if constructors:
        return f"JSON_OBJECT({', '.join(f'{k}: {v}' for k, v in cases)} ABSENT ON NULL RETURNING jsonb)"
    return f"jsonb_strip_nulls(jsonb_build_object({', '.join(f'{k}, {v}' for k, v in cases)}))"


def single_record_statement(domain: str, members: str, constructors: bool = False) -> str:
    """SELECT: the golden rows of golden records of one source record; ``members`` is a query
    giving ``golden_id`` and the columns of :func:`staging_columns` for each (``constructors``:
    see :func:`_lineage`)."""
    layout = golden_layout(domain)
    # Whether a field failed validation, worked out once per record (its columns and lineage ask).
    checked = [(g, f) for g in layout.groups if "valid" in g.rules for f in g.fields]
    flags = "".join(f", {invalid(f)} AS _bad_{f.name}" for _, f in checked)

    def value(group: GoldenGroup, field: GoldenField, column: str) -> str:
        return f"CASE WHEN NOT _bad_{field.name} THEN {column} END" if "valid" in group.rules else column

    values = [f"{value(g, f, c.name)} AS {c.name}" for g in layout.groups for f in g.fields for c in f.columns]
    entry = _entry("source", "source_record_id", _literal(ONLY_VALUE), constructors)
    present = {f.name: value(g, f, f.name) for g in layout.groups for f in g.fields}
    lineage = _lineage(layout, {g.index: "_entry" for g in layout.groups}, present, constructors)
    return f"""
        SELECT golden_id, {', '.join(values)}, 1 AS record_count, {lineage} AS lineage
        FROM (SELECT *, {entry} AS _entry{flags} FROM ({members} OFFSET 0) member OFFSET 0) single"""


def _rankings(domain: str, duckdb: bool = False) -> list[_Ranking]:
    recency = load_domain(domain).survivorship.recency
    trust = trust_ranks(domain)
    return [_Ranking(g, recency, trust, duckdb) for g in golden_layout(domain).groups]


def multi_record_statement(domain: str, source_table: str, constructors: bool = False) -> str:
    """SELECT: one golden row per golden ID of ``source_table`` (members of golden records of
    several source records, with the columns of :func:`staging_columns`).

    The reference formulation of ranking; publishing ranks in DuckDB (:mod:`.rank`, from
    :func:`ranking_inputs`), which must give the same rows (``tests/test_rank.py``)."""
    layout = golden_layout(domain)
    rankings = _rankings(domain)
    keyed = ", ".join(f"{r.candidate} AS _c{r.g}, {r.key()} AS _k{r.g}" for r in rankings)
    windows = ", ".join(f"w{r.g} AS (PARTITION BY golden_id ORDER BY _c{r.g} DESC, _k{r.g}, record_id)"
                        for r in rankings)
    winners = ", ".join(
        f"first_value(record_id) OVER w{r.g} AS _win{r.g}, first_value({r.group.lead.name}) OVER w{r.g} AS _wv{r.g}"
        for r in rankings
    )
    aggregates = ["count(*)::int AS record_count"]
    for r in rankings:
        g, won = r.g, f"record_id = _win{r.g}"
        lead_ok = f"_c{g} AND NOT {invalid(r.group.lead)}" if "valid" in r.group.rules else f"_c{g}"
        aggregates += [
            f"bool_or({lead_ok}) FILTER (WHERE {won}) AS _ok{g}",
            f"max(source) FILTER (WHERE {won}) AS _source{g}",
            f"max(source_record_id) FILTER (WHERE {won}) AS _record{g}",
            f"count(*) FILTER (WHERE _c{g}) AS _n{g}",
            f"min(_k{g}) FILTER (WHERE {won}) AS _wk{g}",
            f"min(_k{g}) FILTER (WHERE _c{g} AND {r.group.lead.name} IS DISTINCT FROM _wv{g}) AS _rk{g}",
        ]
        aggregates += [
            f"{_aggregate(_checked(r.group, f, c.name), c.sql_type, won)} AS {c.name}"
            for f in r.group.fields for c in f.columns
        ]
    values = [f"CASE WHEN _ok{r.g} THEN {c.name} END AS {c.name}" for r in rankings for c in r.group.columns]
    entries = {r.g: _entry(f"_source{r.g}", f"_record{r.g}", r.rule(), constructors) for r in rankings}
    present = {f.name: f"CASE WHEN _ok{r.g} THEN {f.name} END" for r in rankings for f in r.group.fields}
    lineage = _lineage(layout, entries, present, constructors)
    return f"""
        SELECT golden_id, {', '.join(values)}, record_count, {lineage} AS lineage
        FROM (
          SELECT golden_id, {', '.join(aggregates)}
          FROM (
            SELECT *, {winners}
            FROM (SELECT *, {keyed} FROM {source_table} OFFSET 0) keyed
            WINDOW {windows}
          ) ranked
          GROUP BY golden_id
        ) decided"""


def _comparable(column: str, sql_type: str) -> str:
    """SQL: text that is equal for two values exactly when the values are (``IS NOT DISTINCT
    FROM``): numeric 1.0 and 1.00 are equal, and so are float -0 and 0."""
    if sql_type == "numeric":
        return f"trim_scale({column})::text"
    if sql_type in ("double precision", "real"):
        return f"CASE WHEN {column} = 0 THEN '0' ELSE {column}::text END"
    return f"{column}::text"


@dataclass(frozen=True)
class RankingInputs:
    """What :mod:`.rank` reads per member record and what it makes of it.

    ``select``: the SELECT list, in PostgreSQL over the columns of :func:`staging_columns`,
    ``golden_id`` and ``_new``: the key columns, the attributes as stored, ``_warned`` as text,
    ``_has_raw_<field>``, ``_minutes`` (recency) and ``_len<g>`` (the lead's length as text) —
    cheap per row, the ranking arithmetic is left to DuckDB. ``types``: their column types
    (``text``/``int``); attributes stay text, DuckDB never converts them. ``keyed``: DuckDB's
    SELECT over them (table ``__members``) giving per member the attribute values as
    survivorship sees them (NULL when the field failed validation and its chain says
    ``valid``) and per group ``g``: ``_c<g>`` (a candidate), ``_k<g>`` (its sort key), ``_o<g>``
    (its lead value may survive) and ``_l<g>`` (the lead value, comparable)."""

    select: str
    types: dict[str, str]
    keyed: str


def ranking_inputs(domain: str) -> RankingInputs:
    """See :class:`RankingInputs`; the keys are those of :func:`multi_record_statement`."""
    layout = golden_layout(domain)
    rankings = _rankings(domain, duckdb=True)
    recency = load_domain(domain).survivorship.recency
    types = {"golden_id": "text", "_new": "int", "record_id": "int", "source": "text",
             "source_record_id": "text", "_warned": "text"}
    select = ["golden_id", "_new::int", "record_id", "source", "source_record_id", "array_to_string(_warned, ',')"]
    for column in layout.columns:
        types[column.name] = "text"
        select.append(column.name)
    for field in layout.fields:
        if field.raw_column:
            types[f"_has_raw_{field.name}"] = "int"
            select.append(f"({field.raw_column} IS NOT NULL)::int")
    if recency:
        types["_minutes"] = "int"
        select.append(f"floor(date_part('epoch', {recency}) / 60)::bigint")
    comparable: dict[int, str] = {}
    for r in rankings:
        lead = r.group.lead
        if "complete" in r.group.rules:
            types[f"_len{r.g}"] = "int"
            select.append(f"char_length({lead.name}::text)")
        comparable[r.g] = _comparable(lead.name, lead.columns[0].sql_type)
        if comparable[r.g] != f"{lead.name}::text":  # text, dates …: the value as stored compares alike
            types[f"_lead{r.g}"] = "text"
            select.append(comparable[r.g])
            comparable[r.g] = f"_lead{r.g}"
        else:
            comparable[r.g] = lead.name

    flags = []
    for field in layout.fields:
        flagged = f"list_contains(string_split(_warned, ','), {_literal(field.name)})"
        flags.append(f"(({field.name} IS NULL AND _has_raw_{field.name} = 1) OR {flagged}) AS _bad_{field.name}"
                     if field.raw_column else f"{flagged} AS _bad_{field.name}")
    counts = [f"count(*) OVER (PARTITION BY golden_id, {comparable[r.g]}) AS _f{r.g}"
              for r in rankings if "frequent" in r.group.rules]
    keys = []
    for r in rankings:
        lead_ok = f"{r.candidate} AND NOT _bad_{r.group.lead.name}" if "valid" in r.group.rules else r.candidate
        keys += [f"{r.candidate} AS _c{r.g}", f"{r.key()} AS _k{r.g}", f"{lead_ok} AS _o{r.g}",
                 f"{comparable[r.g]} AS _l{r.g}"]
    values = [f"CASE WHEN NOT _bad_{f.name} THEN {c.name} END AS {c.name}" if "valid" in g.rules else c.name
              for g in layout.groups for f in g.fields for c in f.columns]
    outputs = [f"_{part}{r.g}" for r in rankings for part in ("c", "k", "o", "l")]
    sql = (f"SELECT golden_id, _new, record_id, source, source_record_id, {', '.join(values + outputs)} "
           f"FROM (SELECT *, {', '.join(keys)} FROM (SELECT *, {', '.join(flags + counts)} FROM __members))")
    return RankingInputs(", ".join(f"{e} AS {n}" for e, n in zip(select, types, strict=True)), types, sql)


def rule_sql(domain: str, group: int) -> str:
    """SQL over ``_wk<g>``, ``_rk<g>`` (the winner's and the runner-up's keys) and ``_n<g>``
    (candidates): the rule that chose group ``g``'s value (PostgreSQL and DuckDB alike)."""
    return _rankings(domain)[group - 1].rule()


def ranked_statement(domain: str, table: str, constructors: bool = False) -> str:
    """SELECT: the golden rows of ``table`` as :mod:`.rank` leaves it (``golden_id``,
    ``record_count``, the surviving values and per group ``_source<g>``, ``_record<g>``,
    ``_rule<g>``), with their lineage."""
    layout = golden_layout(domain)
    names = ", ".join(c.name for c in layout.columns)
    entries = {g.index: _entry(f"_source{g.index}", f"_record{g.index}", f"_rule{g.index}", constructors)
               for g in layout.groups}
    lineage = _lineage(layout, entries, {f.name: f.name for f in layout.fields}, constructors)
    return f"SELECT golden_id, {names}, record_count, {lineage} AS lineage FROM {table}"


def staging_columns(domain: str) -> str:
    """The staging columns survivorship reads (select list over alias ``s``)."""
    layout = golden_layout(domain)
    recency = load_domain(domain).survivorship.recency
    names = [c.name for c in layout.columns] + [f.raw_column for f in layout.fields if f.raw_column]
    if recency:
        names.append(recency)
    warned = ("CASE WHEN s.dq_flags IS NULL THEN '{}'::text[] ELSE ARRAY(SELECT DISTINCT f->>'field' "
              "FROM jsonb_array_elements(s.dq_flags) f WHERE f->>'severity' = 'warning') END AS _warned")
    return ", ".join(["s.record_id", "s.source", "s.source_record_id",
                      *(f"s.{n}" for n in dict.fromkeys(names)), warned])
