"""citation table: the provisions a denial may cite, kept in the database an administrator edits

Revision ID: 0020_citation_table
Revises: 0019_custodian_contact
Create Date: 2026-12-02 10:00:00

The citations lived only in the packaged citations.json, so adding one, correcting its wording or
marking an unverified one as checked meant editing code (LAW.md section 4 asks for data an
administrator can extend). The table is seeded here from that file; from then on it is the source
of truth, and ``flask citations sync`` adds what later versions of the file bring. Deployment-wide:
citations are state law, the same for every public body.
"""

import sqlalchemy as sa
from alembic import op

from sunshine.records.citations import load_citations
from sunshine.timeutil import utcnow

revision = "0020_citation_table"
down_revision = "0019_custodian_contact"
branch_labels = None
depends_on = None


def upgrade():
    citation = op.create_table(
        "citation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("short_name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=False),
        sa.Column("statute", sa.String(length=100), nullable=False),
        sa.Column("requires_written_finding", sa.Boolean(), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("finding_guidance", sa.String(length=1000), nullable=False),
        sa.Column("examples", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    now = utcnow()
    op.bulk_insert(
        citation,
        [
            {
                "code": c.code,
                "short_name": c.short_name,
                "description": c.description,
                "statute": c.statute,
                "requires_written_finding": c.requires_written_finding,
                "verified": c.verified,
                "finding_guidance": c.finding_guidance,
                "examples": list(c.examples),
                "note": c.note,
                "retired": False,
                "created_at": now,
                "updated_at": now,
            }
            for c in load_citations().all()
        ],
    )


def downgrade():
    op.drop_table("citation")
