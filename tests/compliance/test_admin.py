"""The admin: the agent-authorization viewer, honest verification display, template validation (issue 15)."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from outbox import services as messaging
from outbox.models import MessageTemplate
from tests.compliance.support import assign, confirm_email, file, people
from tests.requests_app.intake_support import PDF

pytestmark = pytest.mark.usefixtures("clock")

CHANGELIST = reverse("admin:requests_app_case_changelist")


def _agent_case():
    upload = SimpleUploadedFile("my consent.pdf", PDF, content_type="application/pdf")
    return file(["erasure"], is_agent=True, agent_name="Pat Agent", agent_email="pat@agents.example",
                authorization=upload)[0]


def test_the_agents_authorization_opens_for_officers_who_may_see_the_case_only(client):
    crew = people()
    dsr = assign(_agent_case(), crew)
    url = reverse("admin:requests_app_case_authorization", args=[dsr.pk])
    client.force_login(crew["olivia"])
    page = client.get(reverse("admin:requests_app_case_change", args=[dsr.pk])).content.decode()
    assert f'href="{url}"' in page and "open the signed authorization" in page
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf" and "no-store" in response["Cache-Control"]
    client.force_login(crew["oscar"])  # not assigned: the case does not exist for him
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the admin login


def test_a_case_without_an_agent_has_no_authorization_to_open(client):
    crew = people()
    dsr = assign(file(["erasure"])[0], crew)
    client.force_login(crew["olivia"])
    assert client.get(reverse("admin:requests_app_case_authorization", args=[dsr.pk])).status_code == 404


def _row(page: str, reference: str) -> str:
    match = re.search(r"<tr[^>]*>(?:(?!</tr>).)*" + re.escape(reference) + r"(?:(?!</tr>).)*</tr>", page, re.S)
    assert match, reference
    return match.group(0)


def test_the_case_list_never_calls_an_unchecked_case_verified_and_flags_what_an_officer_must_verify(client):
    crew = people()
    opt_out = file(["opt_out_sale_sharing"], email="optout@example.com")[0]
    patient = file(["access"], email="patient@example.com", relationship="patient", clinic_name="Northside")[0]
    flagged = confirm_email(file(["erasure"], email="flagged@example.com")[0])
    assert flagged.needs_officer_verification
    client.force_login(crew["boss"])
    page = client.get(CHANGELIST).content.decode()
    assert "Accepted: no verification needed" in _row(page, opt_out.reference)
    assert "Received: the clinic verifies" in _row(page, patient.reference)
    flagged_row = _row(page, flagged.reference)
    assert "E-mail confirmed: officer must verify" in flagged_row
    assert "icon-no.svg" in flagged_row and "icon-yes.svg" not in flagged_row
    for row in (_row(page, opt_out.reference), _row(page, patient.reference)):
        assert ">Verified<" not in row and "icon-yes.svg" not in row
    verified = client.get(CHANGELIST, {"verified": "yes"}).content.decode()
    assert opt_out.reference not in verified and patient.reference not in verified
    waiting = client.get(CHANGELIST, {"verified": "no"}).content.decode()
    assert flagged.reference in waiting


def test_a_template_missing_its_required_statements_is_refused_in_the_admin(client):
    crew = people()
    messaging.templates_seed()
    template = MessageTemplate.objects.get(key="denial", language="en")
    url = reverse("admin:outbox_messagetemplate_change", args=[template.pk])
    client.force_login(crew["boss"])
    data = {"description": template.description, "subject": template.subject, "body_html": "",
            "body_text": "We say no.\n{{ explanation }}\n"}
    response = client.post(url, data)
    assert response.status_code == 200  # the form again, with the errors
    page = response.content.decode()
    assert "The text body must print {{ reason }} (the reason for the decision)." in page
    assert "The text body must print {{ rights_notice }}" in page
    template.refresh_from_db()
    assert "{{ rights_notice }}" in template.body_text
    data["body_text"] = "No: {{ reason }}.\n{{ rights_notice }}\n"
    assert client.post(url, data).status_code == 302
    template.refresh_from_db()
    assert template.body_text.strip() == "No: {{ reason }}.\n{{ rights_notice }}"
