"""OpenAPI post-processing: the request bodies that accept only their declared fields say so.

Serializers with ``DeclaredFieldsOnly`` refuse unknown keys (400 ``validation_error``); their schema
components get ``additionalProperties: false`` so clients and schema-driven tests know it too.
"""

from __future__ import annotations

from typing import Any

from rxtriage.api.fields import DeclaredFieldsOnly

__all__ = ["closed_request_bodies"]


def _closed_classes() -> list[type]:
    found: list[type] = []
    todo = list(DeclaredFieldsOnly.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def closed_request_bodies(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular ``POSTPROCESSING_HOOKS`` entry: ``additionalProperties: false`` on the
    components of serializers that refuse undeclared keys (their request form, ``...Request``)."""
    import rxtriage.api.serializers  # noqa: F401  (the serializers define the subclasses)

    names = set()
    for cls in _closed_classes():
        base = cls.__name__.removesuffix("Serializer")
        names.update({base, f"{base}Request"})
    schemas = result.get("components", {}).get("schemas", {})
    for name in names & set(schemas):
        if schemas[name].get("type") == "object":
            schemas[name]["additionalProperties"] = False
    return result
