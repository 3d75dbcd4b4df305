"""letter templates per public body: each body's administrators change only their own body's letters

Revision ID: 0018_letter_template_body
Revises: 0017_clock_created_index
Create Date: 2026-11-30 19:10:00

An uploaded template had replaced the default for every body, so the administrator of one body
changed the letterhead and wording of letters every other body sent. Each template now belongs
to one body. Letters go on exactly as before the upgrade: the templates already uploaded become
the first body's, and every other body gets its own copy of each template in use (the same
stored file, uploader and time, so the audit log's record of the upload names it still).
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_letter_template_body"
down_revision = "0017_clock_created_index"
branch_labels = None
depends_on = None

ACTIVE = sa.text("active")
COPIED = ("kind", "storage_key", "sha256", "display_name", "uploaded_by_id", "uploaded_at", "active")


def upgrade():
    with op.batch_alter_table("letter_template", schema=None) as batch_op:
        batch_op.drop_index("uq_letter_template_active_kind", postgresql_where=ACTIVE, sqlite_where=ACTIVE)
        batch_op.add_column(sa.Column("body_id", sa.Integer(), nullable=True))
    bind = op.get_bind()
    bodies = list(bind.scalars(sa.text("SELECT id FROM public_body ORDER BY id")))
    columns = ", ".join(COPIED)
    in_use = bind.execute(sa.text(f"SELECT {columns} FROM letter_template WHERE active")).mappings().all()  # noqa: S608
    if bodies:
        bind.execute(sa.text("UPDATE letter_template SET body_id = :body"), {"body": bodies[0]})
        copy = sa.text(
            f"INSERT INTO letter_template (body_id, {columns}) "  # noqa: S608 - names from COPIED
            f"VALUES (:body_id, {', '.join(':' + name for name in COPIED)})"
        )
        for body in bodies[1:]:
            for template in in_use:
                bind.execute(copy, {**template, "body_id": body})
    elif bind.scalar(sa.text("SELECT count(*) FROM letter_template")):
        raise RuntimeError("Letter templates were uploaded, but there is no public body to give them to.")
    with op.batch_alter_table("letter_template", schema=None) as batch_op:
        batch_op.alter_column("body_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_letter_template_body_id_public_body"), "public_body", ["body_id"], ["id"]
        )
        batch_op.create_index(
            "uq_letter_template_active_body_kind",
            ["body_id", "kind"],
            unique=True,
            postgresql_where=ACTIVE,
            sqlite_where=ACTIVE,
        )


def downgrade():
    # One set of templates for all bodies again. A letter keeps an uploaded template only where
    # every body uses that same file; otherwise every body goes back to the default, rather than
    # one body's letterhead going out on all the others' letters. Nothing is deleted.
    bind = op.get_bind()
    bodies = bind.scalar(sa.text("SELECT count(*) FROM public_body"))
    shared = (
        bind.execute(
            sa.text(
                "SELECT min(id) FROM letter_template WHERE active "
                "GROUP BY kind, storage_key HAVING count(DISTINCT body_id) = :bodies"
            ),
            {"bodies": bodies},
        )
        .scalars()
        .all()
    )
    bind.execute(sa.text("UPDATE letter_template SET active = false"))
    for template_id in shared:
        bind.execute(sa.text("UPDATE letter_template SET active = true WHERE id = :id"), {"id": template_id})
    with op.batch_alter_table("letter_template", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_letter_template_active_body_kind", postgresql_where=ACTIVE, sqlite_where=ACTIVE
        )
        batch_op.drop_constraint("fk_letter_template_body_id_public_body", type_="foreignkey")
        batch_op.drop_column("body_id")
        batch_op.create_index(
            "uq_letter_template_active_kind",
            ["kind"],
            unique=True,
            postgresql_where=ACTIVE,
            sqlite_where=ACTIVE,
        )
