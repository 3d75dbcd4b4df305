"""Forms of the departments-and-units page: what an administrator types; the services check it."""

from __future__ import annotations

from wtforms import SelectField, StringField

from sunshine.forms import BrowserForm
from sunshine.ids import as_id


class DepartmentForm(BrowserForm):
    """A department to add to a body; ``services.add_department`` checks the name."""

    name = StringField("Department name", description="Such as Police Department or City Clerk.")


class UnitForm(BrowserForm):
    """A unit to add to one of a body's departments; ``services.add_unit`` checks the rest.

    The view offers the body's own departments and checks the one sent is among them.
    """

    # Anything but an id reads as none, and is refused as a department not offered.
    department_id = SelectField("Department", coerce=as_id, validate_choice=False)
    name = StringField("Unit name", description="Such as Records Unit or Patrol Division.")
    code = StringField(
        "Code",
        description="2 to 30 letters, digits or dashes, such as PATROL. Case numbers and routing use it, "
        "so no other unit may have it.",
    )
    email = StringField(
        "Email address (optional)",
        description="A shared mailbox, such as records@example.gov. Deadline reminders go to it when nobody "
        "in the unit holds the role they are meant for.",
    )


class DepartmentNameForm(BrowserForm):
    """A department's new name; ``services.rename_department`` checks it."""

    name = StringField(
        "Department name", description="Staff pages show it from now on; case numbers do not change."
    )


class UnitEditForm(BrowserForm):
    """A unit's corrected name and email address; ``services.edit_unit`` checks them.

    Not its code: case numbers and routing carry it, so it never changes.
    """

    name = StringField(
        "Unit name",
        description="Release packets made from now on name records by it, and staff pages show it. "
        "Packets already released keep the name they were made with.",
    )
    email = StringField(
        "Email address (optional)",
        description="A shared mailbox, such as records@example.gov. Deadline reminders go to it when nobody "
        "in the unit holds the role they are meant for.",
    )
