"""Access packages: exactly the subject's data, valid JSON and CSV, forbidden types withheld, the signed link
with e-mail re-confirmation, downloads recorded, expiry and deletion."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from guardian.shortcuts import assign_perm

from fulfilment import packages
from fulfilment import services as fulfilment
from fulfilment.models import AccessPackage, PackageDownload
from outbox.models import Message
from tests.factories import officer, supervisor
from tests.fulfilment import helpers as fulfilment_helpers
from tests.fulfilment.helpers import task_of, verified_case

pytestmark = pytest.mark.django_db
private_storage = fulfilment_helpers.private_storage  # fixture

T0 = dt.datetime(2026, 3, 6, 9, 0, tzinfo=dt.UTC)
PORTAL = "MedPrivacy portal (this system)"
ZENDESK = "Zendesk (customer support)"
ANA, BEN = "ana.lima@example.com", "ben.okafor@example.com"

ANA_TICKETS = {"tickets": [
    {"id": 101, "subject": "Login trouble", "ssn": "123-45-6789", "card_number": "4111111111111111",
     "password_hash": "pbkdf2_sha256$abc", "security_answer": "Rex", "notes": "SSN on file 123-45-6789"},
    {"id": 102, "subject": "Invoice question", "plan": "Pro"},
]}
BEN_TICKETS = {"tickets": [{"id": 201, "subject": "Ben's own ticket"}]}


def _access_case(email: str, name: str, tickets: dict):
    dsr = verified_case(right="access", subject__email=email, subject__full_name=name)
    fulfilment.fulfilment_create_tasks(dsr=dsr)
    fulfilment.fulfilment_retry_sweep()  # the portal exports its records through the Django-model connector
    fulfilment.fulfilment_task_resolve(task=task_of(dsr, ZENDESK), state="done", actor=None,
                                       result={"source": "manual", "data": tickets})
    return dsr


@pytest.fixture
def two_subjects(private_storage):
    fulfilment_helpers.only_systems(PORTAL, ZENDESK)
    with time_machine.travel(T0, tick=False):
        ana = _access_case(ANA, "Ana Lima", ANA_TICKETS)
        ben = _access_case(BEN, "Ben Okafor", BEN_TICKETS)
    return ana, ben


def _zip(package: AccessPackage) -> zipfile.ZipFile:
    with package.file.open("rb") as fh:
        return zipfile.ZipFile(io.BytesIO(fh.read()))


def test_the_package_holds_exactly_the_subjects_data_as_valid_json_and_csv(two_subjects):
    ana, ben = two_subjects
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        package = packages.access_package_build(dsr=ana, actor=supervisor())

    archive = _zip(package)
    assert sorted(archive.namelist()) == ["data.csv", "data.json", "summary.html"]
    everything = b"".join(archive.read(name) for name in archive.namelist()).decode()
    assert ANA in everything and "Ana Lima" in everything and "Login trouble" in everything
    assert BEN not in everything and "Ben Okafor" not in everything and "Ben's own ticket" not in everything
    assert ben.reference not in everything

    document = json.loads(archive.read("data.json"))
    assert document["case_reference"] == ana.reference
    systems = {entry["system"]: entry for entry in document["systems"]}
    assert set(systems) == {PORTAL, ZENDESK}
    assert [row["email"] for row in systems[PORTAL]["data"]["subjects.DataSubject"]] == [ANA]
    assert [t["id"] for t in systems[ZENDESK]["data"]["tickets"]] == [101, 102]

    rows = list(csv.DictReader(io.StringIO(archive.read("data.csv").decode())))
    assert {"system": ZENDESK, "field": "tickets[1].subject", "value": "Invoice question"} in rows
    assert {"system": PORTAL, "field": "subjects.DataSubject[0].email", "value": ANA} in rows
    assert all(row.keys() == {"system", "field", "value"} for row in rows)


def test_forbidden_types_are_withheld_and_only_said_to_be_collected(two_subjects):
    ana, _ = two_subjects
    package = packages.access_package_build(dsr=ana, actor=supervisor())
    archive = _zip(package)
    everything = b"".join(archive.read(name) for name in archive.namelist()).decode()

    for secret in ("123-45-6789", "4111111111111111", "pbkdf2_sha256$abc", "Rex"):
        assert secret not in everything
    ticket = json.loads(archive.read("data.json"))["systems"][1]["data"]["tickets"][0]
    assert ticket["ssn"] == ticket["card_number"] == ticket["notes"] == "[collected — not disclosed]"
    summary = archive.read("summary.html").decode()
    assert "Information we collected but do not disclose" in summary
    for label in ("Government identification numbers", "Financial account, debit or credit card numbers",
                  "Passwords and other log-in secrets", "Security questions and answers"):
        assert label in summary
    assert "Unique biometric data" not in summary  # only the types actually withheld are named


def test_the_summary_gives_categories_sources_purposes_recipients_and_retention(two_subjects):
    ana, _ = two_subjects
    summary = _zip(packages.access_package_build(dsr=ana, actor=supervisor())).read("summary.html").decode()
    assert "Contact and identification information" in summary
    assert "Provided by you" in summary
    assert "Answering support requests." in summary  # Zendesk's purpose from the data map
    assert "Service provider / processor" in summary
    assert "at least 24 months" in summary  # the portal's retention from the data map
    assert "We did not sell or share your information." in summary


def test_the_requester_gets_a_signed_link_by_message(two_subjects, client):
    ana, _ = two_subjects
    with time_machine.travel(T0, tick=False):  # the signed token carries its creation time
        package = packages.access_package_build(dsr=ana, actor=supervisor())
        url = packages.package_url(package)
    message = Message.objects.get(template_key="access_package_ready")
    assert message.to_email == ANA and message.subject == "Your data is ready to download"
    assert url in message.body_text
    assert package.expires_at == package.created_at + dt.timedelta(days=7)
    assert "/media/" not in url and package.file.name not in url


def test_the_download_needs_the_requesters_email_and_is_recorded(two_subjects, client):
    ana, _ = two_subjects
    package = packages.access_package_build(dsr=ana, actor=supervisor())
    path = reverse("fulfilment:package", args=[packages.package_token(package)])

    page = client.get(path)
    assert page.status_code == 200 and b"confirm the e-mail address" in page.content
    empty = client.post(path, {"email": "  "})
    assert empty.status_code == 400 and b"Enter the e-mail address" in empty.content
    wrong = client.post(path, {"email": BEN})
    assert wrong.status_code == 403 and b"not the e-mail address the request was made with" in wrong.content
    assert not PackageDownload.objects.exists()

    ok = client.post(path, {"email": "  Ana.Lima@EXAMPLE.com "})
    assert ok.status_code == 200
    assert ok["Content-Disposition"] == f'attachment; filename="{ana.reference}-your-data.zip"'
    assert "no-store" in ok["Cache-Control"]
    body = b"".join(ok.streaming_content)
    with package.file.open("rb") as fh:
        assert body == fh.read()
    package.refresh_from_db()
    assert package.download_count == 1 and package.delivered_at is not None
    assert PackageDownload.objects.filter(package=package).count() == 1


def test_bad_links_and_too_many_wrong_emails_get_clear_4xx_answers(two_subjects, client, settings):
    settings.MEDPRIVACY_PACKAGE_EMAIL_ATTEMPTS = 2
    ana, _ = two_subjects
    package = packages.access_package_build(dsr=ana, actor=supervisor())
    path = reverse("fulfilment:package", args=[packages.package_token(package)])

    garbage = client.get(reverse("fulfilment:package", args=["not-a-token"]))
    assert garbage.status_code == 404 and b"not valid" in garbage.content
    assert client.post(path, {"email": "x@example.com"}).status_code == 403
    assert client.post(path, {"email": "y@example.com"}).status_code == 403
    locked = client.post(path, {"email": ANA})
    assert locked.status_code == 429 and b"Too many wrong e-mail addresses" in locked.content
    assert client.put(path).status_code == 405


def test_a_strangers_wrong_guesses_lock_out_the_stranger_not_the_requester(two_subjects, settings):
    settings.MEDPRIVACY_PACKAGE_EMAIL_ATTEMPTS = 2
    ana, _ = two_subjects
    package = packages.access_package_build(dsr=ana, actor=supervisor())
    path = reverse("fulfilment:package", args=[packages.package_token(package)])
    stranger, requester = Client(REMOTE_ADDR="203.0.113.66"), Client(REMOTE_ADDR="198.51.100.8")
    assert [stranger.post(path, {"email": f"guess{n}@example.com"}).status_code for n in range(3)] == [403, 403, 429]
    assert stranger.post(path, {"email": ANA}).status_code == 429  # locked per client, even with the right one
    assert requester.post(path, {"email": ANA}).status_code == 200
    assert PackageDownload.objects.filter(package=package).count() == 1


def test_the_link_expires_after_seven_days_and_the_file_is_deleted(two_subjects, client):
    ana, _ = two_subjects
    with time_machine.travel(T0, tick=False):
        package = packages.access_package_build(dsr=ana, actor=supervisor())
        path = reverse("fulfilment:package", args=[packages.package_token(package)])
    stored = package.file.name
    with time_machine.travel(T0 + dt.timedelta(days=7) - dt.timedelta(seconds=1), tick=False):
        assert client.get(path).status_code == 200
        assert packages.access_package_expire_sweep() == 0
    with time_machine.travel(T0 + dt.timedelta(days=7), tick=False):
        expired = client.post(path, {"email": ANA})
        assert expired.status_code == 410 and b"expired" in expired.content
        assert packages.access_package_expire_sweep() == 1
        assert packages.access_package_expire_sweep() == 0  # claimed once
    package.refresh_from_db()
    assert package.deleted_at == T0 + dt.timedelta(days=7) and not package.file
    assert not package.file.storage.exists(stored)
    assert ana.timeline.filter(summary=f"Access package #{package.pk} deleted at expiry").exists()


def test_the_package_waits_for_every_task_and_for_the_officers_permission(private_storage):
    fulfilment_helpers.only_systems(PORTAL, ZENDESK)
    dsr = verified_case(right="access", subject__email=ANA)
    fulfilment.fulfilment_create_tasks(dsr=dsr)
    olivia = officer("olivia")

    with pytest.raises(PermissionDenied):
        packages.access_package_build(dsr=dsr, actor=olivia)
    assign_perm("requests_app.change_case", olivia, dsr)
    with pytest.raises(fulfilment.FulfilmentError, match="2 unfinished fulfilment task"):
        packages.access_package_build(dsr=dsr, actor=olivia)
    fulfilment.fulfilment_retry_sweep()
    fulfilment.fulfilment_task_resolve(task=task_of(dsr, ZENDESK), state="not_found", actor=olivia)

    package = packages.access_package_build(dsr=dsr, actor=olivia)
    assert package.created_by == olivia and package.size > 0
    erasure = verified_case(right="erasure", subject__email="other@example.com")
    with pytest.raises(fulfilment.FulfilmentError, match="not an access or portability request"):
        packages.access_package_build(dsr=erasure, actor=supervisor())


def test_one_click_on_the_case_page_builds_the_package(two_subjects, client):
    ana, _ = two_subjects
    sam = supervisor("sam")
    client.force_login(sam)
    url = reverse("admin:requests_app_case_package", args=[ana.pk])
    assert client.get(url).status_code == 200
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:requests_app_case_change", args=[ana.pk])
    assert AccessPackage.objects.get(case=ana).created_by == sam

    client.force_login(officer("olivia"))
    assert client.post(url).status_code == 404  # not her case: she cannot even see it
