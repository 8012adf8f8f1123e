"""Loading a benchmark formulary into the bench's own database.

The real shipped formulary goes through the normal write path (``drug_upsert_many``); synthetic
medicines on top of it go in with ``COPY`` on PostgreSQL (100,000 medicines in well under a minute),
with names-index rows made by the same ``record_names``/``name_key`` as the loader's.  A bench-owned
table remembers what was loaded, so a second run on the same size reuses the data.  ``ANALYZE`` runs
after every load.  Only ever called inside a database the bench created for itself.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from bench.generator import GENERATOR_VERSION, SYNTHETIC_SOURCE, synthetic_records
from rxtriage.formulary.datafile import DrugRecord, read_records, record_names
from rxtriage.formulary.models import Drug, DrugName
from rxtriage.formulary.services import drug_upsert_many, formulary_version_bump

__all__ = ["Dataset", "dataset_load"]

_MARKER_TABLE = "rxtriage_bench_dataset"
_DRUG_COLUMNS = (
    "generic_name", "display_name", "brand_names", "search_keywords", "abbreviations", "co_names",
    "components", "drug_class", "atc_code", "schedule", "controlled_basis", "high_alert", "aware", "eml",
    "pregnancy_avoid", "is_active", "prescription_count", "source", "review", "updated_at",
)  # fmt: skip
_JSON_FIELDS = {"brand_names", "search_keywords", "abbreviations", "co_names", "components"}


@dataclass
class Dataset:
    records: list[DrugRecord]  # real first, then synthetic
    medicines: int
    names: int
    load_seconds: float
    reused: bool


def dataset_records(size: int | None, *, seed: int) -> list[DrugRecord]:
    """The real formulary, topped up with synthetic medicines to ``size`` (None: the real one only)."""
    real = read_records()
    if size is None or size <= len(real):
        return real
    taken = {entry.key for record in real for entry in record_names(record)}
    return [*real, *synthetic_records(size - len(real), seed=seed, taken=taken)]


def _fingerprint(records: Sequence[DrugRecord], seed: int) -> str:
    digest = hashlib.sha256(f"{GENERATOR_VERSION}:{seed}:{len(records)}".encode())
    for record in records:
        digest.update(repr(record).encode())
    return digest.hexdigest()[:32]


def _marker_get() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {_MARKER_TABLE} (fingerprint varchar(64) NOT NULL)")
        cursor.execute(f"SELECT fingerprint FROM {_MARKER_TABLE}")
        row = cursor.fetchone()
    return row[0] if row else None


def _marker_set(fingerprint: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_MARKER_TABLE}")
        cursor.execute(f"INSERT INTO {_MARKER_TABLE} (fingerprint) VALUES (%s)", [fingerprint])


def _copy_synthetic(records: Sequence[DrugRecord], progress: Callable[[str], None]) -> None:
    """COPY the synthetic medicines and their names-index rows (PostgreSQL)."""
    now = timezone.now()
    raw = connection.connection
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY formulary_drug ({', '.join(_DRUG_COLUMNS)}) FROM STDIN") as copy:
            for record in records:
                fields = {
                    **record.as_model_fields(),
                    "is_active": True,
                    "prescription_count": 0,
                    "updated_at": now,
                }
                copy.write_row(
                    [json.dumps(fields[c]) if c in _JSON_FIELDS else fields[c] for c in _DRUG_COLUMNS]
                )
        progress(f"copied {len(records)} synthetic medicines; writing the names index")
        cursor.execute("SELECT generic_name, id FROM formulary_drug")
        ids = dict(cursor.fetchall())
        # The names' GIN indexes (trigram, one-slip) are built once after the COPY, from their own
        # definitions: kept during it, each row would update them one by one (minutes at 100,000).
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'formulary_drugname' "
            "AND indexdef LIKE '% USING gin %'"
        )
        gin_indexes = cursor.fetchall()
        for name, _ in gin_indexes:
            cursor.execute(f"DROP INDEX {name}")
        with cursor.copy("COPY formulary_drugname (name, text, kind, drug_id) FROM STDIN") as copy:
            for record in records:
                drug_id = ids[record.generic_name]
                for entry in record_names(record):
                    copy.write_row((entry.key[:200], entry.text[:200], entry.kind, drug_id))
        progress(f"building the names' GIN indexes ({', '.join(name for name, _ in gin_indexes)})")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # check the COPY's deferred foreign keys now
        for _, definition in gin_indexes:
            cursor.execute(definition)


def dataset_load(*, size: int | None, seed: int, progress: Callable[[str], None]) -> Dataset:
    """Make the bench database hold exactly the real formulary plus ``size`` - real synthetic medicines."""
    import time

    started = time.perf_counter()
    records = dataset_records(size, seed=seed)
    fingerprint = _fingerprint(records, seed)
    reused = _marker_get() == fingerprint and Drug.objects.count() == len(records)
    if not reused:
        real = [r for r in records if r.source != SYNTHETIC_SOURCE]
        synthetic = records[len(real) :]
        progress(f"loading {len(records)} medicines ({len(synthetic)} synthetic)")
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("TRUNCATE formulary_drug, formulary_drugname RESTART IDENTITY CASCADE")
            else:
                Drug.objects.all().delete()
            drug_upsert_many(records=real if connection.vendor == "postgresql" else records)
            if synthetic and connection.vendor == "postgresql":
                _copy_synthetic(synthetic, progress)
                formulary_version_bump()
            _marker_set(fingerprint)
        if connection.vendor == "postgresql":
            progress("VACUUM ANALYZE")
            with connection.cursor() as cursor:  # also merges the GIN indexes' pending lists
                cursor.execute("VACUUM (ANALYZE) formulary_drug, formulary_drugname")
    return Dataset(
        records=records,
        medicines=Drug.objects.filter(is_active=True).count(),
        names=DrugName.objects.count(),
        load_seconds=time.perf_counter() - started,
        reused=reused,
    )
