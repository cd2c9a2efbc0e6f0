"""The erasure at completion: the notice says what was deleted and kept, under the case regime's own rule and
until when; a legal hold postpones the minimisation; an erasure waits for the person's other open requests."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from outbox.models import Message
from requests_app.services import workbench
from retention import services as retention_services
from retention.models import LegalHold
from subjects.models import DataSubject
from tests.erasure_helpers import complete_erasure, erasure_case
from tests.factories import SubmissionFactory, make_case, supervisor
from timeline.models import TimelineEvent

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 5, 15, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def notice_of(dsr) -> str:
    return Message.objects.get(submission=dsr.submission, template_key="completion").body_text


def test_a_german_requesters_notice_cites_the_gdpr_not_a_californian_rule():
    dsr = complete_erasure(erasure_case(email="greta@example.de", country="DE", subdivision="", regime="gdpr"))
    text = notice_of(dsr)
    assert "GDPR Art. 5(2) and Art. 24(1)" in text and "GDPR Art. 7(1)" in text
    assert "CCR" not in text and "§7101" not in text
    # Until when: 24 months for the request record, 36 for the consent ledger, from the completion.
    assert "Until: 5 March 2028" in text and "Until: 5 March 2029" in text
    assert "In this portal we deleted your name, e-mail address" in text
    assert "We will not send you any further e-mail." in text


def test_a_californians_notice_cites_11_ccr_7101():
    text = notice_of(complete_erasure(erasure_case(email="cal@example.com")))
    assert "11 CCR §7101(a)" in text and "GDPR" not in text


def test_a_legal_hold_postpones_the_minimisation_and_says_so():
    dsr = erasure_case(email="held@example.com")
    boss = supervisor("holder")
    retention_services.legal_hold_place(scope=LegalHold.Scope.SUBJECT, subject=dsr.subject, reason="Matter 9",
                                        owner=boss, actor=boss)
    complete_erasure(dsr)
    subject = DataSubject.objects.get(pk=dsr.subject_id)
    assert (subject.email, subject.erased_at) == ("held@example.com", None)
    assert dsr.timeline.filter(kind=TimelineEvent.Kind.OTHER, summary__contains="legal hold").exists()


def test_an_erasure_waits_for_the_persons_other_open_requests():
    dsr = erasure_case(email="two@example.com")
    other = make_case(right="access", submission=SubmissionFactory(subject=dsr.subject))
    with pytest.raises(workbench.WorkbenchError, match=f"{other.reference}.*close those first"):
        complete_erasure(dsr)
    assert DataSubject.objects.get(pk=dsr.subject_id).erased_at is None


def test_history_keeps_no_copy_of_the_erased_person():
    dsr = erasure_case(email="hist@example.com", full_name="Hester History")
    subject = dsr.subject
    subject.full_name = "Hester H. History"
    subject._change_reason = "Name corrected"
    subject.save()
    complete_erasure(dsr)
    rows = list(DataSubject.history.filter(id=subject.pk).values_list("email", "full_name", "history_change_reason"))
    assert {(email, name) for email, name, _ in rows} == {("", "")}
    assert rows[0][2] == f"Erased on request ({dsr.reference})"  # the erasure itself is in the history
