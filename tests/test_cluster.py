"""Constrained clustering as a pure function: what a steward's constraints guarantee."""

from __future__ import annotations

import numpy as np

from chutian_mdm.match.cluster import constrained_clusters


def cluster(n: int, edges: list[tuple[int, int, float]], **kwargs: object) -> list[int]:
    left = np.array([e[0] for e in edges], dtype=np.int64)
    right = np.array([e[1] for e in edges], dtype=np.int64)
    weight = np.array([e[2] for e in edges], dtype=np.float64)
    result = constrained_clusters(n, left, right, weight, np.full(len(edges), 0.99), **kwargs)  # type: ignore[arg-type]
    return result.labels.tolist()


def test_cannot_link_holds_against_a_chain_of_strong_links() -> None:
    # 0-1-2-3 is a chain of links; 0 and 3 must stay apart; the weakest link in between gives way.
    labels = cluster(4, [(0, 1, 20.0), (1, 2, 5.0), (2, 3, 18.0)], cannot_links=[(0, 3)])
    assert labels[0] != labels[3]
    assert labels == [0, 0, 2, 2]


def test_stronger_links_are_joined_first() -> None:
    labels = cluster(3, [(1, 2, 3.0), (0, 1, 30.0)], cannot_links=[(0, 2)])
    assert labels == [0, 0, 2]  # 0-1 (strong) wins; 1-2 would join 0 and 2


def test_exclusive_key_keeps_two_ids_apart_through_a_record_without_one() -> None:
    ids = np.array([7, -1, 8], dtype=np.int64)
    labels = cluster(3, [(0, 1, 10.0), (1, 2, 12.0)], exclusive_keys=[ids])
    assert labels[0] != labels[2]
    assert labels[1] == labels[2]  # the stronger link wins the record without an ID


def test_must_links_apply_first_and_override_exclusive_keys_but_not_cannot_links() -> None:
    ids = np.array([1, 2, 3], dtype=np.int64)
    result = constrained_clusters(
        3, np.array([], dtype=np.int64), np.array([], dtype=np.int64), np.array([]), np.array([]),
        must_links=[(0, 1), (1, 2)], cannot_links=[(0, 2)], exclusive_keys=[ids],
    )
    assert result.labels.tolist() == [0, 0, 2]
    assert result.conflicting_must_links == 1
    assert result.strongest_link.tolist() == [1.0, 1.0, 1.0]


def test_labels_do_not_depend_on_edge_order_and_singletons_score_one() -> None:
    a = cluster(5, [(3, 4, 2.0), (0, 1, 2.0)])
    b = cluster(5, [(0, 1, 2.0), (3, 4, 2.0)])
    assert a == b == [0, 0, 2, 3, 3]
