"""The fulfilment admin: the data map with a masked secret, tasks scoped to the officer's cases, recording an
outcome with evidence, and the evidence download behind the same permission."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from guardian.shortcuts import assign_perm

from fulfilment import services as fulfilment
from fulfilment.models import System
from medprivacy import roles
from tests.factories import officer, supervisor
from tests.fulfilment import helpers as fulfilment_helpers
from tests.fulfilment.helpers import task_of, verified_case

pytestmark = pytest.mark.django_db
private_storage = fulfilment_helpers.private_storage  # fixture
ZENDESK = "Zendesk (customer support)"


@pytest.fixture(autouse=True)
def _roles():
    roles.ensure_roles()


def test_the_data_map_is_seeded_and_the_secret_is_shown_masked(client, settings):
    settings.MEDPRIVACY_WEBHOOK_ALLOW_HTTP_LOCALHOST = False
    assert System.objects.filter(role="service_provider").count() == 7
    client.force_login(supervisor("sam"))
    assert client.get(reverse("admin:fulfilment_system_changelist")).status_code == 200

    add = reverse("admin:fulfilment_system_add")
    refused = client.post(add, {"name": "CRM", "role": "service_provider", "categories": ["contact_identification"],
                                "access_method": "webhook", "webhook_url": "http://crm.example.com/hook",
                                "is_active": "on"})
    assert refused.status_code == 200 and b"must use https://" in refused.content
    created = client.post(add, {"name": "CRM", "role": "service_provider", "categories": ["contact_identification"],
                                "access_method": "webhook", "webhook_url": "https://crm.example.com/hook",
                                "generate_secret": "on", "is_active": "on"})
    assert created.status_code == 302
    crm = System.objects.get(name="CRM")
    assert len(crm.webhook_secret) >= 32 and crm.history.get().history_change_reason == "Added in the admin"
    page = client.get(reverse("admin:fulfilment_system_change", args=[crm.pk]))
    assert crm.webhook_secret.encode() not in page.content
    assert crm.masked_secret.encode() in page.content


def test_officers_see_and_work_only_the_tasks_of_their_cases(client, private_storage):
    fulfilment_helpers.only_systems(ZENDESK)
    mine = verified_case(right="erasure")
    theirs = verified_case(right="erasure")
    for dsr in (mine, theirs):
        fulfilment.fulfilment_create_tasks(dsr=dsr)
    olivia = officer("olivia")
    assign_perm("requests_app.change_case", olivia, mine)
    client.force_login(olivia)

    listing = client.get(reverse("admin:fulfilment_fulfilmenttask_changelist"))
    assert listing.status_code == 200
    assert mine.reference.encode() in listing.content and theirs.reference.encode() not in listing.content
    other = task_of(theirs, ZENDESK)
    assert client.get(reverse("admin:fulfilment_fulfilmenttask_resolve", args=[other.pk])).status_code == 404

    task = task_of(mine, ZENDESK)
    url = reverse("admin:fulfilment_fulfilmenttask_resolve", args=[task.pk])
    missing_reason = client.post(url, {"state": "not_applicable"})
    assert missing_reason.status_code == 200 and b"needs a reason" in missing_reason.content
    done = client.post(url, {"state": "done", "notes": "Deleted user 77",
                             "evidence": SimpleUploadedFile("proof.txt", b"deleted", content_type="text/plain")})
    assert done.status_code == 302
    task.refresh_from_db()
    assert task.state == "done" and task.notes == "Deleted user 77"
    assert task.history.first().history_user == olivia
    evidence = task.evidence.get()
    download = client.get(reverse("admin:fulfilment_fulfilmenttask_evidence", args=[task.pk, evidence.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"deleted"

    client.force_login(officer("otto"))
    assert client.get(reverse("admin:fulfilment_fulfilmenttask_evidence",
                              args=[task.pk, evidence.pk])).status_code == 404
