"""payment instructions: how a requester pays a body's fees, shown wherever payment is asked for

Revision ID: 0016_payment_instructions
Revises: 0015_reminder_due
Create Date: 2026-11-30 16:10:00

A request waiting for payment told the requester the amount and the deadline but not how to
pay. Each body now keeps its own instructions; until an administrator writes them, a default
sends the requester to the custodian.
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_payment_instructions"
down_revision = "0015_reminder_due"
branch_labels = None
depends_on = None


# In place, never by copying the table: on SQLite a copy drops public_body, which the foreign keys
# of every department refuse (SQLite has had ADD and DROP COLUMN since 3.35).
def upgrade():
    with op.batch_alter_table("public_body", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("payment_instructions", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("public_body", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("payment_instructions")
