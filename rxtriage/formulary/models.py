"""The formulary: medicines, the names index and the formulary version.

Write through ``rxtriage.formulary.services`` only: it keeps the names index and the version in step
with ``Drug`` inside one transaction.
"""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords


class Schedule(models.TextChoices):
    OTC = "otc", "Over the counter"
    PHARMACY = "pharmacy", "Pharmacy only"
    POM = "pom", "Prescription only"
    CONTROLLED = "controlled", "Controlled"


class ControlledBasis(models.TextChoices):
    """The legal system and schedule that makes a medicine controlled (never a bare number)."""

    NONE = "", "Not controlled"
    UN1961_I = "un1961_I", "UN Single Convention 1961, Schedule I"
    UN1961_II = "un1961_II", "UN Single Convention 1961, Schedule II"
    UN1961_III = "un1961_III", "UN Single Convention 1961, Schedule III"
    UN1961_IV = "un1961_IV", "UN Single Convention 1961, Schedule IV"
    UN1971_II = "un1971_II", "UN Psychotropic Convention 1971, Schedule II"
    UN1971_III = "un1971_III", "UN Psychotropic Convention 1971, Schedule III"
    UN1971_IV = "un1971_IV", "UN Psychotropic Convention 1971, Schedule IV"
    NG_NATIONAL = "ng_national", "Nigerian national control"
    PRECURSOR_1988 = "precursor_1988", "UN 1988 Convention precursor"


class Aware(models.TextChoices):
    NONE = "", "Not an antibiotic"
    ACCESS = "access", "Access"
    WATCH = "watch", "Watch"
    RESERVE = "reserve", "Reserve"
    NOT_RECOMMENDED = "not_recommended", "Not recommended"


class EmlStatus(models.TextChoices):
    CORE = "core", "Core"
    COMPLEMENTARY = "complementary", "Complementary"
    NONE = "none", "Not listed"


class NameKind(models.TextChoices):
    GENERIC = "generic", "Generic"
    BRAND = "brand", "Brand"
    SYNONYM = "synonym", "Synonym"
    CO_NAME = "co_name", "Co- name"
    ABBREVIATION = "abbreviation", "Abbreviation"


class Drug(models.Model):
    generic_name = models.CharField(max_length=200, unique=True, help_text="Lowercase INN; canonical.")
    display_name = models.CharField(max_length=200)
    brand_names = models.JSONField(default=list, blank=True)
    search_keywords = models.JSONField(default=list, blank=True, help_text="Other names and spellings.")
    abbreviations = models.JSONField(default=list, blank=True)
    co_names = models.JSONField(default=list, blank=True)
    components = models.JSONField(default=list, blank=True, help_text="Generic names of an FDC's parts.")
    drug_class = models.CharField(max_length=200, blank=True)
    atc_code = models.CharField(max_length=7, blank=True)
    schedule = models.CharField(max_length=12, choices=Schedule.choices)
    controlled_basis = models.CharField(max_length=20, blank=True, choices=ControlledBasis.choices)
    high_alert = models.BooleanField(default=False)
    aware = models.CharField(
        max_length=20, blank=True, choices=Aware.choices, help_text="WHO AWaRe group of an antibiotic."
    )
    eml = models.CharField(
        max_length=15, default="none", choices=EmlStatus.choices, help_text="WHO EML 2023 listing."
    )
    pregnancy_avoid = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    prescription_count = models.PositiveIntegerField(default=0)
    source = models.TextField(blank=True)
    review = models.TextField(blank=True, help_text="Facts not confirmed from a primary source.")
    updated_at = models.DateTimeField(auto_now=True)
    # The audit trail: who changed a medicine (its schedule, flags, names) and when.  Bulk loads write
    # their history rows in bulk too (rxtriage.formulary.services); usage counts are not history.
    history = HistoricalRecords(excluded_fields=["prescription_count"])

    class Meta:
        ordering = ["generic_name"]
        indexes = [
            models.Index(fields=["is_active", "generic_name"], name="drug_active_generic_idx"),
            models.Index(fields=["schedule", "is_active"], name="drug_schedule_active_idx"),
            models.Index(fields=["-prescription_count"], name="drug_prescription_count_idx"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.generic_name


class DrugName(models.Model):
    """The names index: one row per normalised name of a medicine."""

    name = models.CharField(max_length=200, help_text="rxtriage.lookup.keys.name_key of the name.")
    text = models.CharField(max_length=200, help_text="The name as the formulary writes it.")
    kind = models.CharField(max_length=12, choices=NameKind.choices)
    drug = models.ForeignKey(Drug, on_delete=models.CASCADE, related_name="names")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "drug"], name="drugname_name_drug_uniq")]

    def __str__(self) -> str:
        return f"{self.name} -> {self.drug_id} ({self.kind})"


class FormularyVersion(models.Model):
    """A single row whose counter is bumped by every formulary write (cache keys carry it)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.PositiveBigIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"formulary v{self.version}"
