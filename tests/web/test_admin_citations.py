"""The citations table an administrator keeps (LAW.md section 4): add, correct, verify, retire, restore;
and every page, letter and report reads it as it stands now."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from sunshine.audit.models import AuditEvent
from sunshine.authz import Role
from sunshine.extensions import db
from sunshine.records.citations import shipped_citations
from sunshine.records.models import CITATION_LIMITS, CitationEntry
from sunshine.records.states import Status
from tests.factories import PASSWORD
from tests.web import test_request_paths
from tests.web.test_request_paths import Walk

walk = test_request_paths.walk  # the fixture: a request, its requester and its custodian
PAGE = "/admin/citations"
NEW = {
    "code": "43.509",
    "short_name": "Criminal history from the central repository",
    "description": "Closed criminal history record information held by the Missouri State Highway Patrol.",
    "statute": "RSMo 43.509",
    "finding_guidance": "",
    "examples": "A rap sheet from MULES\nAn arrest record with no charge filed",
    "note": "",
}


@pytest.fixture
def admin(app, client, factories) -> FlaskClient:
    """A signed-in administrator's browser (the ``client`` fixture makes it a form-filling client)."""
    browser = app.test_client()
    browser.sign_in(factories.user(Role.ADMINISTRATOR).email, PASSWORD)
    return browser


def _entry(code: str) -> CitationEntry:
    db.session.expire_all()
    return db.session.scalars(select(CitationEntry).where(CitationEntry.code == code)).one()


def _form_of(entry: CitationEntry, **changes) -> dict:
    """The edit form as the page fills it in, with ``changes``; ticked boxes send "y"."""
    fields = {
        "code": entry.code,
        "short_name": entry.short_name,
        "description": entry.description,
        "statute": entry.statute,
        "finding_guidance": entry.finding_guidance,
        "examples": "\n".join(entry.examples),
        "note": entry.note,
        "requires_written_finding": "y" if entry.requires_written_finding else None,
        "verified": "y" if entry.verified else None,
    }
    return {k: v for k, v in {**fields, **changes}.items() if v is not None}


def _edit(admin: FlaskClient, which: str, **changes):
    """Submit the edit page of the citation whose code is ``which``, with ``changes``."""
    entry = _entry(which)
    url = f"{PAGE}/{entry.id}"
    return admin.submit(url, _form_of(entry, **changes), page=url, follow_redirects=True)


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(CitationEntry.id)))


def test_the_page_lists_every_citation_in_statute_order_with_its_standing(admin) -> None:
    assert f'href="{PAGE}"' in admin.get("/admin/").get_data(as_text=True)
    page = admin.get(PAGE).get_data(as_text=True)
    codes = [c.code for c in shipped_citations().all()]
    positions = [page.index(f"<code>{code}</code>") for code in codes]
    assert positions == sorted(positions)
    assert positions.index(page.index("<code>610.021(2)</code>")) < positions.index(
        page.index("<code>610.021(10)</code>")
    )
    row = page[page.index("<code>610.021(27)</code>") :].split("</tr>")[0]
    assert "Unverified" in row and "Retire" in row
    assert "cannot change once a denial cites it" in page and "shared by every public body" in page


def test_an_added_citation_is_offered_on_the_case_page_and_a_denial_can_cite_it(walk: Walk, admin) -> None:
    assert "43.509" not in walk.custodian.get(walk.case).get_data(as_text=True)
    added = admin.submit(PAGE, {**NEW, "verified": "y"}, follow_redirects=True)
    assert added.status_code == 200 and "Added 43.509" in added.get_data(as_text=True)
    entry = _entry("43.509")
    assert (
        entry.verified
        and not entry.retired
        and entry.examples
        == [
            "A rap sheet from MULES",
            "An arrest record with no charge filed",
        ]
    )
    (event,) = _events("citation.added")
    assert event.object_type == "citation" and event.object_id == str(entry.id)
    assert event.details["after"]["short_name"] == NEW["short_name"]

    case = walk.custodian.get(walk.case).get_data(as_text=True)
    assert "<code>43.509</code>" in case and NEW["short_name"] in case
    walk.act("deny", {"citations": "43.509", "withheld_description": "The criminal history"})
    assert walk.request.status is Status.DENIED
    assert f"RSMo 43.509 ({NEW['short_name']})" in walk.status()


def test_a_letter_names_a_citation_as_the_administrator_last_wrote_it(walk: Walk, admin) -> None:
    edited = _edit(admin, "610.021(14)", short_name="Closed by another statute (juvenile, CJIS)")
    assert "Saved 610.021(14)" in edited.get_data(as_text=True)
    (event,) = _events("citation.edited")
    assert event.details["before"] == {"short_name": shipped_citations().get("610.021(14)").short_name}
    assert event.details["after"] == {"short_name": "Closed by another statute (juvenile, CJIS)"}

    walk.act("deny", {"citations": "610.021(14)", "withheld_description": "A juvenile's record"})
    letter = walk.letter("Your request is denied")
    assert "Closed by another statute (juvenile, CJIS)" in letter


def test_an_unverified_citation_is_marked_verified_once_checked(admin) -> None:
    assert not _entry("610.021(27)").verified
    saved = _edit(admin, "610.021(27)", verified="y", note="Checked against RSMo 2025 on 1 Dec.")
    row = saved.get_data(as_text=True).split("<code>610.021(27)</code>")[1].split("</tr>")[0]
    assert "Verified" in row and "Unverified" not in row
    entry = _entry("610.021(27)")
    assert entry.verified and entry.note == "Checked against RSMo 2025 on 1 Dec."
    (event,) = _events("citation.edited")
    assert event.details["after"] == {"note": entry.note, "verified": True}
    assert "Nothing changed" in _edit(admin, "610.021(27)").get_data(as_text=True)
    assert len(_events("citation.edited")) == 1  # an unchanged save records nothing


def test_a_retired_citation_is_refused_for_a_new_denial_until_restored(walk: Walk, admin) -> None:
    entry = _entry("610.021(3)")
    retired = admin.submit(f"{PAGE}/{entry.id}/retire", page=PAGE, follow_redirects=True)
    assert "Retired 610.021(3)" in retired.get_data(as_text=True)
    row = retired.get_data(as_text=True).split("<code>610.021(3)</code>")[1].split("</tr>")[0]
    assert "Retired" in row and "Restore" in row
    assert _entry("610.021(3)").retired and len(_events("citation.retired")) == 1

    assert "<code>610.021(3)</code>" not in walk.custodian.get(walk.case).get_data(as_text=True)
    refused = walk.act("deny", {"citations": "610.021(3)", "withheld_description": "A file"}, refused=True)
    assert "610.021(3) (Hiring, firing" in refused and "is retired" in refused
    assert walk.request.status is Status.RECEIVED and walk.request.citations == []

    admin.submit(f"{PAGE}/{entry.id}/restore", page=PAGE)
    assert not _entry("610.021(3)").retired and len(_events("citation.restored")) == 1
    walk.act("deny", {"citations": "610.021(3)", "withheld_description": "A file"})
    assert walk.request.status is Status.DENIED


def test_a_retired_citation_a_denial_already_cites_still_shows_everywhere(walk: Walk, admin) -> None:
    walk.act("deny", {"citations": "610.021(14)", "withheld_description": "A juvenile's record"})
    _edit(admin, "610.021(14)", short_name="Closed by another statute")
    admin.submit(f"{PAGE}/{_entry('610.021(14)').id}/retire", page=PAGE)

    assert "RSMo 610.021(14) (Closed by another statute)" in walk.status()
    number, token = walk.tracking_number, walk.status_link.split("token=")[1]
    api = walk.requester.get(f"/api/v1/requests/{number}", headers={"Authorization": f"Bearer {token}"})
    assert api.json["citations"] == [
        {"code": "610.021(14)", "short_name": "Closed by another statute", "finding": None}
    ]
    report = walk.requester.get("/metrics.csv?table=citations").get_data(as_text=True)
    assert "610.021(14),Closed by another statute,1" in report
    walk.ask("statement-of-grounds")
    walk.act("statement_of_grounds", {"grounds": "RSMo 610.021(14) and 211.321 close the juvenile's record."})
    assert "Closed by another statute" in walk.letter("Statement of the grounds for denial")


def test_the_code_cannot_change_once_a_denial_cites_it(walk: Walk, admin) -> None:
    assert _edit(admin, "610.021(20)", code="610.021(20)-(22)").status_code == 200  # cited nowhere yet
    assert _count() == len(shipped_citations())
    walk.act("deny", {"citations": "610.021(14)", "withheld_description": "A juvenile's record"})
    entry = _entry("610.021(14)")
    assert "cannot change" in admin.get(f"{PAGE}/{entry.id}").get_data(as_text=True)
    refused = _edit(admin, "610.021(14)", code="610.021(14)(a)")
    assert refused.status_code == 400
    assert "1 denial already cites 610.021(14), so its code cannot change" in refused.get_data(as_text=True)
    assert _entry("610.021(14)").code == "610.021(14)"
    assert [e.details["code"] for e in _events("citation.edited")] == ["610.021(20)-(22)"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"short_name": "   "}, "Write the short name; it cannot be blank."),
        ({"code": ""}, "Write the code; it cannot be blank."),
        ({"description": "x" * (CITATION_LIMITS["description"] + 1)}, "Keep it to 2,000 characters."),
        ({"statute": "x" * 101}, "Keep it to 100 characters."),
        ({"code": "610.021(1)"}, "610.021(1) is already in the table"),
        ({"code": "610.021(20), (21)"}, "leave out commas and colons"),
        ({"examples": "\n".join(f"Example {n}" for n in range(21))}, "give at most 20, one a line"),
        ({"note": "a\x00b"}, "A field holds a NUL character"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_saves_nothing(admin, changes: dict, message: str) -> None:
    before = _count()
    added = admin.submit(PAGE, {**NEW, **changes})
    assert added.status_code == 400 and message in added.get_data(as_text=True)
    assert _count() == before
    entry = _entry("610.021(2)")
    edit_changes = {**changes, "code": "610.021(1)"} if changes.get("code") == "610.021(1)" else changes
    edited = _edit(admin, "610.021(2)", **edit_changes)
    assert edited.status_code == 400 and message.replace("already in the table", "") in edited.get_data(
        as_text=True
    )
    after = _entry("610.021(2)")
    assert (after.code, after.short_name, after.note) == (entry.code, entry.short_name, entry.note)
    assert _events("citation.added") == [] and _events("citation.edited") == []


def test_an_unknown_citation_number_is_a_404_that_says_so(admin) -> None:
    assert "No citation has that number" in admin.get(f"{PAGE}/999999").get_data(as_text=True)
    token = admin.csrf_token(PAGE)
    for url in (f"{PAGE}/999999", f"{PAGE}/999999/retire", f"{PAGE}/999999/restore"):
        response = admin.post(url, data={**NEW, "csrf_token": token})
        assert response.status_code == 404 and "No citation has that number" in response.get_data(
            as_text=True
        )


def test_every_change_needs_the_forms_csrf_token(admin) -> None:
    entry = _entry("610.021(27)")
    refused = [
        admin.post(PAGE, data=NEW),
        admin.post(f"{PAGE}/{entry.id}", data=_form_of(entry, verified="y")),
        admin.post(f"{PAGE}/{entry.id}/retire"),
        admin.post(f"{PAGE}/{entry.id}/retire", data={"csrf_token": "x" * 40}),
    ]
    assert [r.status_code for r in refused] == [400, 400, 400, 400]
    after = _entry("610.021(27)")
    assert _count() == len(shipped_citations()) and not after.verified and not after.retired


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMINISTRATOR])
def test_only_administrators_reach_the_citations_pages(client, factories, role: Role) -> None:
    entry = _entry("610.021(27)")
    pages = (PAGE, f"{PAGE}/{entry.id}")
    for url in pages:  # signed out: sent to sign in
        assert client.get(url).status_code == 302 and "/account/login" in client.get(url).location
    client.sign_in(factories.user(role).email, PASSWORD)
    for url in pages:
        assert client.get(url).status_code == 403
    token = client.csrf_token("/")
    for url, data in ((PAGE, NEW), (f"{PAGE}/{entry.id}", _form_of(entry, verified="y"))):
        assert client.post(url, data={**data, "csrf_token": token}).status_code == 403
    assert client.post(f"{PAGE}/{entry.id}/retire", data={"csrf_token": token}).status_code == 403
    after = _entry("610.021(27)")
    assert _count() == len(shipped_citations()) and not after.verified and not after.retired


def test_the_edit_page_shows_the_citation_as_it_stands(admin) -> None:
    entry = _entry("610.021(14)")
    page = admin.get(f"{PAGE}/{entry.id}").get_data(as_text=True)
    assert f'value="{entry.short_name}"' in page and "Unverified" not in page
    examples = page.split('id="examples"')[1].split("</textarea>")[0]
    assert "\n".join(entry.examples) in examples.replace("&#39;", "'").replace("&#34;", '"')
    assert "[" not in examples  # one a line, not a list


def test_only_an_administrator_of_every_body_changes_the_shared_table(app, client, factories) -> None:
    """One body's administrator would change what every other body's denials may cite and say."""
    factories.unit()  # the city
    factories.unit("COUNTYREC", body="county")
    county_admin = factories.user(Role.ADMINISTRATOR, unit="COUNTYREC")
    client.sign_in(county_admin.email, PASSWORD)
    page = client.get(PAGE).get_data(as_text=True)
    assert "only an administrator of all of them can change it" in page and "Add citation" not in page
    entry = _entry("610.100.2")
    details = client.get(f"{PAGE}/{entry.id}").get_data(as_text=True)
    assert entry.description in details and "Save citation" not in details
    token = client.csrf_token(PAGE)
    for url, data in (
        (PAGE, {**_form_of(entry), "code": "1.2.3"}),
        (f"{PAGE}/{entry.id}", _form_of(entry, short_name="Changed by the county")),
        (f"{PAGE}/{entry.id}/retire", {}),
    ):
        refused = client.post(url, data={"csrf_token": token, **data})
        assert refused.status_code == 403, url
    assert _entry("610.100.2").short_name == entry.short_name and not _entry("610.100.2").retired
    assert _events("citation.added") == _events("citation.edited") == _events("citation.retired") == []

    both = factories.user(Role.ADMINISTRATOR)  # the city's administrator...
    with app.app_context():
        from sunshine.accounts.models import RoleAssignment
        from sunshine.units.models import Unit

        county_unit = db.session.scalars(select(Unit).where(Unit.code == "COUNTYREC")).one()
        db.session.add(RoleAssignment(user_id=both.id, role=Role.ADMINISTRATOR, unit_id=county_unit.id))
        db.session.commit()  # ...and the county's
    browser = app.test_client()
    browser.sign_in(both.email, PASSWORD)
    saved = _edit(browser, "610.100.2", short_name="Investigative records, active investigation")
    assert saved.status_code == 200 and _entry("610.100.2").short_name.startswith("Investigative records")
