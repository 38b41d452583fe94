"""The project package as an app: what every app shares, and the one rule every model's text
follows on save."""

from __future__ import annotations

import functools

from django.apps import AppConfig
from django.db import models
from django.db.models.signals import pre_save

from .text import clean_text, text_columns

# The apps whose models store text users typed.
CLEANED_APPS = frozenset({"agencies", "activities", "exchange", "reports"})


@functools.cache
def text_fields(model: type[models.Model]) -> tuple[tuple[str, bool], ...]:
    """The text columns a save cleans: none of a history table (django-simple-history copies
    the row just cleaned), nor a column no form edits (a search column is folded from
    cleaned text, a task id or a status is the code's own)."""
    if hasattr(model, "instance_type"):  # a historical model of simple-history
        return ()
    editable = {field.attname for field in model._meta.concrete_fields if field.editable}
    return tuple(column for column in text_columns(model) if column[0] in editable)


def clean_text_fields(sender, instance, update_fields=None, **kwargs) -> None:
    """Clean every text column of a portal model before it is written, whoever writes it
    (a form, the admin, a service, a management command, the shell), so the database holds
    one form of each text. bulk_create and update() send no signal: their callers clean
    (the import cleans each cell as it reads it)."""
    if sender._meta.app_label not in CLEANED_APPS:
        return
    for attname, multiline in text_fields(sender):
        if update_fields is not None and attname not in update_fields:
            continue
        value = getattr(instance, attname)
        if isinstance(value, str):
            setattr(instance, attname, clean_text(value, multiline=multiline))


class PortalConfig(AppConfig):
    name = "doingoai"

    def ready(self) -> None:
        pre_save.connect(clean_text_fields, dispatch_uid="doingoai.clean_text_fields")
