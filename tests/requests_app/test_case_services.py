"""Core case services: creation with the rules' dates, the one status-changing service, messages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from regimes.deadlines import compute_deadlines
from requests_app.models import Case
from requests_app.services.cases import case_change_status, next_reference
from requests_app.workflow import IllegalTransition, Status
from tests.factories import UserFactory, make_case
from timeline.models import TimelineEvent

pytestmark = pytest.mark.django_db


def test_case_gets_the_dates_the_engine_gives_and_a_reference():
    dsr = make_case(right="access", regime="ccpa")
    expected = compute_deadlines(regime="ccpa", right="access", received_on=dt.date(2026, 3, 5))
    assert (dsr.acknowledge_by, dsr.respond_by, dsr.extended_respond_by) == (
        expected.acknowledge_by, expected.respond_by, expected.extended_respond_by)
    assert dsr.due_on == expected.respond_by
    assert dsr.reference == "DSR-2026-000001"
    assert dsr.status == Status.AWAITING_VERIFICATION
    assert dsr.timeline.get().kind == TimelineEvent.Kind.RECEIVED
    assert dsr.history.get().history_change_reason == "Request received"


def test_receipt_date_is_taken_in_the_regimes_time_zone():
    # 02:00 UTC on 6 March is still 5 March in California: the CCPA clock starts on the 5th.
    dsr = make_case(regime="ccpa", received_at=dt.datetime(2026, 3, 6, 2, 0, tzinfo=dt.UTC))
    assert dsr.receipt_date == dt.date(2026, 3, 5)
    assert dsr.respond_by == dt.date(2026, 4, 19)


def test_opt_out_needs_no_verification_and_starts_verified():
    dsr = make_case(right="opt_out_sale_sharing", regime="ccpa")
    assert dsr.status == Status.VERIFIED
    assert dsr.verified_at is not None
    assert dsr.verification_level == "none"


def test_references_count_up_per_year():
    assert next_reference(year=2027) == "DSR-2027-000001"
    assert next_reference(year=2027) == "DSR-2027-000002"
    assert next_reference(year=2028) == "DSR-2028-000001"


def test_status_change_records_history_with_actor_and_reason_and_timeline():
    dsr = make_case()
    officer = UserFactory(username="olivia")
    case_change_status(dsr=dsr, to=Status.VERIFIED, actor=officer, reason="E-mail link opened")
    dsr.refresh_from_db()
    assert dsr.status == Status.VERIFIED and dsr.verified_at is not None
    latest = dsr.history.first()
    assert latest.history_user == officer
    assert latest.history_change_reason == "E-mail link opened"
    event = dsr.timeline.filter(kind=TimelineEvent.Kind.STATUS_CHANGED).get()
    assert event.actor == officer and "Awaiting verification → Verified" in event.summary


def test_illegal_status_change_raises_and_changes_nothing():
    dsr = make_case()
    with pytest.raises(IllegalTransition):
        case_change_status(dsr=dsr, to=Status.COMPLETED, actor=None, reason="skip ahead")
    dsr.refresh_from_db()
    assert dsr.status == Status.AWAITING_VERIFICATION
    assert dsr.history.count() == 1
    assert not dsr.timeline.filter(kind=TimelineEvent.Kind.STATUS_CHANGED).exists()


def test_status_change_without_reason_is_refused():
    dsr = make_case()
    with pytest.raises(ValueError, match="needs a reason"):
        case_change_status(dsr=dsr, to=Status.VERIFIED, actor=None, reason="  ")


def test_terminal_status_sets_closed_at():
    dsr = make_case()
    case_change_status(dsr=dsr, to=Status.WITHDRAWN, actor=None, reason="Requester withdrew")
    dsr.refresh_from_db()
    assert dsr.closed_at is not None and not dsr.is_open


def test_status_change_locks_the_row():
    dsr = make_case()
    with CaptureQueriesContext(connection) as queries:
        case_change_status(dsr=dsr, to=Status.VERIFIED, actor=None, reason="ok")
    if connection.vendor == "postgresql":
        assert any("FOR UPDATE" in q["sql"] for q in queries.captured_queries)


def test_case_is_listed_open_until_closed():
    dsr = make_case()
    assert list(Case.objects.open()) == [dsr]
    case_change_status(dsr=dsr, to=Status.WITHDRAWN, actor=None, reason="withdrawn")
    assert not Case.objects.open().exists()


def test_a_long_reason_is_kept_whole_in_history():
    dsr = make_case()
    reason = "The requester confirmed by phone and by letter; " * 8
    case_change_status(dsr=dsr, to=Status.VERIFIED, actor=None, reason=reason)
    assert dsr.history.first().history_change_reason == reason


def test_a_years_first_reference_follows_the_numbers_already_handed_out():
    from requests_app.models import ReferenceCounter

    ReferenceCounter.objects.create(year=2029, last=41)  # counted by the row before sequences existed
    assert next_reference(year=2029) == "DSR-2029-000042"
    assert next_reference(year=2029) == "DSR-2029-000043"
    if connection.vendor == "postgresql":  # a year's sequence also starts after the year's existing cases
        Case.objects.filter(pk=make_case().pk).update(reference="DSR-2030-000977")
        assert next_reference(year=2030) == "DSR-2030-000978"


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_never_wait_for_each_others_reference_and_never_share_one():
    """A transaction holding a new reference does not make the next one wait (issue 19)."""
    from tests.conftest import require_postgres

    require_postgres()
    import threading

    from django.db import connections, transaction

    next_reference(year=2031)  # the year's sequence exists (created and committed)
    taken, holding, release = [], threading.Event(), threading.Event()

    def hold_open() -> None:
        with transaction.atomic():
            taken.append(next_reference(year=2031))
            holding.set()
            release.wait(10)
        connections.close_all()

    holder = threading.Thread(target=hold_open)
    holder.start()
    assert holding.wait(10)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '500ms'")  # a wait on the holder's row would fail here
            taken.append(next_reference(year=2031))
    finally:
        release.set()
        holder.join()

    def many() -> None:
        for _ in range(10):
            taken.append(next_reference(year=2031))
        connections.close_all()

    threads = [threading.Thread(target=many) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(taken) == 62 and len(set(taken)) == 62
    assert all(ref.startswith("DSR-2031-") for ref in taken)
