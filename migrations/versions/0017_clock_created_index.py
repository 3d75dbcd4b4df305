"""clocks: an index on when each was started, for the sweep's re-check of new clocks

Revision ID: 0017_clock_created_index
Revises: 0016_payment_instructions
Create Date: 2026-11-30 16:50:00

Each sweep checks the clocks started in the last two hours against the calendar as it now
stands (a closure day added while a request was being filed). The index keeps that a read of
the few new clocks, however many there are in all.
"""

from alembic import op

revision = "0017_clock_created_index"
down_revision = "0016_payment_instructions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("clock", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_clock_created_at"), ["created_at"], unique=False)


def downgrade():
    with op.batch_alter_table("clock", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clock_created_at"))
