"""Each audited write of the other apps appends its entry, and a real purge leaves the chain and the
report facts intact."""

from __future__ import annotations

import pytest
import time_machine

from audit.models import AuditEntry
from audit.selectors import audit_verify_chain
from audit.services import audit_digest
from consents import services as consent_services
from consents.models import ConsentEvent, Kind, Source
from reporting.models import CaseFact
from requests_app.models import Case
from retention import services as retention_services
from retention.models import PurgeRun, RetentionRule
from tests.factories import DataSubjectFactory
from tests.retention.helpers import CUTOFF_24_MONTHS, NOW, closed_request, only_rule

pytestmark = pytest.mark.django_db


def test_a_consent_event_is_chained_with_a_digest_of_its_evidence():
    subject = DataSubjectFactory()
    event = consent_services.consent_record(subject=subject, purpose="marketing_email", kind=Kind.GIVEN,
                                            source=Source.API, note="asked on the phone")
    entry = AuditEntry.objects.get(kind="consent.event", object_id=str(event.pk))
    assert entry.facts["kind"] == Kind.GIVEN and entry.facts["subject_id"] == subject.pk
    assert entry.content_digest == audit_digest({"browser_id": "", "user_agent": "", "ip_prefix": "",
                                                 "note": "asked on the phone"})
    assert ConsentEvent.objects.count() == 1


def test_a_retention_rule_change_is_chained():
    rule = RetentionRule.objects.get(category__code="privacy_request_records", is_active=True)
    rule.period = 36
    retention_services.retention_rule_save(rule=rule, actor=None, reason="Counsel asked for 36 months")
    entry = AuditEntry.objects.filter(kind="retention.rule_saved").last()
    assert (entry.object_id, entry.facts["period"], entry.facts["action"]) == (str(rule.pk), 36, "delete")


def test_a_real_purge_is_chained_and_leaves_the_chain_verifiable_and_the_counts():
    only_rule("privacy_request_records")
    gone = closed_request(CUTOFF_24_MONTHS, with_message=False)
    assert CaseFact.objects.get(case=gone).outcome == "whole"
    with time_machine.travel(NOW, tick=False):
        run = retention_services.purge_run_plan(mode=PurgeRun.Mode.LIVE, trigger=PurgeRun.Trigger.COMMAND)
        retention_services.purge_run_execute(run=run)
    assert not Case.objects.filter(pk=gone.pk).exists()
    entry = AuditEntry.objects.get(kind="retention.purge_run_finished")
    assert entry.object_id == str(run.pk) and entry.facts["deleted"] >= 1
    assert audit_verify_chain().ok
    fact = CaseFact.objects.get(case__isnull=True)
    assert (fact.right, fact.outcome, fact.received_on) == ("access", "whole", gone.receipt_date)
