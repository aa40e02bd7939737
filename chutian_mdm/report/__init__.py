"""The HTML run report: one self-contained file (inline CSS, static SVG charts from :mod:`.svg`,
no script, nothing fetched) with a run's numbers and its model's charts.

:func:`write_report` is the public face; :mod:`.data` reads the numbers, :mod:`.html` renders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from ..errors import InputFileError
from .data import ReportData, RunNotFound, gather
from .html import render

__all__ = ["ReportData", "ReportResult", "RunNotFound", "gather", "render", "write_report"]


@dataclass(frozen=True)
class ReportResult:
    path: Path
    run_id: int
    domain: str
    charts: list[str]  # data-chart names of the SVG charts in the report
    bytes: int


def write_report(engine: sa.Engine, out: Path | None = None, run_id: int | None = None, domain: str | None = None,
                 golden_id: str | None = None, all_batches: bool = False) -> ReportResult:
    """Write the report of run ``run_id`` (default: the latest successful run, of ``domain`` if
    given) to ``out`` (default: ``chutian-mdm-run-<N>.html`` in the current folder); with
    ``golden_id``, also that golden record's cluster."""
    data = gather(engine, run_id, domain, golden_id, all_batches)
    html = render(data)
    path = out or Path(f"chutian-mdm-run-{data.run['run_id']}.html")
    try:
        path.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise InputFileError(path, f"cannot write the report: {exc.strerror or exc}") from None
    return ReportResult(path, int(data.run["run_id"]), data.run["domain"],
                        re.findall(r'data-chart="([^"]+)"', html), len(html.encode("utf-8")))
