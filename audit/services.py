"""Every write to the audit chain: appending an entry (inside the audited write's transaction) and checkpoints.

Apps call `audit_append` from their services, in the same transaction as the write it records, so the
entry exists exactly when the write does. Personal content goes in `personal` and is stored only as a
keyed hash; `facts` must hold codes, ids, counts and dates only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
from collections.abc import Mapping
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


def audit_append(*, kind: str, obj: models.Model | None = None, case_id: int | None = None,
                 actor: Any = None, facts: Mapping[str, Any] | None = None,
                 personal: Mapping[str, Any] | None = None, at: dt.datetime | None = None) -> AuditEntry:
    """Append one entry after the current head, under the head's row lock, in the caller's transaction."""
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        entry = AuditEntry(
            sequence=head.sequence + 1, at=at or timezone.now(), kind=kind,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            case_id=case_id, actor_id=getattr(actor, "pk", None),
            facts=dict(facts or {}), content_digest=audit_digest(personal), previous_hash=head.entry_hash,
        )
        entry.entry_hash = chain.entry_hash(head.entry_hash, entry.chain_fields())
        entry.save()
        head.sequence, head.entry_hash = entry.sequence, entry.entry_hash
        head.save(update_fields=["sequence", "entry_hash"])
    return entry


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
