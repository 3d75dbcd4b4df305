"""Forms of the administrator's pages: a public body itself, and the deployment's citations."""

from __future__ import annotations

from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from sunshine.forms import BrowserForm
from sunshine.records.models import CITATION_LIMITS, MAX_CITATION_EXAMPLES
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


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _required(label: str) -> DataRequired:
    return DataRequired(message=f"Write the {label}; it cannot be blank.")


def _at_most(name: str) -> Length:
    most = CITATION_LIMITS[name]
    return Length(max=most, message=f"Keep it to {most:,} characters.")


class CitationForm(BrowserForm):
    """A citation as an administrator adds or corrects it (``records.citation_settings``)."""

    code = StringField(
        "Code",
        [_required("code"), _at_most("code")],
        filters=[_strip],
        description="As custodians type it in a denial, e.g. 610.021(14). It cannot change once a denial "
        "cites it.",
    )
    short_name = StringField(
        "Short name", [_required("short name"), _at_most("short_name")], filters=[_strip]
    )
    description = TextAreaField(
        "Description",
        [_required("description"), _at_most("description")],
        filters=[_strip],
        description="In plain language, for requesters: what the provision closes.",
    )
    statute = StringField(
        "Statute",
        [_required("statute"), _at_most("statute")],
        filters=[_strip],
        description="As a letter cites it, e.g. RSMo 610.021(14).",
    )
    requires_written_finding = BooleanField("A denial citing it needs a written finding")
    finding_guidance = TextAreaField(
        "Guidance for the written finding",
        [_at_most("finding_guidance")],
        filters=[_strip],
        description="What the finding must state. Shown to the custodian when the finding is missing.",
    )
    examples = TextAreaField(
        "Examples",
        [Length(max=MAX_CITATION_EXAMPLES * (CITATION_LIMITS["example"] + 2), message="Too many examples.")],
        description=f"Records it closes, one a line (at most {MAX_CITATION_EXAMPLES}).",
    )
    note = TextAreaField("Note", [_at_most("note")], filters=[_strip])
    verified = BooleanField("Verified: the wording and numbering are checked against the current statute")
