"""receipt job and tracking-number sequences

The receipt of a new request (letter and email) is sent by a job just after filing.
On PostgreSQL each year's tracking numbers come from a sequence, continuing from the
counter row, so filings never wait on that row.

Revision ID: 0012_receipt_job
Revises: 0011_fee_schedule
Create Date: 2026-11-30 08:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0012_receipt_job"
down_revision = "0011_fee_schedule"
branch_labels = None
depends_on = None

PENDING = sa.text("receipt_sent_at IS NULL")


def upgrade():
    with op.batch_alter_table("records_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("receipt_sent_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("pending_access_token", sa.Text(), nullable=True))
        batch_op.create_index(
            "ix_records_request_receipt_pending",
            ["created_at"],
            unique=False,
            postgresql_where=PENDING,
            sqlite_where=PENDING,
        )
    # Requests filed before this revision had their receipt sent as they were filed.
    op.execute("UPDATE records_request SET receipt_sent_at = created_at")
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for year, last in bind.execute(sa.text("SELECT year, last FROM tracking_counter")).all():
            op.execute(f"CREATE SEQUENCE tracking_number_{int(year)} OWNED BY tracking_counter.last")
            if last > 0:
                op.execute(f"SELECT setval('tracking_number_{int(year)}', {int(last)})")


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        names = bind.execute(
            sa.text("SELECT relname FROM pg_class WHERE relkind = 'S' AND relname LIKE 'tracking_number_%'")
        ).scalars()
        for name in list(names):
            year = int(name.rsplit("_", 1)[1])
            sequence = f"tracking_number_{year}"  # rebuilt from the number, never the catalogue's text
            last = bind.execute(
                sa.text(f"SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {sequence}")  # noqa: S608
            ).scalar()
            bind.execute(
                sa.text(
                    "INSERT INTO tracking_counter (year, last) VALUES (:year, :last) "
                    "ON CONFLICT (year) DO UPDATE SET last = excluded.last"
                ),
                {"year": year, "last": last},
            )
            op.execute(f"DROP SEQUENCE {sequence}")
    with op.batch_alter_table("records_request", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_records_request_receipt_pending", postgresql_where=PENDING, sqlite_where=PENDING
        )
        batch_op.drop_column("pending_access_token")
        batch_op.drop_column("receipt_sent_at")
