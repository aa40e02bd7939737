"""``chutian-mdm db``: the database's schema revision and the embedded server."""

from __future__ import annotations

import typer

from ..db import migrate
from ..db.embedded import EmbeddedPostgres
from ..db.engine import create_engine, database_url, redact
from ._common import console, print_json, state

app = typer.Typer(help="Database: schema upgrade and status, the embedded server.", no_args_is_help=True)


@app.command()
def upgrade(ctx: typer.Context) -> None:
    """Upgrade the database schema to this version of chutian-mdm."""
    engine = create_engine(state(ctx).settings)
    before = migrate.status(engine)
    after = migrate.upgrade(engine)
    if before.database_revision == after.database_revision:
        console.print(f"Database schema already at {after.database_revision}; nothing to do.")
    else:
        console.print(
            f"Database schema upgraded from {before.database_revision or '(empty)'} "
            f"to {after.database_revision}."
        )


@app.command()
def status(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Show which database is used and whether its schema fits this code."""
    settings = state(ctx).settings
    url = database_url(settings)
    current = migrate.status(create_engine(settings))
    data = {
        "database": redact(url),
        "embedded": settings.uses_embedded_database,
        "home": str(settings.home) if settings.uses_embedded_database else None,
        "database_revision": current.database_revision,
        "code_revision": current.code_revision,
        "state": current.state,
    }
    if as_json:
        print_json(data)
        return
    console.print(f"database:  {data['database']}" + ("  (embedded)" if data["embedded"] else ""))
    if data["home"]:
        console.print(f"data in:   {data['home']}")
    console.print(f"schema:    {current.database_revision or '(empty)'}  [{current.state}]")
    console.print(f"this code: {current.code_revision}")


@app.command()
def start(ctx: typer.Context) -> None:
    """Start the embedded PostgreSQL (if not running) and print its URL."""
    settings = state(ctx).settings
    server = EmbeddedPostgres(settings.home)
    console.print(server.start())


@app.command()
def stop(ctx: typer.Context) -> None:
    """Stop the embedded PostgreSQL."""
    server = EmbeddedPostgres(state(ctx).settings.home)
    console.print("Embedded PostgreSQL stopped." if server.stop() else "Embedded PostgreSQL was not running.")
