"""The status page: it shows nothing usable to act for the requester, and the conversation only after the
holder of the link re-confirms the e-mail address. Time is frozen at NOW."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from django.test import Client

from medprivacy import roles
from outbox.models import Message, ThreadMessage
from requests_app.models import Case
from requests_app.services import workbench
from requests_app.workflow import Status
from tests.factories import officer, supervisor
from tests.requests_app.intake_support import PDF, form_data, frozen_clock, link_in, pdf_upload, use_private_storage

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

ANN = "ann@example.com"


@pytest.fixture
def frozen() -> Iterator[time_machine.Traveller]:
    yield from frozen_clock()


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path) -> Path:
    return use_private_storage(settings, tmp_path)


def page_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def officer_writes(dsr: Case, text: str) -> None:
    roles.ensure_roles()
    olivia = officer("olivia")
    workbench.case_assign(dsr=dsr, assignee=olivia, actor=supervisor("boss"))
    workbench.case_message_requester(dsr=dsr, actor=olivia, text=text)


def test_a_status_page_shows_nothing_usable_to_confirm_another_request(client):
    # Ann files a request and confirms it: her status link is now in the hands of someone else.
    client.post("/requests/", form_data(rights=["access"]))
    Client().get(link_in(Message.objects.get(), "verify"))
    status_path = link_in(Message.objects.get(), "status")
    first = Case.objects.get()
    officer_writes(first, "We are looking into it.")
    # Later a request is filed in Ann's name, and a fresh set of links is asked for: both e-mails carry
    # live verification links for it.
    Client(REMOTE_ADDR="198.51.100.7").post("/requests/", form_data(rights=["erasure"]))
    Client(REMOTE_ADDR="198.51.100.8").post("/requests/new-link/", {"email": ANN})
    later = Case.objects.get(right="erasure")
    live_links = [m.group(0) for message in Message.objects.all()
                  for m in re.finditer(r"/requests/verify/[^\s/]+/", message.body_text)]
    assert len(live_links) >= 3  # the first (used) and two live ones

    holder = Client()  # knows the link and, having filed in Ann's name, her address too
    pages = [page_of(holder.get(status_path))]
    assert holder.post(f"{status_path}confirm/", {"email": ANN}).status_code == 302
    pages.append(page_of(holder.get(status_path)))
    assert "We are looking into it." in pages[-1]  # the conversation is shown...
    assert later.reference in pages[-1]  # ...and the later request's status, but none of its links

    candidates = set()
    for page in pages:
        for link in live_links:
            assert link not in page and link.split("/")[3] not in page
        candidates.update(re.findall(r"[A-Za-z0-9_\-:]{20,}", page))
        candidates.update(re.findall(r'href="([^"]+)"', page))
    for candidate in sorted(candidates):
        token = candidate.rstrip("/").rsplit("/", 1)[-1]
        assert Client().get(f"/requests/verify/{token}/").status_code == 404, candidate
    later.refresh_from_db()
    assert later.status == Status.AWAITING_VERIFICATION


def test_the_conversation_needs_the_email_address_again(client):
    client.post("/requests/", form_data(rights=["access"]))
    status_path = link_in(Message.objects.get(), "status")
    officer_writes(Case.objects.get(), "Please tell us which account.")
    page = page_of(client.get(status_path))
    assert "Please tell us which account." not in page and "confirm the e-mail address" in page
    wrong = client.post(f"{status_path}confirm/", {"email": "mallory@example.com"})
    assert wrong.status_code == 403
    assert "This is not the e-mail address the request was made with." in wrong.content.decode()
    assert "Please tell us which account." not in wrong.content.decode()
    assert client.post(f"{status_path}confirm/", {"email": " "}).status_code == 400
    for _ in range(4):
        client.post(f"{status_path}confirm/", {"email": "mallory@example.com"})
    locked = client.post(f"{status_path}confirm/", {"email": ANN})
    assert locked.status_code == 429 and "Try again in 15 minutes" in locked.content.decode()


def test_a_confirmed_requester_replies_with_a_file(client, frozen):
    client.post("/requests/", form_data(rights=["access"]))
    status_path = link_in(Message.objects.get(), "status")
    dsr = Case.objects.get()
    reply_path = f"{status_path}reply/{dsr.reference}/"
    refused = client.post(reply_path, {"body": "Hello"})
    assert refused.status_code == 403 and "Confirm your e-mail address first" in refused.content.decode()
    assert client.post(f"{status_path}confirm/", {"email": "ANN@example.com "}).status_code == 302
    bad = client.post(reply_path, {"body": "See file", "files": [pdf_upload(b"GIF89a fake", "id.pdf")]})
    assert bad.status_code == 400 and "is not a PDF, PNG or JPEG" in bad.content.decode()
    assert client.get(reply_path).status_code == 405
    assert client.post(f"{status_path}reply/DSR-2026-999999/", {"body": "x"}).status_code == 404
    sent = client.post(reply_path, {"body": "My account number is in the file.", "files": [pdf_upload(PDF)]})
    assert sent.status_code == 302
    reply = ThreadMessage.objects.get()
    assert (reply.case, reply.body, reply.attachments.get().size) == (dsr, "My account number is in the file.",
                                                                       len(PDF))
    page = page_of(client.get(status_path))
    assert "My account number is in the file." in page and "signed authorization Ann Example.pdf" in page
    frozen.shift(31 * 60)  # the confirmation lasts half an hour
    assert "My account number is in the file." not in page_of(client.get(status_path))
