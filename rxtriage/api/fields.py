"""Strict serializer fields: a wrong JSON type is a ``validation_error``, never coerced, never a 500.

DRF's stock fields are lenient (``CharField`` takes ``12`` as ``"12"``, ``BooleanField`` takes
``"yes"``, ``FloatField`` overflows on huge integers).  A clinical request should say what it means,
so these accept exactly one JSON type each.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator, RegexValidator
from rest_framework import serializers

__all__ = [
    "DeclaredFieldsOnly",
    "StrictBooleanField",
    "StrictCharField",
    "StrictFloatField",
    "json_safety_errors",
    "storable_body",
]


class TextValidator(RegexValidator):
    """A pattern that is plain ECMA-262 and Python alike, so the OpenAPI schema states exactly what is
    accepted; a NUL character is reported as such, whatever else the pattern requires."""

    def __call__(self, value: Any) -> None:
        if isinstance(value, str) and "\x00" in value:
            raise ValidationError("NUL characters are not allowed.", code="null_characters_not_allowed")
        super().__call__(value)


NO_NUL = TextValidator(r"^[^\x00]*$", "NUL characters are not allowed.", code="null_characters_not_allowed")
NOT_BLANK = TextValidator(r"^[^\x00]*[^\x00\t\n\r ][^\x00]*$", "Must not be blank.", code="blank")


class StrictCharField(serializers.CharField):
    """A JSON string only, kept as sent (not trimmed), without NUL characters.

    Required fields must hold something besides spaces (``allow_blank=False``); the limits apply to
    the string as sent.  DRF's CharField also refuses lone surrogate characters.
    """

    default_error_messages = {"invalid": "Must be a string."}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)
        # The pattern below also refuses NUL (and states it in the schema): drop DRF's own NUL check
        # so a NUL character is reported once.
        self.validators = [v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)]
        self.validators.append(NO_NUL if self.allow_blank else NOT_BLANK)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """A JSON ``true`` or ``false`` only."""

    default_error_messages = {"invalid": "Must be true or false."}

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictFloatField(serializers.FloatField):
    """A finite JSON number only (not a string, not a boolean)."""

    default_error_messages = {"invalid": "Must be a number."}

    def to_internal_value(self, data: Any) -> float:
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        try:
            value = float(data)
        except OverflowError:
            self.fail("invalid")
        if not math.isfinite(value):
            self.fail("invalid")
        return value


MAX_UNKNOWN_REPORTED = 20
_UNKNOWN_NAME_CHARS = 100


def _printable(name: str) -> str:
    """A field name that any JSON encoder can write back (no NUL, no lone surrogates), shortened."""
    text = name[:_UNKNOWN_NAME_CHARS].replace("\x00", "?")
    return text.encode("utf-8", "replace").decode("utf-8")


class DeclaredFieldsOnly:
    """A serializer mixin: keys the serializer does not declare are a validation error naming them
    (DRF silently drops them), so a client learns at once that a field was misspelt or unsupported and
    nothing undeclared is kept."""

    fields: Any

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = [str(key) for key in data if key not in self.fields]
            if unknown:
                raise serializers.ValidationError(
                    {
                        _printable(key): ["Unknown field: not part of this request's shape."]
                        for key in unknown[:MAX_UNKNOWN_REPORTED]
                    }
                )
        return super().to_internal_value(data)  # type: ignore[misc]


def _bad_text(text: str) -> str | None:
    if "\x00" in text:
        return "NUL characters are not allowed."
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "Unpaired surrogate characters are not allowed."
    return None


def json_safety_errors(value: Any, *, max_depth: int) -> str | None:
    """Why ``value`` (a parsed JSON document) cannot be stored as sent, or ``None`` when it can.

    PostgreSQL's ``jsonb`` and ``text`` refuse NUL characters, and neither JSON nor ``jsonb`` has
    infinities; very deep nesting is refused as well.  Iterative, so any depth is safe to inspect.
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            return f"Nested deeper than {max_depth} levels."
        if isinstance(item, str):
            problem = _bad_text(item)
            if problem:
                return problem
        elif isinstance(item, float) and not math.isfinite(item):
            return "Numbers must be finite."
        elif isinstance(item, dict):
            for key, child in item.items():
                problem = _bad_text(str(key))
                if problem:
                    return problem
                stack.append((child, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return None


def storable_body(sent: Any, validated: Mapping[str, Any], *, max_depth: int) -> dict[str, Any]:
    """The body as sent, for the record, minus what the database cannot store.

    Every top-level key is kept as sent when it is storable (see ``json_safety_errors``); a known key
    that is not falls back to its validated value, an unknown one is dropped.
    """
    if not isinstance(sent, Mapping):
        return dict(validated)
    body: dict[str, Any] = {}
    for key, value in sent.items():
        if json_safety_errors({key: value}, max_depth=max_depth) is None:
            body[key] = value
        elif key in validated:
            body[key] = validated[key]
    return body
