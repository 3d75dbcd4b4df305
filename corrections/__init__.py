"""Corrections and amendments of personal data: routed to the unit that created the record.

The workflow arrives with the identity-verified PII access work; the blueprint is
registered now so its URLs have a home.
"""

from flask import Blueprint

bp = Blueprint("corrections", __name__, url_prefix="/corrections")
