"""Reads of the audit chain: verification of the whole chain or of one case's segment."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from django.db.models import QuerySet

from audit import chain
from audit.models import CHAIN_COLUMNS, AuditCheckpoint, AuditEntry, chain_fields_of


def _stored(rows: QuerySet[AuditEntry]) -> Iterator[chain.StoredEntry]:
    for *columns, previous_hash, entry_hash in rows.values_list(*CHAIN_COLUMNS, "previous_hash", "entry_hash") \
            .iterator(chunk_size=5000):
        yield chain.StoredEntry(fields=chain_fields_of(*columns), previous_hash=previous_hash, entry_hash=entry_hash)


def checkpoints_expected() -> dict[int, str]:
    """Every head hash recorded by a checkpoint (sequence → hash)."""
    return dict(AuditCheckpoint.objects.filter(sequence__gt=0).values_list("sequence", "entry_hash"))


def audit_verify_chain(*, expect: Mapping[int, str] | None = None) -> chain.Verification:
    """Verify every entry in sequence order against its neighbours and the recorded checkpoints."""
    wanted = {**checkpoints_expected(), **(expect or {})}
    return chain.verify(_stored(AuditEntry.objects.order_by("sequence")), expect=wanted)


def audit_entries_for_case(*, case_id: int) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(case_id=case_id).order_by("sequence")


def audit_entries_between(*, first: int, last: int) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(sequence__gte=first, sequence__lte=last).order_by("sequence")


def audit_verify_recent() -> tuple[chain.Verification, AuditCheckpoint | None]:
    """Verify from the latest checkpoint that found the chain intact to the head (the whole chain if none).

    The daily checkpoint verified everything before it; this bounds the work of an evidence pack to about a
    day of entries. `audit_verify` (the command) always walks the whole chain.
    """
    checkpoint = AuditCheckpoint.objects.filter(verified=True, sequence__gt=0).order_by("-sequence").first()
    if checkpoint is None:
        return audit_verify_chain(), None
    rows = AuditEntry.objects.filter(sequence__gte=checkpoint.sequence).order_by("sequence")
    result = chain.verify(_stored(rows), start_sequence=checkpoint.sequence,
                          start_previous=_previous_of(checkpoint.sequence),
                          expect={checkpoint.sequence: checkpoint.entry_hash})
    return result, checkpoint


def _previous_of(sequence: int) -> str:
    if sequence <= 1:
        return chain.GENESIS
    row = AuditEntry.objects.filter(sequence=sequence).values_list("previous_hash", flat=True).first()
    return row or chain.GENESIS


def audit_links_hold(*, entries: list[AuditEntry]) -> dict[int, bool]:
    """For each entry: whether the entry before it in the chain has the hash this one links to."""
    wanted = {e.sequence - 1 for e in entries if e.sequence > 1}
    before = dict(AuditEntry.objects.filter(sequence__in=wanted).values_list("sequence", "entry_hash"))
    return {e.sequence: (e.previous_hash == chain.GENESIS if e.sequence == 1
                         else before.get(e.sequence - 1) == e.previous_hash) for e in entries}
