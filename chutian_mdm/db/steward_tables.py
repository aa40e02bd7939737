"""Table definitions (SQLAlchemy Core) of the steward audit trail.

``alembic/versions/0005_steward.py`` creates these tables (append-only: a trigger refuses UPDATE,
DELETE and TRUNCATE); ``tests/test_steward.py`` checks that what it created is what this module
describes.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from .tables import metadata

ACTIONS = ("review_accept", "review_reject", "merge", "split", "undo")

# One row per steward action. ``records``: the source records involved ([source, id] pairs);
# ``constraints_added`` / ``constraints_removed``: the mdm.constraints rows the action inserted
# or deleted ({kind, source_l, source_record_id_l, source_r, source_record_id_r}); ``reviews``:
# the review entries whose status it changed ({review_id, from, to}); ``golden_before``: the
# golden IDs of the records when the action was taken.
steward_actions = sa.Table(
    "steward_actions",
    metadata,
    sa.Column("action_id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("domain", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("steward", sa.Text, nullable=False),
    sa.Column("acted_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("note", sa.Text),
    sa.Column("records", pg.JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
    sa.Column("constraints_added", pg.JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
    sa.Column("constraints_removed", pg.JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
    sa.Column("reviews", pg.JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
    sa.Column("golden_before", pg.ARRAY(sa.Text), nullable=False, server_default=sa.text("'{}'")),
    sa.Column("undoes", sa.BigInteger, sa.ForeignKey("mdm.steward_actions.action_id")),
    sa.Column("details", pg.JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
    schema="mdm",
)
sa.Index("steward_actions_domain", steward_actions.c.domain, steward_actions.c.action_id)

# For an action that re-ran its domain (merge, split, undo): the run, the release it published
# and the golden IDs of the action's records afterwards.
steward_action_outcomes = sa.Table(
    "steward_action_outcomes",
    metadata,
    sa.Column("action_id", sa.BigInteger, sa.ForeignKey("mdm.steward_actions.action_id"), primary_key=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("mdm.runs.run_id")),
    sa.Column("release", sa.Integer),
    sa.Column("golden_after", pg.ARRAY(sa.Text), nullable=False, server_default=sa.text("'{}'")),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    schema="mdm",
)
