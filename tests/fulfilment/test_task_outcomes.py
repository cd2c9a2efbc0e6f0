"""Several tasks of a case recorded at once from the case page: all or nothing, inside the permission check."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from guardian.shortcuts import assign_perm

from fulfilment import services as fulfilment
from fulfilment.models import FulfilmentTask, System, TaskEvidence
from fulfilment.services import EvidenceFile, TaskOutcome
from tests.factories import officer
from tests.fulfilment import helpers as fulfilment_helpers
from tests.fulfilment.helpers import closed_port_url, task_of, verified_case, webhook_system
from timeline.models import TimelineEvent

pytestmark = pytest.mark.django_db
private_storage = fulfilment_helpers.private_storage  # fixture

T0 = dt.datetime(2026, 3, 6, 9, 0, tzinfo=dt.UTC)
NAMES = ("Billing archive", "Call recordings", "Paper files")


@pytest.fixture
def olivia_case(private_storage):
    fulfilment_helpers.only_systems()
    for name in NAMES:
        System.objects.create(name=name, categories=["contact_identification"])
    with time_machine.travel(T0, tick=False):
        dsr = verified_case(right="erasure")
        fulfilment.fulfilment_create_tasks(dsr=dsr)
        olivia = officer("olivia")
        assign_perm("requests_app.change_case", olivia, dsr)
        assign_perm("requests_app.view_case", olivia, dsr)
        yield dsr, olivia


def _pdf(name: str) -> EvidenceFile:
    return EvidenceFile(name=name, content=b"%PDF-1.4 deleted", content_type="application/pdf")


def test_several_tasks_are_recorded_together_each_with_its_history_timeline_and_evidence(olivia_case):
    dsr, olivia = olivia_case
    billing, calls = task_of(dsr, "Billing archive"), task_of(dsr, "Call recordings")

    recorded = fulfilment.fulfilment_tasks_record(dsr=dsr, actor=olivia, outcomes=[
        TaskOutcome(task_id=billing.pk, state="done", evidence=(_pdf("billing.pdf"),)),
        TaskOutcome(task_id=calls.pk, state="not_found"),
    ])

    assert [t.pk for t in recorded] == [billing.pk, calls.pk]
    billing.refresh_from_db()
    calls.refresh_from_db()
    assert (billing.state, calls.state) == ("done", "not_found")
    assert task_of(dsr, "Paper files").state == "open"
    history = billing.history.first()
    assert (history.history_user, history.history_change_reason) == (olivia, "Done")
    evidence = billing.evidence.get()
    assert (evidence.name, evidence.uploaded_by, evidence.file.read()) == ("billing.pdf", olivia, b"%PDF-1.4 deleted")
    summaries = list(dsr.timeline.filter(actor=olivia).values_list("summary", flat=True))
    assert "Billing archive: delete or de-identify the data — done" in summaries
    assert "Call recordings: delete or de-identify the data — not found" in summaries
    assert f"Billing archive: evidence file #{evidence.pk} attached (16 bytes)" in summaries


def test_one_refused_task_records_nothing_and_removes_the_files_already_stored(olivia_case, private_storage):
    dsr, olivia = olivia_case
    billing, calls, paper = (task_of(dsr, name) for name in NAMES)
    timeline_before = dsr.timeline.count()

    with pytest.raises(fulfilment.TaskOutcomesRefused) as refused:
        fulfilment.fulfilment_tasks_record(dsr=dsr, actor=olivia, outcomes=[
            TaskOutcome(task_id=billing.pk, state="done", evidence=(_pdf("billing.pdf"),)),
            TaskOutcome(task_id=calls.pk, state="not_applicable"),  # no reason
            TaskOutcome(task_id=paper.pk, state="failed", reason=""),  # no reason either
        ])

    assert refused.value.errors == {calls.pk: "A task marked not applicable needs a reason.",
                                    paper.pk: "A task marked failed needs a reason."}
    assert set(FulfilmentTask.objects.filter(case=dsr).values_list("state", flat=True)) == {"open"}
    assert not TaskEvidence.objects.exists()
    assert not [p for p in private_storage.rglob("*") if p.is_file()]  # the stored file went with the rollback
    assert dsr.timeline.count() == timeline_before
    assert billing.history.count() == 1  # only its creation


def test_an_officer_who_may_not_work_the_case_records_nothing(olivia_case):
    dsr, _ = olivia_case
    viewer = officer("vera")
    assign_perm("requests_app.view_case", viewer, dsr)  # shared for viewing only
    task = task_of(dsr, "Billing archive")
    with pytest.raises(PermissionDenied):
        fulfilment.fulfilment_tasks_record(dsr=dsr, actor=viewer, outcomes=[TaskOutcome(task_id=task.pk,
                                                                                         state="done")])
    task.refresh_from_db()
    assert task.state == "open"


def test_a_task_of_another_case_is_refused_not_resolved(olivia_case):
    dsr, olivia = olivia_case
    other = verified_case(right="erasure", subject__email="someone.else@example.com")
    fulfilment.fulfilment_create_tasks(dsr=other)
    foreign = task_of(other, "Billing archive")
    with pytest.raises(fulfilment.TaskOutcomesRefused) as refused:
        fulfilment.fulfilment_tasks_record(dsr=dsr, actor=olivia, outcomes=[TaskOutcome(task_id=foreign.pk,
                                                                                         state="done")])
    assert refused.value.errors == {foreign.pk: "This is not a task of this case."}
    foreign.refresh_from_db()
    assert foreign.state == "open"


def test_a_failed_connector_task_is_sent_again(private_storage, settings):
    settings.MEDPRIVACY_WEBHOOK_MAX_ATTEMPTS = 1
    fulfilment_helpers.only_systems()
    webhook_system("Ticketing", closed_port_url(), fulfilment_helpers.SECRET_A)
    with time_machine.travel(T0, tick=False):
        dsr = verified_case(right="erasure")
        fulfilment.fulfilment_create_tasks(dsr=dsr)
        assert fulfilment.fulfilment_retry_sweep() == {"failed": 1}
        task = task_of(dsr, "Ticketing")
        assert task.state == "failed"
        olivia = officer("olivia")
        assign_perm("requests_app.change_case", olivia, dsr)

        with pytest.raises(fulfilment.TaskOutcomesRefused) as refused:
            fulfilment.fulfilment_tasks_record(dsr=dsr, actor=olivia, outcomes=[
                TaskOutcome(task_id=task.pk, state=fulfilment.RETRY)])
        assert refused.value.errors == {task.pk: "Reopening a task needs a reason."}

        fulfilment.fulfilment_tasks_record(dsr=dsr, actor=olivia, outcomes=[
            TaskOutcome(task_id=task.pk, state=fulfilment.RETRY, reason="The ticketing system is back up")])
    task.refresh_from_db()
    assert (task.state, task.attempts, task.next_attempt_at) == ("open", 0, T0)
    assert task.history.first().history_change_reason == "Reopened: The ticketing system is back up"
    assert dsr.timeline.filter(kind=TimelineEvent.Kind.TASK,
                               summary="Ticketing: task reopened (The ticketing system is back up)").exists()


def test_an_oversized_or_empty_evidence_file_is_refused(olivia_case, monkeypatch):
    dsr, olivia = olivia_case
    monkeypatch.setattr(fulfilment, "MAX_EVIDENCE_BYTES", 10)
    billing, calls = task_of(dsr, "Billing archive"), task_of(dsr, "Call recordings")
    with pytest.raises(fulfilment.TaskOutcomesRefused) as refused:
        fulfilment.fulfilment_tasks_record(dsr=dsr, actor=olivia, outcomes=[
            TaskOutcome(task_id=billing.pk, state="done", evidence=(_pdf("big.pdf"),)),
            TaskOutcome(task_id=calls.pk, state="done", evidence=(EvidenceFile(name="empty.txt", content=b""),)),
        ])
    assert refused.value.errors == {billing.pk: "big.pdf: evidence files are limited to 0 MB.",
                                    calls.pk: "empty.txt: the file is empty."}
