"""The audit chain: entries appended by the services, verification, tampering by raw SQL, erasure."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection

from audit import chain
from audit.models import AuditCheckpoint, AuditEntry
from audit.selectors import audit_verify_chain
from audit.services import audit_append, audit_checkpoint_record, audit_digest
from audit.tasks import audit_checkpoint
from medprivacy.models import JobRun
from requests_app.services.cases import case_change_status
from requests_app.workflow import Status
from subjects.models import DataSubject
from tests.factories import make_case

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


def run_verify() -> tuple[int, str]:
    """Run `audit_verify` as the command line does; return its exit code and output."""
    import io

    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit_verify", stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code), err.getvalue()
    return 0, out.getvalue()


def seed() -> None:
    with time_machine.travel(NOW, tick=False):
        dsr = make_case(right="erasure", regime="ccpa")
        case_change_status(dsr=dsr, to=Status.VERIFIED, actor=None, reason="E-mail link opened")
        case_change_status(dsr=dsr, to=Status.IN_PROGRESS, actor=None, reason="Work started")


def test_services_append_entries_for_case_writes_with_digests_not_data():
    seed()
    kinds = list(AuditEntry.objects.values_list("kind", flat=True))
    assert kinds[0] == "case.created"
    assert kinds.count("case.status_changed") == 2
    assert "timeline.event" in kinds
    assert list(AuditEntry.objects.values_list("sequence", flat=True)) == list(range(1, len(kinds) + 1))
    status = AuditEntry.objects.filter(kind="case.status_changed").first()
    assert status.facts["from"] == "awaiting_verification" and status.facts["to"] == "verified"
    assert status.content_digest == audit_digest({"reason": "E-mail link opened", "outcome_summary": ""})
    # No personal data in clear anywhere in the table.
    email = DataSubject.objects.get().email
    with connection.cursor() as cursor:
        cursor.execute("SELECT facts::text, content_digest FROM audit_auditentry" if connection.vendor ==
                       "postgresql" else "SELECT facts, content_digest FROM audit_auditentry")
        dump = " ".join(" ".join(map(str, row)) for row in cursor.fetchall())
    assert email not in dump and "E-mail link opened" not in dump


def test_audit_verify_passes_on_an_untouched_database():
    seed()
    code, output = run_verify()
    assert code == 0
    head = AuditEntry.objects.order_by("-sequence").first()
    assert f"head #{head.sequence} {head.entry_hash}" in output


def test_audit_verify_fails_naming_the_entry_after_a_raw_sql_update():
    seed()
    target = AuditEntry.objects.get(sequence=3)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET kind = %s WHERE sequence = 3", ["timeline.note"])
    code, output = run_verify()
    assert code == 1
    assert "broken at entry #3" in output and "altered" in output
    assert target.kind != "timeline.note"


def test_audit_verify_fails_after_an_update_that_recomputes_the_entrys_own_hash():
    # Someone who knows the scheme rewrites entry 2 and its hash: entry 3 no longer links to it.
    seed()
    entry = AuditEntry.objects.get(sequence=2)
    entry.facts = {**entry.facts, "actor_label": "requester-forged"}
    new_hash = chain.entry_hash(entry.previous_hash, entry.chain_fields())
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET facts = %s, entry_hash = %s WHERE sequence = 2",
                       [__import__("json").dumps(entry.facts), new_hash])
    code, output = run_verify()
    assert code == 1
    assert "broken at entry #3" in output and "previous-hash" in output


def test_audit_verify_fails_naming_the_entry_after_a_raw_sql_delete():
    seed()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE sequence = 4")
    code, output = run_verify()
    assert code == 1
    assert "broken at entry #4" in output and "missing" in output


def test_audit_verify_fails_after_a_raw_sql_swap_of_two_entries():
    seed()
    with connection.cursor() as cursor:  # swap the positions of entries 2 and 3
        cursor.execute("UPDATE audit_auditentry SET sequence = 999999 WHERE sequence = 2")
        cursor.execute("UPDATE audit_auditentry SET sequence = 2 WHERE sequence = 3")
        cursor.execute("UPDATE audit_auditentry SET sequence = 3 WHERE sequence = 999999")
    code, output = run_verify()
    assert code == 1
    assert "broken at entry #2" in output


def test_deleting_the_newest_entries_is_caught_by_the_checkpoint():
    seed()
    checkpoint = audit_checkpoint_record()
    assert checkpoint.verified
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE sequence = %s", [checkpoint.sequence])
    code, output = run_verify()
    assert code == 1
    assert f"broken at entry #{checkpoint.sequence}" in output


def test_a_checkpoint_kept_outside_proves_the_chain_up_to_it():
    seed()
    head = AuditEntry.objects.order_by("-sequence").first()
    assert audit_verify_chain(expect={head.sequence: head.entry_hash}).ok
    assert not audit_verify_chain(expect={head.sequence: "f" * 64}).ok


def test_erasing_a_person_leaves_the_chain_verifiable():
    from retention import registry
    from retention.services import rows_erase

    seed()
    subject = DataSubject.objects.get()
    entries_before = AuditEntry.objects.count()
    # Scrub every registered row of the person, as an erasure or the retention purge does.
    for name in ("requests.timeline_event", "requests.message", "requests.submission", "requests.data_subject"):
        target = registry.get_target(name)
        pks = list(target.model._base_manager.filter(**{target.subject: subject.pk}).values_list("pk", flat=True))
        rows_erase(target=target, pks=pks, anonymize=True)
    subject.refresh_from_db()
    assert subject.email == "" and subject.erased_at is not None
    assert AuditEntry.objects.count() == entries_before
    assert run_verify()[0] == 0
    # The digest no longer matches the scrubbed row: the chain proves what was, without keeping it.
    event = subject.cases.get().timeline.filter(kind="status_changed").first()
    entry = AuditEntry.objects.get(object_type=event._meta.label_lower, object_id=str(event.pk))
    assert entry.content_digest != audit_digest({"summary": event.summary})


def test_daily_checkpoint_is_a_recorded_job_and_mailed_outside(settings):
    settings.MEDPRIVACY_AUDIT_CHECKPOINT_EMAILS = ["auditor@outside.example"]
    seed()
    head = AuditEntry.objects.order_by("-sequence").first()
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
        from django.test import TestCase

        with TestCase.captureOnCommitCallbacks(execute=True):
            audit_checkpoint()
    checkpoint = AuditCheckpoint.objects.get()
    assert (checkpoint.sequence, checkpoint.entry_hash, checkpoint.verified) == (head.sequence, head.entry_hash,
                                                                                True)
    run = JobRun.objects.get(name="audit.checkpoint")
    assert run.status == JobRun.Status.SUCCEEDED
    assert mail.outbox[-1].to == ["auditor@outside.example"]
    assert head.entry_hash in mail.outbox[-1].body


def test_appends_carry_gap_free_sequences_and_links():
    first = audit_append(kind="test.one", facts={"n": 1})
    second = audit_append(kind="test.two", facts={"n": 2})
    assert second.sequence == first.sequence + 1
    assert second.previous_hash == first.entry_hash
    assert chain.entry_hash(first.entry_hash, second.chain_fields()) == second.entry_hash


def test_a_batch_writes_its_entries_at_its_end_in_order_and_the_chain_verifies():
    from audit.services import audit_batch

    before = audit_append(kind="test.before")
    with audit_batch():
        first = audit_append(kind="test.one", facts={"n": 1})
        with audit_batch():  # a nested batch joins the outer one
            second = audit_append(kind="test.two", facts={"n": 2})
        assert first.pk is None and not AuditEntry.objects.filter(kind__startswith="test.t").exists()
    stored = list(AuditEntry.objects.filter(sequence__gt=before.sequence).order_by("sequence"))
    assert [(e.kind, e.sequence) for e in stored] == [("test.one", before.sequence + 1),
                                                      ("test.two", before.sequence + 2)]
    assert stored[0].previous_hash == before.entry_hash and stored[1].previous_hash == stored[0].entry_hash
    assert (first.sequence, second.sequence) == (before.sequence + 1, before.sequence + 2)
    assert audit_verify_chain().ok
    assert audit_append(kind="test.after").sequence == before.sequence + 3


def test_a_batch_that_fails_writes_nothing():
    from django.db import transaction

    from audit.models import AuditHead
    from audit.services import audit_batch

    before = audit_append(kind="test.before")
    with pytest.raises(RuntimeError), transaction.atomic(), audit_batch():
        audit_append(kind="test.lost")
        raise RuntimeError("boom")
    assert not AuditEntry.objects.filter(kind="test.lost").exists()
    assert AuditHead.objects.get().sequence == before.sequence
    assert audit_verify_chain().ok
