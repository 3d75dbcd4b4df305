"""Each body's fee schedule (610.026): what an administrator sets, and what estimates use.

The rates are the body's own figures, so they are settings, never constants. Until an
administrator saves a schedule, the deployment's FEE_* settings apply. The payment
window comes from the fee-payment clock's policy, so there is one place to change it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields

from flask import current_app
from sqlalchemy import select

from sunshine.audit.services import record
from sunshine.clocks.policies import ClockKind
from sunshine.clocks.services import policy_for
from sunshine.extensions import db
from sunshine.records import fees
from sunshine.records.models import FeeScheduleSetting
from sunshine.units.models import PublicBody


@dataclass(frozen=True)
class FeeRates:
    """The figures an administrator sets, in cents."""

    paper_page_cents: int
    clerical_hourly_cents: int
    research_hourly_cents: int
    technical_hourly_cents: int
    media_prices_cents: Mapping[str, int]
    large_fee_threshold_cents: int


MAX_MEDIUM_CENTS = 100_000  # $1,000 for one piece of media: anything more is a typing slip


def parse_media_prices(text: str, *, most: int | None = None) -> dict[str, int]:
    """``usb=600, dvd=150`` (cents) into a mapping; raises FeeError saying which item is wrong.

    ``most`` caps each price where an administrator types them (the deployment's own setting
    is taken as it is, so a high price there can never break the pages that read it).
    """
    prices: dict[str, int] = {}
    for item in (piece.strip() for piece in text.split(",")):
        if not item:
            continue
        name, equals, price = (part.strip() for part in item.partition("="))
        if not equals or not name or not (price.isascii() and price.isdigit()):
            raise fees.FeeError(f"“{item}” is not a medium and its price, like usb=600.")
        if most is not None and int(price) > most:
            raise fees.FeeError(f"“{item}”: a medium costs at most {most} cents here; check the price.")
        prices[name] = int(price)
    return prices


def default_rates() -> FeeRates:
    """The deployment's FEE_* settings: what a body uses until it saves its own."""
    config = current_app.config
    return FeeRates(
        paper_page_cents=config["FEE_PAPER_PAGE_CENTS"],
        clerical_hourly_cents=config["FEE_CLERICAL_HOURLY_CENTS"],
        research_hourly_cents=config["FEE_RESEARCH_HOURLY_CENTS"],
        technical_hourly_cents=config["FEE_TECHNICAL_HOURLY_CENTS"],
        media_prices_cents=parse_media_prices(config["FEE_MEDIA_PRICES_CENTS"]),
        large_fee_threshold_cents=config["FEE_LARGE_THRESHOLD_CENTS"],
    )


def _setting(body_id: int) -> FeeScheduleSetting | None:
    return db.session.scalar(select(FeeScheduleSetting).where(FeeScheduleSetting.body_id == body_id))


def rates_for(body_id: int) -> FeeRates:
    setting = _setting(body_id)
    if setting is None:
        return default_rates()
    # The setting's columns are named as FeeRates' fields.
    return FeeRates(**{f.name: getattr(setting, f.name) for f in fields(FeeRates)})


def _schedule(body_id: int, rates: FeeRates) -> fees.FeeSchedule:
    """Build (and so validate) the schedule; raises FeeError with a message for the administrator."""
    window = policy_for(body_id, ClockKind.FEE_PAYMENT)
    return fees.FeeSchedule(
        clerical_hourly_rate_cents=rates.clerical_hourly_cents,
        research_hourly_rate_cents=rates.research_hourly_cents,
        technical_hourly_rate_cents=rates.technical_hourly_cents,
        paper_page_rate_cents=rates.paper_page_cents,
        media_prices_cents=dict(rates.media_prices_cents),
        window_days=window.length,
        large_fee_window_days=window.long_length or window.length,
        large_fee_threshold_cents=rates.large_fee_threshold_cents,
    )


def schedule_for(body_id: int) -> fees.FeeSchedule:
    """The schedule estimates for this body use now."""
    return _schedule(body_id, rates_for(body_id))


def is_customised(body_id: int) -> bool:
    return _setting(body_id) is not None


def set_rates(actor, body: PublicBody, rates: FeeRates) -> None:
    """Save the body's fee schedule; commits. Raises FeeError (nothing saved) when it breaks the law.

    Estimates already given keep their figures; new estimates use these.
    """
    _schedule(body.id, rates)  # refuses a paper rate over the statutory cap, negative figures, ...
    before = rates_for(body.id)
    setting = _setting(body.id) or FeeScheduleSetting(body_id=body.id)
    for name, value in asdict(rates).items():  # asdict copies the media prices
        setattr(setting, name, value)
    setting.updated_by_id = getattr(actor, "id", None)
    db.session.add(setting)
    record(
        actor,
        "fees.schedule_set",
        body,
        details={"before": asdict(before), "after": asdict(rates)},
    )
    db.session.commit()


# Until an administrator writes how this body takes payment: send the requester to the custodian.
DEFAULT_PAYMENT_INSTRUCTIONS = (
    "To pay, write to the custodian of records from your status page, or call or visit the records "
    "office, giving your request's tracking number; the office will tell you the ways it takes payment."
)
MAX_PAYMENT_INSTRUCTIONS = 2000


def payment_instructions(body: PublicBody) -> str:
    """How a requester pays this body's fees: its administrator's words, else the default."""
    return body.payment_instructions or DEFAULT_PAYMENT_INSTRUCTIONS


def set_payment_instructions(actor, body: PublicBody, text: str) -> None:
    """Save how requesters pay (blank: back to the default); commits. Raises FeeError if too long."""
    text = text.strip()
    if len(text) > MAX_PAYMENT_INSTRUCTIONS:
        raise fees.FeeError(f"Keep the payment instructions to {MAX_PAYMENT_INSTRUCTIONS:,} characters.")
    before = body.payment_instructions
    body.payment_instructions = text or None
    record(actor, "fees.payment_instructions_set", body, details={"before": before, "after": text or None})
    db.session.commit()
