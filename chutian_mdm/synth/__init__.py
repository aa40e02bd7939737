"""Synthetic, deliberately dirty sample data for the four foundational databases.

``python -m chutian_mdm.synth samples [OUT_DIR]`` regenerates the committed samples under
``data/samples`` (deterministic: same bytes on every run). For benchmarks,
:func:`chutian_mdm.synth.population.generate_rows` and friends produce police-style population
rows at a million rows in seconds.

Faker is a development dependency (``pip install 'chutian-mdm[dev]'``); it is imported only when
data is generated.

Modules: ``regions`` (real division codes, streets), ``ids`` (citizen IDs, USCCs), ``dirt`` (the
departments' habits and mistakes), ``addresses``, ``people`` / ``population``, ``companies`` /
``legal_entity``, ``geospatial``, ``macroeconomic``, ``bulk`` (the fast generator), ``output``
(writers), ``samples`` and ``readme`` (the committed sample set).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["DEFAULT_OUT_DIR", "write_samples"]

DEFAULT_OUT_DIR = Path("data/samples")


def write_samples(out_dir: Path = DEFAULT_OUT_DIR, seed: int | None = None) -> list[Path]:
    """Regenerate the sample files, truth tables and README under ``out_dir``."""
    from .samples import SEED
    from .samples import write_samples as _write

    return _write(Path(out_dir), SEED if seed is None else seed)
