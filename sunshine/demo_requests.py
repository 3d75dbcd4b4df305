"""The demo's records requests: one in each state a newcomer should be able to click through.

Every request is filed and worked through the app's own services, so each row, clock,
letter, email and audit event is what the app makes. Older ones are filed and answered on
their own days in the past (``sunshine.timeutil.as_of``), in time, as a records unit
keeping up would have: only the one meant to be overdue is late.
"""

from __future__ import annotations

import io
from contextlib import nullcontext
from datetime import date, datetime, time, timedelta

from reportlab.lib.pagesizes import LETTER
from reportlab.pdfgen.canvas import Canvas

from sunshine import calendar as cal
from sunshine.accounts.models import User
from sunshine.clocks import services as clocks
from sunshine.clocks import sweep
from sunshine.documents import services as documents
from sunshine.documents.models import DocumentRole
from sunshine.records import filing, receipts, release, workflow
from sunshine.records import services as records
from sunshine.records.fees import FeeInputs
from sunshine.records.models import Channel, Delivery, PreferredFormat, RecordsRequest
from sunshine.timeutil import as_of
from sunshine.units.models import PublicBody
from sunshine.units.services import unit_by_code

UNIT_CODE = "RECORDS"  # where the demo's requests are filed and worked


class _Seeder:
    """Files the demo requests at ``body`` and works them as ``custodian``; ``requester`` files some."""

    def __init__(self, body: PublicBody, requester: User, custodian: User) -> None:
        self.requester, self.custodian = requester, custodian
        self.today = clocks.local_today(body)
        self.calendar = clocks.calendar_for(body.id)
        self.numbers: dict[str, str] = {}

    def days_ago(self, n: int) -> date:
        """The business day ``n`` business days before today."""
        day = self.today
        while n > 0:
            day -= timedelta(days=1)
            n -= cal.is_business_day(day, self.calendar)
        return day

    def after(self, day: date, n: int) -> date:
        """The business day ``n`` business days after ``day``."""
        return cal.add_business_days(day, n, self.calendar)

    @staticmethod
    def on(day: date, hour: int = 15):
        """Act on ``day`` at ``hour`` UTC (mid-morning in Missouri by default)."""
        return as_of(datetime.combine(day, time(hour, 20)))

    def file(
        self, name: str, received_on: date | None, description: str, *, mine: bool = False, **intake
    ) -> RecordsRequest:
        """A web request filed on ``received_on`` (None: now); ``mine``: from the requester's account."""
        if mine:
            intake.setdefault("contact_name", self.requester.full_name)
            intake.setdefault("contact_email", self.requester.email)
        with self.on(received_on) if received_on else nullcontext():
            filed = filing.file_request(
                self.requester if mine else None,
                filing.Intake(description=description, **intake),
                unit_code=UNIT_CODE,
                channel=Channel.WEB,
            )
            # Sent here, on its day: with Redis the receipt job would run later in the worker, on
            # today's clock, after the request's later letters. (Inline, it is already sent: no-op.)
            receipts.send_receipt(filed.request_id)
        self.numbers[name] = filed.tracking_number
        return filed.request

    def release(self, request: RecordsRequest, filename: str, unit_code: str, lines: list[str]) -> None:
        """Upload one responsive PDF from ``unit_code`` and release the packet."""
        documents.receive(
            self.custodian,
            _pdf(lines),
            filename,
            case_type=records.CASE_TYPE,
            case_id=request.id,
            role=DocumentRole.RESPONSIVE,
            originating_unit=unit_by_code(unit_code),
        )
        row = release.release(self.custodian, request)
        # The packet is built by a job; build it now (a second run leaves a finished one alone),
        # so it can be downloaded as soon as seeding ends, with or without a worker running.
        release.build(row.id)


def seed_requests(body: PublicBody, requester: User, custodian: User) -> dict[str, str]:
    """File and work the demo requests; return each one's tracking number by what it shows."""
    s = _Seeder(body, requester, custodian)
    week_ago = s.today - timedelta(days=7)

    s.file(
        "new",
        None,
        "The computer-aided dispatch (CAD) log and any 911 call recordings for the noise complaint "
        f"at the 1400 block of Elm Street on the night of {week_ago:%A %-d %B}.",
        mine=True,
        date_from=week_ago,
        date_to=week_ago,
    )

    acknowledged = s.file(
        "acknowledged",
        s.days_ago(1),
        "The incident report and any supplemental reports for the bicycle stolen from the rack "
        f"outside the Lincoln Park library, reported on {s.days_ago(6):%-d %B}.",
        contact_name="Jordan Ellis",
        contact_email="jordan.ellis@example.org",
    )
    records.acknowledge(custodian, acknowledged)
    workflow.assign(custodian, acknowledged, custodian)

    clarification = s.file(
        "clarification",
        s.days_ago(1),
        f"All body-worn camera video from the traffic stop on Route 9 near the county line in {week_ago:%B}.",
        mine=True,
    )
    workflow.ask_clarification(
        custodian,
        clarification,
        "Officers made several traffic stops on Route 9 that month. Could you give the date and rough "
        "time of the stop, or the number on the citation if you were given one, so we can find the "
        "right officer's video?",
    )

    payment = s.file(
        "payment",
        s.days_ago(2),
        f"Every use-of-force report filed by officers in {s.today.year - 1}, and the department's "
        "annual use-of-force summary for that year.",
        contact_name="Dana Whitfield, Riverside Ledger",
        contact_email="dana.whitfield@example.org",
        preferred_format=PreferredFormat.PAPER,
        delivery=Delivery.PICKUP,
    )
    workflow.estimate_and_request_payment(
        custodian, payment, FeeInputs(standard_pages=180, research_minutes=120)
    )

    delayed = s.file(
        "delayed",
        s.days_ago(2),
        "Body-worn camera and in-car video of the arrest outside the Riverside Grill on "
        f"{s.days_ago(8):%-d %B}, from every officer who was there.",
        mine=True,
    )
    workflow.delay(
        custodian,
        delayed,
        explanation="About four hours of video from three officers' body-worn cameras and one in-car "
        "camera must be watched in full, and the faces of bystanders and of a juvenile blurred before "
        "release. The Records Unit has one video technician, who can finish by the date below.",
        available_on=cal.add_business_days(s.today, 15, s.calendar),
        available_at_time=time(10),
        place="Records Unit counter, 100 Main Street (demo address), or as a download from your status page",
    )

    granted = s.file(
        "granted",
        s.days_ago(2),
        "The crash report for the two-car collision at Main Street and 5th Avenue on "
        f"{s.days_ago(5):%-d %B}; I drove the blue sedan.",
        mine=True,
    )
    records.grant(custodian, granted)
    s.release(
        granted,
        "crash-report.pdf",
        "TRAFFIC",
        [
            "Traffic Unit - Crash Report (demo)",
            f"Date of crash: {s.days_ago(5):%-d %B %Y}, about 5:40 PM",
            "Location: Main Street at 5th Avenue",
            "Vehicle 1: blue sedan, northbound on Main Street",
            "Vehicle 2: white pickup, turning left from 5th Avenue",
            "Injuries: none reported. Both vehicles towed.",
            "Narrative: Vehicle 2 turned left across the path of Vehicle 1.",
            "Reporting officer: Ofc. T. Marsh, Traffic Unit",
        ],
    )

    partial = s.file(
        "partial",
        s.days_ago(28),
        "The incident report and witness statements for the fight in the Central High School "
        f"parking lot after the game on {s.days_ago(31):%-d %B}.",
        contact_name="Avery Lindqvist",
        contact_email="avery.lindqvist@example.org",
    )
    with s.on(s.after(s.days_ago(28), 2)):
        records.decide_with_citations(
            custodian,
            partial,
            partial=True,
            citations=["610.021(14)"],
            findings={},
            withheld_description="The names, statements and other identifying details of the juvenile "
            "involved and of three juvenile witnesses, which RSMo 211.321 closes (police records about "
            "children in juvenile matters). The incident report and the adult witnesses' statements "
            "are released.",
        )

    denied = s.file(
        "denied",
        s.days_ago(55),
        "The investigative file, with detectives' notes and interview recordings, for the string of "
        "burglaries on Oak Ridge Drive.",
        contact_name="Taylor Brooks",
        contact_email="taylor.brooks@example.org",
    )
    with s.on(s.after(s.days_ago(55), 3)):
        records.decide_with_citations(
            custodian,
            denied,
            partial=False,
            citations=["610.100.2"],
            findings={},
            withheld_description="The investigative reports, detectives' notes and interview recordings "
            "of the Oak Ridge Drive burglaries, which are still under active investigation. The incident "
            "report of each burglary is open and can be asked for on its own.",
        )

    received_on = s.days_ago(1)
    mailed = filing.file_request(
        custodian,
        filing.Intake(
            description="A copy of the police report about the break-in at my garage at 412 Sycamore "
            "Lane last month. My insurance company needs it for my claim.",
            preferred_format=PreferredFormat.PAPER,
            delivery=Delivery.MAIL,
            contact_name="Harold Jennings",
            contact_phone="555-0142",
            contact_address="412 Sycamore Lane\nSpringdale, MO 65000",
        ),
        unit_code=UNIT_CODE,
        channel=Channel.MAIL,
        # In the mailroom the business day before it reached the custodian.
        first_received_at=filing.noon(s.days_ago(2)),
        custodian_received_on=received_on,
    )
    s.numbers["mailed"] = mailed.tracking_number

    s.file(
        "overdue",
        s.days_ago(15),
        "Dispatch logs and calls-for-service records for 2200 Hawthorne Avenue over the past six months.",
        contact_name="Chris Delgado",
        contact_email="chris.delgado@example.org",
    )

    withdrawn = s.file(
        "withdrawn",
        s.days_ago(1),
        "The 911 call recording for the kitchen fire at 88 Birch Court, Apartment 4.",
        mine=True,
    )
    records.withdraw(requester, withdrawn, "I got what I needed from the fire marshal's report. Thank you.")

    closed = s.file(
        "closed",
        s.days_ago(75),
        "A list of police calls to the Westgate Apartments, 300 Westgate Road, over the last six months, "
        "for our tenants' association meeting.",
        contact_name="Westgate Tenants' Association",
        contact_email="westgate.tenants@example.org",
    )
    with s.on(s.after(s.days_ago(75), 1)):
        records.grant(custodian, closed)
    with s.on(s.after(s.days_ago(75), 2)):
        s.release(
            closed,
            "westgate-calls.pdf",
            "PATROL",
            [
                "Patrol Bureau - Calls for service, 300 Westgate Road (demo)",
                "Noise complaint: 14 calls",
                "Parking complaint: 9 calls",
                "Suspicious person: 4 calls",
                "Vehicle break-in reported: 3 calls",
                "Welfare check: 2 calls",
            ],
        )
    with s.on(s.after(s.days_ago(75), 6)):
        records.close(custodian, closed)

    sweep.run()  # what the first sweep would do now: escalate the overdue request to general counsel
    return s.numbers


def _pdf(lines: list[str]) -> bytes:
    buffer = io.BytesIO()
    page = Canvas(buffer, pagesize=LETTER)
    for n, text in enumerate(lines):
        page.drawString(72, 720 - 22 * n, text)
    page.showPage()
    page.save()
    return buffer.getvalue()
