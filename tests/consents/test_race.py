"""Two changes racing for one subject and purpose: both recorded in order, the state is the later one."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from consents import selectors, services
from consents.models import ConsentEvent, ConsentState, Kind, Purpose, Source
from tests.conftest import require_postgres
from tests.factories import DataSubjectFactory


def _in_thread(target, errors: list) -> threading.Thread:
    def run():
        try:
            target()
        except Exception as exc:  # surfaced by the assertion on `errors`
            errors.append(exc)
        finally:
            connection.close()

    return threading.Thread(target=run)


@pytest.mark.django_db(transaction=True)
def test_a_change_waiting_on_the_lock_is_recorded_after_the_one_holding_it():
    require_postgres()
    subject = DataSubjectFactory(country="DE", subdivision="")
    purpose = Purpose.objects.get(code="marketing_email")
    services.consent_record(subject=subject, purpose=purpose, kind=Kind.GIVEN, source=Source.API)
    holding, errors = threading.Event(), []

    def first():  # takes the row lock, then is slow to commit
        with transaction.atomic():
            services.consent_record(subject=subject, purpose=purpose, kind=Kind.WITHDRAWN, source=Source.OFFICER)
            holding.set()
            time.sleep(0.5)

    def second():
        holding.wait(5)
        services.consent_record(subject=subject, purpose=purpose, kind=Kind.GIVEN, source=Source.PREFERENCE_CENTER)

    threads = [_in_thread(first, errors), _in_thread(second, errors)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert errors == []
    events = list(ConsentEvent.objects.filter(subject=subject).order_by("id"))
    assert [(e.kind, e.source) for e in events] == [("given", "api"), ("withdrawn", "officer"),
                                                    ("given", "preference_center")]
    assert events[1].at <= events[2].at
    state = ConsentState.objects.get(subject=subject, purpose=purpose)
    assert (state.state, state.last_event_id) == ("given", events[2].pk)
    assert selectors.state_table_disagreements() == []


@pytest.mark.django_db(transaction=True)
def test_first_changes_racing_to_create_the_state_row_agree_with_the_ledger():
    require_postgres()
    purpose = Purpose.objects.get(code="sale_sharing")
    subjects = [DataSubjectFactory(country="US", subdivision="CA") for _ in range(6)]
    errors: list = []
    for subject in subjects:
        barrier = threading.Barrier(2)

        def change(kind, subject=subject, barrier=barrier):
            barrier.wait(5)
            services.consent_record(subject=subject, purpose=purpose, kind=kind, source=Source.API)

        threads = [_in_thread(lambda: change(Kind.GIVEN), errors), _in_thread(lambda: change(Kind.OPTED_OUT), errors)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
    assert errors == []
    for subject in subjects:
        events = list(ConsentEvent.objects.filter(subject=subject).order_by("id"))
        assert len(events) == 2
        state = ConsentState.objects.get(subject=subject, purpose=purpose)
        assert (state.state, state.last_event_id) == (events[-1].kind, events[-1].pk)
        assert state.history.count() == 2
    assert selectors.state_table_disagreements() == []
