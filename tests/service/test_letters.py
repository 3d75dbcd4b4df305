"""Each letter says what the law requires it to say; letters are kept on the case."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time

import pytest
import time_machine
from docx import Document
from sqlalchemy import select

from sunshine.documents import docx_template
from sunshine.documents.storage import storage
from sunshine.extensions import db
from sunshine.letters.defaults import LETTERS, allowed_placeholders, default_template
from sunshine.letters.services import letters_for
from sunshine.notifications.models import OutboxMessage
from sunshine.records import grounds, workflow
from sunshine.records import services as records
from sunshine.records.fees import FeeInputs
from sunshine.records.models import Delivery, PreferredFormat


def _text(letter) -> str:
    with storage().open(letter.storage_key) as handle:
        document = Document(io.BytesIO(handle.read()))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _letter(request, kind: str) -> str:
    letters = [lt for lt in letters_for("records_request", request.id) if lt.kind == kind]
    assert len(letters) == 1, [lt.kind for lt in letters_for("records_request", request.id)]
    return _text(letters[0])


@pytest.mark.parametrize("kind", list(LETTERS))
def test_every_default_template_uses_only_its_own_placeholders(kind: str) -> None:
    docx_template.validate_template(default_template(kind), allowed_placeholders(kind))


@pytest.mark.parametrize("kind", list(LETTERS))
def test_every_default_template_is_lean_and_keeps_the_styles_it_uses(kind: str) -> None:
    import zipfile

    from docx.oxml.ns import qn

    data = default_template(kind)
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "word/stylesWithEffects.xml" not in names and "docProps/thumbnail.jpeg" not in names
    assert len(data) < 32 * 1024, len(data)  # python-docx's own starting document is 36 KB of zip
    document = Document(io.BytesIO(data))
    defined = {style.style_id for style in document.styles}
    used = {
        el.get(qn("w:val")) for el in document.element.iter(qn("w:pStyle"), qn("w:rStyle"), qn("w:tblStyle"))
    }
    assert used and used <= defined
    assert {"Normal", "Heading1"} <= defined and "Title" not in defined  # unused built-ins are gone
    links = (qn("w:basedOn"), qn("w:link"), qn("w:next"))
    assert {el.get(qn("w:val")) for el in document.styles.element.iter(*links)} <= defined


def test_acknowledgement_states_the_due_date_and_how_it_was_computed(factories) -> None:
    request = factories.request(email=None, received_on=date(2026, 2, 10), contact_name="Pat Doe").request
    text = _letter(request, "acknowledgement")
    assert "Dear Pat Doe" in text and request.tracking_number in text
    assert "Tuesday 17 February 2026" in text and "Lincoln Day" in text and "610.023.3" in text


def test_clarification_and_payment_letters_carry_the_withdrawal_warning(factories) -> None:
    with time_machine.travel(datetime(2026, 3, 3, 18, tzinfo=UTC), tick=False):
        asked = factories.request().request
        workflow.ask_clarification(None, asked, "Which incident number?")
        billed = factories.request().request
        workflow.estimate_and_request_payment(
            None, billed, FeeInputs(standard_pages=30, attorney_review_minutes=60)
        )
    clarification = _letter(asked, "clarification")
    assert "Which incident number?" in clarification and "treated as withdrawn" in clarification
    assert "Monday 1 June 2026" in clarification
    payment = _letter(billed, "payment_request")
    assert "$3.00" in payment and "treated as withdrawn" in payment and "Gross v. Parson" in payment
    assert "waived or reduced" in payment


def test_an_estimate_tells_a_requester_who_asked_for_a_waiver_that_it_will_be_decided(factories) -> None:
    """Not "you may ask" to one who has: until a decision is sent, an estimate says the waiver asked for
    will be decided, in the letter and in the email; after it, a new estimate says one may be asked for."""
    with time_machine.travel(datetime(2026, 3, 3, 18, tzinfo=UTC), tick=False):
        billed = factories.request(
            fee_waiver_requested=True, public_interest_statement="A news story."
        ).request
        workflow.estimate_and_request_payment(None, billed, FeeInputs(standard_pages=30))
        plain = factories.request().request
        workflow.give_estimate(None, plain, FeeInputs(standard_pages=30))
        asked = factories.request(fee_waiver_requested=True, public_interest_statement="A study.").request
        workflow.give_estimate(None, asked, FeeInputs(standard_pages=30))
        workflow.decide_waiver(None, asked, percent=0, reason="The records serve a private dispute.")
        workflow.give_estimate(None, asked, FeeInputs(standard_pages=20))
    letter = _letter(billed, "payment_request")
    assert "You asked for the fees to be waived or reduced" in letter and "We will decide" in letter
    assert "You may ask" not in letter
    email = db.session.scalars(
        select(OutboxMessage.body).where(OutboxMessage.kind == "request.payment_requested")
    ).one()
    assert "You asked for the fees to be waived or reduced" in email and "You may ask" not in email
    assert "You may ask for the fees to be waived or reduced" in _letter(plain, "fee_estimate")

    first, second = [
        _text(lt) for lt in letters_for("records_request", asked.id) if lt.kind == "fee_estimate"
    ]
    assert "You asked for the fees to be waived" in first and "You may ask" not in first
    assert "You may ask for the fees to be waived" in second and "You asked for" not in second


def test_delay_letter_has_the_explanation_place_and_earliest_date_and_time(factories) -> None:
    with time_machine.travel(datetime(2026, 3, 3, 18, tzinfo=UTC), tick=False):
        request = factories.request().request
        workflow.delay(
            None,
            request,
            explanation="Footage must be copied from the vendor's archive, which takes a week.",
            available_on=date(2026, 3, 16),
            available_at_time=time(9, 0),
            place="Records counter, City Hall",
        )
    text = _letter(request, "delay")
    assert "vendor's archive" in text and "Monday 16 March 2026 from 9:00 AM" in text and "City Hall" in text
    assert "610.023.3" in text


def test_denial_letter_lists_each_citation_with_its_finding_and_the_right_to_grounds(factories) -> None:
    request = factories.request().request
    records.decide_with_citations(
        None,
        request,
        partial=False,
        citations=["610.021(19)", "610.021(14)"],
        findings={"610.021(19)": "Disclosure would threaten public safety."},
        withheld_description="Floor plans of the holding area",
    )
    text = _letter(request, "denial")
    assert "RSMo 610.021(19)" in text and "Disclosure would threaten public safety." in text
    assert "RSMo 610.021(14)" in text and "Floor plans of the holding area" in text
    assert "three business days" in text and "610.023.4" in text
    assert "token=" not in text  # a letter may be forwarded: never the private link


def test_a_withdrawal_at_the_requesters_wish_writes_the_withdrawal_letter(factories) -> None:
    request = factories.request().request
    records.withdraw(None, request, "Requester phoned to withdraw it.")
    assert "has been withdrawn. The reason: Requester phoned to withdraw it." in _letter(
        request, "withdrawal"
    )


def test_a_lapse_writes_the_withdrawal_letter(factories) -> None:
    from sunshine.clocks import sweep

    with time_machine.travel(datetime(2026, 3, 3, 18, tzinfo=UTC), tick=False):
        request = factories.request().request
        workflow.ask_clarification(None, request, "Which day?")
    sweep.run(now=datetime(2026, 6, 2, 15))  # 90 days on
    assert "clarification asked for was not received within the time allowed" in _letter(
        request, "withdrawal"
    )


def test_statement_of_grounds_meets_its_clock_and_cites_the_law(factories) -> None:
    from sunshine.clocks.policies import ClockKind, Outcome
    from sunshine.clocks.services import open_clocks_for_case

    with time_machine.travel(datetime(2026, 3, 3, 18, tzinfo=UTC), tick=False):
        request = factories.request().request
    records.decide_with_citations(
        None,
        request,
        partial=False,
        citations=["610.021(3)"],
        findings={},
        withheld_description="Disciplinary file of an officer",
    )
    with pytest.raises(records.RequestError, match="has not asked"):
        grounds.give_statement_of_grounds(None, request, "x" * 30)
    with time_machine.travel(datetime(2026, 3, 4, 18, tzinfo=UTC), tick=False):  # asked Wed: due Mon 9 Mar
        grounds.ask_for_statement_of_grounds(None, request)
    [clock] = [
        c for c in open_clocks_for_case("records_request", request.id) if c.kind is ClockKind.DENIAL_STATEMENT
    ]
    assert clock.due_on == date(2026, 3, 9)
    with pytest.raises(records.RequestError, match="State the grounds"):
        grounds.give_statement_of_grounds(None, request, "Closed.")
    with time_machine.travel(datetime(2026, 3, 9, 18, tzinfo=UTC), tick=False):
        grounds.give_statement_of_grounds(
            None, request, "The file concerns the discipline of a named employee."
        )
    assert clock.outcome is Outcome.MET
    text = _letter(request, "statement_of_grounds")
    assert "RSMo 610.021(3)" in text and "discipline of a named employee" in text and "610.023.4" in text


def test_a_letter_written_in_a_transaction_that_rolls_back_leaves_no_file(app, factories) -> None:
    from pathlib import Path

    from flask import current_app

    from sunshine.letters.services import generate

    request = factories.request(email=None).request
    root = Path(current_app.config.get("FILES_ROOT") or Path(current_app.instance_path) / "files")

    def files() -> set[Path]:
        return {path for path in root.rglob("*") if path.is_file()}

    before = files()
    values = {name: "x" for name in allowed_placeholders("withdrawal")}
    kept = generate(
        None,
        body_id=request.body_id,
        kind="withdrawal",
        case_type="records_request",
        case_id=request.id,
        values=values,
    )
    db.session.commit()
    assert len(files() - before) == 1 and storage().open(kept.storage_key).read(2) == b"PK"

    before = files()
    generate(
        None,
        body_id=request.body_id,
        kind="withdrawal",
        case_type="records_request",
        case_id=request.id,
        values=values,
    )
    assert len(files() - before) == 1  # written before the commit, so a row never names a missing file
    db.session.rollback()
    assert files() == before
    assert [lt.id for lt in letters_for("records_request", request.id) if lt.kind == "withdrawal"] == [
        kept.id
    ]


def test_a_letter_says_what_it_is_and_who_it_is_from_never_who_wrote_the_template(factories) -> None:
    from sunshine.authz import Role
    from sunshine.letters import services as letter_services
    from sunshine.units.models import PublicBody

    template = Document(io.BytesIO(default_template("acknowledgement")))
    template.core_properties.author = template.core_properties.last_modified_by = "Jane Q. Clerk"
    template.core_properties.comments = "Draft: check the wording with legal"
    upload = io.BytesIO()
    template.save(upload)
    admin = factories.user(Role.ADMINISTRATOR)
    body_id = db.session.scalar(db.select(PublicBody.id))
    letter_services.upload_template(admin, body_id, "acknowledgement", upload.getvalue(), "ours.docx")

    with time_machine.travel(datetime(2026, 3, 3, 18, 5, tzinfo=UTC), tick=False):
        request = factories.request().request
    (letter,) = letters_for("records_request", request.id)
    with storage().open(letter.storage_key) as handle:
        props = Document(io.BytesIO(handle.read())).core_properties
    assert (props.title, props.author, props.last_modified_by) == (
        "Records request received",
        "Custodian of Records, Test City",
        "Custodian of Records, Test City",
    )
    assert props.comments == "" and props.created == datetime(2026, 3, 3, 18, 5, tzinfo=UTC)


@pytest.mark.parametrize("kind", [kind for kind, spec in LETTERS.items() if spec.table])
def test_a_default_letters_table_has_a_heading_row_marked_as_one(kind: str) -> None:
    from docx.oxml.ns import qn

    (table,) = Document(io.BytesIO(default_template(kind))).tables
    heading, *rows = table.rows
    assert heading._tr.trPr is not None and heading._tr.trPr.find(qn("w:tblHeader")) is not None
    assert all(row._tr.trPr is None or row._tr.trPr.find(qn("w:tblHeader")) is None for row in rows)
    assert all(run.bold for cell in heading.cells for run in cell.paragraphs[0].runs)


def test_a_fee_letters_table_ends_with_the_total(factories) -> None:
    billed = factories.request().request
    workflow.estimate_and_request_payment(
        None, billed, FeeInputs(standard_pages=30, attorney_review_minutes=60)
    )
    (letter,) = [lt for lt in letters_for("records_request", billed.id) if lt.kind == "payment_request"]
    with storage().open(letter.storage_key) as handle:
        (table,) = Document(io.BytesIO(handle.read())).tables
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows[0] == ["Item", "Amount", "Basis"] and len(rows) >= 4  # heading, lines, total
    assert rows[-1] == ["Total", "$3.00", ""]
    assert all(row[0] != "Total" for row in rows[:-1])


def _granted_letter(factories, **intake) -> str:
    request = factories.request(**intake).request
    records.grant(None, request)
    return _letter(request, "grant")


def test_a_grant_letter_says_how_the_records_will_come_not_that_they_were_released(factories) -> None:
    """A grant is the decision; the release is a later event (and inspection releases nothing)."""
    text = _granted_letter(factories)  # electronic copies from the status page, with an email address
    assert "is granted in full" in text and "released" not in text
    assert "You asked for electronic copies to download from your status page" in text
    assert "they will be there once they are ready, and we will email you when they are." in text
    email = db.session.scalars(
        select(OutboxMessage.body).where(OutboxMessage.kind == "request.granted")
    ).one()
    assert "electronic copies to download from your status page" in email and "released" not in email


@pytest.mark.parametrize(
    ("intake", "says"),
    [
        (
            {"preferred_format": PreferredFormat.INSPECT, "delivery": Delivery.PICKUP},
            "You asked to inspect the records in person: we will tell you where and when",
        ),
        (
            dict(preferred_format=PreferredFormat.PAPER, delivery=Delivery.MAIL, contact_address="1 Elm St"),
            "You asked for paper copies by post: we will post them to the address you gave once they are",
        ),
        (
            {"preferred_format": PreferredFormat.ELECTRONIC, "delivery": Delivery.EMAIL},
            "You asked for electronic copies by email: we will email you once they are ready.",
        ),
        (
            {"preferred_format": PreferredFormat.ELECTRONIC, "delivery": Delivery.PORTAL, "email": None},
            "to download from your status page: they will be there once they are ready.",
        ),
    ],
)
def test_a_grant_letter_follows_the_format_and_delivery_asked_for(factories, intake, says) -> None:
    text = _granted_letter(factories, **intake)
    assert says in text and "released" not in text


def test_a_grant_after_a_delay_notice_gives_its_place_date_and_time(factories) -> None:
    with time_machine.travel(datetime(2026, 3, 3, 18, tzinfo=UTC), tick=False):
        request = factories.request(preferred_format=PreferredFormat.INSPECT).request
        workflow.delay(
            None,
            request,
            explanation="Footage must be copied from the vendor's archive, which takes a week.",
            available_on=date(2026, 3, 16),
            available_at_time=time(9, 0),
            place="Records counter, City Hall",
        )
        records.grant(None, request)
    assert (
        "available to inspect at Records counter, City Hall from 9:00 AM on Monday 16 March 2026 at the "
        "earliest, as our notice of delay said."
    ) in _letter(request, "grant")


def test_a_grant_after_the_delay_notices_date_has_passed_does_not_quote_it(factories) -> None:
    with time_machine.travel(datetime(2026, 3, 3, 18, tzinfo=UTC), tick=False):
        request = factories.request(preferred_format=PreferredFormat.INSPECT).request
        workflow.delay(
            None,
            request,
            explanation="Footage must be copied from the vendor's archive, which takes a week.",
            available_on=date(2026, 3, 10),
            available_at_time=time(9, 0),
            place="Records counter, City Hall",
        )
    with time_machine.travel(datetime(2026, 3, 20, 18, tzinfo=UTC), tick=False):
        records.grant(None, request)
    text = _letter(request, "grant")
    assert "at the earliest" not in text and "10 March" not in text
    assert "we will tell you where and when you can inspect them" in text


def test_a_partial_grant_letter_says_the_rest_is_made_available_as_asked(factories) -> None:
    request = factories.request(preferred_format=PreferredFormat.PAPER, delivery=Delivery.PICKUP).request
    records.decide_with_citations(
        None,
        request,
        partial=True,
        citations=["610.021(14)"],
        findings={},
        withheld_description="A juvenile's name",
    )
    text = _letter(request, "partial_grant")
    assert "is granted in part" in text and "released" not in text
    assert "You asked to collect paper copies at the counter: we will tell you once they are ready" in text
    assert "A juvenile's name" in text and "RSMo 610.021(14)" in text
    email = db.session.scalars(
        select(OutboxMessage.body).where(OutboxMessage.kind == "request.partially_granted")
    ).one()
    assert "collect paper copies at the counter" in email and "will be released" not in email
