"""Who may do what: the one place roles turn into permissions.

Views declare the permission they need with ``@requires(Permission.X)``;
services that act on a unit's data ask ``can(user, permission, unit_id)``.
Adding a role or a permission means editing the table below, nothing else.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from flask import abort
from flask_login import current_user

if TYPE_CHECKING:
    from sunshine.accounts.models import User


class Role(enum.StrEnum):
    REQUESTER = "requester"
    CUSTODIAN = "custodian"
    UNIT_REVIEWER = "unit_reviewer"
    GENERAL_COUNSEL = "general_counsel"
    ADMINISTRATOR = "administrator"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]

    @property
    def is_staff(self) -> bool:
        return self is not Role.REQUESTER


ROLE_LABELS = {
    Role.REQUESTER: "Requester",
    Role.CUSTODIAN: "Custodian of records",
    Role.UNIT_REVIEWER: "Unit reviewer",
    Role.GENERAL_COUNSEL: "General counsel",
    Role.ADMINISTRATOR: "Administrator",
}

STAFF_ROLES = tuple(role for role in Role if role.is_staff)


class Permission(enum.StrEnum):
    FILE_REQUEST = "file_request"
    USE_STAFF_WORKSPACE = "use_staff_workspace"
    WORK_RECORDS_QUEUE = "work_records_queue"
    REVIEW_AMENDMENTS = "review_amendments"
    HEAR_APPEALS = "hear_appeals"
    MANAGE_STAFF = "manage_staff"
    MANAGE_UNITS = "manage_units"


_STAFF = {Permission.USE_STAFF_WORKSPACE}
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.REQUESTER: frozenset({Permission.FILE_REQUEST}),
    Role.CUSTODIAN: frozenset(_STAFF | {Permission.WORK_RECORDS_QUEUE}),
    Role.UNIT_REVIEWER: frozenset(_STAFF | {Permission.REVIEW_AMENDMENTS}),
    Role.GENERAL_COUNSEL: frozenset(_STAFF | {Permission.HEAR_APPEALS}),
    Role.ADMINISTRATOR: frozenset(_STAFF | {Permission.MANAGE_STAFF, Permission.MANAGE_UNITS}),
}


def can(user: User | Any, permission: Permission, unit_id: int | None = None) -> bool:
    """True when ``user`` holds a role granting ``permission``.

    With ``unit_id``, the role must be held in that unit (unit-scoped work such as
    reviewing amendments routed to a unit); without it, in any unit.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    for assignment in user.role_assignments:
        if permission not in ROLE_PERMISSIONS[assignment.role]:
            continue
        if unit_id is None or assignment.unit_id == unit_id:
            return True
    return False


def units_where(user: User, permission: Permission) -> set[int]:
    """Ids of the units in which ``user`` holds ``permission``."""
    return {
        a.unit_id
        for a in user.role_assignments
        if a.unit_id is not None and permission in ROLE_PERMISSIONS[a.role]
    }


F = TypeVar("F", bound=Callable[..., Any])


def requires(permission: Permission) -> Callable[[F], F]:
    """View decorator: 401 flow for anonymous users, 403 for users without ``permission``."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            from sunshine.extensions import login_manager

            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not can(current_user, permission):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_permission = permission  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator
