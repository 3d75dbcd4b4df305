"""The letter templates page: administrators download, replace and revert; nobody else gets in."""

from __future__ import annotations

import io

import pytest
from docx import Document
from sqlalchemy import func, select

from sunshine.authz import Role
from sunshine.documents.storage import storage
from sunshine.extensions import db
from sunshine.letters import services
from sunshine.letters.defaults import LETTERS, default_template
from sunshine.letters.models import LetterTemplate
from tests.factories import PASSWORD
from tests.service.test_letter_templates import home

PAGE = "/admin/letters/"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def grant_template(*paragraphs: str) -> bytes:
    document = Document()
    for text in paragraphs or ("Good news about {{ tracking_number }}: the records are yours.",):
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def upload(client, kind: str, data: bytes, name: str = "house style.docx"):
    return client.submit(f"{PAGE}{kind}/upload", {"file": (io.BytesIO(data), name)}, page=PAGE)


@pytest.fixture
def admin(client, factories):
    user = factories.user(Role.ADMINISTRATOR)
    client.sign_in(user.email, PASSWORD)
    return user


def test_the_page_lists_every_letter_with_the_placeholders_it_may_use(client, admin) -> None:
    html = client.get(PAGE).get_data(as_text=True)
    for spec in LETTERS.values():
        assert spec.title in html
    assert html.count("Default template") == len(LETTERS)
    assert "<code>{{ withdrawal_reason }}</code>" in html and "<code>{{ citations.finding }}</code>" in html
    assert "<code>{{ available_time }}</code> (must stay" in html  # the delay notice's earliest time
    assert "<code>{{ due_explanation }}</code></li>" in html  # may be left out
    assert f'href="{PAGE}"' in client.get("/admin/").get_data(as_text=True)


def test_an_administrator_replaces_a_template_and_the_page_says_so(app, client, admin) -> None:
    template = grant_template()  # built once: a .docx records when it was written
    response = upload(client, "grant", template)
    assert response.status_code == 302
    html = client.get(PAGE).get_data(as_text=True)
    assert "“Your request is granted” letters now use house style.docx." in html
    assert "Custom template" in html and admin.full_name in html
    with app.app_context():
        assert services.template_bytes(home(), "grant") == template


def test_an_unknown_placeholder_is_refused_with_its_name_and_nothing_is_stored(app, client, admin) -> None:
    response = upload(client, "grant", grant_template("Dear {{ requester_name }}, {{ shoe_size }}"))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and "{{ shoe_size }}" in html and "Placeholders you can use" in html
    assert 'aria-invalid="true"' in html and 'id="template-grant"' in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LetterTemplate)) == 0


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "Choose the Word document (.docx) to upload."),
        ({"file": (io.BytesIO(b"MZ\x90\x00 not a document"), "letter.docx")}, "not a Word document"),
        ({"file": (io.BytesIO(b"0" * (services.MAX_TEMPLATE_BYTES + 1)), "big.docx")}, "smaller than 5 MB"),
    ],
    ids=["no-file", "not-word", "too-large"],
)
def test_an_upload_that_cannot_be_used_is_refused_with_a_message(client, admin, files, message) -> None:
    response = client.submit(f"{PAGE}grant/upload", files, page=PAGE)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_an_upload_without_the_form_token_is_refused(client, admin) -> None:
    response = client.post(f"{PAGE}grant/upload", data={"file": (io.BytesIO(grant_template()), "x.docx")})
    assert response.status_code == 400


def test_reverting_goes_back_to_the_default(app, client, admin) -> None:
    upload(client, "grant", grant_template())
    response = client.submit(f"{PAGE}grant/revert", page=PAGE)
    assert response.status_code == 302
    html = client.get(PAGE).get_data(as_text=True)
    assert "“Your request is granted” letters use the default template again." in html
    assert "Custom template" not in html
    with app.app_context():
        assert services.template_bytes(home(), "grant") == default_template("grant")
    again = client.submit(f"{PAGE}grant/revert", page=PAGE, follow_redirects=True)
    assert "already uses the default template" in again.get_data(as_text=True)


def test_downloads_are_word_attachments(client, admin) -> None:
    default = client.get(f"{PAGE}denial/default.docx")
    assert default.status_code == 200 and default.mimetype == DOCX
    assert default.headers["Content-Disposition"] == "attachment; filename=denial-default.docx"
    assert default.data == default_template("denial")
    assert client.get(f"{PAGE}grant/custom.docx").status_code == 404

    granted = grant_template("Granted: {{ tracking_number }}")
    upload(client, "grant", granted)
    custom = client.get(f"{PAGE}grant/custom.docx")
    assert custom.status_code == 200 and custom.mimetype == DOCX
    assert custom.headers["Content-Disposition"] == "attachment; filename=grant-custom.docx"
    assert custom.data == granted


def test_an_unknown_letter_is_not_found(client, admin) -> None:
    assert client.get(f"{PAGE}ransom_note/default.docx").status_code == 404
    assert upload(client, "ransom_note", grant_template()).status_code == 404


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMINISTRATOR])
def test_only_administrators_reach_letter_templates(client, factories, role: Role) -> None:
    user = factories.user(role)
    client.sign_in(user.email, PASSWORD)
    assert client.get(PAGE).status_code == 403
    assert client.get(f"{PAGE}grant/default.docx").status_code == 403
    token = client.csrf_token("/")
    data = {"csrf_token": token, "file": (io.BytesIO(grant_template()), "x.docx")}
    assert client.post(f"{PAGE}grant/upload", data=data).status_code == 403
    assert client.post(f"{PAGE}grant/revert", data={"csrf_token": token}).status_code == 403


def test_an_administrator_changes_only_their_own_bodys_letters(app, client, factories) -> None:
    """The county's administrator sees, replaces and reverts the county's templates, never the city's."""
    factories.unit()  # the city, the first body
    county = factories.unit("COUNTYREC", body="county").department.body_id
    city_admin = factories.user(Role.ADMINISTRATOR)
    county_admin = factories.user(Role.ADMINISTRATOR, unit="COUNTYREC")
    client.sign_in(city_admin.email, PASSWORD)
    upload(client, "grant", grant_template("City grant: {{ tracking_number }}"), "city.docx")
    client.submit("/account/logout", page="/")

    client.sign_in(county_admin.email, PASSWORD)
    html = client.get(PAGE).get_data(as_text=True)
    assert "Letter templates: County City" in html  # their own body, without asking
    assert "city.docx" not in html and html.count("Default template") == len(LETTERS)
    city = f"?body={home()}"
    assert client.get(PAGE + city).status_code == 404
    assert client.get(f"{PAGE}grant/custom.docx{city}").status_code == 404
    token = client.csrf_token(PAGE)
    refused = {"csrf_token": token, "file": (io.BytesIO(grant_template()), "x.docx")}
    assert client.post(f"{PAGE}grant/upload{city}", data=refused).status_code == 404
    assert client.post(f"{PAGE}grant/revert{city}", data={"csrf_token": token}).status_code == 404

    response = client.submit(
        f"{PAGE}grant/upload?body={county}",
        {"file": (io.BytesIO(grant_template("County grant: {{ tracking_number }}")), "county.docx")},
        page=PAGE,
    )
    assert response.status_code == 302 and response.location.endswith(f"?body={county}")
    with app.app_context():
        assert services.active_template(home(), "grant").display_name == "city.docx"
        assert services.active_template(county, "grant").display_name == "county.docx"


def test_the_page_names_what_an_uploaded_template_leaves_out_of_the_default(client, admin) -> None:
    """A clarification letter made before {{ response_time }} existed may still say the clock is paused."""
    old_style = grant_template(
        "About {{ tracking_number }}: {{ question }}",
        "The time we have to respond is paused until you answer. Answer by {{ window_due }}.",
    )
    assert upload(client, "clarification", old_style).status_code == 302
    html = client.get(PAGE).get_data(as_text=True)
    section = html[html.index('id="letter-clarification"') : html.index('id="letter-payment_request"')]
    assert "The default letter also uses" in section and "<code>{{ response_time }}</code>" in section
    assert "<code>{{ question }}</code>," not in section  # used: not listed
    assert html.count("The default letter also uses") == 1  # letters on the default list nothing


def test_a_template_whose_stored_file_is_gone_is_flagged_not_a_broken_page(app, client, admin) -> None:
    upload(client, "grant", grant_template())
    with app.app_context():
        storage().delete(services.active_template(home(), "grant").storage_key)
    response = client.get(PAGE)
    assert response.status_code == 200
    assert "The stored file of this template cannot be read" in response.get_data(as_text=True)
