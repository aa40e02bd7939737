"""Alembic environment for chutian-mdm.

chutian-mdm runs migrations itself (``chutian-mdm db upgrade``) and hands over an open
connection; the ``alembic`` command line also works with ``CHUTIAN_MDM_DATABASE_URL`` set.
"""

from __future__ import annotations

import os

import sqlalchemy as sa

from alembic import context

config = context.config


def run_migrations(connection: sa.Connection) -> None:
    context.configure(connection=connection, transaction_per_migration=False)
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    url = os.environ.get("CHUTIAN_MDM_DATABASE_URL") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("set CHUTIAN_MDM_DATABASE_URL to run alembic directly")
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        run_migrations(conn)
        conn.commit()
