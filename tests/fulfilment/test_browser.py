"""In a real browser: the requester opens the link, re-confirms their e-mail and downloads their package."""

from __future__ import annotations

import json
import zipfile

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from fulfilment import packages
from fulfilment import services as fulfilment
from fulfilment.models import PackageDownload, System
from tests.factories import supervisor
from tests.fulfilment import helpers as fulfilment_helpers
from tests.fulfilment.helpers import task_of, verified_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
private_storage = fulfilment_helpers.private_storage  # fixture

ZENDESK = "Support desk (browser test)"


def test_the_requester_downloads_their_package_after_reconfirming_their_email(django_db_setup, page, live_server,
                                                                                private_storage, tmp_path):
    # django_db_setup first: the test database must exist before Playwright starts its event loop.
    # Transactional tests flush the seeded data map: declare the two systems this test needs.
    fulfilment_helpers.only_systems()
    System.objects.create(name="Portal (browser test)", categories=["privacy_request_records"],
                          access_method="django_model",
                          model_labels=["subjects.DataSubject", "requests_app.Submission"])
    System.objects.create(name=ZENDESK, role="service_provider", categories=["contact_identification"])
    dsr = verified_case(right="access", subject__email="ana.lima@example.com", subject__full_name="Ana Lima")
    fulfilment.fulfilment_create_tasks(dsr=dsr)
    fulfilment.fulfilment_retry_sweep()
    fulfilment.fulfilment_task_resolve(task=task_of(dsr, ZENDESK), state="done", actor=None,
                                       result={"data": {"tickets": [{"id": 7, "subject": "Hello"}]}})
    package = packages.access_package_build(dsr=dsr, actor=supervisor())
    url = live_server.url + reverse("fulfilment:package", args=[packages.package_token(package)])

    page.goto(url)
    expect(page.get_by_role("heading", name="Download your data")).to_be_visible()
    page.get_by_label("Your e-mail address").fill("someone.else@example.com")
    page.get_by_role("button", name="Download my data").click()
    assert page.get_by_role("alert").inner_text() == "This is not the e-mail address the request was made with."

    page.get_by_label("Your e-mail address").fill("Ana.Lima@example.com")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download my data").click()
    download = info.value
    assert download.suggested_filename == f"{dsr.reference}-your-data.zip"
    saved = tmp_path / "download.zip"
    download.save_as(saved)

    with zipfile.ZipFile(saved) as archive:
        document = json.loads(archive.read("data.json"))
    zendesk = next(entry for entry in document["systems"] if entry["system"] == ZENDESK)
    assert zendesk["data"] == {"tickets": [{"id": 7, "subject": "Hello"}]}
    assert PackageDownload.objects.filter(package=package).count() == 1
