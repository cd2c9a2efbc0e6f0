"""Every public page, rendered in a pseudo-locale, has no English left outside names and citations: a string
shown to the public that is not marked for translation stays plain English here and fails the test.

The pages: home, the request form (both steps, their error states), the confirmation page, the verification
link, the status page (before and after re-confirming the address, with a conversation), withdraw, new link,
the consent pages (ask for a link, preference center, saved, unsubscribe), the download page of an access
package and the summary inside it, the DRP verification page, and the error pages 400, 403, 404, 410, 429.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from consents import links as consent_links
from consents import services as consent_services
from consents.models import NoticeVersion, Purpose
from fulfilment import packages
from fulfilment import services as fulfilment
from outbox.models import Message
from requests_app.models import Case
from requests_app.residence import COUNTRY_NAMES, US_REGION_NAMES
from subjects import links as subject_links
from subjects.models import DataSubject
from tests.factories import supervisor
from tests.fulfilment.helpers import only_systems, verified_case
from tests.medprivacy.pseudo_locale import pseudo_locale, untranslated_words
from tests.requests_app.intake_support import NOW, form_data, link_in, use_private_storage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(settings, tmp_path, monkeypatch) -> Iterator[None]:
    use_private_storage(settings, tmp_path)
    consent_services.purposes_seed()
    with time_machine.travel(NOW, tick=False):
        pseudo_locale(monkeypatch)
        yield


def _allowed() -> set[str]:
    """Names and data, not sentences: they are never translated through the catalogues."""
    return {
        "Med Dimensions", "privacy@meddimensions.example", "Ann Example", "ann@example.com",
        "English", "Español", "Deutsch",  # each language's own name in the switcher
        *COUNTRY_NAMES.values(), *US_REGION_NAMES.values(),  # iso-codes names, translated by pycountry
        # The consent purposes and their notices are database rows an officer edits (like message templates).
        *Purpose.objects.values_list("label", flat=True), *Purpose.objects.values_list("description", flat=True),
        *NoticeVersion.objects.values_list("text", flat=True),
        "MedPrivacy portal (this system)",  # a system's name in the data map
        *Case.objects.values_list("reference", flat=True),
        "EST", "EDT",  # the zone's abbreviation after a time (medprivacy/formats)
    }


def assert_all_marked(html: str, where: str) -> None:
    left = untranslated_words(html, allowed=_allowed())
    assert not left, f"{where}: not marked for translation: {' '.join(left)}"


def _status_path(email: str = "ann@example.com") -> str:
    return link_in(Message.objects.filter(to_email=email).latest("pk"), "status")


def test_the_request_pages_have_no_unmarked_english(client, django_capture_on_commit_callbacks):
    pages = {
        "home": client.get("/"),
        "residence": client.get("/requests/"),
        "residence with errors": client.get("/requests/?country=ZZ"),
        "request form": client.get("/requests/?country=US&subdivision=CA"),
        "request form, EU": client.get("/requests/?country=DE"),
        "request form with errors": client.post("/requests/", {"country": "US", "subdivision": "CA",
                                                               "rights": ["rectification"], "is_agent": "on"}),
        "new link": client.get("/requests/new-link/"),
        "new link with errors": client.post("/requests/new-link/", {"email": "nope"}),
        "new link sent": client.post("/requests/new-link/", {"email": "nobody@example.com"}),
        "bad verification link": client.get("/requests/verify/not-a-token/"),
        "confirmation without a token": client.get("/requests/submitted/"),
    }
    assert pages["residence with errors"].status_code == 400
    assert pages["request form with errors"].status_code == 400
    assert pages["bad verification link"].status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        submitted = client.post("/requests/", form_data(), follow=True)
    pages["confirmation"] = submitted
    message = Message.objects.get(to_email="ann@example.com")
    pages["verification → status"] = client.get(link_in(message, "verify"), follow=True)
    status = _status_path()
    pages["status"] = client.get(status)
    pages["status, wrong address"] = client.post(f"{status}confirm/", {"email": "other@example.com"})
    client.post(f"{status}confirm/", {"email": "ann@example.com"})
    dsr = Case.objects.order_by("pk").first()
    client.post(f"{status}reply/{dsr.reference}/", {"body": "12345"})
    pages["status with conversation"] = client.get(status)
    pages["status, empty reply"] = client.post(f"{status}reply/{dsr.reference}/", {"body": ""})
    pages["withdraw"] = client.get(f"{status}withdraw/{dsr.reference}/")
    for where, response in pages.items():
        assert response.status_code < 500, where
        assert_all_marked(response.content.decode(), where)
    assert "⟦" in pages["verification → status"].content.decode()  # the flash message too


def test_the_consent_pages_have_no_unmarked_english(client):
    subject = DataSubject.objects.create(email="ann@example.com", full_name="Ann Example")
    preferences = consent_links.preferences_url(subject).split("://", 1)[1].split("/", 1)[1]
    unsubscribe = consent_links.unsubscribe_url(subject).split("://", 1)[1].split("/", 1)[1]
    purpose = Purpose.objects.order_by("pk").first()
    pages = {
        "ask for a link": client.get("/privacy-choices/"),
        "ask with a bad address": client.post("/privacy-choices/", {"email": "nope"}),
        "link sent": client.post("/privacy-choices/", {"email": "ann@example.com"}),
        "bad link": client.get("/privacy-choices/p/bad-token/"),
        "preference center": client.get(f"/{preferences}"),
        "preferences saved": client.post(f"/{preferences}", {f"purpose_{purpose.code}": "deny"}),
        "preferences with errors": client.post(f"/{preferences}", {"birth_date": "tomorrow"}),
        "unsubscribe": client.get(f"/{unsubscribe}"),
        "unsubscribe incomplete": client.post(f"/{unsubscribe}", {}),
        "unsubscribed": client.post(f"/{unsubscribe}", {"List-Unsubscribe": "One-Click"}),
    }
    for where, response in pages.items():
        assert response.status_code < 500, where
        assert_all_marked(response.content.decode(), where)


def test_the_download_page_and_the_package_summary_have_no_unmarked_english(client):
    only_systems("MedPrivacy portal (this system)")
    dsr = verified_case(right="access", subject__email="ann@example.com", subject__full_name="Ann Example")
    fulfilment.fulfilment_create_tasks(dsr=dsr)
    fulfilment.fulfilment_retry_sweep()
    package = packages.access_package_build(dsr=dsr, actor=supervisor())
    path = reverse("fulfilment:package", args=[packages.package_token(package)])
    pages = {
        "download": client.get(path),
        "download, no address": client.post(path, {"email": ""}),
        "download, bad link": client.get(reverse("fulfilment:package", args=["bad"])),
    }
    for where, response in pages.items():
        assert response.status_code < 500, where
        assert_all_marked(response.content.decode(), where)
    with package.file.open("rb") as fh:
        summary = zipfile.ZipFile(io.BytesIO(fh.read())).read("summary.html").decode()
    # Table cells and list items hold the data map's and the person's data; the sentences and headings around
    # them are the summary's own words.
    own_words = re.sub(r"<(td|li)>.*?</\1>", "", summary, flags=re.S)
    assert "<h2>" in own_words and "⟦" in own_words
    assert_all_marked(own_words, "package summary.html")


def test_the_error_pages_have_no_unmarked_english(settings):
    client = Client()
    pages = {
        "404": client.get("/no-such-page/"),
        "drp verification of an unknown request": client.get("/drp/verify/00000000-0000-0000-0000-000000000000/"),
    }
    assert pages["404"].status_code == 404
    csrf_client = Client(enforce_csrf_checks=True)
    pages["403 csrf"] = csrf_client.post("/requests/new-link/", {"email": "a@example.com"})
    assert pages["403 csrf"].status_code == 403
    bad = client.get("/requests/", {"country": "US\x00"})
    assert bad.status_code == 400
    pages["400"] = bad
    settings.MEDPRIVACY_SUBMISSIONS_PER_EMAIL_PER_HOUR = 1
    client.post("/requests/new-link/", {"email": "x@example.com"})
    pages["429"] = client.post("/requests/new-link/", {"email": "x@example.com"})
    assert pages["429"].status_code == 429
    subject = DataSubject.objects.create(email="gone@example.com", full_name="Gone")
    token = subject_links.status_token(subject)
    DataSubject.objects.filter(pk=subject.pk).update(erased_at=NOW - dt.timedelta(days=1), email="", full_name="")
    pages["410"] = client.get(reverse("requests_app:status", args=[token]))
    assert pages["410"].status_code == 410
    for where, response in pages.items():
        body = response.content.decode()
        assert_all_marked(body, where)
