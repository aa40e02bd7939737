"""Domains: the only place that knows about population, legal entities, places and indicators.

Each domain is a schema file ``schemas/<domain>.yaml`` plus a module here with the checks that
span several fields. Adding a domain means adding those two (and its staging table migration).
"""

from __future__ import annotations

import importlib
from types import ModuleType

from .schema import DomainSchema, domain_names, load_domain

__all__ = ["DomainSchema", "domain_module", "domain_names", "load_domain"]


def domain_module(name: str) -> ModuleType:
    """The module ``chutian_mdm.domains.<name>`` of a known domain."""
    load_domain(name)  # validates the name against the schema files
    return importlib.import_module(f"{__name__}.{name}")
