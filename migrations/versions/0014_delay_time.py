"""delay notices: the earliest time the records are available, not just the date

Revision ID: 0014_delay_time
Revises: 0013_queue_counts
Create Date: 2026-11-30 13:40:00

RSMo 610.023.3 asks a delay notice for the place and the earliest date *and time*. Notices
given before this change keep no time (NULL); every new one has it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_delay_time"
down_revision = "0013_queue_counts"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("delay_notice", schema=None) as batch_op:
        batch_op.add_column(sa.Column("available_at_time", sa.Time(), nullable=True))


def downgrade():
    with op.batch_alter_table("delay_notice", schema=None) as batch_op:
        batch_op.drop_column("available_at_time")
