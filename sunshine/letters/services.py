"""Generating a letter: fill the template, store the .docx, record it on the case.

A body's administrators may replace a letter's default template with their own .docx, for
their body's letters only; it is checked when uploaded, so its mistakes show up then, not as
a failed or blank letter later.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from sunshine.audit.services import record
from sunshine.documents import docx_template
from sunshine.documents.filetypes import safe_display_name
from sunshine.documents.storage import save_in_transaction, storage
from sunshine.extensions import db
from sunshine.letters.defaults import LETTERS, LetterSpec, allowed_placeholders, default_template
from sunshine.letters.models import Letter, LetterTemplate
from sunshine.timeutil import utcnow

# A letter template is a few pages and perhaps a letterhead image.
MAX_TEMPLATE_BYTES = 5 * 1024 * 1024


class LetterTemplateError(ValueError):
    """An upload or revert that cannot be done; the message says why and what to do."""


def generate(
    actor, *, body_id: int, kind: str, case_type: str, case_id: int, values: Mapping[str, object]
) -> Letter:
    """Render letter ``kind`` of the public body ``body_id`` with ``values`` and store it; the caller commits.

    A missing value is an error (docx_template refuses to leave a blank in a letter
    to the public), so callers pass every placeholder the letter uses.
    """
    properties = docx_template.Properties(
        title=LETTERS[kind].title,
        author=", ".join(filter(None, ("Custodian of Records", str(values.get("body_name") or "")))),
        created=utcnow(),
    )
    data = docx_template.render(template_bytes(body_id, kind), values, properties)
    stored = save_in_transaction(data)
    letter = Letter(
        case_type=case_type,
        case_id=case_id,
        kind=kind,
        title=LETTERS[kind].title,
        storage_key=stored.key,
        sha256=stored.sha256,
        size=stored.size,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(letter)
    db.session.flush()
    record(
        actor,
        "letter.generated",
        object_type=case_type,
        object_id=case_id,
        details={"letter_id": letter.id, "kind": kind, "sha256": stored.sha256},
    )
    return letter


def letters_for(case_type: str, case_id: int) -> list[Letter]:
    return list(
        db.session.scalars(
            select(Letter).where(Letter.case_type == case_type, Letter.case_id == case_id).order_by(Letter.id)
        )
    )


def active_template(body_id: int, kind: str) -> LetterTemplate | None:
    """The uploaded template the body's letters of ``kind`` use now, or None for the default."""
    return db.session.scalar(
        select(LetterTemplate).where(
            LetterTemplate.body_id == body_id, LetterTemplate.kind == kind, LetterTemplate.active
        )
    )


def template_bytes(body_id: int, kind: str) -> bytes:
    """The .docx the body's letters of ``kind`` are filled from: its active upload, else the default."""
    template = active_template(body_id, kind)
    if template is None:
        return default_template(kind)
    with storage().open(template.storage_key) as handle:
        return handle.read()


def left_out_of_upload(body_id: int, kind: str) -> list[str] | None:
    """Placeholders the default letter of ``kind`` fills that the body's uploaded template leaves out
    (None when its stored file cannot be read).

    Allowed, unless the law needs them (those are refused at upload), but worth a look: a template
    made before a placeholder was added (``{{ response_time }}`` in the clarification letter, which
    says whether the response time is paused) keeps saying what the new placeholder now says right.
    """
    if active_template(body_id, kind) is None:
        return []
    try:
        used = docx_template.placeholders(template_bytes(body_id, kind))
    except (OSError, docx_template.TemplateError):
        return None  # the page says the stored file cannot be read
    return sorted(docx_template.placeholders(default_template(kind)) - used)


def upload_template(actor, body_id: int, kind: str, data: bytes, filename: str) -> LetterTemplate:
    """Make ``data`` the template of the body's letter ``kind``, replacing its earlier upload; commits.

    Raises ``TemplateError`` (not a macro-free .docx, stray braces, a placeholder this
    letter cannot fill, one it must state left out, a table placeholder outside its table row) or
    ``LetterTemplateError``, both with a message for the administrator; nothing is
    stored when either is raised.
    """
    _spec(kind)
    if len(data) > MAX_TEMPLATE_BYTES:
        raise LetterTemplateError(
            f"This file is larger than {MAX_TEMPLATE_BYTES // 2**20} MB. A letter template should be a "
            "few pages: remove large images and upload it again."
        )
    docx_template.validate_template(data, allowed_placeholders(kind))
    _trial_render(kind, data)
    _check_required(kind, data)
    stored = storage().save(data)
    try:
        previous = active_template(body_id, kind)
        if previous is not None:
            previous.active = False
            db.session.flush()  # before the insert, or the one-active-per-kind index refuses it
        template = LetterTemplate(
            body_id=body_id,
            kind=kind,
            storage_key=stored.key,
            sha256=stored.sha256,
            display_name=safe_display_name(filename or "template.docx"),
            uploaded_by_id=getattr(actor, "id", None),
        )
        db.session.add(template)
        db.session.flush()
        record(
            actor,
            "letter_template.uploaded",
            template,
            details={
                "body_id": body_id,
                "kind": kind,
                "sha256": stored.sha256,
                "replaces_id": previous.id if previous else None,
            },
        )
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        storage().delete(stored.key)
        if isinstance(exc, IntegrityError):  # another upload for this kind won the race
            raise LetterTemplateError(
                "Someone else changed this letter's template at the same moment. Reload the page and "
                "check which template is in use before uploading again."
            ) from exc
        raise
    return template


def revert_to_default(actor, body_id: int, kind: str) -> LetterTemplate:
    """Stop using the body's uploaded template of ``kind``, so its letters use the default again; commits.

    Returns the template set aside (kept, inactive, for the record). Raises
    ``LetterTemplateError`` when the letter already uses the default.
    """
    spec = _spec(kind)
    template = active_template(body_id, kind)
    if template is None:
        raise LetterTemplateError(f"“{spec.title}” already uses the default template.")
    template.active = False
    details = {"body_id": body_id, "kind": kind, "sha256": template.sha256}
    record(actor, "letter_template.reverted", template, details=details)
    db.session.commit()
    return template


def _spec(kind: str) -> LetterSpec:
    if kind not in LETTERS:
        raise LetterTemplateError(f"There is no letter called “{kind}”.")
    return LETTERS[kind]


def _check_required(kind: str, data: bytes) -> None:
    """Refuse a template that leaves out a placeholder carrying what the law requires the letter to say."""
    missing = set(LETTERS[kind].required) - docx_template.placeholders(data)
    if missing:
        listed = ", ".join(f"{{{{ {name} }}}}" for name in sorted(missing))
        raise docx_template.TemplateError(
            f"This template leaves out what a “{LETTERS[kind].title}” letter must state: {listed}. "
            "Put each of them back where the letter should say it."
        )


def _trial_render(kind: str, data: bytes) -> None:
    """Fill the template with sample values, as ``generate`` will, to refuse now what would fail then.

    A dotted placeholder such as ``{{ fees.amount }}`` is filled only in a table row that
    repeats once per item; anywhere else it has no value.
    """
    values: dict[str, object] = {}
    for name in allowed_placeholders(kind):
        key, dot, field = name.partition(".")
        if dot:
            values.setdefault(key, [{}])[0][field] = "sample"  # type: ignore[index]
        else:
            values[name] = "sample"
    try:
        docx_template.render(data, values)
    except docx_template.TemplateError as exc:
        dotted = sorted(name for name in allowed_placeholders(kind) if "." in name)
        hint = (
            f" A placeholder with a dot, such as {{{{ {dotted[0]} }}}}, can be used only in a table row, "
            "which is repeated once for each item."
            if dotted
            else ""
        )
        raise docx_template.TemplateError(f"{exc}{hint}") from exc
