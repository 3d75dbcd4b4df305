"""The public metrics page and its CSV downloads; anyone may read them, no sign-in needed."""

from __future__ import annotations

import csv
import io
import re

from flask import Blueprint, Response, abort, render_template, request

from sunshine.records import metrics

bp = Blueprint("metrics", __name__)

# ?table= picks the CSV: one row per month (the default), or denials per citation.
CSV_TABLES = ("months", "citations")
MONTH_CHOICES = (6, 12, 24, 36)

MONTH_COLUMNS = (
    "month",
    "received",
    "closed",
    "answered",
    "answered_within_3_business_days",
    "percent_within_3_business_days",
    "median_business_days_to_first_response",
)
CITATION_COLUMNS = ("code", "provision", "denials")


def _months() -> int:
    raw = request.args.get("months")
    if raw is None:
        return metrics.DEFAULT_MONTHS
    if not re.fullmatch(r"[0-9]{1,2}", raw) or not 1 <= int(raw) <= metrics.MAX_MONTHS:
        abort(
            400,
            f"Months must be a whole number from 1 to {metrics.MAX_MONTHS}, for example "
            f"?months=12 for the last 12 months.",
        )
    return int(raw)


@bp.route("/metrics")
def metrics_page():
    months = _months()
    report = metrics.monthly_report(months)
    choices = sorted({*MONTH_CHOICES, months})
    return render_template("records/metrics.html", report=report, months=months, choices=choices)


@bp.route("/metrics.csv")
def metrics_csv():
    months = _months()
    table = request.args.get("table", "months")
    if table not in CSV_TABLES:
        abort(400, "The table must be “months” (figures per month) or “citations” (denials by citation).")
    report = metrics.monthly_report(months)
    period = f"{report.first_month:%Y-%m}-to-{report.last_month:%Y-%m}"
    if table == "citations":
        name = f"denials-by-citation-{period}.csv"
        body = _csv(CITATION_COLUMNS, [(c.code, c.name, c.denials) for c in report.citations])
    else:
        name = f"records-requests-by-month-{period}.csv"
        body = _csv(MONTH_COLUMNS, [_month_row(m) for m in report.months])
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _month_row(m: metrics.MonthFigures) -> tuple:
    share, median = m.on_time_share, m.median_days_to_answer
    return (
        f"{m.month:%Y-%m}",
        m.received,
        m.closed,
        m.answered,
        m.answered_on_time,
        "" if share is None else f"{share * 100:.1f}",
        "" if median is None else f"{median:g}",
    )


def _csv(columns: tuple[str, ...], rows: list[tuple]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue()
