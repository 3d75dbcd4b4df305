"""Forms for filing and working records requests. Field rules here; request rules in services."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional, StopValidation

from sunshine.forms import BrowserForm
from sunshine.ids import as_id
from sunshine.records.fees import MAX_ESTIMATE_CENTS
from sunshine.records.models import Channel, Delivery, PreferredFormat

FORMATS = [
    SelectChoice(PreferredFormat.ELECTRONIC.value, "Electronic copies"),
    SelectChoice(PreferredFormat.PAPER.value, "Paper copies"),
    SelectChoice(PreferredFormat.INSPECT.value, "Inspect in person"),
]
DELIVERIES = [
    SelectChoice(Delivery.PORTAL.value, "Download from the status page"),
    SelectChoice(Delivery.EMAIL.value, "By email"),
    SelectChoice(Delivery.MAIL.value, "By post"),
    SelectChoice(Delivery.PICKUP.value, "Collect at the counter"),
]


class RequestForm(BrowserForm):
    description = TextAreaField(
        "Records you are asking for",
        [InputRequired("Describe the records you are asking for."), Length(max=10000)],
    )
    date_from = DateField("From (optional)", [Optional()])
    date_to = DateField("To (optional)", [Optional()])
    preferred_format = RadioField(
        "How you would like them", choices=FORMATS, default=PreferredFormat.ELECTRONIC.value
    )
    delivery = RadioField(
        "How you would like to receive them", choices=DELIVERIES, default=Delivery.PORTAL.value
    )
    contact_name = StringField("Your name (optional)", [Optional(), Length(max=200)])
    contact_email = EmailField(
        "Email address (optional)",
        [Optional(), Email("Enter an email address like name@example.org."), Length(max=254)],
    )
    contact_phone = StringField("Phone (optional)", [Optional(), Length(max=40)])
    contact_address = TextAreaField("Postal address (optional)", [Optional(), Length(max=1000)])
    fee_waiver_requested = BooleanField(
        "I ask for fees to be waived or reduced because the release is in the public interest"
    )
    public_interest_statement = TextAreaField(
        "How the release serves the public interest", [Optional(), Length(max=5000)]
    )

    def intake(self):
        """What was asked, as filing takes it (``filing.Intake``)."""
        from sunshine.records.filing import Intake

        return Intake(
            description=self.description.data or "",
            preferred_format=PreferredFormat(self.preferred_format.data),
            delivery=Delivery(self.delivery.data),
            date_from=self.date_from.data,
            date_to=self.date_to.data,
            fee_waiver_requested=self.fee_waiver_requested.data,
            public_interest_statement=self.public_interest_statement.data,
            contact_name=self.contact_name.data,
            contact_email=self.contact_email.data,
            contact_phone=self.contact_phone.data,
            contact_address=self.contact_address.data,
        )

    def validate(self, extra_validators=None) -> bool:
        """The fields' own checks, then filing's rules across fields (``filing.intake_problems``),
        each beside its field: everything to fix is said at once."""
        from sunshine.records.filing import intake_problems

        valid = super().validate(extra_validators)
        if self.preferred_format.errors or self.delivery.errors:
            return valid  # the rules need both choices
        for name, message in intake_problems(self.intake()):
            field = getattr(self, name)
            if not field.errors:
                field.errors.append(message)
            valid = False
        return valid


class StaffIntakeForm(RequestForm):
    channel = SelectField(
        "How it arrived",
        choices=[
            SelectChoice(c.value, c.value.replace("_", " ").capitalize())
            for c in Channel
            if c not in (Channel.WEB, Channel.API)
        ],
    )
    first_received_on = DateField(
        "Date it first reached the body", [InputRequired("Enter the date it arrived.")]
    )
    custodian_received_on = DateField(
        "Date the custodian received it", [InputRequired("Enter the date the custodian received it.")]
    )


class DecisionForm(BrowserForm):
    citations = StringField("Citations (comma-separated, e.g. 610.021(14), 610.100.3)", [Length(max=500)])
    withheld_description = TextAreaField(
        "General description of what is withheld (RSMo 610.024)", [Length(max=5000)]
    )
    findings = TextAreaField(
        "Written findings, one per line as CODE: finding (needed for 610.021(18)(d) and (19))",
        [Length(max=10000)],
    )


class ReasonForm(BrowserForm):
    reason = StringField("Reason", [InputRequired("Give the reason."), Length(max=500)])


class ClarifyForm(BrowserForm):
    question = TextAreaField(
        "Question for the requester", [InputRequired("Write the question."), Length(max=5000)]
    )


class AnswerForm(BrowserForm):
    answer = TextAreaField("Your answer", [InputRequired("Write your answer."), Length(max=10000)])


PREPAY_FIRST, PAY_WHEN_READY = "first", "when_ready"


class FeeForm(BrowserForm):
    prepay = RadioField(
        "When the fees are paid",
        choices=[
            SelectChoice(PREPAY_FIRST, "Before the records are prepared: the request waits for payment, "
                         "and is withdrawn if none comes within the payment window (see the calendar page)"),
            SelectChoice(PAY_WHEN_READY, "When the records are ready: the work goes on now, and the estimate "
                         "is sent for the requester's information"),
        ],
        default=PREPAY_FIRST,  # also when the field is not sent at all, as before there was a choice
    )  # fmt: skip
    standard_pages = IntegerField(
        "Paper pages (up to 9 x 14 in)", [Optional(), NumberRange(0, 1_000_000)], default=0
    )
    duplicating_minutes = IntegerField(
        "Copying time, minutes", [Optional(), NumberRange(0, 100_000)], default=0
    )
    research_minutes = IntegerField(
        "Research time, minutes", [Optional(), NumberRange(0, 100_000)], default=0
    )
    programming_minutes = IntegerField(
        "Programming time, minutes", [Optional(), NumberRange(0, 100_000)], default=0
    )
    attorney_review_minutes = IntegerField(
        "Attorney review, minutes (recorded, never charged)", [Optional(), NumberRange(0, 100_000)], default=0
    )
    # Field name -> medium, for the media the body has a price for (see ``fee_form``).
    media_fields: dict[str, str] = {}

    def media_counts(self) -> dict[str, int]:
        """How many of each medium the estimate charges for (the media left at 0 are left out)."""
        return {medium: self[name].data for name, medium in self.media_fields.items() if self[name].data}


def fee_form(media_prices_cents: Mapping[str, int], **kwargs) -> FeeForm:
    """The fee form with a count for each medium the body has a price for, in name order.

    Media are the body's own (set at /admin/fees), so the fields are made per form; they
    are named by position, since a medium's name is free text.
    """
    fields = {}
    media = {}
    for n, (medium, cents) in enumerate(sorted(media_prices_cents.items())):
        name = f"medium_{n}"
        media[name] = medium
        fields[name] = IntegerField(
            f"{medium} (${cents / 100:,.2f} each)", [Optional(), NumberRange(0, 100)], default=0
        )
    form_class = type("BodyFeeForm", (FeeForm,), {**fields, "media_fields": media})
    return form_class(**kwargs)


class _Dollars(DecimalField):
    """An amount in dollars and whole cents, whose refusal says what to type.

    Refuses what ``Decimal`` would take but money cannot be: NaN, infinity, fractions of a cent.
    """

    def process_formdata(self, valuelist) -> None:
        what = self.label.text.lower()
        try:
            super().process_formdata(valuelist)
            if self.data is not None and not self.data.is_finite():
                raise ValueError("not a number")
            whole_cents = self.data is None or self.data == self.data.quantize(Decimal("0.01"))
        except (ValueError, InvalidOperation) as exc:  # quantize overflows on 1e30
            self.data = None
            raise ValueError(f"Enter the {what} in dollars, like 18.50.") from exc
        if not whole_cents:
            self.data = None
            raise ValueError(f"Enter the {what} to the cent, like 18.50: use whole cents.")

    def pre_validate(self, form) -> None:
        if self.process_errors:  # said once: the range check would only add "Use an amount from..."
            raise StopValidation()


def _dollars_field(label: str, most: str = "100000") -> DecimalField:
    return _Dollars(
        label,
        [
            InputRequired(f"Enter the {label.lower()} in dollars, like 18.50."),
            NumberRange(0, Decimal(most), f"Use an amount from $0 to ${most}."),
        ],
        places=2,
    )


class PaymentForm(BrowserForm):
    amount = _dollars_field("Amount received", str(MAX_ESTIMATE_CENTS // 100))


class WaiverForm(BrowserForm):
    percent = IntegerField(
        "Waive this percentage", [InputRequired("Enter 0 to 100."), NumberRange(0, 100, "Enter 0 to 100.")]
    )
    reason = TextAreaField(
        "Reason", [InputRequired("Give the reason."), Length(max=2000)], id="waiver_reason"
    )


class DelayForm(BrowserForm):
    explanation = TextAreaField(
        "Detailed explanation of the cause", [InputRequired("Explain the delay."), Length(max=5000)]
    )
    available_on = DateField("Earliest date available", [InputRequired("Enter the date.")])
    available_at_time = TimeField("Earliest time that day", [InputRequired("Enter the time, like 09:00.")])
    place = StringField("Where the records will be available", [InputRequired("Say where."), Length(max=500)])


class NoteForm(BrowserForm):
    # Its own id: the case page also holds the message to the requester, whose field is "text" too,
    # and a shared id sent a click on this label into the message.
    text = TextAreaField(
        "Internal note (never shown to the requester)",
        [InputRequired("Write the note."), Length(max=5000)],
        id="note_text",
    )


class UploadForm(BrowserForm):
    file = FileField("Record (PDF)", [FileRequired("Choose the file to upload.")])
    originating_unit_id = SelectField(
        "Unit that created the record",
        [InputRequired("Choose the unit that created the record: the release log names it.")],
        coerce=lambda value: int(value) if value not in ("", None) else None,
        validate_choice=True,
    )
    replaces_id = HiddenField(filters=[lambda v: as_id(v) if v else None])


class ResolveForm(BrowserForm):
    resolution = SelectField(
        "Resolution",
        choices=[
            SelectChoice("false_positive", "Not sensitive (false positive)"),
            SelectChoice("requester_own", "The verified requester's own data"),
        ],
    )
    reason = StringField("Reason", [Length(max=1000)])


class MessageForm(BrowserForm):
    text = TextAreaField("Message", [InputRequired("Write the message."), Length(max=5000)])


class GroundsForm(BrowserForm):
    grounds = TextAreaField(
        "Statement of grounds: which provision applies to which records, and why",
        [InputRequired("Write the statement."), Length(max=10000)],
    )


class GroundsAskedForm(BrowserForm):
    """The requester asked for the statement of grounds some other way than the status page."""

    asked_on = DateField(
        "Date the custodian received the ask",
        [InputRequired("Enter the date the ask reached the custodian.")],
    )
    how = SelectField(
        "How it came",
        choices=[
            SelectChoice(c.value, c.value.replace("_", " ").capitalize())
            for c in Channel
            if c not in (Channel.WEB, Channel.API)
        ],
    )


class AssignForm(BrowserForm):
    assignee_id = SelectField("Assign to", coerce=int, validate_choice=True)


class PaymentInstructionsForm(BrowserForm):
    text = TextAreaField(
        "How to pay",
        [Length(max=2000, message="Keep it to 2,000 characters.")],
        description="Who payment is made out to, where to send or bring it, and what is accepted. "
        "Requesters see it in payment letters, emails and their status page. Leave empty for the default.",
        id="payment_instructions",
    )


class FeeScheduleForm(BrowserForm):
    """A body's fee schedule in dollars; stored in cents."""

    paper_page = _dollars_field("Paper copy, per page")  # the statutory cap is checked with its citation
    clerical_hourly = _dollars_field("Clerical (duplicating) time, per hour")
    research_hourly = _dollars_field("Research time, per hour")
    technical_hourly = _dollars_field("Technical (programming or electronic copying) time, per hour")
    media_prices = StringField(
        "Media, in cents",
        [Optional(), Length(max=500)],
        description="Each medium and its price in cents, separated by commas, like usb=600, dvd=150.",
    )
    large_fee_threshold = _dollars_field("Fees above which the longer payment window applies", "1000000")
