"""The embedded e-mail backend writes one file per message, named so the outbox and the purge can find it."""

from __future__ import annotations

import datetime as dt
import email

import time_machine
from django.core.mail import EmailMessage, get_connection

from medprivacy.mail import OUTBOX_HEADER, MailCopyStorage, MessageFileBackend, mail_copy_name


def test_it_writes_each_outbox_message_to_its_own_file_named_by_its_id(settings, tmp_path):
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    connection = get_connection("medprivacy.mail.MessageFileBackend")
    messages = [EmailMessage(subject=f"Message {n}", body=f"Body {n}", to=[f"person{n}@example.com"],
                             headers={OUTBOX_HEADER: str(n)}) for n in (7, 8)]

    assert connection.send_messages(messages) == 2

    assert connection.written == {7: "outbox/7.eml", 8: "outbox/8.eml"}
    copy = email.message_from_bytes((tmp_path / "mail" / "outbox" / "8.eml").read_bytes())
    assert copy["Subject"] == "Message 8"
    assert copy["To"] == "person8@example.com"
    assert copy.get_payload(decode=True).decode().strip() == "Body 8"
    assert sorted(p.name for p in (tmp_path / "mail").rglob("*") if p.is_file()) == ["7.eml", "8.eml"]


def test_messages_without_an_outbox_id_go_to_other_by_day(settings, tmp_path):
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    with time_machine.travel(dt.datetime(2026, 3, 5, 12, tzinfo=dt.UTC), tick=False):
        MessageFileBackend().send_messages([EmailMessage(subject="Reminder", body="x", to=["staff@example.com"])])
    files = [p for p in (tmp_path / "mail").rglob("*") if p.is_file()]
    assert [f.parent.relative_to(tmp_path / "mail").as_posix() for f in files] == ["other/2026-03-05"]


def test_the_copy_storage_follows_the_setting_and_deletes_a_copy(settings, tmp_path):
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    MessageFileBackend().send_messages([EmailMessage(subject="S", body="B", to=["a@example.com"],
                                                     headers={OUTBOX_HEADER: "3"})])
    storage = MailCopyStorage()
    assert storage.exists(mail_copy_name(3))
    storage.delete(mail_copy_name(3))
    assert not (tmp_path / "mail" / "outbox" / "3.eml").exists()
