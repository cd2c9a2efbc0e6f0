"""The officers' side: read-only ledger and states, proof of consent, purposes, notices, API tokens."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from consents import selectors, services
from consents.models import ApiToken, ConsentEvent, Kind, NoticeVersion, Purpose, Source
from medprivacy import roles
from requests_app.services import workbench
from tests.factories import DataSubjectFactory, UserFactory, make_case, officer, supervisor

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_user():
    return officer()


@pytest.fixture
def officer_client(client, officer_user):
    client.force_login(officer_user)
    return client


@pytest.fixture
def supervisor_client(client):
    roles.ensure_roles()
    client.force_login(supervisor())
    return client


@pytest.fixture
def ledger(officer_user):
    """Ada's consent ledger; Ada has a case assigned to the officer, so the officer may see her."""
    subject = DataSubjectFactory(email="ada@example.com", full_name="Ada Lovelace", country="DE", subdivision="")
    workbench.case_assign(dsr=make_case(subject=subject), assignee=officer_user, actor=supervisor("assigner"))
    services.consent_record(subject=subject, purpose="marketing_email", kind=Kind.GIVEN,
                            source=Source.PREFERENCE_CENTER,
                            evidence=services.Evidence(user_agent="Firefox/140", ip_prefix="203.0.113.0/24"))
    services.consents_apply_request(subject=subject, right="withdraw_consent", dsr_reference="DSR-2026-000042")
    services.consent_gpc_browser(browser_id="b" * 24)
    return subject


def test_officers_see_the_ledger_filtered_but_cannot_change_it(officer_client, ledger):
    url = reverse("admin:consents_consentevent_changelist")
    response = officer_client.get(url)
    assert response.status_code == 200
    assert b"ledger and proof" in response.content
    filtered = officer_client.get(url, {"source__exact": "public_request"})
    assert filtered.status_code == 200
    assert list(filtered.context["cl"].result_list) == list(ConsentEvent.objects.filter(source="public_request"))
    by_purpose = officer_client.get(url, {"purpose__id__exact": Purpose.objects.get(code="marketing_email").pk})
    assert {e.purpose.code for e in by_purpose.context["cl"].result_list} == {"marketing_email"}
    # A browser's GPC signal names no person of the officer's cases: only those who see everyone get it.
    assert not [e for e in response.context["cl"].result_list if e.subject_id is None]
    assert officer_client.get(url, {"at__year": "2026"}).status_code == 200
    for term in ("ada@example.com", "DSR-2026-000042", str(ledger.pk), "nonsense"):
        assert officer_client.get(url, {"q": term}).status_code == 200
    searched = officer_client.get(url, {"q": "DSR-2026-000042"})
    assert [e.dsr_reference for e in searched.context["cl"].result_list] == ["DSR-2026-000042"]
    event = ConsentEvent.objects.first()
    assert officer_client.get(reverse("admin:consents_consentevent_add")).status_code == 403
    assert officer_client.post(reverse("admin:consents_consentevent_delete", args=[event.pk]),
                               {"post": "yes"}).status_code == 403
    officer_client.post(reverse("admin:consents_consentevent_change", args=[event.pk]), {"kind": "refused"})
    event.refresh_from_db()
    assert event.kind == Kind.GIVEN
    assert officer_client.get(reverse("admin:consents_consentstate_changelist")).status_code == 200


def test_the_proof_page_shows_who_what_notice_when_and_how(officer_client, ledger):
    response = officer_client.get(reverse("admin:consents_proof", args=[ledger.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    notice = NoticeVersion.objects.get(purpose__code="marketing_email", version=1)
    for text in ("Ada Lovelace", "ada@example.com", "Consent given", "Consent withdrawn", "Preference center",
                 "request DSR-2026-000042", "network 203.0.113.0/24", "Firefox/140", "version 1",
                 notice.text[:60], "Download proof (JSON)"):
        assert text in body, text


def test_the_proof_downloads_as_json(officer_client, ledger):
    response = officer_client.get(reverse("admin:consents_proof_json", args=[ledger.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="consent-proof-subject-{ledger.pk}.json"'
    proof = response.json()
    assert proof["subject"]["email"] == "ada@example.com"
    assert [(e["purpose"], e["kind"], e["source"]) for e in proof["events"]] == [
        ("marketing_email", "given", "preference_center"), ("marketing_email", "withdrawn", "public_request")]
    assert proof["events"][0]["notice_text"].startswith("We would like to send you e-mails")
    assert {row["purpose"]: row["permitted"] for row in proof["current"]}["marketing_email"] is False


def test_the_proof_needs_the_permission(client, ledger):
    client.force_login(UserFactory(username="nobody"))  # staff without any group
    assert client.get(reverse("admin:consents_proof", args=[ledger.pk])).status_code == 403
    assert client.get(reverse("admin:consents_proof_json", args=[ledger.pk])).status_code == 403


def test_the_proof_of_an_unknown_subject_is_404(officer_client):
    assert officer_client.get(reverse("admin:consents_proof", args=[999999])).status_code == 404


def test_supervisors_create_tokens_shown_once_and_revoke_them(supervisor_client):
    response = supervisor_client.post(reverse("admin:consents_apitoken_add"), {"name": "crm"})
    assert response.status_code == 200  # shown on this page, not through message storage
    assert "no-store" in response["Cache-Control"]
    [raw] = re.findall(r'<code class="api-token">([^<]+)</code>', response.content.decode())
    assert not [m for m in get_messages(response.wsgi_request) if raw in str(m)]
    assert raw not in response.cookies.output()
    assert supervisor_client.get(reverse("admin:consents_apitoken_changelist")).content.count(raw.encode()) == 0
    token = ApiToken.objects.get(name="crm")
    assert selectors.api_token_authenticate(raw) == token
    assert raw not in (token.token_hash, token.prefix)
    supervisor_client.post(reverse("admin:consents_apitoken_changelist"),
                           {"action": "revoke", "_selected_action": [token.pk]})
    assert selectors.api_token_authenticate(raw) is None


def test_publishing_a_notice_in_the_admin_makes_the_next_version(supervisor_client):
    purpose = Purpose.objects.get(code="analytics_cookies")
    response = supervisor_client.post(reverse("admin:consents_noticeversion_add"), {
        "purpose": purpose.pk, "text": "Version two text", "effective_at_0": "2026-04-01", "effective_at_1": "10:00:00",
    })
    assert response.status_code == 302
    notice = NoticeVersion.objects.get(purpose=purpose, version=2)
    assert notice.text == "Version two text"
    assert notice.history.first().history_user.username == "supervisor"
    # a published notice is never edited
    supervisor_client.post(reverse("admin:consents_noticeversion_change", args=[notice.pk]), {"text": "changed"})
    notice.refresh_from_db()
    assert notice.text == "Version two text"


def test_purpose_defaults_are_validated(supervisor_client):
    purpose = Purpose.objects.get(code="analytics_cookies")
    url = reverse("admin:consents_purpose_change", args=[purpose.pk])
    data = {"code": purpose.code, "label": purpose.label, "description": purpose.description,
            "lawful_basis": purpose.lawful_basis, "lawful_basis_note": "", "minor_rule": "none",
            "request_rights": "[]", "display_order": 4, "is_active": "on",
            "regime_defaults": '{"mars": "opt_in", "default": "opt_out"}'}
    response = supervisor_client.post(url, data)
    assert response.status_code == 200
    assert "Unknown regime &#x27;mars&#x27;" in response.content.decode()
    data["regime_defaults"] = '{"ccpa": "opt_in", "default": "opt_out"}'
    assert supervisor_client.post(url, data).status_code == 302
    purpose.refresh_from_db()
    assert purpose.regime_defaults == {"ccpa": "opt_in", "default": "opt_out"}
    assert purpose.history.first().history_change_reason == "Changed in the admin"
    assert purpose.history.first().history_user.username == "supervisor"


def test_an_officer_sees_no_ledger_state_or_proof_of_a_person_on_none_of_their_cases(client, ledger):
    stranger = officer("stranger")
    client.force_login(stranger)
    events = client.get(reverse("admin:consents_consentevent_changelist"))
    assert events.status_code == 200
    assert list(events.context["cl"].result_list) == []
    searched = client.get(reverse("admin:consents_consentevent_changelist"), {"q": "ada@example.com"})
    assert list(searched.context["cl"].result_list) == []
    assert b"Lovelace" not in searched.content
    states = client.get(reverse("admin:consents_consentstate_changelist"), {"q": "ada@example.com"})
    assert list(states.context["cl"].result_list) == []
    for name in ("admin:consents_proof", "admin:consents_proof_json"):
        response = client.get(reverse(name, args=[ledger.pk]))
        assert response.status_code == 404
        assert b"Lovelace" not in response.content
    event = ConsentEvent.objects.filter(subject=ledger).first()
    assert client.get(reverse("admin:consents_consentevent_change", args=[event.pk])).status_code in (302, 404)


def test_a_consent_manager_sees_every_persons_ledger_without_their_cases(client, ledger):
    from django.contrib.auth.models import Permission
    manager = officer("manager")
    manager.user_permissions.add(Permission.objects.get(codename="view_all_consents"))
    client.force_login(manager)
    events = client.get(reverse("admin:consents_consentevent_changelist"), {"q": "ada@example.com"})
    assert {e.subject_id for e in events.context["cl"].result_list} == {ledger.pk}
    assert client.get(reverse("admin:consents_proof", args=[ledger.pk])).status_code == 200
    assert not client.get(reverse("admin:requests_app_case_changelist")).context["cl"].result_list
