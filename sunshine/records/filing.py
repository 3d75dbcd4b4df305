"""Filing a records request: the busiest write in the product, kept to one short transaction.

A filing writes the request, its 3-business-day response clock and their audit events,
and commits: from that moment the deadline is on record, and that is all the requester
waits for. The receipt (the letter on the case, the email with the status link, the
clock's first reminder on the job queue) follows in a job (``sunshine.records.receipts``).

The rows are written with plain statements, outside the unit of work: this path runs once
per filing under load, and the ORM's bookkeeping was a large part of its cost. On
PostgreSQL a filing is two statements, one to read (``_OPEN_POSTGRESQL``) and one to write
(``sunshine.audit.together``); on SQLite one per row. Everything else about the rows is the
same models and rules as anywhere else.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Date, DateTime, Table, and_, bindparam, cast, func, inspect, literal, select, text
from sqlalchemy.dialects.postgresql import REGCLASS
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError

from sunshine import calendar as cal
from sunshine.audit.services import record
from sunshine.audit.together import HAS_HEAD, make_head, write_with_events
from sunshine.clocks import services as clocks
from sunshine.clocks.models import Clock, ClockPolicySetting, ClosureDay
from sunshine.clocks.policies import DEFAULT_POLICIES, ClockKind, ClockPolicy, with_overrides
from sunshine.extensions import db
from sunshine.jobs.queue import nudge_after_commit
from sunshine.records.access import hash_token
from sunshine.records.models import Channel, Delivery, PreferredFormat, RecordsRequest, TrackingCounter
from sunshine.records.receipts import RECEIPTS_JOB
from sunshine.records.services import CASE_TYPE, RequestError
from sunshine.records.states import Status
from sunshine.timeutil import utcnow
from sunshine.units.models import Department, PublicBody, Unit

FIRST_YEAR = 1900  # no request is received before this; a date before it is a typing slip


@dataclass(frozen=True)
class Intake:
    """What a requester (or staff keying in a request) supplies."""

    description: str
    preferred_format: PreferredFormat = PreferredFormat.ELECTRONIC
    delivery: Delivery = Delivery.PORTAL
    date_from: date | None = None
    date_to: date | None = None
    fee_waiver_requested: bool = False
    public_interest_statement: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    contact_address: str | None = None


class BodyRef(NamedTuple):
    """What a new clock needs of its public body."""

    id: int
    timezone: str


@dataclass(frozen=True)
class Desk:
    """Where new requests land: the records unit, its body, and the response clock's rules there.

    Read afresh for every filing, never cached, so a closure day or a policy change
    applies to the very next request.
    """

    unit_id: int
    body: BodyRef
    policy: ClockPolicy
    calendar: cal.BusinessCalendar


@dataclass(frozen=True)
class Filed:
    request_id: int
    access_token: str  # shown once: the secret part of the status link
    # Known before the commit, so answering the requester needs no further queries.
    tracking_number: str
    status: Status
    received_on: date
    response_due: date

    @property
    def request(self) -> RecordsRequest:
        return db.session.get(RecordsRequest, self.request_id)


class NoRecordsUnit(LookupError):
    """There is no unit with the code requests are filed with: nothing can be filed yet."""


@dataclass(frozen=True)
class _Opening:
    """What a filing settles before it writes: its desk, date received and tracking number.

    On PostgreSQL one query settles them all and also reserves the request's and clock's
    ids, so that everything the filing writes, audit events included, can then go in one
    statement (``sunshine.audit.together``).
    """

    desk: Desk
    received_on: date
    tracking_number: str
    request_id: int | None = None  # PostgreSQL only, as is the rest
    clock_id: int | None = None
    has_head: bool = True  # whether the audit log has its head row yet


def _desk_query(*columns):
    return (
        select(
            Unit.id,
            PublicBody.id,
            PublicBody.timezone,
            ClockPolicySetting.length,
            ClockPolicySetting.long_length,
            *columns,
        )
        .select_from(Unit)
        .join(Department, Department.id == Unit.department_id)
        .join(PublicBody, PublicBody.id == Department.body_id)
        .outerjoin(
            ClockPolicySetting,
            and_(
                ClockPolicySetting.body_id == PublicBody.id,
                ClockPolicySetting.kind == ClockKind.SUNSHINE_RESPONSE,
            ),
        )
        .where(Unit.code == bindparam("code"))
    )


_DESK = _desk_query()

# The date received: staff give it; otherwise the date at the body at ``moment`` (UTC).
_AT_BODY = func.timezone(PublicBody.timezone, func.timezone("UTC", bindparam("moment", type_=DateTime)))
_RECEIVED_ON = func.coalesce(bindparam("received_on", type_=Date), cast(_AT_BODY, Date))
_OPEN_POSTGRESQL = _desk_query(
    select(func.json_object_agg(func.to_char(ClosureDay.day, "YYYY-MM-DD"), ClosureDay.reason))
    .where(ClosureDay.body_id == PublicBody.id)
    .scalar_subquery(),
    _RECEIVED_ON,
    func.nextval(cast(literal("tracking_number_") + func.to_char(_RECEIVED_ON, "YYYY"), REGCLASS)),
    func.nextval(func.pg_get_serial_sequence("records_request", "id")),
    func.nextval(func.pg_get_serial_sequence("clock", "id")),
    HAS_HEAD,
)


def _make_desk(unit_id, body_id, timezone, length, long_length, calendar) -> Desk:
    return Desk(
        unit_id=unit_id,
        body=BodyRef(body_id, timezone),
        policy=with_overrides(DEFAULT_POLICIES[ClockKind.SUNSHINE_RESPONSE], length, long_length),
        calendar=calendar,
    )


def desk(unit_code: str) -> Desk | None:
    """The desk of the unit with ``unit_code``, or None if there is no such unit."""
    row = db.session.connection().execute(_DESK, {"code": unit_code.upper()}).first()
    if row is None:
        return None
    return _make_desk(*row, calendar=clocks.calendar_for(row[1]))


def _open(unit_code: str, moment: datetime, received_on: date | None) -> _Opening | None:
    found = desk(unit_code)
    if found is None:
        return None
    received_on = received_on or clocks.local_today(found.body, moment)
    return _Opening(found, received_on, _take_number(received_on.year))


def _open_postgresql(unit_code: str, moment: datetime, received_on: date | None) -> _Opening | None:
    # The sequence of every year the date received can fall in (time zones are within 15 hours of UTC).
    if received_on is not None:
        years = {received_on.year}
    else:
        years = {(moment + timedelta(hours=hours)).year for hours in (-15, 0, 15)}
    for year in years:
        _year_sequence(year)
    parameters = {"code": unit_code.upper(), "moment": moment, "received_on": received_on}
    row = db.session.connection().execute(_OPEN_POSTGRESQL, parameters).first()
    if row is None:
        return None
    closures, received_on, number, request_id, clock_id, has_head = row[5:]
    days = {date.fromisoformat(day): reason for day, reason in (closures or {}).items()}
    return _Opening(
        _make_desk(*row[:5], calendar=cal.BusinessCalendar.missouri(days)),
        received_on,
        _format_number(received_on.year, number),
        request_id=request_id,
        clock_id=clock_id,
        has_head=has_head,
    )


def _take_number(year: int) -> str:
    """The next tracking number of ``year`` on SQLite, e.g. ``2026-000123``.

    Numbers are unique, increasing and restart each year. On PostgreSQL each year has its
    own sequence, taken in the filing's first query: ``nextval`` takes no row lock and is
    not undone by a rollback, so filings run side by side and a filing that fails leaves a
    gap in the numbers. SQLite has one writer at a time anyway, so there a counter row per
    year is bumped in the filing's transaction.
    """
    bump = (
        sqlite_insert(TrackingCounter)
        .values(year=year, last=1)
        .on_conflict_do_update(index_elements=["year"], set_={"last": TrackingCounter.last + 1})
        .returning(TrackingCounter.last)
    )
    return _format_number(year, db.session.execute(bump).scalar_one())


def _format_number(year: int, number: int) -> str:
    return f"{year}-{number:06d}"  # at least six digits, never cut: 2026-1000000 follows 2026-999999


def set_last_tracking_number(year: int, last: int) -> None:
    """Make ``last`` the last number issued in ``year`` (numbering continues from a former system)."""
    if db.session.get_bind().dialect.name == "postgresql":
        sql = f"SELECT setval('{_year_sequence(year)}', :last, :called)"  # noqa: S608 - from the int year
        db.session.execute(text(sql), {"last": max(last, 1), "called": last > 0})
    else:
        upsert = sqlite_insert(TrackingCounter).values(year=year, last=last)
        db.session.execute(upsert.on_conflict_do_update(index_elements=["year"], set_={"last": last}))
    db.session.commit()


_sequences_made: set[tuple[str, int]] = set()


def _year_sequence(year: int) -> str:
    """The name of ``year``'s sequence on PostgreSQL, made the first time it is needed.

    It is owned by the counter table, so it goes with that table (and ``TRUNCATE ...
    RESTART IDENTITY`` restarts it). Made outside the filing's transaction, in autocommit,
    once per database per process; ``IF NOT EXISTS`` and the re-check make a race harmless.
    """
    if not FIRST_YEAR <= year <= 9999:
        raise ValueError(f"No tracking numbers for the year {year}")
    name = f"tracking_number_{year}"
    key = (str(db.engine.url), year)
    if key not in _sequences_made:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            try:
                conn.execute(text(f"CREATE SEQUENCE IF NOT EXISTS {name} OWNED BY tracking_counter.last"))
            except DBAPIError:
                if conn.execute(text("SELECT to_regclass(:name)"), {"name": name}).scalar() is None:
                    raise
        _sequences_made.add(key)
    return name


def noon(day: date) -> datetime:
    """A date received with no time of day, as the moment ``first_received_at`` holds: noon UTC,
    which falls on that same date at a body anywhere in the United States."""
    return datetime.combine(day, time(12))


def intake_problems(intake: Intake) -> list[tuple[str, str]]:
    """Every rule ``intake`` breaks, as (field, message) in the form's order; [] when it can be filed.

    All of them at once, so a person fixes everything in one go rather than one per try.
    """
    found = []
    if not intake.description.strip():
        found.append(("description", "Describe the records you are asking for."))
    if intake.date_from and intake.date_to and intake.date_from > intake.date_to:
        found.append(("date_to", "The start of the date range is after its end."))
    elif intake.date_from and intake.date_from > utcnow().date() + timedelta(days=1):  # a day for time zones
        found.append(
            (
                "date_from",
                f"The date range starts on {intake.date_from:%-d %B %Y}, which has not come yet, so no "
                "record from it exists: check the year.",
            )
        )
    if intake.delivery is Delivery.EMAIL and not _trimmed(intake.contact_email):
        found.append(
            ("contact_email", "Give an email address, or choose another way to receive the records.")
        )
    if intake.delivery is Delivery.MAIL and not _trimmed(intake.contact_address):
        found.append(
            ("contact_address", "Give a postal address, or choose another way to receive the records.")
        )
    if intake.fee_waiver_requested and not _trimmed(intake.public_interest_statement):
        found.append(
            (
                "public_interest_statement",
                "Say how the release serves the public interest, or untick the fee waiver.",
            )
        )
    return found


def _check(intake: Intake) -> None:
    found = intake_problems(intake)
    if found:
        field, message = found[0]
        raise RequestError(" ".join(m for _, m in found), field, found)


def _check_dates(unit_code: str, received_on: date, arrived: datetime | None) -> None:
    """A date received (keyed in by staff) must not be after today at the unit's body,
    nor before the request reached the body (``arrived``, UTC, when given).

    Checked before the filing takes a tracking number, so a typing slip leaves no gap in
    the numbers and makes no sequence for a year that has not come.
    """
    found = desk(unit_code)
    if found is None:
        raise NoRecordsUnit(unit_code)
    if received_on > clocks.local_today(found.body):
        raise RequestError(
            "The date the custodian received it cannot be in the future.", "custodian_received_on"
        )
    if arrived is not None and received_on < clocks.local_today(found.body, arrived):
        raise RequestError(
            "The custodian cannot receive a request before it reached the body.", "custodian_received_on"
        )


def _trimmed(text: str | None) -> str | None:
    return (text or "").strip() or None


def _values(row: Any) -> tuple[Table, dict[str, Any]]:
    """A new model instance's table and every column value to insert, Python-side defaults applied.

    Values go through the columns' types when inserted (so encrypted columns are encrypted).
    """
    table = row.__table__
    given = inspect(row).dict
    values = {}
    for column in table.columns:
        if column.key in given:
            values[column.key] = given[column.key]
        elif column.default is not None and column.default.is_scalar:
            values[column.key] = column.default.arg
        elif column.default is not None and column.default.is_callable:
            values[column.key] = column.default.arg(None)
        elif column.default is not None and not column.primary_key:
            raise TypeError(f"{table.name}.{column.key}: only plain and callable defaults are applied here")
    return table, values


def _insert(row: Any) -> None:
    """INSERT a new model instance with one statement, bypassing the unit of work (SQLite's path).

    The instance stays out of the session, with its id set from the statement's RETURNING,
    so audit events can name it.
    """
    table, values = _values(row)
    row.id = db.session.connection().execute(table.insert().returning(table.c.id), values).scalar_one()


def file_request(
    actor,
    intake: Intake,
    *,
    unit_code: str,
    channel: Channel,
    first_received_at: datetime | None = None,
    custodian_received_on: date | None = None,
) -> Filed:
    """Record a new request at the unit ``unit_code`` and start its 3-business-day response clock.

    One transaction; on PostgreSQL two statements (one to read, one to write). Raises
    NoRecordsUnit if there is no such unit. ``first_received_at`` (naive UTC) is when it
    reached the body; the clock starts from ``custodian_received_on``, the local date the
    custodian received it (today for web and API requests). Requests by any other
    channel are keyed in by staff.
    """
    _check(intake)
    arrived = first_received_at or utcnow()
    if arrived.year < FIRST_YEAR or (custodian_received_on or arrived).year < FIRST_YEAR:
        raise RequestError(f"Check the dates received: nothing is received before {FIRST_YEAR}.")
    moment = arrived if channel in (Channel.WEB, Channel.API) else utcnow()
    if custodian_received_on is not None:
        _check_dates(unit_code, custodian_received_on, first_received_at)
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    opening = (_open_postgresql if postgresql else _open)(unit_code, moment, custodian_received_on)
    if opening is None:
        raise NoRecordsUnit(unit_code)
    token = secrets.token_urlsafe(24)
    request = RecordsRequest(
        id=opening.request_id,
        tracking_number=opening.tracking_number,
        body_id=opening.desk.body.id,
        unit_id=opening.desk.unit_id,
        requester_id=actor.id if actor is not None and not actor.is_staff else None,
        status=Status.RECEIVED,
        description=intake.description.strip(),
        date_from=intake.date_from,
        date_to=intake.date_to,
        preferred_format=intake.preferred_format,
        delivery=intake.delivery,
        fee_waiver_requested=intake.fee_waiver_requested,
        public_interest_statement=_trimmed(intake.public_interest_statement),
        contact_name=_trimmed(intake.contact_name),
        contact_email=_trimmed(intake.contact_email),
        contact_phone=_trimmed(intake.contact_phone),
        contact_address=_trimmed(intake.contact_address),
        channel=channel,
        first_received_at=arrived,
        custodian_received_on=opening.received_on,
        access_token_hash=hash_token(token),
        # Kept (encrypted) only until the receipt email carries it; never when there is no email.
        pending_access_token=token if _trimmed(intake.contact_email) else None,
    )
    if postgresql:
        clock = _response_clock(request, opening)
        clock.id = opening.clock_id
        _record_filing(actor, request, clock)
        if not opening.has_head:
            make_head()  # the first event of a new log
        write_with_events([_values(request), _values(clock)])
    else:
        _insert(request)
        clock = _response_clock(request, opening)
        _insert(clock)
        _record_filing(actor, request, clock)
    nudge_after_commit(RECEIPTS_JOB)
    db.session.commit()
    return Filed(
        request.id, token, request.tracking_number, Status.RECEIVED, opening.received_on, clock.due_on
    )


def _response_clock(request: RecordsRequest, opening: _Opening) -> Clock:
    return clocks.new_clock(
        kind=ClockKind.SUNSHINE_RESPONSE,
        case_type=CASE_TYPE,
        case_id=request.id,
        body=opening.desk.body,
        unit_id=opening.desk.unit_id,
        label=request.tracking_number,
        started_on=opening.received_on,
        policy=opening.desk.policy,
        calendar=opening.desk.calendar,
        verb="Received",
    )


def _record_filing(actor, request: RecordsRequest, clock: Clock) -> None:
    clocks.record_start(actor, clock)
    details = {"channel": request.channel.value, "due_on": clock.due_on.isoformat()}
    record(actor, "request.filed", request, details=details)
