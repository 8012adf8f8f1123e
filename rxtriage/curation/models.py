"""Names from traffic that the formulary did not resolve, or resolved only to be confirmed.

One row per normalised key (``rxtriage.lookup.keys.name_key`` of the cleaned name): how often it was
seen, when first and last, and the medicines offered for it.  Never who typed it, never the request.
Pharmacists approve a key as a name of a medicine (through the formulary write path) or reject it as not
a medicine; a decided key stops showing in the list.  Write through ``rxtriage.curation.services``.
"""

from __future__ import annotations

from django.db import models

from rxtriage.formulary.models import Drug


class CurationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class CurationKind(models.TextChoices):
    """The kind of name an approved key becomes in the names index."""

    BRAND = "brand", "Brand"
    SYNONYM = "synonym", "Synonym"
    ABBREVIATION = "abbreviation", "Abbreviation"


class UnresolvedName(models.Model):
    key = models.CharField(max_length=200, unique=True, help_text="The normalised name (no patient data).")
    count = models.PositiveBigIntegerField(default=0)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    candidates = models.JSONField(default=list, blank=True, help_text="Generic names offered, best first.")
    last_match = models.CharField(
        max_length=20, blank=True, help_text="none, or the kind of match to confirm."
    )
    status = models.CharField(max_length=10, choices=CurationStatus.choices, default=CurationStatus.PENDING)
    drug = models.ForeignKey(
        Drug,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="curated_names",
        help_text="The medicine an approved key names.",
    )
    kind = models.CharField(max_length=12, choices=CurationKind.choices, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=150, blank=True, help_text="The pharmacist who decided.")

    class Meta:
        ordering = ["-count", "key"]
        indexes = [models.Index(fields=["status", "-count"], name="curation_status_count_idx")]

    def __str__(self) -> str:
        return f"{self.key} ({self.count}, {self.status})"
