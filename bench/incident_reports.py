"""Generated police incident reports as PDFs, deterministic for a seed (used by bench/documents.py).

About PAGE_CHARS characters a page (letter size, Helvetica, compressed page streams), with a
date of birth on every DOB_EVERY-th page and a Social Security number on every SSN_EVERY-th.
"""

from __future__ import annotations

import random
import textwrap
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

LINE_CHARS = 100
PAGE_CHARS = 3_000
DOB_EVERY, SSN_EVERY = 10, 25

FIRST = ("James", "Maria", "Robert", "Linda", "Michael", "Patricia", "David", "Jennifer", "Marcus", "Keisha")
LAST = ("Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Wilson", "Moore")
STREETS = (
    "Troost Avenue", "Prospect Avenue", "Main Street", "Independence Avenue", "Linwood Boulevard",
    "Paseo Boulevard", "Gregory Boulevard", "Blue Ridge Cutoff", "Wornall Road", "Truman Road",
)  # fmt: skip
OFFENSES = (
    "Burglary - Residential", "Stealing from Auto", "Assault 4th Degree", "Property Damage 2nd Degree",
    "Tampering with a Motor Vehicle", "Disturbance", "Stealing - Shoplifting", "Trespass 1st Degree",
)  # fmt: skip
NARRATIVE = (
    "On {date} at approximately {hhmm} hours I was dispatched to {addr} regarding a {offense_l} call.",
    "Upon arrival I made contact with the reporting party, {name}, who stated that the incident "
    "occurred sometime between {hhmm} and {hhmm2} hours.",
    "{name} advised that the rear door of the residence had been forced open and that several items "
    "were missing, including a television, a laptop computer and a jewelry box.",
    "I observed pry marks on the door frame approximately four feet above the threshold and "
    "photographed them with my department-issued camera.",
    "A canvass of the neighborhood was conducted; a neighbor at {addr2} reported seeing a dark "
    "colored sedan parked in the alley with its engine running.",
    "Officer {officer} (#{badge}) arrived on scene to assist and remained with the complainant while "
    "I checked the exterior of the building.",
    "No suspects were located in the area. The scene was processed for latent prints by the Crime "
    "Scene Investigation Section, and three lifts were submitted to the laboratory.",
    "I provided {name} with a victim rights brochure and the report number for insurance purposes.",
    "The complainant was advised to contact the Property Crimes Unit with any further information "
    "and to check local pawn shops for the stolen property.",
    "Body-worn camera footage of the contact was recorded and tagged under the case number.",
    "{name} later called the station to add that a handgun, a Smith & Wesson model SD9, serial "
    "number unknown, had also been kept in the bedroom closet and was missing.",
    "This report is forwarded to the Property Crimes Unit for follow-up investigation.",
)


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _ssn(rng: random.Random) -> str:
    return f"{rng.randint(100, 665):03d}-{rng.randint(10, 99):02d}-{rng.randint(1000, 9999):04d}"


def report_page(rng: random.Random, report_no: str, page: int, total: int, planted: Counter) -> list[str]:
    """One page of an incident report, about PAGE_CHARS characters, as lines to draw."""
    day = date(2026, 1, 1) + timedelta(days=rng.randrange(60))
    offense = rng.choice(OFFENSES)
    lines = [
        "BENCH CITY POLICE DEPARTMENT - INCIDENT REPORT" + f"Page {page} of {total}".rjust(36),
        f"Report No. {report_no}   Offense: {offense}   Reported: {day:%m/%d/%Y} {rng.randint(0, 23):02d}:"
        f"{rng.randint(0, 59):02d}   District: {rng.choice(('Central', 'Metro', 'East', 'South'))}",
        f"Reporting officer: P.O. {_person(rng)} #{rng.randint(1000, 9999)}   Location: "
        f"{rng.randint(100, 9999)} {rng.choice(STREETS)}, Bench City, MO 641{rng.randint(10, 99)}",
        "",
    ]
    if page % DOB_EVERY == 3:
        born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 50))
        lines.append(
            f"Victim: {_person(rng).upper()}   DOB: {born:%m/%d/%Y}   Sex: F   Race: W   Phone: on file"
        )
        planted["date_of_birth"] += 1
    if page % SSN_EVERY == 7:
        lines.append(f"Complainant {_person(rng)} provided SSN {_ssn(rng)} for the insurance claim form.")
        planted["ssn"] += 1
    lines.append("NARRATIVE:")
    body, chars = [], sum(len(line) for line in lines)
    while chars < PAGE_CHARS:
        sentence = rng.choice(NARRATIVE).format(
            date=f"{day:%m/%d/%Y}",
            hhmm=f"{rng.randint(0, 23):02d}{rng.choice(('00', '15', '30', '45'))}",
            hhmm2=f"{rng.randint(0, 23):02d}{rng.choice(('00', '15', '30', '45'))}",
            addr=f"{rng.randint(100, 9999)} {rng.choice(STREETS)}",
            addr2=f"{rng.randint(100, 9999)} {rng.choice(STREETS)}",
            offense_l=offense.lower(),
            name=_person(rng),
            officer=_person(rng),
            badge=rng.randint(1000, 9999),
        )
        body.append(sentence)
        chars += len(sentence) + 1
    return lines + textwrap.wrap(" ".join(body), LINE_CHARS)


def make_reports(path: Path, pages: int, seed: int) -> tuple[int, Counter]:
    """Write a ``pages``-page report PDF; return the characters drawn and what was planted."""
    from reportlab.lib.pagesizes import LETTER
    from reportlab.pdfgen.canvas import Canvas

    rng, planted, drawn = random.Random(seed), Counter(), 0
    report_no = f"2026-{rng.randint(1, 99999):06d}"
    canvas = Canvas(str(path), pagesize=LETTER, invariant=1)  # page streams compressed by default
    for page in range(1, pages + 1):
        text = canvas.beginText(50, LETTER[1] - 54)
        text.setFont("Helvetica", 8.5)
        text.setLeading(12)
        for line in report_page(rng, report_no, page, pages, planted):
            text.textLine(line)
            drawn += len(line)
        canvas.drawText(text)
        canvas.showPage()
    canvas.save()
    return drawn, planted
