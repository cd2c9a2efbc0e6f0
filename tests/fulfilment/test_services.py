"""Fulfilment tasks: which systems a case reaches for which action, due dates, the completion gate with the
supervisor override, officers' outcomes, the Django-model connector and the erasure summary."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile

from fulfilment import model_connector
from fulfilment import rules as fulfilment_rules
from fulfilment import services as fulfilment
from fulfilment.models import AccessPackage, FulfilmentTask, System
from fulfilment.services import task_due_on, webhook_payload
from requests_app.models import VerificationToken
from retention import registry
from retention.services import legal_hold_place
from subjects.models import DataSubject
from tests.factories import DataSubjectFactory, SubmissionFactory, officer, supervisor
from tests.fulfilment import helpers as fulfilment_helpers
from tests.fulfilment.helpers import task_of, verified_case
from timeline.models import TimelineEvent

pytestmark = pytest.mark.django_db
private_storage = fulfilment_helpers.private_storage  # fixture

T0 = dt.datetime(2026, 3, 6, 9, 0, tzinfo=dt.UTC)
PORTAL = "MedPrivacy portal (this system)"


def _plan(dsr) -> list[tuple[str, str, str]]:
    return sorted((t.system.name, t.action, t.state)
                  for t in FulfilmentTask.objects.filter(case=dsr).select_related("system"))


@time_machine.travel(T0, tick=False)
def test_erasure_of_a_website_visitor_reaches_every_seeded_system_that_may_hold_their_data():
    dsr = verified_case(right="erasure")
    fulfilment.fulfilment_create_tasks(dsr=dsr)
    assert _plan(dsr) == [
        ("AI development partners", "notify", "open"),
        ("Advertising partners (third-party advertising cookies)", "notify", "open"),
        ("Amazon Web Services (hosting)", "delete", "open"),
        ("Google Analytics", "delete", "open"),
        ("Google Cloud (hosting)", "delete", "open"),
        ("Mailchimp (marketing e-mail)", "delete", "open"),
        (PORTAL, "delete", "open"),
        ("Microsoft Azure (hosting)", "delete", "open"),
        ("Payment processor", "delete", "open"),
        ("Research partners and collaborators", "notify", "open"),
        ("Website and customer accounts", "delete", "open"),
        ("Zendesk (customer support)", "delete", "open"),
    ]
    # Only connector tasks are queued for dispatch; manual ones wait for their owner.
    assert task_of(dsr, PORTAL).next_attempt_at == T0
    assert task_of(dsr, "Zendesk (customer support)").next_attempt_at is None
    event = dsr.timeline.get(kind=TimelineEvent.Kind.TASK)
    assert event.summary.startswith("12 fulfilment task(s) created")
    assert task_of(dsr, "Payment processor").history.get().history_change_reason == "Created when the case was verified"


def test_tasks_follow_the_right_and_the_relationship():
    patient = verified_case(right="access", regime="hipaa", subject__relationship="patient")
    fulfilment.fulfilment_create_tasks(dsr=patient)
    assert {name for name, _, _ in _plan(patient)} == {
        "Imaging platform", PORTAL, "Amazon Web Services (hosting)", "Microsoft Azure (hosting)",
        "Google Cloud (hosting)", "Research partners and collaborators", "AI development partners"}

    opt_out = verified_case(right="opt_out_sale_sharing")
    fulfilment.fulfilment_create_tasks(dsr=opt_out)
    # The research and AI partners of the policy §4 may amount to a sale or sharing: they are told too.
    assert _plan(opt_out) == [("AI development partners", "stop_selling_sharing", "open"),
                              ("Advertising partners (third-party advertising cookies)", "stop_selling_sharing",
                               "open"),
                              ("Research partners and collaborators", "stop_selling_sharing", "open")]

    limit = verified_case(right="limit_sensitive", subject__relationship="website_visitor")
    assert fulfilment.fulfilment_create_tasks(dsr=limit) == []  # a visitor has no sensitive category
    limit_user = verified_case(right="limit_sensitive", subject__relationship="registered_user")
    fulfilment.fulfilment_create_tasks(dsr=limit_user)
    assert "Payment processor" in {name for name, _, _ in _plan(limit_user)}
    assert "Google Analytics" not in {name for name, _, _ in _plan(limit_user)}

    access = verified_case(right="access")
    fulfilment.fulfilment_create_tasks(dsr=access)
    actions = {name: action for name, action, _ in _plan(access)}
    assert actions[PORTAL] == "export" and actions["Advertising partners (third-party advertising cookies)"] == "find"


def test_inactive_systems_get_no_task_and_creation_is_idempotent():
    System.objects.filter(name="Zendesk (customer support)").update(is_active=False)
    dsr = verified_case(right="erasure")
    first = fulfilment.fulfilment_create_tasks(dsr=dsr)
    assert fulfilment.fulfilment_create_tasks(dsr=dsr) == []
    assert FulfilmentTask.objects.filter(case=dsr).count() == len(first) == 11


def test_a_system_holding_only_retained_categories_is_marked_kept_on_erasure():
    fulfilment_helpers.only_systems()
    System.objects.create(name="Consent archive", role="internal", categories=["consent_ledger"])
    dsr = verified_case(right="erasure")
    fulfilment.fulfilment_create_tasks(dsr=dsr)
    task = task_of(dsr, "Consent archive")
    assert (task.state, task.exception) == ("not_applicable", "legal_obligation")
    assert "11 CCR §7101(a) and §7026" in task.state_reason  # the CCPA case's own rule, not another law's
    assert not fulfilment.fulfilment_blocking_tasks(dsr).exists()


def test_task_due_dates_stay_inside_the_case_deadline(settings):
    settings.MEDPRIVACY_TASK_DUE_MARGIN_DAYS = 5
    dsr = verified_case(right="erasure")
    assert task_due_on(dsr, today=dt.date(2026, 3, 6)) == dsr.due_on - dt.timedelta(days=5)
    # Late in the case: today, but never after the case's own due date.
    assert task_due_on(dsr, today=dsr.due_on - dt.timedelta(days=2)) == dsr.due_on - dt.timedelta(days=2)
    assert task_due_on(dsr, today=dsr.due_on + dt.timedelta(days=3)) == dsr.due_on
    fulfilment.fulfilment_create_tasks(dsr=dsr)
    assert all(t.due_on <= dsr.due_on for t in dsr.fulfilment_tasks.all())


def test_a_case_with_open_tasks_cannot_complete_unless_a_supervisor_overrides_with_a_reason():
    fulfilment_helpers.only_systems("Zendesk (customer support)", "Mailchimp (marketing e-mail)")
    dsr = verified_case(right="erasure")
    fulfilment.fulfilment_create_tasks(dsr=dsr)
    olivia, sam = officer("olivia"), supervisor("sam")

    with pytest.raises(fulfilment.FulfilmentBlocked) as blocked:
        fulfilment.fulfilment_assert_can_complete(dsr=dsr, actor=olivia)
    assert str(blocked.value) == (
        f"{dsr.reference} cannot be completed: 2 fulfilment task(s) are not finished (Mailchimp (marketing e-mail): "
        "delete (open), Zendesk (customer support): delete (open)). Finish them, or a privacy supervisor may "
        "override with a reason.")
    with pytest.raises(PermissionDenied, match="Only a privacy supervisor"):
        fulfilment.fulfilment_assert_can_complete(dsr=dsr, actor=olivia, override_reason="Vendor unresponsive")
    with pytest.raises(fulfilment.FulfilmentBlocked):
        fulfilment.fulfilment_assert_can_complete(dsr=dsr, actor=sam, override_reason="   ")

    fulfilment.fulfilment_assert_can_complete(dsr=dsr, actor=sam, override_reason="Vendor unresponsive; escalated")

    assert not fulfilment.fulfilment_blocking_tasks(dsr).exists()
    task = task_of(dsr, "Zendesk (customer support)")
    assert task.state == "open" and task.overridden_by == sam
    latest = task.history.first()
    assert (latest.history_user, latest.history_change_reason) == (sam, "Completion override: Vendor unresponsive; "
                                                                        "escalated")
    event = dsr.timeline.filter(kind=TimelineEvent.Kind.TASK).last()
    assert event.actor == sam and event.summary.endswith("Vendor unresponsive; escalated")


def test_officers_record_outcomes_with_reasons_and_evidence(private_storage):
    fulfilment_helpers.only_systems("Zendesk (customer support)")
    dsr = verified_case(right="erasure")
    fulfilment.fulfilment_create_tasks(dsr=dsr)
    task = task_of(dsr, "Zendesk (customer support)")
    olivia = officer("olivia")

    with pytest.raises(fulfilment.FulfilmentError, match="needs a reason"):
        fulfilment.fulfilment_task_resolve(task=task, state="not_applicable", actor=olivia)
    fulfilment.fulfilment_task_resolve(task=task, state="not_applicable", actor=olivia, exception="legal_hold",
                                       reason="Ticket 4711 is under a litigation hold")
    fulfilment.fulfilment_task_attach_evidence(task=task, name="hold.pdf", content=b"%PDF-1", actor=olivia)
    with pytest.raises(fulfilment.FulfilmentError, match="already not applicable"):
        fulfilment.fulfilment_task_resolve(task=task, state="done", actor=olivia)

    task.refresh_from_db()
    assert task.history.first().history_user == olivia
    assert task.history.first().history_change_reason == "Not applicable: Ticket 4711 is under a litigation hold"
    assert task.evidence.get().file.read() == b"%PDF-1"
    summary = fulfilment.fulfilment_erasure_summary(dsr)
    assert summary["kept"] == [{"system": "Zendesk (customer support)", "what": "all of it",
                                "exception": "Kept under a legal hold (litigation or an investigation)",
                                "reason": "Ticket 4711 is under a litigation hold"}]


def test_erasure_summary_lists_what_was_done_notified_and_kept(private_storage):
    fulfilment_helpers.only_systems(PORTAL, "Mailchimp (marketing e-mail)",
                                    "Advertising partners (third-party advertising cookies)", "Google Analytics")
    dsr = verified_case(right="erasure")
    fulfilment.fulfilment_create_tasks(dsr=dsr)
    fulfilment.fulfilment_retry_sweep()  # the portal's Django-model task runs at once
    fulfilment.fulfilment_task_resolve(task=task_of(dsr, "Mailchimp (marketing e-mail)"), state="done", actor=None)
    fulfilment.fulfilment_task_resolve(task=task_of(dsr, "Google Analytics"), state="not_found", actor=None)
    fulfilment.fulfilment_task_resolve(
        task=task_of(dsr, "Advertising partners (third-party advertising cookies)"), state="done", actor=None)

    summary = fulfilment.fulfilment_erasure_summary(dsr)

    assert summary["text"].splitlines() == [
        f"We deleted or de-identified your information in: Mailchimp (marketing e-mail), {PORTAL}.",
        "We told these recipients to delete it too: Advertising partners (third-party advertising cookies).",
        "We found nothing about you in: Google Analytics.",
        f"Kept to comply with a legal obligation — {PORTAL} (Records of your privacy requests): Records of privacy "
        "requests and our answers are kept as 11 CCR §7101(a) (records of requests and responses, at least 24 "
        "months) requires, and used for nothing else.",
        f"Kept to comply with a legal obligation — {PORTAL} (Records of your consents and opt-outs): We must be "
        "able to show when you consented or opted out (11 CCR §7101(a) and §7026 (your opt-out is honoured and "
        "recorded)).",
        f"Kept to comply with a legal obligation — {PORTAL} (Audit history of your requests): The audit trail of "
        "your requests is part of those records.",
        "We keep a record of your request and of our answer, as the law requires.",
    ]


def test_the_model_connector_erases_tokens_and_packages_but_keeps_request_records(private_storage):
    fulfilment_helpers.only_systems(PORTAL)
    dsr = verified_case(right="erasure", subject__email="erase.me@example.com")
    other = verified_case(right="access", subject__email="keep.me@example.com")
    for case in (dsr, other):
        VerificationToken.objects.create(submission=case.submission, token_hash=f"{case.pk:064d}",
                                         expires_at=T0)
    package = AccessPackage(case=dsr, expires_at=T0)
    package.file.save("old.zip", ContentFile(b"zip"), save=True)
    stored = package.file.name

    fulfilment.fulfilment_create_tasks(dsr=dsr)
    assert fulfilment.fulfilment_retry_sweep() == {"completed": 1}

    task = task_of(dsr, PORTAL)
    assert task.state == "done"
    counts = task.result["data"]["counts"]
    assert counts["requests.verification_token"] == {"deleted": 1, "files_removed": 0}
    assert counts["requests.access_package"] == {"deleted": 1, "files_removed": 1}
    assert task.result["data"]["kept_categories"] == ["privacy_request_records"]
    assert not package.file.storage.exists(stored)
    assert list(VerificationToken.objects.values_list("submission__subject__email", flat=True)) == [
        "keep.me@example.com"]
    dsr.subject.refresh_from_db()
    assert dsr.subject.email == "erase.me@example.com"  # request records are kept (11 CCR §7101)


def test_the_model_connector_scrubs_history_rows_when_it_deletes_or_anonymizes():
    target = registry.get_target("requests.data_subject")
    loose = DataSubjectFactory(email="loose@example.com")
    loose.full_name = "Renamed Once"
    loose.save()
    assert loose.history.count() == 2
    assert model_connector.erase_rows(target, loose, anonymize=False) == {"deleted": 1, "files_removed": 0}
    assert not DataSubject.objects.filter(pk=loose.pk).exists()
    assert not DataSubject.history.filter(id=loose.pk).exists()  # no "deleted" copy either

    kept = SubmissionFactory(subject__email="held@example.com", subject__full_name="Held Person").subject
    assert model_connector.erase_rows(target, kept, anonymize=True) == {"anonymized": 1, "files_removed": 0}
    kept.refresh_from_db()
    assert (kept.email, kept.full_name) == ("", "") and kept.erased_at is not None
    assert set(DataSubject.history.filter(id=kept.pk).values_list("email", "full_name")) == {("", "")}


def test_the_model_connector_leaves_rows_under_a_legal_hold_and_the_summary_says_so(private_storage):
    fulfilment_helpers.only_systems(PORTAL)
    dsr = verified_case(right="erasure")
    VerificationToken.objects.create(submission=dsr.submission, token_hash="f" * 64, expires_at=T0)
    legal_hold_place(scope="subject", subject=dsr.subject, reason="Litigation 2026-17", owner=supervisor(),
                     actor=None)
    fulfilment.fulfilment_create_tasks(dsr=dsr)
    fulfilment.fulfilment_retry_sweep()

    task = task_of(dsr, PORTAL)
    assert task.result["data"]["counts"]["requests.verification_token"] == {"held": 1}
    assert VerificationToken.objects.filter(submission=dsr.submission).exists()
    kept = fulfilment.fulfilment_erasure_summary(dsr)["kept"]
    assert {"system": PORTAL, "what": "1 record(s)",
            "exception": "Kept under a legal hold (litigation or an investigation)",
            "reason": "A legal hold covers them; they will be deleted when it ends."} in kept


def test_the_model_connector_exports_only_the_subjects_rows():
    target = registry.get_target("requests.submission")
    mine = SubmissionFactory(subject__email="mine@example.com", details="my details")
    SubmissionFactory(subject__email="theirs@example.com", details="their details")
    rows = model_connector.export_rows(target, mine.subject)
    assert [r["details"] for r in rows] == ["my details"]
    assert rows[0]["received_at"] == "2026-03-05T15:00:00+00:00"


def test_rectification_sends_the_correction_to_each_system():
    fulfilment_helpers.only_systems("Zendesk (customer support)", "Website and customer accounts")
    dsr = verified_case(right="rectification", correction_wrong="Name: Jon", correction_right="Name: John")
    tasks = fulfilment.fulfilment_create_tasks(dsr=dsr)
    assert {t.action for t in tasks} == {"correct"}
    payload = webhook_payload(tasks[0])
    assert payload["correction"] == {"wrong": "Name: Jon", "right": "Name: John"}
    assert payload["action"] == "correct"


def test_the_rules_tables_are_consistent():
    codes = set(fulfilment_rules.CATEGORIES)  # the one list (retention.categories)
    assert len(codes) == 27  # policy §2: 19; the portal's own records: 8 (risk assessments, issue 21)
    for categories in fulfilment_rules.RELATIONSHIP_CATEGORIES.values():
        assert categories <= codes
    assert set(fulfilment_rules.RETAINED_ON_ERASURE) <= codes
    for exception, _ in fulfilment_rules.RETAINED_ON_ERASURE.values():
        assert exception in fulfilment_rules.ERASURE_EXCEPTIONS
    for plan in fulfilment_rules.RIGHT_PLANS.values():
        for role in fulfilment_rules.ROLES:
            assert plan.action_for(role) in (None, *fulfilment_rules.ACTIONS)
    for system in System.objects.all():
        assert set(system.categories) <= codes, system.name


@pytest.mark.parametrize(("key", "expected"), [
    ("ssn", "government_id"), ("Passport Number", "government_id"), ("card_number", "financial_account"),
    ("IBAN", "financial_account"), ("medical_record_number", "medical_insurance_id"), ("password", "password"),
    ("security_answer", "security_answer"), ("fingerprint_template", "biometric"),
    ("company", None), ("email", None), ("span", None), ("full_name", None),
])
def test_forbidden_field_names_are_recognized(key, expected):
    assert fulfilment_rules.forbidden_type_of_key(key) == expected


def test_forbidden_values_are_recognized_in_free_text():
    assert fulfilment_rules.forbidden_type_of_value("my ssn is 123-45-6789") == "government_id"
    assert fulfilment_rules.forbidden_type_of_value("card 4111 1111 1111 1111") == "financial_account"
    assert fulfilment_rules.forbidden_type_of_value("call me on 2026-03-05") is None
    # A long plain id is not a card number unless it passes the Luhn check.
    assert fulfilment_rules.forbidden_type_of_value("order 1234567890123456") is None
    assert fulfilment_rules.forbidden_type_of_value("card 4012-8888-8888-1881") == "financial_account"
