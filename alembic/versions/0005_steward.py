"""Steward workflow: actions and audit trail.

Revision ID: 0005_steward
Revises: 0004_domains
Create Date: 2026-11-25
"""

from __future__ import annotations

revision = "0005_steward"
down_revision = "0004_domains"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
