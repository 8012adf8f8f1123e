"""Accuracy on the bench's labelled set (``data/labelled.yaml``), by category.

Each answer is ``correct`` (the expected medicine; for a non-medicine: nothing), ``wrong_drug``
(another medicine: the worst outcome) or ``no_drug`` (nothing, for a medicine).  Our lookup and the
control are judged by the formulary record they return.  drug-named-entity-recognition (a dictionary
NER over DrugBank/MeSH names, fuzzy matching on) is judged by names: it is right when a drug it finds has
a name of the expected medicine (generic, display or other names), or when every component of an
expected combination is among the drugs it finds.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from devtools.stats import summary
from rxtriage.formulary.datafile import DrugRecord, read_records
from rxtriage.formulary.keys import name_key

__all__ = ["LABELLED_FILE", "accuracy_of", "labelled_set", "ner_accuracy"]

LABELLED_FILE = Path(__file__).resolve().parent / "data" / "labelled.yaml"
OUTCOMES = ("correct", "wrong_drug", "no_drug")


def labelled_set(path: Path = LABELLED_FILE) -> dict[str, list[tuple[str, str | None]]]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {category: [(str(text), expected) for text, expected in items] for category, items in raw.items()}


def _tally(outcomes: dict[str, list[str]], extra: dict[str, dict[str, int]] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    total = dict.fromkeys(OUTCOMES, 0)
    for category, results in outcomes.items():
        counts = {name: results.count(name) for name in OUTCOMES}
        for name in OUTCOMES:
            total[name] += counts[name]
        out[category] = {"n": len(results), **counts, "accuracy": round(counts["correct"] / len(results), 3)}
        if extra and category in extra:
            out[category].update(extra[category])
    n = sum(total.values())
    out["all"] = {"n": n, **total, "accuracy": round(total["correct"] / n, 3) if n else None}
    return out


def _judge(expected: str | None, found: str | None) -> str:
    if found is None:
        return "correct" if expected is None else "no_drug"
    return "correct" if found == expected else "wrong_drug"


def accuracy_of(answer: Callable[[str], tuple[str | None, bool]]) -> dict[str, Any]:
    """``answer(text)`` -> (generic name found or None, needs confirmation); tallied by category."""
    outcomes: dict[str, list[str]] = {}
    confirm: dict[str, dict[str, int]] = {}
    for category, items in labelled_set().items():
        outcomes[category] = []
        confirm[category] = {"correct_needing_confirmation": 0}
        for text, expected in items:
            found, needs_confirmation = answer(text)
            verdict = _judge(expected, found)
            outcomes[category].append(verdict)
            if verdict == "correct" and needs_confirmation and expected is not None:
                confirm[category]["correct_needing_confirmation"] += 1
    return _tally(outcomes, confirm)


def _record_names(records: list[DrugRecord]) -> dict[str, set[str]]:
    """generic name -> the name keys of that medicine (generic, display and other names)."""
    return {
        r.generic_name: {name_key(n) for n in (r.generic_name, r.display_name, *r.search_keywords)}
        for r in records
    }


def _ner_find(find_drugs: Callable[..., Any], tokens: list[str]) -> list[Any]:
    """Exact matching over all tokens (two-word names too), then fuzzy matching token by token when
    nothing was found.  (Version 2.0.9 raises UnboundLocalError on a fuzzy two-word match, so fuzzy
    matching is asked one token at a time.)"""
    hits = list(find_drugs(tokens, is_fuzzy_match=False))
    if hits:
        return hits
    for token in tokens:
        try:
            hits.extend(find_drugs([token], is_fuzzy_match=True))
        except Exception:  # the library's own failure counts as "found nothing"
            continue
    return hits


def ner_accuracy() -> dict[str, Any]:
    """drug-named-entity-recognition on the same labelled set (and its latency per name)."""
    from drug_named_entity_recognition import find_drugs

    records = read_records()
    by_generic = {r.generic_name: r for r in records}
    names = _record_names(records)
    outcomes: dict[str, list[str]] = {}
    samples: list[int] = []
    _ner_find(find_drugs, ["warm", "up"])
    for category, items in labelled_set().items():
        outcomes[category] = []
        for text, expected in items:
            tokens = [t for t in re.split(r"\s+", text) if t]
            start = time.perf_counter_ns()
            hits = _ner_find(find_drugs, tokens)
            samples.append(time.perf_counter_ns() - start)
            found = [{name_key(hit[0].get("name", "")), *(name_key(s) for s in hit[0].get("synonyms", []))}
                     for hit in hits]  # fmt: skip
            if not found:
                outcomes[category].append("correct" if expected is None else "no_drug")
                continue
            if expected is None:
                outcomes[category].append("wrong_drug")
                continue
            parts = list(by_generic[expected].components) or [expected]
            whole = any(names[expected] & hit for hit in found)
            covered = whole or all(any(names.get(p, {name_key(p)}) & hit for hit in found) for p in parts)
            outcomes[category].append("correct" if covered else "wrong_drug")
    return {**_tally(outcomes), "latency": summary(samples), "fuzzy_match": True}
