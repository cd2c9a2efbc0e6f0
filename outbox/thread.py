"""The conversation with the requester on a case: messages kept exactly as sent, replies with their files.

Writes only; what may go in (no secret link, checked files) and what a reply does to the case (clock,
status, queue) are decided by the case services above (`requests_app.services.conversation`).
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.files.base import ContentFile

from medprivacy import clock
from outbox.models import Message, ThreadAttachment, ThreadMessage
from timeline.services import Actor

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ThreadFile:
    """A file already checked by the caller: its bytes, what it is, and the name the sender gave it."""

    content: bytes
    extension: str
    content_type: str
    name: str


def thread_record_outbound(*, dsr, message: Message, actor: Actor, template_key: str) -> ThreadMessage:
    """Put an e-mail to the requester into case `dsr`'s conversation, with exactly the text it carries."""
    return ThreadMessage.objects.create(case=dsr, direction=ThreadMessage.Direction.TO_REQUESTER,
                                        body=message.body_text, author=actor, template_key=template_key,
                                        email=message, created_at=message.created_at)


def thread_store_reply(*, dsr, text: str, files: Sequence[ThreadFile]) -> ThreadMessage:
    """Store a requester's reply to case `dsr` and its files (private storage, random names) as received."""
    now = clock.now()
    entry = ThreadMessage.objects.create(case=dsr, direction=ThreadMessage.Direction.FROM_REQUESTER, body=text,
                                         created_at=now)
    for item in files:
        attachment = ThreadAttachment(message=entry, original_name=item.name, content_type=item.content_type,
                                      size=len(item.content), sha256=hashlib.sha256(item.content).hexdigest(),
                                      created_at=now)
        # The sender's file name can hold personal data: it is kept in the row, not in the storage path.
        attachment.file.save(f"{uuid.uuid4().hex}.{item.extension}", ContentFile(item.content), save=False)
        attachment.save()
    logger.info("thread message %s stored (%s file(s))", entry.pk, len(files))
    return entry
