"""Constrained clustering: union-find over edges in descending strength, never joining what a
cannot-link or an exclusive key separates.

Order of unions: steward must-links first, then deterministic links, then model links by
descending match weight. A union is refused when it would put both records of a cannot-link in
one cluster, or two different values of an exclusive key (e.g. two valid citizen IDs) — so no
chain of strong links can join them either. A must-link overrides exclusive keys (a steward
knows the person has two numbers) but never a cannot-link. Pure function over arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Clustering:
    labels: np.ndarray  # per node: index of its cluster's smallest node
    strongest_link: np.ndarray  # per node: match probability of its strongest link into its cluster
    refused_by_constraint: int  # unions refused because of a cannot-link
    refused_by_exclusive_key: int  # unions refused because of an exclusive key
    conflicting_must_links: int  # must-links that contradict cannot-links (the cannot-link wins)


class _UnionFind:
    def __init__(self, n: int, keys: Sequence[np.ndarray], cannot: list[tuple[int, int]]) -> None:
        self.parent = list(range(n))
        self.size = [1] * n
        # Per root: the value of each exclusive key (-1 none). Only roots are kept up to date.
        self.keys = [k.tolist() for k in keys]
        # Per root: cannot-link partners (nodes) of its members, and its members with any.
        self.banned: dict[int, set[int]] = {}
        self.constrained: dict[int, set[int]] = {}
        for a, b in cannot:
            self.banned.setdefault(a, set()).add(b)
            self.banned.setdefault(b, set()).add(a)
            self.constrained.setdefault(a, {a})
            self.constrained.setdefault(b, {b})

    def find(self, x: int) -> int:
        parent = self.parent
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def blocked_by(self, a: int, b: int, keys: bool = True) -> str | None:
        """Why roots ``a`` and ``b`` may not be joined, or None."""
        for key in self.keys if keys else ():
            if key[a] >= 0 and key[b] >= 0 and key[a] != key[b]:
                return "exclusive_key"
        banned_a, members_b = self.banned.get(a), self.constrained.get(b)
        if banned_a and members_b and not banned_a.isdisjoint(members_b):
            return "cannot_link"
        return None

    def union(self, a: int, b: int) -> None:
        if self.size[a] < self.size[b]:
            a, b = b, a
        self.parent[b] = a
        self.size[a] += self.size[b]
        for key in self.keys:
            if key[a] < 0:
                key[a] = key[b]
        if b in self.banned:
            self.banned.setdefault(a, set()).update(self.banned.pop(b))
            self.constrained.setdefault(a, set()).update(self.constrained.pop(b))


def constrained_clusters(
    n: int,
    edge_l: np.ndarray,
    edge_r: np.ndarray,
    edge_priority: np.ndarray,
    edge_probability: np.ndarray,
    *,
    must_links: Sequence[tuple[int, int]] = (),
    cannot_links: Sequence[tuple[int, int]] = (),
    exclusive_keys: Sequence[np.ndarray] = (),
) -> Clustering:
    """Cluster nodes ``0..n-1``. Edges (node indices) are tried in descending ``edge_priority``
    (ties: in the given order); every edge given is a link (filter by threshold before).
    ``exclusive_keys`` are per-node integer codes, -1 where the node has no value."""
    uf = _UnionFind(n, exclusive_keys, list(cannot_links))
    conflicts = 0
    for a, b in must_links:
        ra, rb = uf.find(a), uf.find(b)
        if ra == rb:
            continue
        # A steward's must-link overrides exclusive keys (e.g. a re-issued ID), not a cannot-link.
        if uf.blocked_by(ra, rb, keys=False) or uf.blocked_by(rb, ra, keys=False):
            conflicts += 1
            continue
        uf.union(ra, rb)
    refused = {"cannot_link": 0, "exclusive_key": 0}
    order = np.argsort(-edge_priority, kind="stable")
    find, blocked_by, union = uf.find, uf.blocked_by, uf.union
    for a, b in zip(edge_l[order].tolist(), edge_r[order].tolist(), strict=True):
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        reason = blocked_by(ra, rb) or blocked_by(rb, ra)
        if reason:
            refused[reason] += 1
            continue
        union(ra, rb)
    roots = np.fromiter((find(x) for x in range(n)), dtype=np.int64, count=n)
    # Label each cluster by its smallest node, so labels do not depend on union order.
    smallest = np.full(n, n, dtype=np.int64)
    np.minimum.at(smallest, roots, np.arange(n, dtype=np.int64))
    labels = smallest[roots]
    strongest = _strongest_links(n, labels, edge_l, edge_r, edge_probability, must_links)
    return Clustering(labels, strongest, refused["cannot_link"], refused["exclusive_key"], conflicts)


def _strongest_links(
    n: int, labels: np.ndarray, edge_l: np.ndarray, edge_r: np.ndarray, probability: np.ndarray,
    must_links: Sequence[tuple[int, int]],
) -> np.ndarray:
    """Per node, its strongest edge to another member of its cluster; 1.0 for a singleton or a
    must-link."""
    best = np.zeros(n, dtype=np.float64)
    inside = labels[edge_l] == labels[edge_r]
    for side in (edge_l[inside], edge_r[inside]):
        np.maximum.at(best, side, probability[inside])
    if must_links:
        pairs = np.asarray(must_links, dtype=np.int64)
        together = labels[pairs[:, 0]] == labels[pairs[:, 1]]
        best[pairs[together].ravel()] = 1.0
    counts = np.bincount(labels, minlength=n)
    best[counts[labels] == 1] = 1.0
    return best
