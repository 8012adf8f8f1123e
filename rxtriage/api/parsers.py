"""A JSON parser that turns every malformed body into ``parse_error`` (never a 500)."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, parsers

__all__ = ["JSONParser"]


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, also refusing pathologically nested documents."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from exc
