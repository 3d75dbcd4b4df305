"""Administrator pages for a body's letter templates: see, download, replace and revert each one.

Each page is about one body (``?body=``, else the first the administrator reaches), and
reaches only bodies the administrator reaches (``sunshine.units.reach``).
"""

from __future__ import annotations

import io
from typing import BinaryIO

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_login import current_user

from sunshine.authz import Permission, requires
from sunshine.clocks.views import admin_body
from sunshine.documents.storage import storage
from sunshine.forms import BrowserForm
from sunshine.letters import services
from sunshine.letters.defaults import LETTERS, allowed_placeholders, default_template
from sunshine.letters.forms import TemplateUploadForm
from sunshine.units.models import PublicBody

bp = Blueprint("letters", __name__, url_prefix="/admin/letters")

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@bp.route("/")
@requires(Permission.MANAGE_UNITS)
def admin():
    return _page(admin_body())


@bp.route("/<kind>/upload", methods=["POST"])
@requires(Permission.MANAGE_UNITS)
def upload(kind: str):
    _known(kind)
    body = admin_body()
    form = TemplateUploadForm(kind)
    if form.validate_on_submit():
        try:
            template = services.upload_template(
                current_user, body.id, kind, form.file.data.read(), form.file.data.filename
            )
        except ValueError as exc:  # TemplateError or LetterTemplateError: both say what to fix
            form.file.errors.append(str(exc))
        else:
            flash(f"“{LETTERS[kind].title}” letters now use {template.display_name}.", "success")
            return redirect(url_for("letters.admin", body=body.id))
    return _page(body, kind, form), 400


@bp.route("/<kind>/revert", methods=["POST"])
@requires(Permission.MANAGE_UNITS)
def revert(kind: str):
    _known(kind)
    body = admin_body()
    if not BrowserForm().validate_on_submit():
        abort(400)
    try:
        services.revert_to_default(current_user, body.id, kind)
    except services.LetterTemplateError as exc:
        flash(str(exc), "error")
    else:
        flash(f"“{LETTERS[kind].title}” letters use the default template again.", "success")
    return redirect(url_for("letters.admin", body=body.id))


@bp.route("/<kind>/default.docx")
@requires(Permission.MANAGE_UNITS)
def download_default(kind: str):
    _known(kind)
    return _attachment(io.BytesIO(default_template(kind)), f"{kind}-default.docx")


@bp.route("/<kind>/custom.docx")
@requires(Permission.MANAGE_UNITS)
def download_custom(kind: str):
    _known(kind)
    template = services.active_template(admin_body().id, kind)
    if template is None:
        abort(404, "This letter uses the default template; there is no uploaded one to download.")
    return _attachment(storage().open(template.storage_key), f"{kind}-custom.docx")


def _known(kind: str) -> None:
    if kind not in LETTERS:
        abort(404)


def _attachment(handle: BinaryIO, name: str):
    return send_file(handle, as_attachment=True, download_name=name, mimetype=DOCX)


def _page(
    body: PublicBody, failed_kind: str | None = None, failed_form: TemplateUploadForm | None = None
) -> str:
    rows = [
        {
            "kind": kind,
            "title": spec.title,
            "template": services.active_template(body.id, kind),
            "left_out": services.left_out_of_upload(body.id, kind),
            "placeholders": sorted(allowed_placeholders(kind)),
            "required": set(spec.required),
            "has_table": spec.table is not None,
            "form": failed_form if kind == failed_kind else TemplateUploadForm(kind, formdata=None),
        }
        for kind, spec in LETTERS.items()
    ]
    return render_template(
        "letters/admin.html",
        body=body,
        rows=rows,
        failed_form=failed_form,
        max_mb=services.MAX_TEMPLATE_BYTES // 2**20,
    )
