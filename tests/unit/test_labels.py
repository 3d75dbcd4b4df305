"""Every enum staff read has words for each of its members, so no page shows a raw code."""

from __future__ import annotations

import pytest

from sunshine.documents.models import Resolution
from sunshine.documents.scanner import FindingKind


@pytest.mark.parametrize("member", [*Resolution, *FindingKind], ids=str)
def test_every_member_has_a_label_in_words(member) -> None:
    assert member.label and "_" not in member.label
