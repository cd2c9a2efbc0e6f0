"""MedPrivacy's own admin strings follow the officer's language (issue 18): rendered in the pseudo-locale, the
strings this app marked come back translated (bracketed), and their plain English is gone. A string that loses
its marking shows up here in plain English and fails."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from consents import services as consent_services
from tests.factories import supervisor
from tests.fulfilment.helpers import only_systems, verified_case
from tests.medprivacy.pseudo_locale import pseudo, pseudo_locale
from tests.requests_app.intake_support import NOW, use_private_storage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(settings, tmp_path, monkeypatch) -> Iterator[None]:
    use_private_storage(settings, tmp_path)
    consent_services.purposes_seed()
    with time_machine.travel(NOW, tick=False):
        pseudo_locale(monkeypatch)
        yield


def _assert_translated(html: str, *texts: str, where: str) -> None:
    for text in texts:
        assert pseudo(text) in html, f"{where}: {text!r} is not translated"
        assert f">{text}<" not in html, f"{where}: {text!r} left in plain English"


def test_the_officers_admin_pages_show_marked_strings_in_the_officers_language(client):
    only_systems("MedPrivacy portal (this system)")
    dsr = verified_case(right="access", subject__email="ann@example.com", subject__full_name="Ann Example")
    client.force_login(supervisor())

    page = client.get(reverse("admin:requests_app_case_change", args=[dsr.pk]))
    assert page.status_code == 200
    _assert_translated(page.content.decode(), "Extended limit", "Due now", "Days left",
                       "Conversation with the requester",
                       "No messages yet.", "History (who changed what)", "full history", where="case page")

    action = client.get(reverse("admin:requests_app_case_note", args=[dsr.pk]))
    assert action.status_code == 200
    assert pseudo("Internal note") in action.content.decode()  # the label (Django adds the colon)
    assert pseudo("Never sent to the requester.") in action.content.decode()

    listing = client.get(reverse("admin:requests_app_case_changelist"))
    assert listing.status_code == 200
    html = listing.content.decode()
    _assert_translated(html, "Export these cases (CSV)", "Overdue", "Verified", where="case list")
    assert pseudo("identity verified") in html  # the filter's title

    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    _assert_translated(index.content.decode(), "Cases you can see", where="admin index")

    metrics = client.get(reverse("reporting:metrics"))
    assert metrics.status_code == 200
    _assert_translated(metrics.content.decode(), "Show", "Download CSV", "Median days", where="metrics")


def test_an_action_success_message_is_shown_in_the_officers_language(client):
    dsr = verified_case(right="access", subject__email="ann@example.com", subject__full_name="Ann Example")
    client.force_login(supervisor())
    response = client.post(reverse("admin:requests_app_case_note", args=[dsr.pk]), {"text": "Called back."},
                           follow=True)
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [f"{dsr.reference}: {pseudo('note added')}"]
    assert LogEntry.objects.filter(object_id=str(dsr.pk)).count() == 1
