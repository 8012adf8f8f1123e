"""Strict serializer fields: a wrong JSON type is a ``validation_error``, never coerced, never a 500.

DRF's stock fields are lenient (``CharField`` takes ``12`` as ``"12"``, ``BooleanField`` takes
``"yes"``, ``FloatField`` overflows on huge integers).  A clinical request should say what it means,
so these accept exactly one JSON type each.
"""

from __future__ import annotations

import math
from typing import Any

from rest_framework import serializers

__all__ = ["StrictBooleanField", "StrictCharField", "StrictFloatField", "json_safety_errors"]


class StrictCharField(serializers.CharField):
    """A JSON string only (DRF's CharField already refuses NUL and lone surrogate characters)."""

    default_error_messages = {"invalid": "Must be a string."}

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
