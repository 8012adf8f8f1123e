"""Numbers read from the canonical symptom text: body temperatures, ages and blood-glucose readings.

Thresholds come from ``red_flags.yaml`` ``numeric`` (NICE NG143 for fever in under 5s; ADA Standards of
Care 2024 for glucose).  Every reader works on the canonical text (``text.canonical_text``) and gives
canonical spans.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["NEWBORN_AGE_YEARS", "glucose_is_extreme", "read_ages", "read_glucose", "read_temperatures"]


_NUMBER = r"(\d{1,3}(?:\.\d+)?)"
_TEMPERATURE = (
    re.compile(
        rf"(?:temp\w*|fever\w*|pyrexia|thermometer|reading|hot)\D{{0,20}}?(?<![\d.]){_NUMBER}(?![\d])"
    ),
    re.compile(rf"(?<![\d.]){_NUMBER}\s*(?:°|º|deg\w*|celsius|centigrade|fahrenheit|c|f)(?![a-z])"),
)
_GLUCOSE = re.compile(
    r"(?:sugar|glucose|rbs|fbs|fbg|rbg)\D{0,20}?(?<![\d.])(\d{1,4}(?:\.\d+)?)(?![\d.])"
    r"(?!\s*(?:days?|weeks?|wks?|hrs?|hours?|times|months?|years?|yrs?|tabs?|tablets?))\s*(mmol|mg)?"
)
_WORD_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "a": 1,
    "an": 1,
}
_UNIT_YEARS = {
    "day": 1 / 365.25,
    "week": 7 / 365.25,
    "wk": 7 / 365.25,
    "month": 1 / 12,
    "mth": 1 / 12,
    "mnth": 1 / 12,
    "mo": 1 / 12,
    "year": 1.0,
    "yr": 1.0,
}
_AGE_AMOUNT = r"(\d+(?:\.\d+)?|" + "|".join(_WORD_NUMBERS) + r")"
_AGE_UNIT = r"(days?|weeks?|wks?|months?|mths?|mnths?|mos?|years?|yrs?)"
_AGE = (
    re.compile(rf"(?<![\w.]){_AGE_AMOUNT}[\s-]*{_AGE_UNIT}[\s-]*old(?!\w)"),
    re.compile(
        rf"(?<![\w.]){_AGE_AMOUNT}[\s-]*{_AGE_UNIT}[\s-]+(?:old[\s-]+)?(?:baby|infant|child|pikin|boy|girl|son|daughter)"
    ),
    re.compile(
        rf"(?:baby|infant|pikin|child|son|daughter)\s+(?:of|aged?|is|wey be|wey don|who is|that is)\s+"
        rf"{_AGE_AMOUNT}[\s-]*{_AGE_UNIT}(?!\w)"
    ),
)
_NEWBORN = re.compile(r"(?<!\w)(?:new[\s-]?born|neonate)(?!\w)")
# An upper bound ("never reach two months", "not up to 2 months", "under 3 months"): read as just under it.
_AGE_BELOW = re.compile(
    rf"(?:never reach|not (?:yet )?(?:up to|reach)|less than|under|below|not yet)"
    rf"\s+{_AGE_AMOUNT}[\s-]*{_AGE_UNIT}(?!\w)"
)
# The time since a birth ("delivered our baby girl six weeks ago"): the baby's age.
_AGE_SINCE_BIRTH = re.compile(
    rf"(?:deliver\w*|born|gave birth|birth)[^.;]{{0,50}}?(?<![\w.]){_AGE_AMOUNT}[\s-]*{_AGE_UNIT}\s+ago(?!\w)"
)
_JUST_UNDER = 0.999
NEWBORN_AGE_YEARS = 7 / 365.25  # "newborn" without a number: read as one week old


def _celsius(value: float, numeric: Mapping[str, Any]) -> float | None:
    low_c, high_c = numeric["temperature_celsius_range"]
    low_f, high_f = numeric["temperature_fahrenheit_range"]
    if low_c <= value <= high_c:
        return value
    if low_f <= value <= high_f:
        return round((value - 32) * 5 / 9, 1)
    return None


def read_temperatures(low: str, numeric: Mapping[str, Any]) -> list[tuple[float, tuple[int, int]]]:
    """Body temperatures written in the text, in Celsius, with their spans."""
    found = {}
    for pattern in _TEMPERATURE:
        for m in pattern.finditer(low):
            celsius = _celsius(float(m.group(1)), numeric)
            if celsius is not None:
                found[m.span(1)] = celsius
    return [(value, span) for span, value in sorted(found.items())]


def _age_amount(text: str) -> float:
    return float(_WORD_NUMBERS[text]) if text in _WORD_NUMBERS else float(text)


def _unit_years(unit: str) -> float:
    return _UNIT_YEARS[unit.rstrip("s")]


def read_ages(low: str) -> list[tuple[float, tuple[int, int]]]:
    """Ages written in the text ("6 weeks old", "2-month-old baby", "newborn", "never reach two months",
    "delivered six weeks ago"), in years."""
    found = {
        m.span(): _age_amount(m.group(1)) * _unit_years(m.group(2))
        for pattern in _AGE
        for m in pattern.finditer(low)
    }
    found.update({m.span(): NEWBORN_AGE_YEARS for m in _NEWBORN.finditer(low)})
    for m in _AGE_BELOW.finditer(low):
        found[m.span()] = _age_amount(m.group(1)) * _unit_years(m.group(2)) * _JUST_UNDER
    for m in _AGE_SINCE_BIRTH.finditer(low):
        found[m.span()] = _age_amount(m.group(1)) * _unit_years(m.group(2))
    return [(years, span) for span, years in sorted(found.items())]


def glucose_is_extreme(value: float, unit: str | None, limits: Mapping[str, float]) -> bool:
    """Very low or very high; without a unit, any reading extreme in mmol/L or in mg/dL counts."""
    mmol = value <= limits["low_mmol"] or value >= limits["high_mmol"]
    mg = value <= limits["low_mg_dl"] or value >= limits["high_mg_dl"]
    if unit == "mmol":
        return mmol
    if unit == "mg":
        return mg
    return (
        (mmol and value < limits["low_mg_dl"])
        or (mg and value > limits["high_mmol"])
        or (value <= limits["low_mmol"])
    )


def read_glucose(low: str, limits: Mapping[str, float]) -> list[tuple[int, int]]:
    """Spans of blood-glucose readings that are extreme."""
    return [
        m.span() for m in _GLUCOSE.finditer(low) if glucose_is_extreme(float(m.group(1)), m.group(2), limits)
    ]
