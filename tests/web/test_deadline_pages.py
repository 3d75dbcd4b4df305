"""The custodian's queue, the calendar page and the health page, as their users see them."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

import time_machine

from sunshine.authz import Role
from sunshine.clocks import services
from sunshine.clocks.cli import sweep_command
from sunshine.clocks.policies import ClockKind, PauseReason
from sunshine.extensions import db
from tests.conftest import free_port
from tests.factories import PASSWORD


def _custodian(client, factories):
    custodian = factories.user(Role.CUSTODIAN)
    client.sign_in(custodian.email, PASSWORD)
    return custodian


def test_custodians_land_on_a_queue_ordered_by_due_date_with_badges(app, client, factories) -> None:
    later = factories.clock(started_on=date(2026, 3, 9), today=date(2026, 3, 4))
    soon = factories.clock(started_on=date(2026, 3, 2), today=date(2026, 3, 4))
    late = factories.clock(started_on=date(2026, 2, 23), today=date(2026, 3, 4))
    paused = factories.clock(started_on=date(2026, 3, 3), today=date(2026, 3, 4))

    services.pause(None, paused, PauseReason.WAITING_ON_PAYMENT, on=date(2026, 3, 4))
    db.session.commit()
    labels = [later.label, soon.label, late.label, paused.label]
    factories.clock(unit="PATROL", started_on=date(2026, 3, 2))  # not this custodian's unit
    custodian = factories.user(Role.CUSTODIAN)
    response = client.submit("/account/login", {"email": custodian.email, "password": PASSWORD})
    assert response.location == "/staff/queue"
    html = client.get("/staff/queue").get_data(as_text=True)
    order = [html.index(label) for label in (labels[2], labels[1], labels[3], labels[0])]
    assert order == sorted(order)
    for badge in ("Overdue", "Due soon", "Paused: waiting on payment", "On track"):
        assert badge in html
    assert "All (4)" in html and "Overdue (1)" in html and "Due soon (1)" in html and "Paused (1)" in html
    assert "Records are" not in html and html.count("TEST-") == 4


def test_queue_filters_and_rejects_bad_filters(app, client, factories) -> None:
    _custodian(client, factories)
    factories.clock(started_on=date(2026, 2, 23), today=date(2026, 3, 4))
    factories.clock(started_on=date(2026, 3, 9), today=date(2026, 3, 4))
    overdue = client.get("/staff/queue?status=overdue").get_data(as_text=True)
    assert overdue.count("TEST-") == 1
    bad = client.get("/staff/queue?status=everything")
    assert bad.status_code == 400 and "Choose a filter" in bad.get_data(as_text=True)
    for damaged in ("after=yesterday", "after=2026-03-04", "before=2026-02-30.1", "after=2026-03-04.x"):
        response = client.get(f"/staff/queue?{damaged}")
        assert response.status_code == 400 and "page link is damaged" in response.get_data(as_text=True)


def test_the_queue_pages_forward_and_back_by_place_in_due_order(app, client, factories, monkeypatch) -> None:
    from sunshine.clocks import queries

    monkeypatch.setattr(queries, "PAGE_SIZE", 3)
    _custodian(client, factories)
    clocks = [factories.clock(started_on=date(2026, 3, 2) + timedelta(days=n % 4)) for n in range(8)]
    in_order = [c.label for c in sorted(clocks, key=lambda c: (c.due_on, c.id))]

    def shown(html: str) -> list[str]:
        return [label for label in in_order if f">{label}</a>" in html]

    def link(html: str, text: str) -> str | None:
        found = re.search(rf'<a href="([^"]+)">{text}</a>', html)
        return found.group(1).replace("&amp;", "&") if found else None

    pages, html = [], client.get("/staff/queue?status=all").get_data(as_text=True)
    assert link(html, "Previous page") is None
    while True:
        pages.append(shown(html))
        following = link(html, "Next page")
        if following is None:
            break
        assert "status=all" in following  # the filter stays on
        html = client.get(following).get_data(as_text=True)
    assert pages == [in_order[0:3], in_order[3:6], in_order[6:8]]

    back = client.get(link(html, "Previous page")).get_data(as_text=True)
    assert shown(back) == in_order[3:6] and link(back, "Next page") and link(back, "Previous page")
    first = client.get(link(back, "Previous page")).get_data(as_text=True)
    assert shown(first) == in_order[0:3] and link(first, "Previous page") is None


def test_a_custodian_cannot_filter_to_another_units_queue(app, client, factories) -> None:
    _custodian(client, factories)
    patrol = factories.unit("PATROL").id
    assert client.get(f"/staff/queue?unit={patrol}").status_code == 403


def test_admin_adds_a_closure_day_and_sees_which_dates_moved(app, client, factories) -> None:
    admin = factories.user(Role.ADMINISTRATOR)
    clock = factories.clock(started_on=date(2026, 3, 2))
    label = clock.label
    client.sign_in(admin.email, PASSWORD)
    response = client.submit(
        "/admin/calendar", {"day": "2026-03-04", "reason": "Water main break"}, follow_redirects=True
    )
    html = response.get_data(as_text=True)
    assert "1 due date(s) moved" in html and f"{label}: Thu 5 Mar → Fri 6 Mar 2026" in html
    assert "Water main break" in html and "Lincoln Day" in html
    bad = client.submit("/admin/calendar", {"day": "not a date", "reason": ""})
    assert bad.status_code == 400 and "Not a valid date value" in bad.get_data(as_text=True)
    closure_id = re.search(r"/admin/calendar/(\d+)/remove", html).group(1)
    removed = client.submit(
        f"/admin/calendar/{closure_id}/remove", page="/admin/calendar", follow_redirects=True
    )
    assert "Fri 6 Mar → Thu 5 Mar 2026" in removed.get_data(as_text=True)


def test_health_page_says_when_the_sweep_is_late(app, client, factories, runner, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    monkeypatch.setitem(app.config, "QUEUE_MODE", "auto")
    admin = factories.user(Role.ADMINISTRATOR)
    client.sign_in(admin.email, PASSWORD)
    html = client.get("/admin/health").get_data(as_text=True)
    assert "Last sweep" in html and "never" in html and "Late: the sweep should run every 10 minutes" in html
    assert "Redis not reachable" in html
    result = runner.invoke(sweep_command)
    assert result.exit_code == 0 and json.loads(result.output)["skipped"] is False
    html = client.get("/admin/health").get_data(as_text=True)
    assert "On time" in html


def test_health_page_counts_only_the_overdue_deadlines_of_the_administrators_body(
    app, client, factories, runner
) -> None:
    factories.clock(ClockKind.SUNSHINE_RESPONSE, started_on=date(2026, 3, 2), today=date(2026, 3, 2))
    factories.unit("COUNTYREC", body="county")
    for _ in range(2):
        factories.clock(
            ClockKind.SUNSHINE_RESPONSE, started_on=date(2026, 3, 2), today=date(2026, 3, 2), unit="COUNTYREC"
        )
    with time_machine.travel(datetime(2026, 3, 9, 15, tzinfo=UTC), tick=False):
        assert json.loads(runner.invoke(sweep_command).output)["marked_overdue"] == 3
    city_admin = factories.user(Role.ADMINISTRATOR)
    county_admin = factories.user(Role.ADMINISTRATOR, unit="COUNTYREC")
    for admin, overdue in ((city_admin, 1), (county_admin, 2)):
        client.sign_in(admin.email, PASSWORD)
        html = client.get("/admin/health").get_data(as_text=True)
        assert f"<dt>Overdue deadlines</dt><dd>{overdue}</dd>" in html
        client.submit("/account/logout", page="/")


def test_sweep_command_prints_what_it_did(app, runner, factories) -> None:
    factories.clock(ClockKind.SUNSHINE_RESPONSE, started_on=date(2026, 3, 2), today=date(2026, 3, 2))
    with time_machine.travel(datetime(2026, 3, 9, 15, tzinfo=UTC), tick=False):
        result = runner.invoke(sweep_command)
    assert json.loads(result.output)["marked_overdue"] == 1


def test_admin_sets_a_policy_length_that_new_clocks_use(app, client, factories) -> None:
    admin = factories.user(Role.ADMINISTRATOR)
    client.sign_in(admin.email, PASSWORD)
    page = client.get("/admin/calendar").get_data(as_text=True)
    assert "Fee payment window <em>(setting)</em>" in page and "RSMo 610.023.3" in page
    assert "LAW.md" not in page
    response = client.submit(
        "/admin/calendar/policy",
        {"kind": "fee_payment", "length": "60", "long_length": "120"},
        page="/admin/calendar",
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "new requests use 60 days" in html
    assert "60 calendar days; 120 calendar days when fees are large" in html
    assert "Default: 90 calendar days; 150 calendar days when fees are large" in html
    assert factories.clock(ClockKind.FEE_PAYMENT, started_on=date(2026, 3, 2)).due_on == date(2026, 5, 1)
    assert factories.clock(ClockKind.FEE_PAYMENT, started_on=date(2026, 3, 2), long=True).length == 120


def test_calendar_page_gives_lengths_in_days_and_sources_in_words(client, factories) -> None:
    client.sign_in(factories.user(Role.ADMINISTRATOR).email, PASSWORD)
    html = client.get("/admin/calendar").get_data(as_text=True)
    assert "<td>3 business days" in html and "<td>10 business days" in html
    assert "<td>90 calendar days; 150 calendar days when fees are large" in html
    assert "<td>Missouri Sunshine Law, RSMo 610.023.3</td>" in html
    assert (
        "Missouri Sunshine Law, RSMo 610.026, as amended in 2025 (the amended text is not yet confirmed)"
        in html
    )
    assert "<td>Office policy, modelled on the federal Privacy Act, 5 U.S.C. 552a(d)(2)</td>" in html
    assert "<td>Office policy</td>" in html
    # Each number box has a label on screen, naming its deadline for a screen reader.
    assert (
        '<label for="length-fee_payment">Days<span class="visually-hidden">, Fee payment window</span>'
        in html
    )
    assert (
        '<label for="long-fee_payment">Days when fees are large'
        '<span class="visually-hidden">, Fee payment window</span>' in html
    )
    assert 'id="length-fee_payment"' in html and 'id="long-fee_payment"' in html


def test_a_refused_length_links_to_its_own_box_and_keeps_what_was_typed(client, factories) -> None:
    client.sign_in(factories.user(Role.ADMINISTRATOR).email, PASSWORD)
    data = {"kind": "clarification", "length": "0", "long_length": "150"}
    html = client.submit("/admin/calendar/policy", data, page="/admin/calendar").get_data(as_text=True)
    assert '<a href="#length-clarification">Use 1 to 365 days.</a>' in html and 'href="#length"' not in html
    box = re.search(r'<input id="length-clarification"[^>]*>', html, re.S).group(0)
    assert 'value="0"' in box and 'aria-invalid="true"' in box
    assert (
        'aria-describedby="length-clarification-error"' in box and 'id="length-clarification-error"' in html
    )
    fee_box = re.search(r'<input id="length-fee_payment"[^>]*>', html, re.S).group(0)
    assert 'value="90"' in fee_box and "aria-invalid" not in fee_box  # other rows are untouched

    data = {"kind": "amendment_decide", "length": "30", "long_length": "0"}
    html = client.submit("/admin/calendar/policy", data, page="/admin/calendar").get_data(as_text=True)
    assert '<a href="#length-amendment_decide">Use 1 to 365 days.</a>' in html  # it has no longer window

    data = {"kind": "nonsense", "length": "5"}
    html = client.submit("/admin/calendar/policy", data, page="/admin/calendar").get_data(as_text=True)
    assert '<a href="#deadline-lengths">Choose a deadline from the list.</a>' in html
    assert '<h2 id="deadline-lengths"' in html


def test_policy_lengths_reject_bad_values_with_messages(client, factories) -> None:
    admin = factories.user(Role.ADMINISTRATOR)
    client.sign_in(admin.email, PASSWORD)
    cases = [
        ({"kind": "fee_payment", "length": "0", "long_length": "150"}, "Use 1 to 365 days."),
        ({"kind": "fee_payment", "length": "90", "long_length": "30"}, "at least as long"),
        ({"kind": "sunshine_response", "length": "5"}, "fixed by statute (RSMo 610.023.3)"),
        ({"kind": "nonsense", "length": "5"}, "Choose a deadline"),
    ]
    for data, message in cases:
        response = client.submit("/admin/calendar/policy", data, page="/admin/calendar")
        assert response.status_code == 400 and message in response.get_data(as_text=True), data


def test_queue_filters_by_where_the_request_stands(app, client, factories) -> None:
    from sunshine.records import workflow

    custodian = _custodian(client, factories)
    waiting = factories.request(description="Dispatch logs, 400 block of Main St").request
    fresh = factories.request(description="Crash report on Elm St").request
    with time_machine.travel(datetime(2026, 3, 4, 18, tzinfo=UTC), tick=False):  # before it was due
        workflow.ask_clarification(custodian, waiting, "Which week in May?")
    db.session.commit()

    everything = client.get("/staff/queue").get_data(as_text=True)
    assert waiting.tracking_number in everything and fresh.tracking_number in everything
    assert "<td>Awaiting clarification</td>" in everything and "<td>Received</td>" in everything
    assert '<option value="awaiting_payment">Awaiting payment</option>' in everything

    asked = client.get("/staff/queue?case_status=awaiting_clarification").get_data(as_text=True)
    assert waiting.tracking_number in asked and fresh.tracking_number not in asked
    # Its paused response clock and the requester's clarification window.
    assert "All (2)" in asked and "Paused (1)" in asked
    assert 'href="/staff/queue?status=paused&amp;case_status=awaiting_clarification"' in asked

    received = client.get("/staff/queue?case_status=received&status=paused").get_data(as_text=True)
    assert "Nothing here" in received

    bad = client.get("/staff/queue?case_status=lost")
    assert bad.status_code == 400 and "Choose a case status" in bad.get_data(as_text=True)
