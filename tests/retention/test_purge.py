"""Purge runs: exactly the rows past their period go, anonymization leaves nothing personal, holds
block and are counted, history is scrubbed, a killed run resumes to the same end, a dry run changes
nothing."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from outbox.models import Message
from requests_app.models import Case, Submission, VerificationToken
from requests_app.workflow import Status
from retention import registry, services
from retention.models import Action, DataCategory, LegalHold, PurgeRun, RetentionRule, ReviewFlag
from subjects.models import DataSubject
from tests.factories import DataSubjectFactory, SubmissionFactory, supervisor
from tests.retention.helpers import (
    CUTOFF_24_MONTHS,
    NOW,
    closed_request,
    only_rule,
    open_request,
    snapshot,
)
from timeline.models import TimelineEvent

pytestmark = pytest.mark.django_db
SECOND = dt.timedelta(seconds=1)


def live_run(**kwargs) -> PurgeRun:
    with time_machine.travel(NOW, tick=False):
        run = services.purge_run_plan(mode=PurgeRun.Mode.LIVE, trigger=PurgeRun.Trigger.COMMAND, **kwargs)
        return services.purge_run_execute(run=run)


def item(run: PurgeRun, target: str):
    return run.items.get(target=target)


def test_request_records_rule_deletes_exactly_the_rows_past_their_period():
    only_rule("privacy_request_records")
    at_cutoff = closed_request(CUTOFF_24_MONTHS)  # exactly 24 months ago: due
    older = closed_request(CUTOFF_24_MONTHS - dt.timedelta(days=200))
    just_inside = closed_request(CUTOFF_24_MONTHS + SECOND)  # one second short of 24 months: kept
    still_open = open_request(CUTOFF_24_MONTHS - dt.timedelta(days=400))
    # One person, one old and one recent request: the old one goes, the person stays.
    returning = closed_request(CUTOFF_24_MONTHS - dt.timedelta(days=30))
    recent_of_returning = closed_request(NOW - dt.timedelta(days=5), subject=returning.subject)

    run = live_run()

    gone = [at_cutoff, older, returning]
    kept = [just_inside, still_open, recent_of_returning]
    assert set(Case.objects.values_list("pk", flat=True)) == {c.pk for c in kept}
    assert set(Submission.objects.values_list("pk", flat=True)) == {c.submission_id for c in kept}
    assert set(DataSubject.objects.values_list("pk", flat=True)) == {c.subject_id for c in kept}
    assert set(TimelineEvent.objects.values_list("case_id", flat=True)) == {c.pk for c in kept}
    assert set(Message.objects.values_list("submission_id", flat=True)) == {
        c.submission_id for c in kept if c is not still_open}
    assert not Case.history.filter(id__in=[c.pk for c in gone]).exists()
    assert Case.history.filter(id=just_inside.pk).count() == 3  # created, verified, completed: untouched
    assert not Submission.history.filter(id__in=[c.submission_id for c in gone]).exists()
    assert not DataSubject.history.filter(id__in=[at_cutoff.subject_id, older.subject_id]).exists()
    run.refresh_from_db()
    assert run.status == PurgeRun.Status.FINISHED and run.finished_at == NOW
    assert item(run, "requests.case").deleted == 3
    assert item(run, "requests.submission").deleted == 3
    assert item(run, "requests.data_subject").deleted == 2
    assert item(run, "requests.timeline_event").deleted == 3 * 3  # received + two status changes each
    assert item(run, "requests.message").deleted == 3
    assert all(i.skipped_for_hold == 0 and i.failed == 0 for i in run.items.all())


def test_a_second_run_finds_nothing_more_to_do():
    only_rule("privacy_request_records")
    closed_request(CUTOFF_24_MONTHS - dt.timedelta(days=1))
    live_run()
    before = snapshot()
    again = live_run()
    assert snapshot() == before
    assert sum(i.deleted for i in again.items.all()) == 0


def test_anonymize_leaves_no_personal_field_in_rows_or_history():
    only_rule("privacy_request_records", action=Action.ANONYMIZE)
    dsr = closed_request(CUTOFF_24_MONTHS - dt.timedelta(days=1), with_document=True)
    subject = dsr.subject
    document = dsr.submission.authorization_document.name
    assert default_storage.exists(document)
    # Earlier versions of the person's data live on in history rows until the purge scrubs them.
    subject.full_name, subject.phone = "Maiden Name", "+1 555 0100"
    subject.save()
    subject.full_name = "Married Name"
    subject.save()
    kept = closed_request(NOW - dt.timedelta(days=3))

    run = live_run()

    subject.refresh_from_db()
    assert (subject.email, subject.full_name, subject.phone) == ("", "", "")
    assert subject.erased_at == NOW
    for row in DataSubject.history.filter(id=subject.pk):
        assert (row.email, row.full_name, row.phone) == ("", "", ""), row.history_id
    submission = Submission.objects.get(pk=dsr.submission_id)
    personal = ["agent_name", "agent_email", "details", "correction_wrong", "correction_right", "clinic_name",
                "authorization_document"]
    assert all(getattr(submission, f) == "" for f in personal)
    for row in Submission.history.filter(id=submission.pk):
        assert all(getattr(row, f) == "" for f in personal), row.history_id
    assert not default_storage.exists(document)
    message = Message.objects.get(submission=submission)
    assert (message.to_email, message.subject, message.body_text, message.body_html) == ("", "", "", "")
    assert Case.objects.get(pk=dsr.pk).outcome_summary == ""
    assert set(TimelineEvent.objects.filter(case=dsr).values_list("summary", flat=True)) == {""}
    # The recent request keeps everything.
    kept.subject.refresh_from_db()
    assert kept.subject.full_name and kept.subject.email
    assert item(run, "requests.data_subject").anonymized == 1
    assert item(run, "requests.submission").anonymized == 1
    # Anonymized rows are not anonymized (or counted) again.
    again = live_run()
    assert sum(i.anonymized for i in again.items.all()) == 0


def test_holds_on_a_subject_a_case_and_a_category_block_and_are_counted():
    only_rule("privacy_request_records")
    boss = supervisor()
    held_subject = closed_request(CUTOFF_24_MONTHS - dt.timedelta(days=10))
    held_case = closed_request(CUTOFF_24_MONTHS - dt.timedelta(days=10))
    free = closed_request(CUTOFF_24_MONTHS - dt.timedelta(days=10))
    with time_machine.travel(NOW - dt.timedelta(days=1), tick=False):
        services.legal_hold_place(scope=LegalHold.Scope.SUBJECT, subject=held_subject.subject,
                                  reason="Litigation hold, matter 2026-17", owner=boss, actor=boss)
        services.legal_hold_place(scope=LegalHold.Scope.CASE, case=held_case,
                                  reason="Regulator inquiry", owner=boss, actor=boss)

    run = live_run()

    assert set(Case.objects.values_list("pk", flat=True)) == {held_subject.pk, held_case.pk}
    assert not Case.objects.filter(pk=free.pk).exists()
    assert DataSubject.objects.filter(pk__in=[held_subject.subject_id, held_case.subject_id]).count() == 2
    assert item(run, "requests.case").skipped_for_hold == 2
    assert item(run, "requests.case").deleted == 1
    assert item(run, "requests.submission").skipped_for_hold == 2
    assert item(run, "requests.data_subject").skipped_for_hold == 2
    assert Case.history.filter(id=held_case.pk).count() == 3

    # A category hold keeps everything of the category.
    with time_machine.travel(NOW, tick=False):
        services.legal_hold_place(scope=LegalHold.Scope.CATEGORY,
                                  category=DataCategory.objects.get(code="privacy_request_records"),
                                  reason="Company-wide preservation notice", owner=boss, actor=boss)
        for hold in LegalHold.objects.filter(scope__in=["subject", "case"]):
            services.legal_hold_release(hold=hold, actor=boss, reason="Matter settled")
    again = live_run()
    assert Case.objects.count() == 2
    assert item(again, "requests.case").skipped_for_hold == 2
    assert item(again, "requests.case").deleted == 0


def test_an_expired_hold_no_longer_blocks():
    only_rule("privacy_request_records")
    boss = supervisor()
    dsr = closed_request(CUTOFF_24_MONTHS - dt.timedelta(days=10))
    with time_machine.travel(NOW - dt.timedelta(days=30), tick=False):
        services.legal_hold_place(scope=LegalHold.Scope.CASE, case=dsr, reason="Short inquiry", owner=boss,
                                  actor=boss, ends_at=NOW - dt.timedelta(days=1))
    run = live_run()
    assert not Case.objects.filter(pk=dsr.pk).exists()
    assert item(run, "requests.case").skipped_for_hold == 0
    hold = LegalHold.objects.get()
    assert hold.case is None and hold.target_label == f"Case {dsr.reference}"  # the audit record remains


def test_a_hold_must_name_exactly_its_target():
    boss = supervisor()
    dsr = closed_request(NOW - dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="names exactly one case"):
        services.legal_hold_place(scope=LegalHold.Scope.CASE, case=dsr, subject=dsr.subject, reason="x",
                                  owner=boss, actor=boss)
    with pytest.raises(ValidationError, match="Say why"):
        services.legal_hold_place(scope=LegalHold.Scope.CASE, case=dsr, reason=" ", owner=boss, actor=boss)
    assert not LegalHold.objects.exists()


def test_dry_run_changes_nothing_and_reports_counts_and_references():
    dsr = closed_request(CUTOFF_24_MONTHS - dt.timedelta(days=1), with_document=True)
    closed_request(NOW - dt.timedelta(days=2))
    before = snapshot()
    with time_machine.travel(NOW, tick=False):
        run = services.purge_run_plan(mode=PurgeRun.Mode.DRY_RUN, trigger=PurgeRun.Trigger.ADMIN)
    assert snapshot() == before
    assert default_storage.exists(dsr.submission.authorization_document.name)
    assert run.status == PurgeRun.Status.FINISHED
    cases = item(run, "requests.case")
    assert (cases.due, cases.deleted, cases.sample_refs) == (1, 0, [dsr.reference])
    assert item(run, "requests.data_subject").sample_refs == [f"#{dsr.subject_id}"]
    # Tokens 30 days after issue: both requests' tokens are older than that.
    assert item(run, "requests.verification_token").due == 1  # the other was issued 12 days ago
    assert item(run, "requests.authorization_document").due == 1
    # References only: no e-mail address or name anywhere in the report.
    report = repr(list(run.items.values()))
    assert dsr.subject.email not in report and dsr.subject.full_name not in report


def test_a_run_interrupted_after_the_first_batch_resumes_to_the_same_result():
    def build():
        only_rule("privacy_request_records")
        people = [DataSubjectFactory(email=f"person{i}@example.com", full_name=f"Person {i}") for i in range(8)]
        for days in range(7):
            closed_request(CUTOFF_24_MONTHS - dt.timedelta(days=days + 1), subject=people[days])
        closed_request(NOW - dt.timedelta(days=4), subject=people[7])

    class Killed(Exception):
        pass

    def kill_after_first_batch(item, pks):
        raise Killed

    build()
    with time_machine.travel(NOW, tick=False):
        run = services.purge_run_plan(mode=PurgeRun.Mode.LIVE, trigger=PurgeRun.Trigger.SCHEDULE, batch_size=2)
        with pytest.raises(Killed):
            services.purge_run_execute(run=run, batch_hook=kill_after_first_batch)
    run.refresh_from_db()
    assert run.status == PurgeRun.Status.RUNNING and "Killed" in run.errors
    first = run.items.order_by("order").first()
    assert (first.batches, first.done) == (1, False)
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        resumed = services.purge_scheduled()  # the daily job picks the unfinished run up
    assert resumed.pk == run.pk and resumed.status == PurgeRun.Status.FINISHED and resumed.attempts == 2
    interrupted_state = snapshot()
    interrupted_counts = sorted(run.items.values_list("target", "deleted", "skipped_for_hold", "failed"))

    # The same data purged in one go, from scratch.
    Case.objects.all().delete()
    Submission.objects.all().delete()
    DataSubject.objects.all().delete()
    for model in (Case, Submission, DataSubject):
        model.history.all().delete()
    PurgeRun.objects.all().delete()
    build()
    straight = live_run(batch_size=2)
    assert straight.attempts == 1

    def comparable(state):  # primary keys differ between the two builds; contents must not
        return {k: sorted(tuple(x for x in row if not isinstance(x, int)) for row in rows)
                for k, rows in state.items()}

    assert comparable(snapshot()) == comparable(interrupted_state)
    assert sorted(straight.items.values_list("target", "deleted", "skipped_for_hold", "failed")) == \
        interrupted_counts
    assert dict((t, d) for t, d, _, _ in interrupted_counts)["requests.case"] == 7


def test_two_executions_of_a_finished_run_change_nothing():
    only_rule("privacy_request_records")
    closed_request(CUTOFF_24_MONTHS - dt.timedelta(days=1))
    run = live_run()
    counts = list(run.items.values_list("deleted", flat=True))
    with time_machine.travel(NOW, tick=False):
        services.purge_run_execute(run=run)
    assert list(run.items.values_list("deleted", flat=True)) == counts
    run.refresh_from_db()
    assert run.attempts == 1


def test_approval_setting_holds_a_live_run_until_a_supervisor_approves(settings):
    settings.MEDPRIVACY_PURGE_REQUIRES_APPROVAL = True
    only_rule("privacy_request_records")
    dsr = closed_request(CUTOFF_24_MONTHS - dt.timedelta(days=1))
    with time_machine.travel(NOW, tick=False):
        run = services.purge_scheduled()
        assert run.status == PurgeRun.Status.AWAITING_APPROVAL
        assert item(run, "requests.case").due == 1
        with pytest.raises(services.PurgeNotAllowed, match="waits for a supervisor"):
            services.purge_run_execute(run=run)
        assert Case.objects.filter(pk=dsr.pk).exists()
        assert services.purge_scheduled() == run  # the next day's job does not pile up another run
        assert PurgeRun.objects.count() == 1
        boss = supervisor()
        services.purge_run_approve(run=run, actor=boss)
        services.purge_run_execute(run=run)
    run.refresh_from_db()
    assert (run.status, run.approved_by, run.approved_at) == (PurgeRun.Status.FINISHED, boss, NOW)
    assert not Case.objects.filter(pk=dsr.pk).exists()


def test_verification_tokens_go_thirty_days_after_issue():
    only_rule("verification_tokens")
    old = closed_request(NOW - dt.timedelta(days=25))  # token issued 35 days ago
    new = closed_request(NOW - dt.timedelta(days=15))  # token issued 25 days ago
    run = live_run()
    assert list(VerificationToken.objects.values_list("submission_id", flat=True)) == [new.submission_id]
    assert item(run, "requests.verification_token").deleted == 1
    assert Case.objects.filter(pk=old.pk).exists()


def test_unverified_requests_go_thirty_days_after_closing_with_their_subject():
    only_rule("unverified_requests")
    unverified = closed_request(NOW - dt.timedelta(days=31), status=Status.CLOSED_UNVERIFIED)
    recent = closed_request(NOW - dt.timedelta(days=29), status=Status.CLOSED_UNVERIFIED)
    answered = closed_request(NOW - dt.timedelta(days=400))
    run = live_run()
    assert set(Case.objects.values_list("pk", flat=True)) == {recent.pk, answered.pk}
    assert not DataSubject.objects.filter(pk=unverified.subject_id).exists()
    assert not DataSubject.history.filter(id=unverified.subject_id).exists()
    assert (item(run, "requests.unverified_case").deleted, item(run, "requests.unverified_submission").deleted,
            item(run, "requests.unverified_data_subject").deleted) == (1, 1, 1)


def test_authorization_document_file_goes_once_the_case_closes():
    only_rule("authorization_documents")
    closed = closed_request(NOW - dt.timedelta(days=1), with_document=True)
    still_open = open_request(NOW - dt.timedelta(days=3))
    still_open.submission.authorization_document.save("open.pdf", ContentFile(b"%PDF open"), save=True)
    closed_name = closed.submission.authorization_document.name
    open_name = still_open.submission.authorization_document.name
    run = live_run()
    assert not default_storage.exists(closed_name)
    assert default_storage.exists(open_name)
    closed.submission.refresh_from_db()
    assert closed.submission.authorization_document.name == ""
    assert closed.submission.agent_name == "Agent Smith"  # only the document goes under this rule
    assert set(Submission.history.filter(id=closed.submission_id)
               .values_list("authorization_document", flat=True)) == {""}
    assert item(run, "requests.authorization_document").anonymized == 1


def test_flag_for_review_records_each_row_once():
    rule = only_rule("privacy_request_records", action=Action.FLAG_FOR_REVIEW)
    dsr = closed_request(CUTOFF_24_MONTHS - dt.timedelta(days=1))
    run = live_run()
    assert Case.objects.filter(pk=dsr.pk).exists()
    assert ReviewFlag.objects.get(rule=rule, target="requests.case").reference == dsr.reference
    assert item(run, "requests.case").flagged == 1
    again = live_run()
    assert item(again, "requests.case").flagged == 0
    assert ReviewFlag.objects.filter(target="requests.case").count() == 1


@pytest.fixture
def bare_submissions_target():
    """Another app's registration that ignores the cases pointing at a submission (PROTECT)."""
    target = registry.register("tests.bare_submission", model=Submission, category="usage",
                               dates={"collection": "received_at"}, subject="subject", case="cases")
    yield target
    registry.unregister(target.name)


def test_a_protected_row_is_reported_and_the_rest_of_its_batch_still_goes(bare_submissions_target):
    only_rule("privacy_request_records", is_active=False)
    services.retention_rule_save(
        rule=RetentionRule(category=DataCategory.objects.get(code="usage"), period=30, period_unit="days",
                           event="collection", action=Action.DELETE, legal_basis="Policy §5"),
        actor=None, reason="Usage data: 30 days")
    with_case = open_request(NOW - dt.timedelta(days=60))
    with time_machine.travel(NOW - dt.timedelta(days=50), tick=False):
        bare = SubmissionFactory(received_at=NOW - dt.timedelta(days=50))
    run = live_run()
    result = item(run, "tests.bare_submission")
    assert Submission.objects.filter(pk=with_case.submission_id).exists()
    assert not Submission.objects.filter(pk=bare.pk).exists()
    assert (result.deleted, result.failed) == (1, 1)
    assert result.error == (f"tests.bare_submission #{with_case.submission_id}: "
                            f"requests_app.Case still refers to it (protected)")
    run.refresh_from_db()
    assert run.status == PurgeRun.Status.FINISHED


def test_deleting_a_case_deletes_its_attachments_files_and_object_permissions():
    from guardian.shortcuts import assign_perm

    from requests_app.models import CaseAttachment, CaseUserObjectPermission

    only_rule("privacy_request_records")
    dsr = closed_request(CUTOFF_24_MONTHS - dt.timedelta(days=1))
    attachment = CaseAttachment.objects.create(case=dsr, file=ContentFile(b"scan", name="id-scan.png"),
                                               original_name="id-scan.png")
    assign_perm("requests_app.view_case", supervisor(), dsr)
    stored = attachment.file.name
    assert default_storage.exists(stored)
    live_run()
    assert not CaseAttachment.objects.exists()
    assert not default_storage.exists(stored)
    assert not CaseUserObjectPermission.objects.filter(content_object_id=dsr.pk).exists()
