"""What the data migrations use to bring stored text to the form new text is saved in
(doingoai.text.clean_text): reading a table in batches, cleaning each text column, leaving
alone rows that would collide on a unique column once cleaned.

Only migrations import it; the web and the workers never do.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db import connections, models, transaction

from .text import clean_text, text_columns


def clean_stored_rows(
    model: type[models.Model],
    *,
    derived: dict[str, Callable[[models.Model], str]] | None = None,
    prefetch: Iterable[str] = (),
    batch_size: int = 2000,
    using: str = "default",
) -> int:
    """Clean every text column of every row of `model` (a migration's historical model) and
    recompute its `derived` columns ({column: function of the cleaned row}, e.g. a search
    column) for the data migrations that bring stored text to the form new text is saved in.

    Reads the table `batch_size` rows at a time in primary-key order (with `prefetch`ed
    relations), so memory stays bounded on any number of rows, and writes back, in one
    transaction per batch on the database `using`, only the columns that changed in each row.
    Run again, it finds nothing to change, so a migration calling it need not be atomic.

    Never fails on what is stored: where two rows of a unique column (or set of columns, a
    text among them) would become equal once cleaned, both keep those columns as stored and
    a line naming them is printed for an administrator to merge or rename them. Returns how
    many rows changed."""
    derived = derived or {}
    columns = {name: multiline for name, multiline in text_columns(model) if name not in derived}
    manager = model._default_manager.db_manager(using)
    kept = _colliding_rows(model, columns, batch_size, using)
    rows = manager.order_by("pk").prefetch_related(*prefetch)
    changed_count = 0
    last = None
    while True:
        batch = list((rows if last is None else rows.filter(pk__gt=last))[:batch_size])
        if not batch:
            return changed_count
        last = batch[-1].pk
        by_columns = defaultdict(list)  # the names of the changed columns: the rows
        for row in batch:
            names = []
            for name, multiline in columns.items():
                value = getattr(row, name)
                if isinstance(value, str) and name not in kept.get(row.pk, ()):
                    cleaned = clean_text(value, multiline=multiline)
                    if cleaned != value:
                        setattr(row, name, cleaned)
                        names.append(name)
            for name, derive in derived.items():
                value = derive(row)
                if value != getattr(row, name):
                    setattr(row, name, value)
                    names.append(name)
            if names:
                by_columns[tuple(names)].append(row)
        with transaction.atomic(using=using):
            for names, changed in by_columns.items():
                _write_columns(model, changed, names, using)
        changed_count += sum(len(changed) for changed in by_columns.values())


def _unique_column_sets(model: type[models.Model]) -> list[tuple[str, ...]]:
    """The attribute names of each unique column and each set of columns unique together
    (unique, unique_together, UniqueConstraint over fields, conditional ones included) of
    `model`, its primary key aside."""
    meta = model._meta
    sets = [(f.attname,) for f in meta.concrete_fields if f.unique and not f.primary_key]
    sets += [tuple(meta.get_field(n).attname for n in names) for names in meta.unique_together]
    sets += [
        tuple(meta.get_field(n).attname for n in constraint.fields)
        for constraint in meta.constraints
        if isinstance(constraint, models.UniqueConstraint) and constraint.fields
    ]
    return sets


def _colliding_rows(
    model: type[models.Model], columns: dict[str, bool], batch_size: int, using: str
) -> dict[int, set[str]]:
    # {pk: the text columns it keeps as stored} for the rows that cleaning would make equal
    # on a unique set of columns.
    kept: dict[int, set[str]] = defaultdict(set)
    for names in _unique_column_sets(model):
        texts = {name for name in names if name in columns}
        if not texts:
            continue
        for key, pks in _collisions(model, names, columns, batch_size, using).items():
            for pk in pks:
                kept[pk] |= texts
            print(
                f"{model._meta.label} rows {', '.join(map(str, pks))}: "
                f"{', '.join(names)} would all be {key!r} once cleaned; "
                "left as stored for an administrator to merge or rename."
            )
    return kept


def _collisions(
    model: type[models.Model],
    names: tuple[str, ...],
    columns: dict[str, bool],
    batch_size: int,
    using: str,
) -> dict[tuple, list[int]]:
    # Two passes over the columns `names` alone: the keys cleaning changes, then the rows
    # (changed or not) that have one of them once cleaned. Memory grows with the rows that
    # change, not with the table. Keys with a NULL never collide, as in SQL.
    def cleaned(values: tuple) -> tuple:
        return tuple(
            clean_text(value, multiline=columns[name])
            if name in columns and isinstance(value, str)
            else value
            for name, value in zip(names, values, strict=True)
        )

    rows = model._default_manager.db_manager(using).order_by("pk").values_list("pk", *names)
    targets = set()
    for _pk, *values in rows.iterator(chunk_size=batch_size):
        key = cleaned(tuple(values))
        if key != tuple(values) and None not in key:
            targets.add(key)
    groups = defaultdict(list)
    if targets:
        for pk, *values in rows.iterator(chunk_size=batch_size):
            key = cleaned(tuple(values))
            if key in targets:
                groups[key].append(pk)
    return {key: pks for key, pks in groups.items() if len(pks) > 1}


def _write_columns(
    model: type[models.Model], rows: list[models.Model], names: Iterable[str], using: str
) -> None:
    # One plain UPDATE per row, sent as one executemany: bulk_update's CASE expressions cost
    # about a millisecond of Python per row to build (100 s for 100,000 activities).
    connection = connections[using]
    quote = connection.ops.quote_name
    meta = model._meta
    fields = [meta.get_field(name) for name in names]
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
    with connection.cursor() as cursor:
        cursor.executemany(
            sql, [[getattr(row, f.attname) for f in fields] + [row.pk] for row in rows]
        )
