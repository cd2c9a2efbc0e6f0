"""The append-only audit chain: one row per audited write, its head (the append lock), daily checkpoints.

An entry holds references and non-personal facts in clear, and only a keyed hash of any personal
content, so an erasure elsewhere never has to touch it and the chain stays verifiable.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone

from audit.chain import EntryFields


class AuditEntry(models.Model):
    """One audited write. Written only by `audit.services.audit_append`, never changed."""

    sequence = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=60, db_index=True)
    object_type = models.CharField(max_length=60, blank=True, help_text="app_label.model of the audited row.")
    object_id = models.CharField(max_length=40, blank=True)
    case_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True,
                                             help_text="The case it is about, if any (a plain id, no link).")
    actor_id = models.PositiveBigIntegerField(null=True, blank=True)
    facts = models.JSONField(default=dict, blank=True, help_text="Non-personal facts (codes, counts, dates).")
    content_digest = models.CharField(max_length=64, blank=True,
                                      help_text="HMAC-SHA256 of the personal content; never the content.")
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["sequence"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.kind}"

    def chain_fields(self) -> EntryFields:
        """Return the fields the entry's hash covers (`facts` includes the case id when there is one)."""
        return chain_fields_of(self.sequence, self.at, self.kind, self.object_type, self.object_id, self.case_id,
                               self.actor_id, self.facts, self.content_digest)


CHAIN_COLUMNS = ("sequence", "at", "kind", "object_type", "object_id", "case_id", "actor_id", "facts",
                 "content_digest")


def chain_fields_of(sequence: int, at: dt.datetime, kind: str, object_type: str, object_id: str,
                    case_id: int | None, actor_id: int | None, facts: dict | None, content_digest: str) -> EntryFields:
    """Build the hashed fields from the `CHAIN_COLUMNS` of a row (also straight from `values_list`)."""
    facts = dict(facts or {})
    if case_id is not None:
        facts["case_id"] = case_id
    return EntryFields(sequence=sequence, at=at.astimezone(dt.UTC).isoformat(), kind=kind, object_type=object_type,
                       object_id=object_id, actor_id=actor_id, facts=facts, content_digest=content_digest)


class AuditHead(models.Model):
    """The single row appends lock (select_for_update) so sequence numbers and links are gap-free."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    sequence = models.PositiveBigIntegerField(default=0)
    entry_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"head #{self.sequence}"


class AuditCheckpoint(models.Model):
    """The head of the chain on one day, verified, and where it was sent outside the system."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    sequence = models.PositiveBigIntegerField()
    entry_hash = models.CharField(max_length=64)
    verified = models.BooleanField(help_text="Whether the whole chain verified when the checkpoint was taken.")
    problem = models.CharField(max_length=300, blank=True)
    sent_to = models.CharField(max_length=300, blank=True, help_text="Outside addresses it was e-mailed to.")

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"Checkpoint #{self.sequence} at {self.at:%Y-%m-%d %H:%M}"
