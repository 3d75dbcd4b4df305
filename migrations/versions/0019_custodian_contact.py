"""custodian contact: who a body's custodian of records is and how to reach them, shown to requesters

Revision ID: 0019_custodian_contact
Revises: 0018_letter_template_body
Create Date: 2026-11-30 19:40:00

Each public body appoints a custodian of records, whose identity and location are to be made
available on request (RSMo 610.023.1). The requester's pages told them to call or visit the
office without saying where it is; each body now writes its custodian's details once.
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_custodian_contact"
down_revision = "0018_letter_template_body"
branch_labels = None
depends_on = None


# In place, never by copying the table: on SQLite a copy drops public_body, which the foreign keys
# of every department refuse.
def upgrade():
    with op.batch_alter_table("public_body", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("custodian_contact", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("public_body", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("custodian_contact")
