"""reminders: each is sent once per due date, so a due date that moves is reminded of again

Revision ID: 0015_reminder_due
Revises: 0014_delay_time
Create Date: 2026-11-30 16:00:00

A reminder sent used to count for the clock for good: after a closure day, a resume or an
extension moved the due date, nobody was reminded of the new one. Each row now names the
due date it reminded of. Rows sent before this change are taken to be for the clock's
current due date, so nothing already sent is sent again.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_reminder_due"
down_revision = "0014_delay_time"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("reminder_sent", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_on", sa.Date(), nullable=True))
    op.execute(
        "UPDATE reminder_sent SET due_on = (SELECT due_on FROM clock WHERE clock.id = reminder_sent.clock_id)"
    )
    with op.batch_alter_table("reminder_sent", schema=None) as batch_op:
        batch_op.alter_column("due_on", existing_type=sa.Date(), nullable=False)
        batch_op.drop_constraint("uq_reminder_sent_clock_id_kind", type_="unique")
        batch_op.create_unique_constraint(
            "uq_reminder_sent_clock_id_kind_due_on", ["clock_id", "kind", "due_on"]
        )


def downgrade():
    # Keep the latest row of each clock and kind, as the older constraint allows one.
    op.execute(
        "DELETE FROM reminder_sent WHERE id NOT IN "
        "(SELECT max(id) FROM reminder_sent GROUP BY clock_id, kind)"
    )
    with op.batch_alter_table("reminder_sent", schema=None) as batch_op:
        batch_op.drop_constraint("uq_reminder_sent_clock_id_kind_due_on", type_="unique")
        batch_op.create_unique_constraint("uq_reminder_sent_clock_id_kind", ["clock_id", "kind"])
        batch_op.drop_column("due_on")
