"""Marks of the current page in the navigation, read from the request's resolved URL."""

from __future__ import annotations

from django import template
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _view_name(request: HttpRequest | None) -> str:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match else ""


@register.simple_tag(takes_context=True)
def current_page(context: template.Context, *view_names: str) -> SafeString:
    """` aria-current="page"` when the page is one of `view_names` (URL names with their
    namespace, "activities:mine"), else "". Pages without a resolved URL (the error pages)
    mark nothing."""
    if _view_name(context.get("request")) in view_names:
        return mark_safe(' aria-current="page"')
    return mark_safe("")


@register.simple_tag(takes_context=True)
def in_section(context: template.Context, *prefixes: str) -> SafeString:
    """` active` (Bootstrap's class of the current item) when the page's URL name starts with
    one of `prefixes` ("activities:", "reports:"), so a menu shows which part of the portal a
    detail page belongs to; else ""."""
    name = _view_name(context.get("request"))
    return mark_safe(" active" if name and name.startswith(prefixes) else "")
