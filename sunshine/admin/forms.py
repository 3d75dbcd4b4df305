"""Forms of the administrator's pages about a public body itself."""

from __future__ import annotations

from wtforms import TextAreaField
from wtforms.validators import Length

from sunshine.forms import BrowserForm
from sunshine.units.services import MAX_CUSTODIAN_CONTACT


class CustodianContactForm(BrowserForm):
    text = TextAreaField(
        "The custodian of records",
        [Length(max=MAX_CUSTODIAN_CONTACT, message=f"Keep it to {MAX_CUSTODIAN_CONTACT:,} characters.")],
        description="Who the custodian is, the office's address, phone number and opening hours. Requesters "
        "see it on the request form, on every status page and at the foot of every letter. Leave empty to "
        "show none.",
        id="custodian_contact",
    )
