"""Deterministic synthetic medicines and typed inputs for the benchmarks.

Synthetic medicines are built the way real INNs are: a fantasy prefix of one to three syllables and a
real WHO INN stem ("-pril", "-sartan", "-cillin", ...), with the stem's class, an ATC group, one to
three brand names and salt forms as other names.  Every name key is unique, and none meets a name of
the real formulary, so the real names stay unambiguous at every size.  The same seed gives the same
medicines in the same order, so the 10,000 set is a prefix of the 100,000 set.

Typed inputs imitate what patients send: brand or generic, in any case, with a strength, a form or a
pack size glued on, with a typo, or something that is not a medicine at all.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from rxtriage.formulary.datafile import DrugRecord, record_names

__all__ = [
    "GENERATOR_VERSION",
    "NON_MEDICINES",
    "SYNTHETIC_SOURCE",
    "MixItem",
    "mix_stream",
    "rank_by_commonness",
    "synthetic_records",
    "typed_variant",
    "typo",
    "zipf_weights",
]

GENERATOR_VERSION = 1
SYNTHETIC_SOURCE = "rxtriage bench generator (synthetic, not a real medicine)"

# (stem, class, ATC group, schedule weights): real WHO INN stems.
_STEMS: tuple[tuple[str, str, str], ...] = (
    ("cillin", "penicillin", "J01CA"),
    ("cef", "cephalosporin", "J01DB"),
    ("floxacin", "fluoroquinolone", "J01MA"),
    ("mycin", "macrolide", "J01FA"),
    ("cycline", "tetracycline", "J01AA"),
    ("penem", "carbapenem", "J01DH"),
    ("conazole", "azole antifungal", "J02AC"),
    ("nidazole", "nitroimidazole", "P01AB"),
    ("vir", "antiviral", "J05AX"),
    ("pril", "ACE inhibitor", "C09AA"),
    ("sartan", "angiotensin II receptor blocker", "C09CA"),
    ("olol", "beta blocker", "C07AB"),
    ("dipine", "calcium channel blocker", "C08CA"),
    ("statin", "HMG-CoA reductase inhibitor", "C10AA"),
    ("semide", "loop diuretic", "C03CA"),
    ("thiazide", "thiazide diuretic", "C03AA"),
    ("parin", "heparin", "B01AB"),
    ("gliptin", "DPP-4 inhibitor", "A10BH"),
    ("gliflozin", "SGLT2 inhibitor", "A10BK"),
    ("glitazone", "thiazolidinedione", "A10BG"),
    ("prazole", "proton pump inhibitor", "A02BC"),
    ("tidine", "H2 receptor antagonist", "A02BA"),
    ("setron", "5-HT3 antagonist", "A04AA"),
    ("profen", "NSAID", "M01AE"),
    ("coxib", "COX-2 inhibitor", "M01AH"),
    ("caine", "local anaesthetic", "N01BB"),
    ("zepam", "benzodiazepine", "N05BA"),
    ("zolam", "benzodiazepine", "N05CD"),
    ("triptan", "triptan", "N02CC"),
    ("oxetine", "SSRI", "N06AB"),
    ("triptyline", "tricyclic antidepressant", "N06AA"),
    ("peridol", "butyrophenone antipsychotic", "N05AD"),
    ("apine", "atypical antipsychotic", "N05AH"),
    ("lukast", "leukotriene antagonist", "R03DC"),
    ("terol", "beta-2 agonist", "R03AC"),
    ("sone", "corticosteroid", "H02AB"),
    ("dronate", "bisphosphonate", "M05BA"),
    ("tinib", "kinase inhibitor", "L01EX"),
    ("mab", "monoclonal antibody", "L01FX"),
    ("platin", "platinum compound", "L01XA"),
    ("quine", "antimalarial", "P01BA"),
    ("artem", "artemisinin", "P01BE"),
    ("bendazole", "anthelmintic", "P02CA"),
    ("afil", "PDE5 inhibitor", "G04BE"),
    ("osin", "alpha blocker", "G04CA"),
    ("trel", "GnRH analogue", "L02AE"),
)
_ONSETS = (
    "b",
    "c",
    "d",
    "f",
    "g",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "t",
    "v",
    "z",
    "br",
    "cl",
    "dr",
    "fl",
    "gr",
    "pr",
    "tr",
    "st",
    "qu",
    "x",
    "h",
    "k",
)
_VOWELS = ("a", "e", "i", "o", "u", "a", "o", "e")
_CODAS = ("", "", "", "n", "r", "l", "s", "m", "x", "t")
_BRAND_ENDINGS = ("ex", "ol", "in", "ax", "ix", "a", "on", "el", "ia", "ene", "an", "or", "id", "ium", "yl")
_SALTS = (
    "hydrochloride",
    "sodium",
    "potassium",
    "mesylate",
    "maleate",
    "citrate",
    "sulfate",
    "acetate",
    "besilate",
    "tartrate",
    "fumarate",
    "succinate",
)
_SCHEDULES = (("pom", 0.80), ("pharmacy", 0.08), ("otc", 0.08), ("controlled", 0.04))
_CONTROLLED_BASES = ("un1971_IV", "un1961_I", "ng_national")

# Typed in place of a medicine (docs/architecture.md section 4; rxtriage/lookup/data/not_medicines.yaml).
NON_MEDICINES: tuple[str, ...] = (
    "banana",
    "malaria",
    "antibiotics",
    "typhoid drug",
    "blood tonic",
    "headache",
    "malaria injection",
    "painkiller",
    "water",
    "'; DROP TABLE formulary_drug;--",
    "<script>alert(1)</script>",
    "medicine for my cough",
)

_FORMS = ("tabs", "tablets", "caps", "capsule", "syrup", "susp", "inj", "cream", "tab", "drops")
_STRENGTHS = ("500mg", "250 mg", "1g", "5mg", "10 mg", "20mg", "40mg", "100mg", "2.5mg", "50 mg", "400mg")
_PACKS = ("x2", "x 3", "2 cards", "1 pack", "x10")


def _syllable(rng: random.Random) -> str:
    return rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)


def _prefix(rng: random.Random) -> str:
    count = rng.choices((1, 2, 3), weights=(3, 7, 1))[0]
    return "".join(_syllable(rng) for _ in range(count))


def _joined(prefix: str, stem: str) -> str:
    if prefix[-1] in "aeiou" and stem[0] in "aeiou":
        prefix = prefix[:-1]
    return prefix + stem


def _brand(rng: random.Random) -> str:
    word = _syllable(rng) + _syllable(rng).rstrip("aeiou") + rng.choice(_BRAND_ENDINGS)
    return word.capitalize() + rng.choice(("", "", "", " Forte", " Plus", " DS", " Retard"))


def _schedule(rng: random.Random) -> str:
    return rng.choices([name for name, _ in _SCHEDULES], weights=[weight for _, weight in _SCHEDULES])[0]


def synthetic_records(count: int, *, seed: int = 1, taken: set[str] | None = None) -> Iterator[DrugRecord]:
    """``count`` synthetic medicines whose name keys are unique and not in ``taken`` (updated in place)."""
    rng = random.Random(seed)
    taken = set() if taken is None else taken
    made = 0
    while made < count:
        stem, drug_class, atc = rng.choice(_STEMS)
        generic = _joined(_prefix(rng), stem)
        schedule = _schedule(rng)
        brands = tuple(_brand(rng) for _ in range(rng.choices((0, 1, 2, 3), weights=(1, 4, 3, 2))[0]))
        salts = tuple(f"{generic} {salt}" for salt in rng.sample(_SALTS, rng.choice((0, 0, 1, 2))))
        record = DrugRecord(
            generic_name=generic,
            display_name=generic.capitalize(),
            drug_class=drug_class,
            atc_code=atc,
            schedule=schedule,
            source=SYNTHETIC_SOURCE,
            controlled_basis=rng.choice(_CONTROLLED_BASES) if schedule == "controlled" else None,
            high_alert=rng.random() < 0.03,
            brand_names=brands,
            search_keywords=salts,
        )
        keys = [entry.key for entry in record_names(record)]
        if not keys or any(key in taken for key in keys):
            continue
        taken.update(keys)
        made += 1
        yield record


# --- typed inputs ---------------------------------------------------------------------------------------


def typo(word: str, rng: random.Random) -> str:
    """One plausible slip of the keyboard or of the ear: a dropped, doubled, swapped or wrong letter."""
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("drop", "double", "swap", "vowel"))
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    vowels = [j for j, ch in enumerate(word) if ch in "aeiou" and 0 < j < len(word) - 1]
    if not vowels:
        return word[:i] + word[i + 1 :]
    j = rng.choice(vowels)
    return word[:j] + rng.choice([v for v in "aeiou" if v != word[j]]) + word[j + 1 :]


def typed_variant(record: DrugRecord, rng: random.Random) -> tuple[str, str]:
    """One way a patient may type ``record``: (the text, its kind)."""
    brand = rng.choice(record.brand_names) if record.brand_names else None
    base = brand if brand and rng.random() < 0.45 else record.generic_name
    kind = "brand" if base is brand else "generic"
    roll = rng.random()
    if roll < 0.30:
        return base, kind
    if roll < 0.45:
        return rng.choice((base.upper(), base.title(), base.lower())), kind
    if roll < 0.62:
        return f"{base} {rng.choice(_STRENGTHS)}", "typed"
    if roll < 0.74:
        return f"{base} {rng.choice(_FORMS)}", "typed"
    if roll < 0.82:
        return f"{base} {rng.choice(_STRENGTHS)} {rng.choice(_FORMS)} {rng.choice(_PACKS)}", "typed"
    if roll < 0.88 and len(base) >= 6:
        return typo(base.lower(), rng), "typo"
    if record.search_keywords:
        return rng.choice(record.search_keywords), "synonym"
    return base, kind


# The medicines most often asked for at a Nigerian community pharmacy, commonest first (by the shape of
# the WHO/Nigerian EML and published dispensing surveys; a ranking for the benchmark's Zipf draws, not
# a clinical fact).
COMMON: tuple[str, ...] = (
    "paracetamol",
    "artemether/lumefantrine",
    "amoxicillin",
    "metronidazole",
    "ibuprofen",
    "amoxicillin/clavulanic acid",
    "ciprofloxacin",
    "diclofenac",
    "vitamin b complex",
    "ascorbic acid",
    "amlodipine",
    "metformin",
    "folic acid",
    "ampicillin/cloxacillin",
    "omeprazole",
    "ferrous sulfate",
    "chlorphenamine",
    "lisinopril",
    "sulfadoxine/pyrimethamine",
    "multivitamins",
    "loratadine",
    "cetirizine",
    "tramadol",
    "nifedipine",
    "losartan",
    "azithromycin",
    "salbutamol",
    "prednisolone",
    "hydrochlorothiazide",
    "glibenclamide",
    "sulfamethoxazole/trimethoprim",
    "artenimol/piperaquine",
    "albendazole",
    "oral rehydration salts",
    "fluconazole",
    "acetylsalicylic acid",
    "doxycycline",
    "cefuroxime",
    "ceftriaxone",
    "artesunate",
    "mebendazole",
    "loperamide",
    "hyoscine butylbromide",
    "esomeprazole",
    "magnesium trisilicate",
    "atorvastatin",
    "methyldopa",
    "furosemide",
    "diazepam",
    "codeine",
    "clotrimazole",
    "ketoconazole",
    "zinc sulfate",
    "calcium carbonate",
    "promethazine",
    "dextromethorphan",
    "piroxicam",
    "meloxicam",
    "naproxen",
    "gliclazide",
    "spironolactone",
    "clopidogrel",
    "simvastatin",
    "erythromycin",
    "miconazole",
    "levothyroxine",
    "amitriptyline",
    "carbamazepine",
    "phenytoin",
    "quinine",
    "chloroquine",
    "misoprostol",
    "insulin glargine",
)


def rank_by_commonness(records: Sequence[DrugRecord], *, seed: int = 3) -> list[DrugRecord]:
    """The common medicines first (in :data:`COMMON` order), then the rest of the real ones shuffled,
    then the synthetic ones: the rank order of the Zipf draws."""
    order = {name: i for i, name in enumerate(COMMON)}
    common = sorted((r for r in records if r.generic_name in order), key=lambda r: order[r.generic_name])
    synthetic = [r for r in records if r.source == SYNTHETIC_SOURCE]
    rest = [r for r in records if r.generic_name not in order and r.source != SYNTHETIC_SOURCE]
    random.Random(seed).shuffle(rest)
    return [*common, *rest, *synthetic]


def zipf_weights(count: int, exponent: float = 1.07) -> list[float]:
    """Cumulative Zipf weights over ranks 1..count (for ``random.choices(cum_weights=...)``)."""
    return list(itertools.accumulate(1.0 / (rank**exponent) for rank in range(1, count + 1)))


@dataclass(frozen=True)
class MixItem:
    text: str
    kind: str  # generic | brand | typed | typo | synonym | non_medicine
    repeat: bool  # the same text was seen before in the stream


def mix_stream(
    records: Sequence[DrugRecord],
    *,
    length: int,
    seed: int = 7,
    repeat_share: float = 0.95,
    non_medicine_share: float = 0.03,
) -> list[MixItem]:
    """The realistic mix: ``length`` typed names, ``repeat_share`` of them repeats of an earlier one.

    Medicines are drawn Zipf-distributed over ``records`` (rank = position: put the common ones first),
    each typed through :func:`typed_variant`; repeats are drawn Zipf-distributed over the texts seen so
    far, so popular texts repeat most; a few distinct inputs are non-medicines.
    """
    rng = random.Random(seed)
    cum = zipf_weights(len(records))
    distinct_target = max(1, round(length * (1.0 - repeat_share)))
    distinct: list[tuple[str, str]] = []
    weights: list[float] = []  # how often each distinct text comes back: its medicine's Zipf weight
    seen: set[str] = set()
    while len(distinct) < distinct_target:
        if rng.random() < non_medicine_share:
            text, kind, rank = rng.choice(NON_MEDICINES), "non_medicine", 100
        else:
            rank = bisect.bisect_left(cum, rng.random() * cum[-1])
            text, kind = typed_variant(records[rank], rng)
        if text not in seen:
            seen.add(text)
            distinct.append((text, kind))
            # a typo is one person's slip: it comes back less often than a correct spelling
            weights.append((0.3 if kind == "typo" else 1.0) / (rank + 1) ** 1.07)
    # Every distinct text once, plus the repeats drawn by weight, then shuffled: exactly
    # ``repeat_share`` of the stream repeats a text seen before.
    cum_distinct = list(itertools.accumulate(weights))
    picks = list(range(distinct_target))
    picks += [
        bisect.bisect_left(cum_distinct, rng.random() * cum_distinct[-1])
        for _ in range(length - distinct_target)
    ]
    rng.shuffle(picks)
    stream: list[MixItem] = []
    seen_index: set[int] = set()
    for index in picks:
        text, kind = distinct[index]
        stream.append(MixItem(text, kind, repeat=index in seen_index))
        seen_index.add(index)
    return stream
