"""The base of the app's forms: each field reads what a browser form sends it, nothing else."""

from __future__ import annotations

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms.fields import FileField


class BrowserForm(FlaskForm):
    """A form posted by a browser: text fields read the form's text, file fields its files.

    Flask-WTF offers every field the uploaded files as well, and reads a JSON body as if it were
    the form: a file sent in a text field, or a number or list in JSON, reached validators that
    expect text and was a 500. Here such a field is simply empty, and says what to enter.
    """

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            if formdata is not _Auto:  # given by the caller (None included), not read from the request
                return super().wrap_formdata(form, formdata)
            if not form.is_submitted() or not (request.form or request.files):  # none posted, or JSON
                return None
            files = MultiDict(
                (name, upload)
                for name, upload in request.files.items(multi=True)
                if name in form and isinstance(form[name], FileField)
            )
            return CombinedMultiDict((files, request.form)) if files else request.form


def distinct_ids(form: FlaskForm, suffix: object) -> FlaskForm:
    """``form`` with each field's id ending in ``-suffix``, so copies of one form (one per public body,
    say) can share a page without sharing ids; labels and error links follow. Names stay as they are,
    so what the form posts does not change."""
    for f in form:
        f.id = f"{f.id}-{suffix}"
        f.label.field_id = f.id
    return form
