"""Shared pieces of the intake tests: the frozen clock, private storage in a temporary folder, form data."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from outbox.models import Message
from requests_app.models import Case, Submission, VerificationToken
from subjects.models import DataSubject
from timeline.models import TimelineEvent

# 15:00 UTC is 07:00 in California: the receipt date is 5 March 2026 in every regime's zone.
NOW = dt.datetime(2026, 3, 5, 15, 0, tzinfo=dt.UTC)
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def frozen_clock() -> Iterator[time_machine.Traveller]:
    """Freeze time at NOW (use from a fixture: `yield from frozen_clock()`)."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def use_private_storage(settings, tmp_path: Path) -> Path:
    """Point the default (private) storage at a temporary folder and return it."""
    root = tmp_path / "private"
    root.mkdir()
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(root), "base_url": None},
    }}
    return root


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def form_data(**overrides) -> dict:
    """A valid form post: a Californian asking to know and delete."""
    data = {
        "country": "US", "subdivision": "CA", "rights": ["access", "erasure"], "full_name": "Ann Example",
        "email": "ann@example.com", "relationship": "website_visitor", "declaration": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def service_kwargs(**overrides) -> dict:
    """Valid keyword arguments of submission_create (same request as form_data)."""
    kwargs = {
        "rights": ["access", "erasure"], "full_name": "Ann Example", "email": "ann@example.com",
        "relationship": "website_visitor", "country": "US", "subdivision": "CA", "declaration_accepted": True,
    }
    kwargs.update(overrides)
    return kwargs


def pdf_upload(content: bytes = PDF, name: str = "signed authorization Ann Example.pdf",
               content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def link_in(message: Message, kind: str) -> str:
    """Return the path of the first `kind` link ("verify" or "status") in a stored message body."""
    match = re.search(rf"https?://[^/\s]+(/requests/{kind}/[^\s]+/)", message.body_text)
    assert match, f"no {kind} link in message {message.template_key}"
    return match.group(1)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count()
            for model in (DataSubject, Submission, Case, TimelineEvent, VerificationToken, Message)}


NOTHING = dict.fromkeys(("DataSubject", "Submission", "Case", "TimelineEvent", "VerificationToken", "Message"), 0)
