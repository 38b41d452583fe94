"""The information exchange's addresses, under /messages/, and the addresses it had under
/activities/messages/ until 2026-11, which answer a permanent redirect to the new ones (links
in e-mails already sent, bookmarks, pages left open)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.urls import path, reverse

from . import views

app_name = "exchange"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("sent/", views.outbox, name="outbox"),
    path("new/", views.message_new, name="new"),
    path("<int:pk>/", views.message_detail, name="message"),
    path("<int:pk>/reply/", views.message_reply, name="reply"),
    path("<int:pk>/remind/", views.message_remind, name="remind"),
    path("<int:pk>/handle/", views.message_handle, name="handle"),
    path("<int:pk>/files/<int:file_pk>/", views.message_attachment, name="attachment"),
]


class PermanentRedirectKeepingMethod(HttpResponsePermanentRedirect):
    status_code = 308


def _moved(name: str):
    """A view that sends an old address to the new one named `name`, query string kept.

    GET and HEAD get 301, which every client and search engine knows. Anything else (the
    forms that post a reply, a reminder, a handling or a new message, from a page opened
    before the move) gets 308: a 301 lets browsers repeat a POST as a GET, which would drop
    the form's content and land on a POST-only view (405); 308 repeats the same POST, with
    its body and CSRF token, at the new address, where the view checks it as usual.
    """

    def moved(request: HttpRequest, **kwargs) -> HttpResponsePermanentRedirect:
        url = reverse(f"exchange:{name}", kwargs=kwargs)
        query = request.META.get("QUERY_STRING", "")
        if query:
            url = f"{url}?{query}"
        if request.method in ("GET", "HEAD"):
            return HttpResponsePermanentRedirect(url)
        return PermanentRedirectKeepingMethod(url)

    return moved


# Mounted at /activities/messages/ by doingoai/urls.py, under the namespace "exchange_moved".
moved_urlpatterns = [
    path(str(pattern.pattern), _moved(pattern.name), name=pattern.name) for pattern in urlpatterns
]
