"""fee schedule per body

Revision ID: 0011_fee_schedule
Revises: 0010_queue_index
Create Date: 2026-11-22 07:55:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0011_fee_schedule"
down_revision = "0010_queue_index"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "fee_schedule_setting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body_id", sa.Integer(), nullable=False),
        sa.Column("paper_page_cents", sa.Integer(), nullable=False),
        sa.Column("clerical_hourly_cents", sa.Integer(), nullable=False),
        sa.Column("research_hourly_cents", sa.Integer(), nullable=False),
        sa.Column("technical_hourly_cents", sa.Integer(), nullable=False),
        sa.Column("media_prices_cents", sa.JSON(), nullable=False),
        sa.Column("large_fee_threshold_cents", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["body_id"], ["public_body.id"]),
        sa.ForeignKeyConstraint(["updated_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("body_id"),
    )


def downgrade():
    op.drop_table("fee_schedule_setting")
