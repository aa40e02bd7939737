"""Matching: deterministic rules, a stored Splink model, constrained clustering.

The public face of the match stage; the pipeline (``chutian_mdm.pipeline``) and the CLI use
these. A domain takes part by declaring ``MATCHING = MatchSpec(...)`` (a Splink model) or
``MATCHING = KeySpec(...)`` (an exact key, no model) in its domain module.
"""

from __future__ import annotations

from .cluster import Clustering, constrained_clusters
from .model import StoredModel, latest_model, train_model
from .spec import KeySpec, MatchSpec, Thresholds, Training, match_spec, matching_of, thresholds

__all__ = [
    "Clustering",
    "KeySpec",
    "MatchSpec",
    "StoredModel",
    "Thresholds",
    "Training",
    "constrained_clusters",
    "latest_model",
    "match_spec",
    "matching_of",
    "thresholds",
    "train_model",
]
