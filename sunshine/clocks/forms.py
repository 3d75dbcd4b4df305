from __future__ import annotations

from wtforms import DateField, HiddenField, IntegerField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from sunshine.forms import BrowserForm


class ClosureForm(BrowserForm):
    day = DateField("Date the office is closed", [InputRequired("Enter the date, like 2026-11-27.")])
    reason = StringField("Reason", [InputRequired("Say why the office is closed."), Length(max=200)])


class PolicyLengthForm(BrowserForm):
    kind = HiddenField()
    length = IntegerField(
        "Days", [InputRequired("Enter a number of days."), NumberRange(1, 365, "Use 1 to 365 days.")]
    )
    long_length = IntegerField(
        "Days when fees exceed the threshold", [Optional(), NumberRange(1, 365, "Use 1 to 365 days.")]
    )
