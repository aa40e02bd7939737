"""Golden records: releases, history, xref, changes, open views and roles.

Revision ID: 0003_golden
Revises: 0002_matching
Create Date: 2026-11-25
"""

from __future__ import annotations

revision = "0003_golden"
down_revision = "0002_matching"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
