"""Every write to the audit chain: appending an entry (inside the audited write's transaction) and checkpoints.

Apps call `audit_append` from their services, in the same transaction as the write it records, so the
entry exists exactly when the write does. Personal content goes in `personal` and is stored only as a
keyed hash; `facts` must hold codes, ids, counts and dates only.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import hashlib
import hmac
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import models, transaction
from django.utils import timezone

from audit import chain, selectors
from audit.models import AuditCheckpoint, AuditEntry, AuditHead

logger = logging.getLogger(__name__)


def hmac_key() -> bytes:
    """The key of the content digests: the setting, or one derived from SECRET_KEY when it is unset."""
    configured = getattr(settings, "MEDPRIVACY_AUDIT_HMAC_KEY", "")
    if configured:
        return configured.encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"medprivacy.audit.content", hashlib.sha256).digest()


def audit_digest(personal: Mapping[str, Any] | None) -> str:
    """Return the keyed hash the chain would store for `personal` (to check content against an entry)."""
    return chain.content_digest(hmac_key(), personal)


# The entries of an open `audit_batch()` block, written when it ends; None outside any batch.
_batch: contextvars.ContextVar[list[AuditEntry] | None] = contextvars.ContextVar("audit_batch", default=None)


def audit_append(*, kind: str, obj: models.Model | None = None, case_id: int | None = None,
                 actor: Any = None, facts: Mapping[str, Any] | None = None,
                 personal: Mapping[str, Any] | None = None, at: dt.datetime | None = None) -> AuditEntry:
    """Append one entry after the current head, under the head's row lock, in the caller's transaction.

    Inside `audit_batch()` the entry is only queued (returned unsaved, without its sequence) and written
    with the rest of the batch when the block ends.
    """
    entry = AuditEntry(
        at=at or timezone.now(), kind=kind,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        case_id=case_id, actor_id=getattr(actor, "pk", None),
        facts=dict(facts or {}), content_digest=audit_digest(personal),
    )
    batch = _batch.get()
    if batch is not None:
        batch.append(entry)
    else:
        _write([entry])
    return entry


@contextmanager
def audit_batch() -> Iterator[None]:
    """Queue the block's appends and write them together, as the block's last statements.

    For a high-volume writer whose transaction does more after its first audited write (public intake:
    cases, timeline rows, the receipt e-mail): the head's row lock, which serialises every audited
    transaction until it commits, is then held from the end of the block to the commit instead of for the
    whole transaction. Use it as the innermost block of the transaction (nothing but the commit after it).
    Sequences and links stay gap-free and in append order; an exception discards the queue with the rest
    of the transaction. Nested batches join the outer one.
    """
    if _batch.get() is not None:
        yield
        return
    batch: list[AuditEntry] = []
    token = _batch.set(batch)
    try:
        yield
    finally:
        _batch.reset(token)
    if batch:
        _write(batch)


def _write(entries: list[AuditEntry]) -> None:
    """Chain `entries` after the head under its row lock: one INSERT for all of them, one head update."""
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        sequence, previous = head.sequence, head.entry_hash
        for entry in entries:
            sequence += 1
            entry.sequence, entry.previous_hash = sequence, previous
            entry.entry_hash = previous = chain.entry_hash(previous, entry.chain_fields())
        if len(entries) == 1:
            entries[0].save()
        else:
            AuditEntry.objects.bulk_create(entries)
        head.sequence, head.entry_hash = sequence, previous
        head.save(update_fields=["sequence", "entry_hash"])


def audit_checkpoint_record() -> AuditCheckpoint:
    """Verify the whole chain, store its head, and e-mail it to the configured outside addresses."""
    result = selectors.audit_verify_chain()
    recipients = list(getattr(settings, "MEDPRIVACY_AUDIT_CHECKPOINT_EMAILS", []))
    checkpoint = AuditCheckpoint.objects.create(
        sequence=result.head_sequence, entry_hash=result.head_hash, verified=result.ok,
        problem=result.problem[:300], sent_to=", ".join(recipients)[:300],
    )
    if recipients:
        body = (f"Audit chain checkpoint {checkpoint.at.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC\n"
                f"Head entry: #{result.head_sequence}\nHead hash (SHA-256): {result.head_hash}\n"
                f"Verification: {result.describe()}\n\n"
                "Keep this message outside the portal: `manage.py audit_verify --checkpoint "
                f"{result.head_sequence}:{result.head_hash}` proves later that no entry up to this one changed.\n")
        transaction.on_commit(lambda: send_mail(
            subject=f"[{settings.COMPANY_NAME}] audit checkpoint #{result.head_sequence}", message=body,
            from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=recipients))
    if not result.ok:
        logger.error("audit chain broken at entry %s", result.broken_sequence)
    return checkpoint
