"""The JSON API: filing, reading with the access token, staff tokens, and errors as JSON."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from sunshine.accounts import services as accounts
from sunshine.authz import Role

BODY = {"description": "Dispatch logs for 4 March 2026, 14:00-16:00", "contact": {"email": "api@example.org"}}


@pytest.fixture
def records_unit(factories):
    return factories.unit("RECORDS")


def test_filing_returns_201_with_the_tracking_number_due_date_and_token(client, records_unit) -> None:
    response = client.post("/api/v1/requests", json=BODY)
    assert response.status_code == 201
    data = response.json
    assert set(data) == {
        "tracking_number",
        "status",
        "received_on",
        "response_due",
        "status_url",
        "access_token",
    }
    assert data["status"] == "received" and data["response_due"] > data["received_on"]
    assert response.headers["Location"] == f"/api/v1/requests/{data['tracking_number']}"

    read = client.get(
        response.headers["Location"], headers={"Authorization": f"Bearer {data['access_token']}"}
    )
    assert read.status_code == 200
    assert (
        read.json["tracking_number"] == data["tracking_number"]
        and read.json["response_due"] == data["response_due"]
    )
    assert read.json["history"][0]["event"] == "filed"
    # The status page link works as it is: it carries the token that opens the page.
    page = client.get(data["status_url"].removeprefix("http://localhost"))
    assert page.status_code == 200 and data["tracking_number"] in page.get_data(as_text=True)


def test_a_request_is_404_without_its_token_even_to_the_api(client, records_unit) -> None:
    data = client.post("/api/v1/requests", json=BODY).json
    url = f"/api/v1/requests/{data['tracking_number']}"
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": data["access_token"]}):
        response = client.get(url, headers=headers)
        assert response.status_code == 404 and response.is_json
    guessed = client.get(
        "/api/v1/requests/2026-999999", headers={"Authorization": f"Bearer {data['access_token']}"}
    )
    assert guessed.status_code == 404


@pytest.mark.parametrize(
    ("kwargs", "status", "field"),
    [
        ({"json": {}}, 400, "description"),
        ({"json": {"description": ""}}, 400, "description"),
        ({"json": {**BODY, "delivery": "pigeon"}}, 400, "delivery"),
        ({"json": {**BODY, "contact": {"email": "nope"}}}, 400, "contact.email"),
        ({"json": {**BODY, "surprise": 1}}, 400, "surprise"),
        ({"json": {**BODY, "date_from": "2026-13-01"}}, 400, "date_from"),
        ({"json": {**BODY, "date_from": "0"}}, 400, "date_from"),
        ({"data": "{not json", "content_type": "application/json"}, 400, None),
        ({"data": "description=x", "content_type": "application/x-www-form-urlencoded"}, 415, None),
    ],
)
def test_bad_bodies_get_json_errors_naming_the_field(client, records_unit, kwargs, status, field) -> None:
    response = client.post("/api/v1/requests", **kwargs)
    assert response.status_code == status and response.is_json
    assert response.json["error"]["message"]
    if field:
        assert field in response.json["error"]["fields"]


def test_rules_beyond_the_schema_are_400_with_the_rule(client, records_unit) -> None:
    response = client.post("/api/v1/requests", json={**BODY, "delivery": "mail"})
    assert response.status_code == 400 and "postal address" in response.json["error"]["message"]


def test_staff_token_lists_open_requests_in_the_holders_units(client, factories, records_unit) -> None:
    client.post("/api/v1/requests", json=BODY)
    custodian = factories.user(Role.CUSTODIAN)
    token = accounts.create_api_token(None, custodian, "case export")
    response = client.get("/api/v1/staff/requests", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and len(response.json["requests"]) == 1
    assert client.get("/api/v1/staff/requests").status_code == 401
    assert (
        client.get("/api/v1/staff/requests", headers={"Authorization": "Bearer sst_forged"}).status_code
        == 401
    )
    reviewer = factories.user(Role.UNIT_REVIEWER, unit="PATROL")
    other = accounts.create_api_token(None, reviewer, "other")
    assert (
        client.get("/api/v1/staff/requests", headers={"Authorization": f"Bearer {other}"}).status_code == 403
    )


def test_staff_token_reads_one_request_with_its_personal_data_and_the_read_is_audited(
    client, factories, records_unit
) -> None:
    from sqlalchemy import select

    from sunshine.audit.models import AuditEvent
    from sunshine.extensions import db

    filed = client.post("/api/v1/requests", json=BODY).json
    custodian = factories.user(Role.CUSTODIAN)
    token = accounts.create_api_token(None, custodian, "case system")
    url = f"/api/v1/staff/requests/{filed['tracking_number']}"
    response = client.get(url, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    data = response.json
    assert data["description"] == BODY["description"] and data["contact"]["email"] == BODY["contact"]["email"]
    assert [d["kind"] for d in data["deadlines"]] == ["sunshine_response"]
    assert data["deadlines"][0]["due_on"] == filed["response_due"]
    assert "request.filed" in [h["action"] for h in data["history"]]
    viewed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "request.viewed")).all()
    assert [(v.actor_id, v.object_id) for v in viewed] == [(custodian.id, str(services_find(filed).id))]

    assert client.get(url).status_code == 401
    elsewhere = accounts.create_api_token(None, factories.user(Role.CUSTODIAN, unit="PATROL"), "patrol")
    refused = client.get(url, headers={"Authorization": f"Bearer {elsewhere}"})
    assert refused.status_code == 404 and refused.json["error"]["status"] == 404
    missing = client.get("/api/v1/staff/requests/2026-999999", headers={"Authorization": f"Bearer {token}"})
    assert missing.status_code == 404


def services_find(filed: dict):
    from sunshine.records import access

    return access.find(filed["tracking_number"])


def test_api_tokens_are_for_staff_and_stored_only_as_hashes(factories) -> None:
    from sqlalchemy import text

    from sunshine.extensions import db

    with pytest.raises(accounts.AccountError, match="staff"):
        accounts.create_api_token(None, factories.user(), "mine")
    token = accounts.create_api_token(None, factories.user(Role.CUSTODIAN), "export")
    stored = db.session.execute(text("SELECT token_hash FROM api_token")).scalar_one()
    assert token not in stored and accounts.user_for_api_token(token) is not None


def test_a_revoked_staff_token_is_refused_with_401(client, factories, records_unit) -> None:
    custodian = factories.user(Role.CUSTODIAN)
    token = accounts.create_api_token(None, custodian, "case export")
    kept = accounts.create_api_token(None, custodian, "inbox")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/staff/requests", headers=headers).status_code == 200
    accounts.revoke_api_token(custodian, accounts.find_api_token(token).id)
    refused = client.get("/api/v1/staff/requests", headers=headers)
    assert refused.status_code == 401 and refused.json["error"]["status"] == 401
    assert (
        client.get("/api/v1/staff/requests", headers={"Authorization": f"Bearer {kept}"}).status_code == 200
    )


def test_switching_a_staff_account_off_revokes_its_tokens_for_good(client, factories, records_unit) -> None:
    admin = factories.user(Role.ADMINISTRATOR)
    custodian = factories.user(Role.CUSTODIAN)
    headers = {"Authorization": f"Bearer {accounts.create_api_token(None, custodian, 'case export')}"}
    accounts.set_active(admin, custodian, False)
    accounts.set_active(admin, custodian, True)
    assert client.get("/api/v1/staff/requests", headers=headers).status_code == 401


def test_openapi_document_describes_every_route(client) -> None:
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert set(spec["paths"]) == {
        "/requests",
        "/requests/{tracking_number}",
        "/staff/requests",
        "/staff/requests/{tracking_number}",
    }
    assert "RequestIn" in spec["components"]["schemas"]


def test_the_staff_list_comes_in_pages_in_due_order_each_request_once(
    client, factories, records_unit
) -> None:
    from datetime import date

    from sunshine.records import services

    filed = [factories.request(received_on=date(2026, 3, day)) for day in (2, 3, 3, 4, 5, 6, 9)]
    # One answered: no response clock runs, so it comes last.
    services.grant(None, filed[0].request)
    custodian = factories.user(Role.CUSTODIAN)
    headers = {"Authorization": f"Bearer {accounts.create_api_token(None, custodian, 'export')}"}
    seen, after, pages = [], None, 0
    while True:
        query = {"limit": 2} | ({"after": after} if after else {})
        page = client.get("/api/v1/staff/requests", query_string=query, headers=headers)
        assert page.status_code == 200 and len(page.json["requests"]) <= 2
        seen += page.json["requests"]
        pages, after = pages + 1, page.json["next"]
        if after is None:
            break
    assert pages == 4 and len(seen) == 7
    assert [r["tracking_number"] for r in seen[:-1]] == [f.tracking_number for f in filed[1:]]
    assert seen[-1]["tracking_number"] == filed[0].tracking_number and seen[-1]["response_due"] is None
    dues = [r["response_due"] for r in seen[:-1]]
    assert dues == sorted(dues)
    one = client.get("/api/v1/staff/requests", query_string={"limit": 500}, headers=headers).json
    assert len(one["requests"]) == 7 and one["next"] is None


@pytest.mark.parametrize(
    "query",
    [{"limit": "0"}, {"limit": "501"}, {"limit": "ten"}, {"limit": "²"},
     {"limit": "١٠"}, {"after": "yesterday"}, {"after": "2026-02-30.1"},
     {"after": "2026-03-01.99999999999"}, {"after": "none"}, {"after": "none.-1"}],
)  # fmt: skip
def test_a_bad_page_of_the_staff_list_is_400_with_what_to_send(
    client, factories, records_unit, query
) -> None:
    custodian = factories.user(Role.CUSTODIAN)
    headers = {"Authorization": f"Bearer {accounts.create_api_token(None, custodian, 'export')}"}
    response = client.get("/api/v1/staff/requests", query_string=query, headers=headers)
    assert response.status_code == 400
    assert next(iter(query)) in response.json["error"]["message"]


def test_staff_key_in_a_mailed_request_through_the_api(client, factories, records_unit) -> None:
    from datetime import timedelta

    from sunshine.audit.models import AuditEvent
    from sunshine.extensions import db
    from sunshine.records.models import RecordsRequest

    custodian = factories.user(Role.CUSTODIAN)
    headers = {"Authorization": f"Bearer {accounts.create_api_token(None, custodian, 'inbox')}"}
    from sunshine.clocks.services import local_today

    today = local_today(records_unit.body)  # the body's date: filing refuses a date after it
    body = {**BODY, "channel": "mail", "first_received_on": (today - timedelta(days=3)).isoformat(),
            "custodian_received_on": (today - timedelta(days=1)).isoformat()}  # fmt: skip
    response = client.post("/api/v1/staff/requests", json=body, headers=headers)
    assert response.status_code == 201, response.json
    data = response.json
    assert data["received_on"] == body["custodian_received_on"] and data["response_due"] > data["received_on"]
    assert response.headers["Location"].endswith(f"/api/v1/staff/requests/{data['tracking_number']}")
    assert client.get(data["status_url"].split("localhost", 1)[-1]).status_code == 200  # for the requester
    request = db.session.query(RecordsRequest).filter_by(tracking_number=data["tracking_number"]).one()
    assert request.channel.value == "mail" and request.requester_id is None
    assert request.first_received_at.date() == today - timedelta(days=3)
    filed = db.session.query(AuditEvent).filter_by(action="request.filed").one()
    assert filed.actor_id == custodian.id and filed.details["channel"] == "mail"

    # custodian_received_on defaults to first_received_on
    same_day = {**BODY, "channel": "phone", "first_received_on": today.isoformat()}
    assert client.post("/api/v1/staff/requests", json=same_day, headers=headers).json["received_on"] == str(
        today
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"channel": "web"}, "fields"),
        ({"channel": "api"}, "fields"),
        ({"first_received_on": None}, "fields"),
        ({"first_received_on": "2026-02-30"}, "fields"),
        ({"custodian_received_on": "2999-01-01", "first_received_on": "2026-01-05"}, "future"),
        ({"first_received_on": "2026-03-05", "custodian_received_on": "2026-03-04"}, "before it reached"),
    ],
)
def test_a_bad_staff_key_in_is_400_and_files_nothing(
    client, factories, records_unit, change, message
) -> None:
    from sunshine.extensions import db
    from sunshine.records.models import RecordsRequest

    custodian = factories.user(Role.CUSTODIAN)
    headers = {"Authorization": f"Bearer {accounts.create_api_token(None, custodian, 'inbox')}"}
    body = {**BODY, "channel": "email", "first_received_on": "2026-03-04"} | change
    response = client.post("/api/v1/staff/requests", json=body, headers=headers)
    assert response.status_code == 400
    assert message in response.json["error"]["message"] or message in response.json["error"].get("fields", {})
    assert db.session.query(RecordsRequest).count() == 0


def test_only_records_staff_may_key_in_through_the_api(client, factories, records_unit) -> None:
    body = {**BODY, "channel": "email", "first_received_on": "2026-03-04"}
    assert client.post("/api/v1/staff/requests", json=body).status_code == 401
    requester = factories.user()
    reviewer = factories.user(Role.UNIT_REVIEWER, unit="PATROL")
    for user in (requester, reviewer):
        token = accounts.create_api_token(None, user, "x") if user is reviewer else "sst_forged"
        answer = client.post(
            "/api/v1/staff/requests", json=body, headers={"Authorization": f"Bearer {token}"}
        )
        assert answer.status_code in (401, 403)


def test_while_the_response_clock_is_paused_no_due_date_is_given_as_if_it_ran(
    client, factories, records_unit
) -> None:
    from datetime import date

    from sunshine.records import workflow

    paused, running = (
        factories.request(received_on=date(2026, 3, 3)),
        factories.request(received_on=date(2026, 3, 4)),
    )
    with time_machine.travel(datetime(2026, 3, 4, 15, tzinfo=UTC), tick=False):
        workflow.ask_clarification(None, paused.request, "Which incident?")
    public = client.get(
        f"/api/v1/requests/{paused.tracking_number}",
        headers={"Authorization": f"Bearer {paused.access_token}"},
    ).json
    assert public["response_due"] is None and public["response_paused"] is True
    assert "2 business days left" in public["response_due_explanation"]
    custodian = factories.user(Role.CUSTODIAN)
    headers = {"Authorization": f"Bearer {accounts.create_api_token(None, custodian, 'export')}"}
    listed = client.get("/api/v1/staff/requests", headers=headers).json["requests"]
    assert [(r["tracking_number"], r["response_due"]) for r in listed] == [
        (running.tracking_number, "2026-03-09"),
        (paused.tracking_number, None),  # not first, as if two weeks late
    ]


def test_only_the_records_units_custodians_key_in_requests(client, factories, records_unit) -> None:
    elsewhere = factories.user(Role.CUSTODIAN, unit="TRAFFIC")
    headers = {"Authorization": f"Bearer {accounts.create_api_token(None, elsewhere, 'inbox')}"}
    body = {**BODY, "channel": "email", "first_received_on": "2026-03-04"}
    refused = client.post("/api/v1/staff/requests", json=body, headers=headers)
    assert refused.status_code == 403 and "records unit" in refused.json["error"]["message"]
    from tests.factories import PASSWORD

    client.sign_in(elsewhere.email, PASSWORD)
    page = client.get("/staff/requests/new")
    assert page.status_code == 403 and "records unit" in page.get_data(as_text=True)
