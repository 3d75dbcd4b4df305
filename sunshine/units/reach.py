"""Which public bodies an administrator reaches, and so which units, staff and settings.

The rule: an administrator reaches the public bodies of the units in which they hold a role
granting the permission asked about (MANAGE_STAFF for people, MANAGE_UNITS for a body's
settings), and nothing else. A body they do not reach is answered as one that does not exist.

There is no global administrator. Every staff role is held in a unit (``create_staff`` and
``grant_role`` refuse a staff role without one), so an administrator role with no unit, which
only a hand edit of the database could make, reaches no body. Acting across every body is
left to the command line (services called with no actor), whose operator holds the server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from sunshine.authz import Permission, units_where
from sunshine.extensions import db
from sunshine.units.models import Department, Unit

if TYPE_CHECKING:
    from sunshine.accounts.models import User


def body_ids(user: User, permission: Permission) -> set[int]:
    """Ids of the bodies ``user`` reaches with ``permission``; empty for anyone inactive."""
    if not user.is_active:
        return set()
    unit_ids = units_where(user, permission)
    if not unit_ids:
        return set()
    return set(db.session.scalars(select(Department.body_id).join(Unit).where(Unit.id.in_(unit_ids))))


def timezone(user: User, permission: Permission) -> str:
    """The time zone ``user`` reads times in on pages about several bodies: that of the first body
    they reach with ``permission`` (a deployment's bodies share one in practice); UTC if none."""
    from sunshine.units.models import PublicBody

    reached = body_ids(user, permission)
    body = db.session.get(PublicBody, min(reached)) if reached else None
    return body.timezone if body is not None else "UTC"


def unit_ids(user: User, permission: Permission) -> set[int]:
    """Ids of every unit, open or closed, in the bodies ``user`` reaches with ``permission``."""
    bodies = body_ids(user, permission)
    if not bodies:
        return set()
    return set(
        db.session.scalars(select(Unit.id).join(Unit.department).where(Department.body_id.in_(bodies)))
    )


def reaches_unit(user: User, unit: Unit, permission: Permission = Permission.MANAGE_STAFF) -> bool:
    return unit.id in unit_ids(user, permission)


def manages(actor: User, person: User) -> bool:
    """True when every staff role ``person`` holds is in a body ``actor`` reaches with MANAGE_STAFF.

    Someone who is staff in two bodies is managed only by an administrator of both: switching
    them off or revoking their tokens would otherwise change a body the actor does not run.
    A person with no staff role (a requester) belongs to no body and is managed by no one here.
    """
    return staff_only_within(person, unit_ids(actor, Permission.MANAGE_STAFF))


def staff_only_within(person: User, units: set[int]) -> bool:
    """True when ``person`` holds a staff role and holds every one of them in ``units``."""
    held = {a.unit_id for a in person.role_assignments if a.role.is_staff}
    return bool(held) and held <= units
