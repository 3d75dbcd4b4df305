"""The default letter templates, written here as text and built into .docx on first use.

Each letter states what the law requires it to state; the wording is the default
an administrator replaces by uploading a .docx with the same placeholders.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache

from docx import Document
from docx.document import Document as DocumentObject
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

# Every letter's placeholders. ``custodian_contact`` is who the custodian is and how to reach them
# (610.023.1), as the body's administrator wrote it at /admin/custodian; empty when not given.
# ``mailing_address`` is the requester's name and postal address, for a letter sent by post; empty
# when the request has no postal address.
COMMON = (
    "body_name",
    "tracking_number",
    "letter_date",
    "requester_name",
    "mailing_address",
    "status_link",
    "custodian_contact",
)


@dataclass(frozen=True)
class LetterSpec:
    title: str
    paragraphs: tuple[str, ...]
    # Optional table: column headings and the placeholder of each column (a repeated row).
    table: tuple[tuple[str, ...], tuple[str, ...]] | None = None
    table_total: tuple[str, ...] = ()  # a last row after the repeated ones, e.g. the total
    closing: tuple[str, ...] = ()
    # What the law requires the letter to state: an uploaded template must keep these placeholders.
    required: tuple[str, ...] = ()

    @property
    def placeholders(self) -> set[str]:
        import re

        text = " ".join(
            self.paragraphs + self.closing + (self.table[1] if self.table else ()) + self.table_total
        )
        return set(re.findall(r"\{\{\s*([a-z][a-z0-9_.]*)\s*\}\}", text))


WITHDRAWAL_WARNING = (
    "If we do not receive {what} by {{{{ window_due }}}}, your request will be treated as withdrawn (RSMo "
    "610.023, 610.026). You may file a new request at any time."
)
GROUNDS = (
    "You may ask for a written statement of the grounds for this decision, citing the specific provision "
    "of law under which access is denied. It must be given to you within three business days of your "
    "asking (RSMo 610.023.4). Ask the custodian of records by post, email, phone or in person, or on your "
    "status page, {{ status_link }}, which opens with the private link you were given when you made the "
    "request (or sign in, if you made it with an account)."
)

# The fees of an estimate, one row per line, then their total (with ``waiver_note``: that the requester
# may ask for a fee waiver, or, when they already have, that the decision will be sent to them).
FEE_TABLE = (
    ("Item", "Amount", "Basis"),
    ("{{ fees.description }}", "{{ fees.amount }}", "{{ fees.legal_basis }}"),
)
FEE_TOTAL = ("Total", "{{ fee_total }}", "")

# The provisions of law relied on, one row per citation (denial, partial grant, grounds).
CITATIONS_TABLE = (
    ("Provision", "What it closes", "Written finding"),
    ("RSMo {{ citations.code }}", "{{ citations.short_name }}", "{{ citations.finding }}"),
)

# What a denial or partial grant must state: what is withheld, under which law, and how to ask
# for the grounds (610.023.4, 610.024).
WITHHOLDING_REQUIRED = (
    "tracking_number",
    "withheld_description",
    "citations.code",
    "citations.finding",
    "status_link",
)

LETTERS: dict[str, LetterSpec] = {
    "acknowledgement": LetterSpec(
        "Records request received",
        (
            "We received your records request {{ tracking_number }} on {{ received_on }}.",
            "Under the Missouri Sunshine Law (RSMo 610.023.3) the custodian of records will respond by the "
            "end of {{ response_due }}. {{ due_explanation }}",
        ),
        required=("tracking_number", "response_due"),
    ),
    "clarification": LetterSpec(
        "We need you to clarify your request",
        (
            "To find the records you asked for in request {{ tracking_number }}, we need you to answer:",
            "{{ question }}",
            "{{ response_time }}",
            WITHDRAWAL_WARNING.format(what="your answer"),
        ),
        required=("tracking_number", "question", "window_due"),
    ),
    "payment_request": LetterSpec(
        "Fee estimate and request for payment",
        (
            "The estimated cost of the copies you asked for in request {{ tracking_number }} is {{ "
            "fee_total }}, as set out below (RSMo 610.026). Payment is needed before the records are "
            "prepared.",
        ),
        table=FEE_TABLE,
        table_total=FEE_TOTAL,
        closing=(
            "How to pay: {{ payment_instructions }}",
            WITHDRAWAL_WARNING.format(what="payment"),
            "{{ waiver_note }}",
        ),
        required=("tracking_number", "fee_total", "fees.amount", "fees.legal_basis", "window_due"),
    ),
    "fee_estimate": LetterSpec(
        "Fee estimate",
        (
            "The estimated cost of the copies you asked for in request {{ tracking_number }} is {{ "
            "fee_total }}, as set out below (RSMo 610.026). We are going on with your request: payment is "
            "not needed before the records are prepared.",
        ),
        table=FEE_TABLE,
        table_total=FEE_TOTAL,
        closing=(
            "How to pay when the records are ready: {{ payment_instructions }}",
            "If you would rather narrow your request to lower the cost, tell us before the records are "
            "prepared.",
            "{{ waiver_note }}",
        ),
        required=("tracking_number", "fee_total", "fees.amount", "fees.legal_basis"),
    ),
    "delay": LetterSpec(
        "Notice of delay",
        (
            "We cannot make the records you asked for in request {{ tracking_number }} available within "
            "three business days, for this reason:",
            "{{ delay_explanation }}",
            "The records will be available at {{ available_place }} on {{ available_on }} from {{ "
            "available_time }} at the earliest (RSMo 610.023.3).",
        ),
        required=(
            "tracking_number",
            "delay_explanation",
            "available_place",
            "available_on",
            "available_time",
        ),
    ),
    "fee_waiver": LetterSpec(
        "Decision on waiving the fees",
        (
            "Fees may be waived or reduced when releasing the records serves the public interest (RSMo "
            "610.026). For request {{ tracking_number }}, we have decided that {{ waiver_decision }}.",
            "Reason: {{ waiver_reason }}",
            "The fees now come to {{ fee_total }}. {{ payment_note }}",
        ),
        required=("tracking_number", "waiver_decision", "waiver_reason", "fee_total", "payment_note"),
    ),
    "grant": LetterSpec(
        "Your request is granted",
        (
            "Your records request {{ tracking_number }} is granted in full: nothing is withheld.",
            "{{ access_arrangements }}",
            "Your status page shows where the request stands: {{ status_link }}",
        ),
        required=("tracking_number",),
    ),
    # Written when a packet is built: sent with it by post, or pointing to the status page to download it.
    "release_cover": LetterSpec(
        "Your records are released",
        (
            "The records released in response to your request {{ tracking_number }} are {{ page_count }} "
            "pages, numbered {{ first_bates }} to {{ last_bates }}. Their cover sheet lists each record, the "
            "unit that created it and its page numbers, and describes anything withheld and the law that "
            "closes it.",
            "{{ release_arrangements }}",
        ),
        required=("tracking_number", "first_bates", "last_bates", "release_arrangements"),
    ),
    "denial": LetterSpec(
        "Your request is denied",
        (
            "Your records request {{ tracking_number }} is denied. The records are closed under the "
            "provisions of law below.",
            "What is withheld: {{ withheld_description }}",
        ),
        table=CITATIONS_TABLE,
        closing=(GROUNDS,),
        required=WITHHOLDING_REQUIRED,
    ),
    "partial_grant": LetterSpec(
        "Your request is granted in part",
        (
            "Your records request {{ tracking_number }} is granted in part. The material that may be "
            "closed is separated from the rest, and the rest is made available to you (RSMo 610.024).",
            "{{ access_arrangements }}",
            "What is withheld: {{ withheld_description }}",
        ),
        table=CITATIONS_TABLE,
        closing=(GROUNDS,),
        required=WITHHOLDING_REQUIRED,
    ),
    "statement_of_grounds": LetterSpec(
        "Statement of the grounds for denial",
        (
            "You asked for a written statement of the grounds for the decision on request {{ "
            "tracking_number }}. Access is denied under the specific provisions of law below (RSMo "
            "610.023.4).",
            "{{ grounds }}",
        ),
        table=CITATIONS_TABLE,
        required=("tracking_number", "grounds", "citations.code"),
    ),
    # For the corrections workflow (corrections/): the originating unit decides; a refusal gives
    # reasons, the decider and the appeal route; a denied requester may file a statement of disagreement.
    "amendment_decision": LetterSpec(
        "Decision on your request to correct your record",
        (
            "You asked us to correct {{ record_description }} (request {{ tracking_number }}). The unit "
            "that created the record, {{ deciding_unit }}, has decided: {{ decision }}.",
            "Reasons: {{ reasons }}",
            "Decided by {{ decider }} on {{ decided_on }}.",
            "If you disagree, you may appeal by {{ appeal_due }}; the appeal is decided by someone other "
            "than the person who decided this request. If the correction is refused, you may also file a "
            "statement of disagreement, which will go with every later disclosure of the record. {{ "
            "status_link }}",
        ),
    ),
    "appeal_decision": LetterSpec(
        "Decision on your appeal",
        (
            "You appealed the decision on your correction request {{ tracking_number }}. The appeal has "
            "been decided: {{ decision }}.",
            "Reasons: {{ reasons }}",
            "Decided by {{ decider }} on {{ decided_on }}.",
            "If the correction is still refused, you may file a statement of disagreement, which will go "
            "with every later disclosure of the record and be shown to those who received it before. {{ "
            "status_link }}",
        ),
    ),
    "withdrawal": LetterSpec(
        "Your request is withdrawn",
        (
            # The reason is a custodian's words ("Requester phoned to withdraw") or the law's: given
            # after a colon, it reads right either way.
            "Your records request {{ tracking_number }} has been withdrawn. The reason: "
            "{{ withdrawal_reason }}",
            "You may file a new request at any time.",
        ),
        required=("tracking_number", "withdrawal_reason"),
    ),
}


@cache
def default_template(kind: str) -> bytes:
    """The default .docx for ``kind``: letterhead, date, greeting, the letter's paragraphs, signature."""
    spec = LETTERS[kind]
    document = Document()
    # Not python-docx's "python-docx" and "generated by python-docx"; each letter gets its own on rendering.
    document.core_properties.title, document.core_properties.author = spec.title, ""
    document.core_properties.comments = ""
    document.add_heading("{{ body_name }}", level=1)
    document.add_paragraph("{{ letter_date }}")
    document.add_paragraph("{{ mailing_address }}")
    document.add_paragraph("Records request {{ tracking_number }}")
    document.add_heading(spec.title, level=2)
    document.add_paragraph("Dear {{ requester_name }},")
    for text in spec.paragraphs:
        document.add_paragraph(text)
    if spec.table:
        headings, cells = spec.table
        table = document.add_table(rows=3 if spec.table_total else 2, cols=len(headings))
        table.style = "Table Grid"
        for column, (heading, cell) in enumerate(zip(headings, cells, strict=True)):
            table.rows[0].cells[column].paragraphs[0].add_run(heading).bold = True
            table.rows[1].cells[column].text = cell
        for column, text in enumerate(spec.table_total):
            table.rows[2].cells[column].paragraphs[0].add_run(text).bold = True
        # The heading row is marked as one, so a screen reader names each cell's column (and a
        # table running over a page repeats it).
        table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    for text in spec.closing:
        document.add_paragraph(text)
    document.add_paragraph("Custodian of Records, {{ body_name }}")
    document.add_paragraph("{{ custodian_contact }}")
    _lean(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# Parts of python-docx's starting document a letter does not need: Word 2010's second copy
# of the styles, a thumbnail of an empty page, and a custom-XML item.
_UNNEEDED = {
    "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects",
    RT.THUMBNAIL,
    RT.CUSTOM_XML,
}
_STYLE_REFERENCES = (qn("w:pStyle"), qn("w:rStyle"), qn("w:tblStyle"), qn("w:numStyleLink"))
_STYLE_LINKS = (qn("w:basedOn"), qn("w:link"), qn("w:next"))


def _lean(document: DocumentObject) -> None:
    """Drop what the letter does not use, so each letter is small and quick to fill.

    python-docx starts from a template with every built-in style, twice over: 800 KB of
    XML that every letter would carry and every rendering would parse. Kept: the styles
    the letter uses, what they are based on or linked to, and each kind's default style.
    """
    part = document.part
    for relationships in (part.rels, part.package.rels):
        for rId, rel in list(relationships.items()):
            if rel.reltype in _UNNEEDED:
                del relationships[rId]
    styles = document.styles.element
    for latent in styles.findall(qn("w:latentStyles")):
        styles.remove(latent)
    by_id = {style.get(qn("w:styleId")): style for style in styles.findall(qn("w:style"))}
    wanted = {el.get(qn("w:val")) for el in part.element.iter(*_STYLE_REFERENCES)}
    wanted |= {sid for sid, style in by_id.items() if style.get(qn("w:default")) in ("1", "true")}
    todo = list(wanted)
    while todo:
        style = by_id.get(todo.pop())
        for link in style.iter(*_STYLE_LINKS) if style is not None else ():
            if (target := link.get(qn("w:val"))) not in wanted:
                wanted.add(target)
                todo.append(target)
    for sid, style in by_id.items():
        if sid not in wanted:
            styles.remove(style)


def allowed_placeholders(kind: str) -> set[str]:
    return set(COMMON) | LETTERS[kind].placeholders
