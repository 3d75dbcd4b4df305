"""Error pages: HTML for people, JSON for ``/api/`` clients. A 500 is always a bug."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from sunshine.documents.storage import StorageError

log = logging.getLogger(__name__)

MESSAGES = {
    400: "The request could not be understood. Check what you entered and try again.",
    401: "Sign in to continue.",
    403: "Your account does not have access to this page.",
    404: "We could not find that page. Check the address, or start from the home page.",
    405: "That action is not available on this page.",
    413: "That file is too large. Send a smaller file, or split it into parts.",
    429: "Too many attempts. Wait a little, then try again.",
    500: "Something went wrong on our side. It has been logged; please try again later.",
}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _render(status: int, message: str, title: str, headers: list[tuple[str, str]] | None = None):
    if _wants_json():
        response = jsonify(error={"status": status, "title": title, "message": message})
    else:
        response = make_response(
            render_template("errors/error.html", status=status, title=title, message=message)
        )
    response.status_code = status
    for name, value in headers or []:
        response.headers[name] = value
    return response


FILE_STORE_DOWN = (
    "Files cannot be stored or fetched just now: the file store is not answering. Nothing was saved; "
    "please try again in a few minutes."
)
NUL_REFUSED = (
    "A field holds a NUL character (code 0), which no text here can store. Remove it and send again."
)


def register_error_handlers(app: Flask) -> None:
    @app.before_request
    def refuse_nul_characters():
        """A NUL in a query or form value is a 400, not a database error: PostgreSQL text cannot hold it."""
        values = request.args.listvalues()
        if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            values = [*values, *request.form.listvalues()]
        if any("\x00" in value for group in values for value in group):
            return _render(400, NUL_REFUSED, "Bad Request")
        return None

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return _render(
            400,
            "This form has expired or was sent from another site. Go back, reload the page and try again.",
            "Form expired",
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        # An abort(400, "...") with its own description says more than the generic text.
        custom = status != 429 and exc.description != type(exc).description
        message = (
            exc.description if custom and exc.description else MESSAGES.get(status, exc.description or "")
        )
        # Keep what the exception says in headers: Allow on a 405, Retry-After on a 429.
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        return _render(status, message, exc.name, headers)

    @app.errorhandler(StorageError)
    def file_store_down(exc: StorageError):
        """The file store (an S3-compatible bucket, or the disk) failed: try again later, not a bug."""
        log.error("File store failed on %s %s: %s", request.method, request.path, exc)
        from sunshine.extensions import db

        db.session.rollback()
        return _render(503, FILE_STORE_DOWN, "Service Unavailable", [("Retry-After", "60")])

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("Unhandled error on %s %s", request.method, request.path)
        from sunshine.extensions import db

        db.session.rollback()
        return _render(500, MESSAGES[500], "Internal Server Error")
