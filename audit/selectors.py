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
