"""E-mail backends that misbehave on purpose, for the scheduler's failure tests (not collected by pytest)."""

from __future__ import annotations

import os
import smtplib
import time

from django.core import mail
from django.core.mail.backends.filebased import EmailBackend as FileBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class RefusingBackend(LocmemBackend):
    """Refuse every message to an address in `refused`; deliver the others to mail.outbox."""

    refused: set[str] = set()

    def send_messages(self, messages):
        for message in messages:
            if set(message.to) & self.refused:
                raise smtplib.SMTPRecipientsRefused({a: (550, b"refused") for a in message.to})
        return super().send_messages(messages)


class WorkerDied(BaseException):
    """Stands for the process dying (SIGKILL, OOM): not an Exception, so no handler catches it."""


class DyingBackend(LocmemBackend):
    """Die before sending the n-th message (counting from 1), as a worker killed mid-batch would."""

    die_at: int | None = None
    calls = 0

    def send_messages(self, messages):
        type(self).calls += 1
        if self.die_at is not None and type(self).calls == self.die_at:
            raise WorkerDied
        return super().send_messages(messages)


class SlowFileBackend(FileBackend):
    """Write to EMAIL_FILE_PATH like the file backend, after MEDPRIVACY_TEST_MAIL_DELAY seconds per message."""

    def send_messages(self, messages):
        time.sleep(float(os.environ.get("MEDPRIVACY_TEST_MAIL_DELAY", "1")))
        return super().send_messages(messages)


def outbox_reminder_ids() -> list[int]:
    """Return the reminder id of every reminder e-mail in mail.outbox, in sending order."""
    return [int(m.extra_headers["X-MedPrivacy-Reminder"]) for m in mail.outbox
            if "X-MedPrivacy-Reminder" in m.extra_headers]
