"""Web app and citizen master record: users, jobs, citizens, citizen_links, citizen_values.

Additive only: no table of 0001 changes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "citizens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("id_number", sa.String(length=12), nullable=True),
        sa.Column("full_name", sa.Text(), nullable=True),
        sa.Column("date_of_birth", sa.String(length=10), nullable=True),
        sa.Column("sex", sa.String(length=10), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizens")),
        sa.UniqueConstraint("id_number", name=op.f("uq_citizens_id_number")),
    )
    with op.batch_alter_table("citizens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_citizens_date_of_birth"), ["date_of_birth"], unique=False
        )

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("upload_dir", sa.Text(), nullable=False),
        sa.Column("uploaded", sa.JSON(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("progress", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_jobs_batch_id_batches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_jobs_status"), ["status"], unique=False)

    op.create_table(
        "citizen_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name=op.f("fk_citizen_links_citizen_id_citizens")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_citizen_links_record_id_records")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizen_links")),
        sa.UniqueConstraint("record_id", name=op.f("uq_citizen_links_record_id")),
    )
    with op.batch_alter_table("citizen_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_citizen_links_citizen_id"), ["citizen_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_citizen_links_status"), ["status"], unique=False)

    op.create_table(
        "citizen_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("field_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("field_status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name=op.f("fk_citizen_values_citizen_id_citizens")
        ),
        sa.ForeignKeyConstraint(
            ["field_id"], ["fields.id"], name=op.f("fk_citizen_values_field_id_fields")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_citizen_values_record_id_records")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizen_values")),
        sa.UniqueConstraint("field_id", name=op.f("uq_citizen_values_field_id")),
    )
    with op.batch_alter_table("citizen_values", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_citizen_values_citizen_id"), ["citizen_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_citizen_values_record_id"), ["record_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("citizen_values", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_citizen_values_record_id"))
        batch_op.drop_index(batch_op.f("ix_citizen_values_citizen_id"))

    op.drop_table("citizen_values")
    with op.batch_alter_table("citizen_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_citizen_links_status"))
        batch_op.drop_index(batch_op.f("ix_citizen_links_citizen_id"))

    op.drop_table("citizen_links")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jobs_status"))

    op.drop_table("jobs")
    op.drop_table("users")
    with op.batch_alter_table("citizens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_citizens_date_of_birth"))

    op.drop_table("citizens")
