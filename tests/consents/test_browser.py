"""In a real browser: a person opens their preference link with GPC on, sees the signal honored, withdraws
marketing consent, and the ledger records it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from consents import links, selectors, services
from consents.models import ConsentEvent, Kind, Source
from tests.factories import DataSubjectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_person_changes_a_choice_in_the_preference_center(django_db_setup, live_server, page, settings):
    # django_db_setup first so the test database exists before Playwright starts its event loop.
    settings.SITE_URL = live_server.url
    subject = DataSubjectFactory(country="DE", subdivision="")
    services.consent_record(subject=subject, purpose="marketing_email", kind=Kind.GIVEN,
                            source=Source.PREFERENCE_CENTER)
    page.set_extra_http_headers({"Sec-GPC": "1"})
    page.goto(links.preferences_url(subject))
    expect(page.get_by_role("heading", name="Your privacy choices")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Opt-out preference signal honored")).to_be_visible()
    fieldset = page.locator("fieldset").filter(has_text="Marketing e-mails")
    fieldset.get_by_label("No, do not").check()
    page.get_by_role("button", name="Save my choices").click()
    expect(page.get_by_role("heading", name="Your choices are saved")).to_be_visible()
    expect(page.get_by_text("Marketing e-mails: consent withdrawn")).to_be_visible()
    assert selectors.is_permitted(subject, "marketing_email") is False
    sources = sorted(ConsentEvent.objects.filter(subject=subject).values_list("purpose__code", "kind", "source"))
    assert sources == [("marketing_email", "given", "preference_center"),
                       ("marketing_email", "withdrawn", "preference_center"),
                       ("sale_sharing", "opted_out", "gpc"), ("targeted_advertising", "opted_out", "gpc")]
