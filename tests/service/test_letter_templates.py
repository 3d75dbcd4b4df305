"""Administrators replace letter templates; a bad template is refused at upload, never in a letter."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import pytest
from docx import Document
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from sunshine.audit.models import AuditEvent
from sunshine.authz import Role
from sunshine.documents.docx_template import TemplateError
from sunshine.documents.storage import storage
from sunshine.extensions import db
from sunshine.letters import services
from sunshine.letters.defaults import LETTERS, default_template
from sunshine.letters.models import LetterTemplate
from sunshine.units.models import PublicBody

CUSTOM_WORDING = "The Office of the Town Clerk has your request on file"


def custom_acknowledgement(extra: str = "") -> bytes:
    """A house-style acknowledgement whose tracking-number placeholder Word split over three runs."""
    document = Document()
    document.add_paragraph("{{ body_name }}")
    paragraph = document.add_paragraph(f"{CUSTOM_WORDING}: ")
    paragraph.add_run("{{ track")
    paragraph.add_run("ing_num").bold = True
    paragraph.add_run("ber }}, received {{ received_on }}, due {{ response_due }}.")
    if extra:
        document.add_paragraph(extra)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def as_docm(doc_bytes: bytes) -> bytes:
    """The same document saved as macro-enabled: a VBA project and the macro content type."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(doc_bytes)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"wordprocessingml.document.main+xml", b"ms-word.document.macroEnabled.main+xml"
                )
            target.writestr(item, data)
        target.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    return out.getvalue()


def letter_text(request, kind: str) -> str:
    (letter,) = [lt for lt in services.letters_for("records_request", request.id) if lt.kind == kind]
    with storage().open(letter.storage_key) as handle:
        return "\n".join(p.text for p in Document(io.BytesIO(handle.read())).paragraphs)


def stored_files() -> list[Path]:
    root = Path(current_app.config.get("FILES_ROOT") or Path(current_app.instance_path) / "files")
    return [path for path in root.rglob("*") if path.is_file()]


def home() -> int:
    """The public body the tests' administrators and requests belong to: the first there is."""
    return db.session.scalar(select(func.min(PublicBody.id)))


def template_count() -> int:
    return db.session.scalar(select(func.count()).select_from(LetterTemplate))


def test_an_uploaded_template_is_used_for_the_nextletter_text(factories) -> None:
    admin = factories.user(Role.ADMINISTRATOR)
    services.upload_template(admin, home(), "acknowledgement", custom_acknowledgement(), "Clerk letter.docx")
    request = factories.request().request
    text = letter_text(request, "acknowledgement")
    assert f"{CUSTOM_WORDING}: {request.tracking_number}, received Tuesday 3 March 2026" in text
    assert "{{" not in text and "Under the Missouri Sunshine Law" not in text


def test_an_upload_is_on_the_audit_record_with_its_hash(factories) -> None:
    admin = factories.user(Role.ADMINISTRATOR)
    template = services.upload_template(
        admin, home(), "acknowledgement", custom_acknowledgement(), "clerk.docx"
    )
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "letter_template.uploaded")
    ).one()
    assert event.actor_id == admin.id
    assert event.details == {
        "body_id": home(),
        "kind": "acknowledgement",
        "sha256": template.sha256,
        "replaces_id": None,
    }
    assert template.display_name == "clerk.docx"


def test_a_placeholder_the_letter_cannot_fill_is_refused_and_nothing_is_stored(factories) -> None:
    admin = factories.user(Role.ADMINISTRATOR)
    before = stored_files()
    with pytest.raises(TemplateError) as refused:
        services.upload_template(
            admin, home(), "acknowledgement", custom_acknowledgement("{{ favourite_colour }}"), "clerk.docx"
        )
    message = str(refused.value)
    assert "{{ favourite_colour }}" in message and "Placeholders you can use" in message
    assert "{{ response_due }}" in message
    assert template_count() == 0 and stored_files() == before


def test_a_placeholder_of_another_letter_is_refused(factories) -> None:
    admin = factories.user(Role.ADMINISTRATOR)
    with pytest.raises(TemplateError, match=r"\{\{ delay_explanation \}\}"):
        services.upload_template(
            admin, home(), "acknowledgement", custom_acknowledgement("{{ delay_explanation }}"), "x.docx"
        )


def test_a_table_placeholder_outside_its_table_row_is_refused(factories) -> None:
    admin = factories.user(Role.ADMINISTRATOR)
    document = Document()
    document.add_paragraph("Your fee is {{ fee_total }}, of which {{ fees.amount }} is for copies.")
    out = io.BytesIO()
    document.save(out)
    with pytest.raises(TemplateError, match="only in a table row"):
        services.upload_template(admin, home(), "payment_request", out.getvalue(), "fees.docx")
    assert template_count() == 0


def test_a_template_that_leaves_out_what_the_law_requires_is_refused(factories) -> None:
    """A delay notice must give the place and the earliest date and time (RSMo 610.023.3)."""
    admin = factories.user(Role.ADMINISTRATOR)
    document = Document()
    document.add_paragraph(
        "Request {{ tracking_number }} is delayed: {{ delay_explanation }}. "
        "Come to {{ available_place }} on {{ available_on }}."
    )
    out = io.BytesIO()
    document.save(out)
    with pytest.raises(TemplateError, match=r"must state: \{\{ available_time \}\}"):
        services.upload_template(admin, home(), "delay", out.getvalue(), "delay.docx")
    assert template_count() == 0


@pytest.mark.parametrize("kind", list(LETTERS))
def test_every_default_template_states_what_its_letter_must(kind: str) -> None:
    from sunshine.documents import docx_template

    assert set(LETTERS[kind].required) <= docx_template.placeholders(default_template(kind))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (as_docm(custom_acknowledgement()), "contains macros"),
        (random.Random(5).randbytes(10_000), "not a Word document"),
        (b"", "not a Word document"),
    ],
    ids=["docm", "random-bytes", "empty"],
)
def test_macro_documents_and_files_that_are_not_word_are_refused(
    factories, data: bytes, message: str
) -> None:
    admin = factories.user(Role.ADMINISTRATOR)
    before = stored_files()
    with pytest.raises(TemplateError, match=message):
        services.upload_template(admin, home(), "acknowledgement", data, "letter.docx")
    assert template_count() == 0 and stored_files() == before


def test_a_file_over_the_size_limit_is_refused(factories) -> None:
    admin = factories.user(Role.ADMINISTRATOR)
    with pytest.raises(services.LetterTemplateError, match="larger than 5 MB"):
        services.upload_template(admin, home(), "grant", b"0" * (services.MAX_TEMPLATE_BYTES + 1), "big.docx")


@pytest.mark.parametrize("kind", list(LETTERS))
def test_every_default_template_would_be_accepted_as_an_upload(factories, kind: str) -> None:
    admin = factories.user(Role.ADMINISTRATOR)
    services.upload_template(admin, home(), kind, default_template(kind), f"{kind}.docx")
    assert services.template_bytes(home(), kind) == default_template(kind)


def test_a_second_upload_replaces_the_first_and_both_are_kept(factories) -> None:
    admin = factories.user(Role.ADMINISTRATOR)
    first = services.upload_template(admin, home(), "acknowledgement", custom_acknowledgement(), "one.docx")
    replacement = custom_acknowledgement("P.S.")  # built once: a .docx records when it was written
    second = services.upload_template(admin, home(), "acknowledgement", replacement, "two.docx")
    assert services.active_template(home(), "acknowledgement") == second
    assert not db.session.get(LetterTemplate, first.id).active and template_count() == 2
    assert services.template_bytes(home(), "acknowledgement") == replacement


def test_reverting_restores_the_default_wording(factories) -> None:
    admin = factories.user(Role.ADMINISTRATOR)
    services.upload_template(admin, home(), "acknowledgement", custom_acknowledgement(), "clerk.docx")
    services.revert_to_default(admin, home(), "acknowledgement")
    assert services.active_template(home(), "acknowledgement") is None
    assert services.template_bytes(home(), "acknowledgement") == default_template("acknowledgement")
    text = letter_text(factories.request().request, "acknowledgement")
    assert "Under the Missouri Sunshine Law" in text and CUSTOM_WORDING not in text
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "letter_template.reverted"))


def test_reverting_a_letter_that_uses_the_default_says_so(factories) -> None:
    admin = factories.user(Role.ADMINISTRATOR)
    with pytest.raises(services.LetterTemplateError, match="already uses the default"):
        services.revert_to_default(admin, home(), "denial")


def test_other_letters_keep_their_default_when_one_is_replaced(factories) -> None:
    admin = factories.user(Role.ADMINISTRATOR)
    services.upload_template(admin, home(), "acknowledgement", custom_acknowledgement(), "clerk.docx")
    assert services.template_bytes(home(), "grant") == default_template("grant")


def test_the_database_refuses_two_active_templates_for_one_letter_of_one_body(factories) -> None:
    factories.unit()
    first = services.upload_template(None, home(), "grant", default_template("grant"), "grant.docx")
    db.session.add(
        LetterTemplate(
            body_id=home(), kind="grant", storage_key=first.storage_key, sha256="0" * 64, display_name="x"
        )
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_template_is_one_bodys_own_and_other_bodies_keep_their_letters(factories) -> None:
    """The county's administrator gives the county its own acknowledgement; the city's letters stay."""
    city_admin = factories.user(Role.ADMINISTRATOR)
    county = factories.unit("COUNTYREC", body="county").department.body_id
    county_admin = factories.user(Role.ADMINISTRATOR, unit="COUNTYREC")
    assert county != home()

    template = services.upload_template(
        county_admin, county, "acknowledgement", custom_acknowledgement(), "county.docx"
    )
    assert template.body_id == county
    assert services.active_template(home(), "acknowledgement") is None
    county_request = factories.request(unit_code="COUNTYREC").request
    city_request = factories.request().request
    assert CUSTOM_WORDING in letter_text(county_request, "acknowledgement")
    assert CUSTOM_WORDING not in letter_text(city_request, "acknowledgement")
    assert "Under the Missouri Sunshine Law" in letter_text(city_request, "acknowledgement")

    # Each body may have its own template of the same letter at once, and revert only its own.
    services.upload_template(
        city_admin, home(), "acknowledgement", custom_acknowledgement("City"), "city.docx"
    )
    services.revert_to_default(county_admin, county, "acknowledgement")
    assert services.active_template(county, "acknowledgement") is None
    assert services.active_template(home(), "acknowledgement").display_name == "city.docx"
    uploaded = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "letter_template.uploaded", AuditEvent.object_id == str(template.id)
        )
    ).one()
    assert uploaded.details["body_id"] == county
