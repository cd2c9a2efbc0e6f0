"""A person whose erasure completed is erased: the completion notice is the last e-mail to the address (the
preference-link and status-link forms send nothing), their old links show a clear "no longer available"
page, and a later request from the same address starts a new data subject."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.base import ContentFile

from consents import links as consent_links
from fulfilment import packages
from fulfilment.models import AccessPackage
from outbox import services as outbox
from outbox.models import Message
from requests_app.services import intake
from subjects import links
from subjects.models import DataSubject
from tests.erasure_helpers import complete_erasure, erasure_case
from tests.requests_app.intake_support import use_private_storage

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 5, 15, 0, tzinfo=dt.UTC)
EMAIL = "erin.erasable@example.com"


@pytest.fixture
def erased(settings, tmp_path, django_capture_on_commit_callbacks):
    use_private_storage(settings, tmp_path)
    with time_machine.travel(NOW, tick=False):
        dsr = erasure_case(email=EMAIL)
        subject = dsr.subject
        old_links = {
            "status": links.status_url(subject).removeprefix(settings.SITE_URL),
            "preferences": consent_links.preferences_url(subject).removeprefix(settings.SITE_URL),
            "unsubscribe": consent_links.unsubscribe_url(subject).removeprefix(settings.SITE_URL),
        }
        package = AccessPackage(case=dsr, expires_at=NOW + dt.timedelta(days=7))
        package.file.save("package.zip", ContentFile(b"PK zip with Erin's data"), save=False)
        package.save()
        old_links["package"] = packages.package_url(package).removeprefix(settings.SITE_URL)
        with django_capture_on_commit_callbacks(execute=False):
            complete_erasure(dsr)
        yield {"dsr": dsr, "links": old_links}


def test_only_the_completion_notice_remains_for_the_address(erased):
    assert list(Message.objects.values_list("template_key", "to_email")) == [("completion", EMAIL)]
    subject = DataSubject.objects.get(pk=erased["dsr"].subject_id)
    assert subject.erased_at is not None and (subject.email, subject.full_name) == ("", "")


def test_the_status_and_preference_link_forms_send_nothing_to_an_erased_address(client, erased):
    # Every e-mail is stored (outbox) before it is sent: no stored message, no e-mail.
    before = Message.objects.count()
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
        assert client.post("/requests/new-link/", {"email": EMAIL}).status_code == 200
        assert client.post("/privacy-choices/", {"email": EMAIL}).status_code == 200
    assert Message.objects.count() == before
    with pytest.raises(outbox.RecipientErased):
        outbox.message_send(submission=erased["dsr"].submission, template_key="completion",
                               cases=[erased["dsr"]])
    # The same forms do write to a person who is not erased (so the check above can fail).
    other = erasure_case(email="still.here@example.com")
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
        client.post("/requests/new-link/", {"email": "still.here@example.com"})
        client.post("/privacy-choices/", {"email": "still.here@example.com"})
    assert Message.objects.filter(data_subject=other.subject, template_key="intake_new_link").count() == 1
    assert Message.objects.filter(data_subject=other.subject, stream=Message.Stream.CONSENT).count() == 1


@pytest.mark.parametrize("kind", ["status", "preferences", "unsubscribe", "package"])
def test_old_links_show_a_clear_no_longer_available_page(client, erased, kind):
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
        response = client.get(erased["links"][kind])
    assert response.status_code == 410
    page = response.content.decode()
    assert "This page is no longer available" in page
    assert "Erin" not in page and EMAIL not in page


def test_a_later_request_from_the_same_address_starts_a_new_subject(erased):
    with time_machine.travel(NOW + dt.timedelta(days=30), tick=False):
        result = intake.submission_create(rights=["access"], full_name="Erin Again", email=EMAIL,
                                          relationship="website_visitor", country="US", subdivision="CA",
                                          declaration_accepted=True)
    assert result.submission.subject_id != erased["dsr"].subject_id
    assert result.submission.subject.email == EMAIL
    assert DataSubject.objects.get(pk=erased["dsr"].subject_id).email == ""
