"""What the activities tests share: a draft with a co-organiser and a file."""

from __future__ import annotations

import pytest

from activities.models import Activity
from tests.factories import make_activity


@pytest.fixture
def draft_with_file(staff) -> Activity:
    """A draft of SLDTBXH, co-organised by SYT, with one file (bien-ban.pdf)."""
    return make_activity(staff, co_organisers=["SYT"], attachments=["bien-ban.pdf"])
