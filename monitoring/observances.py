"""Partner countries' days and the other dates the plan names (stub: being built)."""

from __future__ import annotations

from datetime import date

from .scope import Scope


def upcoming(scope: Scope, today: date | None = None, days: int = 30) -> list:
    """The dates of the next `days` days, each with the activities planned around it."""
    return []
