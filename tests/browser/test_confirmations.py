"""Actions that cannot be taken back ask first, in the browser; a 'no' sends nothing."""

from __future__ import annotations

from sunshine.authz import Role
from sunshine.extensions import db
from sunshine.records.models import RecordsRequest
from sunshine.records.states import Status
from tests.factories import PASSWORD


def test_granting_in_full_asks_first_and_no_leaves_the_request_as_it_was(
    live_server, browser, factories
) -> None:
    filed = factories.request()
    custodian = factories.user(Role.CUSTODIAN)
    page = browser.new_context().new_page()
    page.goto(f"{live_server}/account/login")
    page.get_by_label("Email address").fill(custodian.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()
    page.goto(f"{live_server}/staff/requests/{filed.request_id}")

    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Grant in full").click()
    page.wait_for_timeout(300)
    assert asked and "in full" in asked[0]
    db.session.expire_all()
    assert db.session.get(RecordsRequest, filed.request_id).status is Status.RECEIVED

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Grant in full").click()
    page.get_by_text("granted; the letter is on the case").wait_for()
    db.session.expire_all()
    assert db.session.get(RecordsRequest, filed.request_id).status is Status.GRANTED


def test_deny_and_grant_in_part_share_a_form_and_each_asks_its_own_question(
    live_server, browser, factories
) -> None:
    filed = factories.request()
    custodian = factories.user(Role.CUSTODIAN)
    page = browser.new_context().new_page()
    page.goto(f"{live_server}/account/login")
    page.get_by_label("Email address").fill(custodian.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()
    page.goto(f"{live_server}/staff/requests/{filed.request_id}")
    page.get_by_text("Deny, or grant in part, with citations").click()
    page.get_by_label("Citations").fill("610.021(3)")
    page.get_by_label("What is withheld", exact=False).fill("A personnel file")

    for button, question in (("Deny", "Deny request"), ("Grant in part", "in part?")):
        asked = []
        page.once("dialog", lambda dialog, asked=asked: (asked.append(dialog.message), dialog.dismiss()))
        page.get_by_role("button", name=button, exact=True).click()
        page.wait_for_timeout(300)
        assert asked and question in asked[0], (button, asked)
        db.session.expire_all()
        assert db.session.get(RecordsRequest, filed.request_id).status is Status.RECEIVED

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Deny", exact=True).click()
    page.get_by_text("denied; the letter with the law cited is on the case").wait_for()
    db.session.expire_all()
    assert db.session.get(RecordsRequest, filed.request_id).status is Status.DENIED
