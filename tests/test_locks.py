"""Runs of one domain never overlap: a PostgreSQL advisory lock per domain."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from chutian_mdm.db.locks import domain_lock
from chutian_mdm.errors import ExitCode, LockedError


def test_second_run_of_a_domain_is_refused_at_once(engine: sa.Engine) -> None:
    with domain_lock(engine, "population"):
        started = time.monotonic()
        with pytest.raises(LockedError, match=r"population: another run .* is in progress") as caught, \
                domain_lock(engine, "population"):
            pass
        assert time.monotonic() - started < 2
        assert caught.value.exit_code == ExitCode.LOCKED
        with domain_lock(engine, "legal_entity"):  # other domains are independent
            pass
    with domain_lock(engine, "population"):  # released
        pass


def test_wait_gets_the_lock_when_the_other_run_finishes(engine: sa.Engine) -> None:
    holding = threading.Event()

    def hold() -> None:
        with domain_lock(engine, "population"):
            holding.set()
            time.sleep(1.0)

    thread = threading.Thread(target=hold)
    thread.start()
    holding.wait(5)
    with pytest.raises(LockedError, match=r"after waiting 0\.2 s"), domain_lock(engine, "population", 0.2):
        pass
    with domain_lock(engine, "population", wait_seconds=10):
        pass
    thread.join()


def test_lock_of_a_dead_connection_is_released(engine: sa.Engine, database_url: str) -> None:
    other = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    conn = other.connect()
    conn.execute(sa.text("SELECT pg_advisory_lock(hashtext('chutian-mdm:run:population'))"))
    with pytest.raises(LockedError), domain_lock(engine, "population"):
        pass
    conn.invalidate()  # the process holding it "dies": its connection goes away
    conn.close()
    other.dispose()
    with domain_lock(engine, "population", wait_seconds=5):
        pass
