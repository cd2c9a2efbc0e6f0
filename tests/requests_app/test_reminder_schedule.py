"""The stored next look of the reminder sweep (`CaseReminderSchedule.next_at`): kept by every write of an input,
read by the sweep instead of recomputing every open case, never late."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from requests_app import reminder_schedule
from requests_app.models import Case, CaseReminderSchedule, Reminder
from requests_app.services import reminders, workbench
from requests_app.services.cases import case_change_status
from requests_app.services.conversation import case_requester_reply
from requests_app.services.intake import submission_create
from requests_app.workflow import Status
from tests.factories import make_case, officer, supervisor
from tests.requests_app.intake_support import service_kwargs

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")  # the reminder time zone in the test settings (the office's)


def at(day: dt.date, hour: int = 11) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=NY)


def midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=NY)


def stored(dsr: Case) -> dt.datetime | None:
    return CaseReminderSchedule.objects.filter(case_id=dsr.pk).values_list("next_at", flat=True).first()


@pytest.fixture
def people():
    return {"boss": supervisor("boss"), "olivia": officer("olivia")}


@pytest.fixture
def dsr():
    """CCPA access received 5 March 2026: acknowledge by 19 March, respond by 19 April (extendable)."""
    case = make_case(right="access", regime="ccpa")
    assert (case.acknowledge_by, case.respond_by) == (dt.date(2026, 3, 19), dt.date(2026, 4, 19))
    return case


def test_reminder_time_zone_is_new_york():
    assert reminder_schedule.reminder_policy().time_zone == NY


# --- every input, changed by its service, moves the stored next look --------------------------------------


def test_created_case_is_next_looked_at_when_the_acknowledgement_reminder_starts(dsr):
    # Awaiting verification and unassigned (no unassigned reminders yet): acknowledge 3 days before 19 March.
    assert stored(dsr) == midnight(dt.date(2026, 3, 16))


def test_status_change_to_verified_starts_the_unassigned_reminders(dsr):
    with time_machine.travel(at(dt.date(2026, 3, 6)), tick=False):
        case_change_status(dsr=dsr, to=Status.VERIFIED, actor=None, reason="E-mail link opened")
    assert stored(dsr) == midnight(dt.date(2026, 3, 7))  # every two days after receipt while unassigned


def test_assignment_replaces_the_unassigned_reminders_by_the_assignees(dsr, people):
    with time_machine.travel(at(dt.date(2026, 3, 6)), tick=False):
        case_change_status(dsr=dsr, to=Status.VERIFIED, actor=None, reason="E-mail link opened")
        workbench.case_assign(dsr=dsr, assignee=people["olivia"], actor=people["boss"])
    assert stored(dsr) == midnight(dt.date(2026, 3, 16))  # the acknowledgement reminder is next


def test_acknowledgement_at_intake_removes_the_acknowledgement_reminders():
    with time_machine.travel(at(dt.date(2026, 3, 5)), tick=False):
        submission_create(**service_kwargs(rights=["access"]))
    dsr = Case.objects.get()
    assert dsr.acknowledged_at is not None
    # Unassigned and awaiting verification: the extension-notice window (5 days before 19 April) comes first.
    assert stored(dsr) == midnight(dsr.respond_by - dt.timedelta(days=5))


def test_extension_moves_the_due_date_and_the_next_look_with_it(dsr, people):
    with time_machine.travel(at(dt.date(2026, 3, 6)), tick=False):
        workbench.case_assign(dsr=dsr, assignee=people["olivia"], actor=people["boss"])
        workbench.case_verify_identity(dsr=dsr, actor=people["olivia"], method="data_points")
        Case.objects.filter(pk=dsr.pk).update(acknowledged_at=at(dt.date(2026, 3, 6)))
        dsr.refresh_from_db()
        dsr.save()  # acknowledged (as intake does): only due-date reminders are left
    assert stored(dsr) == midnight(dt.date(2026, 4, 12))  # 7 days before 19 April
    with time_machine.travel(at(dt.date(2026, 4, 10)), tick=False):
        workbench.case_extend(dsr=dsr, actor=people["olivia"], reason="Records are in the archive")
    dsr.refresh_from_db()
    assert dsr.due_on > dt.date(2026, 4, 19)
    assert stored(dsr) == midnight(dsr.due_on - dt.timedelta(days=7))


def test_pausing_for_the_requester_waits_for_the_silence(dsr, people):
    with time_machine.travel(at(dt.date(2026, 3, 6)), tick=False):
        workbench.case_assign(dsr=dsr, assignee=people["olivia"], actor=people["boss"])
        Case.objects.filter(pk=dsr.pk).update(acknowledged_at=at(dt.date(2026, 3, 6)))
        case_change_status(dsr=dsr, to=Status.AWAITING_REQUESTER, actor=people["olivia"],
                           reason="Asked to clarify", paused_since=at(dt.date(2026, 3, 6), 12))
    assert stored(dsr) == midnight(dt.date(2026, 4, 5))  # 30 silent days; no due-date reminder while paused


def test_a_requester_reply_is_looked_at_the_same_day(dsr, people):
    with time_machine.travel(at(dt.date(2026, 3, 6)), tick=False):
        workbench.case_assign(dsr=dsr, assignee=people["olivia"], actor=people["boss"])
        Case.objects.filter(pk=dsr.pk).update(acknowledged_at=at(dt.date(2026, 3, 6)))
        dsr.refresh_from_db()
        dsr.save()
    assert stored(dsr) == midnight(dt.date(2026, 4, 12))
    with time_machine.travel(at(dt.date(2026, 3, 20)), tick=False):
        case_requester_reply(dsr=dsr, text="Here is the order number you asked for.")
    assert stored(dsr) == midnight(dt.date(2026, 3, 20))


def test_closing_a_case_clears_its_next_look(dsr, people):
    workbench.case_withdraw_on_behalf(dsr=dsr, actor=people["boss"], reason="Requester phoned to withdraw")
    assert stored(dsr) is None


def test_a_claim_moves_the_next_look_past_today_and_only_for_the_cases_it_read(dsr, people):
    with time_machine.travel(at(dt.date(2026, 3, 6)), tick=False):
        workbench.case_assign(dsr=dsr, assignee=people["olivia"], actor=people["boss"])
    with time_machine.travel(at(dt.date(2026, 3, 16)), tick=False):
        claim = reminders.reminders_claim()
    assert Reminder.objects.get(pk__in=claim.claimed_ids).kind == "acknowledge"
    assert stored(dsr) == midnight(dt.date(2026, 3, 18))  # the 1-day acknowledgement reminder


# --- the sweep reads the stored column, not the open cases ------------------------------------------------


def test_the_sweep_only_reads_cases_whose_next_look_has_come(dsr, people):
    with time_machine.travel(at(dt.date(2026, 3, 6)), tick=False):
        workbench.case_assign(dsr=dsr, assignee=people["olivia"], actor=people["boss"])
    CaseReminderSchedule.objects.filter(case_id=dsr.pk).update(next_at=midnight(dt.date(2026, 3, 17)))
    with time_machine.travel(at(dt.date(2026, 3, 16)), tick=False):
        assert reminders.reminders_claim().claimed_ids == []  # due by its inputs, but not looked at yet
    with time_machine.travel(at(dt.date(2026, 3, 17)), tick=False):
        assert len(reminders.reminders_claim().claimed_ids) == 1


def test_steady_state_sweep_costs_one_query_however_many_cases_are_open(people):
    for _ in range(3):
        make_case()
    with time_machine.travel(at(dt.date(2026, 3, 6)), tick=False), CaptureQueriesContext(connection) as few:
        reminders.reminders_claim()
    for _ in range(12):
        make_case()
    with time_machine.travel(at(dt.date(2026, 3, 6)), tick=False), CaptureQueriesContext(connection) as many:
        assert reminders.reminders_claim().claimed_ids == []
    assert len(many.captured_queries) == len(few.captured_queries)
    reads = [q["sql"] for q in many.captured_queries if "requests_app_case" in q["sql"]]
    assert len(reads) == 1 and "requests_app_casereminderschedule" in reads[0]  # the narrow table alone
    assert '"requests_app_case"' not in reads[0]


def test_a_reminder_nobody_can_receive_keeps_the_case_due_for_the_next_sweep():
    dsr = make_case(right="opt_out_sale_sharing", regime="ccpa")  # verified at once, unassigned, no supervisor
    with time_machine.travel(at(dt.date(2026, 3, 7)), tick=False):
        claim = reminders.reminders_claim()
    assert claim.no_recipients == 1 and claim.claimed_ids == []
    assert stored(dsr) <= at(dt.date(2026, 3, 7))
    supervisor("sue")
    with time_machine.travel(at(dt.date(2026, 3, 7), 12), tick=False):
        assert len(reminders.reminders_claim().claimed_ids) == 1
    assert stored(dsr) == midnight(dt.date(2026, 3, 9))


def test_reschedule_command_applies_changed_offsets(dsr, settings):
    assert stored(dsr) == midnight(dt.date(2026, 3, 16))
    settings.MEDPRIVACY_REMINDERS = {**settings.MEDPRIVACY_REMINDERS, "acknowledge_offsets_days": [5, 1]}
    with time_machine.travel(at(dt.date(2026, 3, 6)), tick=False):
        assert reminders.reminders_reschedule_open() == 1
    assert stored(dsr) == midnight(dt.date(2026, 3, 14))


@pytest.mark.django_db(transaction=True)
def test_the_migrations_fill_open_cases_then_move_their_next_look_to_the_schedule_table(people):
    from django.db.migrations.executor import MigrationExecutor

    dsr = make_case(right="access", regime="ccpa")
    closed = make_case()
    workbench.case_withdraw_on_behalf(dsr=closed, actor=people["boss"], reason="Requester phoned to withdraw")
    before, after = ("requests_app", "0018_fill_case_next_reminder_at"), ("requests_app", "0019_case_reminder_schedule")
    executor = MigrationExecutor(connection)
    executor.migrate([before])  # the column on the case, as 0013-0018 left it
    old_apps = executor.loader.project_state(before).apps
    old_apps.get_model("requests_app", "Case").objects.update(next_reminder_at=None)
    __import__("requests_app.migrations.0018_fill_case_next_reminder_at", fromlist=["fill"]).fill(old_apps, None)
    executor.loader.build_graph()
    executor.migrate([after])  # 0019 copies each stored look into the schedule table and drops the column
    assert stored(dsr) == midnight(dt.date(2026, 3, 16))
    assert stored(closed) is None


# --- the pure schedule: never later than the first reminder the sweep would send -------------------------


@pytest.mark.parametrize("sweep_day", [dt.date(2026, 3, 5), dt.date(2026, 3, 20), dt.date(2026, 4, 15)])
def test_the_schedule_is_never_later_than_the_first_due_reminder(dsr, people, sweep_day):
    """Walk day by day: on any day the full computation finds a new key, the stored look has come."""
    with time_machine.travel(at(dt.date(2026, 3, 6)), tick=False):
        case_change_status(dsr=dsr, to=Status.VERIFIED, actor=None, reason="E-mail link opened")
    policy = reminders.reminder_policy()
    day, seen = sweep_day, set()
    while day <= dt.date(2026, 5, 1):
        with time_machine.travel(at(day), tick=False):
            keys = {(d.kind, d.target_date) for d in reminders.reminders_due(
                today=day, policy=policy, cases=Case.objects.filter(pk=dsr.pk))}
            if keys - seen:
                assert stored(dsr) <= at(day), (day, keys - seen, stored(dsr))
            reminders.reminders_claim()
            seen |= keys
        day += dt.timedelta(days=1)
