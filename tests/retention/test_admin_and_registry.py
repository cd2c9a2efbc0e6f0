"""The supervisors' admin (rules with history, holds, purge buttons and approval), the guard on
delete_selected, the roles, and the registry's declarations."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.admin import AdminSite, ModelAdmin
from django.test import RequestFactory

from medprivacy import roles
from requests_app.models import Case
from retention import registry
from retention.admin import guard_target_admins
from retention.models import DataCategory, LegalHold, PurgeRun, RetentionRule
from subjects.models import DataSubject
from tests.factories import officer, supervisor
from tests.retention.helpers import CUTOFF_24_MONTHS, NOW, closed_request, only_rule

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(client):
    roles.ensure_roles()
    user = supervisor()
    client.force_login(user)
    return user


def test_seeded_schedule_has_the_policy_categories_and_default_rules():
    codes = set(DataCategory.objects.values_list("code", flat=True))
    assert {"contact_identification", "patient_medical_images", "patient_genetic", "clinician_professional",
            "organization_information", "privacy_request_records", "consent_ledger", "verification_tokens",
            "authorization_documents", "access_packages", "audit_history"} <= codes
    rules = {r.category.code: (r.period, r.period_unit, r.event, r.action)
             for r in RetentionRule.objects.filter(is_active=True)}
    portal = {code: rules.pop(code) for code in ("privacy_request_records", "verification_tokens",
                                                "unverified_requests", "authorization_documents",
                                                "access_packages", "consent_ledger", "risk_assessments")}
    assert portal == {
        "privacy_request_records": (24, "months", "case_closure", "delete"),
        "verification_tokens": (30, "days", "collection", "delete"),
        # Kept until the §7101 24 months and the §7102 report have passed, not deleted after 30 days.
        "unverified_requests": (24, "months", "case_closure", "delete"),
        "authorization_documents": (0, "days", "case_closure", "anonymize"),
        "access_packages": (7, "days", "delivery", "delete"),
        "consent_ledger": (36, "months", "last_activity", "delete"),
        # 11 CCR §7155(c): five years after the later of the processing's end and the assessment's completion.
        "risk_assessments": (60, "months", "project_completion", "delete"),
    }
    # The other rules are those of the 19 policy categories (tests/retention/test_policy_schedule.py).
    assert len(rules) == 19
    assert RetentionRule.history.filter(history_change_reason="Seeded default (migration)").count() == 26


def test_a_supervisor_edits_a_rule_and_the_history_keeps_who_and_why(client, boss):
    rule = RetentionRule.objects.get(category__code="verification_tokens")
    response = client.post(f"/admin/retention/retentionrule/{rule.pk}/change/", {
        "category": rule.category_id, "period": 14, "period_unit": "days", "event": "collection",
        "action": "delete", "legal_basis": rule.legal_basis, "is_active": "on",
        "change_reason": "Counsel shortened the token period",
    })
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.period == 14
    latest = rule.history.first()
    assert (latest.history_user, latest.history_change_reason, latest.period) == (
        boss, "Counsel shortened the token period", 14)
    assert rule.history.count() == 2
    history_page = client.get(f"/admin/retention/retentionrule/{rule.pk}/history/")
    assert history_page.status_code == 200 and b"Counsel shortened" in history_page.content


def test_a_rule_change_without_a_reason_is_refused(client, boss):
    rule = RetentionRule.objects.get(category__code="verification_tokens")
    response = client.post(f"/admin/retention/retentionrule/{rule.pk}/change/", {
        "category": rule.category_id, "period": 1, "period_unit": "days", "event": "collection",
        "action": "delete", "legal_basis": rule.legal_basis, "is_active": "on", "change_reason": "",
    })
    assert response.status_code == 200 and b"This field is required" in response.content
    rule.refresh_from_db()
    assert rule.period == 30


def test_a_supervisor_places_a_hold_in_the_admin_and_a_bad_one_is_refused(client, boss):
    dsr = closed_request(NOW - dt.timedelta(days=3))
    url = "/admin/retention/legalhold/add/"
    base = {"scope": "case", "reason": "Subpoena 26-114", "owner": boss.pk,
            "starts_at_0": "2026-11-20", "starts_at_1": "09:00:00"}
    refused = client.post(url, {**base, "subject": dsr.subject_id})
    assert refused.status_code == 200 and b"names exactly one case" in refused.content
    assert not LegalHold.objects.exists()
    assert client.post(url, {**base, "case": dsr.pk}).status_code == 302
    hold = LegalHold.objects.get()
    assert (hold.case, hold.target_label, hold.owner) == (dsr, f"Case {dsr.reference}", boss)
    assert hold.history.get().history_user == boss


def test_purge_buttons_start_runs_for_supervisors_only(client, boss, django_capture_on_commit_callbacks):
    only_rule("privacy_request_records")
    closed_request(CUTOFF_24_MONTHS - dt.timedelta(days=40))
    page = client.get("/admin/retention/purgerun/")
    assert page.status_code == 200 and b"Dry run now" in page.content
    assert client.get("/admin/retention/purgerun/start/dry_run/").status_code == 405
    response = client.post("/admin/retention/purgerun/start/bogus/")
    assert response.status_code == 302 and not PurgeRun.objects.exists()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post("/admin/retention/purgerun/start/dry_run/")
    run = PurgeRun.objects.get()
    assert response.status_code == 302 and response.url == f"/admin/retention/purgerun/{run.pk}/change/"
    assert (run.mode, run.status, run.requested_by) == ("dry_run", "finished", boss)
    assert callbacks == []  # a dry run queues nothing
    assert Case.objects.count() == 1
    report = client.get(response.url)
    assert report.status_code == 200 and Case.objects.get().reference.encode() in report.content

    client.force_login(officer())
    assert client.post("/admin/retention/purgerun/start/live/").status_code == 403
    assert PurgeRun.objects.count() == 1


def test_approval_in_the_admin_queues_the_run_after_commit(client, boss, settings,
                                                            django_capture_on_commit_callbacks):
    settings.MEDPRIVACY_PURGE_REQUIRES_APPROVAL = True
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post("/admin/retention/purgerun/start/live/")
    run = PurgeRun.objects.get()
    assert run.status == PurgeRun.Status.AWAITING_APPROVAL and callbacks == []
    page = client.get(f"/admin/retention/purgerun/{run.pk}/change/")
    assert b"Approve and run" in page.content
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(f"/admin/retention/purgerun/{run.pk}/approve/")
    assert response.status_code == 302 and len(callbacks) == 1
    run.refresh_from_db()
    assert (run.status, run.approved_by) == (PurgeRun.Status.APPROVED, boss)
    again = client.post(f"/admin/retention/purgerun/{run.pk}/approve/", follow=True)
    assert b"Only a run awaiting approval can be approved" in again.content
    assert client.post("/admin/retention/purgerun/999999/approve/").status_code == 404


def test_purge_runs_are_read_only_in_the_admin(client, boss):
    # One clock for the whole test: the messages (and so the session) are saved at the frozen time.
    with time_machine.travel(NOW, tick=False):
        client.post("/admin/retention/purgerun/start/dry_run/")
        run = PurgeRun.objects.get()
        assert client.get("/admin/retention/purgerun/add/").status_code == 403
        assert client.post(f"/admin/retention/purgerun/{run.pk}/delete/").status_code == 403
        assert client.post(f"/admin/retention/purgerun/{run.pk}/change/", {"status": "failed"}).status_code == 403
    run.refresh_from_db()
    assert run.status == PurgeRun.Status.FINISHED


def test_registered_targets_lose_delete_selected_and_the_delete_view():
    site = AdminSite(name="test")
    site.register(DataSubject, ModelAdmin)
    site.register(Case, ModelAdmin)
    guard_target_admins(site)
    request = RequestFactory().get("/")
    request.user = type("U", (), {"has_perm": lambda self, perm, obj=None: True, "is_active": True})()
    for model in (DataSubject, Case):
        assert "delete_selected" not in site._registry[model].get_actions(request)
        assert site._registry[model].has_delete_permission(request) is False


def test_roles_give_supervisors_the_purge_and_officers_only_a_view():
    groups = roles.ensure_roles()
    supervisor_perms = set(groups[roles.SUPERVISORS].permissions.values_list("codename", flat=True))
    officer_perms = set(groups[roles.OFFICERS].permissions.values_list("codename", flat=True))
    assert {"run_purge", "approve_purge", "change_retentionrule", "add_legalhold"} <= supervisor_perms
    assert not {"run_purge", "approve_purge", "change_retentionrule"} & officer_perms
    assert "view_legalhold" in officer_perms


def test_the_portal_registers_its_records_through_autodiscovery():
    names = {t.name for t in registry.targets()}
    assert {"requests.data_subject", "requests.submission", "requests.verification_token", "requests.case",
            "requests.message", "requests.timeline_event", "requests.authorization_document"} <= names
    order = [t.name for t in registry.targets_for_category("privacy_request_records")]
    # Fulfilment's task evidence and results, what consumers confirmed directly (the compliance app), the
    # conversation's files and messages, and the DRP requests go before the cases.
    assert order == ["requests.timeline_event", "requests.thread_attachment", "compliance.consumer_confirmation",
                     "requests.thread_message", "requests.task_evidence", "requests.fulfilment_task_result",
                     "requests.message", "drp.request", "requests.case", "requests.submission",
                     "requests.data_subject"]


def test_the_registry_refuses_bad_declarations():
    with pytest.raises(registry.RegistryError, match="unknown events"):
        registry.register("tests.bad", model=Case, category="usage", dates={"birthday": "received_at"})
    with pytest.raises(registry.RegistryError, match="`anonymized`"):
        registry.register("tests.bad", model=Case, category="usage", dates={"collection": "received_at"},
                          anonymize={"outcome_summary": ""})
    with pytest.raises(registry.RegistryError, match="no retention target named"):
        registry.get_target("tests.bad")


def test_a_subjects_rows_are_found_through_the_declared_path():
    dsr = closed_request(NOW - dt.timedelta(days=3))
    other = closed_request(NOW - dt.timedelta(days=3))
    from retention import selectors

    for name in ("requests.case", "requests.message", "requests.timeline_event", "requests.submission"):
        rows = selectors.rows_of_subject(target=registry.get_target(name), subject_id=dsr.subject_id)
        assert rows.exists(), name
        assert not rows.filter(pk__in=selectors.rows_of_subject(
            target=registry.get_target(name), subject_id=other.subject_id).values("pk")).exists()


def test_the_command_reports_a_dry_run_and_purges_with_live():
    from io import StringIO

    from django.core.management import CommandError, call_command

    only_rule("privacy_request_records")
    dsr = closed_request(CUTOFF_24_MONTHS - dt.timedelta(days=40))
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("purge_retention", stdout=out)
    assert "privacy_request_records / requests.case: due 1, deleted 0" in out.getvalue()
    assert Case.objects.filter(pk=dsr.pk).exists()
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("purge_retention", "--live", stdout=out)
    assert "privacy_request_records / requests.case: due 1, deleted 1" in out.getvalue()
    assert out.getvalue().rstrip().endswith("(live): finished")
    assert not Case.objects.filter(pk=dsr.pk).exists()
    with pytest.raises(CommandError, match="at least 1"):
        call_command("purge_retention", "--batch-size", "0")


@pytest.mark.parametrize("url", [
    "/admin/retention/datacategory/", "/admin/retention/datacategory/add/", "/admin/retention/retentionrule/",
    "/admin/retention/retentionrule/add/", "/admin/retention/legalhold/", "/admin/retention/legalhold/add/",
    "/admin/retention/purgerun/", "/admin/retention/reviewflag/",
])
def test_every_retention_admin_page_opens_for_a_supervisor(client, boss, url):
    assert client.get(url).status_code == 200


def test_a_supervisor_adds_a_category_with_a_reason(client, boss):
    response = client.post("/admin/retention/datacategory/add/", {
        "code": "imaging_project_data", "name": "Imaging research project data", "description": "",
        "source": "patients", "change_reason": "New research project registers its models"})
    assert response.status_code == 302
    category = DataCategory.objects.get(code="imaging_project_data")
    assert category.history.get().history_change_reason == "New research project registers its models"
    assert category.history.get().history_user == boss
