"""The shipped formulary data files: reading and validating them.

The formulary ships as YAML files under ``rxtriage/formulary/data/formulary/``
(one file per therapeutic area, each a list of medicine records).  This module
reads them into plain :class:`DrugRecord` objects and checks them; it never
touches the database.  ``python -m rxtriage.formulary.datafile`` validates the
shipped data and prints a summary.

A record's fields (see ``data/README.md``):

``generic_name``      lowercase INN; for a fixed-dose combination the component
                      INNs joined by ``/`` ("artemether/lumefantrine")
``display_name``      how the medicine is shown to people
``drug_class``        short therapeutic class
``atc_code``          WHO ATC code (7 characters, or a 3-5 character group)
``schedule``          otc | pharmacy | pom | controlled
``controlled_basis``  un1961_I | un1961_II | un1961_III | un1971_II | un1971_III |
                      un1971_IV | ng_national | precursor_1988 | null
``high_alert``        ISMP high-alert medicine
``brand_names``       brands, Nigerian and international
``search_keywords``   other names: BAN/USAN/old spellings, salt forms, common names
``abbreviations``     unambiguous abbreviations ("pcm", "inh")
``co_names``          British co- names of combinations ("co-amoxiclav")
``components``        generic names of the parts of a combination
``aware``             WHO AWaRe group of an antibiotic: access | watch | reserve | not_recommended
``eml``               WHO EML 2023 listing: core | complementary | none
``pregnancy_avoid``   contraindicated or to be avoided in pregnancy
``source``            where the record's facts come from
``review``            a note on any fact not confirmed from a primary source
``schedule_exception`` why a combination may be lighter than a component (e.g. the component is
                      prescription-only for its injection, the combination is an oral product);
                      never lighter than a controlled component
"""

from __future__ import annotations

import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from rxtriage.formulary.keys import name_key

__all__ = [
    "AMBIGUOUS_FILE",
    "DATA_DIR",
    "DrugRecord",
    "FormularyDataError",
    "NameEntry",
    "read_ambiguous",
    "read_records",
    "record_names",
    "validate",
]

DATA_DIR = Path(__file__).resolve().parent / "data" / "formulary"
AMBIGUOUS_FILE = Path(__file__).resolve().parent / "data" / "ambiguous_names.yaml"

SCHEDULES = ("otc", "pharmacy", "pom", "controlled")
SCHEDULE_RANK = {name: rank for rank, name in enumerate(SCHEDULES)}
CONTROLLED_BASES = (
    "un1961_I",
    "un1961_II",
    "un1961_III",
    "un1961_IV",
    "un1971_II",
    "un1971_III",
    "un1971_IV",
    "ng_national",
    "precursor_1988",
)
AWARE_GROUPS = ("access", "watch", "reserve", "not_recommended")
EML_STATUSES = ("core", "complementary", "none")
ATC_PATTERN = re.compile(r"^[ABCDGHJLMNPRSV](\d{2}([A-Z]([A-Z](\d{2})?)?)?)?$")

# Name kinds in the names index, most specific first (the order ranks exact hits).

_FIELDS = {
    "generic_name",
    "display_name",
    "drug_class",
    "atc_code",
    "schedule",
    "controlled_basis",
    "high_alert",
    "brand_names",
    "search_keywords",
    "abbreviations",
    "co_names",
    "components",
    "aware",
    "eml",
    "pregnancy_avoid",
    "source",
    "review",
    "schedule_exception",
}
_REQUIRED = {"generic_name", "display_name", "drug_class", "atc_code", "schedule", "source"}


class FormularyDataError(ValueError):
    """The data file is not a valid formulary."""


@dataclass(frozen=True)
class DrugRecord:
    generic_name: str
    display_name: str
    drug_class: str
    atc_code: str
    schedule: str
    source: str
    controlled_basis: str | None = None
    high_alert: bool = False
    brand_names: tuple[str, ...] = ()
    search_keywords: tuple[str, ...] = ()
    abbreviations: tuple[str, ...] = ()
    co_names: tuple[str, ...] = ()
    components: tuple[str, ...] = ()
    aware: str | None = None
    eml: str = "none"
    pregnancy_avoid: bool = False
    review: str | None = None
    schedule_exception: str | None = None
    origin: str = field(default="", compare=False)

    @classmethod
    def model_field_names(cls) -> tuple[str, ...]:
        """The ``Drug`` fields a record sets (the keys of :meth:`as_model_fields`)."""
        return tuple(cls(**{name: "" for name in _REQUIRED}).as_model_fields())  # type: ignore[arg-type]

    def as_model_fields(self) -> dict[str, Any]:
        """The record as keyword arguments for the ``Drug`` model."""
        return {
            "generic_name": self.generic_name,
            "display_name": self.display_name,
            "drug_class": self.drug_class,
            "atc_code": self.atc_code,
            "schedule": self.schedule,
            "controlled_basis": self.controlled_basis or "",
            "high_alert": self.high_alert,
            "brand_names": list(self.brand_names),
            "search_keywords": list(self.search_keywords),
            "abbreviations": list(self.abbreviations),
            "co_names": list(self.co_names),
            "components": list(self.components),
            "aware": self.aware or "",
            "eml": self.eml,
            "pregnancy_avoid": self.pregnancy_avoid,
            "source": self.source,
            "review": "; ".join(
                part
                for part in (
                    self.review,
                    self.schedule_exception and f"schedule exception: {self.schedule_exception}",
                )
                if part
            ),
        }


@dataclass(frozen=True)
class NameEntry:
    key: str
    text: str
    kind: str


def _str_list(value: Any, where: str, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        raise FormularyDataError(f"{where}: {name} must be a list of strings")
    return tuple(str(v).strip() for v in value if str(v).strip())


def _parse(raw: Any, where: str) -> DrugRecord:
    if not isinstance(raw, dict):
        raise FormularyDataError(f"{where}: a record must be a mapping")
    unknown = set(raw) - _FIELDS
    if unknown:
        raise FormularyDataError(f"{where}: unknown fields {sorted(unknown)}")
    missing = {f for f in _REQUIRED if not raw.get(f)}
    if missing:
        raise FormularyDataError(f"{where}: missing {sorted(missing)}")
    basis = raw.get("controlled_basis")
    return DrugRecord(
        generic_name=str(raw["generic_name"]).strip(),
        display_name=str(raw["display_name"]).strip(),
        drug_class=str(raw["drug_class"]).strip(),
        atc_code=str(raw["atc_code"]).strip(),
        schedule=str(raw["schedule"]).strip(),
        source=str(raw["source"]).strip(),
        controlled_basis=str(basis).strip() if basis else None,
        high_alert=bool(raw.get("high_alert", False)),
        brand_names=_str_list(raw.get("brand_names"), where, "brand_names"),
        search_keywords=_str_list(raw.get("search_keywords"), where, "search_keywords"),
        abbreviations=_str_list(raw.get("abbreviations"), where, "abbreviations"),
        co_names=_str_list(raw.get("co_names"), where, "co_names"),
        components=_str_list(raw.get("components"), where, "components"),
        aware=str(raw["aware"]).strip() if raw.get("aware") else None,
        eml=str(raw.get("eml") or "none").strip(),
        pregnancy_avoid=bool(raw.get("pregnancy_avoid", False)),
        review=str(raw["review"]).strip() if raw.get("review") else None,
        schedule_exception=str(raw["schedule_exception"]).strip() if raw.get("schedule_exception") else None,
        origin=where,
    )


def _data_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in {".yaml", ".yml"})
    return [path]


def read_records(path: Path | str | None = None) -> list[DrugRecord]:
    """Read every record of a data file, or of every ``*.yaml`` file in a folder."""
    records: list[DrugRecord] = []
    for file in _data_files(Path(path) if path else DATA_DIR):
        try:
            items = yaml.safe_load(file.read_text(encoding="utf-8")) or []
        except yaml.YAMLError as exc:
            raise FormularyDataError(f"{file.name}: not valid YAML: {exc}") from exc
        if not isinstance(items, list):
            raise FormularyDataError(f"{file.name}: must hold a list of records")
        for index, raw in enumerate(items):
            records.append(_parse(raw, f"{file.name}[{index}]"))
    return records


def read_ambiguous(path: Path | None = None) -> dict[str, set[str]]:
    """Names recorded as ambiguous: key -> the generic names they may mean."""
    file = path or AMBIGUOUS_FILE
    if not file.exists():
        return {}
    raw = yaml.safe_load(file.read_text(encoding="utf-8")) or []
    return {name_key(item["name"]): set(item["drugs"]) for item in raw}


def record_names(record: DrugRecord) -> Iterator[NameEntry]:
    """Every name of a record with its kind, one entry per distinct key."""
    seen: set[str] = set()
    groups: Iterable[tuple[str, Iterable[str]]] = (
        ("generic", (record.generic_name, record.display_name)),
        ("brand", record.brand_names),
        ("synonym", record.search_keywords),
        ("co_name", record.co_names),
        ("abbreviation", record.abbreviations),
    )
    for kind, texts in groups:
        for text in texts:
            key = name_key(text)
            if key and key not in seen:
                seen.add(key)
                yield NameEntry(key=key, text=text, kind=kind)


def _combination_problems(record: DrugRecord, records: list[DrugRecord], where: str) -> list[str]:
    """A combination is as strict as its strictest part (docs/clinical-basis.md 3.3), unless
    ``schedule_exception`` says why not; a controlled part always makes it controlled."""
    parts = [x for x in records if x.generic_name in record.components]
    rank = SCHEDULE_RANK.get(record.schedule, 0)
    if any(p.schedule == "controlled" for p in parts) and record.schedule != "controlled":
        return [f"{where}: has a controlled component but schedule {record.schedule}"]
    strictest = max((SCHEDULE_RANK.get(p.schedule, 0) for p in parts), default=0)
    if rank < strictest and not record.schedule_exception:
        return [f"{where}: schedule {record.schedule} is lighter than a component's (no schedule_exception)"]
    return []


def validate(records: list[DrugRecord], ambiguous: dict[str, set[str]] | None = None) -> list[str]:
    """Every problem found in the records, as readable lines (empty when valid)."""
    ambiguous = read_ambiguous() if ambiguous is None else ambiguous
    problems: list[str] = []
    by_generic = Counter(r.generic_name for r in records)
    for name, count in by_generic.items():
        if count > 1:
            places = [r.origin for r in records if r.generic_name == name]
            problems.append(f"{name}: listed {count} times ({', '.join(places)})")
    generics = set(by_generic)
    owners: dict[str, set[str]] = defaultdict(set)
    for r in records:
        where = f"{r.origin} {r.generic_name}"
        if r.generic_name != r.generic_name.lower():
            problems.append(f"{where}: generic_name must be lowercase")
        if r.schedule not in SCHEDULES:
            problems.append(f"{where}: schedule {r.schedule!r} not in {SCHEDULES}")
        if r.schedule == "controlled" and r.controlled_basis not in CONTROLLED_BASES:
            problems.append(f"{where}: controlled without a valid controlled_basis")
        if r.controlled_basis and r.controlled_basis not in CONTROLLED_BASES:
            problems.append(f"{where}: controlled_basis {r.controlled_basis!r} unknown")
        if r.controlled_basis and r.schedule != "controlled" and r.controlled_basis != "precursor_1988":
            problems.append(f"{where}: has a controlled_basis but schedule {r.schedule}")
        if not ATC_PATTERN.match(r.atc_code):
            problems.append(f"{where}: ATC code {r.atc_code!r} malformed")
        if r.aware and r.aware not in AWARE_GROUPS:
            problems.append(f"{where}: aware {r.aware!r} not in {AWARE_GROUPS}")
        if r.eml not in EML_STATUSES:
            problems.append(f"{where}: eml {r.eml!r} not in {EML_STATUSES}")
        for component in r.components:
            if component not in generics:
                problems.append(f"{where}: component {component!r} is not a medicine of the formulary")
        if r.components:
            problems.extend(_combination_problems(r, records, where))
        for entry in record_names(r):
            owners[entry.key].add(r.generic_name)
    for key, drugs in owners.items():
        if len(drugs) > 1 and not drugs <= ambiguous.get(key, set()):
            problems.append(f"name {key!r} belongs to {sorted(drugs)} but is not recorded as ambiguous")
    return problems


def _main(argv: list[str]) -> int:
    records = read_records(argv[0] if argv else None)
    problems = validate(records)
    names = {e.key for r in records for e in record_names(r)}
    by_schedule = Counter(r.schedule for r in records)
    print(f"{len(records)} medicines, {len(names)} names, by schedule {dict(by_schedule)}")
    for line in problems:
        print("PROBLEM", line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
