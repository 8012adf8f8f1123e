"""Saving a new prescription request with its medication lines: all or nothing, in as few round trips as
the database allows.

On PostgreSQL it is ONE statement (a data-modifying ``WITH``: the request's ``INSERT ... RETURNING id``,
then every line's ``INSERT`` taking that id), run outside any explicit transaction: a statement is
atomic by itself, so a refused line leaves no request behind.  That is one round trip and one commit
where ``transaction.atomic`` + ``save`` + ``bulk_create`` made four (BEGIN, two INSERTs, COMMIT), and
no ORM query compilation (about a third of a triage request's CPU before; bench/README.md, "Profile").
The same statement writes the request's first audit-trail row (django-simple-history's historical
record, as its ``post_save`` receiver does on the ORM path: the tracked fields, ``history_type`` "+",
the requester as ``history_user``); through the receiver it cost a manager class built per call and
one more INSERT, about a fifth of a triage request.  Elsewhere (SQLite, in process: no round trips to
save) the ORM does it inside ``transaction.atomic``.

The columns and their values come from the models' own field definitions (``pre_save`` and
``get_db_prep_save``, as the ORM's INSERT does), so a field added to either model is saved here too.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from functools import lru_cache
from typing import Any

from django.db import connections, router, transaction
from django.db.models import Field, Model
from django.utils import timezone

from rxtriage.triage.models import MedicationLine, PrescriptionRequest

__all__ = ["prescription_request_insert"]


@lru_cache(maxsize=4)
def _fields(model: type[Model]) -> tuple[Field, ...]:
    """The columns an INSERT writes: every concrete field but the generated primary key."""
    return tuple(f for f in model._meta.concrete_fields if not f.primary_key)


def _values(obj: Model, fields: Sequence[Field], connection: Any) -> list[Any]:
    return [f.get_db_prep_save(f.pre_save(obj, True), connection=connection) for f in fields]


@lru_cache(maxsize=1)
def _history_model() -> type[Model]:
    """The historical model of ``PrescriptionRequest`` (each ``.history`` access builds a manager class)."""
    return PrescriptionRequest.history.model


@lru_cache(maxsize=1)
def _history_fields() -> tuple[Field, ...]:
    """The history row's columns the statement fills from parameters: all but ``id``, the request's own
    id, which the statement takes from the request's INSERT."""
    return tuple(f for f in _fields(_history_model()) if f.attname != "id")


def _history_row(obj: PrescriptionRequest) -> Model:
    """The first audit-trail row of the new request ``obj``, as simple-history's receiver builds it."""
    history = _history_model()
    tracked = {
        f.attname: getattr(obj, f.attname)
        for f in _history_fields()
        if not f.name.startswith("history_")
    }
    return history(
        history_date=timezone.now(),
        history_type="+",
        history_user_id=obj.requester_id,
        history_change_reason=None,
        **tracked,
    )


@lru_cache(maxsize=32)
def _statement(line_count: int) -> str:
    """The one statement saving a request with ``line_count`` lines and its first history row
    (PostgreSQL)."""
    quote = connections["default"].ops.quote_name
    request_fields, line_fields = _fields(PrescriptionRequest), _fields(MedicationLine)
    history_fields = _history_fields()
    request_id = str(MedicationLine._meta.get_field("request").column)
    request_pk = quote(str(PrescriptionRequest._meta.pk.column))
    request_columns = ", ".join(quote(str(f.column)) for f in request_fields)
    line_columns = ", ".join(quote(str(f.column)) for f in line_fields if f.column != request_id)
    history_columns = ", ".join(quote(str(f.column)) for f in history_fields)
    row = f"((SELECT {request_pk} FROM r), " + ", ".join(["%s"] * (len(line_fields) - 1)) + ")"
    return (
        f"WITH r AS (INSERT INTO {quote(PrescriptionRequest._meta.db_table)} ({request_columns}) "
        f"VALUES ({', '.join(['%s'] * len(request_fields))}) RETURNING {request_pk}), "
        f"l AS (INSERT INTO {quote(MedicationLine._meta.db_table)} ({quote(request_id)}, {line_columns}) "
        f"VALUES {', '.join([row] * line_count)}), "
        f"h AS (INSERT INTO {quote(_history_model()._meta.db_table)} ({quote('id')}, {history_columns}) "
        f"VALUES ((SELECT {request_pk} FROM r), {', '.join(['%s'] * len(history_fields))})) "
        f"SELECT {request_pk} FROM r"
    )


def prescription_request_insert(*, obj: PrescriptionRequest, lines: Sequence[MedicationLine]) -> None:
    """Insert the new request ``obj`` and its ``lines`` together; sets their ids and ``line.request``."""
    alias = router.db_for_write(PrescriptionRequest) or "default"
    connection = connections[alias]
    if connection.vendor != "postgresql" or not lines:
        with transaction.atomic(using=alias):
            obj._history_user = obj.requester  # type: ignore[attr-defined]  # the first history row's author
            obj.save(force_insert=True, using=alias)
            for line in lines:
                line.request = obj
            MedicationLine.objects.using(alias).bulk_create(lines)
        return
    line_fields = [f for f in _fields(MedicationLine) if f.name != "request"]
    params = _values(obj, _fields(PrescriptionRequest), connection)
    for line in lines:
        params.extend(_values(line, line_fields, connection))
    params.extend(_values(_history_row(obj), _history_fields(), connection))
    # Inside a caller's transaction, a savepoint keeps a refused statement from aborting it (as the
    # ORM's nested atomic would); on its own, the statement is its own transaction.
    scope = transaction.atomic(using=alias) if connection.in_atomic_block else nullcontext()
    with scope, connection.cursor() as cursor:
        cursor.execute(_statement(len(lines)), params)
        obj.pk = cursor.fetchone()[0]
    obj._state.adding, obj._state.db = False, alias
    for line in lines:
        line.request = obj
        line._state.adding, line._state.db = False, alias
