"""The administrator's form for replacing a letter template."""

from __future__ import annotations

from typing import Any

from flask_wtf.file import FileField, FileRequired, FileSize

from sunshine.forms import BrowserForm
from sunshine.letters.services import MAX_TEMPLATE_BYTES


class TemplateUploadForm(BrowserForm):
    file = FileField(
        "Replacement template (.docx)",
        [
            FileRequired("Choose the Word document (.docx) to upload."),
            FileSize(
                MAX_TEMPLATE_BYTES,
                message=f"Choose a file smaller than {MAX_TEMPLATE_BYTES // 2**20} MB: "
                "remove large images from the template and save it again.",
            ),
        ],
    )

    def __init__(self, kind: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # The page has one of these forms per letter: each field needs its own id for its label.
        self.file.id = f"template-{kind}"
