"""Fee estimates for copies of public records under RSMo 610.026 (LAW.md section 3).

Pure: no Flask, no database. Money is integer cents throughout, never floats.

Rounding: time is charged pro rata by the minute. A time line's amount is
``minutes x hourly rate / 60``, rounded half up to the cent once, on the line
total (never per minute). A percentage reduction is rounded the same way, on
the subtotal. Page and media lines are exact (count x unit price).

There is no minimum fee: one page costs exactly the page rate, and an estimate
with no chargeable work is $0.00. Attorney review and redaction time may be
entered for the record but always cost $0 (Gross v. Parson, Mo. 2021).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from types import MappingProxyType

__all__ = [
    "PAPER_PAGE_RATE_CAP_CENTS",
    "WAIVER_LEGAL_BASIS",
    "FeeError",
    "FeeEstimate",
    "FeeInputs",
    "FeeSchedule",
    "LineItem",
    "LineKind",
    "Waiver",
    "WaiverKind",
    "apply_waiver",
    "estimate_fees",
]

# The statute's own cap, not a setting: 610.026.1(1).
PAPER_PAGE_RATE_CAP_CENTS = 10

WAIVER_LEGAL_BASIS = (
    "RSMo 610.026.1(1): fees may be waived or reduced when release is in the public "
    "interest because it is likely to contribute significantly to public understanding "
    "of the body's operations and is not primarily in the requester's commercial interest."
)
_NOT_CHARGEABLE_BASIS = (
    "Gross v. Parson (Mo. 2021): time spent by an attorney reviewing records, and time "
    "spent redacting them, may not be charged to the requester."
)


# The fee columns hold 32-bit integers of cents; no real estimate comes near this. Payments share it.
MAX_ESTIMATE_CENTS = 1_000_000_000  # $10 million


class FeeError(ValueError):
    """A fee schedule, work input or waiver a person got wrong; the message says what to fix."""


class LineKind(StrEnum):
    PAPER = "paper"
    OVERSIZE = "oversize"
    DUPLICATING = "duplicating"
    RESEARCH = "research"
    PROGRAMMING = "programming"
    MEDIA = "media"
    ATTORNEY_REVIEW = "attorney_review"
    REDACTION = "redaction"


class WaiverKind(StrEnum):
    FULL = "full"
    PERCENT = "percent"
    AMOUNT = "amount"


def _require_whole(label: str, value: object, *, minimum: int = 0) -> None:
    # bool is an int subclass and float money is forbidden: both are mistakes here.
    if isinstance(value, bool) or not isinstance(value, int):
        raise FeeError(f"{label} must be a whole number, got {value!r}.")
    if value < minimum:
        raise FeeError(f"{label} must be {minimum} or more, got {value}.")


def _round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class FeeSchedule:
    """A public body's copying fees: settings an administrator keeps, in integer cents.

    Constructing one validates it, so any schedule that exists respects the
    statutory paper-page cap. The hourly rates are the body's own figures
    (clerical: average hourly pay of clerical staff; research: actual cost;
    technical: average pay of staff who copy or program electronic records).
    ``window_days`` is how long a requester has to pay (or clarify) before the
    request is treated as withdrawn; ``large_fee_window_days`` replaces it when
    the fees exceed ``large_fee_threshold_cents`` (LAW.md: unverified defaults).
    """

    clerical_hourly_rate_cents: int
    research_hourly_rate_cents: int
    technical_hourly_rate_cents: int
    paper_page_rate_cents: int = PAPER_PAGE_RATE_CAP_CENTS
    oversize_page_rate_cents: int | None = None
    media_prices_cents: Mapping[str, int] = field(default_factory=dict)
    window_days: int = 90
    large_fee_window_days: int = 150
    large_fee_threshold_cents: int = 100_000

    def __post_init__(self) -> None:
        _require_whole("The clerical hourly rate (cents)", self.clerical_hourly_rate_cents)
        _require_whole("The research hourly rate (cents)", self.research_hourly_rate_cents)
        _require_whole("The technical hourly rate (cents)", self.technical_hourly_rate_cents)
        _require_whole("The paper page rate (cents)", self.paper_page_rate_cents)
        if self.paper_page_rate_cents > PAPER_PAGE_RATE_CAP_CENTS:
            raise FeeError(
                "RSMo 610.026 caps paper copies up to 9 x 14 inches at "
                f"${Decimal(PAPER_PAGE_RATE_CAP_CENTS) / 100:.2f} a page; "
                f"${Decimal(self.paper_page_rate_cents) / 100:.2f} is too high."
            )
        if self.oversize_page_rate_cents is not None:
            _require_whole("The oversize page rate (cents)", self.oversize_page_rate_cents)
        prices: dict[str, int] = {}
        for kind, price in dict(self.media_prices_cents).items():
            if not isinstance(kind, str) or not kind.strip():
                raise FeeError(f"A media kind must be a non-blank name, got {kind!r}.")
            _require_whole(f"The price of a {kind} (cents)", price)
            prices[kind] = price
        object.__setattr__(self, "media_prices_cents", MappingProxyType(prices))
        _require_whole("The payment window (days)", self.window_days, minimum=1)
        _require_whole("The large-fee payment window (days)", self.large_fee_window_days, minimum=1)
        _require_whole("The large-fee threshold (cents)", self.large_fee_threshold_cents)


@dataclass(frozen=True)
class FeeInputs:
    """The work a request needs, as the custodian enters it. Counts are whole and non-negative.

    ``media`` maps a media kind named in the schedule (e.g. "USB drive") to a count.
    Attorney review and redaction minutes are kept for the record and never charged.
    """

    standard_pages: int = 0
    oversize_pages: int = 0
    duplicating_minutes: int = 0
    research_minutes: int = 0
    programming_minutes: int = 0
    media: Mapping[str, int] = field(default_factory=dict)
    attorney_review_minutes: int = 0
    redaction_minutes: int = 0

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            if f.name != "media":
                _require_whole(f.name.replace("_", " ").capitalize(), getattr(self, f.name))
        media = dict(self.media)
        for kind, count in media.items():
            _require_whole(f"The number of {kind} items", count)
        object.__setattr__(self, "media", MappingProxyType(media))


@dataclass(frozen=True)
class LineItem:
    """One line of an estimate. Time lines count minutes against a price per hour."""

    kind: LineKind
    description: str
    quantity: int
    unit: str
    unit_price_cents: int
    unit_price_per: str
    amount_cents: int
    legal_basis: str


@dataclass(frozen=True)
class Waiver:
    """A full waiver or a reduction (percentage or amount), with the reason recorded.

    Build one with ``Waiver.full``, ``Waiver.by_percent`` or ``Waiver.by_amount``.
    An int percentage is accepted and stored as a Decimal; floats are refused.
    """

    kind: WaiverKind
    reason: str
    percent: Decimal = Decimal(0)
    amount_cents: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.reason, str) or not self.reason.strip():
            raise FeeError("A fee waiver or reduction needs a reason, for the record.")
        if self.kind is WaiverKind.PERCENT:
            percent = self.percent
            if isinstance(percent, int) and not isinstance(percent, bool):
                percent = Decimal(percent)
            if not (isinstance(percent, Decimal) and percent.is_finite() and 0 < percent <= 100):
                raise FeeError(
                    "The reduction percentage must be a whole or decimal number above 0 and "
                    f"at most 100, got {self.percent!r}."
                )
            object.__setattr__(self, "percent", percent)
        elif self.percent:
            raise FeeError(f"A {self.kind} waiver takes no percentage.")
        if self.kind is WaiverKind.AMOUNT:
            _require_whole("The reduction amount (cents)", self.amount_cents, minimum=1)
        elif self.amount_cents:
            raise FeeError(f"A {self.kind} waiver takes no amount.")

    @classmethod
    def full(cls, reason: str) -> Waiver:
        return cls(WaiverKind.FULL, reason)

    @classmethod
    def by_percent(cls, percent: int | Decimal, reason: str) -> Waiver:
        return cls(WaiverKind.PERCENT, reason, percent=percent)  # type: ignore[arg-type]

    @classmethod
    def by_amount(cls, amount_cents: int, reason: str) -> Waiver:
        return cls(WaiverKind.AMOUNT, reason, amount_cents=amount_cents)

    def reduction_cents(self, subtotal_cents: int) -> int:
        """The cents taken off ``subtotal_cents``: never more than the subtotal."""
        if self.kind is WaiverKind.FULL:
            return subtotal_cents
        if self.kind is WaiverKind.PERCENT:
            return min(subtotal_cents, _round_half_up(subtotal_cents * self.percent / 100))
        return min(subtotal_cents, self.amount_cents)


@dataclass(frozen=True)
class FeeEstimate:
    """An itemised estimate. Totals are derived, so they always agree with the lines."""

    schedule: FeeSchedule
    lines: tuple[LineItem, ...]
    waiver: Waiver | None = None

    @property
    def subtotal_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)

    @property
    def reduction_cents(self) -> int:
        return self.waiver.reduction_cents(self.subtotal_cents) if self.waiver else 0

    @property
    def total_cents(self) -> int:
        """What the requester is asked to pay; never negative."""
        return self.subtotal_cents - self.reduction_cents

    @property
    def exceeds_large_fee_threshold(self) -> bool:
        """True when the amount due (after any waiver) is above the large-fee threshold."""
        return self.total_cents > self.schedule.large_fee_threshold_cents

    @property
    def window_days(self) -> int:
        """Days to pay before the request is treated as withdrawn (90, or 150 for large fees)."""
        if self.exceeds_large_fee_threshold:
            return self.schedule.large_fee_window_days
        return self.schedule.window_days


# Per kind: description, what the quantity counts, and the law that allows (or forbids)
# the charge. A "minute" line is priced per hour, pro rata.
_LINE_TEXT: dict[LineKind, tuple[str, str, str]] = {
    LineKind.PAPER: (
        "Paper copies up to 9 x 14 inches",
        "page",
        "RSMo 610.026.1(1): paper copies up to 9 x 14 inches cost at most $0.10 a page.",
    ),
    LineKind.OVERSIZE: (
        "Paper copies larger than 9 x 14 inches",
        "page",
        "RSMo 610.026.1(2): copies larger than 9 x 14 inches are charged at their cost.",
    ),
    LineKind.DUPLICATING: (
        "Duplicating time (clerical staff)",
        "minute",
        "RSMo 610.026.1(1): duplicating time, at no more than the average hourly pay of "
        "the body's clerical staff.",
    ),
    LineKind.RESEARCH: (
        "Research time",
        "minute",
        "RSMo 610.026.1(1): research time, at its actual cost.",
    ),
    LineKind.PROGRAMMING: (
        "Programming and technical staff time for electronic records",
        "minute",
        "RSMo 610.026.1(2): staff time to copy or program electronic, audio or video "
        "records, at no more than the average hourly pay of the staff who do it.",
    ),
    LineKind.MEDIA: (
        "Medium",
        "item",
        "RSMo 610.026.1(2): the cost of the disk, drive or other medium used.",
    ),
    LineKind.ATTORNEY_REVIEW: (
        "Attorney review time (recorded, not charged)",
        "minute",
        _NOT_CHARGEABLE_BASIS,
    ),
    LineKind.REDACTION: ("Redaction time (recorded, not charged)", "minute", _NOT_CHARGEABLE_BASIS),
}


def _line(kind: LineKind, quantity: int, price_cents: int, medium: str = "") -> LineItem:
    description, unit, basis = _LINE_TEXT[kind]
    if medium:
        description = f"{description}: {medium}"
    if unit == "minute":
        amount = _round_half_up(Decimal(quantity * price_cents) / 60)
        return LineItem(kind, description, quantity, unit, price_cents, "hour", amount, basis)
    amount = quantity * price_cents
    return LineItem(kind, description, quantity, unit, price_cents, unit, amount, basis)


def estimate_fees(schedule: FeeSchedule, inputs: FeeInputs) -> FeeEstimate:
    """Itemise ``inputs`` against ``schedule``. Lines with a zero quantity are left out.

    Raises FeeError when the inputs need a price the schedule does not set
    (oversize pages without an oversize rate, or an unknown media kind).
    """
    if inputs.oversize_pages and schedule.oversize_page_rate_cents is None:
        raise FeeError(
            "Oversize pages were entered, but the fee schedule has no oversize page rate; "
            "set one in the fee settings first."
        )
    prices = schedule.media_prices_cents
    for medium in inputs.media:
        if medium not in prices:
            known = ", ".join(sorted(prices)) or "none set"
            raise FeeError(f"No price is set for the medium {medium!r} (known: {known}).")
    lines = [
        _line(LineKind.PAPER, inputs.standard_pages, schedule.paper_page_rate_cents),
        _line(LineKind.OVERSIZE, inputs.oversize_pages, schedule.oversize_page_rate_cents or 0),
        _line(LineKind.DUPLICATING, inputs.duplicating_minutes, schedule.clerical_hourly_rate_cents),
        _line(LineKind.RESEARCH, inputs.research_minutes, schedule.research_hourly_rate_cents),
        _line(LineKind.PROGRAMMING, inputs.programming_minutes, schedule.technical_hourly_rate_cents),
        *(_line(LineKind.MEDIA, n, prices[medium], medium) for medium, n in inputs.media.items()),
        # Never charged, whatever the schedule says: Gross v. Parson.
        _line(LineKind.ATTORNEY_REVIEW, inputs.attorney_review_minutes, 0),
        _line(LineKind.REDACTION, inputs.redaction_minutes, 0),
    ]
    return FeeEstimate(schedule, tuple(line for line in lines if line.quantity))


def apply_waiver(estimate: FeeEstimate, waiver: Waiver) -> FeeEstimate:
    """Return ``estimate`` with ``waiver`` applied to its subtotal; the total never goes below 0.

    A new waiver replaces any earlier one (reductions never compound). Its legal
    basis is ``WAIVER_LEGAL_BASIS``.
    """
    return dataclasses.replace(estimate, waiver=waiver)
