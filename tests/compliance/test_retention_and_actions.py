"""The declaration's typed name under the retention schedule; the admin actions that send the links."""

from __future__ import annotations

import pytest
from django.urls import reverse

from outbox.models import Message
from requests_app.models import ConsumerConfirmation
from retention import registry
from retention.services import rows_erase
from tests.compliance.support import assign, confirm_email, file, people, sign_declaration

pytestmark = pytest.mark.usefixtures("clock")


def test_an_erasure_blanks_the_name_the_consumer_typed():
    crew = people()
    dsr = assign(confirm_email(file(["access"])[0]), crew)
    sign_declaration(dsr, crew["olivia"])
    row = ConsumerConfirmation.objects.get(case=dsr)
    assert row.signed_name == "Ann Example"
    target = registry.get_target("compliance.consumer_confirmation")
    assert list(target.model.objects.filter(**{target.subject: dsr.subject}).values_list("pk", flat=True)) == [row.pk]
    rows_erase(target=target, pks=[row.pk], anonymize=True)
    row.refresh_from_db()
    assert row.signed_name == "" and row.confirmed is True  # the fact stays, the name goes


def test_the_case_page_offers_the_declaration_and_the_direct_confirmation_and_they_send_the_links(client):
    crew = people()
    dsr = assign(confirm_email(file(["access"])[0]), crew)
    client.force_login(crew["olivia"])
    page = client.get(reverse("admin:requests_app_case_change", args=[dsr.pk])).content.decode()
    assert 'data-action="declaration"' in page and 'data-action="ask_consumer"' not in page  # not an agent case
    response = client.post(reverse("admin:requests_app_case_declaration", args=[dsr.pk]), {"note": ""})
    assert response.status_code == 302
    assert Message.objects.filter(template_key="declaration_request", to_email="ann@example.com").count() == 1
    refused = client.post(reverse("admin:requests_app_case_ask_consumer", args=[dsr.pk]), {"note": ""})
    assert refused.status_code == 400 and "Only a request filed by an authorized agent" in refused.content.decode()
    complete = client.get(reverse("admin:requests_app_case_complete", args=[dsr.pk])).content.decode()
    assert "Complied with in part" in complete
