"""queue counts: an index of paused open clocks

Revision ID: 0013_queue_counts
Revises: 0012_receipt_job
Create Date: 2026-11-30 09:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0013_queue_counts"
down_revision = "0012_receipt_job"
branch_labels = None
depends_on = None

PAUSED = sa.text("outcome = 'open' AND paused_at IS NOT NULL")


def upgrade():
    with op.batch_alter_table("clock", schema=None) as batch_op:
        batch_op.create_index(
            "ix_clock_open_paused", ["unit_id"], postgresql_where=PAUSED, sqlite_where=PAUSED
        )


def downgrade():
    with op.batch_alter_table("clock", schema=None) as batch_op:
        batch_op.drop_index("ix_clock_open_paused", postgresql_where=PAUSED, sqlite_where=PAUSED)
