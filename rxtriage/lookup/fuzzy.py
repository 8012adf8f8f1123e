"""In-process fuzzy retrieval.  PLACEHOLDER: being rewritten."""

from __future__ import annotations

from rapidfuzz import fuzz, process

from rxtriage.lookup.types import NameRow

__all__ = ["NameIndex"]


class NameIndex:
    def __init__(self, rows: list[NameRow]) -> None:
        self.rows = rows
        self.names = [r.name for r in rows]

    def search(self, key: str, limit: int = 25) -> list[NameRow]:
        hits = process.extract(key, self.names, scorer=fuzz.ratio, limit=limit, score_cutoff=60)
        return [self.rows[i] for _, _, i in hits]
