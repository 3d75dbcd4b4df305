"""Changing keys: `keys check` and `keys rotate` (data encryption), `keys reindex` (blind index)."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, text

from sunshine.accounts.models import User
from sunshine.audit.models import AuditEvent
from sunshine.authz import Role
from sunshine.cli import check_keys_command, rotate_keys_command
from sunshine.crypto import FieldCipher, cipher
from sunshine.extensions import db
from sunshine.keyrotation import encrypted_columns
from sunshine.notifications.models import OutboxMessage
from sunshine.records import services as records
from sunshine.records.models import RecordsRequest

NEW_KEY = Fernet.generate_key().decode()


@pytest.fixture
def keys(app, monkeypatch):
    """Set the keys the app encrypts and decrypts with, newest first, as DATA_ENCRYPTION_KEYS would."""
    index_key = app.config["DATA_INDEX_KEY"]

    def use(*chosen: str, index_key: str = index_key) -> None:
        monkeypatch.setitem(app.extensions, "sunshine.cipher", FieldCipher(list(chosen), index_key))

    return use


def _stored_values() -> int:
    total = 0
    for table, columns in encrypted_columns():
        for column in columns:
            total += db.session.scalar(text(f'SELECT count("{column.name}") FROM "{table.name}"'))  # noqa: S608
    return total


def test_rotation_moves_every_stored_value_to_the_new_key_so_the_old_one_can_go(
    app, factories, runner, keys
) -> None:
    old_key = app.config["DATA_ENCRYPTION_KEYS"][0]
    filed = factories.request(contact_name="Pat Doe", contact_phone="555-0100", contact_address="1 Main St")
    records.post_message(None, filed.request, "Which camera?", from_requester=False)
    request_id = filed.request.id
    values = _stored_values()
    assert values >= 8  # the request's fields, the message, the emails, any accounts

    result = runner.invoke(check_keys_command)
    assert result.exit_code == 0, result.output
    assert f"{values:,} stored values are under the newest key; 0 under an older one." in result.output

    keys(NEW_KEY, old_key)
    result = runner.invoke(check_keys_command)
    assert result.exit_code == 1
    assert f"0 stored values are under the newest key; {values:,} under an older one." in result.output
    assert "Run flask keys rotate before taking any older key out" in result.output

    result = runner.invoke(rotate_keys_command)
    assert result.exit_code == 0, result.output
    assert f"Re-encrypted {values:,} stored values under the newest key; 0 already were." in result.output
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("keys.%")).order_by(AuditEvent.seq)
    )
    started, ended = events.all()
    assert (started.action, ended.action) == ("keys.rotation_started", "keys.rotated")
    assert ended.details["rotated"] == values and ended.actor_kind == "cli"

    keys(NEW_KEY)  # the old key taken out
    assert runner.invoke(check_keys_command).exit_code == 0
    db.session.expire_all()
    request = db.session.get(RecordsRequest, request_id)
    assert (request.contact_name, request.contact_address) == ("Pat Doe", "1 Main St")
    assert [m.body for m in request.messages if m.details.get("kind") == "message"] == ["Which camera?"]
    assert all(message.body for message in db.session.scalars(select(OutboxMessage)))
    assert all(user.email for user in db.session.scalars(select(User)))


def test_a_value_no_key_opens_is_named_and_left_as_it_is(app, factories, runner, keys) -> None:
    old_key = app.config["DATA_ENCRYPTION_KEYS"][0]
    request_id = factories.request().request.id
    stranger = Fernet(Fernet.generate_key()).encrypt(b"someone else's").decode()
    db.session.execute(
        text("UPDATE records_request SET contact_phone = :v WHERE id = :id"),
        {"v": stranger, "id": request_id},
    )
    db.session.commit()
    keys(NEW_KEY, old_key)
    for command in (check_keys_command, rotate_keys_command):
        result = runner.invoke(command)
        assert result.exit_code == 1
        assert "1 stored value cannot be opened with any key in DATA_ENCRYPTION_KEYS: " in result.output
        assert f"records_request.contact_phone row {request_id}." in result.output
    stored = db.session.scalar(
        text("SELECT contact_phone FROM records_request WHERE id = :id"), {"id": request_id}
    )
    assert stored == stranger


def test_a_value_the_app_rewrites_during_the_rotation_is_not_put_back(
    app, factories, keys, monkeypatch
) -> None:
    """The rotation writes a value only if it is still the one it read: the app's newer one stands."""
    from sunshine import keyrotation

    old_key = app.config["DATA_ENCRYPTION_KEYS"][0]
    request = factories.request().request
    request_id, description = request.id, request.description
    keys(NEW_KEY, old_key)
    rotate_token = cipher().rotate
    rewritten = []

    def rotate_while_the_app_writes(token: str) -> str:
        if not rewritten and cipher().decrypt(token) == description:
            # the app saves a new description between the rotation's read of it and its write
            newer = cipher().encrypt("A newer description")
            with db.engine.begin() as other:
                other.execute(
                    text("UPDATE records_request SET description = :v WHERE id = :id"),
                    {"v": newer, "id": request_id},
                )
            rewritten.append(newer)
        return rotate_token(token)

    monkeypatch.setattr(cipher(), "rotate", rotate_while_the_app_writes)
    report = keyrotation.rotate()
    assert report.changed_meanwhile == 1 and report.unreadable_count == 0
    assert report.older == report.rotated + report.changed_meanwhile
    db.session.expire_all()
    assert db.session.get(RecordsRequest, request_id).description == "A newer description"


def test_after_the_index_key_changes_reindex_lets_every_account_sign_in_again(
    app, factories, runner, keys
) -> None:
    from sunshine.accounts import services as accounts
    from sunshine.cli import reindex_keys_command
    from tests.factories import PASSWORD

    people = [factories.user(), factories.user(Role.CUSTODIAN)]
    assert all(accounts.authenticate(p.email, PASSWORD).user is not None for p in people)
    keys(
        *app.config["DATA_ENCRYPTION_KEYS"], index_key="a new index key"
    )  # DATA_INDEX_KEY changed, server restarted
    assert all(accounts.authenticate(p.email, PASSWORD).user is None for p in people)

    result = runner.invoke(reindex_keys_command)
    assert result.exit_code == 0, result.output
    assert "Recomputed the email index of 2 accounts under DATA_INDEX_KEY" in result.output
    assert all(accounts.authenticate(p.email, PASSWORD).user is not None for p in people)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "keys.reindexed")).one()
    assert event.details == {"changed": 2}
    assert "of 0 accounts" in runner.invoke(reindex_keys_command).output  # nothing left to do
