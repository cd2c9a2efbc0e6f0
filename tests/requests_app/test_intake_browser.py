"""In a real browser: a Californian asks to know and to delete, confirms the address through the link in
the stored message, and sees both cases verified with the dates the deadline engine gives."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import expect

from outbox.models import Message
from regimes.deadlines import compute_deadlines
from requests_app.models import Case
from requests_app.workflow import Status
from tests.requests_app.intake_support import NOW, frozen_clock, link_in, use_private_storage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def frozen() -> Iterator[time_machine.Traveller]:
    yield from frozen_clock()


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path) -> Path:
    return use_private_storage(settings, tmp_path)


def test_a_californian_asks_to_know_and_delete_and_verifies_by_email(django_db_setup, live_server, page, settings,
                                                                     frozen):
    # django_db_setup comes first so the test database exists before Playwright starts its event loop.
    settings.SITE_URL = live_server.url  # links in e-mails point at this server
    # The server's clock is frozen but the browser's is not: cookies without an expiry date cannot look
    # expired to the browser, whatever today's real date is.
    settings.CSRF_COOKIE_AGE = None
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Make a privacy request").click()

    # Step 1, no JavaScript needed: where do you live.
    page.get_by_label("Country where you live").select_option("US")
    page.get_by_label("US state or region").select_option("CA")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("main")).to_contain_text("California, United States")

    # Step 2: an invalid attempt first (no declaration): the error summary links to the field.
    page.get_by_label("Know what personal information we hold (access)").check()
    page.get_by_label("Delete my information (erasure)").check()
    page.get_by_label("Full name", exact=True).fill("Ann Example")
    page.get_by_label("E-mail address", exact=True).fill("ann@example.com")
    page.get_by_label("Website visitor").check()
    page.get_by_role("button", name="Send my request").click()
    summary = page.locator(".error-summary")
    assert "Tick the declaration to send your request." in summary.inner_text()
    assert page.get_by_label("Full name", exact=True).input_value() == "Ann Example"  # kept filled in
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "id_declaration"

    page.get_by_label("I confirm that the information in this request is true", exact=False).check()
    page.get_by_role("button", name="Send my request").click()
    expect(page.get_by_role("heading", name="Thank you: we have your request")).to_be_visible()
    cases = list(Case.objects.order_by("pk"))
    assert [dsr.right for dsr in cases] == ["access", "erasure"]
    received_on = NOW.date()
    expected = {dsr.reference: compute_deadlines(regime="ccpa", right=dsr.right, received_on=received_on).respond_by
                for dsr in cases}
    confirmation = page.inner_text("main")
    for reference, respond_by in expected.items():
        assert reference in confirmation
        assert f"{respond_by.day} {respond_by:%B %Y}" in confirmation

    # The one e-mail, as stored: open its verification link.
    message = Message.objects.get()
    assert message.to_email == "ann@example.com"
    page.goto(f"{live_server.url}{link_in(message, 'verify')}")
    assert "your e-mail address is confirmed" in page.inner_text("main")

    for dsr in cases:
        section = page.locator(f"section#{dsr.reference}")
        assert section.locator("dd.status").inner_text() == "Verified"
        due = section.locator("dd.due time")
        assert due.get_attribute("datetime") == expected[dsr.reference].isoformat()
    assert expected == {dsr.reference: dt.date(2026, 4, 19) for dsr in cases}
    assert set(Case.objects.values_list("status", flat=True)) == {Status.VERIFIED}
    # The status page shows none of the e-mails the portal sent on its own (they carry live links); the
    # conversation only once the e-mail address is confirmed again.
    assert "We received your privacy request" not in page.content()
    page.get_by_label("Your e-mail address").fill("ann@example.com")
    page.get_by_role("button", name="Show messages").click()
    for dsr in cases:
        assert "No messages yet." in page.locator(f"#conversation-{dsr.reference}").inner_text()
    assert "We received your privacy request" not in page.content()
