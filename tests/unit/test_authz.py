"""The policy table: each role gets exactly its permissions, scoped by unit where asked."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from sunshine.authz import ROLE_PERMISSIONS, Permission, Role, can, units_where


@dataclass
class Assignment:
    role: Role
    unit_id: int | None


@dataclass
class FakeUser:
    # A plain object is enough: the policy reads only these attributes.
    role_assignments: list[Assignment] = field(default_factory=list)
    is_authenticated: bool = True
    is_active: bool = True


EXPECTED = {
    Role.REQUESTER: {Permission.FILE_REQUEST},
    Role.CUSTODIAN: {Permission.USE_STAFF_WORKSPACE, Permission.WORK_RECORDS_QUEUE},
    Role.UNIT_REVIEWER: {Permission.USE_STAFF_WORKSPACE, Permission.REVIEW_AMENDMENTS},
    Role.GENERAL_COUNSEL: {Permission.USE_STAFF_WORKSPACE, Permission.HEAR_APPEALS},
    Role.ADMINISTRATOR: {Permission.USE_STAFF_WORKSPACE, Permission.MANAGE_STAFF, Permission.MANAGE_UNITS},
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("permission", list(Permission))
def test_each_role_has_exactly_its_permissions(role: Role, permission: Permission) -> None:
    user = FakeUser([Assignment(role, None if role is Role.REQUESTER else 1)])
    assert can(user, permission) is (permission in EXPECTED[role])


def test_policy_table_covers_every_role() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)


def test_unit_scoped_permission_needs_the_role_in_that_unit() -> None:
    reviewer = FakeUser([Assignment(Role.UNIT_REVIEWER, 7)])
    assert can(reviewer, Permission.REVIEW_AMENDMENTS, unit_id=7)
    assert not can(reviewer, Permission.REVIEW_AMENDMENTS, unit_id=8)
    assert units_where(reviewer, Permission.REVIEW_AMENDMENTS) == {7}


def test_anonymous_and_inactive_users_can_do_nothing() -> None:
    admin = Assignment(Role.ADMINISTRATOR, 1)
    assert not can(FakeUser([admin], is_authenticated=False), Permission.MANAGE_STAFF)
    assert not can(FakeUser([admin], is_active=False), Permission.MANAGE_STAFF)


def test_only_the_requester_role_is_not_staff() -> None:
    assert [r for r in Role if not r.is_staff] == [Role.REQUESTER]
