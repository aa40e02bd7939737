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
    """The SQL pieces that rank one group's candidates."""

    group: GoldenGroup
    recency: str | None
    trust: dict[str, dict[str, int]]

    @property
    def g(self) -> int:
        return self.group.index

    @property
    def candidate(self) -> str:
        lead = self.group.lead
        if "valid" in self.group.rules:
            return f"({lead.name} IS NOT NULL OR {invalid(lead)})"
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
            return f"least({' + '.join(f'({invalid(f)})::int' for f in self.group.fields)}, {top})"
        if rule == "trust":
            return f"least(greatest({self._trust()}, 0), {top})"
        if rule == "recent":  # minutes since 1970, newest first
            minutes = f"floor(date_part('epoch', {self.recency}) / 60)::bigint"
            return f"{top} - coalesce(least(greatest({minutes}, 0), {top}), 0)"
        if rule == "frequent":
            return f"{top} - least(count(*) OVER (PARTITION BY golden_id, {lead}), {top})"
        # complete: most filled-in fields of the group, then the longest lead value
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
            decided.append(f"WHEN (_wk{g} >> {shift}) & {mask} <> (_rk{g} >> {shift}) & {mask} "
                           f"THEN {_literal(rule)}")
        return (f"CASE WHEN _rk{g} IS NULL THEN CASE WHEN _n{g} = 1 THEN {_literal(ONLY_VALUE)} "
                f"ELSE {_literal(AGREED)} END {' '.join(decided)} ELSE {_literal(TIEBREAK)} END")


def _aggregate(column: str, sql_type: str, condition: str) -> str:
    function = "bool_or" if sql_type == "boolean" else "max"
    return f"{function}({column}) FILTER (WHERE {condition})"


def _lineage(layout: GoldenLayout, entry: dict[int, str], value: dict[str, str]) -> str:
    """SQL: per attribute with a value, which source record gave it and which rule chose it."""
    pairs = ", ".join(
        f"{_literal(f.name)}, CASE WHEN {value[f.name]} IS NOT NULL THEN {entry[g.index]} END"
        for g in layout.groups for f in g.fields
    )
    return f"jsonb_strip_nulls(jsonb_build_object({pairs}))"


def single_record_statement(domain: str, members: str) -> str:
    """SELECT: the golden rows of golden records of one source record; ``members`` is a query
    giving ``golden_id`` and the columns of :func:`staging_columns` for each."""
    layout = golden_layout(domain)
    values = [f"{_checked(g, f, c.name)} AS {c.name}" for g in layout.groups for f in g.fields for c in f.columns]
    entry = ("jsonb_build_object('source', source, 'source_record_id', source_record_id, "
             f"'rule', {_literal(ONLY_VALUE)})")
    present = {f.name: _checked(g, f, f.name) for g in layout.groups for f in g.fields}
    lineage = _lineage(layout, {g.index: "_entry" for g in layout.groups}, present)
    return f"""
        SELECT golden_id, {', '.join(values)}, 1 AS record_count, {lineage} AS lineage
        FROM (SELECT *, {entry} AS _entry FROM ({members} OFFSET 0) member OFFSET 0) single"""


def multi_record_statement(domain: str, source_table: str) -> str:
    """SELECT: one golden row per golden ID of ``source_table`` (members of golden records of
    several source records, with the columns of :func:`staging_columns`)."""
    layout = golden_layout(domain)
    recency = load_domain(domain).survivorship.recency
    trust = trust_ranks(domain)
    rankings = [_Ranking(g, recency, trust) for g in layout.groups]
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
    entries = {
        r.g: f"jsonb_build_object('source', _source{r.g}, 'source_record_id', _record{r.g}, 'rule', {r.rule()})"
        for r in rankings
    }
    present = {f.name: f"CASE WHEN _ok{r.g} THEN {f.name} END" for r in rankings for f in r.group.fields}
    return f"""
        SELECT golden_id, {', '.join(values)}, record_count, {_lineage(layout, entries, present)} AS lineage
        FROM (
          SELECT golden_id, {', '.join(aggregates)}
          FROM (
            SELECT *, {winners}
            FROM (SELECT *, {keyed} FROM {source_table} OFFSET 0) keyed
            WINDOW {windows}
          ) ranked
          GROUP BY golden_id
        ) decided"""


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
