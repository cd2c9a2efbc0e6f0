"""The requester's side of the secure conversation: a reply written on the status page, and what it does.

A reply lands on the case's timeline and in the officers' "awaiting our reply" queue
(`Case.awaiting_reply_since`); where the case was waiting for the requester, it resumes it through the same
service as the officer's "Requester answered" (`workbench.case_requester_answered`: the clock restarts,
with the days paused added where the rules table let it pause). Officers hear of replies through reminder
rows (one per waiting reply, `Reminder.Kind.REQUESTER_REPLIED`), never one e-mail per message. The
officers' side is `workbench.case_message_requester`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from outbox.models import ThreadMessage
from outbox.thread import ThreadFile, thread_store_reply
from requests_app.models import Case
from requests_app.services.cases import case_audited_write
from requests_app.services.workbench import case_requester_answered
from requests_app.uploads import CONTENT_TYPES, UploadRejected, upload_kind
from requests_app.workflow import Status
from timeline.models import TimelineEvent

logger = logging.getLogger(__name__)

MAX_REPLY_CHARS = 10_000
MAX_REPLY_FILES = 3
MAX_REPLY_FILE_BYTES = 5 * 1024 * 1024


class ThreadRefused(ValueError):
    """A reply that may not be stored: the text says why, in words the requester can act on."""


def reply_check(*, text: str, files: Sequence[UploadedFile]) -> tuple[str, list[ThreadFile]]:
    """Return the reply's text and files once they pass the limits; raise ThreadRefused otherwise."""
    text = (text or "").strip()
    files = [f for f in files if f is not None]
    if not text and not files:
        raise ThreadRefused(_("Write a message or attach a file."))
    if len(text) > MAX_REPLY_CHARS:
        raise ThreadRefused(_("The message is %(length)s characters long; the limit is %(limit)s.")
                            % {"length": f"{len(text):,}", "limit": f"{MAX_REPLY_CHARS:,}"})
    if len(files) > MAX_REPLY_FILES:
        raise ThreadRefused(_("Attach at most %(count)d files to one message.") % {"count": MAX_REPLY_FILES})
    checked = []
    for upload in files:
        name = (upload.name or "file").replace("\\", "/").rsplit("/", 1)[-1][:150] or "file"
        try:
            kind = upload_kind(upload, max_bytes=MAX_REPLY_FILE_BYTES)
        except UploadRejected as exc:
            raise ThreadRefused(f"{name}: {exc}" + (" " + _("Send a PDF, PNG or JPEG.") if exc.reason == "type" else "")
                                ) from None
        upload.seek(0)
        checked.append(ThreadFile(content=upload.read(), extension=kind, content_type=CONTENT_TYPES[kind],
                                  name=name))
    return text, checked


def case_requester_reply(*, dsr: Case, text: str, files: Sequence[UploadedFile] = ()) -> ThreadMessage:
    """Store a reply the requester wrote on the status page and act on it; ThreadRefused says what is wrong.

    The caller has checked the status link and the re-confirmed e-mail address, and that `dsr` is that
    requester's case.
    """
    text, checked = reply_check(text=text, files=files)
    with transaction.atomic():
        with case_audited_write(dsr=dsr, actor=None, label="requester", kind=TimelineEvent.Kind.MESSAGE_RECEIVED,
                                reason="Requester replied on the status page") as write:
            locked = write.dsr
            if not locked.is_open:
                raise ThreadRefused(_("Request %(reference)s is closed, so it can take no more messages. "
                                      "If you need something else, make a new request.")
                                    % {"reference": locked.reference})
            entry = thread_store_reply(dsr=locked, text=text, files=checked)
            files_note = f" with {len(checked)} file{'s' if len(checked) != 1 else ''}" if checked else ""
            write.summary = f"The requester replied on the status page{files_note} (message #{entry.pk})"
            if locked.awaiting_reply_since is None:  # the first unanswered reply counts
                locked.awaiting_reply_since = entry.created_at
        if Status(dsr.status) == Status.AWAITING_REQUESTER:
            case_requester_answered(dsr=dsr, actor=None, why="requester replied on the status page",
                                    reason="Requester replied on the status page")
    logger.info("case %s: requester replied (%s file(s))", dsr.pk, len(checked))
    dsr.refresh_from_db()
    return entry
