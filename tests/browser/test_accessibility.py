"""In a real browser: every page a person reaches, in each role, passes axe-core's WCAG 2.1 A and AA rules.

The ADA Title II rule (28 CFR 35.200) holds a city's web content to WCAG 2.1 AA. Each page below is
its own test, filled with the data that makes its sections appear (letters, an estimate, a delay,
messages, records with findings), and every <details> section is opened first so the forms inside
are checked too. On a phone the page must also reflow to 320 pixels without scrolling sideways
(1.4.10), and fields asking for a person's own details say so to the browser (1.3.5): two rules
axe-core cannot see.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import time, timedelta
from functools import cached_property

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from sunshine.accounts import tokens
from sunshine.authz import Role
from sunshine.clocks import services as clocks
from sunshine.clocks import sweep
from sunshine.documents import services as documents
from sunshine.documents.models import DocumentRole, DocumentStatus, Resolution
from sunshine.extensions import db
from sunshine.records import release, services, workflow
from sunshine.records.fees import FeeInputs
from tests.browser.conftest import launched_chromium
from tests.factories import PASSWORD, Factories
from tests.service.test_release import SSN_LINE, pdf

pytestmark = pytest.mark.browser

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 320, "height": 640}  # the width WCAG 1.4.10 asks content to reflow to
AXE = Axe()


@pytest.fixture(scope="module")
def browser(chromium_path: str):
    """One Chromium for the module's many pages; each page still opens in a fresh context."""
    with launched_chromium(chromium_path) as instance:
        yield instance


class Scene:
    """The people and requests the pages show, each made the first time a page asks for it."""

    def __init__(self, factories: Factories) -> None:
        self.factories = factories
        factories.unit()  # the records unit, which receives what the public files
        self._users: dict[Role, object] = {}

    def user(self, role: Role):
        if role not in self._users:
            self._users[role] = self.factories.user(role)
        return self._users[role]

    @property
    def custodian(self):
        return self.user(Role.CUSTODIAN)

    @cached_property
    def worked(self):
        """A request with its letters, a fee estimate, messages both ways, a note, a record with a
        possible Social Security number, and a delay notice."""
        filed = self.factories.request(
            self.user(Role.REQUESTER), description="Body-worn camera video, 3 March"
        )
        record, custodian = filed.request, self.custodian
        services.acknowledge(custodian, record)
        workflow.give_estimate(custodian, record, FeeInputs(standard_pages=40, attorney_review_minutes=120))
        services.post_message(None, record, "Please include the diagram.", from_requester=True)
        services.post_message(custodian, record, "We will add it.", from_requester=False)
        workflow.add_note(custodian, record, "Called the requester about the diagram.")
        self._upload(record, pdf(["Incident report 26-1234", SSN_LINE]))
        workflow.delay(
            custodian,
            record,
            explanation="The video runs four hours and each bystander's face must be blurred frame by frame.",
            available_on=self._open_day_after(record, days=14),
            available_at_time=time(9),
            place="Records counter, City Hall",
        )
        return filed

    @cached_property
    def decided(self):
        """A request granted in part, citing the law, with its records released."""
        filed = self.factories.request(description="Dispatch logs, 1 to 7 March")
        record = filed.request
        services.decide_with_citations(
            self.custodian,
            record,
            partial=True,
            citations=["610.021(14)"],
            findings={},
            withheld_description="Juvenile names in two entries.",
        )
        document = self._upload(record, pdf(["Dispatch log", SSN_LINE]))
        documents.resolve(self.custodian, document.findings[0], Resolution.FALSE_POSITIVE, "Training sample")
        release.release(self.custodian, record)
        return filed

    @cached_property
    def questioned(self):
        """A request whose custodian asked the requester a question."""
        filed = self.factories.request(description="Records about the thing")
        workflow.ask_clarification(self.custodian, filed.request, "Which thing, and which month?")
        return filed

    @cached_property
    def checking(self):
        """A request whose record is still being checked, as when a large upload waits for its job."""
        filed = self.factories.request(description="Use of force reports, 2025")
        document = self._upload(filed.request, pdf(["Use of force report"]))
        document.status = DocumentStatus.PROCESSING
        db.session.commit()
        return filed

    @cached_property
    def late(self):
        """A request nobody answered, received in March: the sweep has marked it overdue."""
        filed = self.factories.request(description="Crash report, Main St and 5th")
        sweep.run()
        return filed

    @cached_property
    def everything(self) -> None:
        """Every request above, for the pages that list or count them."""
        for name in ("worked", "decided", "questioned", "checking", "late"):
            getattr(self, name)

    def _upload(self, record, data: bytes):
        return documents.receive(
            self.custodian,
            data,
            "report.pdf",
            case_type=services.CASE_TYPE,
            case_id=record.id,
            role=DocumentRole.RESPONSIVE,
            originating_unit=self.factories.unit(),
        )

    def _open_day_after(self, record, *, days: int):
        calendar = clocks.calendar_for(record.body_id)
        day = clocks.local_today(self.factories.unit().body) + timedelta(days=days)
        while calendar.non_business_reason(day) is not None:
            day += timedelta(days=1)
        return day


def status_link(filed) -> str:
    return f"/requests/{filed.request.tracking_number}?token={filed.access_token}"


def reset_link(scene: Scene) -> str:
    user = scene.user(Role.REQUESTER)
    token = tokens.make_token(
        "reset", {"uid": user.id, "pw": tokens.password_fingerprint(user.password_hash)}
    )
    return f"/account/reset/{token}"


def confirm_link(scene: Scene) -> str:
    user = scene.user(Role.REQUESTER)
    user.email_confirmed_at = None  # as it is between registering and opening the emailed link
    return f"/account/confirm/{tokens.make_token('confirm', {'uid': user.id, 'idx': user.email_index})}"


def _replace(button: str, section: str = "") -> Callable:
    """Replace a status link (in the folded ``section``, if given): agree to the browser's "are you
    sure", and wait for the new link."""

    def then(page) -> None:
        if section:
            page.get_by_text(section).click()
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name=button).click()
        page.locator(".private-link").wait_for()

    return then


def _send(button: str) -> Callable:
    """Send the form as it stands, and wait for the page that says what is missing."""

    def then(page) -> None:
        page.get_by_role("button", name=button).click()
        page.get_by_role("alert").first.wait_for()

    return then


def _close_records_unit(page) -> None:
    """Close the unit requests are filed with, agreeing to "are you sure": the page says why it stays open."""
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Close Records (RECORDS)").click()
    page.get_by_role("alert").first.wait_for()


def _file_a_request(page) -> None:
    page.get_by_label("Records you are asking for").fill("Crash report for Main St and 5th, 2 March 2026")
    page.get_by_role("button", name="Send request").click()
    page.locator(".private-link").wait_for()


def _refuse_a_delay_notice(page) -> None:
    """Give a delay notice with too short an explanation: the case page comes back saying why."""
    page.get_by_text("Give a delay notice").click()
    page.get_by_label("Detailed explanation of the cause").fill("Busy")
    page.get_by_label("Earliest date available").fill("2099-01-05")
    page.get_by_label("Earliest time that day").fill("09:00")
    page.get_by_label("Where the records will be available").fill("Counter")
    _send("Send delay notice")(page)


def _sign_in_wrongly(page) -> None:
    page.get_by_label("Email address").fill("nobody@example.org")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("alert").first.wait_for()


@dataclass(frozen=True)
class Visit:
    """A page as one person reaches it: signed in as ``role`` (or not), at the path ``to`` gives,
    after ``then`` (a form sent, say). ``shows`` is text the page must hold, so that a page
    missing the section under test cannot pass for want of it."""

    to: Callable[[Scene], str]
    role: Role | None = None
    then: Callable | None = None
    viewport: dict = field(default_factory=lambda: WIDE)
    shows: str = ""


def at(path: str) -> Callable[[Scene], str]:
    return lambda scene: path


def after(make: str, path: str) -> Callable[[Scene], str]:
    """``path``, once the scene holds what ``make`` names."""

    def to(scene: Scene) -> str:
        getattr(scene, make)
        return path

    return to


def case_page(name: str) -> Callable[[Scene], str]:
    return lambda scene: f"/staff/requests/{getattr(scene, name).request.id}"


def citation_page(code: str) -> Callable[[Scene], str]:
    """The administrator's edit page of the citation ``code``."""
    from sunshine.records.models import CitationEntry

    def to(scene: Scene) -> str:
        citation_id = db.session.scalar(select(CitationEntry.id).where(CitationEntry.code == code))
        return f"/admin/citations/{citation_id}"

    return to


def status_page(name: str) -> Callable[[Scene], str]:
    return lambda scene: status_link(getattr(scene, name))


R, C, U, G, A = Role.REQUESTER, Role.CUSTODIAN, Role.UNIT_REVIEWER, Role.GENERAL_COUNSEL, Role.ADMINISTRATOR
VISITS = [
    # Anyone
    pytest.param(Visit(at("/")), id="home"),
    pytest.param(Visit(at("/"), viewport=PHONE), id="home-phone"),
    pytest.param(Visit(at("/requests/new")), id="request-form"),
    pytest.param(Visit(at("/requests/new"), then=_send("Send request")), id="request-form-errors"),
    pytest.param(
        Visit(at("/requests/new"), then=_send("Send request"), viewport=PHONE),
        id="request-form-errors-phone",
    ),
    pytest.param(Visit(at("/requests/new"), then=_file_a_request), id="confirmation"),
    pytest.param(Visit(at("/requests/new"), then=_file_a_request, viewport=PHONE), id="confirmation-phone"),
    pytest.param(Visit(status_page("worked"), shows="The video runs four hours"), id="status-worked"),
    pytest.param(
        Visit(status_page("worked"), viewport=PHONE, shows="Estimated fees"), id="status-worked-phone"
    ),
    pytest.param(Visit(status_page("decided"), shows="Released records"), id="status-decided"),
    pytest.param(Visit(status_page("questioned"), shows="Send answer"), id="status-clarification"),
    pytest.param(Visit(status_page("late"), shows="This date has passed"), id="status-late"),
    pytest.param(Visit(after("everything", "/metrics")), id="metrics"),
    pytest.param(Visit(after("everything", "/metrics"), viewport=PHONE), id="metrics-phone"),
    pytest.param(Visit(at("/account/login")), id="sign-in"),
    pytest.param(Visit(at("/account/login"), then=_sign_in_wrongly), id="sign-in-refused"),
    pytest.param(Visit(at("/account/register")), id="register"),
    pytest.param(Visit(at("/account/register"), then=_send("Create account")), id="register-errors"),
    pytest.param(Visit(at("/account/forgot")), id="password-forgot"),
    pytest.param(Visit(reset_link), id="password-reset"),
    pytest.param(Visit(at("/account/confirm")), id="confirmation-link-resend"),
    pytest.param(Visit(at("/account/check-email"), shows="Check your email"), id="check-your-email"),
    pytest.param(Visit(confirm_link, shows="Your email address is confirmed"), id="email-confirmed"),
    pytest.param(Visit(at("/account/confirm/not-a-real-link"), shows="not valid"), id="email-link-broken"),
    pytest.param(
        Visit(status_page("questioned"), shows="no longer opens", then=_replace("Replace my link")),
        id="requester-new-link",
    ),
    pytest.param(
        Visit(status_page("questioned"), then=_replace("Replace my link"), viewport=PHONE),
        id="requester-new-link-phone",
    ),
    pytest.param(Visit(at("/no/such/page"), shows="Error 404"), id="not-found"),
    # A requester with an account
    pytest.param(
        Visit(after("worked", "/account/requests"), R, shows="Delayed, with an earliest date"),
        id="requester-my-requests",
    ),
    pytest.param(
        Visit(after("worked", "/account/requests"), R, viewport=PHONE, shows="Body-worn camera video"),
        id="requester-my-requests-phone",
    ),
    pytest.param(Visit(status_page("worked"), R, shows="We will add it."), id="requester-status"),
    pytest.param(Visit(at("/account/"), R), id="requester-account"),
    pytest.param(Visit(at("/admin/"), R, shows="Error 403"), id="requester-forbidden"),
    # Staff, in each role
    pytest.param(Visit(at("/staff/"), C), id="custodian-workspace"),
    pytest.param(Visit(after("everything", "/staff/queue"), C), id="custodian-queue"),
    pytest.param(Visit(after("everything", "/staff/queue"), C, viewport=PHONE), id="custodian-queue-phone"),
    pytest.param(Visit(after("everything", "/staff/requests"), C), id="custodian-request-list"),
    pytest.param(
        Visit(case_page("worked"), C, shows="Possible sensitive data in report.pdf"),
        id="custodian-case-worked",
    ),
    pytest.param(Visit(case_page("worked"), C, viewport=PHONE), id="custodian-case-worked-phone"),
    pytest.param(Visit(case_page("decided"), C, shows="610.021(14)"), id="custodian-case-decided"),
    pytest.param(Visit(case_page("late"), C), id="custodian-case-new"),
    pytest.param(Visit(case_page("checking"), C, shows="being checked"), id="custodian-case-checking"),
    pytest.param(
        Visit(case_page("late"), C, then=_refuse_a_delay_notice, shows="Explain the cause of the delay"),
        id="custodian-case-refused",
    ),
    pytest.param(
        Visit(
            case_page("questioned"),
            C,
            then=_replace("Replace the link", "Replace the requester's status link"),
            shows="emailed to the requester",
        ),
        id="custodian-new-link",
    ),
    pytest.param(Visit(at("/staff/requests/new"), C), id="custodian-key-in"),
    pytest.param(
        Visit(at("/staff/requests/new"), C, then=_send("Record request")), id="custodian-key-in-errors"
    ),
    pytest.param(Visit(at("/staff/"), U), id="reviewer-workspace"),
    pytest.param(Visit(at("/staff/"), G), id="counsel-workspace"),
    pytest.param(Visit(after("late", "/staff/overdue"), G, shows="Business days late"), id="counsel-overdue"),
    pytest.param(Visit(at("/staff/"), A), id="admin-workspace"),
    pytest.param(Visit(after("everything", "/admin/"), A), id="admin-index"),
    pytest.param(Visit(after("everything", "/admin/"), A, viewport=PHONE), id="admin-index-phone"),
    pytest.param(Visit(at("/admin/staff/new"), A), id="admin-new-staff"),
    pytest.param(Visit(at("/admin/staff/new"), A, then=_send("Create account")), id="admin-new-staff-errors"),
    pytest.param(Visit(at("/admin/calendar"), A), id="admin-calendar"),
    pytest.param(Visit(at("/admin/calendar"), A, viewport=PHONE), id="admin-calendar-phone"),
    pytest.param(Visit(at("/admin/fees"), A), id="admin-fees"),
    pytest.param(Visit(at("/admin/letters/"), A), id="admin-letters"),
    pytest.param(Visit(at("/admin/custodian"), A), id="admin-custodian"),
    pytest.param(Visit(at("/admin/units"), A, shows="Add a unit to"), id="admin-units"),
    pytest.param(Visit(at("/admin/units"), A, viewport=PHONE), id="admin-units-phone"),
    pytest.param(
        Visit(at("/admin/units"), A, then=_send("Add department"), shows="There is a problem"),
        id="admin-units-errors",
    ),
    pytest.param(
        Visit(at("/admin/units"), A, then=_close_records_unit, shows="so it stays open"),
        id="admin-units-close-refused",
    ),
    pytest.param(Visit(at("/admin/citations"), A, shows="Unverified"), id="admin-citations"),
    pytest.param(Visit(at("/admin/citations"), A, viewport=PHONE), id="admin-citations-phone"),
    pytest.param(
        Visit(at("/admin/citations"), A, then=_send("Add citation"), shows="There is a problem"),
        id="admin-citations-errors",
    ),
    pytest.param(Visit(citation_page("610.021(19)"), A, shows="Retire"), id="admin-citation-edit"),
    pytest.param(Visit(after("late", "/admin/health"), A), id="admin-health"),
    pytest.param(Visit(at("/no/such/page"), A, shows="Error 404"), id="admin-not-found"),
]


def _sign_in(page, live_server: str, email: str) -> None:
    page.goto(f"{live_server}/account/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()


def _report(violations: list[dict], url: str) -> str:
    """Each violation with its rule, impact and help page, then each offending element's HTML."""
    lines = [f"{len(violations)} WCAG 2.1 AA rule(s) broken at {url}:"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['html']}")
            lines.append("      " + node["failureSummary"].replace("\n", "\n      "))
    return "\n".join(lines)


def _wider_than_the_screen(page) -> list[str]:
    """Elements whose right edge passes the viewport's, outside any box that scrolls on its own."""
    return page.evaluate(
        """() => [...document.body.querySelectorAll('*')]
            .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
            .filter(e => !e.closest('.table-scroll, .visually-hidden, .skip-link'))
            .map(e => e.outerHTML.slice(0, 200))"""
    )


@pytest.mark.parametrize("visit", VISITS)
def test_page_has_no_wcag_21_aa_violations(visit: Visit, live_server, browser, factories) -> None:
    scene = Scene(factories)
    path = visit.to(scene)
    user = scene.user(visit.role) if visit.role else None
    db.session.commit()
    context = browser.new_context(viewport=visit.viewport)
    page = context.new_page()
    try:
        if user is not None:
            _sign_in(page, live_server, user.email)
        page.goto(f"{live_server}{path}")
        if visit.then:
            visit.then(page)
        assert visit.shows in page.locator("main").inner_text(), f"{page.url} does not show {visit.shows!r}"
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        results = AXE.run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
        violations = results.response["violations"]
        assert not violations, _report(violations, page.url)
        if visit.viewport == PHONE:
            overflowing = _wider_than_the_screen(page)
            assert not overflowing, f"{page.url} scrolls sideways at 320 pixels (WCAG 1.4.10): {overflowing}"
    finally:
        context.close()


# WCAG 1.3.5: a person's own details carry their purpose, so a browser can fill them in; staff typing in
# someone else's are told "off", so the browser does not offer the staff member's own.
OWN_DETAILS = {
    "/requests/new": {
        "Your name (optional)": "name",
        "Email address (optional)": "email",
        "Phone (optional)": "tel",
        "Postal address (optional)": "street-address",
    },
    "/account/register": {
        "Your name": "name",
        "Email address": "email",
        "Password": "new-password",
        "Repeat the password": "new-password",
    },
    "/account/login": {"Email address": "username", "Password": "current-password"},
    "/account/forgot": {"Email address": "email"},
    "/account/confirm": {"Email address": "email"},
}
SOMEONE_ELSES = {
    "/staff/requests/new": {
        "Requester's name (optional)": "off",
        "Requester's email address (optional)": "off",
        "Requester's phone (optional)": "off",
        "Requester's postal address (optional)": "off",
    },
    "/admin/staff/new": {"Name": "off", "Work email address": "off"},
}


def test_fields_for_a_persons_own_details_say_what_they_ask_for(live_server, browser, factories) -> None:
    scene = Scene(factories)
    page = browser.new_page()
    for path, fields in [*OWN_DETAILS.items(), ("reset", {"New password": "new-password"})]:
        page.goto(f"{live_server}{reset_link(scene) if path == 'reset' else path}")
        found = {
            label: page.get_by_label(label, exact=True).get_attribute("autocomplete") for label in fields
        }
        assert found == fields, path
    for role, path in ((C, "/staff/requests/new"), (A, "/admin/staff/new")):
        page.context.clear_cookies()
        _sign_in(page, live_server, scene.user(role).email)
        fields = SOMEONE_ELSES[path]
        page.goto(f"{live_server}{path}")
        found = {
            label: page.get_by_label(label, exact=True).get_attribute("autocomplete") for label in fields
        }
        assert found == fields, path
    page.close()


def test_the_case_page_says_when_checking_is_done_without_reloading_under_the_custodian(
    live_server, browser, factories
) -> None:
    scene = Scene(factories)
    record = scene.checking.request
    page = browser.new_page()
    _sign_in(page, live_server, scene.custodian.email)
    page.goto(f"{live_server}/staff/requests/{record.id}")
    page.get_by_text("Add a note", exact=True).click()
    page.get_by_label("Internal note").fill("Half-typed note")
    [document] = documents.active_documents(services.CASE_TYPE, record.id)
    document.status = DocumentStatus.READY
    db.session.commit()
    page.get_by_role("link", name="Reload the page to see the result").wait_for(timeout=15_000)
    assert page.get_by_label("Internal note").input_value() == "Half-typed note"
    page.close()


def test_the_case_page_says_so_when_it_can_no_longer_ask_whether_checking_is_done(
    live_server, browser, factories
) -> None:
    """Signed out meanwhile (the session ended, say): it stops asking and says why, not "checking" forever."""
    scene = Scene(factories)
    page = browser.new_page()
    _sign_in(page, live_server, scene.custodian.email)
    page.goto(f"{live_server}/staff/requests/{scene.checking.request.id}")
    page.context.clear_cookies()
    page.get_by_text("you may need to sign in again").wait_for(timeout=15_000)
    assert page.get_by_role("link", name="Reload the page").count() == 1
    page.close()
