"""Stage versions: ``documents.stage_versions``, the versions of preprocess, OCR and extraction
that produced a document's records, so a re-run after a version bump redoes only what changed.

Additive only: existing documents get NULL (unknown), and are re-extracted from their cached
pages on the next run that sees their file.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stage_versions", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("stage_versions")
