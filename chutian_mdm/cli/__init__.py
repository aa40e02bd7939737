"""The ``chutian-mdm`` command line. Each command parses, calls one library function, prints.

Exit codes (README "Exit codes"): 0 success, 1 failed, 2 usage or configuration error,
3 nothing to do, 4 done but some rows quarantined, 5 locked, 6 database schema does not fit.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from ..config import CONFIG_ENV, DATABASE_URL_ENV, HOME_ENV, Settings, use_config_dir
from ..db.engine import redact
from ..errors import ExitCode, MdmError
from . import db as db_commands
from . import indicators as indicator_commands
from ._common import State, err_console
from .demo import demo
from .golden import changes, golden_app, releases
from .ingest import batches, ingest, quarantine_app
from .match import explain, run, runs, train
from .report import report
from .steward import merge, review_app, split, steward_app

app = typer.Typer(
    name="chutian-mdm",
    help="Master data for the four foundational databases: 人口, 法人, 空间地理, 宏观经济.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def _root(
    ctx: typer.Context,
    database_url: str | None = typer.Option(
        None, "--database-url", envvar=DATABASE_URL_ENV, show_envvar=True,
        help="PostgreSQL URL. Without it, an embedded PostgreSQL is started and kept under the home folder.",
    ),
    home: Path | None = typer.Option(
        None, "--home", envvar=HOME_ENV, show_envvar=True,
        help="Folder for the embedded database (default: the user's data folder).",
    ),
    config: Path | None = typer.Option(
        None, "--config", envvar=CONFIG_ENV, show_envvar=True,
        help="The deployment's config folder (default: <home>/config).",
    ),
) -> None:
    settings = Settings.from_env(database_url=database_url, home=home, config=config)
    use_config_dir(settings.config_dir)
    ctx.obj = State(settings)


app.add_typer(db_commands.app, name="db")
app.command()(run)
app.command()(train)
app.command()(explain)
app.command()(runs)
app.command()(ingest)
app.command()(batches)
app.add_typer(quarantine_app, name="quarantine")
app.command()(demo)
app.add_typer(indicator_commands.app, name="indicators")
app.add_typer(golden_app, name="golden")
app.command()(releases)
app.command()(changes)
app.add_typer(review_app, name="review")
app.command()(merge)
app.command()(split)
app.add_typer(steward_app, name="steward")
app.command()(report)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code: expected problems become one clear line."""
    try:
        from typer import _click as click  # typer >= 0.29 ships its own copy of click
    except ImportError:  # pragma: no cover - older typer depends on click
        import click  # type: ignore[no-redef]

    try:
        result = app(args=argv, prog_name="chutian-mdm", standalone_mode=False)
    except MdmError as exc:
        err_console.print(f"chutian-mdm: error: {_safe(str(exc))}", markup=False)
        return int(exc.exit_code)
    except (typer.Exit, getattr(click.exceptions, "Exit", typer.Exit)) as exc:
        return int(exc.exit_code)
    except (typer.Abort, getattr(click.exceptions, "Abort", typer.Abort)):
        err_console.print("Aborted.")
        return int(ExitCode.FAILED)
    except click.ClickException as exc:
        exc.show()
        return int(ExitCode.USAGE)
    except KeyboardInterrupt:
        err_console.print("Interrupted; the unfinished batch was rolled back.")
        return 130
    return result if isinstance(result, int) else int(ExitCode.OK)


def entry_point() -> None:
    sys.exit(main())


def _safe(message: str) -> str:
    """Never print a password that may be part of a database URL in a message."""
    import re

    return re.sub(r"postgres(?:ql)?(?:\+\w+)?://\S+", lambda m: redact(m.group(0)), message)
