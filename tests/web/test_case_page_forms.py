"""The case page's forms: each label names its own field, refused sections stay open, the unit that
created a record is chosen, and letters say only what the clock holds."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import func, select

from sunshine.authz import Role
from sunshine.documents.models import Document
from sunshine.extensions import db
from sunshine.letters.services import letters_for
from sunshine.notifications.models import OutboxMessage
from sunshine.records import grounds, services, workflow
from tests.factories import PASSWORD
from tests.service.test_release import pdf


@pytest.fixture
def custodian(client, factories):
    person = factories.user(Role.CUSTODIAN)
    client.sign_in(person.email, PASSWORD)
    return person


def test_every_id_on_the_case_page_is_used_once_and_every_label_names_its_own_field(
    client, factories, custodian
) -> None:
    filed = factories.request()
    services.grant(None, filed.request)
    case = f"/staff/requests/{filed.request_id}"
    client.submit(
        f"{case}/documents",
        {
            "file": (io.BytesIO(pdf(["Report"])), "report.pdf"),
            "originating_unit_id": str(factories.unit().id),
        },
        page=case,
        content_type="multipart/form-data",
    )
    html = client.get(case).get_data(as_text=True)
    ids = re.findall(r'\sid="([^"]+)"', html)
    # Each form's hidden CSRF input repeats its id; no label points at it, so nothing is mixed up.
    assert sorted({i for i in ids if ids.count(i) > 1}) == ["csrf_token"]
    note_label = re.search(r'<label for="([^"]+)">Internal note', html).group(1)
    message_label = re.search(r'<label for="([^"]+)">Message</label>', html).group(1)
    assert note_label != message_label
    note_form = html[html.index('action="' + case + '/note"') :]
    assert f'id="{note_label}"' in note_form[: note_form.index("</form>")]


def test_an_upload_names_the_unit_that_created_the_record_and_is_refused_without_it(
    client, factories, custodian
) -> None:
    filed = factories.request()
    services.grant(None, filed.request)
    case = f"/staff/requests/{filed.request_id}"
    refused = client.submit(
        f"{case}/documents",
        {"file": (io.BytesIO(pdf(["Report"])), "report.pdf"), "originating_unit_id": ""},
        page=case,
        content_type="multipart/form-data",
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Choose the unit that created the record" in html
    assert "<details open><summary>Upload a responsive record" in html  # the refused section stays open
    assert db.session.scalars(select(Document)).all() == []
    assert '<option selected value="">Choose the unit that created it</option>' in client.get(case).get_data(
        as_text=True
    )


def test_a_refused_action_reopens_its_section_and_a_done_one_says_what_was_done(
    client, factories, custodian
) -> None:
    filed = factories.request()
    case = f"/staff/requests/{filed.request_id}"
    refused = client.submit(f"{case}/delay", {"explanation": "", "place": ""}, page=case)
    assert refused.status_code == 400
    assert "<details open><summary>Give a delay notice" in refused.get_data(as_text=True)
    noted = client.submit(f"{case}/note", {"text": "Called the requester."}, page=case, follow_redirects=True)
    assert f"{filed.tracking_number}: internal note saved." in noted.get_data(as_text=True)


def test_a_question_asked_when_the_response_is_already_late_does_not_claim_to_pause_it(factories) -> None:
    filed = factories.request(email="asker@example.org")  # received Tue 3 Mar: due Fri 6 Mar
    with time_machine.travel(datetime(2026, 3, 10, 15, tzinfo=UTC), tick=False):
        workflow.ask_clarification(None, filed.request, "Which incident?")
    email = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "request.clarification")
    ).one()
    assert "paused" not in email.body
    assert email.subject == f"Records request {filed.tracking_number}: a question about your request"
    [letter] = [
        row for row in letters_for("records_request", filed.request_id) if row.kind == "clarification"
    ]
    assert "We will complete our response as soon as we have your answer." in letter_text(letter)

    on_time = factories.request(email="other@example.org")
    with time_machine.travel(datetime(2026, 3, 4, 15, tzinfo=UTC), tick=False):
        workflow.ask_clarification(None, on_time.request, "Which incident?")
    [letter] = [
        row for row in letters_for("records_request", on_time.request_id) if row.kind == "clarification"
    ]
    assert "Until you answer, the time we have to respond is paused." in letter_text(letter)


def letter_text(letter) -> str:
    import docx

    from sunshine.documents.storage import storage

    with storage().open(letter.storage_key) as handle:
        return "\n".join(p.text for p in docx.Document(handle).paragraphs)


def test_only_the_requests_own_bodys_units_can_have_made_its_records(client, factories, custodian) -> None:
    filed = factories.request()
    services.grant(None, filed.request)
    county = factories.unit("CLERK", "County Clerk", body="county")
    case = f"/staff/requests/{filed.request_id}"
    assert "County Clerk" not in client.get(case).get_data(as_text=True)
    refused = client.submit(
        f"{case}/documents",
        {"file": (io.BytesIO(pdf(["Report"])), "report.pdf"), "originating_unit_id": str(county.id)},
        page=case,
        content_type="multipart/form-data",
    )
    assert refused.status_code == 400 and "Not a valid choice" in refused.get_data(as_text=True)
    assert db.session.scalars(select(Document)).all() == []


def test_times_are_shown_at_the_body_and_the_history_reads_as_words(client, factories, custodian) -> None:
    with time_machine.travel(datetime(2026, 3, 3, 15, 5, tzinfo=UTC), tick=False):  # 9:05 AM in Missouri
        filed = factories.request()
        services.post_message(custodian, filed.request, "We are looking.", from_requester=False)
    case = f"/staff/requests/{filed.request_id}"
    client.get(case)
    html = client.get(case).get_data(as_text=True)
    assert "3 Mar 2026, 9:05 AM CST" in html and "UTC" not in html
    assert "Request received" in html and "request.filed" not in html and "Viewed" not in html
    assert "Opened by staff 2 times" in html
    assert f"Message, by {custodian.full_name}" in html
    status = client.application.test_client().get(
        f"/requests/{filed.tracking_number}?token={filed.access_token}"
    )
    assert "3 Mar 2026, 9:05 AM CST" in status.get_data(as_text=True)


def test_the_case_page_offers_only_what_can_be_done_and_says_whose_it_is(
    client, factories, custodian
) -> None:
    filed = factories.request()  # received Tue 3 Mar 2026: long overdue now
    case = f"/staff/requests/{filed.request_id}"
    html = client.get(case).get_data(as_text=True)
    assert "Overdue" in html and "Nobody yet" in html
    assert "Give the statement of grounds" not in html  # nobody asked for it
    assert "Records are released once the request is granted" in html and "Build and release" not in html
    client.submit(f"{case}/assign_to_me", page=case)
    client.submit(f"{case}/deny", {"citations": "610.021(14)", "withheld_description": "Plans"}, page=case)
    html = client.get(case).get_data(as_text=True)
    assert f"<dt>Assigned to</dt><dd>{custodian.full_name}</dd>" in html
    assert "Give the statement of grounds" not in html
    grounds.ask_for_statement_of_grounds(None, db.session.get(type(filed.request), filed.request_id))
    assert "Give the statement of grounds" in client.get(case).get_data(as_text=True)

    withdrawn = factories.request()
    services.withdraw(None, withdrawn.request, "Asked to")
    other = f"/staff/requests/{withdrawn.request_id}"
    assert "Upload a responsive record" not in client.get(other).get_data(as_text=True)
    refused = client.submit(
        f"{other}/documents",
        {
            "file": (io.BytesIO(pdf(["Report"])), "report.pdf"),
            "originating_unit_id": str(factories.unit().id),
        },
        page=other,
        content_type="multipart/form-data",
    )
    assert refused.status_code == 400 and "withdrawn: nothing more is uploaded" in refused.get_data(
        as_text=True
    )


def test_an_action_already_overtaken_says_so_in_words(client, factories, custodian) -> None:
    """Two tabs: granted in one, then granted in part in the other."""
    filed = factories.request()
    case = f"/staff/requests/{filed.request_id}"
    token_page = client.get(case)
    assert token_page.status_code == 200
    services.grant(custodian, filed.request)
    refused = client.submit(
        f"{case}/partial_grant", {"citations": "610.021(14)", "withheld_description": "Plans"}, page=case
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert (
        "This request is now granted, so it cannot be granted in part" in html and "partial_grant" not in html
    )
    assert "Granted in full" in client.get(case).get_data(as_text=True)  # the history, in words


def test_the_requester_is_told_plainly_when_the_response_is_late(client, factories) -> None:
    filed = factories.request()  # received Tue 3 Mar 2026, due Fri 6 Mar: long past
    from sunshine.clocks import sweep

    sweep.run()
    page = client.get(f"/requests/{filed.tracking_number}?token={filed.access_token}").get_data(as_text=True)
    assert "Late" in page and "This date has passed" in page and "Request received" in page


def test_sensitive_data_findings_are_named_in_words(client, factories, custodian) -> None:
    from tests.service.test_release import SSN_LINE

    filed = factories.request()
    services.grant(None, filed.request)
    case = f"/staff/requests/{filed.request_id}"
    client.submit(
        f"{case}/documents",
        {
            "file": (io.BytesIO(pdf(["Report", SSN_LINE])), "report.pdf"),
            "originating_unit_id": str(factories.unit().id),
        },
        page=case,
        content_type="multipart/form-data",
    )
    html = client.get(case).get_data(as_text=True)
    assert "<td>Social Security number</td>" in html and "possible Social Security number" in html
    assert ">ssn<" not in html and "<strong>report.pdf</strong>: checked" in html


def test_a_letter_written_late_in_the_evening_is_listed_under_that_days_date(client, factories) -> None:
    filed = factories.request()
    with time_machine.travel(datetime(2026, 3, 10, 4, 30, tzinfo=UTC), tick=False):  # Mon 9 Mar, 11:30 PM CDT
        services.grant(None, filed.request)
    page = client.get(f"/requests/{filed.tracking_number}?token={filed.access_token}").get_data(as_text=True)
    assert "(9 Mar 2026, Word document)" in page and "10 Mar 2026, Word document" not in page
    assert '<span class="nowrap">' + filed.tracking_number + "</span>" in page


def test_asking_whether_checking_is_done_is_a_small_answer_not_an_audited_view(
    client, factories, custodian
) -> None:
    from sunshine.audit.models import AuditEvent
    from sunshine.documents.models import DocumentStatus

    record = factories.request().request
    case = f"/staff/requests/{record.id}"
    client.submit(
        f"{case}/documents",
        {"file": (io.BytesIO(pdf(["Report"])), "report.pdf"), "originating_unit_id": factories.unit().id},
        page=case,
        content_type="multipart/form-data",
    )
    views = select(AuditEvent).where(AuditEvent.action == "request.viewed")
    seen = len(db.session.scalars(views).all())
    for document in db.session.scalars(select(Document)):
        document.status = DocumentStatus.PROCESSING
    db.session.commit()
    assert client.get(f"{case}/pending").get_json() == {"pending": True, "progress": {}}
    for document in db.session.scalars(select(Document)):
        document.status = DocumentStatus.READY
    db.session.commit()
    assert client.get(f"{case}/pending").get_json() == {"pending": False, "progress": {}}
    assert len(db.session.scalars(views).all()) == seen  # asking twice viewed nothing

    other = factories.user(Role.CUSTODIAN, unit="PATROL")
    client.submit("/account/logout", page="/")
    client.sign_in(other.email, PASSWORD)
    assert client.get(f"{case}/pending").status_code == 404  # not their unit's request


def test_staff_record_an_ask_for_the_grounds_made_off_the_portal_and_give_them_after_closing(
    client, factories, custodian
) -> None:
    from sunshine.clocks.policies import ClockKind
    from sunshine.records.models import RecordsRequest

    filed = factories.request(contact_address="12 Birch Rd\nTest City, MO 65000", contact_name="Mary Mailer")
    case = f"/staff/requests/{filed.request_id}"
    html = client.get(case).get_data(as_text=True)
    assert '<dt>Postal address</dt><dd class="prewrap">12 Birch Rd\nTest City, MO 65000</dd>' in html
    assert "Record an ask made by post" not in html  # nothing denied yet
    with time_machine.travel(datetime(2026, 3, 9, 15, tzinfo=UTC), tick=False):  # Mon 9 Mar
        services.decide_with_citations(
            None,
            filed.request,
            partial=False,
            citations=["610.021(14)"],
            findings={},
            withheld_description="All",
        )
        services.close(None, db.session.get(RecordsRequest, filed.request_id))
    html = client.get(case).get_data(as_text=True)
    assert "Record an ask made by post, email, phone or in person" in html  # closed, yet the right stands

    ask = f"{case}/grounds_asked"
    for data, message in (
        ({"asked_on": "2099-01-01", "how": "mail"}, "cannot be in the future"),
        ({"asked_on": "2026-03-06", "how": "mail"}, "decided on 9 March 2026"),
        ({"asked_on": "2026-03-10", "how": "carrier pigeon"}, "Not a valid choice"),
        ({"how": "mail"}, "Enter the date the ask reached the custodian."),
    ):
        refused = client.submit(ask, data, page=case)
        assert refused.status_code == 400 and message in refused.get_data(as_text=True), data
    record = db.session.get(RecordsRequest, filed.request_id)
    assert grounds.grounds_clock(record) is None  # nothing was started by a refused ask

    done = client.submit(ask, {"asked_on": "2026-03-10", "how": "mail"}, page=case, follow_redirects=True)
    assert "the ask for the statement of grounds is recorded" in done.get_data(as_text=True)
    clock = grounds.grounds_clock(record)
    assert clock.kind is ClockKind.DENIAL_STATEMENT and clock.started_on.isoformat() == "2026-03-10"
    assert clock.due_on.isoformat() == "2026-03-13"  # three business days from the day it was received
    html = client.get(case).get_data(as_text=True)
    assert "Give the statement of grounds" in html and "Record an ask made by post" not in html
    given = client.submit(
        f"{case}/statement_of_grounds", {"grounds": "610.021(14): juvenile records"}, page=case
    )
    assert given.status_code == 302
    db.session.expire_all()
    assert not grounds.grounds_clock(record).is_open
    letters = [lt.kind for lt in letters_for("records_request", filed.request_id)]
    assert "statement_of_grounds" in letters


def test_an_earlier_ask_by_post_brings_the_grounds_deadline_forward(client, factories, custodian) -> None:
    """Denied Mon 9 Mar; a letter asking reaches the custodian Tue 10 Mar; the requester, hearing
    nothing, asks on the status page Mon 16 Mar. The three business days run from 10 Mar."""
    from sunshine.audit.models import AuditEvent
    from sunshine.clocks import sweep
    from sunshine.records.models import RecordsRequest

    filed = factories.request()
    case = f"/staff/requests/{filed.request_id}"
    with time_machine.travel(datetime(2026, 3, 9, 15, tzinfo=UTC), tick=False):
        services.decide_with_citations(
            None,
            filed.request,
            partial=False,
            citations=["610.021(14)"],
            findings={},
            withheld_description="All",
        )
    with time_machine.travel(datetime(2026, 3, 16, 15, tzinfo=UTC), tick=False):
        grounds.ask_for_statement_of_grounds(None, db.session.get(RecordsRequest, filed.request_id))
    # Recorded some time later (the custodian is signed in on today's clock).
    html = client.get(case).get_data(as_text=True)
    assert "An earlier ask reached the custodian" in html
    later = client.submit(f"{case}/grounds_asked", {"asked_on": "2026-03-17", "how": "mail"}, page=case)
    assert later.status_code == 400
    assert "already asked for; it is due by 19 March 2026" in later.get_data(as_text=True)
    done = client.submit(f"{case}/grounds_asked", {"asked_on": "2026-03-10", "how": "mail"}, page=case)
    assert done.status_code == 302
    db.session.expire_all()
    clock = grounds.grounds_clock(db.session.get(RecordsRequest, filed.request_id))
    assert (clock.started_on.isoformat(), clock.due_on.isoformat()) == ("2026-03-10", "2026-03-13")
    assert clock.is_open and "Asked Tue 10 Mar 2026" in clock.explanation
    assert clock.urgency.value == "overdue"  # long past: the case page, queue and sweep see it late
    sweep.run()
    assert db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "clock.escalated")
    )
