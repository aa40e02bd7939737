"""Domain additions for legal entities, places and indicators.

Revision ID: 0004_domains
Revises: 0003_golden
Create Date: 2026-11-25
"""

from __future__ import annotations

revision = "0004_domains"
down_revision = "0003_golden"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
