"""What a domain declares for matching; the engine does the rest.

A domain module (``chutian_mdm/domains/<domain>.py``) exposes ``MATCHING``, one of:

- ``MatchSpec(...)``: which staging columns (or expressions over them) the matcher reads, the
  Splink comparisons and blocking rules, the deterministic rules that link a pair outright, the
  exclusive keys that no cluster may hold two different values of, and how the model is trained.
  Thresholds are facts of the schema file (``matching:`` in ``schemas/<domain>.yaml``), not of
  the code.
- ``KeySpec(...)``: no model at all — the records with the same key are one entity (an
  indicator value is its indicator, region and period), with the pairs a steward should review.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..domains import domain_module, load_domain
from ..errors import ConfigError

# A Splink comparison: a ComparisonCreator or its dict form.
Comparison = Any
# A Splink blocking rule: a BlockingRuleCreator (``block_on(...)``) or a SQL string over l./r.
BlockingRule = Any


@dataclass(frozen=True)
class Training:
    """How ``train`` estimates the model: λ from deterministic rules with an assumed recall,
    u by random sampling, m by expectation maximisation in one session per blocking rule."""

    deterministic_rules: Sequence[BlockingRule]
    recall: float
    em_blocking_rules: Sequence[BlockingRule]
    max_pairs_for_u: float = 5e6


@dataclass(frozen=True)
class MatchSpec:
    """A domain's matching declaration.

    - ``reads``: the staging columns the matcher loads (besides record_id, source, source_record_id);
    - ``derived``: columns computed from them, name -> DuckDB SQL expression (e.g. an address
      stripped of its province);
    - ``comparisons``: builds the Splink comparisons (a callable: each Linker gets fresh
      objects); a level with ``tf_adjustment_column`` makes the model store that column's value
      frequencies, so that 张伟 = 张伟 weighs less than a rare name;
    - ``blocking_rules``: which pairs are scored at all;
    - ``deterministic_rules``: pairs linked outright (probability 1.0), e.g. the same valid ID;
    - ``exclusive_keys``: columns of which no cluster may hold two different values;
    - ``link_conditions``: label -> SQL over ``l.``/``r.`` that a model-scored pair must satisfy to be
      linked automatically; one that fails goes to review however high it scores (household
      members share a birthday, a flat and a phone: the model alone must not link them);
    - ``training``: how ``train`` estimates λ, u and m.
    """

    reads: Sequence[str]
    comparisons: Callable[[], list[Comparison]]
    blocking_rules: Sequence[BlockingRule]
    deterministic_rules: Sequence[BlockingRule]
    training: Training
    derived: dict[str, str] = field(default_factory=dict)
    exclusive_keys: Sequence[str] = ()
    link_conditions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class KeySpec:
    """Matching by an exact key, without a model: the current records with the same value of
    every ``key`` column (none of them NULL) are one entity; a record with a NULL key column is
    an entity of its own. Steward constraints apply as for any domain.

    ``review`` builds a SELECT over the staging tables of pairs of current records of one entity
    that a steward should look at (columns ``record_id_l``, ``record_id_r``), e.g. values of one
    indicator that the sources report differently; they are queued, and stay linked.
    """

    key: Sequence[str]
    review: Callable[[], Any] | None = None
    review_reason: str = "the domain's review rule picked this pair"  # what `review show` says
    review_columns: Sequence[str] = ()  # standardised staging columns `review show` adds to the fields
    derived: dict[str, str] = field(default_factory=dict)
    exclusive_keys: Sequence[str] = ()

    @property
    def reads(self) -> Sequence[str]:
        return tuple(self.key)


# Either way of matching a domain can declare.
Matching = MatchSpec | KeySpec


@dataclass(frozen=True)
class Thresholds:
    """Match probability at and above which a pair is linked, and from which it is reviewed."""

    match: float
    review: float


def matching_of(domain: str) -> Matching:
    """The matching declaration of ``domain`` (a model or a key); a clear error if it has none."""
    spec = getattr(domain_module(domain), "MATCHING", None)
    if not isinstance(spec, MatchSpec | KeySpec):
        raise ConfigError(f"domain {domain!r} declares no matching (MATCHING in chutian_mdm/domains/{domain}.py)")
    return spec


def match_spec(domain: str) -> MatchSpec:
    """The model-based matching declaration of ``domain``; a clear error if the domain declares
    none, or matches by key and so has no model to train or explain."""
    spec = matching_of(domain)
    if isinstance(spec, KeySpec):
        raise ConfigError(f"domain {domain!r} matches by key ({', '.join(spec.key)}), without a model: "
                          "there is nothing to train or explain")
    return spec


def thresholds(domain: str) -> Thresholds:
    """``matching.match_threshold`` and ``matching.review_threshold`` of the schema file."""
    schema = load_domain(domain)
    config = schema.matching
    try:
        match = float(config["match_threshold"])
        review = float(config["review_threshold"])
    except (KeyError, TypeError, ValueError):
        raise ConfigError(
            f"{schema.path}: matching needs match_threshold and review_threshold (probabilities)"
        ) from None
    if not 0.0 < review <= match < 1.0:
        raise ConfigError(
            f"{schema.path}: matching thresholds must satisfy 0 < review_threshold <= match_threshold < 1"
        )
    return Thresholds(match=match, review=review)


def matching_domains() -> list[str]:
    """The domains that declare matching (by a model or by a key), in the schema order."""
    from ..domains import domain_names

    return [name for name in domain_names()
            if isinstance(getattr(domain_module(name), "MATCHING", None), MatchSpec | KeySpec)]


def configuration_fingerprint(spec: MatchSpec, limits: Thresholds) -> str:
    """A digest of what decides the edges besides the model: thresholds, derived columns,
    deterministic rules, exclusive keys and link conditions. Stored edges are only reused by a
    run with the same fingerprint (and the same model)."""
    import hashlib
    import json

    from .score import rule_sql

    facts = {
        "thresholds": [limits.match, limits.review], "derived": spec.derived,
        "deterministic_rules": [rule_sql(rule) for rule in spec.deterministic_rules],
        "exclusive_keys": list(spec.exclusive_keys), "link_conditions": spec.link_conditions,
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def key_fingerprint(spec: KeySpec) -> str:
    """A digest of what decides a key-matched domain's clusters and review pairs: the key and the
    review query (with its literal parameters, e.g. a tolerance)."""
    import hashlib
    import json

    from sqlalchemy.dialects import postgresql

    review = "" if spec.review is None else str(spec.review().compile(
        dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    facts = {"key": list(spec.key), "derived": spec.derived, "review": review}
    return hashlib.sha256(json.dumps(facts, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]
