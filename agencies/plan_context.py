"""The plan in force today for every page (the footer cites it), read only when a template
asks for it."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .plans import plan_in_force


def _plan_or_none():
    return plan_in_force()


def current_plan(request: HttpRequest) -> dict:
    """`current_plan`: agencies.plans.plan_in_force() for today, a lazy object evaluated on
    first use (one query per request at most; none when no template reads it). Test it with
    `{% if current_plan %}`: it is falsy when no plan began by today."""
    return {"current_plan": SimpleLazyObject(_plan_or_none)}
