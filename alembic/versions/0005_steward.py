"""Steward workflow: actions and audit trail.

Revision ID: 0005_steward
Revises: 0004_domains
Create Date: 2026-11-25

``mdm.steward_actions``: one row per steward action (review decision, merge, split, undo) — who,
when, what (the records, the constraints it added and removed, the review entries it decided),
why (note), and the golden IDs of the records before. ``mdm.steward_action_outcomes``: for an
action that re-ran its domain, the run, the release and the golden IDs after.

Both are append-only for everyone the application connects as: a trigger refuses UPDATE,
DELETE and TRUNCATE (an undo is a new action), and the group roles of 0003 hold no right to
change them. The mirror of these tables is chutian_mdm/db/steward_tables.py.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "0005_steward"
down_revision = "0004_domains"
branch_labels = None
depends_on = None

READER_ROLE = "chutian_reader"
OPEN_ROLE = "chutian_open"
ACTIONS = ("review_accept", "review_reject", "merge", "split", "undo")
TABLES = ("steward_actions", "steward_action_outcomes")


def upgrade() -> None:
    op.create_table(
        "steward_actions",
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
        sa.CheckConstraint(f"action IN ({', '.join(repr(a) for a in ACTIONS)})", name="steward_actions_action"),
        sa.CheckConstraint("(action = 'undo') = (undoes IS NOT NULL)", name="steward_actions_undo"),
        schema="mdm",
    )
    op.create_index("steward_actions_domain", "steward_actions", ["domain", "action_id"], schema="mdm")
    op.create_table(
        "steward_action_outcomes",
        sa.Column("action_id", sa.BigInteger, sa.ForeignKey("mdm.steward_actions.action_id"), primary_key=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("mdm.runs.run_id")),
        sa.Column("release", sa.Integer),
        sa.Column("golden_after", pg.ARRAY(sa.Text), nullable=False, server_default=sa.text("'{}'")),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema="mdm",
    )
    op.execute("""
        CREATE FUNCTION mdm.refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION '%.% is append-only: steward actions are never changed or deleted', TG_TABLE_SCHEMA,
                TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Reverse an action with `chutian-mdm steward undo ACTION_ID`; it is recorded as an action of its own.';
        END
        $$""")
    for table in TABLES:
        op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON mdm.{table} "
                   "FOR EACH ROW EXECUTE FUNCTION mdm.refuse_audit_change()")
        op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON mdm.{table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION mdm.refuse_audit_change()")
        # The group roles (created by 0003) never read mdm; say explicitly that they may not
        # change the audit trail either, whatever is granted on the schema later.
        op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON mdm.{table} FROM PUBLIC, {READER_ROLE}, {OPEN_ROLE}")


def downgrade() -> None:
    op.drop_table("steward_action_outcomes", schema="mdm")
    op.drop_table("steward_actions", schema="mdm")
    op.execute("DROP FUNCTION mdm.refuse_audit_change()")
