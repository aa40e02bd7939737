"""What every command shares: settings, the database, output to a terminal or as JSON."""

from __future__ import annotations

import datetime as dt
import json
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import typer
from rich import box
from rich.console import Console
from rich.table import Table

from ..config import Settings
from ..db import open_database

console = Console(stderr=False, highlight=False, soft_wrap=True, markup=False)
err_console = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)


@dataclass
class State:
    settings: Settings
    _engine: sa.Engine | None = field(default=None, init=False)

    def engine(self) -> sa.Engine:
        if self._engine is None:
            self._engine = open_database(self.settings)
        return self._engine


def state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    assert isinstance(obj, State)
    return obj


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def cell_text(value: Any) -> str:
    """A value as a table cell: empty for None, timestamps to the minute."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    return str(value)


def new_table(title: str, **options: Any) -> Table:
    """A table in the CLI's compact style: no vertical rules, so that more of each value fits on
    a narrow terminal."""
    return Table(title=title, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True,
                 **options)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=_default) + "\n")


def show_progress(quiet: bool) -> bool:
    """Progress bars only for a person at a terminal."""
    return not quiet and err_console.is_terminal
