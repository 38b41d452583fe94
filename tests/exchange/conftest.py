"""What the information exchange's tests share: what a user may read."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from activities.exchange.models import Message
from agencies.models import User


@pytest.fixture
def visible() -> Callable[[User], set[str]]:
    """The subjects of the messages a user may read (Message.objects.visible_to)."""

    def subjects(user: User) -> set[str]:
        return set(Message.objects.visible_to(user).values_list("subject", flat=True))

    return subjects
