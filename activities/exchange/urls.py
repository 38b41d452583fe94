"""The information exchange's addresses, under /messages/, and the addresses it had under
/activities/messages/ until 2026-11, which answer a permanent redirect to the new ones (links
in e-mails already sent, bookmarks, pages left open): see views.moved."""

from __future__ import annotations

from django.urls import path

from doingoai import converters  # noqa: F401  (registers <id:…>, the database ids)

from . import views

app_name = "exchange"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("sent/", views.outbox, name="outbox"),
    path("new/", views.message_new, name="new"),
    path("<id:pk>/", views.message_detail, name="message"),
    path("<id:pk>/reply/", views.message_reply, name="reply"),
    path("<id:pk>/remind/", views.message_remind, name="remind"),
    path("<id:pk>/handle/", views.message_handle, name="handle"),
    path("<id:pk>/files/<id:file_pk>/", views.message_attachment, name="attachment"),
]

# Mounted at /activities/messages/ by doingoai/urls.py, under the namespace "exchange_moved":
# one old address for each new one, same path below the mount point.
moved_urlpatterns = [
    path(str(pattern.pattern), views.moved, {"to": pattern.name}, name=pattern.name)
    for pattern in urlpatterns
]
