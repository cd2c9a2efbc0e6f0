"""The embedded e-mail backend: every message in its own file, where the retention schedule can find it.

Django's file backend appends all messages of a connection to one timestamped file, which nothing can
delete with the message it holds. This backend writes one file per message under `EMAIL_FILE_PATH`: a
message from the outbox (it carries the `X-MedPrivacy-Outbox` header, its id) goes to `outbox/<id>.eml`,
and the outbox stores that name in the message's `mail_copy` file field, so deleting the message — an
erasure's minimisation or a purge run — deletes its copy too. Anything else (staff reminders, error
mails, which carry no requester's data) goes to `other/<yyyy-mm-dd>/<uuid>.eml`.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage
from django.utils import timezone
from django.utils.deconstruct import deconstructible

OUTBOX_HEADER = "X-MedPrivacy-Outbox"


def mail_copy_name(message_id: int) -> str:
    """Return the name (relative to EMAIL_FILE_PATH) of an outbox message's copy."""
    return f"outbox/{int(message_id)}.eml"


@deconstructible
class MailCopyStorage(FileSystemStorage):
    """The storage of the mail copies: EMAIL_FILE_PATH, read when used (so a test's override applies)."""

    def __init__(self) -> None:
        super().__init__(base_url=None)

    @property
    def base_location(self) -> str:  # type: ignore[override]
        return str(settings.EMAIL_FILE_PATH)

    @property
    def location(self) -> str:  # type: ignore[override]
        return os.path.abspath(self.base_location)


class MessageFileBackend(BaseEmailBackend):
    """Write each e-mail to its own file; `written` maps outbox ids to the names written by this connection."""

    def __init__(self, *args, file_path: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.root = Path(file_path or settings.EMAIL_FILE_PATH).resolve()
        self.written: dict[int, str] = {}

    def _name_for(self, message: EmailMessage) -> str:
        outbox_id = (message.extra_headers or {}).get(OUTBOX_HEADER, "")
        if str(outbox_id).isdigit():
            return mail_copy_name(int(outbox_id))
        return f"other/{timezone.now().date().isoformat()}/{uuid.uuid4().hex}.eml"

    def send_messages(self, email_messages) -> int:
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            name = self._name_for(message)
            path = self.root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            # Written whole, then renamed: a reader (or a purge) never sees half a message.
            partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
            partial.write_bytes(message.message().as_bytes(linesep="\n"))
            os.replace(partial, path)
            outbox_id = (message.extra_headers or {}).get(OUTBOX_HEADER, "")
            if str(outbox_id).isdigit():
                self.written[int(outbox_id)] = name
            sent += 1
        return sent
